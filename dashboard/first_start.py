"""The first start: with no database at the configured path, the dashboard builds the demo city there."""

from __future__ import annotations

import threading

from settings import Settings

_build_lock = threading.Lock()


def ensure_database(settings: Settings) -> bool:
    """Build the demo database when ``settings.db_path`` does not exist; return whether it was built.

    Concurrent first sessions build it once: the others wait here and find the file. The demo's source
    files go to ``demo/`` beside the database (``data/demo`` for the default path).
    """
    if settings.db_path.exists():
        return False
    with _build_lock:
        if settings.db_path.exists():
            return False
        import demo  # the one place the dashboard loads data: the demo city, through the ETL

        demo.build_demo(settings, out_dir=settings.db_path.parent / "demo", progress=False)
    return True

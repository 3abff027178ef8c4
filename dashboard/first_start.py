"""The first start: with no database at the default path, the dashboard builds the demo city there.

At a configured path (``ONEMAP_DB_PATH``, ``db_path`` in onemap.toml) a missing file is more likely a typo or a
volume not mounted than a wish for a city of invented cases, which later real loads would merge into; so the
demo is built there only when ``settings.demo_on_first_start`` asks for it, and otherwise the app says which
path it looked at and stops.
"""

from __future__ import annotations

import threading

import streamlit as st

import queries
from settings import DEFAULT_DB_PATH, Settings
from views.calls import QueryCall
from views.i18n import Translate

from . import cache

_build_lock = threading.Lock()


class NoDatabaseError(RuntimeError):
    """No database at the configured path, and the demo is not to be built there."""


def may_build_demo(settings: Settings) -> bool:
    """Whether a missing database at ``settings.db_path`` may be replaced by the demo city."""
    return settings.demo_on_first_start or settings.db_path.resolve() == DEFAULT_DB_PATH.resolve()


def ensure_database(settings: Settings) -> bool:
    """Build the demo database when ``settings.db_path`` does not exist and that is allowed (`may_build_demo`);
    return whether it was built. Raises `NoDatabaseError` naming the path otherwise, or when it is a folder.

    Concurrent first sessions build it once: the others wait here and find the file. The demo's source
    files go to ``demo/`` beside the database (``data/demo`` for the default path).
    """
    path = settings.db_path
    if path.is_dir():
        raise NoDatabaseError(f"{path} is a folder, not a database file")
    if path.exists():
        return False
    if not may_build_demo(settings):
        raise NoDatabaseError(f"there is no database at {path}")
    with _build_lock:
        if path.exists():
            return False
        import demo  # the one place the dashboard loads data: the demo city, through the ETL

        demo.build_demo(settings, out_dir=path.parent / "demo", progress=False)
    return True


def draw_dataset_label(settings: Settings, t: Translate) -> bool:
    """Say 演示数据 in the sidebar and above the page when the database holds the demo city (it says so itself:
    ``queries.dataset_facts``); return whether it does, for the window title."""
    facts = cache.frame(settings, QueryCall.of(queries.dataset_facts))
    demo = bool(facts["demo"].iloc[0])
    if demo:
        st.sidebar.badge(t("dataset.demo"), icon=":material/science:", color="orange", help=t("dataset.demo_note"))
        st.badge(t("dataset.demo"), icon=":material/science:", color="orange", help=t("dataset.demo_note"))
    return demo

"""The dashboard's read-only view of the live database, which follows the ETL's atomic file replacements.

A load never writes the live file: it renames a finished copy over it (``etl/store.py``). So the file at
``settings.db_path`` is either the old database or the new one, never half of each. This module notices the
rename (a new inode or modification time) and opens the new file; until then the old one keeps answering.

Two DuckDB details shape the code:

* ``duckdb.connect(path)`` returns the already-open database instance for a path it has seen, even after
  the file at that path was replaced. So each version is opened in its own in-memory instance with
  ``ATTACH … (READ_ONLY)``, which reads whatever file the path names now.
* One connection must not be used from several threads (Streamlit runs each session in its own thread).
  ``cursor()`` hands out a fresh cursor per query; a superseded version stays open until its last
  cursor closes, so a query in flight during a reload finishes on the data it started with.

Every version is opened with DuckDB's ``memory_limit`` and a spill folder from the settings
(``dashboard_memory_limit``, ``dashboard_temp_dir``): without them DuckDB allows itself 80 % of the machine's
memory, and at 50M cases a dashboard process grew until the kernel killed it (docs/performance.md).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import duckdb

from settings import Settings

#: Catalog name the live file is attached under; queries name tables without it.
CATALOG = "onemap"


class DatabaseMissingError(FileNotFoundError):
    """There is no database file at the configured path."""


class SpillDirError(OSError):
    """The folder a reader spills to cannot be created or written."""


def db_version(db_path: Path) -> str:
    """A token that changes whenever the file at ``db_path`` is replaced or rewritten: put it in cache keys."""
    try:
        stat = Path(db_path).stat()
    except FileNotFoundError as exc:
        raise DatabaseMissingError(f"no OneMap database at {db_path}; build one with `python -m demo`") from exc
    return f"{stat.st_dev}:{stat.st_ino}:{stat.st_mtime_ns}:{stat.st_size}"


def _open(db_path: Path, memory_limit: str | None, spill_dir: Path | None) -> duckdb.DuckDBPyConnection:
    config: dict[str, str | bool | int | float | list[str]] = {}
    if memory_limit:
        config["memory_limit"] = memory_limit
    if spill_dir is not None:
        # DuckDB creates the folder itself but not its parents; the path comes from settings
        try:
            Path(spill_dir).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SpillDirError(
                f"cannot create the readers' spill folder {spill_dir} (dashboard_temp_dir): {exc}"
            ) from exc
        if not os.access(spill_dir, os.W_OK | os.X_OK):
            raise SpillDirError(f"the readers' spill folder {spill_dir} (dashboard_temp_dir) is not writable")
        config["temp_directory"] = str(spill_dir)
    try:
        con = duckdb.connect(":memory:", config=config)
    except duckdb.ProgrammingError as exc:  # a memory_limit DuckDB cannot parse
        raise ValueError(f"setting dashboard_memory_limit = {memory_limit!r} is not a memory size: {exc}") from exc
    quoted = str(db_path).replace("'", "''")  # ATTACH takes no bound parameters; the path comes from settings
    con.execute(f"ATTACH '{quoted}' AS {CATALOG} (READ_ONLY)")
    con.execute(f"USE {CATALOG}")
    return con


class LiveDatabase:
    """Read-only access to the database file at one path, reopened when the file there changes.

    ``memory_limit`` (e.g. "4GB"; None: DuckDB's default, 80 % of the machine's memory) and ``spill_dir`` (where
    a query spills beyond it; None: DuckDB's ``.tmp`` in the working directory) apply to every version opened.
    Each version is its own in-memory DuckDB instance with its own buffer pool, so the limit is per version: while
    a superseded version still serves a query in flight, the process may hold up to one limit per open version
    (normally one, two for the seconds after a load), plus what pandas holds of the results. Entry points pass
    the settings (``for_settings``)."""

    def __init__(self, db_path: Path, *, memory_limit: str | None = None, spill_dir: Path | None = None) -> None:
        self.db_path = Path(db_path)
        self.memory_limit = memory_limit
        self.spill_dir = spill_dir
        self._lock = threading.Lock()
        self._version: str | None = None
        self._con: duckdb.DuckDBPyConnection | None = None

    @classmethod
    def for_settings(cls, settings: Settings) -> LiveDatabase:
        """The database at ``settings.db_path`` read within ``dashboard_memory_limit``, spilling to
        ``dashboard_spill_dir``."""
        return cls(
            settings.db_path, memory_limit=settings.dashboard_memory_limit, spill_dir=settings.dashboard_spill_dir
        )

    @property
    def version(self) -> str | None:
        """The version currently open (``None`` before the first query)."""
        return self._version

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor on the file as it is now; close it (``with db.cursor() as con:``) when done."""
        with self._lock:
            version = db_version(self.db_path)
            if self._con is None or version != self._version:
                # The superseded connection is dropped, not closed: closing it would break cursors that
                # other sessions are still reading from. It is freed when the last of them closes.
                self._con = _open(self.db_path, self.memory_limit, self.spill_dir)
                self._version = version
            cursor = self._con.cursor()
        cursor.execute(f"USE {CATALOG}")
        return cursor


#: What reading a database can fail with that is the file's or the query's fault (for command lines outside
#: ``queries`` that must not import DuckDB themselves: one line on stderr, not a traceback).
READ_ERRORS: tuple[type[Exception], ...] = (DatabaseMissingError, SpillDirError, duckdb.Error)

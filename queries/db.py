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
"""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb

#: Catalog name the live file is attached under; queries name tables without it.
CATALOG = "onemap"


class DatabaseMissingError(FileNotFoundError):
    """There is no database file at the configured path."""


def db_version(db_path: Path) -> str:
    """A token that changes whenever the file at ``db_path`` is replaced or rewritten: put it in cache keys."""
    try:
        stat = Path(db_path).stat()
    except FileNotFoundError as exc:
        raise DatabaseMissingError(f"no OneMap database at {db_path}; build one with `python -m demo`") from exc
    return f"{stat.st_dev}:{stat.st_ino}:{stat.st_mtime_ns}:{stat.st_size}"


def _open(db_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    quoted = str(db_path).replace("'", "''")  # ATTACH takes no bound parameters; the path comes from settings
    con.execute(f"ATTACH '{quoted}' AS {CATALOG} (READ_ONLY)")
    con.execute(f"USE {CATALOG}")
    return con


class LiveDatabase:
    """Read-only access to the database file at one path, reopened when the file there changes."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self._lock = threading.Lock()
        self._version: str | None = None
        self._con: duckdb.DuckDBPyConnection | None = None

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
                self._con = _open(self.db_path)
                self._version = version
            cursor = self._con.cursor()
        cursor.execute(f"USE {CATALOG}")
        return cursor


#: What reading a database can fail with that is the file's or the query's fault (for command lines outside
#: ``queries`` that must not import DuckDB themselves: one line on stderr, not a traceback).
READ_ERRORS: tuple[type[Exception], ...] = (DatabaseMissingError, duckdb.Error)

"""The one writer: every load runs against a private copy of the database that replaces the live file on commit.

DuckDB lets one process write a database file, and a reader in another process cannot open a file that a
writer holds. So a load never opens the live file for writing: it copies it, loads into the copy, checkpoints,
and atomically renames the copy over the live path. Readers (the dashboard) keep answering from the file they
have open and see the new data when they next reopen (``dashboard/db.py`` reopens when the file changes).
A failed load deletes its copy: the live database is untouched. A lock file serialises concurrent loads.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb

from core.clock import local_now

from .remask import remask_stored
from .schema import apply_schema


class LoadLockedError(RuntimeError):
    """Another load holds the database's lock."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _exclusive_lock(db_path: Path, *, wait: bool) -> Iterator[None]:
    lock_path = db_path.with_name(db_path.name + ".lock")
    with lock_path.open("a") as lock:
        flags = fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB
        try:
            fcntl.flock(lock, flags)
        except BlockingIOError as exc:
            raise LoadLockedError(f"another load is writing {db_path}; try again when it has finished") from exc
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextlib.contextmanager
def writing(
    db_path: Path, *, wait: bool = True, memory_limit: str = "2GB", timezone: str = "Asia/Shanghai"
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a private copy of ``db_path``; on success it replaces ``db_path`` atomically.

    Everything done through the connection becomes visible at once, or not at all; the schema is migrated first
    (``etl.schema``), and text masked by an older masking rule masked again (``etl.remask``), in the same
    transaction. ``timezone``: that of the times recorded (``settings.timezone``).
    DuckDB keeps within ``memory_limit`` and spills larger intermediate results to a temp directory beside the
    database.
    """
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(db_path, wait=wait):
        work = db_path.with_name(f"{db_path.name}.loading-{os.getpid()}")
        for stale in (work, work.with_name(work.name + ".wal")):
            stale.unlink(missing_ok=True)
        if db_path.exists():
            shutil.copyfile(db_path, work)
        spill = db_path.with_name(f"{db_path.name}.tmp-{os.getpid()}")
        con = duckdb.connect(str(work), config={"memory_limit": memory_limit, "temp_directory": str(spill)})
        try:
            apply_schema(con, now=local_now(timezone))
            remask_stored(con)  # text masked by an older rule is masked again (core.privacy.RULE_VERSION)
            yield con
            con.execute("CHECKPOINT")
        except BaseException:
            con.close()
            work.unlink(missing_ok=True)
            work.with_name(work.name + ".wal").unlink(missing_ok=True)
            shutil.rmtree(spill, ignore_errors=True)
            raise
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
        with work.open("rb+") as f:
            os.fsync(f.fileno())
        work.replace(db_path)
        _fsync_dir(db_path.parent)


def connect_readonly(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the live database (raises FileNotFoundError when there is none)."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise FileNotFoundError(f"no OneMap database at {db_path}; build one with `python -m demo`")
    return duckdb.connect(str(db_path), read_only=True)

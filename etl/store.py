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
import glob
import logging
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb

from core.clock import local_now

from .remask import remask_stored
from .schema import apply_schema

#: Where loads say what they did to files that are not theirs (stale copies removed, waiting for another load).
log = logging.getLogger("onemap.etl")


class LoadLockedError(RuntimeError):
    """Another load holds the database's lock."""


class DatabasePathError(ValueError):
    """The database path cannot hold a database file: it is a folder, or below a file."""


def check_db_path(db_path: Path) -> Path:
    """``db_path`` if a database file can be there, else `DatabasePathError` naming the path and the problem."""
    db_path = Path(db_path)
    if db_path.is_dir():
        raise DatabasePathError(
            f"the database path {db_path} is a folder, not a file; name a file in it, e.g. {db_path / 'onemap.duckdb'}"
        )
    for parent in db_path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise DatabasePathError(
                    f"the database path {db_path} cannot be created: {parent} is a file, not a folder"
                )
            break
    return db_path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _holder(lock_path: Path) -> str:
    try:
        said = lock_path.read_text(encoding="utf-8").strip()
    except OSError:
        said = ""
    return said or "a load that has not said what it is"


@contextlib.contextmanager
def _exclusive_lock(db_path: Path, *, wait: bool, what: str, timezone: str) -> Iterator[None]:
    lock_path = db_path.with_name(db_path.name + ".lock")
    with lock_path.open("a+", encoding="utf-8") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = _holder(lock_path)
            if not wait:
                raise LoadLockedError(
                    f"another load is writing {db_path} ({holder}); try again when it has finished"
                ) from exc
            log.warning("waiting for another load to finish writing %s: %s", db_path, holder)
            fcntl.flock(lock, fcntl.LOCK_EX)
            log.warning("the other load has finished; %s starts", what)
        try:
            lock.seek(0)
            lock.truncate()
            lock.write(f"pid {os.getpid()}: {what}, started {local_now(timezone):%Y-%m-%d %H:%M:%S}\n")
            lock.flush()
            yield
        finally:
            lock.seek(0)
            lock.truncate()
            lock.flush()
            fcntl.flock(lock, fcntl.LOCK_UN)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


_LEFT_BEHIND = re.compile(r"\.(?:loading|tmp)-(\d+)(?:\.wal)?")


def remove_stale_copies(db_path: Path) -> list[Path]:
    """Delete the private copies (``*.loading-<pid>``, their WAL) and spill folders (``*.tmp-<pid>``) of loads
    whose process is gone (killed, or its machine restarted); say so, and return what was removed.

    Called with the lock held, so no living load of this database owns any of them.
    """
    removed = []
    for path in sorted(db_path.parent.glob(glob.escape(db_path.name) + ".*")):
        match = _LEFT_BEHIND.fullmatch(path.name[len(db_path.name) :])
        if match is None or int(match[1]) == os.getpid() or _running(int(match[1])):
            continue
        size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        log.warning(
            "removed %s (%.1f MB), left behind by load process %s, which is no longer running",
            path,
            size / 1e6,
            match[1],
        )
        removed.append(path)
    return removed


@contextlib.contextmanager
def writing(
    db_path: Path,
    *,
    wait: bool = True,
    memory_limit: str = "2GB",
    timezone: str = "Asia/Shanghai",
    what: str = "a load",
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a private copy of ``db_path``; on success it replaces ``db_path`` atomically.

    Everything done through the connection becomes visible at once, or not at all; the schema is migrated first
    (``etl.schema``), and text masked by an older masking rule masked again (``etl.remask``), in the same
    transaction. ``timezone``: that of the times recorded (``settings.timezone``).
    DuckDB keeps within ``memory_limit`` and spills larger intermediate results to a temp directory beside the
    database. ``what``: the load, as a waiting load is told it (e.g. "cases 12345.csv"). Copies left behind by
    killed loads are removed first (`remove_stale_copies`).
    """
    db_path = check_db_path(Path(db_path))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(db_path, wait=wait, what=what, timezone=timezone):
        remove_stale_copies(db_path)
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
    db_path = check_db_path(Path(db_path))
    if not db_path.exists():
        raise FileNotFoundError(f"no OneMap database at {db_path}; build one with `python -m demo`")
    return duckdb.connect(str(db_path), read_only=True)

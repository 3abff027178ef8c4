"""The one writer: loads commit in place into the writer's own database file, which is then published to readers.

DuckDB lets one process write a database file, and a reader in another process cannot open a file that a
writer holds (nor a writer one that a reader holds). So the file readers open (``db_path``, the *published*
database) is never opened for writing. Loads write ``<db_path>.writer`` in place, each in one DuckDB transaction,
so a load costs what its rows cost, not a copy of the database. A commit is then *published*: the writer's file
is cloned (XFS, Btrfs: blocks shared, no data written) or else copied beside ``db_path`` and renamed over it.
Readers (the dashboard) keep answering from the file they have open and see the new data when they next reopen
(``queries/db.py`` reopens when the file changes).

* Atomic: a load killed anywhere leaves the writer's file as it was (DuckDB discards an uncommitted transaction,
  replays a committed one from its WAL) and the published file as it was (a rename); a commit not yet published
  is published by the next publishing writer or ``publish``, so nothing committed is lost.
* The writer's file is trusted only while the published file is the one it last published (its identity is
  kept in ``<db_path>.writer.published``); a published file replaced by other means (a restored backup, a demo
  rebuilt) starts a new writer's file from it.
* ``writing(..., publish=False)`` commits without publishing, for a caller that loads several files and
  publishes once (``python -m etl watch``): the copy is paid once per batch, off each load's path.

A lock file serialises writers; a load that must wait says for which.
"""

from __future__ import annotations

import contextlib
import errno
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

#: ``schema_meta`` key counting the writer's commits; the published file carries the count it was copied at.
GENERATION = "generation"


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


def writer_path(db_path: Path) -> Path:
    """The writer's database file beside the published ``db_path``."""
    return db_path.with_name(db_path.name + ".writer")


def _published_marker(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".writer.published")


def _identity(path: Path) -> str:
    """Which file is at ``path`` (device, inode, time, size: the token the dashboard keys its cache on)."""
    stat = path.stat()
    return f"{stat.st_dev}:{stat.st_ino}:{stat.st_mtime_ns}:{stat.st_size}"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync(path: Path) -> None:
    with path.open("rb+") as f:
        os.fsync(f.fileno())


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


_LEFT_BEHIND = re.compile(r"\.(?:loading|tmp|publish|writer\.new|spark)-(\d+)(?:\.wal)?")


def remove_database(path: Path) -> None:
    """Delete a DuckDB file and the write-ahead log beside it, if there."""
    for part in (path, path.with_name(path.name + ".wal")):
        part.unlink(missing_ok=True)


def remove_stale_copies(db_path: Path) -> list[Path]:
    """Delete the copies (``*.publish-<pid>``, ``*.writer.new-<pid>``, an older release's ``*.loading-<pid>``, their
    WAL) and spill folders (``*.tmp-<pid>``) of loads whose process is gone (killed, or its machine restarted);
    say so, and return what was removed.

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


#: Linux's ioctl that makes a file share another's blocks (a reflink: XFS, Btrfs, OCFS2, bcachefs).
_FICLONE = 0x40049409
#: What FICLONE fails with where the file system cannot share blocks (ext4, tmpfs, NFS, …), or across two.
_NO_CLONE = {errno.EOPNOTSUPP, errno.ENOTTY, errno.EXDEV, errno.EINVAL, errno.ENOSYS}


def clone_or_copy(source: Path, target: Path) -> str:
    """Make ``target`` a copy of ``source``: a reflink clone where the file system shares blocks (XFS, the default
    of RHEL-family and Kylin servers, or Btrfs: the cost follows the file's extents, no data is written, and
    the two diverge block by block as either is written), else a byte copy. Returns ``clone`` or ``copy``."""
    with Path(source).open("rb") as src, Path(target).open("wb") as dst:
        try:
            fcntl.ioctl(dst.fileno(), _FICLONE, src.fileno())
            return "clone"
        except OSError as exc:
            if exc.errno not in _NO_CLONE:
                raise
    shutil.copyfile(source, target)
    return "copy"


def _copy_atomically(source: Path, target: Path, part: Path) -> None:
    """``target`` becomes a durable copy of ``source`` at once: cloned or copied to ``part`` beside it
    (`clone_or_copy`), renamed over it."""
    try:
        clone_or_copy(source, part)
        _fsync(part)
        part.replace(target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _write_marker(db_path: Path) -> None:
    marker = _published_marker(db_path)
    part = marker.with_name(f"{marker.name}.{os.getpid()}")
    part.write_text(_identity(db_path), encoding="utf-8")
    part.replace(marker)


def _prepare_writer(db_path: Path) -> Path:
    """The writer's file, started afresh from the published file unless it is the one that published it."""
    writer = writer_path(db_path)
    marker = _published_marker(db_path)
    trusted = (
        writer.exists()
        and db_path.exists()
        and marker.exists()
        and marker.read_text(encoding="utf-8").strip() == _identity(db_path)
    ) or (writer.exists() and not db_path.exists() and not marker.exists())  # a first load killed before publishing
    if trusted:
        return writer
    remove_database(writer)
    marker.unlink(missing_ok=True)
    if db_path.exists():
        _copy_atomically(db_path, writer, db_path.with_name(f"{db_path.name}.writer.new-{os.getpid()}"))
        _write_marker(db_path)  # the writer's file is the published one: in step until the next commit
    return writer


def _generation(con: duckdb.DuckDBPyConnection) -> int:
    try:
        row = con.execute("SELECT value FROM schema_meta WHERE key = ?", [GENERATION]).fetchall()
    except duckdb.CatalogException:
        return 0
    return int(row[0][0]) if row else 0


def _published_generation(db_path: Path) -> int | None:
    if not db_path.exists():
        return None
    with duckdb.connect(":memory:") as con:
        quoted = str(db_path).replace("'", "''")  # ATTACH takes no bound parameters
        con.execute(f"ATTACH '{quoted}' AS published (READ_ONLY)")
        con.execute("USE published")
        return _generation(con)


def _publish(db_path: Path, writer: Path) -> None:
    _copy_atomically(writer, db_path, db_path.with_name(f"{db_path.name}.publish-{os.getpid()}"))
    _write_marker(db_path)


def publish(db_path: Path, *, wait: bool = True, timezone: str = "Asia/Shanghai") -> bool:
    """Publish the writer's commits to readers if the published file lacks any; return whether it copied."""
    db_path = check_db_path(Path(db_path))
    with _exclusive_lock(db_path, wait=wait, what="publish", timezone=timezone):
        return _publish_if_behind(db_path)


def _publish_if_behind(db_path: Path) -> bool:
    writer = _prepare_writer(db_path)
    if not writer.exists():
        return False
    with duckdb.connect(str(writer)) as con:  # replays a WAL left by a kill, then checkpoints on close
        generation = _generation(con)
    if _published_generation(db_path) == generation:
        return False
    _publish(db_path, writer)
    return True


@contextlib.contextmanager
def writing(
    db_path: Path,
    *,
    wait: bool = True,
    memory_limit: str = "2GB",
    timezone: str = "Asia/Shanghai",
    what: str = "a load",
    publish: bool = True,
    in_place: bool = True,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection in one transaction on the writer's database; on success it commits and (``publish``)
    replaces the published ``db_path`` atomically.

    Everything done through the connection becomes visible at once, or not at all; the schema is migrated first
    (``etl.schema``), and text masked by an older masking rule masked again (``etl.remask``), in the same
    transaction. ``timezone``: that of the times recorded (``settings.timezone``).
    DuckDB keeps within ``memory_limit`` and spills larger intermediate results to a temp directory beside the
    database. ``what``: the load, as a waiting load is told it (e.g. "cases 12345.csv"). Copies left behind by
    killed loads are removed first (`remove_stale_copies`). Publishing copies the writer's file as it is, so
    it also publishes commits made earlier with ``publish=False`` or by a load killed before publishing.

    ``in_place=False`` loads into a copy of the writer's file without a transaction and renames it over the
    writer's file at the end (release 1's way): for big loads, whose rows cost far more than the copy, because
    DuckDB 2.0 loses rows appended to a temporary table within one transaction past a few million rows (a
    4.5M-row workflow file staged 0 rows: ``api.load_many`` chooses by the input's size,
    ``settings.etl_in_place_max_bytes``).
    """
    db_path = check_db_path(Path(db_path))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(db_path, wait=wait, what=what, timezone=timezone):
        remove_stale_copies(db_path)
        writer = _prepare_writer(db_path)
        target = writer
        if not in_place:
            target = db_path.with_name(f"{db_path.name}.loading-{os.getpid()}")
            target.unlink(missing_ok=True)
            if writer.exists():
                clone_or_copy(writer, target)
        spill = db_path.with_name(f"{db_path.name}.tmp-{os.getpid()}")
        con = duckdb.connect(str(target), config={"memory_limit": memory_limit, "temp_directory": str(spill)})
        try:
            if in_place:
                con.execute("BEGIN TRANSACTION")
            apply_schema(con, now=local_now(timezone))
            remask_stored(con)  # text masked by an older rule is masked again (core.privacy.RULE_VERSION)
            yield con
            con.execute(
                "INSERT OR REPLACE INTO schema_meta VALUES ($key, $value)",
                {"key": GENERATION, "value": str(_generation(con) + 1)},
            )
            if in_place:
                con.execute("COMMIT")
            con.execute("CHECKPOINT")
        except BaseException:
            con.close()  # in place: the uncommitted transaction is discarded
            if not in_place:
                remove_database(target)
            raise
        finally:
            con.close()
            shutil.rmtree(spill, ignore_errors=True)
        if not in_place:
            _fsync(target)
            target.replace(writer)
            _fsync_dir(writer.parent)
        if publish:
            _publish(db_path, writer)


@contextlib.contextmanager
def reading_writer(db_path: Path, *, timezone: str = "Asia/Shanghai") -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A read-only connection to the writer's database, commits not yet published included (``None`` before any
    load), with the lock held so no load changes it meanwhile."""
    db_path = check_db_path(Path(db_path))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(db_path, wait=True, what="a look at what is loaded", timezone=timezone):
        writer = _prepare_writer(db_path)
        if not writer.exists():
            yield None
            return
        with duckdb.connect(str(writer)) as con:  # read-write only to replay a WAL a killed load left
            pass
        with duckdb.connect(str(writer), read_only=True) as con:
            yield con


def connect_readonly(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published database (raises FileNotFoundError when there is none)."""
    db_path = check_db_path(Path(db_path))
    if not db_path.exists():
        raise FileNotFoundError(f"no OneMap database at {db_path}; build one with `python -m demo`")
    return duckdb.connect(str(db_path), read_only=True)

"""``python -m etl watch``: load the files that arrive in a folder, each once, and publish them to the dashboard.

The rule for a file still being written: a file is taken only once it has not been modified for
``settings.watch_settle_seconds`` (any write moves its modification time), and never while its name says it is
unfinished (a leading ``.`` or ``~$``, or a suffix in ``UNFINISHED``). A delivery that writes ``name.part`` and
renames it to ``name`` when done is taken at once after the settle time; one that writes in place is taken
when it has stopped writing for that long. A file whose size or time changed between the look and the end of its
load is not committed (the load is rolled back) and is taken again when it has settled.

Each file is loaded once, also after a restart: the ledger ``watch_file`` (migration 0006) keeps the sha256 of
every file taken, written in the load's own transaction (so a load killed before its commit leaves no ledger row
and is done again). A file that fails on its content (a missing column, an unreadable file) is recorded as
failed and not tried again until it changes; a failure of the environment (the database locked by a load that
will not wait, memory) is said and tried again at the next look. Loads commit without publishing
(``store.writing(publish=False)``); each look that loaded something publishes once. Stopping (Ctrl-C, SIGTERM)
at any moment is safe: the load in progress is rolled back and what was committed is published.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from settings import Settings

from . import api, store
from .columns import MissingColumnsError
from .readers import SourceFileError
from .runlog import LoadReport
from .sources import SourceOptions

log = logging.getLogger("onemap.etl.watch")

#: Name endings of files still being written or copied by common tools.
UNFINISHED = (".part", ".partial", ".tmp", ".crdownload", ".filepart", ".download", ".lock")
#: Failures of a file's content: recorded, not retried until the file changes.
CONTENT_ERRORS: tuple[type[Exception], ...] = (SourceFileError, MissingColumnsError, ValueError, UnicodeError)


@dataclasses.dataclass(frozen=True)
class Arrival:
    """A file as it was seen in the folder."""

    path: Path
    size: int
    mtime_ns: int

    def changed(self) -> bool:
        """Whether the file is no longer as it was seen (or gone)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return True
        return (stat.st_size, stat.st_mtime_ns) != (self.size, self.mtime_ns)


@dataclasses.dataclass
class Sweep:
    """What one look at the folder did."""

    loaded: list[LoadReport] = dataclasses.field(default_factory=list)
    failed: list[tuple[Path, str]] = dataclasses.field(default_factory=list)
    skipped: int = 0  # already in the ledger
    waiting: int = 0  # not settled yet, or changed during their load
    published: bool = False


def unfinished(name: str) -> bool:
    """Whether a file's name says it is still being written (or is not a delivery at all)."""
    return name.startswith((".", "~$")) or name.lower().endswith(UNFINISHED)


def settled_files(folder: Path, *, settle_seconds: float, now: float | None = None) -> tuple[list[Arrival], int]:
    """The files of ``folder`` (not its subfolders) ready to be taken, oldest first, and how many are not yet."""
    now = time.time() if now is None else now
    ready, waiting = [], 0
    for path in folder.iterdir():
        if not path.is_file() or unfinished(path.name):
            continue
        stat = path.stat()
        if now - stat.st_mtime_ns / 1e9 < settle_seconds:
            waiting += 1
            continue
        ready.append(Arrival(path, stat.st_size, stat.st_mtime_ns))
    return sorted(ready, key=lambda a: (a.mtime_ns, a.path.name)), waiting


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _known(settings: Settings, entity: str, source: str) -> set[str]:
    with store.reading_writer(settings.db_path, timezone=settings.timezone) as con:
        if con is None:
            return set()
        tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if "watch_file" not in tables:
            return set()
        rows = con.execute("SELECT sha256 FROM watch_file WHERE entity = ? AND source = ?", [entity, source])
        return {row[0] for row in rows.fetchall()}


class FileChangedError(RuntimeError):
    """The file changed while it was loaded: the load is rolled back and the file taken again later."""


def _ledger_row(con, arrival: Arrival, digest: str, entity: str, source: str, outcome: str, **more) -> None:
    con.execute(
        "INSERT INTO watch_file VALUES ($entity, $source, $sha, $name, $folder, $size, $modified, now()::TIMESTAMP,"
        " $outcome, $run_id, $message)",
        {
            "entity": entity,
            "source": source,
            "sha": digest,
            "name": arrival.path.name,
            "folder": str(arrival.path.parent),
            "size": arrival.size,
            "modified": dt.datetime.fromtimestamp(arrival.mtime_ns / 1e9),
            "outcome": outcome,
            "run_id": more.get("run_id"),
            "message": more.get("message"),
        },
    )


def _take(arrival: Arrival, digest: str, entity: str, options: SourceOptions, settings: Settings) -> LoadReport:
    def record(con, reports: list[LoadReport]) -> None:
        if arrival.changed():
            raise FileChangedError(f"{arrival.path} changed while it was loaded; it is taken again when it settles")
        report = reports[0]
        _ledger_row(
            con, arrival, digest, entity, options.source, "loaded", run_id=report.run_id, message=report.summary()
        )

    return api.load_many([(entity, arrival.path, options)], settings=settings, publish=False, record=record)[0]


def _record_failure(arrival: Arrival, digest: str, entity: str, source: str, settings: Settings, why: str) -> None:
    with store.writing(settings.db_path, timezone=settings.timezone, what="watch ledger", publish=False) as con:
        _ledger_row(con, arrival, digest, entity, source, "failed", message=why)


def sweep(folder: Path, entity: str, options: SourceOptions, settings: Settings, *, settle_seconds: float) -> Sweep:
    """Load every settled file of ``folder`` not in the ledger, then publish if anything was committed."""
    done = Sweep()
    arrivals, done.waiting = settled_files(folder, settle_seconds=settle_seconds)
    known = _known(settings, entity, options.source) if arrivals else set()
    committed = False
    for arrival in arrivals:
        digest = sha256_of(arrival.path)
        if digest in known:
            done.skipped += 1
            continue
        try:
            report = _take(arrival, digest, entity, options, settings)
        except FileChangedError as exc:
            log.warning("%s", exc)
            done.waiting += 1
            continue
        except CONTENT_ERRORS as exc:
            _record_failure(arrival, digest, entity, options.source, settings, f"{type(exc).__name__}: {exc}")
            committed = True
            done.failed.append((arrival.path, str(exc)))
            log.warning("%s failed and is not tried again until it changes: %s", arrival.path, exc)
            continue
        committed = True
        known.add(digest)
        done.loaded.append(report)
        log.info("%s", report.summary())
    if committed:
        done.published = store.publish(settings.db_path, timezone=settings.timezone)
    return done


def watch(
    folder: Path,
    entity: str,
    options: SourceOptions,
    settings: Settings,
    *,
    once: bool = False,
    stop: threading.Event | None = None,
    said: Callable[[Sweep], None] = lambda _: None,
) -> None:
    """Look at ``folder`` every ``settings.watch_interval_seconds`` until ``stop`` is set (or once), loading what
    arrived; ``said`` is told each look's outcome. A commit left unpublished by a stopped watcher is published
    first."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"the folder to watch, {folder}, does not exist or is not a folder")
    if entity not in api.ENTITIES:
        raise ValueError(f"unknown entity {entity!r}; valid: {', '.join(api.ENTITIES)}")
    stop = stop or threading.Event()
    store.publish(settings.db_path, timezone=settings.timezone)
    while not stop.is_set():
        said(sweep(folder, entity, options, settings, settle_seconds=settings.watch_settle_seconds))
        if once:
            return
        stop.wait(settings.watch_interval_seconds)

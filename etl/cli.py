"""Command line: a thin layer over ``etl.api``. Run ``python -m etl --help``."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import duckdb

from settings import load_settings

from . import api
from .columns import MissingColumnsError
from .membound import MemoryBoundError
from .readers import SourceFileError
from .remask import masked_original
from .schema import SchemaVersionError
from .sources import SourceOptions
from .spark_engine import ENGINES, SparkUnavailableError
from .store import DatabasePathError, LoadLockedError, connect_readonly, publish
from .watch import UNFINISHED, Sweep, watch

#: What a load can fail with that is the input's or the environment's fault: one line on stderr, exit 2.
LOAD_ERRORS: tuple[type[Exception], ...] = (
    SourceFileError,
    MissingColumnsError,
    LoadLockedError,
    MemoryBoundError,
    SchemaVersionError,
    DatabasePathError,
    FileNotFoundError,
    ValueError,
    duckdb.Error,
    json.JSONDecodeError,
    SparkUnavailableError,
)


def _add_load_options(p: argparse.ArgumentParser, entity: str) -> None:
    p.add_argument("--profile", type=Path, help="TOML profile of the source (see etl/sources.py)")
    p.add_argument("--source", help="source system name (cases are keyed on source + id)")
    p.add_argument(
        "--crs",
        help="coordinate system of the coordinates: EPSG:n, CGCS2000, WGS-84, GCJ-02 or BD-09 (default: the one "
        "the file declares, else WGS-84; overrides GeoJSON's implied WGS-84)",
    )
    p.add_argument(
        "--force-crs",
        action="store_true",
        help="read the coordinates in --crs even where the file declares another system",
    )
    p.add_argument("--channel", help="default channel when the file has no channel column")
    p.add_argument("--category-system", help="gbt, hotline or a loaded category map's source system")
    p.add_argument("--case-source", help="camera events: the source of the cases they link to")
    p.add_argument("--encoding", help="text encoding (default: detected)")
    p.add_argument("--sheet", help="Excel sheet name")
    p.add_argument("--layer", help="GeoPackage layer")
    p.add_argument("--as-of", help="time the overdue flags are judged at (default: now)")
    p.add_argument("--allow-no-location", action="store_true", help="load cases without coordinates")
    if entity in ("grids", "watch"):
        p.add_argument("--level", help="grids: the level of rows without one, e.g. street (a file of one level)")
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=HEADER",
        help="map a source header to a field, e.g. --map source_id=工单号",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description="OneMap ETL: load city files into DuckDB.")
    parser.add_argument("--db", type=Path, help="database file (default: settings db_path, data/onemap.duckdb)")
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        help="where a case load's preparation and the rollups run (default: settings engine, duckdb; spark needs "
        "requirements-spark.txt and Java, its master is settings spark_master)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create the schema and seed the shipped dictionaries")
    for entity in api.ENTITIES:
        p = sub.add_parser(entity, help=f"load a {entity} file")
        p.add_argument("file", type=Path)
        _add_load_options(p, entity)
    watch = sub.add_parser(
        "watch",
        help="load the files that arrive in a folder, each once (also after a restart), until stopped",
        description="Takes a file once it has not changed for watch_settle_seconds and its name does not end in "
        f"{', '.join(UNFINISHED)} (write NAME.part and rename it when done); publishes after each look.",
    )
    watch.add_argument("folder", type=Path)
    watch.add_argument("--entity", required=True, choices=api.ENTITIES, help="what the files hold")
    watch.add_argument("--once", action="store_true", help="load what is there now, then exit")
    watch.add_argument("--settle", type=float, help="seconds a file must be unchanged (setting watch_settle_seconds)")
    watch.add_argument("--interval", type=float, help="seconds between looks (setting watch_interval_seconds)")
    _add_load_options(watch, "watch")
    # The demo city is its own package now (it sits above the loader); the old command says where it went.
    sub.add_parser("demo", help="moved: run `python -m demo` (same options)", add_help=False)
    runs = sub.add_parser("runs", help="list recent loads")
    runs.add_argument("--last", type=int, default=20)
    rejects = sub.add_parser("rejects", help="show the rejected rows of a run")
    rejects.add_argument("run_id", type=int)
    rejects.add_argument("--limit", type=int, default=50)
    return parser


def _options(args: argparse.Namespace) -> SourceOptions:
    columns = {}
    for item in args.map:
        field, sep, header = item.partition("=")
        if not sep:
            raise ValueError(f"--map takes FIELD=HEADER, got {item!r}")
        columns[field.strip()] = header.strip()
    overrides = {
        "source": args.source,
        "crs": args.crs,
        "force_crs": True if args.force_crs else None,
        "level": getattr(args, "level", None),
        "channel": args.channel,
        "category_system": args.category_system,
        "case_source": args.case_source,
        "encoding": args.encoding,
        "sheet": args.sheet,
        "layer": args.layer,
        "as_of": dt.datetime.fromisoformat(args.as_of) if args.as_of else None,
        "require_location": False if args.allow_no_location else None,
    }
    if args.profile:
        options = SourceOptions.from_profile(args.profile, **overrides)
    else:
        if not args.source:
            raise ValueError("name the source system with --source (or give a --profile)")
        options = SourceOptions(**{k: v for k, v in overrides.items() if v is not None})
    if columns:
        options = dataclasses.replace(options, columns={**options.columns, **columns})
    return options


def say_on_stderr() -> None:
    """Let the loader's notes (stale copies removed, waiting for another load) reach the person at the terminal."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("note: %(message)s"))
    logger = logging.getLogger("onemap")
    if not logger.handlers:
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _say_sweep(done: Sweep) -> None:
    for report in done.loaded:
        print(report.summary(), flush=True)
    for path, why in done.failed:
        print(f"failed (not tried again until it changes): {path}: {why}", flush=True)
    now = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    print(
        f"{now} watch: {len(done.loaded)} loaded, {len(done.failed)} failed, {done.skipped} already loaded, "
        f"{done.waiting} not settled{'; published' if done.published else ''}",
        flush=True,
    )


def _watch(args: argparse.Namespace, settings) -> int:
    """Until Ctrl-C or SIGTERM (both stop it between two statements: the load in progress is rolled back)."""
    overrides = {"watch_settle_seconds": args.settle, "watch_interval_seconds": args.interval}
    settings = dataclasses.replace(settings, **{k: v for k, v in overrides.items() if v is not None})
    asked = threading.Event()

    def stopped(signum: int, frame: object) -> None:
        asked.set()
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, stopped) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        watch(args.folder, args.entity, _options(args), settings, once=args.once, said=_say_sweep)
    except Exception:
        # A stop that lands while DuckDB runs a statement comes out as DuckDB's "Query interrupted"
        if not asked.is_set():
            raise
        _stop(settings)
    except KeyboardInterrupt:
        _stop(settings)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _stop(settings) -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)  # publishing what was committed is not interrupted again
    publish(settings.db_path, timezone=settings.timezone)
    print("watch: stopped; every file loaded so far is committed and published", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    say_on_stderr()
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and args.command != "demo":  # the old demo command's options are not this parser's
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    settings = load_settings()
    if args.db:
        settings = dataclasses.replace(settings, db_path=args.db)
    if args.engine:
        settings = dataclasses.replace(settings, engine=args.engine)
    try:
        if args.command == "init":
            seeded = api.init_db(settings)
            print(f"{settings.db_path}: schema ready; seeded {', '.join(seeded) or 'nothing (already seeded)'}")
        elif args.command == "demo":
            print("error: the demo city moved: run `python -m demo --help`", file=sys.stderr)
            return 2
        elif args.command == "runs":
            with connect_readonly(settings.db_path) as con:
                print(
                    con.execute(
                        "SELECT run_id, entity, source, source_file, finished_at, rows_read, rows_loaded,"
                        " rows_rejected, rows_inserted, rows_updated, rows_unchanged, flagged FROM etl_run"
                        " ORDER BY run_id DESC LIMIT ?",
                        [args.last],
                    )
                    .df()
                    .to_string(index=False)
                )
        elif args.command == "rejects":
            with connect_readonly(settings.db_path) as con:
                rows = con.execute(
                    "SELECT row_number, entity, reason_code, reason, original FROM rejected_row"
                    " WHERE run_id = ? ORDER BY row_number LIMIT ?",
                    [args.run_id, args.limit],
                ).df()
                for row in rows.itertuples(index=False):
                    # masked again on the way out: a database loaded before the rule masked originals shows none
                    original = masked_original(row.original, row.entity)
                    print(f"row {row.row_number}: [{row.reason_code}] {row.reason}\n    {original}")
        elif args.command == "watch":
            return _watch(args, settings)
        else:
            report = api.load(args.command, args.file, _options(args), settings=settings, progress=True)
            print(report.summary())
    except LOAD_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0

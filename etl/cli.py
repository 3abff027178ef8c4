"""Command line: a thin layer over ``etl.api``. Run ``python -m etl --help``."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import sys
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
from .store import DatabasePathError, LoadLockedError, connect_readonly

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
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description="OneMap ETL: load city files into DuckDB.")
    parser.add_argument("--db", type=Path, help="database file (default: settings db_path, data/onemap.duckdb)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create the schema and seed the shipped dictionaries")
    for entity in api.ENTITIES:
        p = sub.add_parser(entity, help=f"load a {entity} file")
        p.add_argument("file", type=Path)
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
        if entity == "grids":
            p.add_argument("--level", help="grids: the level of rows without one, e.g. street (a file of one level)")
        p.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=HEADER",
            help="map a source header to a field, e.g. --map source_id=工单号",
        )
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


def main(argv: Sequence[str] | None = None) -> int:
    say_on_stderr()
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and args.command != "demo":  # the old demo command's options are not this parser's
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    settings = load_settings()
    if args.db:
        settings = dataclasses.replace(settings, db_path=args.db)
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
        else:
            report = api.load(args.command, args.file, _options(args), settings=settings, progress=True)
            print(report.summary())
    except LOAD_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0

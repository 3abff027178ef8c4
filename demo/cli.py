"""Command line of the demo city: ``python -m demo [--db FILE] [--cases N] [--days D] [--seed S] [--out DIR]``."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from etl.cli import LOAD_ERRORS, say_on_stderr
from settings import load_settings

from .build import DEFAULT_OUT, build_demo


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m demo",
        description="Generate the deterministic demo city's source files and load them into a OneMap database.",
    )
    parser.add_argument("--db", type=Path, help="database file (default: settings db_path, data/onemap.duckdb)")
    parser.add_argument("--cases", type=int, help="cases to generate (default: settings demo_cases)")
    parser.add_argument("--days", type=int, help="days they span, ending on --end (default: settings demo_days)")
    parser.add_argument("--seed", type=int, help="random seed (default: settings demo_seed)")
    parser.add_argument("--end", type=dt.date.fromisoformat, help="the last day, YYYY-MM-DD (default: today)")
    parser.add_argument("--out", type=Path, help=f"where to write the source files (default: {DEFAULT_OUT})")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    say_on_stderr()
    args = _parser().parse_args(argv)
    settings = load_settings()
    if args.db:
        settings = dataclasses.replace(settings, db_path=args.db)
    try:
        reports = build_demo(
            settings, cases=args.cases, days=args.days, seed=args.seed, end=args.end, out_dir=args.out, progress=True
        )
    except LOAD_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for report in reports:
        print(report.summary())
    return 0

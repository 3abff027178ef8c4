"""``python -m analytics``: the analyses of the dashboard from the command line, for reports and outside checks.

    python -m analytics ranking --db onemap.duckdb --start 2026-10-01 --end 2026-10-31 --level street
    python -m analytics departments --db onemap.duckdb --start 2026-10-01 --end 2026-10-31 --format csv
    python -m analytics warnings --db onemap.duckdb --level I --level II
    python -m analytics hotspots --db onemap.duckdb --level community --start 2026-11-01 --end 2026-11-30

The trend and hotspot subcommands (hotspots, local-moran, trends, emerging, recurrence) are
``analytics/trend_cli.py``'s, with their own options. Each other subcommand (``analytics.commands``, one module
per group) writes one table: the same rows and values the
page shows for the same period, filters and settings, because both compute it with the same function of
``analytics`` from the same query requests. Columns are named by their field names (stable for scripts; the
page's downloads translate them) and figures rounded to the measure registry's decimals.

This module is the one place in ``analytics`` that reads a database: it runs the requests on ``queries``
(import-linter lets it, and nothing else here).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

import queries
from core.clock import local_minute
from queries.db import READ_ERRORS, LiveDatabase
from settings import load_settings

from . import trend_cli
from .commands import commands
from .commands.base import Context
from .dispatch import Period, Run, rounded

FORMATS = ("csv", "json")
#: What a run may fail with, said in one line: the database unreadable, a bad option value.
FAILURES: tuple[type[Exception], ...] = (*READ_ERRORS, ValueError)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _time(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time (YYYY-MM-DD[ HH:MM]): {text!r}") from None


def _codes(text: str) -> tuple[str, ...]:
    return tuple(code.strip() for code in text.split(",") if code.strip())


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, help="database file (default: settings db_path)")
    parser.add_argument("--start", type=_date, help="first report day (default: the page's default period)")
    parser.add_argument("--end", type=_date, help="last report day (default: the data's last report day)")
    parser.add_argument("--now", type=_time, help="the moment figures of now are taken at (default: now)")
    parser.add_argument("--area", help="a grid code at any level: only cases in it")
    parser.add_argument("--channel", type=_codes, help="channel codes, comma-separated")
    parser.add_argument("--dept", type=_codes, help="department codes, comma-separated")
    parser.add_argument("--format", choices=FORMATS, default="csv", help="output format (default: csv)")
    parser.add_argument("--out", type=Path, help="write here instead of standard output")


def parser() -> argparse.ArgumentParser:
    """The command line: a subparser per command of ``analytics.commands``, each with the common options."""
    top = argparse.ArgumentParser(prog="python -m analytics", description=__doc__.split("\n\n")[0])
    sub = top.add_subparsers(dest="command", required=True)
    for command in commands().values():
        p = sub.add_parser(command.name, help=command.help, description=command.help)
        _common(p)
        command.add_arguments(p)
    trend_cli.add_parsers(sub)
    return top


def _period(args: argparse.Namespace, run: Run, *, days: int, now: dt.datetime) -> Period:
    """The period of the command line: its dates, else the ``days`` days up to the data's last report day (or
    today, when the data reach it); its filters, the area with its level as the page passes it."""
    last = run("data_extent", {}).iloc[0]["last"]
    anchor = min(now.date(), pd.Timestamp(last).date()) if pd.notna(last) else now.date()
    end = args.end or anchor
    start = args.start or end - dt.timedelta(days=days - 1)
    filters: dict[str, Any] = {name: getattr(args, name) for name in ("channel", "dept") if getattr(args, name)}
    if args.area:
        tree = run("area_tree", {"at": dt.datetime.combine(end, dt.time.max)})
        depth = tree.loc[tree["code"] == args.area, "depth"]
        if depth.empty:
            raise ValueError(f"no grid {args.area!r} was valid on {end}")
        filters.update(area=args.area, area_depth=int(depth.iloc[0]))
    return Period(start=start, end=end, now=now, filters=filters)


def write(table: pd.DataFrame, *, fmt: str, out: Any) -> None:
    """``table`` rounded as the page's exports round it, as CSV (UTF-8, field names) or JSON records."""
    shown = rounded(table)
    if fmt == "json":
        out.write(shown.to_json(orient="records", force_ascii=False, date_format="iso", indent=1) + "\n")
    else:
        out.write(shown.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d %H:%M:%S"))


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command in trend_cli.COMMANDS:
        return trend_cli.main(args)
    settings = load_settings()
    if args.db:
        settings = dataclasses.replace(settings, db_path=args.db)
    now = args.now or local_minute(settings.timezone)
    try:
        db = LiveDatabase.for_settings(settings)
        with db.cursor() as con:
            run: Run = lambda name, kwargs: queries.QUERIES[name](con, **kwargs)  # noqa: E731
            period = _period(args, run, days=settings.default_range_days, now=now)
            table = commands()[args.command].table(Context(run=run, period=period, settings=settings), args)
    except FAILURES as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.out:
        with args.out.open("w", encoding="utf-8", newline="") as out:
            write(table, fmt=args.format, out=out)
    else:
        write(table, fmt=args.format, out=sys.stdout)
    return 0

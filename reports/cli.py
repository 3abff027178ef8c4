"""``python -m reports weekly``: the weekly leadership report of an area as ``report.html`` and ``report.pdf``.

    python -m reports weekly --week 2026-W48 --db data/onemap.duckdb --out out/
    python -m reports weekly --week 2026-W48 --area 340104001 --lang en --db data/onemap.duckdb --out out/

Run on the server with the database file in hand, so it sees everything (``views.access.EVERYTHING``); a user
downloads the same report from the dashboard, confined to what they may see.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path

from queries.db import READ_ERRORS, LiveDatabase
from settings import load_settings
from views.calls import on
from views.i18n import LANGUAGES

from . import files, weekly
from .chromium import ChromiumMissingError
from .week import Week

#: What a run may fail with, said in one line.
FAILURES: tuple[type[Exception], ...] = (*READ_ERRORS, ValueError, LookupError, ChromiumMissingError, TimeoutError)


def _week(text: str) -> Week:
    try:
        return Week.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m reports", description=__doc__.split("\n\n")[0])
    sub = top.add_subparsers(dest="command", required=True)
    p = sub.add_parser("weekly", help="the weekly leadership report (HTML and PDF)")
    p.add_argument("--week", required=True, type=_week, help="ISO week, e.g. 2026-W48")
    p.add_argument("--area", help="a grid code at any level (default: the whole jurisdiction)")
    p.add_argument("--lang", choices=LANGUAGES, default=None, help="language (default: settings language)")
    p.add_argument("--db", type=Path, help="database file (default: settings db_path)")
    p.add_argument("--out", type=Path, required=True, help="folder to write report.html and report.pdf into")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = load_settings()
    if args.db:
        settings = dataclasses.replace(settings, db_path=args.db)
    lang = args.lang or settings.language
    try:
        with LiveDatabase.for_settings(settings).cursor() as con:
            report = weekly.build(args.week, on(con), settings=settings, area=args.area, lang=lang)
        html_path, pdf_path = files.write(report, args.out)
    except FAILURES as exc:
        written = args.out / files.HTML_NAME
        note = f" ({written} was written)" if isinstance(exc, ChromiumMissingError) and written.is_file() else ""
        print(f"error: {exc}{note}", file=sys.stderr)
        return 2
    print(f"{html_path}\n{pdf_path}")
    return 0

"""Trend and hotspot benchmark (研判) on a big demo database: each analysis as the page and ``python -m analytics``
run it (``views.trends`` on a read-only cursor, no cache), and the page's server time after a date change.

    .venv/bin/python benchmarks/bench_trends.py --db /tmp/onemap10m/onemap.duckdb

Targets (issue 13, at the 10M-case demo): Gi* for every grid of the finest level on the current filter ≤ 1 s;
emerging hot spots over 52 weeks × all grids ≤ 5 s; the rising table over all communities × classes ≤ 2 s; a
page change ≤ 1.5 s. Each is timed ``--runs`` times after one warm-up run; the median and the worst are printed,
and how each scales with the number of areas (levels) and weeks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import queries  # noqa: E402
from queries.db import LiveDatabase  # noqa: E402
from settings import load_settings  # noqa: E402
from views import trends  # noqa: E402
from views.calls import QueryCall, on  # noqa: E402
from views.scope import Scope, resolve  # noqa: E402
from views.state import ViewState  # noqa: E402


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float, object]:
    result = fn()  # warm-up: DuckDB's buffers
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), max(times), result


def line(name: str, target: float | None, median: float, worst: float, note: str = "") -> None:
    verdict = "" if target is None else ("ok" if worst <= target else "**MISS**")
    bound = "" if target is None else f" (≤ {target:g} s)"
    print(f"| {name}{bound} | {median:.3f} | {worst:.3f} | {verdict} | {note} |")


def page_change(db_path: Path, last: dt.date, changes: int) -> list[float]:
    """Seconds of AppTest runs of the trend page (hotspots at the finest level) after moving the custom range."""
    from bench_dashboard import _signed_in
    from streamlit.testing.v1 import AppTest

    from dashboard.sidebar import widget_key

    at = _signed_in(AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600))
    at.run()
    at.switch_page("dashboard/pages/trends.py").run()
    at.session_state["trends_section"] = "hotspots"
    at.sidebar.selectbox(key=widget_key("period", "zh")).set_value("custom").run()
    seconds = []
    for k in range(1, changes + 1):
        at.sidebar.date_input[0].set_value((last - dt.timedelta(days=29 + k), last - dt.timedelta(days=k)))
        t = time.perf_counter()
        at.run()
        seconds.append(time.perf_counter() - t)
        if at.exception:
            raise RuntimeError(at.exception[0].message)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="database file (default: settings db_path)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--changes", type=int, default=3, help="page changes timed through AppTest (0: none)")
    args = parser.parse_args()
    if args.db:
        os.environ["ONEMAP_DB_PATH"] = str(args.db.resolve())
    os.chdir(ROOT)
    settings = load_settings()
    db = LiveDatabase.for_settings(settings)
    with db.cursor() as con:
        n, last = con.execute("SELECT count(*), max(reported_at) FROM cases").fetchall()[0]
        last = pd.Timestamp(last).date()
        depths = [int(d) for (d,) in con.execute("SELECT depth FROM grid_level ORDER BY depth").fetchall()]
        finest = max(depths)
        run = on(con)
        state = ViewState(preset="custom", start=last - dt.timedelta(days=29), end=last)
        scope: Scope = resolve(state, run, today=last, days=30, overview_depth=2)
        print(f"{settings.db_path}: {n:,} cases, last report {last}; {args.runs} runs each\n")
        print("| analysis | median s | worst s | | note |")
        print("|---|---:|---:|---|---|")
        median, worst, found = timed(lambda: trends.hotspots(scope, run, depth=finest, permutations=0), args.runs)
        line(
            f"Gi* of the last 30 days, level {finest} (counts + neighbours + Gi*)",
            1.0,
            median,
            worst,
            f"{len(found.table):,} areas",
        )
        median, worst, _ = timed(lambda: trends.hotspots(scope, run, depth=finest), args.runs)
        line(
            f"hot spot page table, level {finest} (Gi*, local Moran 999 permutations, global Moran)", 1.0, median, worst
        )
        for weeks in (13, 26, 52):
            median, worst, found = timed(
                lambda weeks=weeks: trends.emerging(scope, run, depth=finest, weeks=weeks), args.runs
            )
            target = 5.0 if weeks == 52 else None
            line(f"emerging hot spots, {weeks} weeks × level {finest}", target, median, worst, f"{len(found):,} areas")
        for depth in [d for d in depths if 2 <= d < finest]:
            median, worst, found = timed(
                lambda depth=depth: trends.emerging(scope, run, depth=depth, weeks=52), args.runs
            )
            line(f"emerging hot spots, 52 weeks × level {depth}", None, median, worst, f"{len(found):,} areas")
        for depth in (2, 3):
            median, worst, result = timed(
                lambda depth=depth: trends.rising_table(scope, run, depth=depth, weeks=12), args.runs
            )
            table, thin = result
            target = 2.0 if depth == 3 else None
            line(
                f"rising table, level {depth} × classes, 12 weeks",
                target,
                median,
                worst,
                f"{len(table):,} tested, {thin:,} thin",
            )
        median, worst, result = timed(lambda: trends.rising_table(scope, run, depth=3, weeks=26), args.runs)
        line("rising table, level 3 × classes, 26 weeks", None, median, worst, f"{len(result[0]):,} tested")
        median, worst, found = timed(lambda: trends.spike_table(scope, run, depth=finest), args.runs)
        line(f"spikes, level {finest} × classes", None, median, worst, f"{len(found):,} series")
        median, worst, found = timed(lambda: trends.chronic_places(scope, run, limit=500), args.runs)
        line("chronic places (grid × class, 30 days), the 500 busiest (the page)", None, median, worst)
        median, worst, found = timed(lambda: trends.chronic_places(scope, run), args.runs)
        line("chronic places (grid × class, 30 days), all (the command line)", None, median, worst, f"{len(found):,}")
        top = run(QueryCall.of(queries.top_categories, limit=5, **scope.case_filters()))["category_code"]
        busiest = str(top.dropna().iloc[0])
        most = settings.repeat_max_reports
        median, worst, result = timed(
            lambda: trends.repeats(scope, run, category=busiest, permutations=99, max_reports=most), args.runs
        )
        line(
            f"near-repeats of the busiest class ({busiest}) with the Knox test (99 permutations)",
            None,
            median,
            worst,
            f"{int(result.knox['pairs']):,} pairs of {result.reports:,} reports"
            if result.tested
            else f"not tested: {result.reports:,} reports > {most:,}",
        )
        median, worst, found = timed(lambda: trends.reworked(scope, run), args.runs)
        total = int(found["total"].iloc[0]) if len(found) else 0
        line("cases sent back (reworked or returned), the 200 the page lists", None, median, worst, f"of {total:,}")
        median, worst, _ = timed(lambda: trends.changes(scope, run), args.runs)
        line("period-on-period changes", None, median, worst)
    if args.changes:
        seconds = page_change(settings.db_path, last, args.changes)
        line(
            "page change: the 研判 page (hot spots) after a date change, AppTest",
            1.5,
            statistics.median(seconds),
            max(seconds),
        )


if __name__ == "__main__":
    main()

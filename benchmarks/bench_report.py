"""Weekly report benchmark: how long ``python -m reports weekly`` takes on a big database, in its three parts
(the figures read through the views, the HTML with its SVG figures, the PDF printed by Chromium), for the whole
jurisdiction and for one street.

    .venv/bin/python benchmarks/bench_report.py --db /tmp/onemap10m/onemap.duckdb [--week 2026-W46] [--runs 3]

Target (issue 14, at the 10M-case demo): a report in ≤ 30 s. The first run is cold (DuckDB's buffers empty, as
for the first report of a Monday morning) and is reported apart from the median of the ``--runs`` after it.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import queries  # noqa: E402
from queries.db import LiveDatabase  # noqa: E402
from reports import files, weekly  # noqa: E402
from reports.week import Week  # noqa: E402
from settings import Settings, load_settings  # noqa: E402
from views.calls import QueryCall, on  # noqa: E402


def one(db: Path, week: Week, area: str | None, settings: Settings) -> dict[str, float]:
    times: dict[str, float] = {}
    start = time.perf_counter()
    with LiveDatabase.for_settings(dataclasses.replace(settings, db_path=db)).cursor() as con:
        report = weekly.build(week, on(con), settings=settings, area=area)
    times["figures"] = time.perf_counter() - start
    start = time.perf_counter()
    html = files.html_bytes(report)
    times["html"] = time.perf_counter() - start
    start = time.perf_counter()
    files.pdf_bytes(html, lang=report.lang)
    times["pdf"] = time.perf_counter() - start
    times["total"] = sum(times.values())
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--week", type=Week.parse, help="default: the last complete week of the data")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    settings = dataclasses.replace(load_settings(), db_path=args.db)
    with LiveDatabase.for_settings(settings).cursor() as con:
        run = on(con)
        last = run(QueryCall.of(queries.data_end)).iloc[0]["last"]
        streets = run(QueryCall.of(queries.grid_polygons, depth=2, at=last.to_pydatetime()))
        cases = int(run(QueryCall.of(queries.case_count)).iloc[0]["cases"])
    week = args.week or Week.of(last.date()).previous
    street = str(streets["code"].iloc[0])
    print(f"{args.db}: {cases:,} located cases; week {week} ({week.start} … {week.end})")
    print(f"{'scope':<24}{'run':<8}{'figures':>9}{'html':>8}{'pdf':>8}{'total':>8}")
    for label, area in (("whole jurisdiction", None), (f"street {street}", street)):
        rows = [one(args.db, week, area, settings) for _ in range(args.runs + 1)]
        for name, row in (
            ("cold", rows[0]),
            ("median", {k: statistics.median(r[k] for r in rows[1:]) for k in rows[0]}),
        ):
            print(f"{label:<24}{name:<8}" + "".join(f"{row[k]:>8.2f}s" for k in ("figures", "html", "pdf", "total")))


if __name__ == "__main__":
    main()

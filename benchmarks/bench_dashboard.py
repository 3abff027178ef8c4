"""Dashboard benchmark: every query in ``queries/`` under typical filters, the map's HTML size, and the
server time of a filter change, on a big demo database.

    .venv/bin/python -m demo --db /tmp/onemap10m/onemap.duckdb --cases 10000000 --days 365 \\
        --out /tmp/onemap10m/demo                                               # once: the 10M-case city
    .venv/bin/python benchmarks/bench_dashboard.py --db /tmp/onemap10m/onemap.duckdb

Queries are found, not listed: every public function of a ``queries`` module whose first parameter is
``con`` (map layers, panel and dictionaries included, whatever exists when it runs). Each runs once to warm up,
then ``--runs`` times per filter scenario; the table gives p50/p95 in ms (target p95 ≤ 100 ms). Keyword options
a query needs besides the filters (depth, at, as_of, limit …) come from ``_option_values``; a query needing one
it does not know is listed as skipped. The queries read the ETL's rollups where one holds their columns (the
header lists the fresh ones); a database from before the rollups gets them from ``python -m etl --db … init``.

A filter change is timed two ways: ``AppTest`` runs the app's pages (``--page``, repeatable; by default the
default page and the dispatch page) and the sidebar's date range is changed to a range not seen before, so every
filtered query misses the cache (target ≤ 1.5 s); and the queries that run issued (recorded through
``dashboard.cache.frame``) are re-run directly, uncached, in sequence. The dispatch page's sections (each shows
other tables) are then timed one by one, each on a new range. The map is composed as the page composes it
(``views.pages.map_page``) for the last 30 days at street level. ``--match dispatch.`` times only the queries of
one module (or any name containing the text), ``--skip NAME`` leaves some out.

On a big database (50M cases: docs/performance.md): ``--memory-limit 4GB`` sets DuckDB's limit of the read
connection and of the app AppTest runs (setting ``dashboard_memory_limit``); ``--call-limit 60`` interrupts a call
after that many seconds and skips the query's further filter states; each row is printed as it is taken, so a run
that is stopped keeps its figures. (Until issue 18's bounded reads, ``trends.recurrence_cases`` brought every
matching case into pandas, outside DuckDB's limit; in its place ``trends.sent_back_cases`` returns the first rows
(here ``max_points`` of them) and ``trends.repeat_points`` at most ``repeat_max_reports`` of the busiest class.)
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import importlib
import inspect
import os
import pkgutil
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import queries as queries_pkg  # noqa: E402
from queries.db import LiveDatabase  # noqa: E402
from queries.source import fresh_rollups  # noqa: E402
from settings import Settings, load_settings  # noqa: E402

Query = Callable[..., pd.DataFrame]
QUERY_P95_MS, FILTER_CHANGE_S, MAP_HTML_BYTES = 100.0, 1.5, 2_000_000
#: Queries run only when a user asks (a download's callable), not on a filter change: no 100 ms target.
ON_DEMAND = {"export.case_export"}


@dataclasses.dataclass
class Row:
    query: str
    scenario: str
    times_ms: list[float]
    rows: int
    note: str = ""

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms) if self.times_ms else float("nan")

    @property
    def p95(self) -> float:
        return float(np.percentile(self.times_ms, 95)) if self.times_ms else float("nan")


def discover_queries() -> dict[str, Query]:
    """Every public ``(con, …) -> DataFrame`` function defined in a ``queries`` module (not the
    helpers that write SQL), by ``module.name``."""
    found: dict[str, Query] = {}
    for info in pkgutil.iter_modules(queries_pkg.__path__):
        module = importlib.import_module(f"{queries_pkg.__name__}.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            signature = inspect.signature(fn)
            params, frame = list(signature.parameters), "DataFrame" in str(signature.return_annotation)
            if fn.__module__ == module.__name__ and not name.startswith("_") and params[:1] == ["con"] and frame:
                found[f"{info.name}.{name}"] = fn
    return found


def scenarios(con: Any, last: dt.date) -> dict[str, dict[str, Any]]:
    """Filter states the dashboard typically shows: keyword filters plus option overrides (``_depth``…)."""
    street, channel = con.execute(
        "SELECT (SELECT grid_l2 FROM cases WHERE grid_l2 IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1),"
        " (SELECT channel FROM cases GROUP BY 1 ORDER BY count(*) DESC LIMIT 1)"
    ).fetchall()[0]
    days = lambda n: {"start": last - dt.timedelta(days=n - 1), "end": last}  # noqa: E731
    # As the sidebar passes a drilled-down street: its code and level; the map shows its communities.
    one_street = {"area": street, "area_depth": 2, "_depth": 3, "_parent": street}
    return {
        "last 7 days": days(7),
        "last 30 days": days(30),
        "this month": {"start": last.replace(day=1), "end": last},
        f"one street ({street}, 30 d)": {**days(30), **one_street},
        f"one channel ({channel}, 30 d)": {**days(30), "channel": channel},
        "all time": {},
        f"all time, one street ({street})": one_street,
        f"all time, one channel ({channel})": {"channel": channel},
    }


def _sample(con: Any, sql: str) -> Any:
    """The first value ``sql`` gives, or None (a table a database from before it lacks)."""
    try:
        return next(iter(con.execute(sql).fetchall()), (None,))[0]
    except Exception:  # noqa: BLE001 — an older database: the option is simply not known
        return None


def _option_values(settings: Settings, con: Any, last: dt.date, scenario: dict[str, Any]) -> dict[str, Any]:
    sample = next(
        iter(con.execute("SELECT case_uid, source_id FROM cases WHERE reported_at >= ? LIMIT 1", [last]).fetchall()),
        (None, None),
    )
    end = scenario.get("end", last)
    as_of = dt.datetime.combine(last, dt.time(18))
    place = {  # the place pages' queries (视频, 区域画像, 物联感知)
        "area": scenario.get("_parent"),
        "minutes": getattr(settings, "iot_unanswered_minutes", 10),
        "target_minutes": getattr(settings, "iot_arrival_target_minutes", 30),
        "days": getattr(settings, "camera_silent_days", 7),
        "history_days": getattr(settings, "camera_history_days", 30),
        "max_chance": getattr(settings, "camera_silent_chance", 0.01),
        "min_events": getattr(settings, "camera_fp_min_events", 20),
        "z": getattr(settings, "camera_fp_z", 3.0),
        "overdue_days": getattr(settings, "deliberation_days", 30),
        "radius_m": 960.0,
        "kind": "service_station",
        "camera_id": _sample(con, "SELECT camera_id FROM camera_loop GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"),
        "incident_id": _sample(con, "SELECT incident_id FROM case_incident ORDER BY reported_at DESC LIMIT 1"),
    }
    return {
        **place,
        # the dispatch page's (queries/dispatch.py, early_warning.py, timeline.py, whistles.py)
        "group": "dept_code",
        "day": last,
        "since": as_of - dt.timedelta(hours=24),
        "until": as_of,
        "min_cases": 5,
        "weeks": 8,
        "text": sample[1],
        "depth": scenario.get("_depth", settings.overview_map_depth),
        "parent": scenario.get("_parent"),
        "code": scenario.get("_parent"),
        "at": dt.datetime.combine(end, dt.time.max),
        "as_of": as_of,
        "limit": settings.max_points,
        "size_m": getattr(settings, "hex_size_m", 500.0),
        "cell_m": getattr(settings, "heat_cell_m", 200.0),
        "warn_fraction": settings.warn_fraction,
        "work_periods": settings.work_periods,
        "lang": settings.language,
        "case_uid": sample[0],
        # the dispatch page's case warnings: the enabled case rules, as many per level as the page lists
        "rules": tuple(_sample(con, _CASE_RULES) or ()),
        "per_level": getattr(settings, "dispatch_warning_rows", None),
        # its step lights (queries/lights.py): light_cases as the map reads them, the most pressing up to the cap
        "warn": settings.warn_fraction,
        "step_warn": tuple(sorted(getattr(settings, "step_warn_fractions", {}).items())),
        "pick": "pressing",
        # the trend page's near-repeats: the busiest class, as many of its reports as the page would test
        "category": _sample(con, _BUSIEST_CLASS),
        "max_reports": getattr(settings, "repeat_max_reports", None),
    }


#: The class with most cases (the trend page's first near-repeat class over all time).
_BUSIEST_CLASS = (
    "SELECT category_code FROM cases WHERE category_code IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
)
#: The enabled rules of the kinds whose subject is a case (core.warning_rules).
_CASE_RULES = (
    "SELECT list(rule_id ORDER BY rule_id) FROM warning_rule WHERE enabled"
    " AND kind IN ('due_soon', 'overdue', 'overdue_urgent', 'overdue_supervised', 'iot_unanswered')"
)


def call_plan(fn: Query, filters: dict[str, Any], options: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The keyword arguments to call ``fn`` with in a scenario, or None and why it cannot run."""
    params = list(inspect.signature(fn).parameters.values())[1:]
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params)
    named = {p.name: p for p in params if p.kind is not p.VAR_KEYWORD}
    kwargs = {k: v for k, v in filters.items() if not k.startswith("_") and (takes_any or k in named)}
    for name, p in named.items():
        if name in kwargs:
            continue
        if name in options and (options[name] is not None or p.default is inspect.Parameter.empty):
            kwargs[name] = options[name]
        elif p.default is inspect.Parameter.empty:
            return None, f"needs {name}"
    return kwargs, ""


def filtered(fn: Query) -> bool:
    params = inspect.signature(fn).parameters.values()
    return any(p.kind is p.VAR_KEYWORD or p.name in ("start", "end") for p in params)


class CallTooLongError(Exception):
    """A call ran past the benchmark's ``--call-limit`` and was interrupted."""


def time_call(
    run: Callable[[], pd.DataFrame], runs: int, *, con: Any = None, limit_s: float | None = None
) -> tuple[list[float], int]:
    """Milliseconds of ``runs`` runs after a warm-up, and the rows; with ``limit_s``, a run past it is interrupted
    (``con.interrupt()``) and ``CallTooLongError`` raised."""

    def one() -> pd.DataFrame:
        if limit_s is None:
            return run()
        timer = threading.Timer(limit_s, con.interrupt)
        timer.start()
        try:
            return run()
        except duckdb.InterruptException as exc:
            raise CallTooLongError(f"interrupted after {limit_s:g} s") from exc
        finally:
            timer.cancel()

    result = one()  # warm-up: the first run reads the columns into DuckDB's buffers
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        one()
        times.append((time.perf_counter() - t) * 1000)
    return times, len(result)


def bench_queries(
    db: LiveDatabase,
    settings: Settings,
    runs: int,
    match: str = "",
    *,
    skip: tuple[str, ...] = (),
    call_limit_s: float | None = None,
    on_row: Callable[[Row], None] | None = None,
) -> list[Row]:
    """The timings of every query whose name contains ``match`` and none of ``skip``, under every filter state;
    ``on_row`` is called with each as soon as it is taken (the table is printed as it goes: a run killed half-way
    keeps what it measured). A call past ``call_limit_s`` is interrupted and the query's further states skipped."""
    rows: list[Row] = []

    def add(row: Row) -> None:
        rows.append(row)
        if on_row is not None:
            on_row(row)

    with db.cursor() as con:
        last = pd.Timestamp(con.execute("SELECT max(reported_at) FROM cases").fetchall()[0][0]).date()
        states = scenarios(con, last)
        # once per state, not per query: at 50M alarms the camera sample alone scans camera_loop for seconds
        options = {sname: _option_values(settings, con, last, scenario) for sname, scenario in states.items()}
        options["—"] = _option_values(settings, con, last, {})
        queries = {
            name: fn
            for name, fn in discover_queries().items()
            if match in name and not any(text in name for text in skip)
        }
        for qname, fn in sorted(queries.items()):
            too_long = ""
            for sname, scenario in states.items() if filtered(fn) else [("—", {})]:
                kwargs, why = call_plan(fn, scenario, options[sname])
                if kwargs is None or too_long:
                    add(Row(qname, sname, [], 0, f"skipped: {why or too_long}"))
                    continue
                n_runs = runs
                if qname in ON_DEMAND:  # as the download does: every matching case up to the export cap
                    kwargs["limit"], n_runs = getattr(settings, "max_export_rows", kwargs.get("limit")), 3
                try:
                    times, n = time_call(
                        lambda fn=fn, kwargs=kwargs: fn(con, **kwargs), n_runs, con=con, limit_s=call_limit_s
                    )
                except CallTooLongError as exc:
                    too_long = f"a call in an earlier state was {exc}"
                    add(Row(qname, sname, [], 0, f"not timed: a call was {exc}"))
                    continue
                add(Row(qname, sname, times, n))
    return rows


def map_html_size(db: LiveDatabase, settings: Settings) -> tuple[int, float, str]:
    """Bytes and build+render seconds of the map page's map for the last 30 days, street level, at its largest:
    with the point cap's worth of case points (the page draws none above the cap); or why not."""
    from views.calls import QueryCall, on
    from views.maps import build_map
    from views.pages import map_page
    from views.scope import resolve
    from views.state import ViewState

    with db.cursor() as con:
        last = pd.Timestamp(con.execute("SELECT max(reported_at) FROM cases").fetchall()[0][0]).date()
        state = ViewState(preset="custom", start=last - dt.timedelta(days=29), end=last, lang=settings.language)
        run = on(con)
        scope = resolve(state, run, today=last, days=30, overview_depth=settings.overview_map_depth)
        page = map_page(scope, run, settings=settings, now=dt.datetime.combine(last, dt.time(18)))
        cap = QueryCall.of(queries_pkg.case_points, limit=settings.max_points, lang=scope.lang, **scope.case_filters())
        view = dataclasses.replace(page.view, points=run(cap))
    t = time.perf_counter()
    html = build_map(view, settings=settings).get_root().render()
    return len(html.encode()), time.perf_counter() - t, ""


@dataclasses.dataclass
class FilterChange:
    page: str
    run_s: list[float]
    queries_s: list[float]
    calls: int
    error: str = ""
    #: Seconds per query of the last change, slowest first.
    slowest: list[tuple[str, float]] = dataclasses.field(default_factory=list)


@contextlib.contextmanager
def _record_calls(calls: list[Any]) -> Iterator[None]:
    from dashboard import cache

    original = cache.frame

    def recording(settings: Settings, call: Any, access: Any = None) -> pd.DataFrame:
        calls.append(call)
        return original(settings, call, access)

    cache.frame = recording
    try:
        yield
    finally:
        cache.frame = original


def _date_range_widget(at: Any) -> Any:
    """The sidebar's date range input; the period preset selectbox is switched to "custom" first to show it."""
    from dashboard import sidebar

    if not at.sidebar.date_input:
        periods = [box for box in at.sidebar.selectbox if (box.key or "").startswith(sidebar.PERIOD_KEY)]
        if periods:
            periods[0].set_value("custom")
            at.run()
    return at.sidebar.date_input[0] if at.sidebar.date_input else None


def _drill_into(at: Any, area: str) -> bool:
    """Pick ``area`` in the sidebar's area selectbox (a drill-down); False when there is none offering it."""
    from dashboard import sidebar

    key = getattr(sidebar, "PICK_KEY", "onemap_area_pick")
    boxes = [box for box in at.sidebar.selectbox if box.key == key]
    if boxes:
        boxes[0].set_value(area)
        at.run()
    return bool(boxes)


def _signed_in(at: Any) -> Any:
    """``at`` signed in as an administrator (every page, the whole city), from a user store in a temporary
    folder: the database's own folder may be read-only (the 10M-case database is)."""
    import tempfile

    from access import AccessStore
    from core.clock import local_now
    from dashboard.auth import SESSION_KEY, Session

    default = str(Path(tempfile.mkdtemp(prefix="onemap_bench_")) / "access.sqlite3")
    store = AccessStore(Path(os.environ.setdefault("ONEMAP_ACCESS_DB_PATH", default)))
    if store.user("bench") is None:
        store.create_user("bench", role="admin", password_hash=None, must_change_password=False)
    at.session_state[SESSION_KEY] = Session("bench", "password", local_now("Asia/Shanghai"))
    return at


def filter_change(db: LiveDatabase, page: str | None, changes: int, *, area: str | None = None) -> FilterChange:
    """Seconds of ``AppTest.run()`` after moving the sidebar's date range (in ``area`` when given, after drilling
    into it), and of the page's queries alone."""
    from streamlit.testing.v1 import AppTest

    label = f"{page or 'default page'}, {area or 'whole city'}"
    at = _signed_in(AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600))
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    if area and not _drill_into(at, area):
        return FilterChange(label, [], [], 0, f"no area selectbox offering {area}")
    if at.exception:
        return FilterChange(label, [], [], 0, f"page raised: {at.exception[0].message}")
    with db.cursor() as con:
        last = pd.Timestamp(con.execute("SELECT max(reported_at) FROM cases").fetchall()[0][0]).date()
    run_s, queries_s, calls_n = [], [], 0
    for k in range(1, changes + 1):
        # A range never shown before: every filtered query misses Streamlit's cache, as after a real change.
        dates = _date_range_widget(at)
        if dates is None:
            return FilterChange(label, run_s, queries_s, calls_n, "no date range in the sidebar")
        dates.set_value((last - dt.timedelta(days=29 + k), last - dt.timedelta(days=k)))
        calls: list[Any] = []
        with _record_calls(calls):
            t = time.perf_counter()
            at.run()
            run_s.append(time.perf_counter() - t)
        if at.exception:
            return FilterChange(label, run_s, queries_s, calls_n, f"raised: {at.exception[0].message}")
        each: list[tuple[str, float]] = []
        with db.cursor() as con:
            for call in calls:
                t = time.perf_counter()
                call.run(con)
                each.append((call.query, time.perf_counter() - t))
        queries_s.append(sum(seconds for _, seconds in each))
        calls_n = len(calls)
    slowest = sorted(each, key=lambda item: -item[1]) if run_s else []
    return FilterChange(label, run_s, queries_s, calls_n, slowest=slowest)


def print_header() -> None:
    print(f"| query | filters | rows | p50 ms | p95 ms | ≤ {QUERY_P95_MS:.0f} ms |")
    print("|---|---|---:|---:|---:|---|")


def print_row(r: Row) -> None:
    if not r.times_ms:
        print(f"| {r.query} | {r.scenario} | | | | {r.note} |")
        return
    ok = "on click" if r.query in ON_DEMAND else "yes" if r.p95 <= QUERY_P95_MS else "**MISS**"
    print(f"| {r.query} | {r.scenario} | {r.rows:,} | {r.p50:.1f} | {r.p95:.1f} | {ok} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="database file (default: settings db_path)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per query and filter state")
    parser.add_argument(
        "--page",
        action="append",
        help="page file for the filter-change run, repeatable (default: the app's default page and the dispatch page)",
    )
    parser.add_argument("--changes", type=int, default=5, help="filter changes timed through AppTest")
    parser.add_argument("--only", choices=["queries", "map", "filter-change"], help="run one part")
    parser.add_argument("--match", default="", help="time only the queries whose module.name contains this")
    parser.add_argument(
        "--skip", action="append", default=[], help="leave out the queries whose module.name contains this (repeatable)"
    )
    parser.add_argument(
        "--call-limit", type=float, help="interrupt a call after this many seconds (the query's further states skipped)"
    )
    parser.add_argument(
        "--memory-limit",
        help="DuckDB's memory limit of the read connection, the app's too (setting dashboard_memory_limit)",
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]  # a killed run keeps its lines
    if args.db:
        os.environ["ONEMAP_DB_PATH"] = str(args.db.resolve())
    if args.memory_limit:  # through the environment, so the app that AppTest runs reads with it too
        os.environ["ONEMAP_DASHBOARD_MEMORY_LIMIT"] = args.memory_limit
    os.chdir(ROOT)  # Streamlit reads .streamlit/config.toml from the working directory
    settings = load_settings()
    db = LiveDatabase.for_settings(settings)
    with db.cursor() as con:
        n, cores, memory = con.execute(
            "SELECT count(*), current_setting('threads'), current_setting('memory_limit') FROM cases"
        ).fetchall()[0]
        fresh = sorted(fresh_rollups(con))
        sizes = ", ".join(f"{t} {con.execute(f'SELECT count(*) FROM {t}').fetchall()[0][0]:,}" for t in fresh)
    print(
        f"{settings.db_path}: {n:,} cases; fresh rollups: {sizes or 'none'}; DuckDB threads {cores}, memory limit "
        f"{memory} (spill to {settings.dashboard_spill_dir}); {args.runs} runs\n"
    )

    if args.only in (None, "queries"):
        print_header()
        rows = bench_queries(
            db, settings, args.runs, args.match, skip=tuple(args.skip), call_limit_s=args.call_limit, on_row=print_row
        )
        rows_with_target = [r for r in rows if r.times_ms and r.query not in ON_DEMAND]
        misses = [r for r in rows_with_target if r.p95 > QUERY_P95_MS]
        print(f"\n{len(misses)} of {len(rows_with_target)} query timings miss p95 ≤ {QUERY_P95_MS:.0f} ms")
    if args.only in (None, "map"):
        size, seconds, why = map_html_size(db, settings)
        if why:
            print(f"\nmap HTML: not measured ({why})")
        else:
            ok = "ok" if size <= MAP_HTML_BYTES else "MISS"
            print(f"\nmap HTML (last 30 days, street level): {size / 1e6:.2f} MB, built in {seconds:.2f} s [{ok}]")
    if args.only in (None, "filter-change"):
        with db.cursor() as con:
            street = con.execute(
                "SELECT grid_l2 FROM cases WHERE grid_l2 IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            ).fetchall()[0][0]
        for page in args.page or [None, DISPATCH_PAGE]:
            for area in (None, street):
                print_change(filter_change(db, page, args.changes, area=area))
        print_sections(section_changes(db, DISPATCH_PAGE, DISPATCH_SECTIONS))


#: The dispatch page and its sections (each shows other tables: timed one by one, each on a range never seen).
DISPATCH_PAGE = "dashboard/pages/dispatch.py"
DISPATCH_SECTIONS = ("board", "lights", "handoffs", "warnings", "whistles", "ranking")


def section_changes(db: LiveDatabase, page: str, sections: tuple[str, ...]) -> dict[str, float | str]:
    """Seconds of ``AppTest.run()`` after switching ``page`` to each of its ``sections`` on a date range not seen
    before (every query of the section misses the cache); the error text instead when the run raised."""
    from streamlit.testing.v1 import AppTest

    from dashboard import dispatch_panel

    at = _signed_in(AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600))
    at.run()
    at.switch_page(page).run()
    with db.cursor() as con:
        last = pd.Timestamp(con.execute("SELECT max(reported_at) FROM cases").fetchall()[0][0]).date()
    seconds: dict[str, float | str] = {}
    for k, section in enumerate(sections, start=11):
        dates = _date_range_widget(at)
        if dates is None:
            return {"error": "no date range in the sidebar"}
        dates.set_value((last - dt.timedelta(days=29 + k), last - dt.timedelta(days=k)))
        at.segmented_control(key=dispatch_panel.SECTION_KEY).set_value(section)
        t = time.perf_counter()
        at.run()
        seconds[section] = time.perf_counter() - t if not at.exception else f"raised: {at.exception[0].message}"
    return seconds


def print_sections(seconds: dict[str, float | str]) -> None:
    shown = ", ".join(f"{k} {v:.2f} s" if isinstance(v, float) else f"{k} {v}" for k, v in seconds.items())
    worst = max((v for v in seconds.values() if isinstance(v, float)), default=float("nan"))
    ok = "ok" if worst <= FILTER_CHANGE_S else "MISS"
    print(f"\ndispatch sections, each on a new range (AppTest run): {shown} [{ok}]")


def print_change(change: FilterChange) -> None:
    if change.error:
        print(f"\nfilter change ({change.page}): {change.error}")
    if change.run_s:
        worst = max(change.run_s)
        ok = "ok" if worst <= FILTER_CHANGE_S else "MISS"
        print(
            f"\nfilter change ({change.page}, {len(change.run_s)} changes): AppTest run "
            f"p50 {statistics.median(change.run_s):.2f} s, max {worst:.2f} s [{ok}]; its {change.calls} queries "
            f"alone, uncached: p50 {statistics.median(change.queries_s):.2f} s, max {max(change.queries_s):.2f} s"
        )
        print("  last change, per query (ms): " + ", ".join(f"{n} {s * 1000:.0f}" for n, s in change.slowest))


if __name__ == "__main__":
    main()

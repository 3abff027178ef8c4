"""The dispatch page (调度) without Streamlit: what each of its parts shows for a ``Scope`` at a moment, read
through a runner (the dashboard's cache, or a cursor: ``views.calls.on``), so the wall screen and the weekly report
get the same figures as the page (and ``python -m analytics`` the same tables: both call the same functions of
``analytics`` with the same requests).

For other pages: ``warning_overview`` (counts per level and the latest warnings) and ``red_black`` (the red and
black lists, top five by default).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

import queries
from analytics import board as board_tables
from analytics import ranking as ranking_tables
from analytics import sla
from analytics import warnings as warning_tables
from analytics.dispatch import DispatchOptions, Period, light_case_request, light_count_request
from core.measures import ratio_of
from settings import Settings

from .calls import QueryCall, Runner, requests
from .scope import Scope


def options(settings: Settings) -> DispatchOptions:
    """The city's dispatch choices (due cohort, rework denominator, warning shares, ranking) from ``settings``."""
    return DispatchOptions.from_settings(settings)


def period_of(scope: Scope, now: dt.datetime) -> Period:
    """``scope``'s days and filters, seen at ``now`` (the figures of now, the warnings)."""
    return Period(start=scope.start, end=scope.end, now=now, filters=scope.case_filters(dates=False))


# ---------------------------------------------------------------- now: lights, board, warnings
def light_counts(scope: Scope, run: Runner, *, settings: Settings, now: dt.datetime) -> pd.DataFrame:
    """The open cases matching the scope's filters (whenever reported) counted per department, step, step light
    and handling light at ``now`` (``queries.light_counts``: the rule of ``analytics.sla``, in the database)."""
    return requests(run)(*light_count_request(period_of(scope, now), options(settings)))


def light_cases(
    scope: Scope,
    run: Runner,
    *,
    settings: Settings,
    now: dt.datetime,
    pick: str,
    dept_code: str | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """The first ``limit`` open cases of ``pick`` matching the scope's filters (of ``dept_code`` when given) with
    their lights at ``now`` (``queries.light_cases``): "pressing" for the map, "late" (red and yellow, most of the
    limit used first) for the list, "held" for a department's list. How many there are: ``light_counts``."""
    period = period_of(scope, now)
    return requests(run)(*light_case_request(period, options(settings), pick=pick, dept_code=dept_code, limit=limit))


def step_light_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """Open cases per step (rows, in workflow order) and light (columns red, yellow, green, none), zeros
    included, from ``light_counts``."""
    return sla.step_light_table(counts)


#: The step lights of the list of late cases (``light_cases`` "late").
LATE: tuple[str, ...] = ("red", "yellow")


def counted(counts: pd.DataFrame, *, step_lights: tuple[str, ...] | None = None, dept_code: str | None = None) -> int:
    """How many open cases of ``light_counts`` have one of ``step_lights`` (None: any), of ``dept_code`` if given."""
    return sla.counted(counts, step_lights=step_lights, dept_code=dept_code)


def pending_totals(counts: pd.DataFrame) -> pd.Series:
    """``pending``, ``due_soon``, ``overdue``, ``urgent_pending`` and ``supervised_pending`` over every open case of
    ``light_counts``."""
    return sla.pending_figures(counts, by=None).iloc[0]


def board(
    scope: Scope,
    run: Runner,
    *,
    settings: Settings,
    now: dt.datetime,
    kinds: tuple[str, ...] | None,
) -> pd.DataFrame:
    """The department board (``analytics.board.department_board``) of departments of ``kinds`` (None: all)."""
    return board_tables.board_table(requests(run), period_of(scope, now), options(settings), kinds=kinds)


def warnings(scope: Scope, run: Runner, *, settings: Settings, now: dt.datetime) -> pd.DataFrame:
    """Every warning at ``now`` (``analytics.warnings.evaluate``), most severe first, then latest."""
    return warning_tables.warnings_table(requests(run), period_of(scope, now), options(settings))


@dataclass(frozen=True)
class WarningOverview:
    """What the dispatch page, a wall screen or a report shows of the warnings: ``counts`` per level (``level``,
    ``warnings``: all of them), the ``latest`` few (most severe first, then latest), and the rules that could not
    be run (id → why)."""

    counts: pd.DataFrame
    latest: pd.DataFrame
    bad_rules: dict[str, str]

    @property
    def total(self) -> int:
        """Every warning, shown or not."""
        return int(self.counts["warnings"].sum())


def warning_overview(
    scope: Scope, run: Runner, *, settings: Settings, now: dt.datetime, latest: int = 10
) -> WarningOverview:
    """The warnings at ``now`` as counts per level and the ``latest`` most pressing: only those leave the
    database (``queries.case_warnings``)."""
    found = warning_tables.found_warnings(requests(run), period_of(scope, now), options(settings), limit=latest)
    _, bad = warning_tables.usable_rules(run(QueryCall.of(queries.warning_rules)))
    return WarningOverview(found.counts, found.table, bad)


# ---------------------------------------------------------------- the period: ranking, hand-offs, whistles
def ranking(scope: Scope, run: Runner, *, settings: Settings, now: dt.datetime, level: str) -> pd.DataFrame:
    """The red/black list of ``level`` (department, property, street, community) for the scope's period."""
    return ranking_tables.ranking_table(requests(run), period_of(scope, now), options(settings), level=level)


def red_black(
    scope: Scope, run: Runner, *, settings: Settings, now: dt.datetime, level: str = "department"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The red list (best first) and black list (worst first) of ``level``: ``settings.ranking_list_size``
    each (five by default)."""
    return ranking_tables.red_black(ranking(scope, run, settings=settings, now=now, level=level))


@dataclass(frozen=True)
class Handoffs:
    """Where cases bounced between departments in the period: the ``summary`` row (``handoff_summary``), the
    most frequent ``chains``, the ``flows`` first-dispatched → last department (the Sankey), the ``categories``
    returned most, and the latest re-dispatched ``cases``."""

    summary: pd.Series
    chains: pd.DataFrame
    flows: pd.DataFrame
    categories: pd.DataFrame
    cases: pd.DataFrame


def handoffs(scope: Scope, run: Runner) -> Handoffs:
    filters = scope.case_filters()
    return Handoffs(
        summary=run(QueryCall.of(queries.handoff_summary, **filters)).iloc[0],
        chains=run(QueryCall.of(queries.handoff_chains, limit=15, **filters)),
        flows=run(QueryCall.of(queries.handoff_flows, **filters)),
        categories=run(QueryCall.of(queries.disputed_categories, limit=10, **filters)),
        cases=run(QueryCall.of(queries.bounced_cases, limit=50, **filters)),
    )


@dataclass(frozen=True)
class Whistles:
    """The whistles of the period (``whistle_list``), per summoned department (``whistle_counts`` with its
    rates) and in all (one row of counts and rates)."""

    whistles: pd.DataFrame
    by_dept: pd.DataFrame
    total: pd.Series


def _with_rates(counts: pd.DataFrame) -> pd.DataFrame:
    out = counts.copy()
    for name in ("arrival_rate", "whistle_resolution_rate", "whistle_score"):
        out[name] = ratio_of(out, name) if not out.empty else pd.Series(dtype=float)
    return out


def whistles(scope: Scope, run: Runner) -> Whistles:
    filters = {name: value for name, value in scope.case_filters().items() if name != "dept"}
    listed = run(QueryCall.of(queries.whistle_list, **scope.case_filters()))
    by_dept = _with_rates(run(QueryCall.of(queries.whistle_counts, group="dept_code", **scope.case_filters())))
    by_street = run(QueryCall.of(queries.whistle_counts, group="initiator_code", **filters))
    total = by_street.drop(columns="unit").sum().to_frame().T if not by_street.empty else None
    summary = _with_rates(total).iloc[0] if total is not None else pd.Series(dtype=float)
    return Whistles(whistles=listed, by_dept=by_dept, total=summary)


# ---------------------------------------------------------------- one case
@dataclass(frozen=True)
class Timeline:
    """One case: its row (``case_detail``), its transitions (``case_timeline``, with ``handoff``: a return or
    a dispatch to another department) and each step against its limit (``analytics.sla.step_durations``)."""

    case: pd.Series
    flow: pd.DataFrame
    steps: pd.DataFrame


def timeline(case_uid: str, run: Runner, *, settings: Settings, now: dt.datetime) -> Timeline | None:
    """The timeline of ``case_uid`` at ``now``; None when there is no such case."""
    detail = run(QueryCall.of(queries.case_detail, case_uid=case_uid))
    if detail.empty:
        return None
    case = detail.iloc[0]
    flow = run(QueryCall.of(queries.case_timeline, case_uid=case_uid))
    dispatched = flow[flow["to_state"] == "dispatched"]
    previous = dispatched["dept_code"].shift()
    moved = dispatched.index[previous.notna() & (dispatched["dept_code"] != previous)]
    flow = flow.assign(handoff=(flow["to_state"] == "returned") | flow.index.isin(moved))
    first = pd.Timestamp(dispatched["at_time"].iloc[0]).to_pydatetime() if len(dispatched) > 1 else None
    opts = options(settings)
    steps = sla.step_durations(
        case,
        run(QueryCall.of(queries.time_limits)),
        opts.calendar(run(QueryCall.of(queries.work_calendar_days))),
        as_of=now,
        warn=opts.warn,
        per_step=opts.step_warn,
        first_dispatch=first,
    )
    return Timeline(case=case, flow=flow, steps=steps)


def find_case(text: str, run: Runner) -> str | None:
    """The ``case_uid`` a typed id names (the newest when two sources share a source id), or None."""
    found = run(QueryCall.of(queries.find_cases, text=text, limit=5)) if text.strip() else pd.DataFrame()
    return None if found.empty else str(found.iloc[0]["case_uid"])

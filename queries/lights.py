"""The step lights (时限红绿灯) of the open cases, evaluated in the database: at 50M cases some 170,000 cases are
open, and the dispatch page shows their counts per department, step and light and a few thousand of them (the
map's most pressing, the red and yellow list, a department's cases), so only those leave DuckDB (the cut rows
without a count: a window over every case cost more than the rows; the counts say how many).

The rule is ``analytics.sla.current_lights``'s (the reference, tested against this SQL on the demo city): the step
a case waits on by its state (``core.workflow.STATE_STEP``), when that step started (the returned case's re-dispatch
from its return, the reworked case's handling from its failed check), its limit (``time_limit`` by the step's own
key, then its fallbacks, each most specific class key first: ``core.workflow.limit_keys``; the handling step's is
the case's own clock and amount with its extensions, as the ETL set the deadline), the time used on the limit's
clock (working time on ``core.workcal``'s SQL form of the calendar), its share and the light: green below the
step's warning share, yellow from it, red past the limit (the handling step: past the deadline). And, for every
case, the handling clock: ``pending`` (not yet handled), ``handle_fraction``, ``hours_left`` and
``handle_light`` (overdue, due_soon, on_time; NULL when not pending).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import pandas as pd

from core.workcal import calendar_days_sql, day_seconds, working_seconds_sql
from core.workflow import STATE_STEP, STEPS, warn_fraction

from .dispatch import OPEN_CASE_COLUMNS
from .filters import case_filters
from .source import open_cases

#: The open cases' columns the lights read or show (``OPEN_TABLE``'s), in order: ``open_case_rows``'s.
CASE_COLUMNS: tuple[str, ...] = OPEN_CASE_COLUMNS
#: What the lights add, in order (``analytics.sla.current_lights``'s columns).
LIGHT_COLUMNS: tuple[str, ...] = (
    "step",
    "step_started",
    "step_clock",
    "step_limit",
    "step_elapsed",
    "step_fraction",
    "step_light",
    "pending",
    "handle_fraction",
    "hours_left",
    "handle_light",
)
#: Which open cases ``light_cases`` returns, and in which order (``None``: every one, by report time).
PICKS: dict[str, str] = {
    # the map: located, with a light to draw; red, then yellow, then green, each by report time
    "pressing": "located",
    # the red and yellow list: the most of its step's limit used first
    "late": "red or yellow",
    # a department's cases: overdue, due soon, on time, then those handled; least time left first
    "held": "by the handling clock",
}
_ORDER: dict[str | None, str] = {
    None: "reported_at, case_uid",
    "pressing": "list_position(['red', 'yellow', 'green'], step_light), reported_at, case_uid",
    "late": "step_fraction DESC, reported_at, case_uid",
    "held": """coalesce(list_position(['overdue', 'due_soon', 'on_time'], handle_light), 4),
               hours_left NULLS LAST, reported_at, case_uid""",
}
_WHERE: dict[str | None, str] = {
    None: "TRUE",
    "pressing": "lon IS NOT NULL AND lat IS NOT NULL AND step_light IN ('red', 'yellow', 'green')",
    "late": "step_light IN ('red', 'yellow')",
    "held": "TRUE",
}
#: The instants a case's lights read; the calendar spans them all and ``as_of``.
_INSTANTS: tuple[str, ...] = (
    "reported_at",
    "accepted_at",
    "registered_at",
    "dispatched_at",
    "signed_at",
    "handled_at",
    "checked_at",
    "returned_at",
    "handle_deadline",
)


def _first_present(columns: Sequence[str]) -> str:
    return f"coalesce({', '.join(f'o.{c}' for c in columns)})" if len(columns) > 1 else f"o.{columns[0]}"


def _step_started() -> str:
    """SQL of when the step a case waits on began: the first present of the step's start times (``Step.start``);
    a returned case's re-dispatch from its return, a reworked case's handling from the check that failed."""
    whens = []
    for s in STEPS:
        start = _first_present(s.start)
        if s.key == "dispatch":
            start = f"CASE WHEN o.status = 'returned' THEN coalesce(o.returned_at, {start}) ELSE {start} END"
        elif s.key == "handle":
            start = f"CASE WHEN o.status = 'rework' THEN coalesce(o.checked_at, {start}) ELSE {start} END"
        whens.append(f"WHEN '{s.key}' THEN {start}")
    return f"CASE o.step {' '.join(whens)} END"


def _elapsed(clock: str, *, w_start: str, w_end: str, start: str, end: str, day: int) -> str:
    """SQL of the time from ``start`` to ``end`` in the unit of ``clock`` (an SQL expression naming one of the
    four clocks): working time from the W values of the two instants, wall-clock time from their microseconds.
    For instants to the second both are exact integers, so the quotients are ``WorkCalendar.elapsed``'s to the
    last bit (the lights at a share's boundary agree)."""
    wall = f"(epoch_us({end}) - epoch_us({start}))"
    return f"""CASE {clock}
        WHEN 'working_hours' THEN ({w_end} - {w_start}) / 3600.0
        WHEN 'working_days' THEN ({w_end} - {w_start}) / {float(day)}
        WHEN 'continuous_hours' THEN {wall} / 3600000000.0
        WHEN 'natural_days' THEN {wall} / 86400000000.0 END"""


def _lit_sql(con: duckdb.DuckDBPyConnection, where: str, work_periods: Sequence[Sequence[int]]) -> str:
    """The WITH clauses ending in ``lit``: every open case matching ``where`` with ``LIGHT_COLUMNS``."""
    day = day_seconds(work_periods)
    instants = ", ".join(f"o.{c}" for c in _INSTANTS)
    calendar = calendar_days_sql(
        f"(SELECT least(min(least({instants})), CAST($as_of AS TIMESTAMP)) FROM o)",
        f"(SELECT greatest(max(greatest({instants})), CAST($as_of AS TIMESTAMP)) FROM o)",
    )
    now = "CAST($as_of AS TIMESTAMP)"

    def w(alias: str, instant: str) -> str:
        return working_seconds_sql(work_periods, before=f"{alias}.before", workday=f"{alias}.workday", instant=instant)

    handle_start = _first_present(next(s for s in STEPS if s.key == "handle").start)
    hours = "CASE WHEN t.working THEN 'working_hours' ELSE 'continuous_hours' END"
    columns = ", ".join(f"c.{name}" for name in CASE_COLUMNS)
    return f"""
        WITH state_step AS (
            SELECT unnest($states) AS state, unnest($state_steps) AS step
        ), step_warn AS (
            SELECT unnest($steps) AS step, unnest($warns) AS warn
        ), step_limit AS (  -- the time_limit keys that limit each step, the first the table has wins
            SELECT unnest($limit_steps) AS step, unnest($limit_keys) AS limit_step, unnest($limit_ranks) AS rank
        ), o AS MATERIALIZED (
            SELECT {columns}, m.step,
                   coalesce(c.handle_clock IN ('working_hours', 'working_days'), false) AS working
            FROM {open_cases(con)} c LEFT JOIN state_step m ON m.state = c.status
            WHERE {where}
        ), s AS (
            SELECT o.*, {_step_started()} AS step_started, {handle_start} AS handle_start,
                   -- the handling limit in hours of its clock, extensions included (as the ETL set the deadline)
                   o.handle_limit * CASE o.handle_clock WHEN 'working_days' THEN $hours_per_day
                                                        WHEN 'natural_days' THEN 24.0 ELSE 1.0 END
                       + coalesce(o.extension_hours, 0) AS limit_hours
            FROM o
        ), keyed AS (  -- core.workflow.limit_keys, once per (channel, class, step): most specific first
            SELECT channel, category_code, step, unnest(keys) AS key, generate_subscripts(keys, 1) AS position
            FROM (
                SELECT channel, category_code, step, list_filter([
                    CASE WHEN ch IS NOT NULL AND cat IS NOT NULL THEN ch || ':' || cat END,
                    CASE WHEN ch IS NOT NULL AND cat IS NOT NULL THEN ch || ':' || left(cat, 2) END,
                    CASE WHEN ch IS NOT NULL THEN ch || ':*' END,
                    cat, left(cat, 2), '*'], lambda k: k IS NOT NULL) AS keys
                FROM (
                    SELECT DISTINCT channel, category_code, step, nullif(channel, '') AS ch,
                           nullif(category_code, '') AS cat
                    FROM o WHERE step IS NOT NULL AND step <> 'handle'
                )
            )
        ), limits AS (
            SELECT k.channel, k.category_code, k.step,
                   arg_min(t.clock, l.rank * 100 + k.position) AS clock,
                   arg_min(t.amount, l.rank * 100 + k.position) AS amount
            FROM keyed k JOIN step_limit l ON l.step = k.step
            JOIN time_limit t ON t.step = l.limit_step AND t.category_code = k.key
            GROUP BY k.channel, k.category_code, k.step
        ), calendar AS MATERIALIZED (
            SELECT * FROM {calendar}
        ), now AS (
            SELECT {w("k", now)} AS w FROM calendar k WHERE k.day = CAST($as_of AS DATE)
        ), t AS (
            SELECT s.*,
                   CASE WHEN s.step = 'handle'
                        THEN CASE WHEN s.working THEN 'working_hours' ELSE 'continuous_hours' END
                        ELSE lim.clock END AS step_clock,
                   CASE WHEN s.step <> 'handle' THEN lim.amount
                        WHEN s.status = 'rework' THEN s.limit_hours - coalesce(s.extension_hours, 0)
                        ELSE s.limit_hours END AS step_limit,
                   {w("ks", "s.step_started")} AS w_started, {w("kh", "s.handle_start")} AS w_handle,
                   {w("kd", "s.handle_deadline")} AS w_deadline
            FROM s
            LEFT JOIN limits lim
              ON lim.step = s.step AND lim.channel = s.channel
             AND lim.category_code IS NOT DISTINCT FROM s.category_code
            LEFT JOIN calendar ks ON ks.day = CAST(s.step_started AS DATE)
            LEFT JOIN calendar kh ON kh.day = CAST(s.handle_start AS DATE)
            LEFT JOIN calendar kd ON kd.day = CAST(s.handle_deadline AS DATE)
        ), e AS (
            SELECT t.*,
                   {
        _elapsed("t.step_clock", w_start="t.w_started", w_end="now.w", start="t.step_started", end=now, day=day)
    } AS step_elapsed,
                   {
        _elapsed(hours, w_start="t.w_handle", w_end="now.w", start="t.handle_start", end=now, day=day)
    } AS spent,
                   {
        _elapsed(hours, w_start="now.w", w_end="t.w_deadline", start=now, end="t.handle_deadline", day=day)
    } AS hours_left
            FROM t CROSS JOIN now
        ), shares AS (
            SELECT e.*, CASE WHEN e.step_limit > 0 THEN e.step_elapsed / e.step_limit END AS step_fraction,
                   e.handled_at IS NULL AS pending,
                   CASE WHEN e.limit_hours > 0 THEN e.spent / e.limit_hours END AS handle_fraction,
                   -- red: past the limit; the handling step past its deadline (as every "overdue" counts it),
                   -- after rework by the limit from the failed check
                   CASE WHEN e.step = 'handle' AND e.status <> 'rework' THEN coalesce(e.handle_deadline < $as_of, false)
                        ELSE coalesce(e.step_elapsed > e.step_limit, false) END AS red
            FROM e
        ), lit AS (
            SELECT x.*,
                   CASE WHEN x.step IS NULL THEN NULL
                        WHEN x.step_fraction IS NULL THEN 'none'
                        WHEN x.red THEN 'red'
                        WHEN x.step_fraction >= ws.warn THEN 'yellow'
                        ELSE 'green' END AS step_light,
                   CASE WHEN NOT x.pending THEN NULL
                        WHEN x.handle_deadline < $as_of THEN 'overdue'
                        WHEN x.handle_fraction >= wh.warn THEN 'due_soon'
                        ELSE 'on_time' END AS handle_light
            FROM shares x LEFT JOIN step_warn ws ON ws.step = x.step
            LEFT JOIN step_warn wh ON wh.step = 'handle'
        )
    """


def _params(
    *,
    as_of: dt.datetime,
    work_periods: Sequence[Sequence[int]],
    warn: float,
    step_warn: Mapping[str, float] | Sequence[tuple[str, float]],
) -> dict[str, Any]:
    """The bound values of ``_lit_sql``: the clock's moment, the workflow's vocabulary and the warning shares
    (checked: ``core.workflow.warn_fraction``)."""
    if not isinstance(as_of, dt.datetime):
        raise TypeError(f"as_of must be a datetime.datetime, got {as_of!r}")
    per_step = dict(step_warn)
    limits = [(s.key, key, rank) for s in STEPS for rank, key in enumerate(s.limits)]
    return {
        "as_of": as_of,
        "hours_per_day": day_seconds(work_periods) / 3600.0,
        "states": list(STATE_STEP),
        "state_steps": list(STATE_STEP.values()),
        "steps": [s.key for s in STEPS],
        "warns": [warn_fraction(s.key, warn, per_step) for s in STEPS],
        "limit_steps": [step for step, _, _ in limits],
        "limit_keys": [key for _, key, _ in limits],
        "limit_ranks": [rank for _, _, rank in limits],
    }


def light_counts(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: dt.datetime,
    work_periods: Sequence[Sequence[int]],
    warn: float,
    step_warn: Mapping[str, float] | Sequence[tuple[str, float]] = (),
    **filters: Any,
) -> pd.DataFrame:
    """The open cases matching ``filters`` (whenever reported) counted per ``dept_code``, ``step``,
    ``step_light`` and ``handle_light`` at ``as_of`` (NULL where a case has none): ``cases``, and of them
    ``urgent`` and ``supervised``. What the dispatch page's step lights, headline and board of now sum.

    ``work_periods`` and the calendar of ``work_calendar`` make the working clocks; ``warn`` is the warning share
    of a step's limit (``settings.warn_fraction``), ``step_warn`` its overrides per step (pairs or a mapping)."""
    where, params = case_filters(**{k: v for k, v in filters.items() if k not in ("start", "end", "cohort")})
    sql = f"""{_lit_sql(con, where, work_periods)}
        SELECT dept_code, step, step_light, handle_light, count(*) AS cases,
               count(*) FILTER (WHERE is_urgent) AS urgent, count(*) FILTER (WHERE is_supervised) AS supervised
        FROM lit GROUP BY ALL ORDER BY ALL
    """
    bound = {**params, **_params(as_of=as_of, work_periods=work_periods, warn=warn, step_warn=step_warn)}
    return con.execute(sql, bound).df()


def light_cases(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: dt.datetime,
    work_periods: Sequence[Sequence[int]],
    warn: float,
    step_warn: Mapping[str, float] | Sequence[tuple[str, float]] = (),
    pick: str | None = None,
    dept_code: str | None = None,
    limit: int | None = None,
    **filters: Any,
) -> pd.DataFrame:
    """Open cases matching ``filters`` (whenever reported; ``dept_code``: only those that department holds) with
    their lights at ``as_of``: ``CASE_COLUMNS`` and ``LIGHT_COLUMNS``, the first ``limit`` of ``pick`` (None: all;
    how many there are in all, ``light_counts`` counts). ``pick`` (``PICKS``): "pressing", the located ones with
    a red, yellow or green light, red first, each by report time (the map); "late", the red and yellow ones, most
    of the step's limit used first (the list); "held", overdue first, then due soon, on time and those already
    handled, least time left first (a department's list); None, every one by report time. Other arguments as
    ``light_counts``."""
    if pick is not None and pick not in PICKS:
        raise ValueError(f"pick must be None or one of {list(PICKS)}, got {pick!r}")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise ValueError(f"limit must be a positive int or None, got {limit!r}")
    where, params = case_filters(**{k: v for k, v in filters.items() if k not in ("start", "end", "cohort")})
    if dept_code is not None:
        where, params = f"{where} AND c.dept_code = $dept_code", {**params, "dept_code": dept_code}
    columns = ", ".join([*CASE_COLUMNS, *LIGHT_COLUMNS])
    sql = f"""{_lit_sql(con, where, work_periods)}
        SELECT {columns}
        FROM lit WHERE {_WHERE[pick]}
        ORDER BY {_ORDER[pick]}
        LIMIT $limit
    """
    bound = {**params, **_params(as_of=as_of, work_periods=work_periods, warn=warn, step_warn=step_warn)}
    return con.execute(sql, {**bound, "limit": limit}).df()


#: The light queries, for ``QUERIES``.
LIGHT_QUERIES = (light_counts, light_cases)

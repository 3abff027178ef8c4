"""Cross-department dispatch (调度): the open cases and their limits, the handling figures per department or area,
and where cases bounce between departments (退单/改派).

Every function takes a DuckDB connection and keyword filters (``filters.case_filters``) and returns a DataFrame of
codes (names are joined by the views from the dictionaries). Figures are those of ``core.measures``. The open
cases come from the ETL's ``case_open`` and the dispatches from its ``case_dispatch`` when they are fresh (else
they are derived on the fly, ``source.open_cases`` and ``source.dispatches``); counts over many days from the
daily rollups (``source.counts_sql``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from core.catalog import GRID_COLUMNS
from core.measures import CONSTANTS, REGISTRY

from .filters import case_filters
from .source import counts_sql, dispatches, handoffs, open_cases

#: What figures may be grouped by: the responsible department, or the area at a grid level.
GROUPS: tuple[str, ...] = ("dept_code", *GRID_COLUMNS)
#: The counts per unit behind the handling figures, the red/black list and the board (``core.measures``).
KPI_COUNTS: tuple[str, ...] = (
    "cases",
    "due",
    "handled",
    "handled_on_time",
    "reworked",
    "closed",
    "awaiting_closure",
    "extended",
    "followups",
    "satisfied",
    "dispatched",
    "dispatched_accurately",
)


def _group(group: str) -> str:
    if group not in GROUPS:
        raise ValueError(f"group must be one of {list(GROUPS)}, got {group!r}")
    return group


def _limit(value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"limit must be a positive int, got {value!r}")
    return value


# ---------------------------------------------------------------- the open cases and their limits
#: The columns of ``open_case_rows``: what the lights read, and the board's figures of now and the map show.
OPEN_CASE_COLUMNS: tuple[str, ...] = (
    "case_uid",
    "channel",
    "category_code",
    "status",
    "dept_code",
    "lon",
    "lat",
    "reported_at",
    "accepted_at",
    "registered_at",
    "dispatched_at",
    "signed_at",
    "handled_at",
    "checked_at",
    "returned_at",
    "handle_deadline",
    "handle_clock",
    "handle_limit",
    "extension_hours",
    "is_urgent",
    "is_supervised",
)


def open_case_rows(con: duckdb.DuckDBPyConnection, **filters: Any) -> pd.DataFrame:
    """Every case open at the last load (a state that still needs work) matching ``filters``, whenever reported:
    ``OPEN_CASE_COLUMNS``, by report time: what the Python rule of the lights (``analytics.sla.current_lights``)
    takes. Some 35,000 rows at 10M cases, 173,000 at 50M: the dispatch page reads the lights computed in the
    database instead (``lights.light_counts``, ``lights.light_cases``), as it does the warnings
    (``early_warning.case_warnings``)."""
    where, params = case_filters(**filters)
    columns = ", ".join(f"c.{name}" for name in OPEN_CASE_COLUMNS)
    sql = f"SELECT {columns} FROM {open_cases(con)} c WHERE {where} ORDER BY c.reported_at, c.case_uid"
    return con.execute(sql, params).df()


def time_limits(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The ``time_limit`` rows: ``category_code`` (a key: class, major, 'channel:…' or '*'), ``step``, ``clock``,
    ``amount``, ``note``."""
    return con.execute("SELECT category_code, step, clock, amount, note FROM time_limit ORDER BY ALL").df()


def work_calendar_days(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The ``work_calendar`` rows (``day``, ``is_workday``, ``day_kind``, ``note``), by day: what
    ``core.workcal.WorkCalendar.from_frame`` takes."""
    return con.execute("SELECT day, is_workday, day_kind, note FROM work_calendar ORDER BY day").df()


def departments(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every department: ``dept_code``, ``name``, ``label`` (the short name when there is one), ``kind``
    (functional, street, community, enterprise, property), ``parent_code``, ``area_code``; by code."""
    sql = """
        SELECT dept_code, name, coalesce(short_name, name) AS label, kind, parent_code, area_code
        FROM department ORDER BY dept_code
    """
    return con.execute(sql).df()


# ---------------------------------------------------------------- figures per unit
def kpi_counts(con: duckdb.DuckDBPyConnection, *, group: str, **filters: Any) -> pd.DataFrame:
    """Per ``unit`` (the value of ``group``: a department code or a grid code at one level; NULL for cases
    without one) the counts of ``KPI_COUNTS`` of the cases matching ``filters``, by unit. With ``cohort`` =
    "deadline" the period selects cases by handling deadline (``settings.due_cohort``)."""
    column = _group(group)
    counts, params = counts_sql(con, group=(column,), measures=KPI_COUNTS, **filters)
    return con.execute(f"SELECT {column} AS unit, * EXCLUDE ({column}) FROM ({counts}) ORDER BY unit", params).df()


def overdue_counts(con: duckdb.DuckDBPyConnection, *, group: str, at: dt.datetime, **filters: Any) -> pd.DataFrame:
    """Per ``unit`` of ``group``: ``pending`` (cases due to be handled that at ``at`` had been reported and not yet
    handled: handled later, or still open and unhandled) and ``overdue`` (of those, past their handling deadline
    at ``at``) among the cases matching ``filters``. The numerator of the overdue-pending rate at the end of a
    period, so that a past period counts what was pending then, not what is pending now.

    Two parts that cannot overlap: the cases handled after ``at`` (``cases``, its row groups skipped by the
    handling time) and those still unhandled (the open cases)."""
    column = _group(group)
    where, params = case_filters(**filters)
    due = "c.reported_at <= $at AND NOT list_contains($not_due_states, c.status)"
    sql = f"""
        SELECT unit, count(*) AS pending, count(*) FILTER (WHERE handle_deadline < $at) AS overdue
        FROM (
            SELECT c.{column} AS unit, c.handle_deadline FROM cases c
            WHERE c.handled_at > $at AND {due} AND {where}
            UNION ALL
            SELECT c.{column} AS unit, c.handle_deadline FROM {open_cases(con)} c
            WHERE c.handled_at IS NULL AND {due} AND {where}
        )
        GROUP BY ALL ORDER BY unit
    """
    return con.execute(sql, {**params, "at": at, "not_due_states": CONSTANTS["not_due_states"]}).df()


def handled_on_day(
    con: duckdb.DuckDBPyConnection, *, day: dt.date, as_of: dt.datetime, group: str = "dept_code", **filters: Any
) -> pd.DataFrame:
    """Per ``unit`` of ``group``: ``handled_today``, the cases matching ``filters`` (whenever reported) handled on
    ``day`` up to ``as_of``."""
    column = _group(group)
    where, params = case_filters(**filters)
    sql = f"""
        SELECT c.{column} AS unit, count(*) AS handled_today
        FROM cases c
        WHERE c.handled_at >= $day AND c.handled_at < $next_day AND c.handled_at <= $as_of AND {where}
        GROUP BY ALL ORDER BY unit
    """
    bound = {**params, "day": day, "next_day": day + dt.timedelta(days=1), "as_of": as_of}
    return con.execute(sql, bound).df()


def dispatch_counts(con: duckdb.DuckDBPyConnection, **filters: Any) -> pd.DataFrame:
    """Per department dispatched to (``unit``): ``dispatches``, ``returns`` (dispatches it returned) and
    ``median_hours_in_dept`` (the median time from its dispatch until it returned or handled the case; wall-clock
    hours, dispatches it still holds left out), over the dispatches of the cases matching ``filters``; by unit."""
    relation, params = dispatches(con, **filters)
    figures = ", ".join(
        f"{REGISTRY[name].fold} AS {name}" for name in ("dispatches", "returns", "median_hours_in_dept")
    )
    sql = f"SELECT d.to_dept AS unit, {figures} FROM {relation} d GROUP BY ALL ORDER BY unit"
    return con.execute(sql, params).df()


# ---------------------------------------------------------------- hand-offs (退单/改派)
def handoff_summary(con: duckdb.DuckDBPyConnection, **filters: Any) -> pd.DataFrame:
    """One row over the cases matching ``filters``: ``dispatched`` (cases dispatched), ``dispatches`` (each
    dispatched case once, plus every further dispatch the workflow shows), ``returns``, ``redispatched`` (dispatched
    more than once), ``ping_pong`` (sent back to a department that had them, A→B→A), ``disputed`` (returned by two
    or more departments), ``dispatched_accurately`` and ``accurate_dispatch_rate`` (dispatched and neither returned
    nor reworked ÷ dispatched: the domain's 准确派遣率, over cases, as ``core.measures`` defines it)."""
    relation, params = handoffs(con, **filters)
    counts, count_params = counts_sql(con, group=(), measures=("dispatched", "dispatched_accurately"), **filters)
    sql = f"""
        SELECT k.dispatched, k.dispatched + h.extra AS dispatches, h.returns, h.redispatched, h.ping_pong,
               h.disputed, k.dispatched_accurately,
               CAST(k.dispatched_accurately AS DOUBLE) / nullif(k.dispatched, 0) AS accurate_dispatch_rate
        FROM (
            SELECT coalesce(sum(h.dispatches - 1), 0) AS extra, coalesce(sum(h.returns), 0) AS returns,
                   count(*) FILTER (WHERE h.dispatches > 1) AS redispatched,
                   count(*) FILTER (WHERE h.ping_pong) AS ping_pong,
                   count(*) FILTER (WHERE h.returners >= 2) AS disputed
            FROM {relation} h
        ) h, ({counts}) k
    """
    return con.execute(sql, {**params, **count_params}).df()


def handoff_chains(con: duckdb.DuckDBPyConnection, *, limit: int = 20, **filters: Any) -> pd.DataFrame:
    """The ``limit`` most frequent chains of departments among the cases matching ``filters`` dispatched more than
    once: ``chain`` (the department codes in dispatch order, joined by '>'), ``cases``, ``returns`` (returns along
    those cases), ``ping_pong`` (the chain goes back to a department it left) and ``disputed`` (returned by two or
    more departments); most cases first, then by chain."""
    relation, params = handoffs(con, **filters)
    sql = f"""
        SELECT h.chain, count(*) AS cases, sum(h.returns) AS returns, bool_or(h.ping_pong) AS ping_pong,
               bool_or(h.returners >= 2) AS disputed
        FROM {relation} h WHERE h.dispatches > 1
        GROUP BY h.chain
        ORDER BY cases DESC, h.chain
        LIMIT $limit
    """
    return con.execute(sql, {**params, "limit": _limit(limit)}).df()


def handoff_flows(con: duckdb.DuckDBPyConnection, **filters: Any) -> pd.DataFrame:
    """The cases matching ``filters`` dispatched more than once, per ``first_dept`` (dispatched to first) and
    ``last_dept`` (holding it last: the one that handled or holds it): ``cases``; most first. The Sankey of where
    re-dispatched cases started and ended."""
    relation, params = handoffs(con, **filters)
    sql = f"""
        SELECT h.first_dept, h.last_dept, count(*) AS cases
        FROM {relation} h WHERE h.dispatches > 1
        GROUP BY ALL ORDER BY cases DESC, first_dept, last_dept
    """
    return con.execute(sql, params).df()


def disputed_categories(con: duckdb.DuckDBPyConnection, *, limit: int = 10, **filters: Any) -> pd.DataFrame:
    """The ``limit`` classes whose cases bounce most: ``category_code``, ``dispatched_cases``, ``returned_cases``
    (returned at least once), ``disputed`` (returned by two or more departments), ``ping_pong``, ``returns`` and
    ``return_share`` (returned cases ÷ dispatched cases), where ``returned_cases`` > 0; most disputed, then most
    returned first. A hint of which classes the routing table (权责清单) sends to the wrong department."""
    relation, params = handoffs(con, **filters)
    counts, count_params = counts_sql(con, group=("category_code",), measures=("dispatched",), **filters)
    sql = f"""
        SELECT h.category_code, k.dispatched AS dispatched_cases, h.returned_cases, h.disputed, h.ping_pong,
               h.returns, CAST(h.returned_cases AS DOUBLE) / nullif(k.dispatched, 0) AS return_share
        FROM (
            SELECT h.category_code, count(*) FILTER (WHERE h.returns > 0) AS returned_cases,
                   count(*) FILTER (WHERE h.returners >= 2) AS disputed,
                   count(*) FILTER (WHERE h.ping_pong) AS ping_pong,
                   sum(h.returns) AS returns
            FROM {relation} h GROUP BY h.category_code
        ) h LEFT JOIN ({counts}) k ON k.category_code IS NOT DISTINCT FROM h.category_code
        WHERE h.returned_cases > 0
        ORDER BY h.disputed DESC, h.returned_cases DESC, h.category_code NULLS LAST
        LIMIT $limit
    """
    return con.execute(sql, {**params, **count_params, "limit": _limit(limit)}).df()


def bounced_cases(con: duckdb.DuckDBPyConnection, *, limit: int = 50, **filters: Any) -> pd.DataFrame:
    """The ``limit`` most recently dispatched cases matching ``filters`` that were dispatched more than once:
    ``case_uid``, ``category_code``, ``chain`` (department codes by '>'), ``dispatches``, ``returners``,
    ``ping_pong``, ``first_dispatched`` and ``last_dispatched``; newest first."""
    relation, params = handoffs(con, **filters)
    sql = f"""
        SELECT h.case_uid, h.category_code, h.chain, h.dispatches, h.returners, h.ping_pong, h.first_dispatched,
               h.last_dispatched
        FROM {relation} h WHERE h.dispatches > 1
        ORDER BY h.last_dispatched DESC, h.case_uid
        LIMIT $limit
    """
    return con.execute(sql, {**params, "limit": _limit(limit)}).df()


#: The dispatch queries, for ``QUERIES``.
DISPATCH_QUERIES = (
    open_case_rows,
    time_limits,
    work_calendar_days,
    departments,
    kpi_counts,
    overdue_counts,
    handled_on_day,
    dispatch_counts,
    handoff_summary,
    handoff_chains,
    handoff_flows,
    disputed_categories,
    bounced_cases,
)

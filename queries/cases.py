"""Case counts: what came in, how far it got, where and through which channel.

Every function takes a DuckDB connection and keyword filters (``filters.case_filters``) and returns a
DataFrame. The figures and their definitions are those of ``core.measures`` (a case is *in* a period when it
was reported in it; rejected, voided and self-handled cases are neither closed nor awaiting closure, so they are
left out of the closure rate).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from core.catalog import grid_level_column
from core.measures import select_sql

from .filters import case_filters
from .grids import within_sql
from .source import clock_counts_sql, counts_sql


def data_extent(con: duckdb.DuckDBPyConnection, **filters: Any) -> pd.DataFrame:
    """One row: ``first`` and ``last`` report time and the number of ``cases`` matching ``filters`` (in
    practice an area: ``case_filters``; times NaT when there are none)."""
    where, params = case_filters(**filters)
    sql = f"SELECT min(reported_at) AS first, max(reported_at) AS last, count(*) AS cases FROM cases c WHERE {where}"
    return con.execute(sql, params).df()


def data_end(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row: ``last``, the last report time of any case (NaT when there are none): the day the data reach,
    from which the period presets count back whatever area a reader sees (no count, no place)."""
    return con.execute("SELECT max(reported_at) AS last FROM cases").df()


def summary_counts(con: duckdb.DuckDBPyConnection, **filters: Any) -> pd.DataFrame:
    """One row: ``cases``, ``closed``, ``awaiting_closure`` and ``closure_rate`` (NaN when nothing is due)."""
    counts, params = counts_sql(con, group=(), measures=("cases", "closed", "awaiting_closure"), **filters)
    figures = select_sql(("cases", "closed", "awaiting_closure", "closure_rate"), column=lambda name: f"k.{name}")
    return con.execute(f"SELECT {figures} FROM ({counts}) k", params).df()


def overdue_pending(con: duckdb.DuckDBPyConnection, *, as_of: dt.datetime, **filters: Any) -> pd.DataFrame:
    """One row: ``pending`` (open and not yet handled) and ``overdue`` (of those, past the deadline at ``as_of``).

    A state at one moment: pass no date filters to count every case still pending, whenever reported.
    """
    sql, params = clock_counts_sql(con, as_of=as_of, **filters)
    return con.execute(sql, params).df()


def cases_by_channel(con: duckdb.DuckDBPyConnection, **filters: Any) -> pd.DataFrame:
    """``channel``, ``name_zh``, ``name_en`` (the code when the dictionary lacks it) and ``cases``, most first."""
    # Counted on the codes first, the names joined to the few result rows (a join per row costs 3-4×).
    counts, params = counts_sql(con, group=("channel",), measures=("cases",), **filters)
    sql = f"""
        SELECT k.channel, coalesce(ch.name_zh, k.channel) AS name_zh, coalesce(ch.name_en, k.channel) AS name_en,
               k.cases
        FROM ({counts}) k LEFT JOIN channel ch ON ch.channel = k.channel
        ORDER BY k.cases DESC, k.channel
    """
    return con.execute(sql, params).df()


def cases_by_status(con: duckdb.DuckDBPyConnection, **filters: Any) -> pd.DataFrame:
    """``status``, ``name_zh``, ``name_en``, ``is_open``, ``sort_order`` and ``cases``, in workflow order."""
    counts, params = counts_sql(con, group=("status",), measures=("cases",), **filters)
    sql = f"""
        SELECT k.status, coalesce(s.name_zh, k.status) AS name_zh, coalesce(s.name_en, k.status) AS name_en,
               s.is_open, s.sort_order, k.cases
        FROM ({counts}) k LEFT JOIN case_state s ON s.state = k.status
        ORDER BY s.sort_order NULLS LAST, k.status
    """
    return con.execute(sql, params).df()


def cases_by_level(
    con: duckdb.DuckDBPyConnection, *, depth: int, within: str | None = None, **filters: Any
) -> pd.DataFrame:
    """``code``, ``name``, ``parent_code`` and ``cases`` for every grid at ``depth`` (``within`` an area when
    given), zero counts included.

    Names are those of each code's latest version. Cases in no grid at that depth are not counted.
    """
    column = grid_level_column(depth)
    counts, params = counts_sql(con, group=(column,), measures=("cases",), where=f"c.{column} IS NOT NULL", **filters)
    sql = f"""
        WITH names AS (
            SELECT code, arg_max(name, valid_from) AS name, arg_max(parent_code, valid_from) AS parent_code
            FROM grid WHERE depth = $depth AND code IN ({within_sql(at=False)}) GROUP BY code
        ), counts AS (
            SELECT {column} AS code, cases FROM ({counts})
        )
        SELECT code, coalesce(n.name, code) AS name, n.parent_code, coalesce(k.cases, 0) AS cases
        FROM names n FULL JOIN counts k USING (code)
        ORDER BY cases DESC, code
    """
    return con.execute(sql, {**params, "depth": depth, "within": within}).df()


def daily_counts(con: duckdb.DuckDBPyConnection, **filters: Any) -> pd.DataFrame:
    """``day`` and ``cases`` reported that day, one row per day from ``start`` (or the first) to ``end``."""
    counts, params = counts_sql(con, group=("day",), measures=("cases",), **filters)
    sql = f"""
        WITH counts AS ({counts}), span AS (
            SELECT coalesce(CAST($first AS DATE), min(day)) AS first, coalesce(CAST($last AS DATE), max(day)) AS last
            FROM counts
        )
        SELECT CAST(d.day AS DATE) AS day, coalesce(k.cases, 0) AS cases
        FROM span, generate_series(span.first, span.last, INTERVAL 1 DAY) AS d(day)
        LEFT JOIN counts k ON k.day = CAST(d.day AS DATE)
        ORDER BY 1
    """
    return con.execute(sql, {**params, "first": filters.get("start"), "last": filters.get("end")}).df()

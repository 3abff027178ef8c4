"""Case counts: what came in, how far it got, where and through which channel.

Every function takes a DuckDB connection and keyword filters (``filters.case_filters``) and returns a
DataFrame. Definitions used everywhere in the dashboard:

* a case is *in* a period when it was **reported** in it;
* *closed* means its current state is one of ``CLOSED_STATES`` (结案, or evaluated after closing);
* *awaiting closure* means its current state is open (``case_state.is_open``); rejected, voided and
  self-handled cases are neither, so they are left out of the closure rate;
* closure rate (结案率) = closed / (closed + awaiting closure);
* *overdue pending* (超期待处置) means open, not yet handled, and past its handling deadline at ``as_of``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from .filters import case_filters, grid_level_column

#: Current states that count as closed.
CLOSED_STATES: tuple[str, ...] = ("closed", "evaluated")


def data_extent(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row: ``first`` and ``last`` report time and the number of ``cases`` (times NaT when empty)."""
    return con.execute("SELECT min(reported_at) AS first, max(reported_at) AS last, count(*) AS cases FROM cases").df()


def summary_counts(con: duckdb.DuckDBPyConnection, **filters: Any) -> pd.DataFrame:
    """One row: ``cases``, ``closed``, ``awaiting_closure`` and ``closure_rate`` (NaN when nothing is due)."""
    where, params = case_filters(**filters)
    sql = f"""
        WITH counts AS (
            SELECT count(*) AS cases,
                   count(*) FILTER (WHERE list_contains($closed_states, c.status)) AS closed,
                   count(*) FILTER (WHERE s.is_open) AS awaiting_closure
            FROM cases c LEFT JOIN case_state s ON s.state = c.status
            WHERE {where}
        )
        SELECT cases, closed, awaiting_closure,
               closed / nullif(closed + awaiting_closure, 0) AS closure_rate
        FROM counts
    """
    return con.execute(sql, {**params, "closed_states": list(CLOSED_STATES)}).df()


def overdue_pending(con: duckdb.DuckDBPyConnection, *, as_of: dt.datetime, **filters: Any) -> pd.DataFrame:
    """One row: ``pending`` (open and not yet handled) and ``overdue`` (of those, past the deadline at ``as_of``).

    A state at one moment: pass no date filters to count every case still pending, whenever reported.
    """
    where, params = case_filters(**filters)
    sql = f"""
        SELECT count(*) AS pending,
               count(*) FILTER (WHERE c.handle_deadline < $as_of) AS overdue
        FROM cases c JOIN case_state s ON s.state = c.status
        WHERE s.is_open AND c.handled_at IS NULL AND {where}
    """
    return con.execute(sql, {**params, "as_of": as_of}).df()


def cases_by_channel(con: duckdb.DuckDBPyConnection, **filters: Any) -> pd.DataFrame:
    """``channel``, ``name_zh``, ``name_en`` (the code when the dictionary lacks it) and ``cases``, most first."""
    where, params = case_filters(**filters)
    sql = f"""
        SELECT c.channel, coalesce(any_value(ch.name_zh), c.channel) AS name_zh,
               coalesce(any_value(ch.name_en), c.channel) AS name_en, count(*) AS cases
        FROM cases c LEFT JOIN channel ch ON ch.channel = c.channel
        WHERE {where}
        GROUP BY c.channel
        ORDER BY cases DESC, c.channel
    """
    return con.execute(sql, params).df()


def cases_by_status(con: duckdb.DuckDBPyConnection, **filters: Any) -> pd.DataFrame:
    """``status``, ``name_zh``, ``name_en``, ``is_open``, ``sort_order`` and ``cases``, in workflow order."""
    where, params = case_filters(**filters)
    sql = f"""
        SELECT c.status, coalesce(any_value(s.name_zh), c.status) AS name_zh,
               coalesce(any_value(s.name_en), c.status) AS name_en,
               any_value(s.is_open) AS is_open, any_value(s.sort_order) AS sort_order, count(*) AS cases
        FROM cases c LEFT JOIN case_state s ON s.state = c.status
        WHERE {where}
        GROUP BY c.status
        ORDER BY sort_order NULLS LAST, c.status
    """
    return con.execute(sql, params).df()


def cases_by_level(con: duckdb.DuckDBPyConnection, *, depth: int, **filters: Any) -> pd.DataFrame:
    """``code``, ``name``, ``parent_code`` and ``cases`` for every grid at ``depth``, zero counts included.

    Names are those of each code's latest version. Cases in no grid at that depth are not counted.
    """
    column = grid_level_column(depth)
    where, params = case_filters(**filters)
    sql = f"""
        WITH names AS (
            SELECT code, arg_max(name, valid_from) AS name, arg_max(parent_code, valid_from) AS parent_code
            FROM grid WHERE depth = $depth GROUP BY code
        ), counts AS (
            SELECT c.{column} AS code, count(*) AS cases
            FROM cases c
            WHERE c.{column} IS NOT NULL AND {where}
            GROUP BY c.{column}
        )
        SELECT code, coalesce(n.name, code) AS name, n.parent_code, coalesce(k.cases, 0) AS cases
        FROM names n FULL JOIN counts k USING (code)
        ORDER BY cases DESC, code
    """
    return con.execute(sql, {**params, "depth": depth}).df()


def daily_counts(con: duckdb.DuckDBPyConnection, **filters: Any) -> pd.DataFrame:
    """``day`` and ``cases`` reported that day, one row per day from ``start`` (or the first) to ``end``."""
    where, params = case_filters(**filters)
    sql = f"""
        WITH counts AS (
            SELECT CAST(c.reported_at AS DATE) AS day, count(*) AS cases
            FROM cases c WHERE {where} GROUP BY 1
        ), span AS (
            SELECT coalesce(CAST($first AS DATE), min(day)) AS first, coalesce(CAST($last AS DATE), max(day)) AS last
            FROM counts
        )
        SELECT CAST(d.day AS DATE) AS day, coalesce(k.cases, 0) AS cases
        FROM span, generate_series(span.first, span.last, INTERVAL 1 DAY) AS d(day)
        LEFT JOIN counts k ON k.day = CAST(d.day AS DATE)
        ORDER BY 1
    """
    return con.execute(sql, {**params, "first": filters.get("start"), "last": filters.get("end")}).df()

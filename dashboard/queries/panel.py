"""The figures of one area beside the map: how many cases, how well they were closed, what is overdue,
which categories lead. The area is the ``area`` filter (``None`` = everything, outside every grid included).

Definitions (the same as ``cases.py`` and the ETL's rollups, ``etl/rollups.py``):

* *closed*: current state in ``CLOSED_STATES``; *awaiting closure*: current state open (``case_state``);
* *closed on time*: closed, and handled no later than the handling deadline (no deadline: not on time);
* closure rate = closed / (closed + awaiting); on-time closure rate = closed on time / (closed + awaiting);
* *overdue*: of the filtered cases, those still open and unhandled whose deadline passed before ``as_of``;
* satisfaction rate = (满意 + 基本满意) / follow-ups with an answer.

Rates are NaN when their denominator is 0.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from .filters import case_filters
from .source import counts_sql, pending_cases

_FIGURES = ("cases", "closed", "awaiting_closure", "closed_on_time", "followups", "satisfied")


def area_figures(con: duckdb.DuckDBPyConnection, *, as_of: dt.datetime, **filters: Any) -> pd.DataFrame:
    """One row: ``cases``, ``closed``, ``awaiting_closure``, ``closed_on_time``, ``closure_rate``,
    ``on_time_closure_rate``, ``overdue``, ``followups``, ``satisfied`` and ``satisfaction_rate``.
    """
    counts, params = counts_sql(con, group=(), measures=_FIGURES, **filters)
    # Overdue depends on the clock (``as_of``): counted from the pending cases, not a rollup.
    where, case_params = case_filters(**filters)
    sql = f"""
        WITH overdue AS (
            SELECT count(*) AS overdue
            FROM {pending_cases(con)} c
            WHERE c.handle_deadline < $as_of AND {where}
        )
        SELECT k.cases, k.closed, k.awaiting_closure, k.closed_on_time,
               k.closed / nullif(k.closed + k.awaiting_closure, 0) AS closure_rate,
               k.closed_on_time / nullif(k.closed + k.awaiting_closure, 0) AS on_time_closure_rate,
               o.overdue, k.followups, k.satisfied,
               k.satisfied / nullif(k.followups, 0) AS satisfaction_rate
        FROM ({counts}) k, overdue o
    """
    return con.execute(sql, {**params, **case_params, "as_of": as_of}).df()


def top_categories(con: duckdb.DuckDBPyConnection, *, limit: int = 5, **filters: Any) -> pd.DataFrame:
    """The ``limit`` categories with most cases: ``category_code`` (NULL for unmapped cases), ``name_zh``,
    ``name_en`` (the code when the dictionary lacks it) and ``cases``; ties by code.
    """
    if not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a positive int, got {limit!r}")
    counts, params = counts_sql(con, group=("category_code",), measures=("cases",), **filters)
    sql = f"""
        SELECT t.category_code, coalesce(k.name_zh, t.category_code) AS name_zh,
               coalesce(k.name_en, t.category_code) AS name_en, t.cases
        FROM (
            SELECT category_code, cases FROM ({counts})
            ORDER BY cases DESC, category_code NULLS LAST
            LIMIT $limit
        ) t LEFT JOIN category k ON k.code = t.category_code
        ORDER BY t.cases DESC, t.category_code NULLS LAST
    """
    return con.execute(sql, {**params, "limit": limit}).df()

"""The figures of one area beside the map: how many cases, how well they were closed, what is overdue,
which categories lead. The area is the ``area`` filter (``None`` = everything, outside every grid included).

Definitions (the same as ``cases.py`` and the ETL's ``case_daily`` rollup):

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

from .cases import CLOSED_STATES
from .filters import case_filters

#: Follow-up answers that count as satisfied.
SATISFIED: tuple[str, ...] = ("满意", "基本满意")


def area_figures(con: duckdb.DuckDBPyConnection, *, as_of: dt.datetime, **filters: Any) -> pd.DataFrame:
    """One row: ``cases``, ``closed``, ``awaiting_closure``, ``closed_on_time``, ``closure_rate``,
    ``on_time_closure_rate``, ``overdue``, ``followups``, ``satisfied`` and ``satisfaction_rate``.
    """
    where, params = case_filters(**filters)
    sql = f"""
        WITH counts AS (
            SELECT count(*) AS cases,
                   count(*) FILTER (WHERE list_contains($closed_states, c.status)) AS closed,
                   count(*) FILTER (WHERE s.is_open) AS awaiting_closure,
                   count(*) FILTER (WHERE list_contains($closed_states, c.status)
                                      AND c.handled_at <= c.handle_deadline) AS closed_on_time,
                   count(*) FILTER (WHERE s.is_open AND c.handled_at IS NULL
                                      AND c.handle_deadline < $as_of) AS overdue,
                   count(c.satisfaction) AS followups,
                   count(*) FILTER (WHERE list_contains($satisfied, c.satisfaction)) AS satisfied
            FROM cases c LEFT JOIN case_state s ON s.state = c.status
            WHERE {where}
        )
        SELECT cases, closed, awaiting_closure, closed_on_time,
               closed / nullif(closed + awaiting_closure, 0) AS closure_rate,
               closed_on_time / nullif(closed + awaiting_closure, 0) AS on_time_closure_rate,
               overdue, followups, satisfied,
               satisfied / nullif(followups, 0) AS satisfaction_rate
        FROM counts
    """
    bound = {**params, "closed_states": list(CLOSED_STATES), "as_of": as_of, "satisfied": list(SATISFIED)}
    return con.execute(sql, bound).df()


def top_categories(con: duckdb.DuckDBPyConnection, *, limit: int = 5, **filters: Any) -> pd.DataFrame:
    """The ``limit`` categories with most cases: ``category_code`` (NULL for unmapped cases), ``name_zh``,
    ``name_en`` (the code when the dictionary lacks it) and ``cases``; ties by code.
    """
    if not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a positive int, got {limit!r}")
    where, params = case_filters(**filters)
    sql = f"""
        SELECT c.category_code,
               coalesce(any_value(k.name_zh), c.category_code) AS name_zh,
               coalesce(any_value(k.name_en), c.category_code) AS name_en,
               count(*) AS cases
        FROM cases c LEFT JOIN category k ON k.code = c.category_code
        WHERE {where}
        GROUP BY c.category_code
        ORDER BY cases DESC, c.category_code NULLS LAST
        LIMIT $limit
    """
    return con.execute(sql, {**params, "limit": limit}).df()

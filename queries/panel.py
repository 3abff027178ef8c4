"""The figures of one area beside the map: how many cases, how well they were closed, what is overdue,
which categories lead. The area is the ``area`` filter (``None`` = everything, outside every grid included).

Figures and definitions are those of ``core.measures``; *overdue* counts the filtered cases still pending whose
deadline passed before ``as_of``. Rates are NaN when their denominator is 0.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from core.measures import counts_of, select_sql

from .source import MEASURES, clock_counts_sql, counts_sql

#: The figures of ``area_figures``, in order (``core.measures``).
FIGURES: tuple[str, ...] = (
    "cases",
    "closed",
    "awaiting_closure",
    "closed_on_time",
    "closure_rate",
    "on_time_closure_rate",
    "overdue",
    "followups",
    "satisfied",
    "satisfaction_rate",
)


def area_figures(con: duckdb.DuckDBPyConnection, *, as_of: dt.datetime, **filters: Any) -> pd.DataFrame:
    """One row: ``cases``, ``closed``, ``awaiting_closure``, ``closed_on_time``, ``closure_rate``,
    ``on_time_closure_rate``, ``overdue``, ``followups``, ``satisfied`` and ``satisfaction_rate``.
    """
    counted = [name for name in counts_of(FIGURES) if name in MEASURES]
    counts, params = counts_sql(con, group=(), measures=counted, **filters)
    # Overdue depends on the clock (``as_of``): counted from the pending cases, not a rollup.
    clock, clock_params = clock_counts_sql(con, as_of=as_of, **filters)
    figures = select_sql(FIGURES, column=lambda name: f"o.{name}" if name == "overdue" else f"k.{name}")
    sql = f"SELECT {figures} FROM ({counts}) k, ({clock}) o"
    return con.execute(sql, {**params, **clock_params}).df()


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


def category_coverage(con: duckdb.DuckDBPyConnection, **filters: Any) -> pd.DataFrame:
    """One row: ``cases`` and ``unclassified``, those without a GB/T class (a code the city's mapping table
    lacks, or a hotline topic outside the standard): the flag the panel keeps in sight when it is not in the top.
    """
    counts, params = counts_sql(con, group=("category_code",), measures=("cases",), **filters)
    sql = f"""
        SELECT coalesce(sum(cases), 0)::BIGINT AS cases,
               coalesce(sum(cases) FILTER (WHERE category_code IS NULL), 0)::BIGINT AS unclassified
        FROM ({counts})
    """
    return con.execute(sql, params).df()

"""What the three warning levels (三级预警) are evaluated on, besides the open cases (``dispatch.open_case_rows``):
the rules (table ``warning_rule``), clusters of one class in one area within a window, and the daily counts per
area and class that the spike test compares with previous weeks (``analytics.spikes``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from core.catalog import grid_level_column

from .filters import case_filters
from .source import case_source


def warning_rules(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every row of ``warning_rule`` (``rule_id``, ``level``, ``kind``, ``threshold``, ``window_hours``,
    ``depth``, ``baseline_weeks``, ``min_cases``, ``channel``, ``category_code``, ``enabled``, ``name_zh``,
    ``name_en``, ``note``), most severe level first, then by id."""
    return con.execute("SELECT * FROM warning_rule ORDER BY level, rule_id").df()


def recent_clusters(
    con: duckdb.DuckDBPyConnection,
    *,
    since: dt.datetime,
    until: dt.datetime,
    depth: int,
    min_cases: int,
    **filters: Any,
) -> pd.DataFrame:
    """Cases matching ``filters`` reported in (``since``, ``until``] counted per ``area`` (the grid at
    ``depth``) and ``category_code`` where they number at least ``min_cases``: ``area``, ``category_code``,
    ``cases``, ``first_reported``, ``last_reported``, ``lon``/``lat`` (the area's label point, as the grid
    valid at ``until`` has it); most first. Dates in ``filters`` are ignored: the window is the period."""
    column = grid_level_column(depth)
    kept = {name: value for name, value in filters.items() if name not in ("start", "end", "cohort")}
    where, params = case_filters(**kept)
    sql = f"""
        WITH k AS (
            SELECT c.{column} AS area, c.category_code, count(*) AS cases,
                   min(c.reported_at) AS first_reported, max(c.reported_at) AS last_reported
            FROM cases c
            WHERE c.reported_at > $since AND c.reported_at <= $until AND c.{column} IS NOT NULL
              AND c.category_code IS NOT NULL AND {where}
            GROUP BY ALL HAVING count(*) >= $min_cases
        )
        SELECT k.*, g.centroid_lon AS lon, g.centroid_lat AS lat
        FROM k LEFT JOIN (
            SELECT code, arg_max(centroid_lon, valid_from) AS centroid_lon,
                   arg_max(centroid_lat, valid_from) AS centroid_lat
            FROM grid WHERE valid_from <= $until GROUP BY code
        ) g ON g.code = k.area
        ORDER BY k.cases DESC, k.area, k.category_code
    """
    bound = {**params, "since": since, "until": until, "min_cases": int(min_cases)}
    return con.execute(sql, bound).df()


def spike_counts(
    con: duckdb.DuckDBPyConnection, *, day: dt.date, weeks: int, depth: int, **filters: Any
) -> pd.DataFrame:
    """Cases matching ``filters`` reported on ``day`` and on the same weekday of each of the ``weeks`` weeks
    before, per ``area`` (the grid at ``depth``), ``category_code`` and ``day``: ``area``, ``category_code``,
    ``day``, ``cases`` (only combinations with cases; what ``analytics.spikes.spikes`` takes) and the area's label
    point (``lon``, ``lat``, its latest version's). Dates in ``filters`` are ignored."""
    if not isinstance(weeks, int) or weeks < 1:
        raise ValueError(f"weeks must be a positive int, got {weeks!r}")
    column = grid_level_column(depth)
    kept = {name: value for name, value in filters.items() if name not in ("start", "end", "cohort")}
    days = [day - dt.timedelta(weeks=k) for k in range(weeks, -1, -1)]
    source = case_source(con, (column, "category_code", "day"), **kept)
    # the whole span bounds the scan (row groups skipped by report time); the weekdays are picked inside it
    where, params = source.filters(start=days[0], end=day, **kept)
    sql = f"""
        WITH k AS (
            SELECT {source.column(column)} AS area, c.category_code, {source.day} AS day,
                   CAST({source.count("cases")} AS BIGINT) AS cases
            FROM {source.table} c
            WHERE {where} AND list_contains($days, {source.day}) AND c.{column} IS NOT NULL
              AND c.category_code IS NOT NULL
            GROUP BY ALL
        )
        SELECT k.*, g.lon, g.lat
        FROM k LEFT JOIN (
            SELECT code, arg_max(centroid_lon, valid_from) AS lon, arg_max(centroid_lat, valid_from) AS lat
            FROM grid GROUP BY code
        ) g ON g.code = k.area
        ORDER BY k.area, k.category_code, k.day
    """
    return con.execute(sql, {**params, "days": days}).df()


#: The warning queries, for ``QUERIES``.
WARNING_QUERIES = (warning_rules, recent_clusters, spike_counts)

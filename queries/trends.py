"""What the trend and hotspot analyses read (研判): counts by area, week, category, hour; the lattice of a level;
the cases a recurrence analysis lists and the points it tests. Pure SQL reads; the statistics are ``analytics``'.

Counts come from the daily rollups when one holds every column (``source.counts_sql``), so a year of weekly
counts per community is a scan of a few hundred thousand rollup rows, not of ``cases``. Areas are always every
grid of the level valid at ``at`` (under ``area`` when given), zero counts included: a hotspot analysis that
left out the quiet areas would find hot spots everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from core.catalog import ADJACENCY_STATE, ADJACENCY_TABLE, EPOCH_AT_SQL, grid_level_column

from .filters import case_filters
from .grids import within_sql
from .source import counts_sql

_VALID_AT = "g.valid_from <= $at AND (g.valid_to IS NULL OR g.valid_to > $at)"
#: Grains of a time series, and the day each period is named by.
GRAINS: dict[str, str] = {"day": "day", "week": "week", "month": "month"}
#: What a time series may be split by: the column, or the grid level of an area split.
SPLITS: tuple[str, ...] = ("none", "category_major", "channel", "area")


def _area_codes(area: str | Sequence[str] | None) -> list[str] | None:
    """The ``area`` filter as a list of codes (one or several, as ``case_filters`` takes it), None for none."""
    if area is None or (not isinstance(area, str) and not len(area)):
        return None
    return [area] if isinstance(area, str) else [str(code) for code in area]


def _areas_sql(depth: int, area: list[str] | None) -> str:
    """Every grid at ``depth`` valid at ``$at``, under the ``$area`` codes when given (followed down through
    parent codes)."""
    if area is None:
        return f"SELECT g.code, g.name, g.population, g.area_km2 FROM grid g WHERE g.depth = {depth} AND {_VALID_AT}"
    return f"""
        WITH RECURSIVE below(code, depth) AS (
            SELECT g.code, g.depth FROM grid g WHERE list_contains($area, g.code) AND {_VALID_AT}
            UNION
            SELECT g.code, g.depth FROM grid g JOIN below b ON g.parent_code = b.code
            WHERE g.depth <= {depth} AND {_VALID_AT}
        )
        SELECT g.code, g.name, g.population, g.area_km2 FROM grid g
        WHERE g.depth = {depth} AND {_VALID_AT} AND g.code IN (SELECT code FROM below)"""


def _level(depth: int) -> int:
    grid_level_column(depth)  # checks the range
    return int(depth)


def level_areas(
    con: duckdb.DuckDBPyConnection, *, depth: int, at: dt.datetime, area: str | Sequence[str] | None = None
) -> pd.DataFrame:
    """Every grid at ``depth`` valid at ``at`` (under ``area`` when given): ``code``, ``name``, ``population``,
    ``area_km2``, by code."""
    codes = _area_codes(area)
    sql = f"SELECT * FROM ({_areas_sql(_level(depth), codes)}) ORDER BY code"
    return con.execute(sql, {"at": at, **({"area": codes} if codes else {})}).df()


def area_neighbours(
    con: duckdb.DuckDBPyConnection, *, depth: int, at: dt.datetime, within: str | None = None
) -> pd.DataFrame:
    """The neighbouring grids at ``depth`` valid at ``at`` (queen contiguity, derived by the ETL): ``code``,
    ``neighbour``, both directions of each pair; pairs of grids ``within`` an area only, when given. A
    ``LookupError`` when the database has none derived yet (one written by an older release, before its next
    load or ``init``)."""
    derived = con.execute(f"SELECT 1 FROM duckdb_tables() WHERE table_name = '{ADJACENCY_STATE}'").fetchall()
    if not derived or not con.execute(f"SELECT count(*) FROM {ADJACENCY_STATE}").fetchall()[0][0]:
        raise LookupError(
            "the grids' neighbours have not been derived in this database yet: run `python -m etl --db FILE init`"
        )
    inside = within_sql(at=True)
    sql = f"""
        SELECT code, neighbour FROM {ADJACENCY_TABLE}
        WHERE depth = $depth AND epoch_start = {EPOCH_AT_SQL}
          AND ($within IS NULL OR (code IN ({inside}) AND neighbour IN ({inside})))
        ORDER BY code, neighbour
    """
    return con.execute(sql, {"depth": _level(depth), "at": at, "within": within}).df()


def area_period_counts(con: duckdb.DuckDBPyConnection, *, depth: int, at: dt.datetime, **filters: Any) -> pd.DataFrame:
    """Cases matching ``filters`` per grid at ``depth`` valid at ``at`` (under the ``area`` filter when given):
    ``code``, ``name``, ``population``, ``area_km2``, ``cases`` (0 for a quiet area), by code."""
    column = grid_level_column(depth)
    codes = _area_codes(filters.get("area"))
    scope = {key: value for key, value in filters.items() if key not in ("area", "area_depth")}
    counts, params = counts_sql(con, group=(column,), measures=("cases",), where=f"c.{column} IS NOT NULL", **scope)
    sql = f"""
        SELECT a.code, a.name, a.population, a.area_km2, coalesce(k.cases, 0) AS cases
        FROM ({_areas_sql(depth, codes)}) a LEFT JOIN ({counts}) k ON k.{column} = a.code
        ORDER BY a.code
    """
    return con.execute(sql, {**params, "at": at, **({"area": codes} if codes else {})}).df()


def area_week_counts(con: duckdb.DuckDBPyConnection, *, depth: int, **filters: Any) -> pd.DataFrame:
    """Cases matching ``filters`` per grid at ``depth`` and ISO week (``week``: its Monday): ``code``, ``week``,
    ``cases``; weeks and areas without cases are absent."""
    column = grid_level_column(depth)
    counts, params = counts_sql(
        con, group=(column, "day"), measures=("cases",), where=f"c.{column} IS NOT NULL", **filters
    )
    sql = f"""
        SELECT {column} AS code, CAST(date_trunc('week', day) AS DATE) AS week, CAST(sum(cases) AS BIGINT) AS cases
        FROM ({counts}) GROUP BY ALL ORDER BY code, week
    """
    return con.execute(sql, params).df()


def area_category_weeks(con: duckdb.DuckDBPyConnection, *, depth: int, **filters: Any) -> pd.DataFrame:
    """Cases matching ``filters`` per grid at ``depth``, GB/T class and ISO week: ``code``, ``category_code``,
    ``week``, ``cases`` (cases without a class or outside the level are left out)."""
    column = grid_level_column(depth)
    where = f"c.{column} IS NOT NULL AND c.category_code IS NOT NULL"
    counts, params = counts_sql(
        con, group=(column, "category_code", "day"), measures=("cases",), where=where, **filters
    )
    sql = f"""
        SELECT {column} AS code, category_code, CAST(date_trunc('week', day) AS DATE) AS week,
               CAST(sum(cases) AS BIGINT) AS cases
        FROM ({counts}) GROUP BY ALL ORDER BY code, category_code, week
    """
    return con.execute(sql, params).df()


def area_category_days(
    con: duckdb.DuckDBPyConnection, *, depth: int, weekdays: Sequence[int] | None = None, **filters: Any
) -> pd.DataFrame:
    """Cases matching ``filters`` per grid at ``depth``, GB/T class and report day: ``code``, ``category_code``,
    ``day``, ``cases`` (what a spike test reads); only the days of ``weekdays`` (1 = Monday … 7) when given."""
    column = grid_level_column(depth)
    where = f"c.{column} IS NOT NULL AND c.category_code IS NOT NULL"
    counts, params = counts_sql(
        con, group=(column, "category_code", "day"), measures=("cases",), where=where, **filters
    )
    on_days = "TRUE" if weekdays is None else "list_contains($weekdays, isodow(day))"
    sql = f"""
        SELECT {column} AS code, category_code, day, cases FROM ({counts})
        WHERE {on_days} ORDER BY code, category_code, day
    """
    bound = params if weekdays is None else {**params, "weekdays": [int(d) for d in weekdays]}
    return con.execute(sql, bound).df()


def time_series(
    con: duckdb.DuckDBPyConnection, *, grain: str = "day", split: str = "none", depth: int = 2, **filters: Any
) -> pd.DataFrame:
    """Cases matching ``filters`` per period of ``grain`` (day, week, month; ``period`` is its first day) and,
    unless ``split`` is "none", per ``key`` (the 2-digit GB/T major, the channel, or the grid at ``depth``):
    ``period``, ``key``, ``cases``; periods without cases are absent."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {list(GRAINS)}, got {grain!r}")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {list(SPLITS)}, got {split!r}")
    column = {"none": None, "category_major": "category_code", "channel": "channel", "area": grid_level_column(depth)}[
        split
    ]
    group = ("day",) if column is None else ("day", column)
    counts, params = counts_sql(con, group=group, measures=("cases",), **filters)
    key = {
        "none": "'all'",
        "category_major": "coalesce(left(category_code, 2), '—')",
        "channel": "channel",
        "area": f"coalesce({column}, '—')",
    }[split]
    sql = f"""
        SELECT CAST(date_trunc('{GRAINS[grain]}', day) AS DATE) AS period, {key} AS key,
               CAST(sum(cases) AS BIGINT) AS cases
        FROM ({counts}) GROUP BY ALL ORDER BY period, key
    """
    return con.execute(sql, params).df()


def hour_weekday(con: duckdb.DuckDBPyConnection, **filters: Any) -> pd.DataFrame:
    """Cases matching ``filters`` by weekday of report (``weekday`` 1 = Monday … 7) and hour (0–23):
    ``weekday``, ``hour``, ``cases``; empty cells are absent."""
    where, params = case_filters(**filters)
    sql = f"""
        SELECT isodow(c.reported_at) AS weekday, hour(c.reported_at) AS hour, count(*) AS cases
        FROM cases c WHERE {where} GROUP BY ALL ORDER BY weekday, hour
    """
    return con.execute(sql, params).df()


#: The columns of ``sent_back_cases``: one sent-back case, in order (``total`` follows them).
SENT_BACK_COLUMNS: tuple[str, ...] = (
    "case_uid",
    "grid_code",
    "address",
    "category_code",
    "reported_at",
    "lon",
    "lat",
    "status",
    "rework_count",
    "return_count",
)


def sent_back_cases(con: duckdb.DuckDBPyConnection, *, limit: int | None = 200, **filters: Any) -> pd.DataFrame:
    """The cases matching ``filters`` sent back at least once, reworked (返工) or returned (回退), most first: the
    ``limit`` with most reworks, then most returns, then the oldest (None: all); ``SENT_BACK_COLUMNS`` and
    ``total``, how many were sent back in all. Cases without a class are left out. Only those rows leave the
    database: a year of a province holds tens of millions of cases, a few percent of them sent back."""
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise ValueError(f"limit must be a positive int or None, got {limit!r}")
    where, params = case_filters(**filters)
    sent_back = f"c.category_code IS NOT NULL AND (c.rework_count > 0 OR c.return_count > 0) AND {where}"
    # the total counted apart: a count over the window kept every sent-back row (3.4M at 50M) for the top 200,
    # 4.0 s against 2.7–3.0 s (docs/performance.md)
    sql = f"""
        SELECT {", ".join(f"c.{name}" for name in SENT_BACK_COLUMNS)},
               (SELECT count(*) FROM cases c WHERE {sent_back}) AS total
        FROM cases c
        WHERE {sent_back}
        ORDER BY c.rework_count DESC, c.return_count DESC, c.reported_at, c.case_uid
        LIMIT $limit
    """
    return con.execute(sql, {**params, "limit": limit}).df()


def repeat_points(
    con: duckdb.DuckDBPyConnection, *, category: str, max_reports: int | None = None, **filters: Any
) -> pd.DataFrame:
    """The located reports of GB/T class ``category`` matching ``filters`` (those of ``analytics.recurrence``'s
    near-repeat test, one class at a time): ``case_uid``, ``category_code``, ``reported_at``, ``lon``, ``lat``, by
    report time; the first ``max_reports`` only (None: all). ``map_layers.case_count`` counts them for the same
    filters and class: a caller reads it first and leaves a class with too many untested."""
    if not isinstance(category, str) or not category:
        raise ValueError(f"category must be a class code, got {category!r}")
    if max_reports is not None and (
        not isinstance(max_reports, int) or isinstance(max_reports, bool) or max_reports < 1
    ):
        raise ValueError(f"max_reports must be a positive int or None, got {max_reports!r}")
    where, params = case_filters(category=(category,), **filters)
    sql = f"""
        SELECT c.case_uid, c.category_code, c.reported_at, c.lon, c.lat
        FROM cases c WHERE c.lon IS NOT NULL AND c.lat IS NOT NULL AND {where}
        ORDER BY c.reported_at, c.case_uid
        LIMIT $max_reports
    """
    return con.execute(sql, {**params, "max_reports": max_reports}).df()


#: Where a chronic problem is placed: the deepest grid, or the address as written.
PLACES: tuple[str, ...] = ("grid_code", "address")


def chronic_places(
    con: duckdb.DuckDBPyConnection,
    *,
    place: str = "grid_code",
    min_cases: int = 3,
    days: int = 30,
    limit: int | None = None,
    **filters: Any,
) -> pd.DataFrame:
    """Places (``place``: the deepest grid or the address) and GB/T classes with at least ``min_cases`` reports
    matching ``filters`` within some window of ``days`` days: ``place`` (the grid code or address), ``category_code``,
    ``cases`` (in the busiest window), ``first`` and ``last`` (that window's first and last report), ``total``
    (every matching report of the place and class) and ``case_uids`` (the window's, oldest first); busiest first.

    Each report opens a window (it and what follows within ``days``); the busiest window of a place and class is
    the first of those with most reports. Counted in DuckDB with a window function over the matching cases.
    ``limit``: the busiest that many only (a large city has tens of thousands of places over a low threshold)."""
    if place not in PLACES:
        raise ValueError(f"place must be one of {list(PLACES)}, got {place!r}")
    if min_cases < 1 or days < 1:
        raise ValueError(f"min_cases and days must be at least 1, got {min_cases} and {days}")
    where, params = case_filters(**filters)
    sql = f"""
        WITH matching AS (
            SELECT c.{place} AS place, c.category_code, c.reported_at, c.case_uid
            FROM cases c
            WHERE c.{place} IS NOT NULL AND c.{place} <> '' AND c.category_code IS NOT NULL AND {where}
        ), windows AS (
            SELECT place, category_code, reported_at, case_uid,
                   count(*) OVER (PARTITION BY place, category_code ORDER BY reported_at
                                  RANGE BETWEEN CURRENT ROW AND INTERVAL ($days) DAY FOLLOWING) AS n,
                   count(*) OVER (PARTITION BY place, category_code) AS total
            FROM matching
        ), busiest AS (
            SELECT place, category_code, arg_max(reported_at, n * 1e12 - epoch(reported_at)) AS first,
                   max(n) AS cases, any_value(total) AS total
            FROM windows GROUP BY ALL HAVING max(n) >= $min_cases
            ORDER BY cases DESC, total DESC, place, category_code
            {"LIMIT $limit" if limit is not None else ""}
        )
        SELECT b.place, b.category_code, b.cases, b.first, max(m.reported_at) AS last, b.total,
               list(m.case_uid ORDER BY m.reported_at, m.case_uid) AS case_uids
        FROM busiest b JOIN matching m
          ON m.place = b.place AND m.category_code = b.category_code
         AND m.reported_at >= b.first AND m.reported_at <= b.first + INTERVAL ($days) DAY
        GROUP BY ALL
        ORDER BY b.cases DESC, b.total DESC, b.place, b.category_code
    """
    bound = {**params, "days": days, "min_cases": min_cases, **({"limit": int(limit)} if limit is not None else {})}
    frame = con.execute(sql, bound).df()
    return frame.rename(columns={"place": place})


#: The trend queries, for ``QUERIES``.
TREND_QUERIES = (
    level_areas,
    area_neighbours,
    area_period_counts,
    area_week_counts,
    area_category_weeks,
    area_category_days,
    time_series,
    hour_weekday,
    sent_back_cases,
    repeat_points,
    chronic_places,
)

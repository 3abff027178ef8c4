"""The management grids: their levels and the polygons valid at a moment.

A grid code can have several versions (``valid_from`` inclusive, ``valid_to`` exclusive, NULL = still
valid); these functions pick the version valid at ``at``. ``within`` (a grid code) keeps only that grid and
those under it, through the explicit parents: a user bound to an area sees no other (``views.access``).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

_VALID_AT = "valid_from <= $at AND (valid_to IS NULL OR valid_to > $at)"


def within_sql(*, at: bool) -> str:
    """SQL of the codes of the grid ``$within`` and every grid under it (parents valid at ``$at`` when ``at``,
    else of any version), or of every grid when ``$within`` is NULL: for ``code IN (…)``."""
    valid = f"WHERE {_VALID_AT}" if at else ""
    return f"""
        SELECT code FROM grid WHERE $within IS NULL
        UNION ALL (
            WITH RECURSIVE g AS (SELECT code, parent_code FROM grid {valid}),
            under(code) AS (
                SELECT CAST($within AS VARCHAR) WHERE $within IS NOT NULL
                UNION SELECT g.code FROM g JOIN under u ON g.parent_code = u.code
            )
            SELECT code FROM under
        )"""


def areas_within(con: duckdb.DuckDBPyConnection, *, area: str) -> pd.DataFrame:
    """The grid ``area`` and every grid under it, of any version: ``code`` and ``depth`` (the deepest a code
    has had), by depth and code. Empty when no grid has the code."""
    sql = f"""
        SELECT code, max(depth) AS depth FROM grid
        WHERE code IN ({within_sql(at=False)}) AND EXISTS (SELECT 1 FROM grid WHERE code = $within)
        GROUP BY code ORDER BY depth, code
    """
    return con.execute(sql, {"within": area}).df()


def grid_level_counts(con: duckdb.DuckDBPyConnection, *, at: dt.datetime, within: str | None = None) -> pd.DataFrame:
    """``depth``, ``level_key``, ``name_zh``, ``name_en`` and the number of ``grids`` valid at ``at`` (``within``
    an area when given), every level listed.
    """
    sql = f"""
        SELECT l.depth, l.level_key, l.name_zh, l.name_en, count(g.grid_id) AS grids
        FROM grid_level l
        LEFT JOIN grid g ON g.depth = l.depth AND g.valid_from <= $at AND (g.valid_to IS NULL OR g.valid_to > $at)
            AND g.code IN ({within_sql(at=True)})
        GROUP BY l.depth, l.level_key, l.name_zh, l.name_en
        ORDER BY l.depth
    """
    return con.execute(sql, {"at": at, "within": within}).df()


def grid_polygons(
    con: duckdb.DuckDBPyConnection, *, depth: int, at: dt.datetime, within: str | None = None
) -> pd.DataFrame:
    """The grids at ``depth`` valid at ``at`` (``within`` an area when given): ``code``, ``name``,
    ``parent_code``, ``population``, ``households``, ``area_km2``, ``centroid_lon``/``centroid_lat`` and
    ``geom_wkb`` (WGS-84 WKB), by code.
    """
    sql = f"""
        SELECT code, name, parent_code, population, households, area_km2, centroid_lon, centroid_lat, geom_wkb
        FROM grid
        WHERE depth = $depth AND {_VALID_AT} AND code IN ({within_sql(at=True)})
        ORDER BY code
    """
    return con.execute(sql, {"depth": depth, "at": at, "within": within}).df()


def area_tree(con: duckdb.DuckDBPyConnection, *, at: dt.datetime, within: str | None = None) -> pd.DataFrame:
    """Every grid valid at ``at`` (``within`` an area when given: that grid is then the top) without its
    polygon: ``code``, ``name``, ``depth``, ``parent_code``, by depth and code. The drill-down walks it
    (``views.drill``); it is small enough to keep whole.
    """
    sql = f"""
        SELECT code, name, depth, parent_code
        FROM grid
        WHERE {_VALID_AT} AND code IN ({within_sql(at=True)})
        ORDER BY depth, code
    """
    return con.execute(sql, {"at": at, "within": within}).df()

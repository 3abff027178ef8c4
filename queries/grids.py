"""The management grids: their levels and the polygons valid at a moment.

A grid code can have several versions (``valid_from`` inclusive, ``valid_to`` exclusive, NULL = still
valid); these functions pick the version valid at ``at``.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd


def grid_level_counts(con: duckdb.DuckDBPyConnection, *, at: dt.datetime) -> pd.DataFrame:
    """``depth``, ``level_key``, ``name_zh``, ``name_en`` and the number of ``grids`` valid at ``at``, every
    level listed.
    """
    sql = """
        SELECT l.depth, l.level_key, l.name_zh, l.name_en, count(g.grid_id) AS grids
        FROM grid_level l
        LEFT JOIN grid g ON g.depth = l.depth AND g.valid_from <= $at AND (g.valid_to IS NULL OR g.valid_to > $at)
        GROUP BY l.depth, l.level_key, l.name_zh, l.name_en
        ORDER BY l.depth
    """
    return con.execute(sql, {"at": at}).df()


def grid_polygons(con: duckdb.DuckDBPyConnection, *, depth: int, at: dt.datetime) -> pd.DataFrame:
    """The grids at ``depth`` valid at ``at``: ``code``, ``name``, ``parent_code``, ``population``,
    ``households``, ``area_km2``, ``centroid_lon``/``centroid_lat`` and ``geom_wkb`` (WGS-84 WKB), by code.
    """
    sql = """
        SELECT code, name, parent_code, population, households, area_km2, centroid_lon, centroid_lat, geom_wkb
        FROM grid
        WHERE depth = $depth AND valid_from <= $at AND (valid_to IS NULL OR valid_to > $at)
        ORDER BY code
    """
    return con.execute(sql, {"depth": depth, "at": at}).df()


def area_tree(con: duckdb.DuckDBPyConnection, *, at: dt.datetime) -> pd.DataFrame:
    """Every grid valid at ``at`` without its polygon: ``code``, ``name``, ``depth``, ``parent_code``, by depth
    and code. The drill-down walks it (``dashboard.drill``); it is small enough to keep whole.
    """
    sql = """
        SELECT code, name, depth, parent_code
        FROM grid
        WHERE valid_from <= $at AND (valid_to IS NULL OR valid_to > $at)
        ORDER BY depth, code
    """
    return con.execute(sql, {"at": at}).df()

"""What the wall screen reads besides the pages' queries: the latest cases as an anonymous ticker."""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from core.catalog import grid_level_column

from .filters import case_filters
from .map_layers import _limit, _name_column


def latest_cases(
    con: duckdb.DuckDBPyConnection, *, limit: int, depth: int, lang: str = "zh", **filters: Any
) -> pd.DataFrame:
    """The ``limit`` most recently reported cases matching ``filters``, newest first, as a public screen may show
    them: ``reported_at`` (to the minute), ``category_name`` (the GB/T class, else the major, else the code),
    ``channel_name`` and ``area_name`` (the name of the case's grid at ``depth`` as it was when reported; NULL
    outside every grid). Nothing else: no id, no address, no coordinates, no description, no contact."""
    names = _name_column(lang)
    column = grid_level_column(depth)
    where, params = case_filters(**filters)
    sql = f"""
        WITH picked AS (
            SELECT c.reported_at, c.category_code, c.channel, c.{column} AS area_code, c.case_uid
            FROM cases c WHERE {where}
            ORDER BY c.reported_at DESC, c.case_uid
            LIMIT $limit
        )
        SELECT date_trunc('minute', p.reported_at) AS reported_at,
               coalesce(k.{names}, k.major_{names}, p.category_code) AS category_name,
               coalesce(ch.{names}, p.channel) AS channel_name,
               g.name AS area_name
        FROM picked p
        LEFT JOIN category k ON k.code = p.category_code
        LEFT JOIN channel ch ON ch.channel = p.channel
        LEFT JOIN grid g ON g.code = p.area_code AND g.valid_from <= p.reported_at
                        AND (g.valid_to IS NULL OR p.reported_at < g.valid_to)
        ORDER BY p.reported_at DESC, p.case_uid
    """
    return con.execute(sql, {**params, "limit": _limit(limit)}).df()


WALL_QUERIES = (latest_cases,)

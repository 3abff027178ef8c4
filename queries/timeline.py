"""One case's story: find it by its id, its row, and every transition of its workflow (``case_flow``).

Personal data: only ``contact_masked`` exists in the database, and only it is selected. ``area`` (with
``area_depth``), as the case filter of that name: only a case in that area is found (a reader bound to an area
finds no other: ``views.access``).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from .filters import case_filters

Area = str | Sequence[str] | None


def _limit(value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"limit must be a positive int, got {value!r}")
    return value


def find_cases(
    con: duckdb.DuckDBPyConnection, *, text: str, limit: int = 20, area: Area = None, area_depth: int | None = None
) -> pd.DataFrame:
    """The cases whose ``case_uid`` (source:id) or source id is exactly ``text`` (spaces around it ignored):
    ``case_uid``, ``source``, ``source_id``, ``reported_at``, ``status``, ``category_code``; newest first. Exact,
    because a prefix or case-folded search reads every id (seconds at 10M cases); a source id two systems share
    gives a case of each."""
    inside, params = case_filters(area=area, area_depth=area_depth)
    sql = f"""
        SELECT case_uid, source, source_id, reported_at, status, category_code
        FROM cases c WHERE (case_uid = $text OR source_id = $text) AND {inside}
        ORDER BY reported_at DESC, case_uid
        LIMIT $limit
    """
    return con.execute(sql, {**params, "text": text.strip(), "limit": _limit(limit)}).df()


def case_detail(
    con: duckdb.DuckDBPyConnection, *, case_uid: str, area: Area = None, area_depth: int | None = None
) -> pd.DataFrame:
    """The case ``case_uid`` (no row when unknown): its ids, channel, category, status, department, address,
    description, WGS-84 point and grids, every step time, the handling limit (``handle_clock``, ``handle_limit``,
    ``extension_hours``, ``handle_deadline``), flags, counts of dispatches, returns and reworks, satisfaction and
    the masked contact."""
    inside, params = case_filters(area=area, area_depth=area_depth)
    sql = f"""
        SELECT case_uid, source, source_id, channel, category_code, category_unmapped, request_nature, status,
               dept_code, address, description, lon, lat, grid_l1, grid_l2, grid_l3, grid_l4, grid_l5, grid_code,
               reported_at, accepted_at, registered_at, dispatched_at, signed_at, handled_at, checked_at, closed_at,
               evaluated_at, handle_clock, handle_limit, extension_hours, handle_deadline, is_urgent, is_supervised,
               is_overdue, dispatch_count, return_count, rework_count, satisfaction, contact_masked
        FROM cases c WHERE case_uid = $uid AND {inside}
    """
    return con.execute(sql, {**params, "uid": case_uid}).df()


def case_timeline(
    con: duckdb.DuckDBPyConnection, *, case_uid: str, area: Area = None, area_depth: int | None = None
) -> pd.DataFrame:
    """Every transition of ``case_uid`` in order: ``seq``, ``from_state``, ``to_state``, ``at_time``,
    ``dept_code``, ``operator``, ``note``, and ``hours`` (wall-clock hours since the transition before; NULL for
    the first)."""
    inside, params = case_filters(area=area, area_depth=area_depth)
    sql = f"""
        SELECT seq, from_state, to_state, at_time, dept_code, operator, note,
               (epoch(at_time) - epoch(lag(at_time) OVER (ORDER BY seq))) / 3600.0 AS hours
        FROM case_flow WHERE case_uid = $uid AND EXISTS (SELECT 1 FROM cases c WHERE c.case_uid = $uid AND {inside})
        ORDER BY seq
    """
    return con.execute(sql, {**params, "uid": case_uid}).df()


#: The timeline queries, for ``QUERIES``.
TIMELINE_QUERIES = (find_cases, case_detail, case_timeline)

"""社区吹哨、部门报到: the whistles streets and communities blew, the departments they summoned, and how those
reported: on time (within the whistle's required minutes), late or not at all, whether the problem was solved, and
the street's score of each department.

Filters: ``start``/``end`` select whistles by the day they were blown; ``area`` (a grid code at any level) those
blown by a street or community within it; ``dept`` the summoned departments. The other case filters do not apply
to whistles and are ignored. Figures are those of ``core.measures`` (source "whistle").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from core.measures import REGISTRY

#: The whistle figures per unit, in order (counts; their ratios are ``core.measures``' arrival_rate …).
WHISTLE_COUNTS: tuple[str, ...] = ("summons", "arrived_on_time", "whistles", "whistles_resolved", "score_sum", "scored")
#: What whistle figures may be grouped by: the summoned department, or the street or community that blew it.
GROUPS: dict[str, str] = {"dept_code": "r.dept_code", "initiator_code": "w.initiator_code"}
_ON_TIME = "r.arrived_at <= w.blown_at + to_minutes(CAST(w.required_minutes AS BIGINT))"


def _codes(name: str, value: object) -> list[str] | None:
    if value is None:
        return None
    codes = [value] if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    if not all(isinstance(code, str) for code in codes):
        raise TypeError(f"filter {name!r} takes a string or a sequence of strings, got {value!r}")
    return codes or None


def _whistle_filters(**filters: Any) -> tuple[str, dict[str, Any]]:
    """``(sql, params)`` over ``whistle w`` (and, for ``dept``, ``whistle_response r``) of the filters that apply."""
    clauses: list[str] = ["TRUE"]
    params: dict[str, Any] = {}
    if filters.get("start") is not None:
        clauses.append("w.blown_at >= $w_start")
        params["w_start"] = dt.datetime.combine(filters["start"], dt.time())
    if filters.get("end") is not None:
        clauses.append("w.blown_at < $w_end")
        params["w_end"] = dt.datetime.combine(filters["end"] + dt.timedelta(days=1), dt.time())
    area = _codes("area", filters.get("area"))
    if area:  # the area and every grid under it (parents stored explicitly, never parsed from codes)
        clauses.append(
            "w.area_code IN (WITH RECURSIVE under(code) AS (SELECT unnest($w_area) UNION "
            "SELECT g.code FROM grid g JOIN under u ON g.parent_code = u.code) SELECT code FROM under)"
        )
        params["w_area"] = area
    dept = _codes("dept", filters.get("dept"))
    if dept:
        clauses.append("list_contains($w_dept, r.dept_code)")
        params["w_dept"] = dept
    return " AND ".join(clauses), params


def whistle_list(con: duckdb.DuckDBPyConnection, **filters: Any) -> pd.DataFrame:
    """The whistles matching ``filters``, newest first: ``whistle_id``, ``initiator_code``, ``area_code``,
    ``case_uid``, ``kind``, ``blown_at``, ``required_minutes``, ``resolved_at``, ``description``, ``summoned``
    (departments), ``arrived_on_time``, ``arrived_late``, ``not_arrived``, ``score_mean``, and ``lon``/``lat``:
    the linked case's point, else the label point of the initiating area."""
    where, params = _whistle_filters(**filters)
    sql = f"""
        WITH picked AS (
            SELECT DISTINCT w.whistle_id
            FROM whistle w LEFT JOIN whistle_response r ON r.whistle_id = w.whistle_id
            WHERE {where}
        ), responses AS (
            SELECT w.whistle_id, count(r.dept_code) AS summoned,
                   count(*) FILTER (WHERE {_ON_TIME}) AS arrived_on_time,
                   count(*) FILTER (WHERE r.arrived_at IS NOT NULL AND NOT ({_ON_TIME})) AS arrived_late,
                   count(*) FILTER (WHERE r.dept_code IS NOT NULL AND r.arrived_at IS NULL) AS not_arrived,
                   avg(r.score) AS score_mean
            FROM whistle w LEFT JOIN whistle_response r ON r.whistle_id = w.whistle_id
            WHERE w.whistle_id IN (SELECT whistle_id FROM picked)
            GROUP BY w.whistle_id
        ), areas AS (
            SELECT code, arg_max(centroid_lon, valid_from) AS lon, arg_max(centroid_lat, valid_from) AS lat
            FROM grid GROUP BY code
        )
        SELECT w.whistle_id, w.initiator_code, w.area_code, w.case_uid, w.kind, w.blown_at, w.required_minutes,
               w.resolved_at, w.description, k.summoned, k.arrived_on_time, k.arrived_late, k.not_arrived,
               k.score_mean, coalesce(c.lon, a.lon) AS lon, coalesce(c.lat, a.lat) AS lat
        FROM whistle w
        JOIN responses k ON k.whistle_id = w.whistle_id
        LEFT JOIN cases c ON c.case_uid = w.case_uid
        LEFT JOIN areas a ON a.code = w.area_code
        ORDER BY w.blown_at DESC, w.whistle_id
    """
    return con.execute(sql, params).df()


def whistle_counts(con: duckdb.DuckDBPyConnection, *, group: str, **filters: Any) -> pd.DataFrame:
    """Per ``unit`` of ``group`` ("dept_code": the summoned department; "initiator_code": the street or community
    that blew the whistle) the counts of ``WHISTLE_COUNTS`` over the whistles matching ``filters``: departments
    summoned, arrived on time, whistles, of those resolved, and the sum and number of the street's scores; by
    unit."""
    if group not in GROUPS:
        raise ValueError(f"group must be one of {list(GROUPS)}, got {group!r}")
    where, params = _whistle_filters(**filters)
    counts = ", ".join(f"{REGISTRY[name].fold} AS {name}" for name in WHISTLE_COUNTS)
    join = "JOIN" if group == "dept_code" else "LEFT JOIN"  # a whistle that summoned nobody still counts for its street
    sql = f"""
        SELECT {GROUPS[group]} AS unit, {counts}
        FROM whistle w {join} whistle_response r ON r.whistle_id = w.whistle_id
        WHERE {where}
        GROUP BY ALL ORDER BY unit
    """
    return con.execute(sql, params).df()


def whistle_responses(
    con: duckdb.DuckDBPyConnection, *, whistle_ids: Sequence[str] | None = None, **filters: Any
) -> pd.DataFrame:
    """The summoned departments of the whistles matching ``filters`` (or of ``whistle_ids``): ``whistle_id``,
    ``dept_code``, ``arrived_at``, ``minutes_to_arrive``, ``on_time``, ``action``, ``finished_at``, ``score``;
    by whistle, then department."""
    where, params = _whistle_filters(**filters)
    if whistle_ids is not None:
        where += " AND list_contains($w_ids, w.whistle_id)"
        params["w_ids"] = list(whistle_ids)
    sql = f"""
        SELECT r.whistle_id, r.dept_code, r.arrived_at,
               (epoch(r.arrived_at) - epoch(w.blown_at)) / 60.0 AS minutes_to_arrive,
               coalesce({_ON_TIME}, false) AS on_time, r.action, r.finished_at, r.score
        FROM whistle_response r JOIN whistle w ON w.whistle_id = r.whistle_id
        WHERE {where}
        ORDER BY r.whistle_id, r.dept_code
    """
    return con.execute(sql, params).df()


#: The whistle queries, for ``QUERIES``.
WHISTLE_QUERIES = (whistle_list, whistle_counts, whistle_responses)

"""IoT alarms of elderly people living alone: the sensors and their state, response times, KPIs per area, and the
alarms nobody has answered (level I of the three warning levels reads ``iot_unanswered``).

Alarms are *in* a period when raised in it (``start``/``end`` on ``alarmed_at``); ``area`` places them by their
device's grids. Times to acknowledgement and to arrival are minutes from the alarm; *on time* = a grid worker on
site within the arrival target. At ``as_of`` an alarm is *unanswered* when it was raised at least ``minutes``
earlier and nobody had acknowledged it by then; *active* when raised and not yet closed. No personal data leaves
these queries: the household is never selected.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from core.catalog import grid_level_column

from .filters import case_filters

_ALARM_FILTERS = ("start", "end", "area", "area_depth")


def _alarm_filters(**filters: Any) -> tuple[str, dict[str, Any]]:
    """``(sql, params)`` over alarms ``a`` joined to their device ``c`` (its grids): the period on the alarm time
    and the area on the device; other case filters are checked and left out."""
    case_filters(**filters)
    kept = {name: filters[name] for name in _ALARM_FILTERS if name in filters}
    return case_filters(day_column="a.alarmed_at", **kept)


def _unanswered(minutes: str = "$minutes") -> str:
    return (
        f"a.alarmed_at <= $as_of - to_minutes(CAST({minutes} AS BIGINT)) "
        "AND (a.acknowledged_at IS NULL OR a.acknowledged_at > $as_of)"
    )


def iot_unanswered(con: duckdb.DuckDBPyConnection, *, as_of: dt.datetime, minutes: int, **filters: Any) -> pd.DataFrame:
    """Alarms unanswered at ``as_of`` for at least ``minutes`` (raised then, not acknowledged by ``as_of``), in the
    area (and period) of ``filters``: ``source``, ``alarm_id``, ``device_id``, ``kind``, ``alarm_type``,
    ``alarmed_at``, ``waited_minutes``, ``grid_code``, ``lon``, ``lat``; longest waiting first. Level I of the
    three warning levels (issue 12) calls it with ``minutes`` = the city's setting (``iot_unanswered_minutes``)."""
    if minutes < 0:
        raise ValueError(f"minutes must be ≥ 0, got {minutes}")
    where, params = _alarm_filters(**filters)
    sql = f"""
        SELECT a.source, a.alarm_id, a.device_id, c.kind, a.alarm_type, a.alarmed_at,
               (epoch($as_of) - epoch(a.alarmed_at)) / 60.0 AS waited_minutes, c.grid_code, c.lon, c.lat
        FROM iot_alarm a JOIN iot_device c USING (device_id)
        WHERE {_unanswered()} AND (a.closed_at IS NULL OR a.closed_at > $as_of) AND {where}
        ORDER BY a.alarmed_at, a.alarm_id
    """
    return con.execute(sql, {**params, "as_of": as_of, "minutes": minutes}).df()


def iot_devices(
    con: duckdb.DuckDBPyConnection, *, as_of: dt.datetime, area: str | None = None, area_depth: int | None = None
) -> pd.DataFrame:
    """The sensors (in ``area``) and their state at ``as_of``: ``device_id``, ``kind``, ``name``, ``status``
    (``alarm`` while an alarm is open, else what the platform last reported: online, offline, fault), ``lon``,
    ``lat``, ``grid_code``, ``alarms_open``; by device. No household or address (personal data stays off maps)."""
    where, params = case_filters(area=area, area_depth=area_depth)
    sql = f"""
        WITH open AS (
            SELECT device_id, count(*) AS alarms_open FROM iot_alarm a
            WHERE a.alarmed_at <= $as_of AND (a.closed_at IS NULL OR a.closed_at > $as_of)
            GROUP BY 1
        )
        SELECT c.device_id, c.kind, c.name,
               CASE WHEN o.alarms_open > 0 THEN 'alarm' ELSE coalesce(c.status, 'online') END AS status,
               c.lon, c.lat, c.grid_code, coalesce(o.alarms_open, 0) AS alarms_open
        FROM iot_device c LEFT JOIN open o USING (device_id)
        WHERE {where}
        ORDER BY c.device_id
    """
    return con.execute(sql, {**params, "as_of": as_of}).df()


def _kpis(minutes_target: str = "$target") -> str:
    ack = "epoch(a.acknowledged_at) - epoch(a.alarmed_at)"
    arrive = "epoch(a.arrived_at) - epoch(a.alarmed_at)"
    return f"""
        count(*) AS alarms,
        count(a.acknowledged_at) AS acknowledged,
        count(a.arrived_at) AS arrived,
        count(*) FILTER (WHERE {arrive} <= {minutes_target} * 60) AS arrived_on_time,
        count(*) FILTER (WHERE a.outcome = 'real') AS real,
        count(*) FILTER (WHERE a.outcome = 'false_alarm') AS false_alarms,
        count(*) FILTER (WHERE {_unanswered()}) AS unanswered,
        median({ack}) / 60.0 AS ack_minutes,
        median({arrive}) / 60.0 AS arrive_minutes,
        quantile_cont({arrive}, 0.9) / 60.0 AS arrive_p90_minutes
    """


def iot_kpis(
    con: duckdb.DuckDBPyConnection,
    *,
    depth: int,
    as_of: dt.datetime,
    minutes: int,
    target_minutes: int,
    **filters: Any,
) -> pd.DataFrame:
    """IoT KPIs per grid at ``depth`` (the alarms' devices there) for the alarms of ``filters``: ``code``,
    ``name``, ``devices``, ``alarms``, ``acknowledged``, ``arrived``, ``arrived_on_time`` (within
    ``target_minutes``), ``on_time_rate`` (÷ alarms), ``real``, ``false_alarms``, ``false_alarm_rate``
    (÷ alarms with an outcome), ``unanswered`` (at ``as_of``, ≥ ``minutes``), ``ack_minutes`` and
    ``arrive_minutes`` (medians), ``arrive_p90_minutes``; areas with devices, by code."""
    column = grid_level_column(depth)
    where, params = _alarm_filters(**filters)
    in_area, area_params = case_filters(area=filters.get("area"), area_depth=filters.get("area_depth"))
    sql = f"""
        WITH devices AS (
            SELECT c.{column} AS code, count(*) AS devices FROM iot_device c
            WHERE {in_area} AND c.{column} IS NOT NULL GROUP BY 1
        ), alarms AS (
            SELECT c.{column} AS code, {_kpis()}
            FROM iot_alarm a JOIN iot_device c USING (device_id)
            WHERE {where} AND c.{column} IS NOT NULL GROUP BY 1
        )
        SELECT d.code, coalesce((SELECT arg_max(g.name, g.valid_from) FROM grid g WHERE g.code = d.code), d.code)
                   AS name,
               d.devices, coalesce(k.alarms, 0) AS alarms, coalesce(k.acknowledged, 0) AS acknowledged,
               coalesce(k.arrived, 0) AS arrived, coalesce(k.arrived_on_time, 0) AS arrived_on_time,
               CAST(k.arrived_on_time AS DOUBLE) / nullif(k.alarms, 0) AS on_time_rate,
               coalesce(k.real, 0) AS real, coalesce(k.false_alarms, 0) AS false_alarms,
               CAST(k.false_alarms AS DOUBLE) / nullif(k.real + k.false_alarms, 0) AS false_alarm_rate,
               coalesce(k.unanswered, 0) AS unanswered, k.ack_minutes, k.arrive_minutes, k.arrive_p90_minutes
        FROM devices d LEFT JOIN alarms k USING (code)
        ORDER BY d.code
    """
    bound = {**params, **area_params, "as_of": as_of, "minutes": minutes, "target": target_minutes}
    frame = con.execute(sql, bound).df()
    floats = ["on_time_rate", "false_alarm_rate", "ack_minutes", "arrive_minutes", "arrive_p90_minutes"]
    frame[floats] = frame[floats].astype("float64")
    return frame


def iot_summary(
    con: duckdb.DuckDBPyConnection, *, as_of: dt.datetime, minutes: int, target_minutes: int, **filters: Any
) -> pd.DataFrame:
    """One row for the area of ``filters``: ``devices``, ``online`` (reported online), ``active`` (alarms open at
    ``as_of``), and the KPIs of ``iot_kpis`` over its alarms in the period. ``devices`` is 0 where the city has
    loaded none (see ``loaded``: whether any device exists at all)."""
    where, params = _alarm_filters(**filters)
    in_area, area_params = case_filters(area=filters.get("area"), area_depth=filters.get("area_depth"))
    sql = f"""
        SELECT (SELECT count(*) FROM iot_device) > 0 AS loaded,
               (SELECT count(*) FROM iot_device c WHERE {in_area}) AS devices,
               (SELECT count(*) FROM iot_device c WHERE {in_area} AND c.status = 'online') AS online,
               (SELECT count(*) FROM iot_alarm a JOIN iot_device c USING (device_id)
                WHERE {in_area} AND a.alarmed_at <= $as_of AND (a.closed_at IS NULL OR a.closed_at > $as_of))
                   AS active,
               k.*
        FROM (SELECT {_kpis()} FROM iot_alarm a JOIN iot_device c USING (device_id) WHERE {where}) k
    """
    bound = {**params, **area_params, "as_of": as_of, "minutes": minutes, "target": target_minutes}
    return con.execute(sql, bound).df()


#: The IoT queries, for ``QUERIES``.
IOT_QUERIES = (iot_unanswered, iot_devices, iot_kpis, iot_summary)

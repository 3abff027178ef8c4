"""The camera closed loop (雪亮工程 video AI): 抓拍 → 推送 → 派单 → 处置 → 结案, per scene, camera, vendor algorithm
or street; cameras gone silent or crying wolf; scenes no camera watches; one camera's history.

Alarms are read from the ETL's ``camera_loop`` table (``core.catalog.CAMERA_LOOP_TABLE``: each alarm with its
camera's grids and its case's times). The case filters apply as to alarms: ``start``/``end`` on the capture day,
``area`` on the camera's grids, ``category_major``/``category`` on the alarm's class; the others describe cases
and are left out (``count_by`` too: an alarm is not a report of an incident).

Definitions: *pushed* = became a case; *dispatched* = its case was dispatched (else registered); *handled*,
*closed* = its case was handled, is closed (``core.states.CLOSED_STATES``); *false positive* = marked false, or its
case cancelled as invalid (``core.states.INVALID_STATES``). Conversion at each step is of the step before;
minutes per step are medians over the alarms that made both ends of the step.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import duckdb
import pandas as pd

from core.catalog import CAMERA_LOOP_TABLE, grid_level_column
from core.states import CLOSED_STATES

from .filters import case_filters

#: The groupings of the funnel: the alarm's scene, camera, vendor algorithm, the camera's area at a level, or one
#: row for everything.
FUNNEL_GROUPS: tuple[str, ...] = ("scene", "camera", "algo", "area", "all")
#: Each camera's configured scenes as codes (``camera_id``, ``scene_code``): files write a scene's code or name.
_CONFIGURED = """
    SELECT DISTINCT c.camera_id, sc.scene_code
    FROM camera c, unnest(string_split(coalesce(c.scenes, ''), ',')) AS s(scene)
    JOIN camera_scene sc ON trim(s.scene) IN (sc.scene_code, sc.name_zh, sc.name_en)
"""
#: The funnel's steps, in order, and the rates between them (of the step before).
STEPS: tuple[str, ...] = ("events", "pushed", "dispatched", "handled", "closed")
_EVENT_FILTERS: tuple[str, ...] = ("start", "end", "category_major", "category", "area", "area_depth")
_NAMES = {"zh": "name_zh", "en": "name_en"}


def _name(lang: str) -> str:
    try:
        return _NAMES[lang]
    except KeyError:
        raise ValueError(f"lang must be one of {sorted(_NAMES)}, got {lang!r}") from None


def alarm_filters(**filters: Any) -> tuple[str, dict[str, Any]]:
    """``(sql, params)`` restricting ``camera_loop c`` to ``filters`` (checked as case filters; those that describe
    cases left out)."""
    case_filters(**filters)  # the same names, checked the same way
    kept = {name: filters[name] for name in _EVENT_FILTERS if name in filters}
    return case_filters(day_column="c.captured_at", **kept)


def _minutes(later: str, earlier: str) -> str:
    return f"median(epoch(c.{later}) - epoch(c.{earlier})) / 60.0"


def _funnel_counts() -> str:
    return f"""
        count(*) AS events,
        count(*) FILTER (WHERE c.pushed) AS pushed,
        count(c.dispatched_at) AS dispatched,
        count(c.handled_at) AS handled,
        count(*) FILTER (WHERE list_contains($closed_states, c.status)) AS closed,
        count(*) FILTER (WHERE c.false_positive) AS false_positives,
        {_minutes("reported_at", "captured_at")} AS push_minutes,
        {_minutes("dispatched_at", "reported_at")} AS dispatch_minutes,
        {_minutes("handled_at", "dispatched_at")} AS handle_minutes,
        {_minutes("closed_at", "handled_at")} AS close_minutes
    """


def camera_funnel(
    con: duckdb.DuckDBPyConnection, *, by: str = "scene", depth: int = 2, lang: str = "zh", **filters: Any
) -> pd.DataFrame:
    """The loop per ``by`` (``FUNNEL_GROUPS``; ``area``: the cameras' grids at ``depth``): ``key``, ``label``,
    ``events``, ``pushed``, ``dispatched``, ``handled``, ``closed``, ``false_positives``, the rates ``push_rate``
    (pushed ÷ events), ``dispatch_rate`` (÷ pushed), ``handle_rate`` (÷ dispatched), ``close_rate`` (÷ handled),
    ``false_positive_rate`` (÷ events), and median minutes ``push_minutes`` (capture → case), ``dispatch_minutes``,
    ``handle_minutes``, ``close_minutes``; most alarms first. Rates and minutes are NaN when nothing reached the
    step before.
    """
    if by not in FUNNEL_GROUPS:
        raise ValueError(f"by must be one of {list(FUNNEL_GROUPS)}, got {by!r}")
    names = _name(lang)
    where, params = alarm_filters(**filters)
    key, label = {
        "scene": ("c.scene_code", f"(SELECT s.{names} FROM camera_scene s WHERE s.scene_code = g.key)"),
        "camera": ("c.camera_id", "(SELECT k.name FROM camera k WHERE k.camera_id = g.key)"),
        "algo": (
            "c.vendor_algo_code",
            "(SELECT any_value(m.source_name) FROM category_map m"
            " WHERE m.scheme = 'camera_vendor' AND m.source_code = g.key)",
        ),
        "area": (
            f"c.{grid_level_column(depth)}",
            "(SELECT arg_max(a.name, a.valid_from) FROM grid a WHERE a.code = g.key)",
        ),
        "all": ("'*'", "NULL"),
    }[by]
    sql = f"""
        SELECT g.key, coalesce({label}, g.key) AS label, g.* EXCLUDE (key),
               CAST(g.pushed AS DOUBLE) / nullif(g.events, 0) AS push_rate,
               CAST(g.dispatched AS DOUBLE) / nullif(g.pushed, 0) AS dispatch_rate,
               CAST(g.handled AS DOUBLE) / nullif(g.dispatched, 0) AS handle_rate,
               CAST(g.closed AS DOUBLE) / nullif(g.handled, 0) AS close_rate,
               CAST(g.false_positives AS DOUBLE) / nullif(g.events, 0) AS false_positive_rate
        FROM (SELECT {key} AS key, {_funnel_counts()} FROM {CAMERA_LOOP_TABLE} c WHERE {where} GROUP BY 1) g
        ORDER BY g.events DESC, g.key NULLS LAST
    """
    frame = con.execute(sql, {**params, "closed_states": list(CLOSED_STATES)}).df()
    minutes = ["push_minutes", "dispatch_minutes", "handle_minutes", "close_minutes"]
    rates = ["push_rate", "dispatch_rate", "handle_rate", "close_rate", "false_positive_rate"]
    frame[minutes + rates] = frame[minutes + rates].astype("float64")
    return frame


def _days(con: duckdb.DuckDBPyConnection, start: dt.date | None, end: dt.date | None) -> float:
    """Days of the period ``start``…``end``, an open side closed by the alarms' own first or last day."""
    if start is None or end is None:
        first, last = con.execute(
            f"SELECT CAST(min(captured_at) AS DATE), CAST(max(captured_at) AS DATE) FROM {CAMERA_LOOP_TABLE}"
        ).fetchall()[0]
        start, end = start or first, end or last
    if start is None or end is None:
        return 1.0
    return float(max((end - start).days + 1, 1))


def camera_rates(con: duckdb.DuckDBPyConnection, **filters: Any) -> pd.DataFrame:
    """Every located camera (in ``area``, when given) with its alarms in the period: ``camera_id``, ``name``,
    ``vendor``, ``status``, ``lon``, ``lat``, ``grid_code``, ``events``, ``false_positives``, ``pushed``,
    ``alarm_rate`` (alarms a day over the period) and ``false_positive_rate`` (NaN without alarms); by camera_id.
    """
    where, params = alarm_filters(**filters)
    in_area, area_params = case_filters(area=filters.get("area"), area_depth=filters.get("area_depth"))
    sql = f"""
        WITH counts AS (
            SELECT c.camera_id, count(*) AS events, count(*) FILTER (WHERE c.false_positive) AS false_positives,
                   count(*) FILTER (WHERE c.pushed) AS pushed
            FROM {CAMERA_LOOP_TABLE} c WHERE {where} GROUP BY 1
        )
        SELECT c.camera_id, c.name, c.vendor, c.status, c.lon, c.lat, c.grid_code,
               coalesce(k.events, 0) AS events, coalesce(k.false_positives, 0) AS false_positives,
               coalesce(k.pushed, 0) AS pushed, coalesce(k.events, 0) / $days AS alarm_rate,
               CAST(k.false_positives AS DOUBLE) / nullif(k.events, 0) AS false_positive_rate
        FROM camera c LEFT JOIN counts k USING (camera_id)
        WHERE {in_area}
        ORDER BY c.camera_id
    """
    days = _days(con, filters.get("start"), filters.get("end"))
    frame = con.execute(sql, {**params, **area_params, "days": days}).df()
    frame["false_positive_rate"] = frame["false_positive_rate"].astype("float64")
    return frame


def silent_cameras(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: dt.datetime,
    days: int,
    history_days: int,
    max_chance: float,
    area: str | None = None,
    area_depth: int | None = None,
) -> pd.DataFrame:
    """Cameras that sent no alarm in the ``days`` before ``as_of`` although their rate over the ``history_days``
    before made that unlikely (a Poisson chance of at most ``max_chance``), while cameras of the same street
    sharing a scene with them did alert (``comparable_events`` > 0): ``camera_id``, ``camera_name``, ``street``
    (its name), ``status``, ``last_event``, ``rate_before`` (alarms a day), ``expected`` (alarms expected in the
    window), ``comparable_events``; most expected first.
    """
    if days < 1 or history_days < 1 or not 0 < max_chance < 1:
        raise ValueError(f"need days ≥ 1, history_days ≥ 1 and 0 < max_chance < 1; got {days}, {history_days}, "
                         f"{max_chance}")  # fmt: skip
    window = as_of - dt.timedelta(days=days)
    in_area, params = case_filters(area=area, area_depth=area_depth)
    sql = f"""
        WITH recent AS (
            SELECT camera_id, captured_at FROM {CAMERA_LOOP_TABLE}
            WHERE captured_at > $history AND captured_at <= $as_of
        ), configured AS (  -- each camera's scenes as codes (files write codes or names)
            {_CONFIGURED}
        ), cameras AS (
            SELECT c.camera_id, c.name, c.status, c.grid_l2 AS street,
                   (SELECT list(f.scene_code) FROM configured f WHERE f.camera_id = c.camera_id) AS scenes,
                   count(r.captured_at) FILTER (WHERE r.captured_at > $window) AS in_window,
                   count(r.captured_at) FILTER (WHERE r.captured_at <= $window) AS before,
                   (SELECT max(e.captured_at) FROM {CAMERA_LOOP_TABLE} e
                    WHERE e.camera_id = c.camera_id AND e.captured_at <= $as_of) AS last_event
            FROM camera c LEFT JOIN recent r USING (camera_id)
            WHERE {in_area}
            GROUP BY ALL
        ), candidates AS (
            SELECT *, before / $history_days AS rate_before, before * $days / $history_days AS expected
            FROM cameras WHERE in_window = 0 AND before * $days / $history_days >= $min_expected
        ), compared AS (
            SELECT s.camera_id, s.name AS camera_name,
                   coalesce((SELECT arg_max(g.name, g.valid_from) FROM grid g WHERE g.code = s.street), s.street)
                       AS street,
                   s.status, s.last_event, s.rate_before, s.expected,
                   (SELECT coalesce(sum(o.in_window), 0) FROM cameras o
                    WHERE o.camera_id <> s.camera_id AND o.street IS NOT DISTINCT FROM s.street
                      AND len(list_intersect(o.scenes, s.scenes)) > 0) AS comparable_events
            FROM candidates s
        )
        SELECT * FROM compared WHERE comparable_events > 0 ORDER BY expected DESC, camera_id
    """
    bound = {
        **params,
        "as_of": as_of,
        "window": window,
        "history": window - dt.timedelta(days=history_days),
        "days": float(days),
        "history_days": float(history_days),
        "min_expected": -math.log(max_chance),
    }
    return con.execute(sql, bound).df()


def false_positive_outliers(
    con: duckdb.DuckDBPyConnection, *, min_events: int, z: float, **filters: Any
) -> pd.DataFrame:
    """Cameras whose false-positive rate stands out: at least ``min_events`` alarms in the period, and false
    positives at least ``z`` standard deviations above what their scene mix predicts at the whole scope's rate per
    scene: ``camera_id``, ``camera_name``, ``events``, ``false_positives``, ``false_positive_rate``, ``expected_rate``,
    ``z``; the highest first."""
    where, params = alarm_filters(**filters)
    sql = f"""
        WITH alarms AS (
            SELECT c.camera_id, c.scene_code, c.false_positive FROM {CAMERA_LOOP_TABLE} c WHERE {where}
        ), scene_rate AS (
            SELECT scene_code, avg(CAST(false_positive AS DOUBLE)) AS p FROM alarms GROUP BY 1
        ), per_camera AS (
            SELECT a.camera_id, count(*) AS events, count(*) FILTER (WHERE a.false_positive) AS false_positives,
                   sum(s.p) AS expected, sum(s.p * (1 - s.p)) AS variance
            FROM alarms a JOIN scene_rate s USING (scene_code) GROUP BY 1
        )
        SELECT p.camera_id, coalesce(k.name, p.camera_id) AS camera_name, p.events, p.false_positives,
               CAST(p.false_positives AS DOUBLE) / p.events AS false_positive_rate,
               p.expected / p.events AS expected_rate,
               (p.false_positives - p.expected) / sqrt(p.variance) AS z
        FROM per_camera p LEFT JOIN camera k USING (camera_id)
        WHERE p.events >= $min_events AND p.variance > 0 AND (p.false_positives - p.expected) / sqrt(p.variance) >= $z
        ORDER BY z DESC, p.camera_id
    """
    return con.execute(sql, {**params, "min_events": min_events, "z": z}).df()


def scene_coverage(
    con: duckdb.DuckDBPyConnection, *, at: dt.datetime, depth: int = 2, lang: str = "zh", area: str | None = None
) -> pd.DataFrame:
    """Every area at ``depth`` valid at ``at`` (under ``area``, or it, when given) × every camera scene: ``code``,
    ``name``, ``scene_code``, ``scene_name`` and ``cameras`` configured for the scene there (0: no camera watches
    it); by code and scene. A camera's scenes may be written as codes or names."""
    names = _name(lang)
    column = grid_level_column(depth)
    sql = f"""
        WITH areas AS (
            SELECT code, name FROM grid
            WHERE depth = $depth AND valid_from <= $at AND (valid_to IS NULL OR valid_to > $at)
              AND ($area IS NULL OR code = $area OR code IN (
                    WITH RECURSIVE below(code) AS (
                        SELECT $area UNION SELECT g.code FROM grid g JOIN below b ON g.parent_code = b.code)
                    SELECT code FROM below))
        ), configured AS (
            {_CONFIGURED}
        ), counted AS (
            SELECT c.{column} AS code, f.scene_code, count(DISTINCT f.camera_id) AS cameras
            FROM configured f JOIN camera c USING (camera_id)
            GROUP BY ALL
        )
        SELECT a.code, a.name, sc.scene_code, sc.{names} AS scene_name, coalesce(k.cameras, 0) AS cameras
        FROM areas a CROSS JOIN camera_scene sc
        LEFT JOIN counted k ON k.code = a.code AND k.scene_code = sc.scene_code
        ORDER BY a.code, sc.scene_code
    """
    return con.execute(sql, {"depth": depth, "at": at, "area": area}).df()


def camera_daily(con: duckdb.DuckDBPyConnection, *, camera_id: str, **filters: Any) -> pd.DataFrame:
    """One camera's alarms per capture day in the period: ``day``, ``events``, ``false_positives``, ``pushed``,
    ``closed`` (their cases now closed); by day, days without alarms left out."""
    where, params = alarm_filters(**filters)
    sql = f"""
        SELECT CAST(c.captured_at AS DATE) AS day, count(*) AS events,
               count(*) FILTER (WHERE c.false_positive) AS false_positives, count(*) FILTER (WHERE c.pushed) AS pushed,
               count(*) FILTER (WHERE list_contains($closed_states, c.status)) AS closed
        FROM {CAMERA_LOOP_TABLE} c WHERE c.camera_id = $camera AND {where}
        GROUP BY 1 ORDER BY 1
    """
    return con.execute(sql, {**params, "camera": camera_id, "closed_states": list(CLOSED_STATES)}).df()


def camera_alarm_cases(
    con: duckdb.DuckDBPyConnection, *, camera_id: str, limit: int, lang: str = "zh", **filters: Any
) -> pd.DataFrame:
    """One camera's latest ``limit`` alarms in the period and the cases they became: ``event_id``, ``captured_at``,
    ``scene_name``, ``pushed``, ``false_positive``, ``case_uid``, ``status_name``, ``reported_at``,
    ``dispatched_at``, ``handled_at``, ``closed_at``; newest first."""
    if not isinstance(limit, int) or limit < 0:
        raise ValueError(f"limit must be a non-negative int, got {limit!r}")
    names = _name(lang)
    where, params = alarm_filters(**filters)
    sql = f"""
        SELECT c.event_id, c.captured_at, coalesce(sc.{names}, c.scene_code) AS scene_name, c.pushed,
               c.false_positive, c.case_uid, coalesce(st.{names}, c.status) AS status_name, c.reported_at,
               c.dispatched_at, c.handled_at, c.closed_at
        FROM {CAMERA_LOOP_TABLE} c
        LEFT JOIN camera_scene sc ON sc.scene_code = c.scene_code
        LEFT JOIN case_state st ON st.state = c.status
        WHERE c.camera_id = $camera AND {where}
        ORDER BY c.captured_at DESC, c.event_id
        LIMIT $limit
    """
    return con.execute(sql, {**params, "camera": camera_id, "limit": limit}).df()


#: The camera loop's queries, for ``QUERIES``.
CAMERA_QUERIES = (
    camera_funnel,
    camera_rates,
    silent_cameras,
    false_positive_outliers,
    scene_coverage,
    camera_daily,
    camera_alarm_cases,
)

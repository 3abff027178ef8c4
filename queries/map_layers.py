"""What the one map draws: measures per area, case points, hexagon and heat bins, cameras, facilities, alerts.

Every function is pure: a DuckDB connection and keyword filters in, a DataFrame out. Case filters are the
shared ``case_filters`` (cases are "in" a period when reported in it); aggregation happens in DuckDB, so a
time filter prunes row groups of ``cases`` (stored in report order) and only small results reach Python.
Figures and their definitions are those of ``core.measures``.

Counts over many days come from the ETL's daily rollups when one holds every column needed (``source.py``).
Bins are computed in the local metric frame of ``core.bins`` (fixed on the grids' extent, so bins do not move
when filters change). Working time is measured with ``core.workcal``'s SQL form of the working calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from core import bins
from core.catalog import BIN_ROLLUPS, EVENT_TABLE, INCIDENT_TABLE, grid_level_column
from core.measures import AREA_ATTRIBUTES, AREA_FIGURES, counts_of, select_sql
from core.states import ALERT_LEVELS
from core.workcal import calendar_days_sql, day_seconds, working_seconds_sql

from .filters import case_filters
from .grids import within_sql
from .source import MEASURES, bin_source, clock_counts_sql, counts_sql, fresh_rollups, pending_cases

#: Interface language → the dictionary column holding names in it.
NAME_COLUMNS: dict[str, str] = {"zh": "name_zh", "en": "name_en"}
#: Case filters that also make sense for camera alarms (status and department describe cases).
_EVENT_FILTERS: tuple[str, ...] = ("start", "end", "channel", "category_major", "category", "area", "area_depth")
#: Bin kind → its key columns.
_BIN_KEYS: dict[str, tuple[str, str]] = {rollup.kind: rollup.keys for rollup in BIN_ROLLUPS}
_VALID_AT = "valid_from <= $at AND (valid_to IS NULL OR valid_to > $at)"
_LOCATED = "c.lon IS NOT NULL AND c.lat IS NOT NULL"


def _name_column(lang: str) -> str:
    try:
        return NAME_COLUMNS[lang]
    except KeyError:
        raise ValueError(f"lang must be one of {sorted(NAME_COLUMNS)}, got {lang!r}") from None


def _limit(value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"limit must be a non-negative int, got {value!r}")
    return value


# ---------------------------------------------------------------- areas
def area_measures(
    con: duckdb.DuckDBPyConnection,
    *,
    depth: int,
    parent: str | None = None,
    at: dt.datetime,
    as_of: dt.datetime | None = None,
    within: str | None = None,
    **filters: Any,
) -> pd.DataFrame:
    """One row per grid at ``depth`` valid at ``at`` (under ``parent`` when given; at or under ``within``, an
    area a user is bound to, when given), zero-count grids included:
    ``code``, ``name``, ``parent_code``, ``population``, ``area_km2``, ``geom_wkb``, ``label_lon``/``label_lat``
    (the stored centroid), ``cases``, ``per_1000`` (per 1,000 residents), ``per_km2``, ``closed``,
    ``closure_rate``, ``on_time_closure_rate``, ``overdue``, ``satisfaction_rate``; by code.

    Counts are of the cases matching ``filters`` (``case_filters``) whose grid at ``depth`` is the row's.
    ``overdue`` is judged at ``as_of`` (default ``at``: pass ``min(at, now)`` for a range ending today).
    Rates are NaN when their denominator is zero (no population, nothing due, no follow-up).
    """
    column = grid_level_column(depth)
    # Under a parent only its children's codes are counted (a semi-join on a few codes); for a whole level
    # every case with a grid there is grouped and the final join keeps the grids valid at ``at``.
    in_areas = f"c.{column} IN (SELECT code FROM areas)" if parent is not None else f"c.{column} IS NOT NULL"
    counted = [name for name in counts_of(AREA_FIGURES) if name in MEASURES]
    counts, params = counts_sql(con, group=(column,), measures=counted, where=in_areas, **filters)
    # Overdue depends on the clock (``as_of``): counted from the pending cases, not a rollup.
    clock, clock_params = clock_counts_sql(con, as_of=as_of or at, group=(column,), where=in_areas, **filters)

    def source(name: str) -> str:
        return f"o.{name}" if name == "overdue" else f"a.{name}" if name in AREA_ATTRIBUTES else f"k.{name}"

    figures = select_sql(AREA_FIGURES, column=source)
    sql = f"""
        WITH areas AS (
            SELECT code, name, parent_code, population, area_km2, geom_wkb,
                   centroid_lon AS label_lon, centroid_lat AS label_lat
            FROM grid
            WHERE depth = $depth AND {_VALID_AT} AND ($parent IS NULL OR parent_code = $parent)
              AND code IN ({within_sql(at=True)})
        ), overdue AS (
            SELECT {column} AS code, overdue FROM ({clock})
        ), counts AS (
            SELECT {column} AS code, * EXCLUDE ({column}) FROM ({counts})
        )
        SELECT a.code, a.name, a.parent_code, a.population, a.area_km2, a.geom_wkb, a.label_lon, a.label_lat,
               {figures}
        FROM areas a LEFT JOIN counts k USING (code) LEFT JOIN overdue o USING (code)
        ORDER BY a.code
    """
    bound = {**params, **clock_params, "depth": depth, "parent": parent, "at": at, "within": within}
    frame = con.execute(sql, bound).df()
    rates = ["per_1000", "per_km2", "closure_rate", "on_time_closure_rate", "satisfaction_rate"]
    frame[rates] = frame[rates].astype("float64")
    return frame


# ---------------------------------------------------------------- case points
def case_points(con: duckdb.DuckDBPyConnection, *, limit: int, lang: str = "zh", **filters: Any) -> pd.DataFrame:
    """The ``limit`` most recently reported located cases matching ``filters``, newest first: ``case_uid``,
    ``lon``, ``lat``, ``category_code``, ``category_name``, ``major_code``, ``major_name``, ``status``,
    ``status_name``, ``is_open``, ``channel_name``, ``reported_at``, ``address``, ``description``,
    ``dept_name``, ``incident_id`` (the incident it reports: its first report's case_uid), ``incident_reports``
    (1 for an incident reported once) and ``incident_channels`` (the channels of its reports, named; NULL for
    one report). Names are in ``lang`` (codes where the dictionary lacks them). No contact data.
    """
    names = _name_column(lang)
    where, params = case_filters(**filters)
    # Two steps: the report time of the limit-th newest case from the time column alone, then the wide rows
    # from that time on (a few row groups): ordering every matching row with its texts is ~3× slower.
    sql = f"""
        WITH threshold AS (
            SELECT min(reported_at) AS t
            FROM (SELECT c.reported_at FROM cases c WHERE {_LOCATED} AND {where}
                  ORDER BY c.reported_at DESC LIMIT $limit)
        ), picked AS (
            SELECT c.case_uid, c.lon, c.lat, c.category_code, c.status, c.channel, c.reported_at, c.address,
                   c.description, c.dept_code
            FROM cases c
            WHERE {_LOCATED} AND {where} AND c.reported_at >= (SELECT t FROM threshold)
            ORDER BY c.reported_at DESC, c.case_uid
            LIMIT $limit
        ), incidents AS (  -- those of them reported with others: a few, found in the picked reports' time span
            SELECT i.case_uid, i.incident_id, i.reports, i.channels FROM {INCIDENT_TABLE} i
            WHERE i.reported_at BETWEEN (SELECT min(reported_at) FROM picked) AND (SELECT max(reported_at) FROM picked)
              AND i.case_uid IN (SELECT case_uid FROM picked)
        )
        SELECT p.case_uid, p.lon, p.lat, p.category_code, coalesce(k.{names}, p.category_code) AS category_name,
               left(p.category_code, 2) AS major_code,
               coalesce(k.major_{names}, left(p.category_code, 2)) AS major_name,
               p.status, coalesce(s.{names}, p.status) AS status_name, s.is_open,
               coalesce(ch.{names}, p.channel) AS channel_name, p.reported_at, p.address, p.description,
               coalesce(d.name, p.dept_code) AS dept_name,
               coalesce(n.incident_id, p.case_uid) AS incident_id, coalesce(n.reports, 1) AS incident_reports,
               n.channels AS incident_channels
        FROM picked p
        LEFT JOIN category k ON k.code = p.category_code
        LEFT JOIN case_state s ON s.state = p.status
        LEFT JOIN channel ch ON ch.channel = p.channel
        LEFT JOIN department d ON d.dept_code = p.dept_code
        LEFT JOIN incidents n ON n.case_uid = p.case_uid
        ORDER BY p.reported_at DESC, p.case_uid
    """
    frame = con.execute(sql, {**params, "limit": _limit(limit)}).df()
    # the incidents' channels named here: a handful of rows (naming them in SQL cost a third of the query)
    channels = dict(con.execute(f"SELECT channel, {names} FROM channel").fetchall())
    frame["incident_channels"] = frame["incident_channels"].map(
        lambda codes: "、".join(channels.get(c, c) for c in codes.split(",")) if isinstance(codes, str) else None
    )
    return frame


def case_count(con: duckdb.DuckDBPyConnection, **filters: Any) -> pd.DataFrame:
    """One row: ``cases``, the number of located cases matching ``filters`` (what ``case_points`` draws from)."""
    counts, params = counts_sql(con, group=(), measures=("located",), **filters)
    return con.execute(f"SELECT located AS cases FROM ({counts})", params).df()


# ---------------------------------------------------------------- bins
def _origin(con: duckdb.DuckDBPyConnection, where: str, params: dict[str, Any]) -> tuple[float, float] | None:
    """The bins' origin: the centre of every grid's extent, else of the matching cases; None when neither."""
    origin = bins.origin_of(con.execute(bins.GRID_ORIGIN_SQL).fetchall()[0])
    if origin is not None:
        return origin
    centre = "(min(c.lon) + max(c.lon)) / 2, (min(c.lat) + max(c.lat)) / 2"
    row = con.execute(f"SELECT {centre} FROM cases c WHERE {_LOCATED} AND {where}", params).fetchall()[0]
    return None if row[0] is None else (float(row[0]), float(row[1]))


def _binned(
    con: duckdb.DuckDBPyConnection, kind: str, size: float, centre: str, count: str, order: str, **filters: Any
) -> pd.DataFrame | None:
    """Located cases matching ``filters`` counted per bin of ``kind`` (``bins.BIN_KINDS``) and ``size``, with
    the bin's ``centre`` columns; None when there is no frame to bin in. From the bin rollup when it answers
    (time filters only, built in the same frame), else from ``cases``."""
    where, params = case_filters(**filters)
    origin = _origin(con, where, params)
    if origin is None:
        return None
    frame = {**bins.frame_params(origin), bins.BIN_KINDS[kind]: size}
    rollup = bin_source(con, kind, frame, bins.BIN_KINDS[kind], **filters)
    keys = ", ".join(_BIN_KEYS[kind])
    if rollup is not None:
        where, params = case_filters(day_column="c.day", duplicate_column="c.duplicate", **filters)
        source = f"SELECT {keys}, sum(c.cases) AS n FROM {rollup.table} c WHERE {where} GROUP BY ALL"
    else:
        select = bins.hex_select if kind == "hex" else bins.heat_select
        cases = f"SELECT c.lon, c.lat FROM cases c WHERE {_LOCATED} AND {where}"
        source = f"SELECT {keys}, count(*) AS n FROM ({select(cases)}) GROUP BY ALL"
    sql = f"SELECT {keys}, {centre}, CAST(n AS BIGINT) AS {count} FROM ({source}) ORDER BY {order}"
    return con.execute(sql, {**params, **frame}).df()


def hex_bins(con: duckdb.DuckDBPyConnection, *, size_m: float, **filters: Any) -> pd.DataFrame:
    """Located cases matching ``filters`` counted per pointy-top hexagon of circumradius ``size_m`` metres:
    ``q``, ``r`` (axial coordinates), ``lon``, ``lat`` (the hexagon's centre) and ``cases``, by q and r.
    """
    size = bins.positive("size_m", size_m)
    frame = _binned(con, "hex", size, bins.HEX_CENTRE, "cases", "q, r", **filters)
    if frame is None:
        return pd.DataFrame({"q": [], "r": [], "lon": [], "lat": [], "cases": []}).astype(
            {"q": "int64", "r": "int64", "cases": "int64"}
        )
    return frame


def heat_cells(con: duckdb.DuckDBPyConnection, *, cell_m: float, **filters: Any) -> pd.DataFrame:
    """Located cases matching ``filters`` counted per square cell of ``cell_m`` metres: ``lon``, ``lat`` (the
    cell's centre) and ``weight`` (the count), for a heat map; by latitude, then longitude.
    """
    cell = bins.positive("cell_m", cell_m)
    frame = _binned(con, "heat", cell, bins.CELL_CENTRE, "weight", "j, i", **filters)
    if frame is None:
        return pd.DataFrame({"lon": [], "lat": [], "weight": []}).astype({"weight": "int64"})
    return frame[["lon", "lat", "weight"]]


# ---------------------------------------------------------------- things on the map
def _area_clause(area: str | Sequence[str] | None) -> tuple[str, dict[str, Any]]:
    """The ``area`` filter of ``case_filters``, for any table with ``grid_l1`` … ``grid_l5`` aliased ``c``."""
    return case_filters(area=area)


def cameras(con: duckdb.DuckDBPyConnection, *, area: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Cameras (in ``area``, a grid code at any level, when given): ``camera_id``, ``name``, ``vendor``,
    ``address``, ``lon``, ``lat``, ``grid_code``, ``scenes`` (comma-separated), ``status``, by camera_id.
    """
    where, params = _area_clause(area)
    sql = f"""
        SELECT c.camera_id, c.name, c.vendor, c.address, c.lon, c.lat, c.grid_code, c.scenes, c.status
        FROM camera c WHERE {where} ORDER BY c.camera_id
    """
    return con.execute(sql, params).df()


def camera_event_scenes(con: duckdb.DuckDBPyConnection, *, lang: str = "zh", **filters: Any) -> pd.DataFrame:
    """Camera alarms per camera and scene: ``camera_id``, ``scene_code``, ``scene_name``, ``events``,
    ``false_positives`` and ``pushed``; by camera, then most events first.

    The case filters apply as to a case reported when the alarm was captured, through channel ``camera_ai``,
    in the camera's grids, with the alarm's category; ``status`` and ``dept`` describe cases and are ignored.
    """
    case_filters(**filters)  # the same names, checked the same way
    event_filters = {name: filters[name] for name in _EVENT_FILTERS if name in filters and name != "area"}
    rolled = EVENT_TABLE in fresh_rollups(con)
    where, params = case_filters(day_column="c.day" if rolled else None, **event_filters)
    if filters.get("area"):
        in_area, area_params = case_filters(area=filters["area"], area_depth=filters.get("area_depth"))
        where += f" AND c.camera_id IN (SELECT c.camera_id FROM camera c WHERE {in_area})"
        params = {**params, **area_params}
    names = _name_column(lang)
    # Grouped on the alarms alone (or their daily rollup), the camera's grids tested through a semi-join and
    # the scene names joined to the grouped rows: joining every alarm to its camera first costs ~2×.
    if rolled:
        alarms = f"SELECT *, 'camera_ai' AS channel FROM {EVENT_TABLE}"
        counts = "sum(c.events) AS events, sum(c.false_positives) AS false_positives, sum(c.pushed) AS pushed"
    else:
        alarms = """SELECT camera_id, scene_code, category_code, captured_at AS reported_at, 'camera_ai' AS channel,
                           is_false_positive, pushed FROM camera_event"""
        counts = """count(*) AS events, count(*) FILTER (WHERE c.is_false_positive) AS false_positives,
                    count(*) FILTER (WHERE c.pushed) AS pushed"""
    sql = f"""
        SELECT g.camera_id, g.scene_code, coalesce(sc.{names}, g.scene_code) AS scene_name,
               CAST(g.events AS BIGINT) AS events, CAST(g.false_positives AS BIGINT) AS false_positives,
               CAST(g.pushed AS BIGINT) AS pushed
        FROM (
            SELECT c.camera_id, c.scene_code, {counts}
            FROM ({alarms}) c
            WHERE {where}
            GROUP BY c.camera_id, c.scene_code
        ) g
        LEFT JOIN camera_scene sc ON sc.scene_code = g.scene_code
        ORDER BY g.camera_id, g.events DESC, g.scene_code
    """
    return con.execute(sql, params).df()


def facilities(con: duckdb.DuckDBPyConnection, *, area: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Facilities (in ``area`` when given): ``facility_id``, ``kind``, ``name``, ``address``, ``lon``, ``lat``,
    ``grid_code``, ``service_radius_m``, by kind and facility_id.
    """
    where, params = _area_clause(area)
    sql = f"""
        SELECT c.facility_id, c.kind, c.name, c.address, c.lon, c.lat, c.grid_code, c.service_radius_m
        FROM facility c WHERE {where} ORDER BY c.kind, c.facility_id
    """
    return con.execute(sql, params).df()


# ---------------------------------------------------------------- deadlines
def deadline_alerts(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: dt.datetime,
    warn_fraction: float,
    limit: int,
    work_periods: Sequence[Sequence[int]],
    lang: str = "zh",
    **filters: Any,
) -> pd.DataFrame:
    """Open, unhandled, located cases matching ``filters`` that at ``as_of`` are past their handling deadline
    (``level`` 'overdue', red) or have used at least ``warn_fraction`` of their handling limit ('warning',
    yellow): ``case_uid``, ``lon``, ``lat``, ``category_name``, ``status_name``, ``dept_name``, ``reported_at``,
    ``handle_deadline``, ``level``, ``elapsed_fraction``. At most ``limit`` rows: overdue first, then by
    elapsed fraction, largest first.

    The elapsed fraction is measured as the ETL set the deadline (``etl/load_cases.py``): from dispatch (else
    registration, acceptance, report), on the working calendar of table ``work_calendar`` with ``work_periods``
    (``settings.work_periods``) for the working clocks, extensions included.
    """
    if not 0 < warn_fraction <= 1:
        raise ValueError(f"warn_fraction must be in (0, 1], got {warn_fraction!r}")
    limit = _limit(limit)
    names = _name_column(lang)
    hours_per_day = day_seconds(work_periods) / 3600.0
    where, params = case_filters(**filters)
    limit_hours = """CASE c.handle_clock WHEN 'working_days' THEN c.handle_limit * $hours_per_day
                                         WHEN 'natural_days' THEN c.handle_limit * 24
                                         ELSE c.handle_limit END + c.extension_hours"""
    clock_start = "coalesce(c.dispatched_at, c.registered_at, c.accepted_at, c.reported_at)"
    # Working time W(t) (core.workcal's SQL form), so elapsed working hours = W(as_of) − W(start): the cases are
    # ranked and cut to ``limit`` here, not in pandas. Working time never runs faster than the wall clock, so a
    # case whose wall time since the start is under warn_fraction of its limit cannot be yellow yet: that bound
    # keeps the candidates few.
    w = working_seconds_sql(work_periods, before="k.before", workday="k.workday", instant="t")
    calendar = calendar_days_sql(
        "(SELECT least(min(clock_start), $as_of) FROM o)", "(SELECT greatest(max(clock_start), $as_of) FROM o)"
    )
    sql = f"""
        WITH o AS MATERIALIZED (
            SELECT c.case_uid, c.lon, c.lat, c.category_code, c.status, c.dept_code, c.reported_at,
                   c.handle_deadline, c.handle_clock IN ('working_hours', 'working_days') AS working,
                   {clock_start} AS clock_start, {limit_hours} AS limit_hours
            FROM {pending_cases(con)} c
            WHERE c.handle_deadline IS NOT NULL AND {_LOCATED} AND c.reported_at <= $as_of AND {where}
              AND (c.handle_deadline < $as_of
                   OR epoch($as_of) - epoch({clock_start}) >= $warn_fraction * ({limit_hours}) * 3600)
        ), calendar AS MATERIALIZED (
            SELECT * FROM {calendar}
        ), instants AS (  -- W(t) in seconds for both ends of every candidate's clock
            SELECT o.case_uid, which, {w} AS w
            FROM o, LATERAL (VALUES ('start', o.clock_start), ('end', CAST($as_of AS TIMESTAMP))) AS v(which, t)
            JOIN calendar k ON k.day = CAST(t AS DATE)
        ), measured AS (
            SELECT o.*, CASE WHEN o.handle_deadline < $as_of THEN 'overdue' ELSE 'warning' END AS level,
                   CASE WHEN o.working THEN (e.w - s.w) / 3600.0
                        ELSE (epoch($as_of) - epoch(o.clock_start)) / 3600.0 END
                   / CASE WHEN o.limit_hours > 0 THEN o.limit_hours END AS elapsed_fraction
            FROM o
            JOIN instants s ON s.case_uid = o.case_uid AND s.which = 'start'
            JOIN instants e ON e.case_uid = o.case_uid AND e.which = 'end'
        ), ranked AS (
            SELECT * FROM measured
            WHERE level = 'overdue' OR elapsed_fraction >= $warn_fraction
            ORDER BY level = 'warning', elapsed_fraction DESC NULLS LAST, case_uid
            LIMIT $limit
        )
        SELECT r.case_uid, r.lon, r.lat, coalesce(k.{names}, r.category_code) AS category_name,
               coalesce(s.{names}, r.status) AS status_name, coalesce(d.name, r.dept_code) AS dept_name,
               r.reported_at, r.handle_deadline, r.level, CAST(r.elapsed_fraction AS DOUBLE) AS elapsed_fraction
        FROM ranked r
        LEFT JOIN category k ON k.code = r.category_code
        LEFT JOIN case_state s ON s.state = r.status
        LEFT JOIN department d ON d.dept_code = r.dept_code
        ORDER BY r.level = 'warning', r.elapsed_fraction DESC NULLS LAST, r.case_uid
    """
    bound = {
        **params,
        "as_of": as_of,
        "warn_fraction": warn_fraction,
        "hours_per_day": hours_per_day,
        "limit": limit,
    }
    return con.execute(sql, bound).df()


#: The map queries, for ``QUERIES``.
MAP_QUERIES = (
    area_measures,
    case_points,
    case_count,
    hex_bins,
    heat_cells,
    cameras,
    camera_event_scenes,
    facilities,
    deadline_alerts,
)

__all__ = [
    "ALERT_LEVELS",
    "MAP_QUERIES",
    "area_measures",
    "camera_event_scenes",
    "cameras",
    "case_count",
    "case_points",
    "deadline_alerts",
    "facilities",
    "heat_cells",
    "hex_bins",
]

"""The seeds' other ledgers on the same map: 15-minute life circles, a grid's 一表一账 (its basic table and its
workers' ledger of visits and reports), and deliberation items (周末议事厅) tracked like cases.

Life circles. Without a road network the walk is a stated straight-line proxy: a place is within reach of a
facility when the straight line from the place to it is at most ``radius_m`` (``settings``: minutes × walking
speed ÷ detour factor). Places are the deepest grids valid at ``at`` (their stored centroid, their population);
every facility of a kind counts, inside the area or not (a school across the boundary serves it too).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from core.catalog import grid_level_column

from .area_profile import below, bound
from .filters import case_filters

_VALID = "g.valid_from <= $at AND (g.valid_to IS NULL OR g.valid_to > $at)"
#: Metres per degree of latitude, and the local metric (equirectangular at the pair's latitude): within a city
#: it is off the geodesic by well under 1 % (a few metres in a kilometre), far finer than the proxy itself.
_M_PER_DEG = 111_320.0
#: The kinds of visit a grid worker's ledger counts (``etl.place_entities.VISIT_KINDS``).
VISIT_KINDS: tuple[str, ...] = ("home_visit", "patrol", "safety_check", "publicity", "mediation")


def _distance(lon1: str, lat1: str, lon2: str, lat2: str) -> str:
    dx = f"({lon2} - {lon1}) * cos(radians(({lat1} + {lat2}) / 2))"
    return f"{_M_PER_DEG} * sqrt(pow({dx}, 2) + pow({lat2} - {lat1}, 2))"


def _places(area: str | None) -> str:
    """The deepest grids valid at ``$at`` under ``$area`` (everything for None): ``code``, ``name``, centroid,
    ``population`` (the attribute file's, else the grid file's) and ``geom_wkb``."""
    under = "TRUE" if area is None else f"g.code IN (SELECT code FROM {below(area)})"
    deepest = "SELECT max(x.depth) FROM grid x WHERE x.valid_from <= $at AND (x.valid_to IS NULL OR x.valid_to > $at)"
    return f"""(
        SELECT g.code, g.name, g.centroid_lon AS lon, g.centroid_lat AS lat, g.geom_wkb,
               coalesce(a.population, g.population) AS population
        FROM grid g LEFT JOIN grid_attribute a USING (code)
        WHERE {_VALID} AND g.depth = ({deepest}) AND {under}
    )"""


def life_circles(
    con: duckdb.DuckDBPyConnection, *, radius_m: float, at: dt.datetime, area: str | None = None
) -> pd.DataFrame:
    """Per facility ``kind``: ``facilities`` (in the whole city), ``grids`` and ``population`` of the area's
    deepest grids, how many of them are ``grids_covered``/``population_covered`` (a facility of the kind within
    ``radius_m``), and the shares ``grid_share``/``population_share`` (NaN without population); by kind."""
    if radius_m <= 0:
        raise ValueError(f"radius_m must be positive, got {radius_m}")
    sql = f"""
        WITH places AS {_places(area)},
        nearest AS (
            SELECT f.kind, p.code, any_value(p.population) AS population,
                   min({_distance("p.lon", "p.lat", "f.lon", "f.lat")}) AS metres
            FROM places p CROSS JOIN facility f GROUP BY ALL
        )
        SELECT kind, (SELECT count(*) FROM facility f WHERE f.kind = n.kind) AS facilities,
               count(*) AS grids, count(*) FILTER (WHERE metres <= $radius) AS grids_covered,
               CAST(sum(population) AS BIGINT) AS population,
               CAST(sum(population) FILTER (WHERE metres <= $radius) AS BIGINT) AS population_covered,
               CAST(count(*) FILTER (WHERE metres <= $radius) AS DOUBLE) / count(*) AS grid_share,
               CAST(sum(population) FILTER (WHERE metres <= $radius) AS DOUBLE) / nullif(sum(population), 0)
                   AS population_share
        FROM nearest n GROUP BY kind ORDER BY kind
    """
    frame = con.execute(sql, bound(sql, radius=radius_m, at=at, area=area)).df()
    frame[["grid_share", "population_share"]] = frame[["grid_share", "population_share"]].astype("float64")
    return frame


def life_circle_gaps(
    con: duckdb.DuckDBPyConnection, *, kind: str, radius_m: float, at: dt.datetime, area: str | None = None
) -> pd.DataFrame:
    """The area's deepest grids farther than ``radius_m`` from every facility of ``kind``: ``code``, ``name``,
    ``population``, ``nearest_m`` (NULL when the city has none of that kind) and ``geom_wkb``; farthest first."""
    sql = f"""
        WITH places AS {_places(area)}
        SELECT p.code, p.name, p.population,
               (SELECT min({_distance("p.lon", "p.lat", "f.lon", "f.lat")}) FROM facility f WHERE f.kind = $kind)
                   AS nearest_m,
               p.geom_wkb
        FROM places p
        WHERE coalesce(nearest_m > $radius, true)
        ORDER BY nearest_m DESC NULLS FIRST, p.code
    """
    return con.execute(sql, bound(sql, kind=kind, radius=radius_m, at=at, area=area)).df()


# ---------------------------------------------------------------- 一表一账
def grid_basic(con: duckdb.DuckDBPyConnection, *, code: str, at: dt.datetime, lang: str = "zh") -> pd.DataFrame:
    """A grid's basic table (一表): one row of ``code``, ``name``, ``level_name``, ``parent_name``, ``area_km2``,
    ``population``/``households`` (the attribute file's, else the grid file's), the key groups of its attributes
    (NULL where not given), ``land_use``, ``party_branch``, ``workers`` (names and roles) and ``organisations``
    (counted under it). Empty when no grid ``code`` is valid at ``at``."""
    level = {"zh": "name_zh", "en": "name_en"}.get(lang)
    if level is None:
        raise ValueError(f"lang must be zh or en, got {lang!r}")
    area, params = case_filters(area=code)
    sql = f"""
        SELECT g.code, g.name, l.{level} AS level_name,
               (SELECT arg_max(p.name, p.valid_from) FROM grid p WHERE p.code = g.parent_code) AS parent_name,
               g.area_km2, coalesce(a.population, g.population) AS population,
               coalesce(a.households, g.households) AS households, a.elderly, a.elderly_alone, a.party_members,
               a.disabled, a.low_income, a.left_behind_children, a.buildings, a.compounds, a.land_use, g.party_branch,
               (SELECT string_agg(w.name || coalesce('（' || w.role || '）', ''), '、' ORDER BY w.role, w.name)
                FROM grid_worker w WHERE w.grid_code = g.code) AS workers,
               (SELECT count(*) FROM organisation c WHERE {area}) AS organisations
        FROM grid g LEFT JOIN grid_attribute a USING (code) LEFT JOIN grid_level l ON l.depth = g.depth
        WHERE g.code = $code AND {_VALID}
    """
    return con.execute(sql, {**params, "code": code, "at": at}).df()


def worker_ledger(con: duckdb.DuckDBPyConnection, **filters: Any) -> pd.DataFrame:
    """The workers' ledger (一账) of the area of ``filters``, per month of the period: ``month``, ``visits`` and
    one column per kind of ``VISIT_KINDS``, ``households_visited`` (distinct), ``workers`` (who visited), and
    the month's ``patrol_reports`` (cases reported by patrol), ``self_handled`` (fixed on the spot) and
    ``iot_attended`` (sensor alarms a worker went to); by month."""
    case_filters(**filters)
    kept = {k: v for k, v in filters.items() if k in ("start", "end", "area", "area_depth")}
    visits, visit_params = case_filters(day_column="c.visited_at", **kept)
    cases, case_params = case_filters(**kept)
    alarms, alarm_params = case_filters(day_column="a.alarmed_at", **kept)
    kinds = ", ".join(f"count(*) FILTER (WHERE c.kind = '{kind}') AS {kind}" for kind in VISIT_KINDS)
    sql = f"""
        WITH v AS (
            SELECT date_trunc('month', c.visited_at) AS month, count(*) AS visits, {kinds},
                   count(DISTINCT c.household_masked) AS households_visited, count(DISTINCT c.worker_id) AS workers
            FROM grid_visit c WHERE {visits} GROUP BY 1
        ), r AS (
            SELECT date_trunc('month', c.reported_at) AS month,
                   count(*) FILTER (WHERE c.channel = 'patrol') AS patrol_reports,
                   count(*) FILTER (WHERE c.status = 'self_handled' OR (c.channel = 'patrol' AND c.dispatched_at IS NULL
                                    AND c.handled_at IS NOT NULL)) AS self_handled
            FROM cases c WHERE c.channel = 'patrol' AND {cases.replace("$f_", "$r_f_")} GROUP BY 1
        ), i AS (
            SELECT date_trunc('month', a.alarmed_at) AS month, count(a.arrived_at) AS iot_attended
            FROM iot_alarm a JOIN iot_device c USING (device_id) WHERE {alarms.replace("$f_", "$i_f_")} GROUP BY 1
        )
        SELECT CAST(month AS DATE) AS month, coalesce(v.visits, 0) AS visits,
               {", ".join(f"coalesce(v.{kind}, 0) AS {kind}" for kind in VISIT_KINDS)},
               coalesce(v.households_visited, 0) AS households_visited, coalesce(v.workers, 0) AS workers,
               coalesce(r.patrol_reports, 0) AS patrol_reports, coalesce(r.self_handled, 0) AS self_handled,
               coalesce(i.iot_attended, 0) AS iot_attended
        FROM v FULL JOIN r USING (month) FULL JOIN i USING (month)
        ORDER BY month
    """
    bound = {
        **visit_params,
        **{name.replace("f_", "r_f_", 1): v for name, v in case_params.items()},
        **{name.replace("f_", "i_f_", 1): v for name, v in alarm_params.items()},
    }
    return con.execute(sql, bound).df()


def grid_workers_of(con: duckdb.DuckDBPyConnection, *, area: str, area_depth: int | None = None) -> pd.DataFrame:
    """The grid workers of the area: ``worker_id``, ``worker_name``, ``post`` (their role in the grid),
    ``phone_masked``, ``grid_code``,
    ``grid_name``; by grid, then role."""
    where, params = case_filters(area=area, area_depth=area_depth)
    sql = f"""
        SELECT c.worker_id, c.name AS worker_name, c.role AS post, c.phone_masked, c.grid_code,
               (SELECT arg_max(g.name, g.valid_from) FROM grid g WHERE g.code = c.grid_code) AS grid_name
        FROM grid_worker c WHERE {where}
        ORDER BY c.grid_code, c.role, c.worker_id
    """
    return con.execute(sql, params).df()


# ---------------------------------------------------------------- deliberation items
def _items(filters: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Deliberation items (cases of channel deliberation) matching ``filters`` (their own channel filter aside)."""
    kept = {name: value for name, value in filters.items() if name not in ("channel", "count_by")}
    where, params = case_filters(**kept)
    return f"c.channel = 'deliberation' AND {where}", params


def deliberation_summary(
    con: duckdb.DuckDBPyConnection, *, depth: int, as_of: dt.datetime, overdue_days: int, **filters: Any
) -> pd.DataFrame:
    """Deliberation items raised in the period per grid at ``depth``: ``code``, ``name``, ``items``, ``solved``,
    ``referred``, ``explained``, ``undecided`` (no outcome by ``as_of``), ``late`` (of those, raised more than
    ``overdue_days`` before ``as_of``), ``solved_rate`` (÷ items with an outcome), ``median_days`` (raised →
    outcome); by code."""
    column = grid_level_column(depth)
    where, params = _items(filters)
    sql = f"""
        WITH items AS (
            SELECT c.{column} AS code, c.reported_at, o.outcome, o.decided_at
            FROM cases c LEFT JOIN deliberation_outcome o ON o.case_uid = c.case_uid AND o.decided_at <= $as_of
            WHERE {where} AND c.{column} IS NOT NULL
        )
        SELECT code, coalesce((SELECT arg_max(g.name, g.valid_from) FROM grid g WHERE g.code = items.code), code)
                   AS name,
               count(*) AS items, count(*) FILTER (WHERE outcome = 'solved') AS solved,
               count(*) FILTER (WHERE outcome = 'referred') AS referred,
               count(*) FILTER (WHERE outcome = 'explained') AS explained,
               count(*) FILTER (WHERE outcome IS NULL) AS undecided,
               count(*) FILTER (WHERE outcome IS NULL AND reported_at < $as_of - to_days(CAST($days AS INTEGER)))
                   AS late,
               CAST(count(*) FILTER (WHERE outcome = 'solved') AS DOUBLE) / nullif(count(outcome), 0) AS solved_rate,
               median(epoch(decided_at) - epoch(reported_at)) / 86400.0 AS median_days
        FROM items GROUP BY code ORDER BY code
    """
    frame = con.execute(sql, {**params, "as_of": as_of, "days": overdue_days}).df()
    frame[["solved_rate", "median_days"]] = frame[["solved_rate", "median_days"]].astype("float64")
    return frame


def deliberation_items(
    con: duckdb.DuckDBPyConnection, *, limit: int, as_of: dt.datetime, **filters: Any
) -> pd.DataFrame:
    """The latest ``limit`` deliberation items of the period: ``case_uid``, ``reported_at``, ``description``,
    ``address``, ``outcome`` (NULL while pending at ``as_of``), ``decided_at``, ``referred_dept`` (named),
    ``referred_case_uid``; newest first."""
    if not isinstance(limit, int) or limit < 0:
        raise ValueError(f"limit must be a non-negative int, got {limit!r}")
    where, params = _items(filters)
    sql = f"""
        SELECT c.case_uid, c.reported_at, c.description, c.address, o.outcome, o.decided_at,
               coalesce(d.name, o.referred_dept) AS referred_dept, o.referred_case_uid
        FROM cases c
        LEFT JOIN deliberation_outcome o ON o.case_uid = c.case_uid AND o.decided_at <= $as_of
        LEFT JOIN department d ON d.dept_code = o.referred_dept
        WHERE {where}
        ORDER BY c.reported_at DESC, c.case_uid LIMIT $limit
    """
    return con.execute(sql, {**params, "as_of": as_of, "limit": limit}).df()


#: The ledgers' queries, for ``QUERIES``.
LEDGER_QUERIES = (
    life_circles,
    life_circle_gaps,
    grid_basic,
    worker_ledger,
    grid_workers_of,
    deliberation_summary,
    deliberation_items,
)

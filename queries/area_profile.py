"""The six elements of an area (人·地·事·物·情·组织), each from what the city has loaded: 人 people (grid
attributes), 地 land (levels, area, land use), 物 things (cameras, IoT sensors, facilities, components), 情 sentiment
(complaints, satisfaction, rising topics), 组织 organisations (departments, grid workers, party branches …). 事
(cases) is the map page's ``area_figures`` and ``daily_counts``.

Absent is not zero. A figure the city has not loaded anywhere is NULL with ``loaded`` false; a figure loaded for
some areas but none under this one is NULL too (``covered`` 0); a figure counted and found to be nothing is 0.
An area's figure is its own row's when given, else the sum over the shallowest level below it where any of its
grids has the figure, with how many of that level's grids did (``covered`` of ``of``): a partial sum says so.

``area`` is a grid code at any level (None: everything); grids are those valid at ``at``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from .filters import case_filters
from .source import counts_sql

#: The figures of a grid's people and buildings (columns of ``grid_attribute``), in the panel's order.
PEOPLE: tuple[str, ...] = (
    "population",
    "households",
    "elderly",
    "elderly_alone",
    "party_members",
    "disabled",
    "low_income",
    "left_behind_children",
    "buildings",
    "compounds",
)
#: Figures the grid file itself may give (``grid.population``/``households``) when no attribute file does.
_FROM_GRID: tuple[str, ...] = ("population", "households")
_VALID = "g.valid_from <= $at AND (g.valid_to IS NULL OR g.valid_to > $at)"
_NAMES = {"zh": "name_zh", "en": "name_en"}


def _name(lang: str) -> str:
    try:
        return _NAMES[lang]
    except KeyError:
        raise ValueError(f"lang must be one of {sorted(_NAMES)}, got {lang!r}") from None


def bound(sql: str, **params: Any) -> dict[str, Any]:
    """The ``params`` ``sql`` refers to (``$name``): DuckDB refuses a parameter the SQL does not use."""
    return {name: value for name, value in params.items() if f"${name}" in sql}


def below(area: str | None) -> str:
    """The grids valid at ``$at`` under ``$area`` (all of them for None), the area itself included, as a relation
    ``(code, depth, population, households)`` (walked down the explicit parents)."""
    if area is None:
        return f"(SELECT g.code, g.depth, g.population, g.households FROM grid g WHERE {_VALID})"
    return f"""(
        WITH RECURSIVE below(code, depth, population, households) AS (
            SELECT g.code, g.depth, g.population, g.households FROM grid g WHERE g.code = $area AND {_VALID}
            UNION ALL
            SELECT g.code, g.depth, g.population, g.households
            FROM grid g JOIN below b ON g.parent_code = b.code WHERE {_VALID}
        ) SELECT * FROM below)"""


def _area_depth(con: duckdb.DuckDBPyConnection, area: str | None, at: dt.datetime) -> int:
    """The depth of ``area`` (0 for everything: its top level then counts as "below")."""
    if area is None:
        return 0
    rows = con.execute(f"SELECT max(g.depth) FROM grid g WHERE g.code = $area AND {_VALID}", {"area": area, "at": at})
    depth = rows.fetchall()[0][0]
    if depth is None:
        raise ValueError(f"no grid {area!r} is valid at {at:%Y-%m-%d}")
    return int(depth)


def _pick(rows: pd.DataFrame, counts: pd.Series, depth: int, figure: str) -> dict[str, Any]:
    """The figure of the area from per-grid ``rows`` (``code``, ``depth`` and the figure): its own row, else the
    shallowest level below with any value."""
    own = rows[(rows["depth"] == depth) & rows[figure].notna()] if depth else rows.iloc[0:0]
    if len(own):
        return {"value": float(own[figure].sum()), "depth": depth, "covered": len(own), "of": len(own)}
    for level in sorted(d for d in rows["depth"].unique() if d > depth):
        given = rows[(rows["depth"] == level) & rows[figure].notna()]
        if len(given):
            of = int(counts.get(level, len(given)))
            return {"value": float(given[figure].sum()), "depth": int(level), "covered": len(given), "of": of}
    return {"value": None, "depth": None, "covered": 0, "of": 0}


def area_people(con: duckdb.DuckDBPyConnection, *, area: str | None, at: dt.datetime) -> pd.DataFrame:
    """人: per figure of ``PEOPLE`` (``figure``), its ``value`` for the area (NULL when absent), the ``depth`` it
    was summed at, ``covered`` of ``of`` grids there, ``source`` (``attributes``: the grid attribute file;
    ``grids``: the grid file's own population/households) and ``loaded`` (the city gives the figure anywhere)."""
    depth = _area_depth(con, area, at)
    columns = ", ".join(f"a.{name}" for name in PEOPLE)
    grids_sql = f"SELECT b.code, b.depth, b.population, b.households FROM {below(area)} b"
    rows_sql = f"SELECT b.code, b.depth, {columns} FROM {below(area)} b JOIN grid_attribute a USING (code)"
    attributes = con.execute(rows_sql, bound(rows_sql, area=area, at=at)).df()
    grids = con.execute(grids_sql, bound(grids_sql, area=area, at=at)).df()
    counts = grids.groupby("depth").size()
    loaded = con.execute(f"SELECT {', '.join(f'count({n}) > 0' for n in PEOPLE)} FROM grid_attribute").fetchall()[0]
    out = []
    for figure, anywhere in zip(PEOPLE, loaded, strict=True):
        picked = {**_pick(attributes, counts, depth, figure), "source": "attributes", "loaded": bool(anywhere)}
        if picked["value"] is None and figure in _FROM_GRID:
            from_grid = _pick(grids, counts, depth, figure)
            if from_grid["value"] is not None:
                picked = {**from_grid, "source": "grids", "loaded": True}
        out.append({"figure": figure, **picked})
    frame = pd.DataFrame(out, columns=["figure", "value", "depth", "covered", "of", "source", "loaded"])
    frame["value"] = frame["value"].astype("float64")
    return frame


def area_land(con: duckdb.DuckDBPyConnection, *, area: str | None, at: dt.datetime, lang: str = "zh") -> pd.DataFrame:
    """地: per level below the area (``depth``, ``level_name``), its ``grids`` there and their ``area_km2``; the
    area's own row first (depth of the area, ``grids`` 1; for everything the top level's)."""
    names = _name(lang)
    sql = f"""
        SELECT b.depth, coalesce(l.{names}, CAST(b.depth AS VARCHAR)) AS level_name, count(*) AS grids,
               sum(g.area_km2) AS area_km2
        FROM {below(area)} b
        JOIN grid g ON g.code = b.code AND {_VALID}
        LEFT JOIN grid_level l ON l.depth = b.depth
        GROUP BY ALL ORDER BY b.depth
    """
    return con.execute(sql, bound(sql, area=area, at=at)).df()


def area_land_use(con: duckdb.DuckDBPyConnection, *, area: str | None, at: dt.datetime) -> pd.DataFrame:
    """地: ``land_use`` as the grid attributes give it, with the ``grids`` of each and their ``area_km2``, at the
    deepest level below the area that has any; most area first. Empty when the city gives no land use here."""
    sql = f"""
        WITH used AS (
            SELECT b.depth, a.land_use, g.area_km2
            FROM {below(area)} b JOIN grid_attribute a USING (code)
            JOIN grid g ON g.code = b.code AND {_VALID}
            WHERE a.land_use IS NOT NULL
        )
        SELECT land_use, count(*) AS grids, sum(area_km2) AS area_km2
        FROM used WHERE depth = (SELECT max(depth) FROM used)
        GROUP BY 1 ORDER BY area_km2 DESC, land_use
    """
    return con.execute(sql, bound(sql, area=area, at=at)).df()


def area_things(
    con: duckdb.DuckDBPyConnection, *, area: str | None, area_depth: int | None = None, lang: str = "zh"
) -> pd.DataFrame:
    """物: ``thing`` (camera, iot_device, facility, component), ``kind`` (a facility's kind, a sensor's kind, a
    component's GB/T major), ``kind_name`` where a dictionary names it, ``count`` in the area (0 for kinds the city
    has elsewhere) and ``loaded`` (the city loaded any of that thing). A thing not loaded at all is one row with
    ``kind`` and ``count`` NULL."""
    names = _name(lang)
    where, params = case_filters(area=area, area_depth=area_depth)
    parts = {
        "camera": ("camera", "'camera'", "NULL"),
        "iot_device": ("iot_device", "c.kind", "NULL"),
        "facility": ("facility", "c.kind", "NULL"),
        "component": (
            "component",
            "left(c.class_code, 2)",
            f"(SELECT any_value(k.major_{names}) FROM component_class k WHERE k.major_code = left(c.class_code, 2))",
        ),
    }
    selects = []
    for thing, (table, kind, kind_name) in parts.items():
        selects.append(
            f"""SELECT '{thing}' AS thing, {kind} AS kind, {kind_name} AS kind_name,
                       count(*) FILTER (WHERE {where}) AS count, true AS loaded
                FROM {table} c GROUP BY ALL"""
        )
        selects.append(f"SELECT '{thing}', NULL, NULL, NULL, false WHERE NOT EXISTS (SELECT 1 FROM {table})")
    sql = " UNION ALL ".join(selects) + " ORDER BY thing, kind NULLS FIRST"
    return con.execute(sql, params).df()


def area_organisations(
    con: duckdb.DuckDBPyConnection, *, area: str | None, at: dt.datetime, area_depth: int | None = None
) -> pd.DataFrame:
    """组织: ``kind`` (departments, grid_workers, and each organisation kind), ``count`` and ``members`` (where
    given) in the area, ``loaded`` (the city loaded any of that kind of data), ``source``. Party branches fall back
    to the grid file's 党支部 names (``source`` grids) when no organisation file names any."""
    where, params = case_filters(area=area, area_depth=area_depth)
    sql = f"""
        SELECT 'departments' AS kind,
               (SELECT count(*) FROM department d WHERE $area IS NULL OR d.area_code IN (SELECT code FROM
                {below(area)} b)) AS count, NULL::BIGINT AS members,
               (SELECT count(*) > 0 FROM department) AS loaded, 'departments' AS source
        UNION ALL
        SELECT 'grid_workers', count(DISTINCT c.worker_id) FILTER (WHERE {where}), NULL,
               count(*) > 0, 'grid_workers' FROM grid_worker c
        UNION ALL
        SELECT k.kind, count(c.org_id) FILTER (WHERE {where}),
               CAST(sum(c.members) FILTER (WHERE {where}) AS BIGINT), true, 'organisations'
        FROM (SELECT DISTINCT kind FROM organisation) k LEFT JOIN organisation c USING (kind)
        GROUP BY k.kind
        UNION ALL
        SELECT * FROM (
            SELECT 'party_branch', count(DISTINCT g.party_branch), NULL, count(g.party_branch) > 0, 'grids'
            FROM {below(area)} b JOIN grid g ON g.code = b.code AND {_VALID}
            WHERE g.party_branch IS NOT NULL
        ) WHERE NOT EXISTS (SELECT 1 FROM organisation WHERE kind = 'party_branch')
        ORDER BY 1
    """
    return con.execute(sql, {**params, **bound(sql, area=area, at=at)}).df()


def area_sentiment(con: duckdb.DuckDBPyConnection, **filters: Any) -> pd.DataFrame:
    """情: one row for the cases of ``filters``: ``hotline`` (12345 calls among them), ``complaints`` (of those,
    投诉), ``followups``, ``satisfied`` and ``satisfaction_rate`` (NaN without follow-up calls). Counted from the
    rollups where one fits (``core.measures``)."""
    counts, params = counts_sql(con, group=(), measures=("followups", "satisfied"), **filters)
    k = con.execute(counts, params).fetchall()[0]
    channels = filters.get("channel")
    chosen = [channels] if isinstance(channels, str) else list(channels or [])
    h: tuple[int, ...] = (0, 0)  # a view that leaves the hotline out has no calls
    if not chosen or "hotline" in chosen:
        calls, call_params = counts_sql(
            con, group=(), measures=("cases", "complaints"), **{**filters, "channel": "hotline"}
        )
        h = con.execute(calls, call_params).fetchall()[0]
    return pd.DataFrame(
        {
            "hotline": [int(h[0])],
            "complaints": [int(h[1])],
            "followups": [int(k[0])],
            "satisfied": [int(k[1])],
            "satisfaction_rate": [k[1] / k[0] if k[0] else float("nan")],
        }
    )


def rising_topics(con: duckdb.DuckDBPyConnection, *, limit: int, min_count: int = 3, **filters: Any) -> pd.DataFrame:
    """情: the 12345 topics that rose most in the period (``start``…``end``) against the period of the same length
    before it: ``topic_code``, ``topic_name`` (the city's dictionary, in Chinese), ``now``, ``before``, ``change``;
    at most ``limit``, only topics with at least ``min_count`` calls now and more than before. Empty without a
    period."""
    if filters.get("start") is None or filters.get("end") is None:
        return pd.DataFrame(columns=["topic_code", "topic_name", "now", "before", "change"])
    if not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a positive int, got {limit!r}")
    start, end = filters["start"], filters["end"]
    length = end - start + dt.timedelta(days=1)
    now_where, params = case_filters(**filters)
    before_where, before = case_filters(**{**filters, "start": start - length, "end": start - dt.timedelta(days=1)})
    sql = f"""
        WITH counted AS (
            SELECT c.topic_code, count(*) FILTER (WHERE {now_where}) AS now,
                   count(*) FILTER (WHERE {before_where.replace("$f_", "$b_f_")}) AS before
            FROM cases c
            WHERE c.channel = 'hotline' AND c.topic_code IS NOT NULL
              AND c.reported_at >= $b_f_start AND c.reported_at < $f_end
            GROUP BY 1
        )
        SELECT k.topic_code, coalesce(t.name, k.topic_code) AS topic_name, k.now, k.before,
               k.now - k.before AS change
        FROM counted k LEFT JOIN hotline_topic t ON t.topic_code = k.topic_code
        WHERE k.now >= $min_count AND k.now > k.before
        ORDER BY change DESC, k.topic_code LIMIT $limit
    """
    bound = {**params, **{name.replace("f_", "b_f_", 1): v for name, v in before.items()}}
    return con.execute(sql, {**bound, "limit": limit, "min_count": min_count}).df()


#: The six elements' queries, for ``QUERIES``.
PROFILE_QUERIES = (
    area_people,
    area_land,
    area_land_use,
    area_things,
    area_organisations,
    area_sentiment,
    rising_topics,
)

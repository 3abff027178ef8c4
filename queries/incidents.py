"""One incident, many reports (``etl.fusion``): how many reports and incidents a view holds, the incidents reported
more than once, and every report of one incident with its source kept.

An incident is *in* a view when its first report matches the filters (period, area, channel …); its further reports
are listed whatever their own channel. ``count_by`` does not apply here: these queries show both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from core.catalog import INCIDENT_TABLE

from .filters import case_filters
from .source import counts_sql

_NAMES = {"zh": "name_zh", "en": "name_en"}


def _name(lang: str) -> str:
    try:
        return _NAMES[lang]
    except KeyError:
        raise ValueError(f"lang must be one of {sorted(_NAMES)}, got {lang!r}") from None


def _without_count_by(filters: dict[str, Any]) -> dict[str, Any]:
    case_filters(**filters)  # checked
    return {name: value for name, value in filters.items() if name != "count_by"}


def incident_summary(con: duckdb.DuckDBPyConnection, **filters: Any) -> pd.DataFrame:
    """One row: ``reports`` (every report), ``incidents`` (each counted once, by its first report), ``repeated``
    (incidents of two reports or more, first reported in the view), ``further`` (reports in the view that follow an
    incident's first: ``reports`` − ``incidents``), ``cross_channel`` (repeated incidents reported through more
    than one channel)."""
    filters = _without_count_by(filters)
    counted = {}
    for unit in ("report", "incident"):  # each from the rollup that fits (their parameters may differ in type)
        sql, params = counts_sql(con, group=(), measures=("cases",), count_by=unit, **filters)
        counted[unit] = int(con.execute(sql, params).fetchall()[0][0])
    where, params = case_filters(**filters)
    sql = f"""
        SELECT $reports AS reports, $incidents AS incidents, count(*) FILTER (WHERE c.is_lead) AS repeated,
               count(*) FILTER (WHERE NOT c.is_lead) AS further,
               count(*) FILTER (WHERE c.is_lead AND contains(c.channels, ',')) AS cross_channel
        FROM {INCIDENT_TABLE} c WHERE {where}
    """
    return con.execute(sql, {**params, "reports": counted["report"], "incidents": counted["incident"]}).df()


def incident_list(con: duckdb.DuckDBPyConnection, *, limit: int, lang: str = "zh", **filters: Any) -> pd.DataFrame:
    """The ``limit`` latest incidents of two reports or more whose first report matches ``filters``:
    ``incident_id``, ``reported_at`` (the first report), ``last_at`` (the latest), ``reports``, ``channels``
    (named), ``category_name``, ``status_name`` (of the first report), ``lon``, ``lat``; newest first."""
    if not isinstance(limit, int) or limit < 0:
        raise ValueError(f"limit must be a non-negative int, got {limit!r}")
    names = _name(lang)
    where, params = case_filters(**_without_count_by(filters))
    sql = f"""
        WITH leads AS (
            SELECT c.incident_id, c.reported_at, c.reports, c.channels, c.category_code, c.status, c.lon, c.lat
            FROM {INCIDENT_TABLE} c WHERE c.is_lead AND {where}
            ORDER BY c.reported_at DESC, c.incident_id LIMIT $limit
        ), lasts AS (  -- one pass over the listed incidents' reports, not a look-up per incident
            SELECT m.incident_id, max(m.reported_at) AS last_at FROM {INCIDENT_TABLE} m
            WHERE m.incident_id IN (SELECT incident_id FROM leads)
              AND m.reported_at >= (SELECT min(reported_at) FROM leads)
            GROUP BY 1
        ), named AS (
            SELECT l.incident_id, string_agg(coalesce(ch.{names}, u.code), '、' ORDER BY u.code) AS channels
            FROM leads l, unnest(string_split(l.channels, ',')) AS u(code)
            LEFT JOIN channel ch ON ch.channel = u.code GROUP BY 1
        )
        SELECT l.incident_id, l.reported_at, t.last_at, l.reports, n.channels,
               coalesce(k.{names}, l.category_code) AS category_name, coalesce(s.{names}, l.status) AS status_name,
               l.lon, l.lat
        FROM leads l JOIN named n USING (incident_id) JOIN lasts t USING (incident_id)
        LEFT JOIN category k ON k.code = l.category_code
        LEFT JOIN case_state s ON s.state = l.status
        ORDER BY l.reported_at DESC, l.incident_id
    """
    return con.execute(sql, {**params, "limit": limit}).df()


def incident_reports(
    con: duckdb.DuckDBPyConnection,
    *,
    incident_id: str,
    lang: str = "zh",
    area: str | Sequence[str] | None = None,
    area_depth: int | None = None,
) -> pd.DataFrame:
    """Every report of incident ``incident_id`` (a case_uid: its first report's), each source kept: ``case_uid``,
    ``source``, ``source_id``, ``channel_name``, ``reported_at``, ``category_name``, ``status_name``, ``dept_name``,
    ``address``, ``is_lead``; in report order. One row for a case reported once. ``area`` (``area_depth``): only
    the reports in that area, as the case filter of that name (a reader bound to an area sees no other)."""
    names = _name(lang)
    inside, params = case_filters(area=area, area_depth=area_depth)
    # The reports' time span first, passed on as constants: DuckDB then skips the row groups of ``cases`` outside
    # it, which it does not for a bound read from a subquery (at 50M cases 235 → 120 ms: docs/performance.md).
    first, last = con.execute(
        f"SELECT min(reported_at), max(reported_at) FROM {INCIDENT_TABLE} WHERE incident_id = $incident",
        {"incident": incident_id},
    ).fetchall()[0]
    span = "c.reported_at BETWEEN $first AND $last" if first is not None else "TRUE"
    sql = f"""
        WITH members AS (
            SELECT case_uid, is_lead FROM {INCIDENT_TABLE} WHERE incident_id = $incident
            UNION ALL
            SELECT $incident, true
            WHERE NOT EXISTS (SELECT 1 FROM {INCIDENT_TABLE} WHERE incident_id = $incident)
        )
        SELECT c.case_uid, c.source, c.source_id, coalesce(ch.{names}, c.channel) AS channel_name, c.reported_at,
               coalesce(k.{names}, c.category_code) AS category_name, coalesce(s.{names}, c.status) AS status_name,
               coalesce(d.name, c.dept_code) AS dept_name, c.address, m.is_lead
        FROM members m JOIN cases c USING (case_uid)
        LEFT JOIN channel ch ON ch.channel = c.channel
        LEFT JOIN category k ON k.code = c.category_code
        LEFT JOIN case_state s ON s.state = c.status
        LEFT JOIN department d ON d.dept_code = c.dept_code
        WHERE {span} AND {inside}
        ORDER BY c.reported_at, c.case_uid
    """
    bound = {"first": first, "last": last} if first is not None else {}
    return con.execute(sql, {**params, **bound, "incident": incident_id}).df()


#: The incident queries, for ``QUERIES``.
INCIDENT_QUERIES = (incident_summary, incident_list, incident_reports)

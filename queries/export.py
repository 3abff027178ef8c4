"""The cases a user exports: every case matching the filters (not only the points the map shows), with the
dictionary names in both languages. Personal data: only ``contact_masked`` exists in the database, and only
it is selected.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from core.catalog import INCIDENT_TABLE

from .filters import case_filters


def case_export(con: duckdb.DuckDBPyConnection, *, limit: int, **filters: Any) -> pd.DataFrame:
    """Up to ``limit`` matching cases, oldest report first (ties by ``case_uid``), one row each.

    Columns: ``case_uid``, ``source``, ``source_id``, ``channel``, ``channel_name_zh``/``_en``, ``category_code``,
    ``category_name_zh``/``_en``, ``request_nature``, ``status``, ``status_name_zh``/``_en``, ``dept_code``,
    ``dept_name``, ``description``, ``address``, ``lon``, ``lat`` (WGS-84), ``grid_code``, ``reported_at``,
    ``dispatched_at``, ``handled_at``, ``closed_at``, ``handle_deadline``, ``is_urgent``, ``is_supervised``,
    ``is_overdue``, ``satisfaction``, ``contact_masked``, ``incident_id`` (the incident it reports: its first
    report's case_uid, its own for a case reported once) and ``incident_reports`` (how many reports that incident
    has).
    """
    if not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a positive int, got {limit!r}")
    where, params = case_filters(**filters)
    sql = f"""
        SELECT c.case_uid, c.source, c.source_id, c.channel,
               coalesce(ch.name_zh, c.channel) AS channel_name_zh, coalesce(ch.name_en, c.channel) AS channel_name_en,
               c.category_code,
               coalesce(k.name_zh, c.category_code) AS category_name_zh,
               coalesce(k.name_en, c.category_code) AS category_name_en,
               c.request_nature, c.status,
               coalesce(s.name_zh, c.status) AS status_name_zh, coalesce(s.name_en, c.status) AS status_name_en,
               c.dept_code, coalesce(d.name, c.dept_code) AS dept_name,
               c.description, c.address, c.lon, c.lat, c.grid_code,
               c.reported_at, c.dispatched_at, c.handled_at, c.closed_at, c.handle_deadline,
               c.is_urgent, c.is_supervised, c.is_overdue, c.satisfaction, c.contact_masked,
               coalesce(i.incident_id, c.case_uid) AS incident_id, coalesce(i.reports, 1) AS incident_reports
        FROM cases c
        LEFT JOIN {INCIDENT_TABLE} i ON i.case_uid = c.case_uid
        LEFT JOIN channel ch ON ch.channel = c.channel
        LEFT JOIN category k ON k.code = c.category_code
        LEFT JOIN case_state s ON s.state = c.status
        LEFT JOIN department d ON d.dept_code = c.dept_code
        WHERE {where}
        ORDER BY c.reported_at, c.case_uid
        LIMIT $limit
    """
    return con.execute(sql, {**params, "limit": limit}).df()

"""The three warning levels (三级预警): the rules (table ``warning_rule``), the open cases the case rules fire on
(evaluated and ranked here, in SQL: at 50M cases some 170,000 cases are open and 55,000 warned, and only the
warnings shown leave the database), clusters of one class in one area within a window, and the daily counts per
area and class that the spike test compares with previous weeks (``analytics.spikes``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from core.catalog import grid_level_column
from core.warning_rules import IOT_CHANNEL, KINDS
from core.workcal import calendar_days_sql, day_seconds, working_day_sql, working_instant_sql, working_seconds_sql

from .filters import case_filters
from .source import case_source, open_cases


def warning_rules(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every row of ``warning_rule`` (``rule_id``, ``level``, ``kind``, ``threshold``, ``window_hours``,
    ``depth``, ``baseline_weeks``, ``min_cases``, ``channel``, ``category_code``, ``enabled``, ``name_zh``,
    ``name_en``, ``note``), most severe level first, then by id."""
    return con.execute("SELECT * FROM warning_rule ORDER BY level, rule_id").df()


def recent_clusters(
    con: duckdb.DuckDBPyConnection,
    *,
    since: dt.datetime,
    until: dt.datetime,
    depth: int,
    min_cases: int,
    **filters: Any,
) -> pd.DataFrame:
    """Cases matching ``filters`` reported in (``since``, ``until``] counted per ``area`` (the grid at
    ``depth``) and ``category_code`` where they number at least ``min_cases``: ``area``, ``category_code``,
    ``cases``, ``first_reported``, ``last_reported``, ``lon``/``lat`` (the area's label point, as the grid
    valid at ``until`` has it); most first. Dates in ``filters`` are ignored: the window is the period."""
    column = grid_level_column(depth)
    kept = {name: value for name, value in filters.items() if name not in ("start", "end", "cohort")}
    where, params = case_filters(**kept)
    sql = f"""
        WITH k AS (
            SELECT c.{column} AS area, c.category_code, count(*) AS cases,
                   min(c.reported_at) AS first_reported, max(c.reported_at) AS last_reported
            FROM cases c
            WHERE c.reported_at > $since AND c.reported_at <= $until AND c.{column} IS NOT NULL
              AND c.category_code IS NOT NULL AND {where}
            GROUP BY ALL HAVING count(*) >= $min_cases
        )
        SELECT k.*, g.centroid_lon AS lon, g.centroid_lat AS lat
        FROM k LEFT JOIN (
            SELECT code, arg_max(centroid_lon, valid_from) AS centroid_lon,
                   arg_max(centroid_lat, valid_from) AS centroid_lat
            FROM grid WHERE valid_from <= $until GROUP BY code
        ) g ON g.code = k.area
        ORDER BY k.cases DESC, k.area, k.category_code
    """
    bound = {**params, "since": since, "until": until, "min_cases": int(min_cases)}
    return con.execute(sql, bound).df()


def spike_counts(
    con: duckdb.DuckDBPyConnection, *, day: dt.date, weeks: int, depth: int, **filters: Any
) -> pd.DataFrame:
    """Cases matching ``filters`` reported on ``day`` and on the same weekday of each of the ``weeks`` weeks
    before, per ``area`` (the grid at ``depth``), ``category_code`` and ``day``: ``area``, ``category_code``,
    ``day``, ``cases`` (only combinations with cases; what ``analytics.spikes.spikes`` takes) and the area's label
    point (``lon``, ``lat``, its latest version's). Dates in ``filters`` are ignored."""
    if not isinstance(weeks, int) or weeks < 1:
        raise ValueError(f"weeks must be a positive int, got {weeks!r}")
    column = grid_level_column(depth)
    kept = {name: value for name, value in filters.items() if name not in ("start", "end", "cohort")}
    days = [day - dt.timedelta(weeks=k) for k in range(weeks, -1, -1)]
    source = case_source(con, (column, "category_code", "day"), **kept)
    # the whole span bounds the scan (row groups skipped by report time); the weekdays are picked inside it
    where, params = source.filters(start=days[0], end=day, **kept)
    sql = f"""
        WITH k AS (
            SELECT {source.column(column)} AS area, c.category_code, {source.day} AS day,
                   CAST({source.count("cases")} AS BIGINT) AS cases
            FROM {source.table} c
            WHERE {where} AND list_contains($days, {source.day}) AND c.{column} IS NOT NULL
              AND c.category_code IS NOT NULL
            GROUP BY ALL
        )
        SELECT k.*, g.lon, g.lat
        FROM k LEFT JOIN (
            SELECT code, arg_max(centroid_lon, valid_from) AS lon, arg_max(centroid_lat, valid_from) AS lat
            FROM grid GROUP BY code
        ) g ON g.code = k.area
        ORDER BY k.area, k.category_code, k.day
    """
    return con.execute(sql, {**params, "days": days}).df()


#: The columns of ``case_warnings``, in order.
CASE_WARNING_COLUMNS: tuple[str, ...] = (
    "level",
    "rule_id",
    "kind",
    "name_zh",
    "name_en",
    "threshold",
    "case_uid",
    "category_code",
    "dept_code",
    "lon",
    "lat",
    "fired_at",
    "value",
    "also",
    "level_warnings",
)
#: The kinds of rule whose subject is one case.
CASE_KINDS: tuple[str, ...] = tuple(key for key, kind in KINDS.items() if kind.subject == "case")


def case_warnings(
    con: duckdb.DuckDBPyConnection,
    *,
    rules: Sequence[str],
    as_of: dt.datetime,
    work_periods: Sequence[Sequence[int]],
    per_level: int | None = None,
    **filters: Any,
) -> pd.DataFrame:
    """The open cases matching ``filters`` (whenever reported) that the case rules ``rules`` fire on at ``as_of``
    (ids of ``warning_rule`` rows the caller checked: ``analytics.warnings.usable_rules``; other kinds are left
    out), one row per case, at its most severe rule (by level, then id): ``CASE_WARNING_COLUMNS``, where ``also``
    lists the other rules that fired on it ('' when none) and ``level_warnings`` counts the cases warned at that
    level in all. Of each level the ``per_level`` fired latest (None: all); by level, then fired latest first,
    then case.

    The checks, on the handling deadline and its clock (the working calendar of ``work_calendar`` with
    ``work_periods`` for the working clocks, as ``analytics.sla`` and the ETL measure it):

    * ``due_soon``: pending, not yet overdue, at most ``threshold`` hours left (``value``: hours left); fired
      ``threshold`` hours before the deadline.
    * ``overdue`` (``_urgent``, ``_supervised``: of urgent, supervised cases): pending and at least ``threshold``
      hours past the deadline (``value``: hours past); fired ``threshold`` hours after it.
    * ``iot_unanswered``: neither accepted nor dispatched ``threshold`` minutes after the report (``value``:
      minutes since); fired then. The rule's channel, else the IoT channel.

    A rule's ``channel`` narrows it to that channel, its ``category_code`` to the classes it begins."""
    if per_level is not None and (not isinstance(per_level, int) or isinstance(per_level, bool) or per_level < 1):
        raise ValueError(f"per_level must be a positive int or None, got {per_level!r}")
    where, params = case_filters(**{k: v for k, v in filters.items() if k not in ("start", "end", "cohort")})
    hours_per_day = day_seconds(work_periods) / 3600.0
    now = "CAST($as_of AS TIMESTAMP)"
    w_now = working_seconds_sql(work_periods, before="k.before", workday="k.workday", instant=now)
    w_deadline = working_seconds_sql(work_periods, before="k.before", workday="k.workday", instant="o.deadline")
    # fired_at of a deadline rule: the deadline shifted by the threshold on its clock (W⁻¹ on the working clock)
    shift = "(CASE w.kind WHEN 'due_soon' THEN -1 ELSE 1 END * w.threshold * 3600)"
    target = f"(w.deadline_w + {shift})"
    wall = f"w.deadline + to_microseconds(CAST(round({shift} * 1000000) AS BIGINT))"
    # The calendar spans the deadlines and now, widened by twice the working days of the largest threshold and a
    # month (holidays): a deadline shifted by a threshold stays inside it.
    margin = f"""to_days(CAST(ceil(coalesce((SELECT max(threshold) FROM r WHERE kind <> 'iot_unanswered'), 0)
                                   / {hours_per_day}) * 2 + 31 AS INTEGER))"""
    calendar = calendar_days_sql(
        f"(SELECT least(min(deadline), $as_of) FROM o) - {margin}",
        f"(SELECT greatest(max(deadline), $as_of) FROM o) + {margin}",
    )
    sql = f"""
        WITH r AS (
            SELECT rule_id, level, kind, threshold, name_zh, name_en, nullif(category_code, '') AS category,
                   coalesce(nullif(channel, ''), CASE WHEN kind = 'iot_unanswered' THEN $iot END) AS channel
            FROM warning_rule WHERE list_contains($rules, rule_id) AND list_contains($kinds, kind)
        ), o AS MATERIALIZED (
            SELECT c.case_uid, c.channel, c.category_code, c.dept_code, c.lon, c.lat, c.reported_at,
                   c.accepted_at IS NULL AND c.dispatched_at IS NULL AS unanswered, c.handled_at IS NULL AS pending,
                   c.handle_deadline AS deadline, c.handle_clock IN ('working_hours', 'working_days') AS working,
                   c.is_urgent, c.is_supervised
            FROM {open_cases(con)} c WHERE {where}
        ), calendar AS MATERIALIZED (
            SELECT * FROM {calendar}
        ), now AS (
            SELECT {w_now} AS w FROM calendar k WHERE k.day = CAST($as_of AS DATE)
        ), timed AS (  -- hours left before the handling deadline, on its clock (negative once past)
            SELECT o.*, o.pending AND o.deadline < $as_of AS overdue, {w_deadline} AS deadline_w,
                   CASE WHEN o.working THEN ({w_deadline} - now.w) / 3600.0
                        ELSE (epoch(o.deadline) - epoch(CAST($as_of AS TIMESTAMP))) / 3600.0 END AS hours_left,
                   (epoch(CAST($as_of AS TIMESTAMP)) - epoch(o.reported_at)) / 60.0 AS minutes
            FROM o CROSS JOIN now LEFT JOIN calendar k ON k.day = CAST(o.deadline AS DATE)
        ), hits AS (
            SELECT t.*, r.rule_id, r.level, r.kind, r.threshold, r.name_zh, r.name_en,
                   CASE r.kind WHEN 'iot_unanswered' THEN t.minutes WHEN 'due_soon' THEN t.hours_left
                               ELSE -t.hours_left END AS value,
                   row_number() OVER (PARTITION BY t.case_uid ORDER BY r.level, r.rule_id) AS nth
            FROM timed t JOIN r
              ON (r.channel IS NULL OR t.channel = r.channel)
             AND (r.category IS NULL OR starts_with(coalesce(t.category_code, ''), r.category))
            WHERE CASE r.kind
                WHEN 'iot_unanswered' THEN t.unanswered AND t.minutes >= r.threshold
                WHEN 'due_soon' THEN t.pending AND NOT coalesce(t.overdue, false) AND t.hours_left <= r.threshold
                WHEN 'overdue' THEN t.overdue AND -t.hours_left >= r.threshold
                WHEN 'overdue_urgent' THEN t.overdue AND -t.hours_left >= r.threshold AND t.is_urgent
                WHEN 'overdue_supervised' THEN t.overdue AND -t.hours_left >= r.threshold AND t.is_supervised
            END
        ), warned AS (  -- one warning per case, at its most severe rule; the others named
            SELECT w.*, coalesce(a.also, '') AS also
            FROM hits w LEFT JOIN (
                SELECT case_uid, string_agg(rule_id, ',' ORDER BY level, rule_id) AS also FROM hits WHERE nth > 1
                GROUP BY case_uid
            ) a USING (case_uid)
            WHERE w.nth = 1
        ), fired AS (
            SELECT w.*,
                   CASE WHEN w.kind = 'iot_unanswered'
                            THEN w.reported_at + to_microseconds(CAST(round(w.threshold * 60000000) AS BIGINT))
                        WHEN w.threshold = 0 THEN w.deadline
                        WHEN w.working THEN {working_instant_sql(work_periods, ordinal=target, day="d.day")}
                        ELSE {wall} END AS fired_at
            FROM warned w
            LEFT JOIN calendar d ON w.working AND d.workday AND d.before = {working_day_sql(work_periods, target)}
        )
        SELECT level, rule_id, kind, name_zh, name_en, threshold, case_uid, category_code, dept_code, lon, lat,
               fired_at, value, also, count(*) OVER (PARTITION BY level) AS level_warnings
        FROM fired
        QUALIFY $per_level IS NULL
             OR row_number() OVER (PARTITION BY level ORDER BY fired_at DESC NULLS LAST, case_uid) <= $per_level
        ORDER BY level, fired_at DESC NULLS LAST, case_uid
    """
    bound = {
        **params,
        "rules": list(rules),
        "kinds": list(CASE_KINDS),
        "iot": IOT_CHANNEL,
        "as_of": as_of,
        "per_level": per_level,
    }
    return con.execute(sql, bound).df()


#: The warning queries, for ``QUERIES``.
WARNING_QUERIES = (warning_rules, recent_clusters, spike_counts, case_warnings)

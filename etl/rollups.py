"""Daily rollups of ``cases``: ``case_daily``, refreshed by the ETL in the same commit as every case load.

``case_daily`` holds one row per report day and combination of the dimensions the dashboard filters on
(``ROLLUP_DIMENSIONS``) with the counts the KPIs are built from (``ROLLUP_MEASURES``). It is derived data:
``refresh_case_daily`` rebuilds any range of days from ``cases`` alone, so a refresh is idempotent and a
full rebuild always repairs it.

Definitions match ``dashboard/queries/cases.py``: *closed* = current state in ``CLOSED_STATES``; *awaiting
closure* = current state open in ``case_state`` (a state missing from the dictionary counts as neither).
Because ``status`` is a dimension, a query may also re-derive both from ``status`` at read time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb

from settings import MAX_GRID_LEVELS

#: Current states that count as closed (the dashboard's ``CLOSED_STATES``; the ETL never imports the dashboard).
CLOSED_STATES: tuple[str, ...] = ("closed", "evaluated")
#: Follow-up answers that count as satisfied.
SATISFIED: tuple[str, ...] = ("满意", "基本满意")

_GRID_COLUMNS = tuple(f"grid_l{depth}" for depth in range(1, MAX_GRID_LEVELS + 1))
#: The grain of ``case_daily`` besides ``day``: one row per distinct combination (NULLs included).
ROLLUP_DIMENSIONS: tuple[str, ...] = (*_GRID_COLUMNS, "category_code", "channel", "status", "dept_code")

_CLOSED = "list_contains($closed_states, c.status)"
_ON_TIME = "c.handled_at <= c.handle_deadline"
#: Measure → the ``count`` it is (over ``cases c LEFT JOIN case_state s``).
ROLLUP_MEASURES: dict[str, str] = {
    "cases": "count(*)",
    "closed": f"count(*) FILTER (WHERE {_CLOSED})",
    "awaiting_closure": "count(*) FILTER (WHERE s.is_open)",
    "handled": "count(c.handled_at)",
    "handled_on_time": f"count(*) FILTER (WHERE {_ON_TIME})",
    "closed_on_time": f"count(*) FILTER (WHERE {_CLOSED} AND {_ON_TIME})",
    "overdue_flagged": "count(*) FILTER (WHERE c.is_overdue)",
    "urgent": "count(*) FILTER (WHERE c.is_urgent)",
    "returned": "count(*) FILTER (WHERE c.return_count > 0)",
    "reworked": "count(*) FILTER (WHERE c.rework_count > 0)",
    "followups": "count(c.satisfaction)",
    "satisfied": "count(*) FILTER (WHERE list_contains($satisfied, c.satisfaction))",
}


def _rebuild_sql(where: str) -> str:
    dimensions = ", ".join(f"c.{name}" for name in ROLLUP_DIMENSIONS)
    measures = ",\n               ".join(f"{sql} AS {name}" for name, sql in ROLLUP_MEASURES.items())
    return f"""
        INSERT INTO case_daily BY NAME
        SELECT CAST(c.reported_at AS DATE) AS day, {dimensions},
               {measures}
        FROM cases c LEFT JOIN case_state s ON s.state = c.status
        WHERE {where}
        GROUP BY ALL
        ORDER BY day  -- stored in day order, so a day range skips row groups by their min/max
    """


def _day_range(first_day: dt.date | None, last_day: dt.date | None, column: str) -> tuple[str, dict[str, dt.date]]:
    clauses, params = [], {}
    if first_day is not None:
        clauses.append(f"{column} >= $first_day")
        params["first_day"] = first_day
    if last_day is not None:
        # Half-open on the next day, so a TIMESTAMP column keeps its zone-map pruning (no cast on the column).
        clauses.append(f"{column} < $after_last")
        params["after_last"] = last_day + dt.timedelta(days=1)
    return (" AND ".join(clauses) or "TRUE"), params


def refresh_case_daily(
    con: duckdb.DuckDBPyConnection, *, first_day: dt.date | None = None, last_day: dt.date | None = None
) -> int:
    """Rebuild the ``case_daily`` rows of report days ``first_day``…``last_day`` (inclusive) from ``cases``.

    A missing bound leaves that side open; neither rebuilds every day. Returns the number of rows written.
    Run it inside the load's transaction (``store.writing``) so readers never see a half-refreshed table.
    """
    if first_day is not None and last_day is not None and first_day > last_day:
        raise ValueError(f"first_day {first_day} is after last_day {last_day}")
    where_daily, params = _day_range(first_day, last_day, "day")
    con.execute(f"DELETE FROM case_daily WHERE {where_daily}", params)
    where_cases, params = _day_range(first_day, last_day, "c.reported_at")
    params = {**params, "closed_states": list(CLOSED_STATES), "satisfied": list(SATISFIED)}
    return int(con.execute(_rebuild_sql(where_cases), params).fetchone()[0])


def stale_days(con: duckdb.DuckDBPyConnection, run_ids: Iterable[int]) -> tuple[dt.date, dt.date] | None:
    """The first and last report day whose rollup the case loads ``run_ids`` may have changed, or None.

    Those are the days of the rows the runs wrote (inserted or updated rows carry the run's id; unchanged
    rows keep their old one), plus the days an updated case moved away from. The old version of such a row
    is gone, but its old day lost a case and gained none from the run, so its count in ``cases`` no longer
    matches ``case_daily``: every day whose counts differ is included (which also repairs a rollup that
    was never built, e.g. a database from before the table existed).
    """
    sql = """
        WITH written AS (
            SELECT CAST(min(reported_at) AS DATE) AS first, CAST(max(reported_at) AS DATE) AS last
            FROM cases WHERE list_contains($runs, run_id)
        ), in_cases AS (
            SELECT CAST(reported_at AS DATE) AS day, count(*) AS n FROM cases GROUP BY 1
        ), in_rollup AS (
            SELECT day, sum(cases) AS n FROM case_daily GROUP BY 1
        ), moved AS (
            SELECT min(day) AS first, max(day) AS last
            FROM in_cases FULL JOIN in_rollup USING (day)
            WHERE in_cases.n IS DISTINCT FROM in_rollup.n
        )
        SELECT least(written.first, moved.first), greatest(written.last, moved.last) FROM written, moved
    """
    first, last = con.execute(sql, {"runs": [int(r) for r in run_ids]}).fetchone()
    return None if first is None else (first, last)


def refresh_after_loads(con: duckdb.DuckDBPyConnection, run_ids: Iterable[int]) -> tuple[dt.date, dt.date] | None:
    """Refresh ``case_daily`` for the days the case loads ``run_ids`` changed; return that range (None: nothing).

    Loading the same file again writes no rows, so it refreshes nothing.
    """
    days = stale_days(con, run_ids)
    if days is not None:
        refresh_case_daily(con, first_day=days[0], last_day=days[1])
    return days

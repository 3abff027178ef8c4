"""The camera closed loop as one derived table (``core.catalog.CAMERA_LOOP_TABLE``): every camera alarm with its
camera's vendor and grids, and the times of the case it became, so the funnel (抓拍 → 推送 → 派单 → 处置 → 结案)
and its step times are read without joining ``camera_event`` to ten million cases.

An alarm is a *false positive* when it was marked so (``is_false_positive``) or its case was cancelled as invalid
(``INVALID_STATES``: rejected on verification, voided). *Dispatched* is the case's dispatch (派遣), else its
registration (立案) when the source records no dispatch: the step at which the case was filed for action.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from core.catalog import CAMERA_LOOP_TABLE, GRID_COLUMNS
from core.states import INVALID_STATES


def _rows(where: str) -> str:
    grids = ", ".join(f"k.{column}" for column in GRID_COLUMNS)
    return f"""
        SELECT e.source, e.event_id, e.camera_id, k.vendor, e.scene_code, e.vendor_algo_code, e.category_code,
               {grids}, e.captured_at, e.pushed OR c.case_uid IS NOT NULL AS pushed,
               coalesce(e.is_false_positive, false) OR coalesce(list_contains($invalid, c.status), false)
                   AS false_positive,
               e.case_uid, c.reported_at, coalesce(c.dispatched_at, c.registered_at) AS dispatched_at,
               c.handled_at, c.closed_at, c.status
        FROM camera_event e
        LEFT JOIN camera k ON k.camera_id = e.camera_id
        LEFT JOIN cases c ON c.case_uid = e.case_uid
        WHERE {where}
    """


def refresh(con: duckdb.DuckDBPyConnection, case_runs: Iterable[int], *, whole: bool = False) -> int:
    """Bring the loop table up to date; return the rows written.

    ``whole``: rebuild it (camera alarms or cameras were loaded); also done whenever it does not hold one row per
    alarm. Otherwise only the alarms whose case the case loads ``case_runs`` wrote are rewritten.
    """
    params = {"invalid": list(INVALID_STATES)}
    held = con.execute(f"SELECT (SELECT count(*) FROM {CAMERA_LOOP_TABLE}) = (SELECT count(*) FROM camera_event)")
    if whole or not held.fetchall()[0][0]:
        con.execute(f"DELETE FROM {CAMERA_LOOP_TABLE}")
        sql = f"INSERT INTO {CAMERA_LOOP_TABLE} {_rows('TRUE')} ORDER BY e.captured_at"
        return int(con.execute(sql, params).fetchall()[0][0])
    runs = [int(r) for r in case_runs]
    if not runs:
        return 0
    written = "SELECT case_uid FROM cases WHERE list_contains($runs, run_id)"
    con.execute(f"DELETE FROM {CAMERA_LOOP_TABLE} WHERE case_uid IN ({written})", {"runs": runs})
    sql = f"INSERT INTO {CAMERA_LOOP_TABLE} {_rows(f'e.case_uid IN ({written})')} ORDER BY e.captured_at"
    return int(con.execute(sql, {**params, "runs": runs}).fetchall()[0][0])

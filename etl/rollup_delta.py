"""The rollups brought up to date by a commit's delta: the cost follows the rows changed, not the days they touch.

``etl/rollups.py`` refreshes the rollups by recounting every case of the days a load touched. That is exact and
simple, but its cost is the cases of those days and a scan of the incidents per count: at the 10M-case demo,
1,000 new cases of one day took 7 s to refresh, and a load updating old cases touches a long range of days.

Here the rollups are updated by the delta ``etl/case_delta.py`` records: the rows written since the rollups
last counted (``run_id > counted run``) are added, the old versions the loads replaced are subtracted (with the
``duplicate`` flag they were counted with), and the cases whose ``duplicate`` flag the incident update flipped
are moved. Each rollup gets the delta grouped by its own keys, merged into the rows of those keys only; a group
left with no case is deleted. The open cases, dispatches and hand-offs are row-per-case tables: rewritten for
the cases in the delta (and those whose workflow a flow load wrote).

The delta is used only when it is known to be complete (the rollups' recorded count of ``cases`` plus the rows
written minus the rows replaced is the count of ``cases`` now), nothing is due to be rebuilt whole (a bin frame
moved, a dropped rollup due to be judged again, the incidents rebuilt), and it is small (``DELTA_MAX_SHARE``);
otherwise the days are recounted as before. Either way the result is the same rows (a test compares both).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

import duckdb

from core.catalog import (
    BIN_ROLLUPS,
    CASE_ROLLUPS,
    DISPATCH_TABLE,
    HANDOFF_TABLE,
    OPEN_TABLE,
    BinRollup,
    CaseRollup,
    dispatch_rows_sql,
    handoff_rows_sql,
    open_cases_sql,
)
from core.measures import CASE_COUNTS, CONSTANTS

from . import case_delta, rollups

log = logging.getLogger("onemap.etl")

#: The delta is merged while its rows are at most this share of ``cases`` (or ``DELTA_MIN_ROWS``); a bigger
#: load recounts its days, which is then cheaper than merging that many groups.
DELTA_MAX_SHARE = 0.05
DELTA_MIN_ROWS = 50_000
#: Temporary tables of one refresh.
DELTA = "_case_delta"
_UIDS = "_delta_uids"


def refresh_after_loads(
    con: duckdb.DuckDBPyConnection,
    run_ids: Iterable[int],
    sizes: dict[str, float],
    *,
    events_loaded: bool = False,
    flow_runs: Iterable[int] = (),
    keep: rollups.KeepRule | None = None,
    also_days: tuple[dt.date, dt.date] | None = None,
    counter: rollups.RowCounter | None = None,
    flips_known: bool = True,
) -> str:
    """Bring every derived table of the cases up to date after a commit's loads; return how: ``delta`` or
    ``days`` (``rollups.refresh_after_loads``, which the arguments are passed on to).

    ``flips_known``: False when the incidents were rebuilt whole (``etl.fusion.rebuild``), so the cases whose
    ``duplicate`` flag changed were not recorded one by one: the days are recounted.
    """
    runs, flows = [int(r) for r in run_ids], [int(r) for r in flow_runs]
    keep = keep or rollups.KeepRule()
    mode = "days"
    if flips_known and _applicable(con, sizes, keep):
        span = _stage(con)
        if span is not None:
            if _apply(con, sizes, flows):
                mode = "delta"
            else:  # a group would go below zero: the delta does not match the rollups; recount its days
                log.warning("the rollups did not match the cases of their delta; recounting %s … %s", *span)
                if span[0] is not None and span[1] is not None:
                    also_days = rollups.union_days(also_days, (span[0], span[1]))
        con.execute(f"DROP TABLE IF EXISTS {DELTA}")
    if mode == "days":
        rollups.refresh_after_loads(
            con,
            runs,
            sizes,
            events_loaded=events_loaded,
            flow_runs=flows,
            keep=keep,
            also_days=also_days,
            counter=counter,
        )
    else:
        if events_loaded or rollups.events_stale(con):
            rollups.refresh_camera_events(con)
        rollups.record_state(con)
    case_delta.set_counted_run(con)
    case_delta.forget(con)
    return mode


def _applicable(con: duckdb.DuckDBPyConnection, sizes: dict[str, float], keep: rollups.KeepRule) -> bool:
    """Whether the rollups were built and counted against a known run, and nothing is due to be rebuilt whole."""
    if case_delta.counted_run(con) is None:
        return False
    recorded = dict(con.execute("SELECT table_name, rows FROM rollup_state").fetchall())
    dropped = rollups.dropped_rollups(con)
    kept = {r.table for r in (*CASE_ROLLUPS, *BIN_ROLLUPS) if r.table not in dropped}
    needed = kept | {OPEN_TABLE, DISPATCH_TABLE, HANDOFF_TABLE}
    if not needed <= recorded.keys():
        return False
    # each still holds the rows it was left with (not emptied or rewritten since, e.g. by an upgrade)
    counts = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in sorted(needed))
    if any(recorded[t] != n for t, n in con.execute(counts).fetchall()):
        return False
    if rollups.stale_bin_kinds(con, rollups.bin_frames(con, sizes)):
        return False
    cases = rollups.count(con, "SELECT count(*) FROM cases")
    return not any(rollups.rejudged(dropped, table, cases) for table in dropped)


def _stage(con: duckdb.DuckDBPyConnection) -> tuple[dt.date | None, dt.date | None] | None:
    """Write the delta to ``DELTA`` (``sign``, the columns of ``cases``, ``duplicate``); return its first and
    last report day (None, None when it is empty), or None when it cannot be used (incomplete, or too big)."""
    counted = case_delta.counted_run(con)
    written = "CREATE OR REPLACE TEMP TABLE _written AS SELECT * FROM cases WHERE run_id > $counted"
    con.execute(written, {"counted": counted})  # the run ids are ascending in the file: one row group read
    sql, params = case_delta.with_duplicate(con, "_written")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {DELTA} AS SELECT 1 AS sign, * FROM ({sql})", params)
    con.execute("DROP TABLE _written")
    if case_delta.exists(con, case_delta.RETIRED):
        con.execute(f"INSERT INTO {DELTA} BY NAME SELECT -1 AS sign, * FROM {case_delta.RETIRED}")
    if case_delta.exists(con, case_delta.FLIPPED):
        # bound by their report times, so only the row groups of those days are read
        first, last = con.execute(f"SELECT min(reported_at), max(reported_at) FROM {case_delta.FLIPPED}").fetchall()[0]
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _flipped AS SELECT c.* FROM cases c"
            " WHERE c.reported_at BETWEEN $first AND $last AND c.run_id <= $counted"
            f" AND c.case_uid IN ({case_delta.flipped_sql()})",
            {"counted": counted, "first": first, "last": last},
        )
        sql, params = case_delta.with_duplicate(con, "_flipped")
        for sign, columns in ((1, "*"), (-1, "* REPLACE (NOT duplicate AS duplicate)")):  # counted with the other
            con.execute(f"INSERT INTO {DELTA} BY NAME SELECT {sign} AS sign, {columns} FROM ({sql})", params)
        con.execute("DROP TABLE _flipped")
    cases = rollups.count(con, "SELECT count(*) FROM cases")
    # complete: the count the rollups were refreshed against, plus the rows written, minus the rows replaced
    # (a flipped case is one of each)
    sql = f"""SELECT (SELECT source_rows FROM rollup_state WHERE table_name = $open) + coalesce(sum(sign), 0),
                     count(*), CAST(min(reported_at) AS DATE), CAST(max(reported_at) AS DATE) FROM {DELTA}"""
    expected, rows, first, last = con.execute(sql, {"open": OPEN_TABLE}).fetchall()[0]
    if expected != cases or rows > max(DELTA_MAX_SHARE * cases, DELTA_MIN_ROWS):
        return None
    return first, last


def _merge(con: duckdb.DuckDBPyConnection, table: str, keys: list[str], change: str, params: dict) -> bool:
    """Add the rows ``change`` (SQL: ``day``, the other ``keys``, and the counts of ``table`` as differences) to
    the rows of ``table`` with the same keys; a group left with no case is deleted. False, and ``table`` left as
    it was, when a count would go below zero."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _change AS {change}", params)
    measures = [row[0] for row in con.execute("DESCRIBE _change").fetchall() if row[0] not in keys]
    on = " AND ".join(
        f"t.{k} = k.{k}" if k in ("day", *_BIN_KEYS) else f"t.{k} IS NOT DISTINCT FROM k.{k}" for k in keys
    )
    columns = ", ".join([*keys, *measures])
    sums = ", ".join(f"sum({m}) AS {m}" for m in measures)
    # bound literally, so the rollup's row groups (stored in day order) outside the delta's days are skipped
    first, last = con.execute("SELECT min(day), max(day) FROM _change").fetchall()[0]
    if first is None:
        return True
    days = {"first_day": first, "last_day": last}
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _merged AS
            SELECT {", ".join(keys)}, {sums} FROM (
                SELECT {", ".join(f"t.{c}" for c in [*keys, *measures])} FROM {table} t
                WHERE t.day BETWEEN $first_day AND $last_day AND EXISTS (SELECT 1 FROM _change k WHERE {on})
                UNION ALL SELECT {columns} FROM _change
            ) GROUP BY ALL""",
        days,
    )
    if rollups.count(con, "SELECT count(*) FROM _merged WHERE cases < 0"):
        return False
    con.execute(f"DELETE FROM {table} t USING _change k WHERE t.day BETWEEN $first_day AND $last_day AND {on}", days)
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _merged WHERE cases > 0 ORDER BY day")
    return True


_BIN_KEYS = tuple(key for r in BIN_ROLLUPS for key in r.keys)


def _case_change(rollup: CaseRollup) -> str:
    """SQL of the delta of ``rollup``: per day and dimensions, the counts written minus the counts replaced."""
    dimensions = ", ".join(f"c.{name}" for name in rollup.dimensions)

    def counted(sign: int) -> str:
        measures = ", ".join(f"{sign} * ({sql}) AS {name}" for name, sql in CASE_COUNTS.items())
        return (
            f"SELECT CAST(c.reported_at AS DATE) AS day, {dimensions}, {measures}"
            f" FROM {DELTA} c WHERE c.sign = {sign} GROUP BY ALL"
        )

    keys = ", ".join(["day", *rollup.dimensions])
    sums = ", ".join(f"sum({name}) AS {name}" for name in CASE_COUNTS)
    return f"SELECT {keys}, {sums} FROM ({counted(1)} UNION ALL BY NAME {counted(-1)}) GROUP BY ALL"


def _bin_change(rollup: BinRollup) -> str:
    columns = ", ".join(["day", *rollup.dimensions, *rollup.keys])
    binned = rollups.binned(rollup, "TRUE", DELTA, also="sign")
    return f"SELECT {columns}, sum(sign) AS cases FROM ({binned}) GROUP BY ALL"


def _apply(con: duckdb.DuckDBPyConnection, sizes: dict[str, float], flow_runs: list[int]) -> bool:
    dropped = rollups.dropped_rollups(con)
    for rollup in CASE_ROLLUPS:
        if rollup.table in dropped:
            continue
        change = _case_change(rollup)
        if not _merge(con, rollup.table, ["day", *rollup.dimensions], change, {"satisfied": CONSTANTS["satisfied"]}):
            return False
    frames = rollups.bin_frames(con, sizes)
    for bin_rollup in BIN_ROLLUPS:
        if bin_rollup.table in dropped or bin_rollup.kind not in frames:
            continue
        keys = ["day", *bin_rollup.dimensions, *bin_rollup.keys]
        if not _merge(con, bin_rollup.table, keys, _bin_change(bin_rollup), frames[bin_rollup.kind]):
            return False
    _rewrite_cases(con, flow_runs)
    return True


def _rewrite_cases(con: duckdb.DuckDBPyConnection, flow_runs: list[int]) -> None:
    """Rewrite the open cases, dispatches and hand-offs of the cases in the delta and of those whose workflow
    the flow loads ``flow_runs`` wrote, from their current rows (``_current``: the delta's added rows, and the
    others looked up).

    A case inserted by this commit has no workflow yet unless a flow load of the commit wrote it (a flow row of
    a case not loaded is rejected), so only the cases replaced or given a workflow can have dispatches."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _current AS SELECT * EXCLUDE (sign, duplicate) FROM {DELTA} WHERE sign = 1"
    )
    # a flipped case (sign -1 too) gets its dispatches rewritten unchanged: few, and simpler than telling apart
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_UIDS} AS"
        f" SELECT case_uid, bool_or(sign = -1) AS dispatched FROM {DELTA} GROUP BY case_uid"
    )
    if flow_runs:  # the run ids bound the scan (rows are appended in run order), the list picks the runs
        flows = (
            "SELECT DISTINCT case_uid FROM case_flow"
            " WHERE run_id BETWEEN $first AND $last AND list_contains($runs, run_id)"
            f" AND case_uid NOT IN (SELECT case_uid FROM {_UIDS})"
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _flowed AS " + flows,
            {"first": min(flow_runs), "last": max(flow_runs), "runs": flow_runs},
        )
        con.execute("INSERT INTO _current BY NAME SELECT c.* FROM cases c JOIN _flowed f ON f.case_uid = c.case_uid")
        con.execute(f"INSERT INTO {_UIDS} SELECT case_uid, true FROM _flowed")
        con.execute("DROP TABLE _flowed")
    touched = f"(SELECT case_uid FROM {_UIDS})"
    con.execute(f"DELETE FROM {OPEN_TABLE} WHERE case_uid IN {touched}")
    open_rows = open_cases_sql("TRUE", cases="_current")
    con.execute(f"INSERT INTO {OPEN_TABLE} BY NAME SELECT * FROM ({open_rows}) ORDER BY reported_at")
    dispatched = f"(SELECT case_uid FROM {_UIDS} WHERE dispatched)"
    if rollups.count(con, f"SELECT count(*) FROM {dispatched}"):
        for table in (DISPATCH_TABLE, HANDOFF_TABLE):
            con.execute(f"DELETE FROM {table} WHERE case_uid IN {dispatched}")
        rows = dispatch_rows_sql(f"c.case_uid IN {dispatched}", cases="_current")
        con.execute(f"INSERT INTO {DISPATCH_TABLE} BY NAME SELECT * FROM ({rows}) ORDER BY day, case_uid, n")
        handoffs = handoff_rows_sql(f"(SELECT * FROM {DISPATCH_TABLE} WHERE case_uid IN {dispatched})")
        con.execute(f"INSERT INTO {HANDOFF_TABLE} BY NAME SELECT * FROM ({handoffs}) ORDER BY day, case_uid")
    con.execute(f"DROP TABLE {_UIDS}")
    con.execute("DROP TABLE _current")

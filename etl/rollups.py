"""The writer of the derived tables (``core.catalog``): refreshed from ``cases`` in the same commit as every load.

A view over many days (all time, a year) reads a rollup instead of scanning ``cases``; the readers pick the
smallest rollup holding every column their filters and groups use (``queries.source``) and read ``cases`` when
none does. Each rollup is derived data: ``refresh`` rebuilds any range of days from ``cases`` alone, so a
refresh is idempotent and a full rebuild always repairs it. What each table holds is the catalog's; this module
decides when and how to write it: the days a load touched, a bin rollup whose frame moved rebuilt whole, and a
rollup that barely aggregates not kept (``KeepRule``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import duckdb

from core import bins
from core.catalog import (
    BIN_ROLLUPS,
    CASE_ROLLUPS,
    CASES_WITH_DUPLICATE,
    DISPATCH_TABLE,
    EVENT_TABLE,
    FUSION_STATE_TABLE,
    HANDOFF_TABLE,
    INCIDENT_TABLE,
    OPEN_SQL,
    OPEN_TABLE,
    BinRollup,
    CaseRollup,
    derived_tables,
    dispatch_rows_sql,
    handoff_rows_sql,
    open_cases_sql,
    table_columns,
)
from core.measures import CASE_COUNTS, CONSTANTS
from settings import Settings

from . import case_delta


@dataclass(frozen=True)
class KeepRule:
    """Which rollups are worth their refresh: one that barely aggregates costs a load nearly as much to write
    as ``cases`` itself and saves the dashboard little, so it is not kept (table ``rollup_dropped``) and the
    dashboard reads the next rollup that fits, or ``cases``.

    A rollup is kept while it has at most 1/``min_reduction`` of the rows of ``cases`` and at most
    ``of_source`` of the rows of the rollup it is summed from (one as large, e.g. the grid rollup of a city
    without sub-grids, holds the same rows). Below ``min_cases`` cases every rollup is kept: they are cheap,
    and tiny data says nothing. ``rows`` may be an estimate (HyperLogLog, a few per cent off): the margins are wide.
    """

    min_reduction: float = 3.0
    min_cases: int = 100_000
    of_source: float = 0.9

    def keeps(self, rows: int, cases: int, source_rows: int | None = None) -> bool:
        if cases < self.min_cases:
            return True
        return rows * self.min_reduction <= cases and (source_rows is None or rows <= self.of_source * source_rows)


def create_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create every derived table of the catalog (``core.catalog``) that does not exist yet, and recreate, empty,
    any whose columns differ from the catalog's (an upgrade added a count, or a column): derived data, refilled
    by the next refresh. Returns the tables recreated."""
    existing = {
        table: [(name, kind.split("(")[0]) for name, kind in columns]
        for table, columns in con.execute(
            "SELECT table_name, list((column_name, data_type) ORDER BY column_index) FROM duckdb_columns()"
            " WHERE schema_name = current_schema() AND database_name = current_database() GROUP BY table_name"
        ).fetchall()
    }
    bins_of = {r.table: r.kind for r in BIN_ROLLUPS}
    recreated = []
    for table, ddl in derived_tables().items():
        if table in existing and existing[table] != table_columns(ddl):
            con.execute(f"DROP TABLE {table}")
            recreated.append(table)
        con.execute(ddl)
    for table in recreated:  # nothing recorded about the old table may describe the new one
        for bookkeeping in ("rollup_state", "rollup_dropped"):
            if bookkeeping not in recreated:
                con.execute(f"DELETE FROM {bookkeeping} WHERE table_name = $t", {"t": table})
        if table in bins_of and "case_bin_frame" not in recreated:
            con.execute("DELETE FROM case_bin_frame WHERE kind = $kind", {"kind": bins_of[table]})
        if table == INCIDENT_TABLE and FUSION_STATE_TABLE not in recreated:  # the incidents are rebuilt whole
            con.execute(f"DELETE FROM {FUSION_STATE_TABLE}")
    return recreated


def bin_sizes(settings: Settings) -> dict[str, float]:
    """The bin size of each kind the dashboard draws with (hexagon circumradius, heat cell side; metres)."""
    return {
        "hex": bins.positive("hex_size_m", settings.hex_size_m),
        "heat": bins.positive("heat_cell_m", settings.heat_cell_m),
    }


def keep_rule(settings: Settings) -> KeepRule:
    """The ``KeepRule`` of ``settings`` (``rollup_min_reduction``, ``rollup_min_cases``)."""
    return KeepRule(min_reduction=settings.rollup_min_reduction, min_cases=settings.rollup_min_cases)


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


def _case_rollup_rows(rollup: CaseRollup, days: tuple[dt.date | None, dt.date | None], source: str | None) -> tuple:
    """``(sql, params)`` of ``rollup``'s rows for ``days``, counted from ``cases`` or summed from rollup ``source``."""
    dimensions = ", ".join(f"c.{name}" for name in rollup.dimensions)
    if source is None:
        where, params = _day_range(*days, "c.reported_at")
        day, table = "CAST(c.reported_at AS DATE)", CASES_WITH_DUPLICATE
        measures = ", ".join(f"{sql} AS {name}" for name, sql in CASE_COUNTS.items())
        params["satisfied"] = CONSTANTS["satisfied"]
    else:
        where, params = _day_range(*days, "c.day")
        day, table = "c.day", source
        measures = ", ".join(f"sum(c.{name}) AS {name}" for name in CASE_COUNTS)
    return f"SELECT {day} AS day, {dimensions}, {measures} FROM {table} c WHERE {where} GROUP BY ALL", params


def binned(rollup: BinRollup, where: str, relation: str = CASES_WITH_DUPLICATE, *, also: str = "") -> str:
    """The located cases of ``relation`` (rows of ``cases`` with ``duplicate``) matching ``where``, as ``day``,
    the dimensions, the columns ``also`` and the bin keys of ``rollup``."""
    select = bins.hex_select if rollup.kind == "hex" else bins.heat_select
    keep = ", ".join(["day", *rollup.dimensions, *([also] if also else [])])
    dimensions = "".join(f", c.{name}" for name in [*rollup.dimensions, *([also] if also else [])])
    day = "CAST(c.reported_at AS DATE)" if rollup.grain == "day" else "CAST(date_trunc('month', c.reported_at) AS DATE)"
    cases = f"SELECT {day} AS day{dimensions}, c.lon, c.lat FROM {relation} c WHERE {where}"
    return select(cases, keep=keep)


def _bin_rollup_rows(rollup: BinRollup, where: str, params: dict, frame: dict[str, float]) -> tuple[str, dict]:
    """``(sql, params)`` of ``rollup``'s rows for the cases matching ``where``, in the bin ``frame``."""
    columns = ", ".join(["day", *rollup.dimensions, *rollup.keys])
    return f"SELECT {columns}, count(*) AS cases FROM ({binned(rollup, where)}) GROUP BY ALL", {**params, **frame}


def dropped_rollups(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The rollups not kept (``KeepRule``), with the rows of ``cases`` when that was decided."""
    return dict(con.execute("SELECT table_name, source_rows FROM rollup_dropped").fetchall())


def _write_or_drop(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: tuple[str, dict],
    days: tuple[str, dict] | None,
    *,
    estimate: int,
    keep: KeepRule,
    cases: int,
    source_rows: int | None = None,
    counter: RowCounter | None = None,
) -> tuple[int, int] | None:
    """Replace ``table``'s rows on ``days`` (``(where, params)`` over its ``day``; None: all) with ``rows``, or
    empty it and record it in ``rollup_dropped`` when it would not be worth keeping.

    ``estimate``: about how many rows ``rows`` holds (``_estimates``), so that a rollup not kept costs
    a distinct count, not its aggregation and write. ``counter``: counts ``rows`` elsewhere (Spark) once the
    rollup is kept. Returns the rows written and the rows the table holds
    after, or None when it was dropped.
    """
    where, params = days if days is not None else ("TRUE", {})
    kept_elsewhere = 0 if days is None else count(con, f"SELECT count(*) FROM {table} WHERE NOT ({where})", params)
    if not keep.keeps(estimate + kept_elsewhere, cases, source_rows):
        con.execute(f"DELETE FROM {table}")
        con.execute(
            "INSERT OR REPLACE INTO rollup_dropped VALUES ($t, $cases, $rows)",
            {"t": table, "cases": cases, "rows": estimate + kept_elsewhere},
        )
        return None
    con.execute(f"DELETE FROM {table} WHERE {where}", params)
    if counter is not None:
        rows = counter(con, rows)
    # stored in day order, so a day range skips row groups by their min/max
    new = count(con, f"INSERT INTO {table} BY NAME {rows[0]} ORDER BY day", rows[1])
    con.execute("DELETE FROM rollup_dropped WHERE table_name = $t", {"t": table})
    return new, new + kept_elsewhere


def _estimates(con: duckdb.DuckDBPyConnection, keys: dict[str, str], params: dict) -> dict[str, int]:
    """About how many rows each relation of ``keys`` (name → SQL of one column ``k``, the hash of its key
    columns) holds: HyperLogLog distinct counts (a few per cent off), all in one query."""
    if not keys:
        return {}
    columns = ", ".join(f"(SELECT approx_count_distinct(k) FROM ({sql}))" for sql in keys.values())
    values = con.execute(f"SELECT {columns}", params).fetchall()[0]
    return {name: int(v) for name, v in zip(keys, values, strict=True)}


def _case_keys(rollup: CaseRollup, where: str) -> str:
    dimensions = ", ".join(f"c.{name}" for name in rollup.dimensions)
    return f"SELECT hash(CAST(c.reported_at AS DATE), {dimensions}) AS k FROM {CASES_WITH_DUPLICATE} c WHERE {where}"


def _bin_keys(rollup: BinRollup, where: str) -> str:
    return f"SELECT hash({', '.join(['day', *rollup.dimensions, *rollup.keys])}) AS k FROM ({binned(rollup, where)})"


def rejudged(dropped: dict[str, int], table: str, cases: int) -> bool | None:
    """For a dropped rollup: True when it is due to be judged again, built whole (``cases`` has doubled since
    it was dropped); None for a rollup that is kept."""
    if table not in dropped:
        return None
    return cases >= 2 * dropped[table]


def count(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> int:
    return int(con.execute(sql, params or {}).fetchall()[0][0])


def bin_frames(con: duckdb.DuckDBPyConnection, sizes: dict[str, float]) -> dict[str, dict[str, float]]:
    """The bound frame parameters of each bin kind: the grids' origin and the size (empty: no grids)."""
    origin = bins.origin_of(con.execute(bins.GRID_ORIGIN_SQL).fetchall()[0])
    if origin is None:
        return {}
    return {kind: {**bins.frame_params(origin), bins.BIN_KINDS[kind]: size} for kind, size in sizes.items()}


def stale_bin_kinds(con: duckdb.DuckDBPyConnection, frames: dict[str, dict[str, float]]) -> set[str]:
    """The bin kinds whose stored frame differs from ``frames`` (those rollups must be rebuilt entirely)."""
    stored = {
        kind: (size, lon0, lat0)
        for kind, size, lon0, lat0 in con.execute("SELECT kind, size_m, lon0, lat0 FROM case_bin_frame").fetchall()
    }
    wanted = {kind: (f[bins.BIN_KINDS[kind]], f["lon0"], f["lat0"]) for kind, f in frames.items()}
    return {kind for kind in bins.BIN_KINDS if stored.get(kind) != wanted.get(kind)}


def _kept_source(rollup: CaseRollup, kept: dict[str, int]) -> str | None:
    """The nearest rollup ``rollup`` can be summed from among those ``kept``: its source, else that one's
    source …; None: count ``cases``."""
    by_table = {r.table: r for r in CASE_ROLLUPS}
    source = rollup.source
    while source is not None and source not in kept:
        source = by_table[source].source
    return source


#: Counts a rollup's rows elsewhere: given the connection and the ``(sql, params)`` of its rows counted from
#: ``cases`` (``_case_rollup_rows``), returns the ``(sql, params)`` that reads the rows it counted (the Spark
#: engine: ``etl.spark_engine.SparkCounter``). None: DuckDB counts them in the insert.
RowCounter = Callable[[duckdb.DuckDBPyConnection, tuple[str, dict]], tuple[str, dict]]


def _refresh_case_rollups(
    con: duckdb.DuckDBPyConnection,
    first_day: dt.date | None,
    last_day: dt.date | None,
    keep: KeepRule,
    counter: RowCounter | None = None,
) -> dict[str, int]:
    cases = count(con, "SELECT count(*) FROM cases")
    dropped = dropped_rollups(con)
    # dropped ones not due to be judged again are left out; those due are judged over every day
    due = {r.table: rejudged(dropped, r.table, cases) for r in CASE_ROLLUPS}
    estimates = {}
    for whole, span in ((False, (first_day, last_day)), (True, (None, None))):
        where, params = _day_range(*span, "c.reported_at")
        keys = {r.table: _case_keys(r, where) for r in CASE_ROLLUPS if due[r.table] is (True if whole else None)}
        estimates.update(_estimates(con, keys, params))
    rows_now: dict[str, int] = {}  # kept rollups, rows after their refresh
    written = {}
    for rollup in CASE_ROLLUPS:  # in order: a source is rebuilt before the rollups summed from it
        if due[rollup.table] is False:
            continue
        whole = bool(due[rollup.table])
        days = (None, None) if whole else (first_day, last_day)
        source = _kept_source(rollup, rows_now)
        rows = _write_or_drop(
            con,
            rollup.table,
            _case_rollup_rows(rollup, days, source),
            None if whole else _day_range(*days, "day"),
            estimate=estimates[rollup.table],
            keep=keep,
            cases=cases,
            source_rows=rows_now.get(source) if source else None,
            counter=counter if source is None else None,  # those counted from cases: the heavy ones
        )
        if rows is not None:
            rows_now[rollup.table] = rows[1]
        written[rollup.table] = rows[0] if rows else 0
    return written


def _refresh_open(con: duckdb.DuckDBPyConnection, first_day: dt.date | None, last_day: dt.date | None) -> int:
    where, params = _day_range(first_day, last_day, "reported_at")
    con.execute(f"DELETE FROM {OPEN_TABLE} WHERE {where}", params)
    where, params = _day_range(first_day, last_day, "c.reported_at")
    sql = f"INSERT INTO {OPEN_TABLE} BY NAME SELECT * FROM ({open_cases_sql(where)}) ORDER BY reported_at"
    return int(con.execute(sql, params).fetchall()[0][0])


def _refresh_dispatch(con: duckdb.DuckDBPyConnection, first_day: dt.date | None, last_day: dt.date | None) -> int:
    """Rebuild the dispatch rows, and the hand-offs summed from them, of the cases reported on ``first_day`` …
    ``last_day`` (None: every day); the dispatch rows written."""
    days, params = _day_range(first_day, last_day, "day")
    con.execute(f"DELETE FROM {DISPATCH_TABLE} WHERE {days}", params)
    con.execute(f"DELETE FROM {HANDOFF_TABLE} WHERE {days}", params)
    where, case_params = _day_range(first_day, last_day, "c.reported_at")
    sql = f"INSERT INTO {DISPATCH_TABLE} BY NAME SELECT * FROM ({dispatch_rows_sql(where)}) ORDER BY day, case_uid, n"
    written = int(con.execute(sql, case_params).fetchall()[0][0])
    handoffs = handoff_rows_sql(f"(SELECT * FROM {DISPATCH_TABLE} WHERE {days})")
    con.execute(f"INSERT INTO {HANDOFF_TABLE} BY NAME SELECT * FROM ({handoffs}) ORDER BY day, case_uid", params)
    return written


def flow_days(con: duckdb.DuckDBPyConnection, run_ids: Iterable[int]) -> tuple[dt.date, dt.date] | None:
    """The first and last report day of the cases whose workflow the flow loads ``run_ids`` wrote, or None."""
    runs = [int(r) for r in run_ids]
    if not runs:
        return None
    sql = """
        SELECT CAST(min(c.reported_at) AS DATE), CAST(max(c.reported_at) AS DATE) FROM cases c
        WHERE c.case_uid IN (SELECT case_uid FROM case_flow WHERE list_contains($runs, run_id))
    """
    first, last = con.execute(sql, {"runs": runs}).fetchall()[0]
    return None if first is None else (first, last)


def union_days(*spans: tuple[dt.date, dt.date] | None) -> tuple[dt.date, dt.date] | None:
    present = [span for span in spans if span is not None]
    return (min(s[0] for s in present), max(s[1] for s in present)) if present else None


def _whole_months(first: dt.date | None, last: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    """``first``…``last`` widened to whole calendar months (a month row counts all of its days)."""
    if first is not None:
        first = first.replace(day=1)
    if last is not None:
        last = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return first, last


def _refresh_bin_rollups(
    con: duckdb.DuckDBPyConnection,
    sizes: dict[str, float],
    days: tuple[dt.date | None, dt.date | None] | None,
    keep: KeepRule,
) -> dict[str, int]:
    """Rebuild the bin rollups whose frame changed whole, and the others on ``days`` (None: leave them)."""
    frames = bin_frames(con, sizes)
    whole = stale_bin_kinds(con, frames)
    cases = count(con, "SELECT count(*) FROM cases")
    dropped = dropped_rollups(con)
    written = {}
    for rollup in BIN_ROLLUPS:
        due = rejudged(dropped, rollup.table, cases)
        if rollup.kind in whole:
            con.execute(f"DELETE FROM {rollup.table}")
            con.execute("DELETE FROM case_bin_frame WHERE kind = $kind", {"kind": rollup.kind})
            if rollup.kind not in frames:  # no grids: no frame to bin in
                written[rollup.table] = 0
                continue
            frame = frames[rollup.kind]
            written[rollup.table] = _write_bins(con, rollup, None, frame, keep=keep, cases=cases)
            size = frame[bins.BIN_KINDS[rollup.kind]]
            con.execute(
                "INSERT INTO case_bin_frame VALUES ($kind, $size, $lon0, $lat0)",
                {"kind": rollup.kind, "size": size, "lon0": frame["lon0"], "lat0": frame["lat0"]},
            )
        elif due:
            written[rollup.table] = _write_bins(con, rollup, None, frames[rollup.kind], keep=keep, cases=cases)
        elif days is not None and due is None:
            span = days if rollup.grain == "day" else _whole_months(*days)
            written[rollup.table] = _write_bins(con, rollup, span, frames[rollup.kind], keep=keep, cases=cases)
    return written


def _write_bins(
    con: duckdb.DuckDBPyConnection,
    rollup: BinRollup,
    days: tuple[dt.date | None, dt.date | None] | None,
    frame: dict[str, float],
    *,
    keep: KeepRule,
    cases: int,
) -> int:
    """Refresh bin ``rollup`` on ``days`` (None: all) in ``frame``, or drop it; the rows written."""
    where, params = _day_range(*days, "c.reported_at") if days is not None else ("TRUE", {})
    estimate = _estimates(con, {rollup.table: _bin_keys(rollup, where)}, {**params, **frame})[rollup.table]
    rows = _bin_rollup_rows(rollup, where, params, frame)
    day_sql = _day_range(*days, "day") if days is not None else None
    done = _write_or_drop(con, rollup.table, rows, day_sql, estimate=estimate, keep=keep, cases=cases)
    return done[0] if done else 0


def refresh(
    con: duckdb.DuckDBPyConnection,
    sizes: dict[str, float],
    *,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
    keep: KeepRule = KeepRule(),
) -> dict[str, int]:
    """Rebuild every rollup's rows of report days ``first_day``…``last_day`` (inclusive) from ``cases``.

    A missing bound leaves that side open; neither rebuilds every day. ``sizes``: the bin sizes
    (``bin_sizes``). A bin rollup built with another size or origin is rebuilt whole (without grids it is
    emptied). A rollup ``keep`` does not keep is emptied, and after that refreshed only when it is judged
    again (``cases`` doubled). Returns the rows written per table (0 for one not kept). Run it inside the
    load's transaction (``store.writing``) so readers never see a half-refreshed rollup.
    """
    if first_day is not None and last_day is not None and first_day > last_day:
        raise ValueError(f"first_day {first_day} is after last_day {last_day}")
    written = _refresh_case_rollups(con, first_day, last_day, keep)
    written[OPEN_TABLE] = _refresh_open(con, first_day, last_day)
    written[DISPATCH_TABLE] = _refresh_dispatch(con, first_day, last_day)
    written.update(_refresh_bin_rollups(con, sizes, (first_day, last_day), keep))
    if events_stale(con):
        written[EVENT_TABLE] = refresh_camera_events(con)
    record_state(con)
    case_delta.set_counted_run(con)
    case_delta.forget(con)
    return written


def stale_days(con: duckdb.DuckDBPyConnection, run_ids: Iterable[int]) -> tuple[dt.date, dt.date] | None:
    """The first and last report day whose rollups the case loads ``run_ids`` may have changed, or None.

    Those are the days of the rows the runs wrote (inserted or updated rows carry the run's id; unchanged
    rows keep their old one), plus the days an updated case moved away from. The old version of such a row
    is gone, but its old day lost a case and gained none from the run, so its count in ``cases`` no longer
    matches a rollup's: every day on which any rollup's count differs from ``cases`` is included (which also
    repairs a rollup never built, e.g. in a database from before the table existed).
    """
    framed = {kind for (kind,) in con.execute("SELECT kind FROM case_bin_frame").fetchall()}
    dropped = dropped_rollups(con)
    # A bin rollup without a frame (no grids to bin in), or one not kept, holds nothing by design: not compared.
    compared = [
        *(r for r in CASE_ROLLUPS if r.table not in dropped),
        *(r for r in BIN_ROLLUPS if r.kind in framed and r.grain == "day" and r.table not in dropped),
    ]
    monthly = [r for r in BIN_ROLLUPS if r.kind in framed and r.grain == "month" and r.table not in dropped]
    in_rollups = " UNION ALL ".join(
        [f"SELECT day, '{r.table}' AS t, sum(cases) AS n FROM {r.table} GROUP BY 1" for r in compared]
        + [f"SELECT CAST(reported_at AS DATE), '{OPEN_TABLE}', count(*) FROM {OPEN_TABLE} GROUP BY 1"]
    )
    counted = [(r.table, "located" if isinstance(r, BinRollup) else "n") for r in compared]
    tables = ", ".join(f"('{table}', '{measure}')" for table, measure in [*counted, (OPEN_TABLE, "open")])
    # Month rollups: compared per month; a month that differs is stale from its first to its last day.
    months = (
        " UNION ALL ".join(
            f"SELECT m.day, '{r.table}' AS t, m.n, k.n AS held FROM in_months m "
            f"FULL JOIN (SELECT day, sum(cases) AS n FROM {r.table} GROUP BY 1) k USING (day)"
            for r in monthly
        )
        or "SELECT NULL::DATE AS day, NULL AS t, 0 AS n, 0 AS held"
    )
    sql = f"""
        WITH written AS (
            SELECT CAST(min(reported_at) AS DATE) AS first, CAST(max(reported_at) AS DATE) AS last
            FROM cases WHERE list_contains($runs, run_id)
        ), in_cases AS (
            SELECT CAST(reported_at AS DATE) AS day, count(*) AS n,
                   count(lon) FILTER (WHERE lat IS NOT NULL) AS located,
                   count(*) FILTER (WHERE {OPEN_SQL}) AS open
            FROM cases c GROUP BY 1
        ), expected AS (
            SELECT k.day, t.name AS t,
                   CASE t.measure WHEN 'located' THEN k.located WHEN 'open' THEN k.open ELSE k.n END AS n
            FROM in_cases k, (VALUES {tables}) AS t(name, measure)
        ), in_rollups AS ({in_rollups}
        ), moved AS (
            SELECT min(day) AS first, max(day) AS last
            FROM expected e FULL JOIN in_rollups r USING (day, t)
            WHERE coalesce(e.n, 0) IS DISTINCT FROM coalesce(r.n, 0)
        ), in_months AS (
            SELECT CAST(date_trunc('month', day) AS DATE) AS day, sum(located) AS n FROM in_cases GROUP BY 1
        ), moved_months AS (
            SELECT min(day) AS first, CAST(max(day) + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) AS last
            FROM ({months}) WHERE coalesce(n, 0) IS DISTINCT FROM coalesce(held, 0)
        )
        SELECT least(written.first, moved.first, moved_months.first),
               greatest(written.last, moved.last, moved_months.last)
        FROM written, moved, moved_months
    """
    first, last = con.execute(sql, {"runs": [int(r) for r in run_ids]}).fetchall()[0]
    return None if first is None else (first, last)


def refresh_after_loads(
    con: duckdb.DuckDBPyConnection,
    run_ids: Iterable[int],
    sizes: dict[str, float],
    *,
    events_loaded: bool = False,
    flow_runs: Iterable[int] = (),
    keep: KeepRule = KeepRule(),
    also_days: tuple[dt.date, dt.date] | None = None,
    counter: RowCounter | None = None,
) -> tuple[dt.date, dt.date] | None:
    """Refresh the rollups for the days the case loads ``run_ids`` changed; return that range (None: nothing).

    Loading the same file again writes no rows, so it refreshes no day; bin rollups whose size or origin
    changed (new settings, a grid load moving the extent) are rebuilt whole either way. ``events_loaded``:
    camera events were loaded, so ``camera_event_daily`` is rebuilt (also whenever its count is off).
    ``also_days``: more days to refresh, e.g. those where reports became or ceased to be further reports of an
    incident (``etl.fusion``), which leaves every day's count as it was. ``flow_runs``: workflow loads, whose
    cases' days the open cases and the dispatches are refreshed for (the dispatches are rebuilt whole when they
    were never built, e.g. after an upgrade). ``counter``: where the case rollups counted from ``cases`` are
    counted (None: DuckDB; the Spark engine's ``SparkCounter``).
    """
    recorded = {t for (t,) in con.execute("SELECT table_name FROM rollup_state").fetchall()}
    built = {DISPATCH_TABLE, HANDOFF_TABLE} <= recorded
    days = union_days(stale_days(con, run_ids), also_days)
    if days is not None:
        _refresh_case_rollups(con, *days, keep, counter)
    _refresh_bin_rollups(con, sizes, days, keep)
    span = union_days(days, flow_days(con, flow_runs))
    if span is not None:
        _refresh_open(con, *span)
    if not built:
        _refresh_dispatch(con, None, None)
    elif span is not None:
        _refresh_dispatch(con, *span)
    if events_loaded or events_stale(con):
        refresh_camera_events(con)
    record_state(con)
    case_delta.set_counted_run(con)
    case_delta.forget(con)
    return days


def refresh_camera_events(con: duckdb.DuckDBPyConnection) -> int:
    """Rebuild ``camera_event_daily`` (alarms per day, camera, scene and class) whole; return its rows.

    A keyed load may change alarms in place (a false positive marked), so it is rebuilt rather than patched:
    ~1 s for 2M alarms.
    """
    con.execute(f"DELETE FROM {EVENT_TABLE}")
    sql = f"""
        INSERT INTO {EVENT_TABLE}
        SELECT CAST(captured_at AS DATE) AS day, camera_id, scene_code, category_code, count(*) AS events,
               count(*) FILTER (WHERE is_false_positive) AS false_positives, count(*) FILTER (WHERE pushed) AS pushed
        FROM camera_event GROUP BY ALL ORDER BY day
    """
    return int(con.execute(sql).fetchall()[0][0])


def events_stale(con: duckdb.DuckDBPyConnection) -> bool:
    sql = f"SELECT (SELECT count(*) FROM camera_event) <> (SELECT coalesce(sum(events), 0) FROM {EVENT_TABLE})"
    return bool(con.execute(sql).fetchall()[0][0])


def record_state(con: duckdb.DuckDBPyConnection) -> None:
    """Record every rollup as refreshed against the current rows of its source (table ``rollup_state``)."""
    con.execute("DELETE FROM rollup_state")
    dropped = dropped_rollups(con)  # not recorded: the dashboard reads another rollup, or cases
    kept = [r.table for r in (*CASE_ROLLUPS, *BIN_ROLLUPS) if r.table not in dropped]
    tables = [(t, "cases") for t in (*kept, OPEN_TABLE)]
    # the dispatches come from the cases and their workflow: the rows of both (``queries.source.fresh_rollups``)
    flows = [(DISPATCH_TABLE, "cases+case_flow"), (HANDOFF_TABLE, "cases+case_flow")]
    for table, source in [*tables, *flows, (EVENT_TABLE, "camera_event")]:
        rows = " + ".join(f"(SELECT count(*) FROM {part})" for part in source.split("+"))
        counts = f"{rows}, (SELECT count(*) FROM {table})"
        con.execute(f"INSERT INTO rollup_state SELECT $t, $s, {counts}", {"t": table, "s": source})

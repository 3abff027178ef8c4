"""Scale a OneMap database up for the province-scale dashboard benchmark (issue 18): more cases and camera alarms
on the same days and in the same places, with every derived table rebuilt by the project's own code.

    nice -n 19 .venv/bin/python benchmarks/scale_db.py --src /work/bench/onemap10m_new/onemap.duckdb \\
        --out /work/bench/onemap50m/onemap.duckdb --factor 5 --events 50000000

``--src`` is only read: the work is done on a copy, ``OUT.part``, renamed to ``OUT`` once every step succeeded
and deleted when one fails. DuckDB keeps within ``--memory-limit`` and spills to ``OUT.tmp`` (or a folder in
``--temp-dir``: the rollups' refresh spilled over 6 GB at 50M cases with a 6 GB limit).

1. ``cases``: every case ``--factor`` times. Copy k (1 … factor-1) gets the source id ``<source_id>-R<k>`` and so
   its own ``case_uid``; every other column is kept (place, grids, times, state, department, ``run_id``), so
   every day holds ``factor`` times its cases, where they were. The copies follow their originals' order (the
   table stays as time-ordered as the loads left it).
2. ``camera_event``: every alarm copied until there are at least ``--events`` alarms (at least ``--factor``
   times): copy k gets the event id ``<event_id>-R<k>``, and an alarm that became a case points at copy
   ``k mod factor`` of that case, so each case copy has alarms of its own.
3. ``case_incident``: the copies fused as the rule fuses them (``fuse_copies``). A copy has its original's place,
   time and class and sorts right after it, so it is a further report of its original's incident (of the
   original itself when that was an incident of one), and every original keeps its status: each incident holds
   ``--factor`` times its reports. (Left unfused, the stored incidents would disagree with the rule, and the
   first load's incremental update, reading the places around its new cases, would find every copy there
   changed and widen its window until it ran out of memory.)
4. The derived tables rebuilt from scratch, as a load would: the incidents brought up to date
   (``etl.fusion.update``: nothing written since), every rollup, the open cases and the dispatches
   (``etl.rollups.refresh`` over all days, with the settings' bin sizes and keep rule), then the camera loop
   (``etl.camera_loop.refresh(whole=True)``).

With ``--spread D`` (whole degrees) the copies are a province's further cities instead: copy k lies ``k·D`` degrees
west of its original (its grid codes kept, so it lies outside its grid's outline), and in step 3 the copies of an
incident form an incident of their own, the original's moved (``_translate_incidents``). Every place then holds the
source's cases, as each city of a province holds its own: the database for the ingest benchmark at province scale
(`bench_ingest.py`), whose cost follows the reports around its new cases. Without it every place holds ``factor``
times its cases: the heavier case for the dashboard's queries, which read a city's area.

Limits (what stays at the source's scale):
- ``case_flow`` is not copied (80M rows at 10M cases): the copies have no workflow, so ``case_dispatch`` and
  ``case_handoff`` hold the originals' dispatches only, and whatever reads ``case_flow`` sees the source's rows.
- ``case_incident``: every located, classified case is in an incident of at least ``--factor`` reports, its
  copies; counts by incident see the source's incidents. A province's further cases would be incidents of their
  own more often.
- No new place, grid, camera, channel or day: every rollup keeps the source's keys, only its counts grow. A
  province's dozen cities would multiply the keys too (and so the rollups' rows); see docs/performance.md.
- Grids, cameras, dictionaries, rejected rows and the run log are left as they are.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.catalog import INCIDENT_CASE_COLUMNS, INCIDENT_TABLE  # noqa: E402
from etl import camera_loop, fusion, rollups, schema, store  # noqa: E402
from etl.load_cases import UID_KEY_SQL  # noqa: E402
from settings import Settings, load_settings  # noqa: E402

#: Suffix of a copy's source id and event id, followed by the copy's number.
SUFFIX = "-R"


def event_factor(events: int, target: int, factor: int) -> int:
    """How many times to hold each of ``events`` alarms: enough for ``target`` rows, and at least ``factor``."""
    if events <= 0:
        return factor
    return max(factor, math.ceil(target / events))


def _log(step: str, started: float, detail: str = "") -> None:
    print(f"{step:<34} {time.perf_counter() - started:8.1f} s  {detail}", flush=True)


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0])


def _check_free(con: duckdb.DuckDBPyConnection, table: str, column: str) -> None:
    """Refuse a table already holding copies (a copy's id would collide with an existing one)."""
    pattern = f"{SUFFIX}[0-9]+$"
    taken = _count(con, f"SELECT count(*) FROM {table} WHERE regexp_matches({column}, '{pattern}')")
    if taken:
        raise SystemExit(f"{table}.{column}: {taken:,} ids already end in {SUFFIX}<n>: scaled before? use the original")


#: The least ``--spread``: a degree (~85–110 km east–west in China) is farther than any family's distance and
#: its fusion cells.
MIN_SPREAD = 1.0


def _check_spread(con: duckdb.DuckDBPyConnection, factor: int, spread: float) -> None:
    """Refuse a spread that would move a copy out of [64°, 128°) east, where moving by whole degrees is exact."""
    low, high = con.execute("SELECT min(lon), max(lon) FROM cases").fetchall()[0]
    if low is not None and (low - (factor - 1) * spread < 64 or high >= 128):
        raise SystemExit(f"--spread {spread}: cases at {low}–{high}° east would leave [64°, 128°) when moved")


def _copy_rows(con: duckdb.DuckDBPyConnection, table: str, copies: int, replace: str) -> int:
    """Append ``copies - 1`` copies of every row of ``table`` (``replace``: the columns a copy changes, as a
    ``* REPLACE`` list over ``t`` and the copy number ``k``); the rows after, checked against the rows before."""
    before = _count(con, f"SELECT count(*) FROM {table}")
    if copies > 1:
        # range() is the smaller side of the cross product: each chunk of originals is followed by its copies.
        con.execute(f"INSERT INTO {table} SELECT t.* REPLACE ({replace}) FROM {table} t, range(1, {copies}) r(k)")
    after = _count(con, f"SELECT count(*) FROM {table}")
    if after != before * copies:
        raise SystemExit(f"{table}: {after:,} rows after copying, expected {before * copies:,}")
    return after


def scale_cases(con: duckdb.DuckDBPyConnection, factor: int, spread: float = 0.0) -> int:
    """Copy every case (step 1); with ``spread``, copy k ``k * spread`` degrees west of its original."""
    _check_free(con, "cases", "source_id")
    new_id = f"t.source_id || '{SUFFIX}' || k"
    uid = f"t.source || ':' || {new_id}"
    replace = f"{uid} AS case_uid, {new_id} AS source_id, {UID_KEY_SQL.format(uid=uid)} AS uid_key"
    if spread:
        replace += f", t.lon - k * {float(spread)!r} AS lon"
    return _copy_rows(con, "cases", factor, replace)


def scale_events(con: duckdb.DuckDBPyConnection, copies: int, factor: int) -> int:
    _check_free(con, "camera_event", "event_id")
    case = f"CASE WHEN k % {factor} = 0 THEN t.case_uid ELSE t.case_uid || '{SUFFIX}' || (k % {factor}) END"
    return _copy_rows(con, "camera_event", copies, f"t.event_id || '{SUFFIX}' || k AS event_id, {case} AS case_uid")


def fuse_copies(con: duckdb.DuckDBPyConnection, factor: int, spread: float = 0.0) -> int:
    """Make ``case_incident`` what the fusion rule gives over the copies (step 3 of the module's text), stored in
    report order as the ETL stores it; its rows after."""
    if factor > 1 and spread:
        _translate_incidents(con, factor, spread)
    elif factor > 1:
        copied = ", ".join(f"c.{name}" for name in INCIDENT_CASE_COLUMNS)
        con.execute(
            f"""CREATE TABLE scale_fused AS
                WITH lone AS (
                    SELECT c.case_uid, c.case_uid AS incident_id, true AS is_lead,
                           coalesce(fc.family, 'class:' || c.category_code) AS family, 1 AS reports,
                           c.channel AS channels, {copied}
                    FROM cases c LEFT JOIN fusion_class fc ON fc.category_code = c.category_code
                    WHERE {fusion.ELIGIBLE_SQL} AND NOT regexp_matches(c.source_id, '{SUFFIX}[0-9]+$')
                      AND c.case_uid NOT IN (SELECT case_uid FROM {INCIDENT_TABLE})
                ),
                originals AS (SELECT * FROM {INCIDENT_TABLE} UNION ALL BY NAME SELECT * FROM lone)
                SELECT o.* REPLACE (
                    o.case_uid || CASE WHEN k = 0 THEN '' ELSE '{SUFFIX}' || k END AS case_uid,
                    o.is_lead AND k = 0 AS is_lead, o.reports * {factor} AS reports)
                FROM originals o, range({factor}) r(k)"""
        )
        con.execute(f"DELETE FROM {INCIDENT_TABLE}")
        con.execute(f"INSERT INTO {INCIDENT_TABLE} BY NAME SELECT * FROM scale_fused ORDER BY reported_at, case_uid")
        con.execute("DROP TABLE scale_fused")
    return _count(con, f"SELECT count(*) FROM {INCIDENT_TABLE}")


def _translate_incidents(con: duckdb.DuckDBPyConnection, factor: int, spread: float) -> None:
    """Copy k of every incident, ``k * spread`` degrees west: the rule's result over copies that far apart.

    A copy is its original moved west by whole degrees, which leaves every distance and time between reports,
    their order and their classes as they were (in [64°, 128°) a double moved by a whole degree is exact), and
    ``spread`` keeps the copies of a place farther apart than any family's distance: the copies of an incident are
    an incident of their own, led by the copy of its lead.
    """
    moved = f"o.lon - k * {float(spread)!r}"
    con.execute(
        f"""CREATE TABLE scale_fused AS
            SELECT * FROM {INCIDENT_TABLE}
            UNION ALL BY NAME
            SELECT o.* REPLACE (o.case_uid || '{SUFFIX}' || k AS case_uid,
                                o.incident_id || '{SUFFIX}' || k AS incident_id, {moved} AS lon)
            FROM {INCIDENT_TABLE} o, range(1, {factor}) r(k)"""
    )
    con.execute(f"DELETE FROM {INCIDENT_TABLE}")
    con.execute(f"INSERT INTO {INCIDENT_TABLE} BY NAME SELECT * FROM scale_fused ORDER BY reported_at, case_uid")
    con.execute("DROP TABLE scale_fused")


def rebuild_derived(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """The derived tables after the copies, in the order a load refreshes them (``etl.api``)."""
    started = time.perf_counter()
    fused = fusion.update(con, settings)
    _log("incidents (fusion.update)", started, f"{fused.mode}, {fused.incidents:,} incidents written")
    started = time.perf_counter()
    written = rollups.refresh(con, rollups.bin_sizes(settings), keep=rollups.keep_rule(settings))
    _log("rollups.refresh (all days)", started, ", ".join(f"{t} {n:,}" for t, n in written.items()))
    started = time.perf_counter()
    rows = camera_loop.refresh(con, [], whole=True)
    _log("camera_loop.refresh(whole)", started, f"{rows:,} rows")


def build(
    src: Path,
    out: Path,
    factor: int,
    events: int,
    memory_limit: str,
    settings: Settings,
    spread: float = 0.0,
    temp_dir: Path | None = None,
) -> None:
    if factor < 1:
        raise SystemExit(f"--factor must be at least 1, not {factor}")
    if spread and (spread != int(spread) or spread < MIN_SPREAD):
        raise SystemExit(f"--spread must be a whole number of degrees, at least {MIN_SPREAD}, not {spread}")
    if not src.is_file():
        raise SystemExit(f"--src {src}: no such database file")
    if out.exists():
        raise SystemExit(f"--out {out} exists: delete it first (this script never overwrites a database)")
    out.parent.mkdir(parents=True, exist_ok=True)
    part, spill = out.with_name(out.name + ".part"), (temp_dir or out.parent) / (out.name + ".tmp")
    started = time.perf_counter()
    shutil.copyfile(src, part)
    _log("copy", started, f"{part.stat().st_size / 1e9:.2f} GB")
    con = duckdb.connect(str(part), config={"memory_limit": memory_limit, "temp_directory": str(spill)})
    try:
        schema.migrate(con)  # the copies are made in the current schema (e.g. 0007's uid_key)
        started = time.perf_counter()
        if spread:
            _check_spread(con, factor, spread)
        cases = scale_cases(con, factor, spread)
        _log(f"cases x{factor}", started, f"{cases:,} rows")
        started = time.perf_counter()
        copies = event_factor(_count(con, "SELECT count(*) FROM camera_event"), events, factor)
        alarms = scale_events(con, copies, factor)
        _log(f"camera_event x{copies}", started, f"{alarms:,} rows")
        started = time.perf_counter()
        _log("copies fused (case_incident)", started, f"{fuse_copies(con, factor, spread):,} rows")
        rebuild_derived(con, settings)
        started = time.perf_counter()
        con.execute("CHECKPOINT")
        _log("checkpoint", started)
    except BaseException:
        con.close()
        store.remove_database(part)
        raise
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    part.replace(out)
    print(f"{out}: {out.stat().st_size / 1e9:.2f} GB", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", type=Path, required=True, help="the database to scale (only read)")
    parser.add_argument("--out", type=Path, required=True, help="the scaled database to write (must not exist)")
    parser.add_argument("--factor", type=int, default=5, help="copies of every case, the original included")
    parser.add_argument("--events", type=int, default=50_000_000, help="at least this many camera alarms")
    parser.add_argument("--memory-limit", default="8GB", help="DuckDB's memory_limit (default 8GB)")
    parser.add_argument(
        "--spread",
        type=float,
        default=0.0,
        help="put copy k k·SPREAD whole degrees west of its original (a province's further cities); default 0: "
        "every copy where its original is",
    )
    parser.add_argument("--temp-dir", type=Path, help="where DuckDB spills (default: beside --out)")
    args = parser.parse_args(argv)
    build(args.src, args.out, args.factor, args.events, args.memory_limit, load_settings(), args.spread, args.temp_dir)


if __name__ == "__main__":
    main()

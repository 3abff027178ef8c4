"""What the loads of one commit changed in ``cases``, as the rollups had counted it: the delta they are updated by.

The rollups (``etl/rollups.py``) count ``cases`` per day and dimensions, ``duplicate`` (a further report of an
incident, ``etl/fusion.py``) among them. A commit changes those counts in three ways, each recorded here as it
happens, in temporary tables of the load's connection (gone with it, and with a rollback):

* rows written: every row a case load inserts or updates carries its run's id, so the rows written since the
  rollups were last refreshed are ``run_id > <counted run>`` (``schema_meta``, ``COUNTED_RUN``);
* rows replaced: the old version of an updated case, deleted by the load (``record_retired``, just before the
  delete, with the ``duplicate`` flag the rollups counted it with);
* flags flipped: cases not written whose ``duplicate`` flag the incident update changed (``record_flips``).

So the rollups can add what was written, subtract what was replaced and move what flipped, at a cost that
follows the changed rows, instead of recounting every case of the days touched.
"""

from __future__ import annotations

import duckdb

from core.catalog import INCIDENT_TABLE

#: ``schema_meta`` key: the last run whose case rows the rollups count.
COUNTED_RUN = "rollups_counted_run"
#: Temporary table: old versions of cases replaced in this commit, as counted (``cases`` columns + ``duplicate``).
RETIRED = "_retired_cases"
#: Temporary table: ids of cases whose ``duplicate`` flag this commit's incident update flipped.
FLIPPED = "_duplicate_flips"


def counted_run(con: duckdb.DuckDBPyConnection) -> int | None:
    """The last run the rollups count (None: unknown, e.g. a database from before the delta was kept)."""
    row = con.execute("SELECT value FROM schema_meta WHERE key = ?", [COUNTED_RUN]).fetchall()
    return int(row[0][0]) if row else None


def set_counted_run(con: duckdb.DuckDBPyConnection) -> None:
    """Record that the rollups now count every run so far (the latest in ``etl_run``)."""
    latest = con.execute("SELECT coalesce(max(run_id), 0) FROM etl_run").fetchall()[0][0]
    con.execute("INSERT OR REPLACE INTO schema_meta VALUES ($key, $value)", {"key": COUNTED_RUN, "value": str(latest)})


def record_retired(con: duckdb.DuckDBPyConnection, run_id: int, rows: list[int]) -> None:
    """Keep the versions of cases that run ``run_id`` is about to delete (``rows``: their row ids, found just
    before) and that the rollups count (written before the counted run), with their ``duplicate`` flag. Call it
    right before the delete."""
    counted = counted_run(con)
    retired_table(con)
    if not rows:
        return
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _old AS SELECT * FROM cases WHERE rowid IN (SELECT unnest($rows::BIGINT[]))"
        " AND run_id < $run AND run_id <= $counted",
        {"rows": rows, "run": run_id, "counted": -1 if counted is None else counted},
    )
    sql, params = with_duplicate(con, "_old")
    con.execute(f"INSERT INTO {RETIRED} BY NAME {sql}", params)
    con.execute("DROP TABLE _old")


def with_duplicate(con: duckdb.DuckDBPyConnection, table: str) -> tuple[str, dict]:
    """``(sql, params)`` of the rows of ``table`` (a temporary table of a few rows of ``cases``) with their
    ``duplicate`` flag (``core.catalog.DUPLICATE_SQL``), read at a cost that follows those rows.

    An incident row copies its report's ``reported_at``, and the incidents are stored in report order: so only
    the row groups of the reports' time span are read, probed with the few ids (``DUPLICATE_SQL``'s ``IN`` over
    every further report hashes them all: ~0.5 s at 10M cases)."""
    first, last = con.execute(f"SELECT min(reported_at), max(reported_at) FROM {table}").fetchall()[0]
    further = (
        f"SELECT i.case_uid FROM {INCIDENT_TABLE} i WHERE NOT i.is_lead"
        " AND i.reported_at BETWEEN $first_reported AND $last_reported"
        f" AND i.case_uid IN (SELECT case_uid FROM {table})"
    )
    sql = f"SELECT c.*, c.case_uid IN ({further}) AS duplicate FROM {table} c"
    return sql, {"first_reported": first, "last_reported": last}


def retired_table(con: duckdb.DuckDBPyConnection) -> str:
    """``RETIRED``, created empty when no load of this commit replaced a case."""
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {RETIRED} AS SELECT *, false AS duplicate FROM cases LIMIT 0")
    return RETIRED


def record_flips(con: duckdb.DuckDBPyConnection, before: str, after: str) -> None:
    """Keep the cases whose ``duplicate`` flag changed: in exactly one of ``before`` and ``after`` (SQL of
    relations with ``case_uid`` and ``reported_at``: the further reports among the incident rows replaced, and
    among those written). Called once per window of the incident update; ``flipped_sql`` nets them."""
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {FLIPPED} (case_uid VARCHAR, reported_at TIMESTAMP)")
    con.execute(
        f"INSERT INTO {FLIPPED} (SELECT case_uid, reported_at FROM {before}"
        f" EXCEPT SELECT case_uid, reported_at FROM {after})"
        f" UNION (SELECT case_uid, reported_at FROM {after} EXCEPT SELECT case_uid, reported_at FROM {before})"
    )


def flipped_sql() -> str:
    """SQL of the ids of the cases whose flag this commit flipped: listed an odd number of times in ``FLIPPED``.
    The incident update may flip a case in one window and back in a later one of the same commit (each window
    starts from what the ones before stored, and a later window's change can reach a report an earlier one
    decided); such a case is counted as it was."""
    return f"SELECT case_uid FROM {FLIPPED} GROUP BY case_uid HAVING count(*) % 2 = 1"


def exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether temporary table ``table`` was recorded on this connection."""
    sql = "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?"
    return bool(con.execute(sql, [table]).fetchall()[0][0])


def forget(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what was recorded (after the rollups took it in)."""
    for table in (RETIRED, FLIPPED):
        con.execute(f"DROP TABLE IF EXISTS {table}")

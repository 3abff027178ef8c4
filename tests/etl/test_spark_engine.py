"""The Spark engine gives the DuckDB engine's results on the demo city: the same cases (by key and row hash, every
column), the same rejected rows and reasons, the same rollups. Needs pyspark and Java: skipped on a workstation
without them, failed in CI (``CI=true``), where ``scripts/test.sh`` installs both."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.catalog import BIN_ROLLUPS, CASE_ROLLUPS
from demo import build_demo
from etl.spark_engine import check_engine, java_available

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
END = dt.date(2026, 11, 20)
#: Columns that say when and in which run a row was written, not what it holds.
WHEN = {"loaded_at", "started_at", "finished_at", "taken_at", "computed_at", "refreshed_at"}


def _needs_spark() -> None:
    missing = [
        what for what, ok in (("pyspark", importlib.util.find_spec("pyspark")), ("java", java_available())) if not ok
    ]
    if missing:
        message = f"the spark engine's test needs {' and '.join(missing)} (scripts/test.sh installs them)"
        if IN_CI:
            pytest.fail(f"CI=true but {message}")
        pytest.skip(message)


def table(db: Path, name: str, order: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        frame = con.execute(f"SELECT * FROM {name} ORDER BY {order}").df()
    return frame.drop(columns=[c for c in frame.columns if c in WHEN])


@pytest.fixture(scope="module")
def both(tmp_path_factory) -> tuple[Path, Path]:
    _needs_spark()
    from settings import Settings

    root = tmp_path_factory.mktemp("engines")
    dbs = []
    for engine in ("duckdb", "spark"):
        settings = Settings(db_path=root / engine / "onemap.duckdb", engine=engine, spark_master="local[2]")
        build_demo(settings, cases=4000, days=60, seed=11, out_dir=root / "files", end=END)
        dbs.append(settings.db_path)
    from etl.spark_engine import session

    assert session.cache_info().currsize == 1  # the spark build really ran on Spark
    views = {t.name for t in session("local[2]").catalog.listTables()}
    assert "cases_0" in views  # and its rollups were counted there (etl.spark_engine.SparkCounter)
    return dbs[0], dbs[1]


def test_the_same_cases_by_key_and_row_hash(both) -> None:
    duck, spark = (table(db, "cases", "source, source_id") for db in both)
    assert len(duck) > 3000
    pd.testing.assert_frame_equal(duck[["source", "source_id", "row_hash"]], spark[["source", "source_id", "row_hash"]])
    pd.testing.assert_frame_equal(duck, spark)  # every prepared column: grids, coordinates, deadlines, flags


def test_the_same_rejected_rows_and_reasons(both) -> None:
    duck, spark = (table(db, "rejected_row", "run_id, row_number") for db in both)
    assert len(duck) > 0
    pd.testing.assert_frame_equal(duck, spark)


@pytest.mark.parametrize("name", [r.table for r in CASE_ROLLUPS] + [r.table for r in BIN_ROLLUPS])
def test_the_same_rollups(both, name: str) -> None:
    with duckdb.connect(str(both[0]), read_only=True) as con:
        columns = [row[0] for row in con.execute(f"DESCRIBE {name}").fetchall()]
    duck, spark = (table(db, name, ", ".join(columns)) for db in both)
    assert len(duck) > 0
    pd.testing.assert_frame_equal(duck, spark)


def test_the_run_log_counts_agree(both) -> None:
    columns = "run_id, entity, source, rows_read, rows_loaded, rows_rejected, rows_inserted, rows_updated, flagged"
    duck, spark = (table(db, f"(SELECT {columns} FROM etl_run)", "run_id") for db in both)
    pd.testing.assert_frame_equal(duck, spark)


def test_an_unknown_engine_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="unknown engine 'hadoop'; valid: duckdb, spark"):
        check_engine("hadoop")


def test_the_catalogs_rollup_sql_in_sparks_dialect() -> None:
    from core.measures import CONSTANTS
    from etl.rollups import _case_rollup_rows
    from etl.spark_engine import spark_sql

    sql, params = _case_rollup_rows(CASE_ROLLUPS[0], (dt.date(2026, 11, 1), dt.date(2026, 11, 20)), None)
    spark = spark_sql(sql, params)
    assert "$" not in spark and "list_contains" not in spark
    satisfied = "array(" + ", ".join(f"'{v}'" for v in CONSTANTS["satisfied"]) + ")"
    assert f"array_contains({satisfied}, c.satisfaction)" in spark
    assert "c.reported_at >= DATE '2026-11-01' AND c.reported_at < DATE '2026-11-21'" in spark
    with pytest.raises(ValueError, match="a parameter of the rollup SQL has no value"):
        spark_sql("SELECT $missing", {})


def test_literals_are_quoted_for_spark() -> None:
    from etl.spark_engine import _literal

    assert _literal("it's a \\ path") == "'it\\'s a \\\\ path'"
    assert _literal(dt.datetime(2026, 1, 2, 3, 4)) == "TIMESTAMP_NTZ '2026-01-02 03:04:00'"
    assert _literal([1, True]) == "array(1, true)"


def test_the_export_for_spark_streams_every_row_into_its_partition(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.dataset as pads
    import pyarrow.parquet as pq

    from etl.spark_engine import export_partitioned

    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT i, CASE WHEN i % 7 = 0 THEN NULL ELSE '2026-0' || (1 + i % 3) END AS month,"
        " CASE WHEN i % 5 = 0 THEN '_' ELSE '34010' || (i % 2) END AS district, (i * 1.5)::DOUBLE AS x"
        " FROM range(1000) r(i)"
    )
    folder = tmp_path / "cases_0"
    assert export_partitioned(con, "SELECT * FROM t", folder, ("month", "district"), batch_rows=64) == 1000

    keys = pads.partitioning(pa.schema([("month", pa.string()), ("district", pa.string())]), flavor="hive")
    back = pads.dataset(folder, format="parquet", partitioning=keys).to_table().to_pandas()
    expected = con.execute("SELECT * FROM t ORDER BY i").df()
    pd.testing.assert_frame_equal(back.sort_values("i", ignore_index=True)[list(expected.columns)], expected)
    assert len(list(folder.glob("month=*/district=*/part-0.parquet"))) == 4 * 3  # 3 months and null, 3 districts
    assert (folder / "month=__HIVE_DEFAULT_PARTITION__").is_dir()  # a null key where Spark reads it as null
    one = pq.ParquetFile(folder / "month=2026-01" / "district=340101" / "part-0.parquet")
    assert one.schema_arrow.names == ["i", "x"]  # the keys are in the path only
    assert one.metadata.num_row_groups > 1  # written batch by batch, never the whole result at once

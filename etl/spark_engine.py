"""The Spark engine (``settings.engine = "spark"``): a case load's preparation and the rollup refresh on PySpark.

Both engines run the same rules. The preparation of a chunk is the project's own ``load_cases.prepare_one``
(validate, convert coordinates, assign grids with the exact ``GridIndex``, deadlines on the working calendar): the
load's context (dictionaries, calendar, grid index: ``CaseContext``) is broadcast to the executors once per load,
each chunk the reader produced travels to an executor as one task, and the prepared Arrow tables and rejects come
back in file order, so the merge (the last row of an id wins) and every count are those of the DuckDB engine.
The rollups are the catalog's own SQL (``etl.rollups``), run by Spark SQL over the cases of the days a load
touched (``spark_rollup_rows``). The master is configuration (``settings.spark_master``): local[N] on one
machine, a cluster's URL for real use.

pyspark is imported here only, when the Spark engine is chosen: the DuckDB engine needs no Java.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import shutil
import sys
from collections import Counter
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from core.catalog import CASES_WITH_DUPLICATE, DUPLICATE_SQL, GRID_COLUMNS

from .case_context import CaseContext
from .columns import map_columns
from .readers import RawChunk
from .sources import SourceOptions

ENGINES = ("duckdb", "spark")


class SparkUnavailableError(RuntimeError):
    """The Spark engine was chosen but pyspark or a Java runtime is missing."""


def check_engine(engine: str) -> str:
    """``engine`` if it is one of ``ENGINES``, else a ValueError naming the valid ones."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; valid: {', '.join(ENGINES)}")
    return engine


def java_available() -> bool:
    """Whether a Java runtime is on this machine (``JAVA_HOME`` or ``java`` on the PATH)."""
    return bool(os.environ.get("JAVA_HOME")) or shutil.which("java") is not None


@functools.cache
def session(master: str) -> Any:
    """The process's Spark session on ``master`` (started once: a JVM takes seconds)."""
    if not java_available():
        raise SparkUnavailableError(
            "the spark engine needs a Java runtime (17 or later): apt-get install default-jre-headless"
        )
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkUnavailableError(
            "the spark engine needs pyspark: .venv/bin/pip install -r requirements-spark.txt"
        ) from exc
    active = SparkSession.getActiveSession()
    if active is not None and active.sparkContext.master != master:
        # one SparkContext per process: getOrCreate would silently hand back the other master's session
        raise ValueError(f"this process already runs Spark on {active.sparkContext.master}, not {master}")
    # executors run this interpreter (its packages: numpy, pandas, shapely, the project), not the system's
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(master)
        .appName("onemap-etl")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")  # times are naive China time: Spark must not shift them
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )


def _prepare_remote(
    chunk: RawChunk, *, mapping: dict[str, str], ctx: Any, options: SourceOptions, run_id: int, loaded_at: dt.datetime
) -> tuple[int, pa.Table | None, pd.DataFrame, Counter[str]]:
    from .load_cases import prepare_one

    return prepare_one(chunk, mapping, ctx.value, options, run_id, loaded_at)


def spark_prepared_chunks(
    chunks: Iterator[RawChunk],
    options: SourceOptions,
    ctx: CaseContext,
    run_id: int,
    loaded_at: dt.datetime,
    flags: Counter[str],
) -> Iterator[tuple[int, pa.Table | None, pd.DataFrame]]:
    """As ``load_cases._prepared_chunks``, each chunk prepared on an executor: per chunk in file order, the rows
    read, the prepared rows (None: none) and the rejects. Chunks go out in waves of twice the executors' cores,
    so the driver holds a bounded number of them."""
    spark = session(ctx.settings.spark_master)
    context = spark.sparkContext
    # the driver's timings stay home; the grid index goes with its polygons, not a database connection
    shipped = CaseContext(**{**ctx.__dict__, "timings": Counter(), "assigner": ctx.assigner.portable()})
    broadcast = context.broadcast(shipped)
    wave = max(2, 2 * context.defaultParallelism)
    mapping: dict[str, str] | None = None
    try:
        while batch := list(islice(chunks, wave)):
            if mapping is None:
                mapping = map_columns(list(batch[0].frame.columns), "cases", options.columns)
            prepare = functools.partial(
                _prepare_remote, mapping=mapping, ctx=broadcast, options=options, run_id=run_id, loaded_at=loaded_at
            )
            # one partition per chunk, collected in partition order: file order
            for read, table, rejects, counted in context.parallelize(batch, len(batch)).map(prepare).collect():
                flags.update(counted)
                yield read, table, rejects
    finally:
        broadcast.unpersist()


def _literal(value: Any) -> str:
    """A value of the rollups' own parameters (days, the catalog's constants) as a Spark SQL literal."""
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP_NTZ '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, list | tuple):
        return "array(" + ", ".join(_literal(v) for v in value) + ")"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, bool | int | float):
        return repr(value).lower() if isinstance(value, bool) else repr(value)
    raise TypeError(f"no Spark SQL literal for {value!r} ({type(value).__name__})")


#: DuckDB functions of the catalog's counts and their Spark SQL names.
_FUNCTIONS = {"list_contains(": "array_contains("}


def spark_sql(sql: str, params: dict[str, Any]) -> str:
    """The catalog's DuckDB SQL of a rollup's rows in Spark SQL: its ``$name`` parameters written as literals
    (they are the refresh's own days and constants, never user input), DuckDB's function names as Spark's."""
    for name in sorted(params, key=len, reverse=True):  # $satisfied before a $sat
        sql = sql.replace(f"${name}", _literal(params[name]))
    for duck, spark in _FUNCTIONS.items():
        sql = sql.replace(duck, spark)
    if "$" in sql:
        raise ValueError(f"a parameter of the rollup SQL has no value: {sql}")
    return sql


class SparkCounter:
    """Counts the case rollups on Spark (``etl.rollups.RowCounter``).

    The cases of the days to count are written once per refresh as Parquet partitioned by report month and
    district (``month=YYYY-MM/district=<grid_l1>``: the layout a cluster and the dashboard share, docs/spark.md),
    with the ``duplicate`` flag of the incident table; Spark SQL runs the catalog's own SQL of the rollup on
    them; the rows come back as Arrow and DuckDB writes them.
    """

    def __init__(self, master: str, folder: Path) -> None:
        self.spark = session(master)
        self.folder = Path(folder)
        self._views: dict[tuple, str | None] = {}

    def __call__(self, con: Any, rows: tuple[str, dict]) -> tuple[str, dict]:
        sql, params = rows
        days = {k: v for k, v in params.items() if k in ("first_day", "after_last")}
        key = tuple(sorted(days.items()))
        if key not in self._views:
            self._views[key] = self._export(con, days, f"cases_{len(self._views)}")
        view = self._views[key]
        if view is None:  # no case on those days: nothing to count
            return rows
        table = self.spark.sql(spark_sql(sql.replace(CASES_WITH_DUPLICATE, view), params)).toArrow()
        con.register("_spark_rows", table)
        return "SELECT * FROM _spark_rows", {}

    def _export(self, con: Any, days: dict[str, dt.date], view: str) -> str | None:
        clauses = []
        if "first_day" in days:
            clauses.append(f"c.reported_at >= DATE '{days['first_day'].isoformat()}'")
        if "after_last" in days:
            clauses.append(f"c.reported_at < DATE '{days['after_last'].isoformat()}'")
        where = " AND ".join(clauses) or "TRUE"
        if not con.execute(f"SELECT count(*) FROM cases c WHERE {where}").fetchall()[0][0]:
            return None
        path = self.folder / view
        export_partitioned(
            con,
            f"SELECT c.*, {DUPLICATE_SQL} AS duplicate, strftime(c.reported_at, '%Y-%m') AS month,"
            f" coalesce(c.{GRID_COLUMNS[0]}, '_') AS district FROM cases c WHERE {where}",
            path,
            ("month", "district"),
        )
        self.spark.read.parquet(str(path)).createOrReplaceTempView(view)
        return view


#: Rows per batch of ``export_partitioned``: the rows it holds at once (besides DuckDB's own buffers).
EXPORT_BATCH_ROWS = 250_000
#: The path value of a null partition key (Hive's and Spark's).
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


def export_partitioned(
    con: Any, sql: str, folder: Path, keys: tuple[str, ...], *, batch_rows: int = EXPORT_BATCH_ROWS
) -> int:
    """Writes the rows of ``sql`` as Parquet partitioned by ``keys`` (``folder/month=…/district=…/part-0.parquet``,
    the keys in the path, not in the files) and returns how many it wrote.

    Streamed batch by batch, one Parquet writer per partition: memory holds one batch and the writers' pages.
    DuckDB's own ``COPY … PARTITION_BY`` buffers the whole result before writing: at 10M cases it spilled 7 GB
    and still ran out of a 1 GB ``memory_limit`` (benchmarks/bench_spark.py), and pyarrow's dataset writer
    queues millions of rows too."""
    writers: dict[tuple[str, ...], pq.ParquetWriter] = {}
    written = 0
    try:
        for batch in con.sql(sql).to_arrow_reader(batch_rows):
            table = pa.Table.from_batches([batch])
            # a null key goes where Hive and Spark look for it (read back as null)
            columns = (pc.fill_null(table[k].cast(pa.string()), NULL_PARTITION) for k in keys)
            key = pc.binary_join_element_wise(*columns, "\x00")
            data = table.drop_columns(list(keys))
            encoded = pc.dictionary_encode(key).combine_chunks()
            for index, value in enumerate(encoded.dictionary.to_pylist()):
                part = data.filter(pc.equal(encoded.indices, index))
                values = tuple(value.split("\x00"))
                if values not in writers:
                    target = folder.joinpath(*(f"{k}={v}" for k, v in zip(keys, values, strict=True)))
                    target.mkdir(parents=True, exist_ok=True)
                    writers[values] = pq.ParquetWriter(target / "part-0.parquet", data.schema)
                writers[values].write_table(part)
                written += part.num_rows
    finally:
        for writer in writers.values():
            writer.close()
    return written


@contextlib.contextmanager
def counting(settings: Any, db_path: Path) -> Iterator[SparkCounter | None]:
    """A ``SparkCounter`` for one refresh when ``settings.engine`` is spark (else None), its Parquet in
    ``settings.spark_exchange_dir`` (default beside the database), removed after."""
    if settings.engine != "spark":
        yield None
        return
    base = Path(settings.spark_exchange_dir) if settings.spark_exchange_dir else Path(db_path).parent
    folder = base / f"{Path(db_path).name}.spark-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    try:
        yield SparkCounter(settings.spark_master, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

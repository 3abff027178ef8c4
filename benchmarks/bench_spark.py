"""The two engines on the same files: a case load (preparation on DuckDB's process or on Spark local[N]) and its
rollup refresh, into copies of one demo database.

    .venv/bin/python benchmarks/bench_spark.py --db /tmp/demo/onemap.duckdb --demo /tmp/demo/demo --rows 300000
    .venv/bin/python benchmarks/bench_spark.py ... --runs duckdb spark:local[1] spark:local[2] spark:local[4]

Writes one case file of ``--rows`` new cases (the demo's DCS export repeated under new ids, not timed), then per
run, in a process of its own (one Spark master per process): copies ``--db``, starts the Spark session (timed
apart: a JVM's start is paid once per process, not per load), loads the file and prints the load's wall time, the
preparation's part (read + prepare as the driver saw it), the rollup refresh, and the rows per second. Needs
requirements-spark.txt and Java for the spark runs. docs/spark.md says how to read the figures for a cluster.

``split_s`` separates what scales out from what stays on the one DuckDB writer. Both engines: ``read`` (the
driver's reader thread), ``write`` and ``finish`` (the merge into the one DuckDB writer), ``rollups`` (the whole
refresh). DuckDB engine: ``prepare`` (thread-seconds of its two threads). Spark engine, timed on the driver by
wrapping the engine's functions in this process: ``executors`` (the driver waiting for the waves of prepared
chunks: the tasks, their pickling and transfer, less the wait for the reader), ``rollup_export`` (DuckDB writing
the touched days' cases as Parquet) and ``rollup_spark`` (Spark SQL counting them, rows back as Arrow); the rest
of ``rollups`` is the DuckDB-side refresh (bins, open cases, dispatches, writing the counted rows).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from etl import api  # noqa: E402
from settings import load_settings  # noqa: E402


def case_file(demo: Path, rows: int, out: Path) -> tuple[Path, dict]:
    """``rows`` new cases: the demo's DCS export repeated, each copy under new ids (written copy by copy: a 10M-row
    file is never held in memory)."""
    manifest = json.loads((demo / "manifest.json").read_text())
    step = next(s for s in manifest if s["entity"] == "cases" and s.get("source") == "dcs")
    base = pacsv.read_csv(demo / step["path"])
    path = out / f"cases_{rows}.csv"
    made, copy = 0, 0
    with pacsv.CSVWriter(path, base.schema) as writer:
        while made < rows:
            part = base.slice(0, rows - made)
            ids = pa.array([f"B{copy}-{v}" for v in part.column(0).to_pylist()])
            writer.write_table(part.set_column(0, part.column_names[0], ids))
            made, copy = made + part.num_rows, copy + 1
    return path, {**step, "encoding": "utf-8"}


def time_spark_stages(split: defaultdict[str, float]) -> None:
    """Adds to ``split`` the driver's time in the Spark engine's stages (see the module's note), by wrapping its
    functions in this process: the executors' own timings stay on the executors."""
    from etl import spark_engine

    prepared, export, count = (
        spark_engine.spark_prepared_chunks,
        spark_engine.SparkCounter._export,
        spark_engine.SparkCounter.__call__,
    )

    def timed(items: Iterator[Any], stage: str) -> Iterator[Any]:
        while True:
            started = time.perf_counter()
            item = next(items, None)
            split[stage] += time.perf_counter() - started
            if item is None:
                return
            yield item

    def timed_prepared(chunks: Iterator[Any], *args: Any) -> Iterator[Any]:
        yield from timed(prepared(timed(chunks, "wait_reader"), *args), "producer")
        split["executors"] = split.pop("producer") - split["wait_reader"]

    def timed_export(self: Any, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return export(self, *args)
        finally:
            split["rollup_export"] += time.perf_counter() - started

    def timed_count(self: Any, *args: Any) -> Any:
        started, exported = time.perf_counter(), split["rollup_export"]
        try:
            return count(self, *args)
        finally:
            split["rollup_spark"] += time.perf_counter() - started - (split["rollup_export"] - exported)

    spark_engine.spark_prepared_chunks = timed_prepared  # type: ignore[assignment]
    spark_engine.SparkCounter._export = timed_export  # type: ignore[method-assign, assignment]
    spark_engine.SparkCounter.__call__ = timed_count  # type: ignore[method-assign, assignment]


def child(args: argparse.Namespace) -> None:
    engine, _, master = args.child.partition(":")
    settings = dataclasses.replace(load_settings(), db_path=args.work / "onemap.duckdb", engine=engine)
    if master:
        settings = dataclasses.replace(settings, spark_master=master)
    load_average = os.getloadavg()[0]
    split: defaultdict[str, float] = defaultdict(float)
    started = time.perf_counter()
    if engine == "spark":
        from etl.spark_engine import session

        session(master).range(1).count()  # the JVM and the first job
        time_spark_stages(split)
    session_s = time.perf_counter() - started
    step = json.loads(args.step)
    started = time.perf_counter()
    report = api.load("cases", args.file, api.options_from_manifest(step), settings=settings)
    wall = time.perf_counter() - started
    timings = report.timings
    print(
        json.dumps(
            {
                "run": args.child,
                "session_s": round(session_s, 2),
                "load_s": round(wall, 2),
                "prepare_s": round(timings.get("read", 0) + timings.get("prepare", 0), 2),
                "rollups_s": timings.get("rollups"),
                "rows": report.read,
                "rows_per_s": round(report.read / wall),
                "split_s": {
                    **{k: timings[k] for k in ("read", "prepare", "write", "finish", "rollups") if k in timings},
                    **{k: round(v, 2) for k, v in split.items()},
                },
                "stages_s": timings,
                "load_average": [round(load_average, 1), round(os.getloadavg()[0], 1)],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="a demo database (copied, never written)")
    parser.add_argument("--demo", type=Path, required=True, help="the demo's source files (manifest.json)")
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--runs", nargs="+", default=["duckdb", "spark:local[1]", "spark:local[2]"])
    parser.add_argument("--work", type=Path, default=Path("/tmp/onemap-bench-spark"))
    parser.add_argument(
        "--driver-memory",
        default="4g",
        help="the Spark driver's heap (local mode: the executors' too); each wave of chunks and of prepared tables "
        "passes through it (default 4g; Spark's own 1g is short for waves of 250k-row chunks)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--step", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    path, step = case_file(args.demo, args.rows, args.work)
    print(f"{args.rows} new cases into a copy of {args.db} ({args.db.stat().st_size / 1e9:.2f} GB)")
    for run in args.runs:
        work = args.work / run.replace(":", "_").replace("[", "").replace("]", "").replace("*", "all")
        work.mkdir()
        shutil.copyfile(args.db, work / "onemap.duckdb")
        argv = [sys.executable, __file__, "--db", str(args.db), "--demo", str(args.demo), "--work", str(work)]
        argv += ["--child", run, "--file", str(path), "--step", json.dumps(step)]
        env = {**os.environ, "PYSPARK_SUBMIT_ARGS": f"--driver-memory {args.driver_memory} pyspark-shell"}
        done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env)
        if done.returncode != 0:
            print(f"{run}: failed\n{done.stderr[-2000:]}")
            continue
        print(done.stdout.strip().splitlines()[-1])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""The two engines on the same files: a case load (preparation on DuckDB's process or on Spark local[N]) and its
rollup refresh, into copies of one demo database.

    .venv/bin/python benchmarks/bench_spark.py --db /tmp/demo/onemap.duckdb --demo /tmp/demo/demo --rows 300000
    .venv/bin/python benchmarks/bench_spark.py ... --runs duckdb spark:local[1] spark:local[2] spark:local[4]

Writes one case file of ``--rows`` new cases (the demo's DCS export repeated under new ids, not timed), then per
run, in a process of its own (one Spark master per process): copies ``--db``, starts the Spark session (timed
apart: a JVM's start is paid once per process, not per load), loads the file and prints the load's wall time, the
preparation's part (read + prepare as the driver saw it), the rollup refresh, and the rows per second. Needs
requirements-spark.txt and Java for the spark runs. docs/spark.md says how to read the figures for a cluster.
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
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from etl import api  # noqa: E402
from settings import load_settings  # noqa: E402


def case_file(demo: Path, rows: int, out: Path) -> tuple[Path, dict]:
    """``rows`` new cases: the demo's DCS export repeated, each copy under new ids."""
    manifest = json.loads((demo / "manifest.json").read_text())
    step = next(s for s in manifest if s["entity"] == "cases" and s.get("source") == "dcs")
    base = pacsv.read_csv(demo / step["path"])
    parts, made = [], 0
    while made < rows:
        part = base.slice(0, rows - made)
        ids = pa.array([f"B{len(parts)}-{v}" for v in part.column(0).to_pylist()])
        parts.append(part.set_column(0, part.column_names[0], ids))
        made += part.num_rows
    path = out / f"cases_{rows}.csv"
    pacsv.write_csv(pa.concat_tables(parts), path)
    return path, {**step, "encoding": "utf-8"}


def child(args: argparse.Namespace) -> None:
    engine, _, master = args.child.partition(":")
    settings = dataclasses.replace(load_settings(), db_path=args.work / "onemap.duckdb", engine=engine)
    if master:
        settings = dataclasses.replace(settings, spark_master=master)
    started = time.perf_counter()
    if engine == "spark":
        from etl.spark_engine import session

        session(master).range(1).count()  # the JVM and the first job
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
                "stages_s": timings,
                "load_average": round(os.getloadavg()[0], 1),
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
        done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            print(f"{run}: failed\n{done.stderr[-2000:]}")
            continue
        print(done.stdout.strip().splitlines()[-1])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

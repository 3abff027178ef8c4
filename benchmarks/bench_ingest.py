"""Continuous ingestion: what a load of a few new cases costs on a big database, in place and published.

    .venv/bin/python benchmarks/bench_ingest.py --db /tmp/demo/onemap.duckdb --demo /tmp/demo/demo --cases 1000

Copies ``--db`` (a demo database; never written; cloned where the file system shares blocks) into ``--work``,
then loads ``--cases`` cases ``--rounds`` times (new ids each time, taken from the demo's DCS export: its first
day, or its last with ``--recent``; ``--updates`` of them old cases sent again changed, picked over every day)
and prints, per load: the load committed in place in the writer's database
(``store.writing(publish=False)``) with its stages, the publication to readers (the writer's file cloned where
``--work``'s file system shares blocks, XFS or Btrfs, else copied; renamed over the live file), and what the
copy-and-rename writer of release 1 paid before its load (one copy of the database). The first load also starts
the writer's database from the published one (a one-time clone or copy, shown apart).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from etl import api, store  # noqa: E402
from settings import load_settings  # noqa: E402


def new_cases(
    demo: Path, n: int, round_: int, out: Path, updates: int = 0, *, recent: bool = False
) -> tuple[Path, dict]:
    """``n`` rows of the demo's DCS export: ``n - updates`` with ids never loaded (``NEW<round>-…``): the export's
    first rows (its first day), or with ``recent`` its last (its last day, as continuous ingestion brings them);
    and ``updates`` cases already loaded, taken at random over the whole export (so over every day), sent again
    with a changed description (each one an update of an old case)."""
    manifest = json.loads((demo / "manifest.json").read_text())
    step = next(s for s in manifest if s["entity"] == "cases" and s.get("source") == "dcs")
    source = demo / step["path"]
    with source.open(encoding="utf-8-sig") as f:  # every column as text, as the export has it ("0201", not 201)
        header = next(csv.reader(f))
    export = pacsv.read_csv(
        source, convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()))
    )
    table = export.slice(export.num_rows - (n - updates) if recent else 0, n - updates)
    ids = [f"NEW{round_}-{i:08d}" for i in range(table.num_rows)]
    table = table.set_column(0, table.column_names[0], [ids])
    if updates:
        picked = export.take(np.random.default_rng(round_).choice(export.num_rows, updates, replace=False))
        text = picked.column_names[4]  # 事件描述
        changed = pc.binary_join_element_wise(picked[text], f"（第{round_}次更新）", "")
        table = pa.concat_tables([table, picked.set_column(4, text, changed)], promote_options="permissive")
    path = out / f"new_{round_}.csv"
    pacsv.write_csv(table, path)
    return path, {**step, "encoding": "utf-8"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="a demo database (copied, never written)")
    parser.add_argument("--demo", type=Path, required=True, help="the demo's source files (manifest.json)")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--updates", type=int, default=0, help="of the --cases, how many re-send old cases changed")
    parser.add_argument("--work", type=Path, default=Path("/tmp/onemap-bench-ingest"))
    parser.add_argument(
        "--recent", action="store_true", help="new cases from the export's last rows (its last day), not its first"
    )
    parser.add_argument(
        "--no-copy", action="store_true", help="skip release 1's copy (a whole second file in --work: 10 GB at 50M)"
    )
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    db = args.work / "onemap.duckdb"
    how = store.clone_or_copy(args.db, db)  # a clone when --db and --work share an XFS or Btrfs file system
    settings = dataclasses.replace(load_settings(), db_path=db)
    size = db.stat().st_size / 1e9
    recent = "the export's last day" if args.recent else "the export's first day"
    print(
        f"database {args.db} ({how} in --work): {size:.2f} GB; {args.cases} cases per load, {args.updates} of them"
        f" updates; new ones from {recent}"
    )
    probe = args.work / "clone-probe"
    probe.write_bytes(b"x")
    print(f"publication on {args.work}: {store.clone_or_copy(probe, probe.with_suffix('.2'))} of the file")
    started = time.perf_counter()
    store.publish(db)  # starts the writer's database from the published one (once per installation)
    print(f"writer's database started from the published one (once): {time.perf_counter() - started:.2f} s")
    for round_ in range(1, args.rounds + 1):
        path, step = new_cases(args.demo, args.cases, round_, args.work, args.updates, recent=args.recent)
        options = api.options_from_manifest(step)
        started = time.perf_counter()
        report = api.load("cases", path, options, settings=settings, publish=False)
        committed = time.perf_counter() - started
        started = time.perf_counter()
        store.publish(db)
        published = time.perf_counter() - started
        copy = "skipped"
        if not args.no_copy:
            started = time.perf_counter()
            shutil.copyfile(db, args.work / "release1-copy.duckdb")  # what release 1 paid before every load
            copy = f"{time.perf_counter() - started:.2f} s"
            (args.work / "release1-copy.duckdb").unlink()
        print(
            f"load {round_}: read {report.read}, inserted {report.inserted}, updated {report.updated}: "
            f"committed in place {committed:.2f} s; published {published:.2f} s; release 1's copy alone {copy}"
            f"\n  stages: {dict(report.timings)}"
        )


if __name__ == "__main__":
    main()

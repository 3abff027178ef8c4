"""End-to-end load benchmark: N cases against ~3,000 surveyed-looking grid polygons, in one run.

    .venv/bin/python benchmarks/bench_load.py --cases 1000000 --polygons 3000
    .venv/bin/python benchmarks/bench_load.py --cases 10000000 --skip-sjoin     # bounded-memory check

Prints: the whole case load (read, validate, convert GCJ-02, assign grids, deadlines, write) with its stage
breakdown; the grid assignment step alone against the straightforward ``geopandas.sjoin`` on the same points;
and the process's peak memory. Input files are generated first (not timed) into --work.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from synthetic import case_points, realistic_polygons  # noqa: E402

from core.coords import from_wgs84  # noqa: E402
from etl import api  # noqa: E402
from etl.assign import GridAssigner, available_cpus  # noqa: E402
from etl.sources import SourceOptions  # noqa: E402
from etl.store import connect_readonly  # noqa: E402
from settings import load_settings  # noqa: E402

CATEGORIES = np.array(["06010", "06042", "09009", "09011", "06013", "08004", "06028", "01001", "0699"])


def write_grids(path: Path, n: int) -> np.ndarray:
    polygons = realistic_polygons(n, seed=7)
    codes = np.char.add("3401040", np.char.zfill(np.arange(len(polygons)).astype(str), 8))
    gpd.GeoDataFrame(
        {"code": codes, "name": np.char.add("网格", codes), "level": 1}, geometry=polygons, crs="EPSG:4326"
    ).to_file(path, driver="GPKG")
    return polygons


def write_cases(path: Path, n: int, polygons: np.ndarray, *, batch: int = 1_000_000) -> None:
    """A realistic 12345/城管 export: Chinese headers, GCJ-02 coordinates, Chinese and ISO times."""
    writer = None
    rng = np.random.default_rng(11)
    start = np.datetime64("2025-01-01T00:00:00", "s")
    for offset in range(0, n, batch):
        m = min(batch, n - offset)
        lon, lat = case_points(m, polygons, seed=offset)
        glon, glat = from_wgs84(lon, lat, "GCJ-02")
        reported = start + rng.integers(0, 364 * 86400, m).astype("timedelta64[s]")
        dispatched = reported + rng.integers(60, 3600, m).astype("timedelta64[s]")
        handled = dispatched + rng.integers(600, 3 * 86400, m).astype("timedelta64[s]")
        closed = handled + rng.integers(600, 7200, m).astype("timedelta64[s]")
        fmt = lambda t: np.datetime_as_string(t, unit="s").astype(object)  # noqa: E731
        table = pa.table(
            {
                "事件编号": np.char.add("E", np.arange(offset, offset + m).astype(str)),
                "来源渠道": rng.choice(["网格巡查", "12345热线", "随手拍", "视频智能发现"], m),
                "类别编码": rng.choice(CATEGORIES, m),
                "事件描述": rng.choice(["小区门口暴露垃圾", "路口机动车乱停放", "人行道共享单车乱停放"], m),
                "事发地址": rng.choice(["长江西路与潜山路交口", "黄山路88号", "望江西路华府骏苑"], m),
                "经度": np.round(glon, 6),
                "纬度": np.round(glat, 6),
                "上报时间": np.char.replace(fmt(reported).astype(str), "T", " "),
                "派遣时间": np.char.replace(fmt(dispatched).astype(str), "T", " "),
                "处置时间": np.char.replace(fmt(handled).astype(str), "T", " "),
                "结案时间": np.char.replace(fmt(closed).astype(str), "T", " "),
                "状态": np.full(m, "已结案"),
                "处置部门编码": rng.choice(["CG", "JJ", "SW", "YL"], m),
                "是否紧急": rng.choice(["否", "是"], m, p=[0.97, 0.03]),
                "联系人": rng.choice(["张伟", "王芳", "李娜"], m),
                "联系电话": rng.integers(13000000000, 13999999999, m).astype(str),
            }
        )
        if writer is None:
            writer = pacsv.CSVWriter(str(path), table.schema)
        writer.write_table(table)
    writer.close()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--polygons", type=int, default=3000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/onemap-bench"))
    parser.add_argument("--skip-sjoin", action="store_true")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of ours vs sjoin (median)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    grids_file, cases_file = args.work / f"grids_{args.polygons}.gpkg", args.work / f"cases_{args.cases}.csv"
    db = args.work / "bench.duckdb"
    for stale in args.work.glob("bench.duckdb*"):
        stale.unlink()
    t = time.perf_counter()
    polygons = write_grids(grids_file, args.polygons)
    if not cases_file.exists():
        write_cases(cases_file, args.cases, polygons)
    vertices = np.mean([len(p.exterior.coords) if p.geom_type == "Polygon" else 0 for p in polygons])
    print(
        f"inputs: {len(polygons)} polygons (mean {vertices:.0f} vertices), {args.cases:,} cases "
        f"({cases_file.stat().st_size / 1e6:.0f} MB CSV) generated in {time.perf_counter() - t:.1f}s; "
        f"load average {os.getloadavg()[0]:.1f}"
    )

    settings = dataclasses.replace(load_settings(), db_path=db)
    t = time.perf_counter()
    api.load("grids", grids_file, SourceOptions(source="bench"), settings=settings)
    print(f"grid load: {time.perf_counter() - t:.2f}s")

    options = SourceOptions(source="bench", crs="GCJ-02", category_system="gbt")
    t = time.perf_counter()
    report = api.load("cases", cases_file, options, settings=settings, progress=True)
    total = time.perf_counter() - t
    print(report.summary())
    print(f"WHOLE CASE LOAD: {total:.2f}s for {report.read:,} rows = {report.read / total:,.0f} rows/s")
    refresh = report.timings.get("rollups", 0.0)
    print(f"  of which the dashboard's rollup refresh: {refresh:.2f}s; the load without it: {total - refresh:.2f}s")
    print(
        "  stages (s):",
        ", ".join(f"{k} {v:.2f}" for k, v in report.timings.items()),
        "(prepare includes assign_grids and deadlines)",
    )

    if not args.skip_sjoin:
        with connect_readonly(db) as con:
            lonlat = con.execute("SELECT lon, lat, reported_at FROM cases WHERE lon IS NOT NULL").fetchnumpy()
        lon, lat, at = lonlat["lon"], lonlat["lat"], lonlat["reported_at"]
        points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
        grids = gpd.read_file(grids_file)
        # Alternate the two, each round on a fresh connection (as a load reads the index: once, cold), and
        # compare medians: other jobs on a shared machine slow single runs by tens of percent.
        ours_times, single_times, sjoin_times = [], [], []
        for _ in range(args.rounds):
            with connect_readonly(db) as con:
                t = time.perf_counter()
                ours = GridAssigner.from_db(con).assign(lon, lat, at)  # reads the index stored at grid load
                ours_times.append(time.perf_counter() - t)
            with connect_readonly(db) as con:
                t = time.perf_counter()
                single = GridAssigner.from_db(con).assign(lon, lat, at, workers=1)  # as inside a load
                single_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            joined = gpd.sjoin(points, grids, predicate="within", how="left")
            sjoin_times.append(time.perf_counter() - t)
        with connect_readonly(db) as con:
            t = time.perf_counter()
            cold = GridAssigner(
                con.execute("SELECT code, depth, parent_code, valid_from, valid_to, geom_wkb FROM grid").df()
            )
            cold_ours = cold.assign(lon, lat, at)
            cold_s = time.perf_counter() - t
        assert (cold_ours["grid_code"].fillna("") == ours["grid_code"].fillna("")).all()
        theirs = joined[~joined.index.duplicated()]["code"].fillna("").to_numpy(dtype=object)
        agree = np.mean(ours["grid_code"].fillna("").to_numpy(dtype=object) == theirs)
        ours_s, sjoin_s = float(np.median(ours_times)), float(np.median(sjoin_times))
        single_s = float(np.median(single_times))
        assert single["grid_code"].equals(ours["grid_code"])
        print(
            f"GRID ASSIGNMENT ({len(lon):,} points, index read from the DB; median of {args.rounds} alternating "
            f"rounds): ours {ours_s:.2f}s ({len(lon) / ours_s:,.0f} pts/s; up to {available_cpus()} threads) vs "
            f"geopandas.sjoin {sjoin_s:.2f}s ({len(lon) / sjoin_s:,.0f} pts/s) → {sjoin_s / ours_s:.1f}× faster; "
            f"same answer for {agree:.4%} of points"
        )
        print(f"  ours in one thread (as inside a load): {single_s:.2f}s → {sjoin_s / single_s:.1f}× faster")
        print(
            "  rounds (s): ours "
            + " ".join(f"{x:.2f}" for x in ours_times)
            + ", one thread "
            + " ".join(f"{x:.2f}" for x in single_times)
            + ", sjoin "
            + " ".join(f"{x:.2f}" for x in sjoin_times)
            + f"; load average {os.getloadavg()[0]:.1f}"
        )
        print(f"  with the index built on the spot (build + lookup): {cold_s:.2f}s → {sjoin_s / cold_s:.1f}× faster")
    print(f"peak RSS: {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()

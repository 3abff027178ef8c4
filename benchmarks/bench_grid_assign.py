"""Grid assignment: ``geopandas.sjoin(predicate="within")`` against ``etl.gridindex.GridIndex``, in one run.

    python benchmarks/bench_grid_assign.py --points 1000000 --polygons 3000

Times, on the same synthetic polygons and points: the straightforward sjoin (building the point GeoDataFrame
included, as a loader starting from lon/lat arrays would have to), GridIndex.build, GridIndex.from_bytes (the
stored index decoded, as a load does after reading it from the database; the read itself is timed by
bench_load.py), and GridIndex.lookup (the first call on the decoded index, cold). Checks that both give the same labels
and prints points/s and the speed-up. The machine may be shared: compare ratios, not absolute times.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import case_points, realistic_polygons  # noqa: E402
from etl.gridindex import GridIndex  # noqa: E402


def _sjoin_labels(x: np.ndarray, y: np.ndarray, polys: gpd.GeoDataFrame) -> tuple[np.ndarray, float, float]:
    """Labels by sjoin, -1 for none; and the seconds spent making points and joining."""
    t0 = time.perf_counter()
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")
    t1 = time.perf_counter()
    joined = gpd.sjoin(points, polys, how="inner", predicate="within")
    labels = np.full(len(x), -1, dtype=np.int64)
    labels[joined.index.to_numpy()] = joined["label"].to_numpy()
    t2 = time.perf_counter()
    return labels, t1 - t0, t2 - t1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--polygons", type=int, default=3_000)
    parser.add_argument("--vertices-per-edge", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    print(
        f"python {platform.python_version()}, shapely {shapely.__version__} (GEOS {shapely.geos_version_string}), "
        f"geopandas {gpd.__version__}, numpy {np.__version__}; {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    t = time.perf_counter()
    polygons = realistic_polygons(args.polygons, args.seed, args.vertices_per_edge)
    labels = np.arange(len(polygons), dtype=np.int64) * 7 + 1_000
    x, y = case_points(args.points, polygons, args.seed)
    vertices = shapely.get_num_coordinates(polygons)
    print(
        f"data: {len(polygons):,} polygons ({vertices.mean():.0f} vertices on average, {vertices.sum():,} in all, "
        f"{np.sum(shapely.get_type_id(polygons) == 6)} MultiPolygons), {len(x):,} points; "
        f"generated in {time.perf_counter() - t:.1f} s"
    )
    polys = gpd.GeoDataFrame({"label": labels}, geometry=polygons, crs="EPSG:4326")

    expected, t_points, t_join = _sjoin_labels(x, y, polys)
    t_sjoin = t_points + t_join

    t = time.perf_counter()
    index = GridIndex.build(polygons, labels)
    t_build = time.perf_counter() - t
    payload = index.to_bytes()
    t = time.perf_counter()
    stored = GridIndex.from_bytes(payload)  # as a load reads it from grid_index_cache (DuckDB read not included)
    t_decode = time.perf_counter() - t
    t = time.perf_counter()
    got = stored.lookup(x, y)
    t_lookup = time.perf_counter() - t
    t = time.perf_counter()
    stored.lookup(x, y)
    t_lookup_again = time.perf_counter() - t

    differ = np.flatnonzero(got != expected)
    if len(differ):
        boundaries = shapely.union_all(shapely.boundary(polygons))
        on_boundary = shapely.intersects_xy(boundaries, x[differ], y[differ])
        agree = f"{len(differ)} differ, {on_boundary.sum()} of them exactly on a boundary"
    else:
        agree = "identical"
    u = (x - index.x0) * index.inv_cell
    v = (y - index.y0) * index.inv_cell
    inside = (u >= 0) & (u < index.ncols) & (v >= 0) & (v < index.nrows)
    cells = v[inside].astype(np.int64) * (index.ncols + 1) + u[inside].astype(np.int64)
    exact_share = np.mean(index.table[cells] < -1) * inside.mean()

    n = len(x)
    print(f"assigned: {np.mean(got >= 0):.1%} of points in a polygon; results {agree}")
    print(
        f"table: {index.ncols:,} x {index.nrows:,} cells, {index.ambiguous_share:.1%} of them on a boundary; "
        f"{exact_share:.1%} of points tested exactly"
    )
    print(f"{'step':<42}{'seconds':>9}{'points/s':>14}")
    rows = [
        ("geopandas.sjoin within (points + join)", t_sjoin),
        ("  of which points_from_xy + GeoDataFrame", t_points),
        ("  of which sjoin", t_join),
        ("GridIndex.build (once per grid load)", t_build),
        (f"GridIndex.from_bytes ({len(payload) / 1e6:.0f} MB stored)", t_decode),
        ("GridIndex.lookup (first call)", t_lookup),
        ("from_bytes + first lookup", t_decode + t_lookup),
        ("GridIndex.lookup (again)", t_lookup_again),
        ("GridIndex.build + first lookup", t_build + t_lookup),
    ]
    for name, seconds in rows:
        rate = "" if name.startswith(("GridIndex.build (", "GridIndex.from_bytes")) else f"{n / seconds:,.0f}"
        print(f"{name:<42}{seconds:>9.3f}{rate:>14}")
    print(
        f"speed-up, lookup vs sjoin:            {t_sjoin / t_lookup:6.1f}x  (vs sjoin alone {t_join / t_lookup:.1f}x)"
    )
    print(f"speed-up, from_bytes + lookup vs sjoin: {t_sjoin / (t_decode + t_lookup):4.1f}x")
    print(f"speed-up, build + lookup vs sjoin:    {t_sjoin / (t_build + t_lookup):6.1f}x")
    return 0 if len(differ) == 0 or on_boundary.all() else 1


if __name__ == "__main__":
    sys.exit(main())

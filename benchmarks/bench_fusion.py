"""Fusion benchmark: one incident from many reports (``etl.fusion``) on a synthetic year of cases.

    .venv/bin/python benchmarks/bench_fusion.py --cases 1000000          # target: rebuild ≤ 10 s
    .venv/bin/python benchmarks/bench_fusion.py --db data/onemap.duckdb   # a real (demo) database, on a copy

Synthetic mode writes ``--cases`` reports over a year into a fresh database (the district of
``benchmarks/synthetic.py``, hot spots and a uniform spread, 40 classes of which some share a family) and plants
incidents of 2–4 reports within 0.8 × D and 0.8 × T of their first, and near misses just outside a rule. It
times: the whole rebuild (read from DuckDB, link, write ``case_incident``); an incremental update after one more
day of reports; one after a day of reports back-dated by a month; and scores the planted truth
(``analytics.fusion_quality``: pairwise precision and recall). With ``--db`` it copies the database and times a
rebuild and an update there.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.fusion_quality import pair_scores  # noqa: E402
from benchmarks.synthetic import CENTRE, case_points, realistic_polygons  # noqa: E402
from etl import fusion  # noqa: E402
from etl.load_cases import UID_KEY_SQL  # noqa: E402
from etl.reference import seed_reference  # noqa: E402
from etl.schema import apply_schema  # noqa: E402
from settings import Settings, load_settings  # noqa: E402

REBUILD_TARGET_S = 10.0
#: Classes drawn (weights as in a city's mix); several share a family (fusion_classes.csv).
CLASSES = tuple(
    " ".join(
        (
            "06010 06042 06036 06011 06035 09006 09005 09001 09009 09012 09010 09011 06013 06049 06050 07001 07002",
            "06007 06028 08001 06027 06029 06020 06012 06014 06045 06017 06041 06001 06034 06040 01037 01003 01004",
            "08004 08002 06025 10001 04002 03005",
        )
    ).split()
)
WEIGHTS = 1.0 / np.arange(1, len(CLASSES) + 1) ** 0.8
CHANNELS = np.array(["patrol", "hotline", "citizen_app", "camera_ai"])
START = pd.Timestamp("2025-01-01").value // 1000  # µs
YEAR_US = 365 * 86400 * 1_000_000
M_PER_DEG = 111_320.0


@dataclasses.dataclass
class Planted:
    uids: list[str]
    groups: list[str]


def _offsets(rng: np.random.Generator, n: int, metres: np.ndarray, lat: float) -> tuple[np.ndarray, np.ndarray]:
    angle = rng.uniform(0, 2 * np.pi, n)
    return (
        metres * np.cos(angle) / (M_PER_DEG * np.cos(np.radians(lat))),
        metres * np.sin(angle) / M_PER_DEG,
    )


def synthetic_cases(n: int, rules: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, Planted]:
    """``n`` reports (background and planted) and the planted truth. ``rules``: category_code, radius_m,
    window_hours of each class (its family's)."""
    rng = np.random.default_rng(seed)
    n_incidents = n // 40  # planted incidents: ~2.5 % of reports lead one, ~4 % more are their further reports
    extra = rng.integers(1, 4, n_incidents)
    n_miss = n // 200  # near misses: pairs just outside a rule
    n_background = n - n_incidents - int(extra.sum()) - 2 * n_miss
    polygons = realistic_polygons(600, seed=seed, vertices_per_edge=4)
    lon, lat = case_points(n_background + n_incidents + n_miss, polygons, seed=seed, outside_share=0.0)
    code = rng.choice(CLASSES, len(lon), p=WEIGHTS / WEIGHTS.sum())
    t = START + rng.integers(0, YEAR_US, len(lon))
    radius = rules.set_index("category_code")["radius_m"].reindex(code).fillna(50.0).to_numpy()
    window = (rules.set_index("category_code")["window_hours"].reindex(code).fillna(24.0).to_numpy() * 3.6e9).astype(
        np.int64
    )
    heads = np.arange(n_background, n_background + n_incidents)
    k = np.repeat(heads, extra)
    dx, dy = _offsets(rng, len(k), rng.uniform(0, 0.8, len(k)) * radius[k], CENTRE[1])
    follow_t = t[k] + (rng.uniform(0, 0.8, len(k)) * window[k]).astype(np.int64)
    misses = np.arange(n_background + n_incidents, n_background + n_incidents + n_miss)
    far = rng.random(n_miss) < 0.5  # half beyond D (at once), half beyond T (same spot)
    mx, my = _offsets(rng, n_miss, np.where(far, rng.uniform(1.1, 2.0, n_miss) * radius[misses], 0.0), CENTRE[1])
    miss_t = t[misses] + np.where(far, 0, (rng.uniform(1.05, 2.0, n_miss) * window[misses]).astype(np.int64))
    frame = pd.DataFrame(
        {
            "lon": np.r_[lon, lon[k] + dx, lon[misses] + mx],
            "lat": np.r_[lat, lat[k] + dy, lat[misses] + my],
            "category_code": np.r_[code, code[k], code[misses]],
            "t": np.r_[t, follow_t, miss_t],
            "channel": CHANNELS[rng.integers(0, len(CHANNELS), n)],
        }
    )
    frame["case_uid"] = [f"bench:{i:08d}" for i in range(n)]
    group = np.r_[np.full(n_background, -1), heads, misses, k, misses + n]  # near misses: a group each
    planted = group >= 0
    return frame, Planted(frame["case_uid"][planted].tolist(), [f"g{g}" for g in group[planted]])


def insert_cases(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, run_id: int) -> None:
    """Insert reports as rows of ``cases`` (the columns fusion reads, constants elsewhere) and their run."""
    table = pa.table(
        {
            "case_uid": pa.array(frame["case_uid"], pa.string()),
            "channel": pa.array(frame["channel"], pa.string()),
            "category_code": pa.array(frame["category_code"], pa.string()),
            "lon": pa.array(frame["lon"].to_numpy(np.float64)),
            "lat": pa.array(frame["lat"].to_numpy(np.float64)),
            "reported_at": pa.array(frame["t"].to_numpy(np.int64), pa.timestamp("us")),
        }
    )
    con.register("_bench", table)
    con.execute(
        """INSERT INTO cases BY NAME SELECT *, 'bench' AS source, case_uid AS source_id, false AS category_unmapped,
                  false AS coords_swapped, false AS outside_grid, 'closed' AS status, 0.0 AS extension_hours,
                  false AS is_urgent, false AS is_supervised, false AS is_overdue, 0 AS dispatch_count,
                  0 AS return_count, 0 AS rework_count, 0 AS row_hash, $run AS run_id, now() AS loaded_at,
                  {uid_key} AS uid_key
           FROM _bench ORDER BY reported_at""".format(uid_key=UID_KEY_SQL.format(uid="case_uid")),
        {"run": run_id},
    )
    con.unregister("_bench")
    con.execute(
        "INSERT INTO etl_run VALUES ($run, 'cases', 'bench', 'bench', '', now(), now(), $n, $n, 0, $n, 0, 0, '{}',"
        " NULL)",
        {"run": run_id, "n": len(frame)},
    )


def _family_rules(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "SELECT fc.category_code, ff.radius_m, ff.window_hours"
        " FROM fusion_class fc JOIN fusion_family ff USING (family)"
    ).df()


def _incidents(con: duckdb.DuckDBPyConnection) -> pd.Series:
    rows = con.execute("SELECT case_uid, incident_id FROM case_incident").df()
    return rows.set_index("case_uid")["incident_id"]


def _timed(label: str, run: object) -> fusion.FusionReport:
    started = time.perf_counter()
    report = run()  # type: ignore[operator]
    seconds = time.perf_counter() - started
    print(
        f"{label}: {seconds:.2f} s ({report.mode}; read {report.read:,}, recomputed {report.recomputed:,}, "
        f"incidents written {report.incidents:,})"
    )
    return report


def synthetic(n: int, settings: Settings, seed: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "bench.duckdb"))
        apply_schema(con)
        seed_reference(con)
        frame, planted = synthetic_cases(n, _family_rules(con), seed)
        insert_cases(con, frame, 1)
        con.execute("CHECKPOINT")
        print(f"{n:,} synthetic reports over a year; {len(planted.uids):,} planted in incidents and near misses")
        started = time.perf_counter()
        report = _timed("rebuild (first fusion)", lambda: fusion.rebuild(con, settings))
        seconds = time.perf_counter() - started
        ok = "ok" if seconds <= REBUILD_TARGET_S else "MISS"
        print(f"fusion of {n:,} cases: {seconds:.2f} s [target ≤ {REBUILD_TARGET_S:.0f} s: {ok}]")
        scores = pair_scores(_incidents(con), pd.Series(planted.groups, index=planted.uids))
        print(
            f"planted truth: precision {scores.precision:.4f}, recall {scores.recall:.4f} "
            f"({scores.correct:,} of {scores.found:,} pairs found are true; {scores.true:,} true pairs)"
        )
        rng = np.random.default_rng(seed + 1)
        day = synthetic_cases(max(n // 365, 10), _family_rules(con), seed + 2)[0]
        month = 30 * 86400 * 10**6
        for label, shift, run_id in (("next day", YEAR_US, 2), ("a day back-dated by a month", YEAR_US - month, 3)):
            batch = day.assign(
                t=START + shift + rng.integers(0, 86400 * 10**6, len(day)),
                case_uid=[f"bench{run_id}:{i:08d}" for i in range(len(day))],
            )
            insert_cases(con, batch, run_id)
            _timed(f"incremental update, {len(batch):,} reports of {label}", lambda: fusion.update(con, settings))
        del report
        con.close()


def on_database(path: Path, settings: Settings) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        shutil.copyfile(path, copy)
        con = duckdb.connect(str(copy))
        apply_schema(con)
        seed_reference(con)
        n = con.execute(f"SELECT count(*) FROM cases c WHERE {fusion.ELIGIBLE_SQL}").fetchall()[0][0]
        print(f"{path}: {n:,} located cases with a class")
        _timed("rebuild", lambda: fusion.rebuild(con, settings))
        _timed("update with nothing new", lambda: fusion.update(con, settings))
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000, help="synthetic reports (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--db", type=Path, help="time a rebuild on a copy of this database instead")
    args = parser.parse_args()
    settings = load_settings()
    if args.db:
        on_database(args.db, settings)
    else:
        synthetic(args.cases, settings, args.seed)


if __name__ == "__main__":
    main()

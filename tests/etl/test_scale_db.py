"""benchmarks/scale_db.py: the copies of cases and alarms, and the derived tables rebuilt over them."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from place_db import build_place_db

from benchmarks import scale_db
from etl import fusion
from queries.source import fresh_rollups
from settings import load_settings


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    src = build_place_db(tmp_path_factory.mktemp("scale_src"))
    out = tmp_path_factory.mktemp("scale_out") / "x3.duckdb"
    # 5 alarms, at least 16 wanted: 4 copies of each (the 4th points at the original case again)
    scale_db.build(src, out, factor=3, events=16, memory_limit="1GB", settings=load_settings())
    return src, out


#: Cases and duplicates per area, day and state.
AREAS = """
    SELECT day, grid_l1, grid_l2, grid_l3, status, sum(cases), sum(cases) FILTER (WHERE duplicate)
    FROM case_daily_area GROUP BY ALL ORDER BY ALL
"""


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchall()[0][0]


def test_event_factor() -> None:
    assert scale_db.event_factor(1_677_572, 50_000_000, 5) == 30
    assert scale_db.event_factor(100, 50, 5) == 5  # never fewer copies than the cases'
    assert scale_db.event_factor(0, 50, 5) == 5


def test_cases_copied_with_new_ids_and_every_other_column_kept(scaled: tuple[Path, Path]) -> None:
    src, out = scaled
    with duckdb.connect(str(src), read_only=True) as con:
        original = con.execute("SELECT * FROM cases ORDER BY case_uid").df()
    with duckdb.connect(str(out), read_only=True) as con:
        assert _one(con, "SELECT count(*) FROM cases") == 3 * len(original)
        assert _one(con, "SELECT count(DISTINCT case_uid) FROM cases") == 3 * len(original)
        for k in (1, 2):
            copy = con.execute(f"SELECT * FROM cases WHERE source_id LIKE '%-R{k}' ORDER BY case_uid").df()
            assert list(copy["source_id"]) == [f"{s}-R{k}" for s in original["source_id"]]
            assert list(copy["case_uid"]) == list(original["source"] + ":" + original["source_id"] + f"-R{k}")
            keys = con.execute("SELECT (md5_number(unnest($1)) >> 64)::UBIGINT", [list(copy["case_uid"])]).fetchall()
            assert list(copy["uid_key"]) == [k for (k,) in keys]  # the copy's own key, for the merge to find it
            others = [c for c in original.columns if c not in ("case_uid", "source_id", "uid_key")]
            assert copy[others].equals(original[others])


def test_alarms_copied_each_to_its_own_case_copy(scaled: tuple[Path, Path]) -> None:
    src, out = scaled
    with duckdb.connect(str(src), read_only=True) as con:
        alarms = _one(con, "SELECT count(*) FROM camera_event")
        linked = _one(con, "SELECT count(case_uid) FROM camera_event")
    assert (alarms, linked) == (5, 3)
    with duckdb.connect(str(out), read_only=True) as con:
        assert _one(con, "SELECT count(DISTINCT event_id) FROM camera_event") == 4 * alarms
        pairs = dict(con.execute("SELECT event_id, case_uid FROM camera_event WHERE event_id LIKE 'E1%'").fetchall())
        assert {e: c.rsplit(":", 1)[1] for e, c in pairs.items()} == {
            "E1": "C1",
            "E1-R1": "C1-R1",
            "E1-R2": "C1-R2",
            "E1-R3": "C1",
        }
        # every linked alarm finds its case in the rebuilt camera loop
        assert _one(con, "SELECT count(*) FROM camera_loop") == 4 * alarms
        assert _one(con, "SELECT count(reported_at) FROM camera_loop") == 4 * linked


def test_derived_tables_rebuilt_and_fresh(scaled: tuple[Path, Path]) -> None:
    src, out = scaled
    with duckdb.connect(str(src), read_only=True) as con:
        before = fresh_rollups(con)
        areas = con.execute(AREAS).fetchall()
        dispatches = _one(con, "SELECT count(*) FROM case_dispatch")
        events = _one(con, "SELECT sum(events) FROM camera_event_daily")
    with duckdb.connect(str(out), read_only=True) as con:
        assert set(fresh_rollups(con)) == set(before)  # every rollup recorded against the new rows
        assert _one(con, "SELECT sum(cases) FROM case_daily_area") == _one(con, "SELECT count(*) FROM cases")
        # three times the cases of each area, day and state; every copy of a located, classified case is a further
        # report (of its original's incident)
        assert [row[:-1] for row in con.execute(AREAS).fetchall()] == [(*key, 3 * n) for *key, n, _ in areas]
        further = _one(con, "SELECT count(*) FROM case_incident WHERE NOT is_lead")
        assert _one(con, "SELECT sum(cases) FILTER (WHERE duplicate) FROM case_daily_area") == further
        assert _one(con, "SELECT sum(events) FROM camera_event_daily") == 4 * events
        assert _one(con, "SELECT count(*) FROM case_dispatch") == dispatches  # the copies have no workflow


def test_the_copies_are_fused_as_a_rebuild_fuses_them(scaled: tuple[Path, Path], tmp_path: Path) -> None:
    src, out = scaled
    with duckdb.connect(str(src), read_only=True) as con:
        eligible = _one(con, f"SELECT count(*) FROM cases c WHERE {fusion.ELIGIBLE_SQL}")
    copy = tmp_path / "rebuilt.duckdb"
    shutil.copyfile(out, copy)
    with duckdb.connect(str(copy)) as con:
        stored = con.execute(INCIDENTS).fetchall()
        assert fusion.rebuild(con, load_settings()).mode == "rebuilt"
        assert con.execute(INCIDENTS).fetchall() == stored
    assert eligible > 0 and len(stored) == 3 * eligible  # every located, classified case with its two copies
    with duckdb.connect(str(out), read_only=True) as con:  # stored in report order, as the ETL stores it
        times = [row[0] for row in con.execute("SELECT reported_at FROM case_incident").fetchall()]
    assert times == sorted(times)


def test_spread_copies_are_other_cities_fused_as_a_rebuild_fuses_them(tmp_path: Path) -> None:
    """``--spread``: copy k lies k degrees west, and its incidents are its original's, moved (not joined to them)."""
    src = build_place_db(tmp_path)
    out = tmp_path / "spread" / "spread.duckdb"
    scale_db.build(src, out, factor=3, events=0, memory_limit="1GB", settings=load_settings(), spread=1.0)
    with duckdb.connect(str(src), read_only=True) as con:
        original = con.execute("SELECT case_uid, lon, lat FROM cases ORDER BY case_uid").fetchall()
        incidents = con.execute(INCIDENTS).fetchall()
    with duckdb.connect(str(out), read_only=True) as con:
        for k in (1, 2):
            copy = con.execute(
                f"SELECT case_uid, lon, lat FROM cases WHERE source_id LIKE '%-R{k}' ORDER BY case_uid"
            ).fetchall()
            assert copy == [(f"{uid}-R{k}", None if lon is None else lon - k, lat) for uid, lon, lat in original]
        stored = con.execute(INCIDENTS).fetchall()
    assert len(incidents) > 0 and len(stored) == 3 * len(incidents)  # each incident three times, none joined
    copy = tmp_path / "rebuilt.duckdb"
    shutil.copyfile(out, copy)
    with duckdb.connect(str(copy)) as con:
        assert fusion.rebuild(con, load_settings()).mode == "rebuilt"
        assert con.execute(INCIDENTS).fetchall() == stored
    with pytest.raises(SystemExit, match="whole number"):
        scale_db.build(
            src, tmp_path / "x.duckdb", factor=2, events=0, memory_limit="1GB", settings=load_settings(), spread=0.5
        )


#: Every column of the incidents, in a stable order.
INCIDENTS = "SELECT * EXCLUDE (channels), list_sort(string_split(channels, ',')) FROM case_incident ORDER BY case_uid"


def test_refuses_an_existing_out_and_a_scaled_source(scaled: tuple[Path, Path], tmp_path: Path) -> None:
    src, out = scaled
    with pytest.raises(SystemExit, match="exists"):
        scale_db.build(src, out, factor=2, events=0, memory_limit="1GB", settings=load_settings())
    with pytest.raises(SystemExit, match="scaled before"):
        scale_db.build(out, tmp_path / "again.duckdb", factor=2, events=0, memory_limit="1GB", settings=load_settings())
    assert not (tmp_path / "again.duckdb").exists()

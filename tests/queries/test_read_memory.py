"""The readers' DuckDB memory limit and spill folder (settings ``dashboard_memory_limit``, ``dashboard_temp_dir``):
applied to every version of the database a ``LiveDatabase`` opens, and the dashboard benchmark's rows printed as
they are taken."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import duckdb
import pytest
from tiny_db import build_tiny_db

from benchmarks import bench_dashboard
from queries.db import LiveDatabase, SpillDirError
from settings import Settings

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def tiny_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_db(tmp_path_factory.mktemp("tiny") / "onemap.duckdb")


def test_every_version_is_opened_within_the_limit_and_spills_where_told(tmp_path: Path, tiny_path: Path) -> None:
    live_path = tmp_path / "onemap.duckdb"
    shutil.copyfile(tiny_path, live_path)
    spill = tmp_path / "not" / "yet" / "spill"  # parents created on the first open
    live = LiveDatabase(live_path, memory_limit="200MB", spill_dir=spill)
    with live.cursor() as con:
        assert con.execute("SELECT current_setting('memory_limit'), current_setting('temp_directory')").fetchall() == [
            ("190.7 MiB", str(spill))
        ]
    assert spill.is_dir()
    first = live.version

    copy = tmp_path / "onemap.duckdb.loading"  # what a load does: a new file renamed over the live one
    shutil.copyfile(tiny_path, copy)
    with duckdb.connect(str(copy)) as writer:
        writer.execute("DELETE FROM cases WHERE channel = 'hotline'")
    copy.replace(live_path)
    with live.cursor() as con:
        assert con.execute("SELECT count(*) FROM cases").fetchall() == [(7,)]
        assert con.execute("SELECT current_setting('memory_limit'), current_setting('temp_directory')").fetchall() == [
            ("190.7 MiB", str(spill))
        ]
    assert live.version != first


def test_a_query_beyond_the_limit_spills_to_the_folder(tmp_path: Path, tiny_path: Path) -> None:
    spill = tmp_path / "spill"
    with LiveDatabase(tiny_path, memory_limit="64MB", spill_dir=spill).cursor() as con:
        # ~150 MB of distinct strings to group: more than the limit holds, so the aggregate spills
        con.execute("CREATE TEMP TABLE big AS SELECT md5(range::VARCHAR) AS s FROM range(3000000)")
        (groups,) = con.execute("SELECT count(*) FROM (SELECT s, count(*) FROM temp.big GROUP BY s)").fetchall()[0]
        assert groups == 3_000_000
        assert any(name.startswith("duckdb_temp") for name in (p.name for p in spill.iterdir()))


def test_for_settings_takes_the_readers_settings(tmp_path: Path, tiny_path: Path) -> None:
    settings = Settings(db_path=tiny_path, dashboard_memory_limit="300MB", dashboard_temp_dir=str(tmp_path / "s"))
    live = LiveDatabase.for_settings(settings)
    assert (live.db_path, live.memory_limit, live.spill_dir) == (tiny_path, "300MB", tmp_path / "s")
    with live.cursor() as con:
        assert con.execute("SELECT current_setting('memory_limit')").fetchall() == [("286.1 MiB",)]


def test_the_default_spill_folder_is_not_beside_the_database(tiny_path: Path) -> None:
    folder = Settings(db_path=tiny_path).dashboard_spill_dir
    assert folder.name.startswith("onemap-spill-") and folder.parent != tiny_path.parent
    assert Settings(dashboard_temp_dir="/srv/spill").dashboard_spill_dir == Path("/srv/spill")


def test_bad_limits_are_named(tmp_path: Path, tiny_path: Path) -> None:
    with pytest.raises(ValueError, match=r"dashboard_memory_limit = 'lots' is not a memory size"):
        LiveDatabase(tiny_path, memory_limit="lots").cursor()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(SpillDirError, match=r"cannot create the readers' spill folder .*a-file/spill"):
        LiveDatabase(tiny_path, memory_limit="1GB", spill_dir=blocker / "spill").cursor()


def test_the_benchmark_hands_over_each_row_as_it_is_taken(tiny_path: Path) -> None:
    settings = dataclasses.replace(Settings(db_path=tiny_path), dashboard_memory_limit="500MB")
    seen: list[bench_dashboard.Row] = []
    rows = bench_dashboard.bench_queries(
        LiveDatabase.for_settings(settings),
        settings,
        runs=1,
        match="dictionaries.",
        skip=("dictionaries.level_names",),
        on_row=seen.append,
    )
    assert len(rows) >= 4 and [id(row) for row in seen] == [id(row) for row in rows]
    assert "dictionaries.level_names" not in {row.query for row in rows}


def test_the_benchmark_interrupts_a_call_past_its_limit(tiny_path: Path) -> None:
    settings = Settings(db_path=tiny_path)
    with LiveDatabase.for_settings(settings).cursor() as con:
        slow = "SELECT count(*) FROM range(10000000000) a WHERE a.range % 7 = 3"  # minutes of work
        with pytest.raises(bench_dashboard.CallTooLongError, match=r"interrupted after 0\.5 s"):
            bench_dashboard.time_call(lambda: con.execute(slow).df(), 1, con=con, limit_s=0.5)
        times, rows = bench_dashboard.time_call(lambda: con.execute("SELECT 1").df(), 2, con=con, limit_s=5)
        assert len(times) == 2 and rows == 1

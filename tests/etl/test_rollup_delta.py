"""Rollups updated by a commit's delta (``etl/rollup_delta.py``) hold exactly what recounting gives.

Each load below goes through the real ETL into a copy of the dispatch city, takes the delta path (checked), and
then every derived table of the cases is compared with a full recount of a copy of the same database.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import EAST_POINT, WEST_POINT
from dispatch_city import NOW, case_rows

from core.catalog import BIN_ROLLUPS, CASE_ROLLUPS, DISPATCH_TABLE, HANDOFF_TABLE, OPEN_TABLE
from etl import api, case_delta, rollup_delta, rollups, store
from etl.sources import SourceOptions

TABLES = [*(r.table for r in (*CASE_ROLLUPS, *BIN_ROLLUPS)), OPEN_TABLE, DISPATCH_TABLE, HANDOFF_TABLE]
OPTIONS = SourceOptions(source="t", channel="patrol", as_of=NOW)


def rows(db: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)


def recounted(settings, folder: Path) -> Path:
    """A copy of the published database with every derived table recounted from scratch."""
    folder.mkdir()
    copy = folder / "onemap.duckdb"
    shutil.copyfile(settings.db_path, copy)
    with store.writing(copy) as con:
        rollups.refresh(con, rollups.bin_sizes(settings), keep=rollups.keep_rule(settings))
    return copy


@pytest.fixture
def city(dispatch_city, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A copy of the dispatch city, and the outcomes of the delta merges of its loads."""
    db = tmp_path / "city" / "onemap.duckdb"
    db.parent.mkdir()
    shutil.copyfile(dispatch_city.db_path, db)
    merged: list[bool] = []
    apply = rollup_delta._apply

    def spy(*args, **kwargs) -> bool:
        merged.append(apply(*args, **kwargs))
        return merged[-1]

    monkeypatch.setattr(rollup_delta, "_apply", spy)
    return dataclasses.replace(dispatch_city, db_path=db), merged


def cases_frame() -> pd.DataFrame:
    return pd.DataFrame(case_rows()[0])


def write(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, encoding="utf-8")
    return path


def assert_same_as_recount(settings, tmp_path: Path, name: str) -> None:
    copy = recounted(settings, tmp_path / name)
    for table in TABLES:
        assert rows(settings.db_path, table) == rows(copy, table), table


def test_new_updated_and_flipped_cases_are_merged_exactly(city, tmp_path: Path) -> None:
    settings, merged = city
    base = cases_frame()
    # 1. Updates of counted cases (a status, a grid, a day) beside new cases.
    changed = base.iloc[:6].copy()
    changed.loc[changed.index[0], "状态"] = "处置中"
    east = changed.loc[changed.index[1], "经度"] == EAST_POINT[0]
    changed.loc[changed.index[1], ["经度", "纬度"]] = WEST_POINT if east else EAST_POINT  # to the other street
    moved = pd.Timestamp(changed.loc[changed.index[2], "上报时间"]) - pd.Timedelta(days=1)
    changed.loc[changed.index[2], "上报时间"] = moved.strftime("%Y-%m-%d %H:%M:%S")  # reported a day earlier
    new = base.iloc[:4].copy()
    new["事件编号"] = [f"N{i}" for i in range(len(new))]
    report = api.load("cases", write(pd.concat([changed, new]), tmp_path / "a.csv"), OPTIONS, settings=settings)
    assert (report.inserted, report.rejected) == (4, 0) and report.updated >= 3
    assert merged == [True]
    assert_same_as_recount(settings, tmp_path, "after_a")

    # 2. One commit of two files: the second replaces a case the first inserted, and a counted one.
    first = base.iloc[:1].copy().assign(事件编号="M1")
    second = pd.concat([first.assign(状态="处置中"), base.iloc[[3]].assign(状态="已处置")])
    steps = [
        ("cases", write(first, tmp_path / "b1.csv"), OPTIONS),
        ("cases", write(second, tmp_path / "b2.csv"), OPTIONS),
    ]
    api.load_many(steps, settings=settings)
    assert merged == [True, True]
    assert_same_as_recount(settings, tmp_path, "after_b")

    # 3. A report an hour before a counted one at the same place: it becomes the incident's lead, and the
    #    counted case a further report (its duplicate flag flips without the case being written).
    early = base.iloc[[5]].copy().assign(事件编号="E1")
    early["上报时间"] = (pd.to_datetime(early["上报时间"]) - pd.Timedelta(hours=1)).dt.strftime("%Y-%m-%d %H:%M:%S")
    api.load("cases", write(early, tmp_path / "c.csv"), OPTIONS, settings=settings)
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM case_incident WHERE case_uid = 't:E1' AND is_lead").fetchall()[0][0]
    assert merged == [True, True, True]
    assert_same_as_recount(settings, tmp_path, "after_c")


def test_updates_in_a_big_load_replace_their_old_versions_exactly(city, tmp_path: Path) -> None:
    """A big load writes a copy statement by statement (no one transaction): the old versions of its updated
    cases, found by row id just before the delete, are the ones deleted and subtracted."""
    settings, merged = city
    settings = dataclasses.replace(settings, etl_in_place_max_bytes=0)
    base = cases_frame()
    changed = base.iloc[:6].copy()
    changed["事件描述"] = changed["事件描述"] + "（更正）"
    east = changed.loc[changed.index[1], "经度"] == EAST_POINT[0]
    changed.loc[changed.index[1], ["经度", "纬度"]] = WEST_POINT if east else EAST_POINT  # to the other street
    new = base.iloc[:4].copy()
    new["事件编号"] = [f"G{i}" for i in range(len(new))]
    report = api.load("cases", write(pd.concat([changed, new]), tmp_path / "big.csv"), OPTIONS, settings=settings)
    assert (report.inserted, report.updated, report.rejected) == (4, 6, 0)
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert con.execute("SELECT count(*) = count(DISTINCT case_uid) FROM cases").fetchall() == [(True,)]
        ids = ["t:" + i for i in changed["事件编号"]]
        got = con.execute("SELECT description FROM cases WHERE case_uid IN (SELECT unnest($1))", [ids]).fetchall()
    assert len(got) == 6 and all(d.endswith("（更正）") for (d,) in got)
    assert merged == [True]
    assert_same_as_recount(settings, tmp_path, "after_big")


def test_a_case_flipped_and_flipped_back_in_one_commit_is_counted_as_it_was(city, tmp_path: Path) -> None:
    # The incident update reads its seeds in windows one after the other; a later window can flip back a case
    # an earlier one flipped (seen at 10M with 300 old cases re-sent over a year). The rollups take the net.
    settings, merged = city
    sizes = rollups.bin_sizes(settings)
    with store.writing(settings.db_path) as con:
        rollup_delta.refresh_after_loads(con, [], sizes)  # the counted run, from the fixture's recount
    with store.writing(settings.db_path) as con:
        uid, reported = con.execute("SELECT case_uid, reported_at FROM cases ORDER BY case_uid LIMIT 1").fetchall()[0]
        one = "CREATE TEMP TABLE _one AS SELECT $uid AS case_uid, $at AS reported_at"
        con.execute(one, {"uid": uid, "at": reported})
        con.execute("CREATE TEMP TABLE _none AS SELECT * FROM _one LIMIT 0")
        case_delta.record_flips(con, "_none", "_one")  # one window made it a further report …
        case_delta.record_flips(con, "_one", "_none")  # … and a later one a lead again
        assert rollup_delta.refresh_after_loads(con, [], sizes) == "delta"
    assert merged[-1] is True
    assert_same_as_recount(settings, tmp_path, "recount")


def test_a_flow_load_rewrites_the_dispatches_of_its_cases(city, tmp_path: Path) -> None:
    settings, merged = city
    flows = pd.DataFrame(case_rows()[1])
    dispatched = flows.index[flows["新状态"].eq("dispatched") & flows["部门编码"].ne("SC")]
    flows.loc[dispatched[:3], "部门编码"] = "SC"  # dispatched to another department
    report = api.load("flow", write(flows, tmp_path / "flow.csv"), SourceOptions(source="t"), settings=settings)
    assert (report.updated, report.rejected) == (3, 0)
    assert merged == [True]
    assert_same_as_recount(settings, tmp_path, "after_flow")


def test_a_rollup_changed_behind_the_loads_back_is_recounted(city, tmp_path: Path) -> None:
    settings, merged = city
    with store.writing(settings.db_path) as con:
        con.execute("DELETE FROM case_daily_grid WHERE day = (SELECT min(day) FROM case_daily_grid)")
    new = cases_frame().iloc[:2].assign(事件编号=["R1", "R2"])
    api.load("cases", write(new, tmp_path / "r.csv"), OPTIONS, settings=settings)
    assert merged == []  # the recorded rows no longer match: the days are recounted instead
    assert_same_as_recount(settings, tmp_path, "after_r")


def test_the_counted_run_follows_every_refresh(city, tmp_path: Path) -> None:
    settings, _ = city
    new = cases_frame().iloc[:1].assign(事件编号="K1")
    report = api.load("cases", write(new, tmp_path / "k.csv"), OPTIONS, settings=settings)
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert case_delta.counted_run(con) == report.run_id

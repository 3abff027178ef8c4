"""The demo generator: deterministic files, exactly nested grids, readable sources, a consistent workflow."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from demo.cases import (
    CHANNEL_SHARE,
    CHANNEL_ZH,
    EVENT_COLUMNS,
    FLOW_COLUMNS,
    FLOW_FILE,
    HEADERS,
    SOURCE_ENCODING,
    SOURCE_FILE,
    TIME_COLUMNS,
    TRANSITIONS,
    wgs84_to_gcj02,
)
from demo.generate import generate_demo

SMALL = {"cases": 3000, "days": 60}
GBT = Path(__file__).resolve().parents[2] / "data" / "reference" / "gbt47678_5_categories.csv"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp("demo_small")
    return out, generate_demo(out, **SMALL)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo_big")
    generate_demo(out, cases=20_000, days=90, seed=7)
    return out


def read_cases(out: Path) -> dict[str, pd.DataFrame]:
    return {
        source: pd.read_csv(out / name, dtype=str, encoding=SOURCE_ENCODING[source])
        for source, name in SOURCE_FILE.items()
    }


def read_grids(path: Path) -> pd.DataFrame:
    return pyogrio.read_dataframe(path, layer="grids")


def parsed_times(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({c: pd.to_datetime(df[c], format="%Y-%m-%d %H:%M:%S", errors="coerce") for c in TIME_COLUMNS})


def test_manifest_lists_every_file_in_load_order(small: tuple[Path, list[dict]]) -> None:
    out, manifest = small
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == manifest
    assert [s["entity"] for s in manifest] == [
        "grids",
        "departments",
        "hotline_topics",
        "category_map",
        "category_map",
        "routing",
        "cameras",
        "facilities",
        *["cases"] * 6,  # four source systems, the grid app's planted reports, the dispatch patterns (demo/dispatch.py)
        *["flow"] * 5,
        "camera_events",
        "whistles",
        "whistle_responses",
        # demo.places: planted incidents, then the people, sensors, organisations and ledgers of the grids
        *["cases"] * 3,
        "camera_events",
        "grid_attributes",
        "grid_workers",
        "grid_visits",
        "organisations",
        "iot_devices",
        "iot_alarms",
        "cases",
        "deliberation_outcomes",
        "cameras",
        "camera_events",
    ]
    assert all((out / s["path"]).exists() for s in manifest)
    cases = {s["source"]: s for s in manifest if s["entity"] == "cases" and "more" not in s["path"]}
    assert cases["hotline12345"]["crs"] == "GCJ-02" and cases["dcs"]["category_system"] == "dcs_legacy"
    assert {s["source_system"] for s in manifest if s["entity"] == "category_map"} == {"dcs_legacy", "camera_vendor_hk"}
    assert "grids_bad.geojson" not in {s["path"] for s in manifest}


def test_same_seed_same_files_other_seed_other_files(small: tuple[Path, list[dict]], tmp_path: Path) -> None:
    out, _ = small
    generate_demo(tmp_path / "again", **SMALL)
    for name in (
        "cases_dcs.csv",
        "cases_dcs_dispatch.csv",
        "flow_dcs_dispatch.csv",
        "whistles.csv",
        "whistle_responses.csv",
    ):
        assert (tmp_path / "again" / name).read_bytes() == (out / name).read_bytes(), name
    pd.testing.assert_frame_equal(read_grids(tmp_path / "again" / "grids.gpkg"), read_grids(out / "grids.gpkg"))
    generate_demo(tmp_path / "other", **SMALL, seed=1)
    assert (tmp_path / "other" / "cases_dcs.csv").read_bytes() != (out / "cases_dcs.csv").read_bytes()
    assert not read_grids(tmp_path / "other" / "grids.gpkg").equals(read_grids(out / "grids.gpkg"))


def test_grid_levels_nest_exactly(small: tuple[Path, list[dict]]) -> None:
    out, _ = small
    grids = read_grids(out / "grids.gpkg")
    assert pyogrio.read_info(out / "grids.gpkg", layer="grids")["crs"] == "EPSG:4490"
    assert shapely.is_valid(grids.geometry.values).all()
    current = grids[grids["失效日期"].isna()]
    sizes = current["层级"].value_counts()
    assert (sizes[1], sizes[2]) == (1, 6)
    assert 35 <= sizes[3] <= 45 and 350 <= sizes[4] <= 450
    assert (current["网格编码"].str.len() == current["层级"].map({1: 6, 2: 9, 3: 12, 4: 15, 5: 17})).all()
    for version in (grids["失效日期"].isna(), grids["生效日期"].isna()):  # after and before the re-drawing
        rows = grids[version]
        geom = dict(zip(rows["网格编码"], rows.geometry.values, strict=True))
        for level in (2, 3, 4, 5):
            children = rows[rows["层级"] == level]
            parents = np.array([geom[p] for p in children["上级编码"]])
            assert shapely.within(children.geometry.values, parents).all()
            area = children.assign(a=shapely.area(children.geometry.values)).groupby("上级编码")["a"].sum()
            parent_area = shapely.area(np.array([geom[p] for p in area.index]))
            np.testing.assert_allclose(area.to_numpy(), parent_area, rtol=1e-9)
        children = rows[rows["层级"] == 5]
        pop = children.groupby("上级编码")["人口"].sum()
        assert (rows.set_index("网格编码").loc[pop.index, "人口"] == pop).all()


def test_one_community_was_redrawn(small: tuple[Path, list[dict]]) -> None:
    grids = read_grids(small[0] / "grids.gpkg")
    old, new = grids[grids["失效日期"].notna()], grids[grids["生效日期"].notna()]
    assert set(old["失效日期"]) == set(new["生效日期"]) == {"2026-06-01"}
    assert set(old["层级"]) == set(new["层级"]) == {4, 5}
    assert old.loc[old["层级"] == 4, "上级编码"].nunique() == 1
    assert (new["层级"] == 4).sum() == (old["层级"] == 4).sum() + 1


def test_bad_grids_are_broken_as_promised(small: tuple[Path, list[dict]]) -> None:
    bad = pyogrio.read_dataframe(small[0] / "grids_bad.geojson")
    bow_tie, clockwise, multi = bad.geometry.values
    assert not bow_tie.is_valid
    assert clockwise.is_valid and not clockwise.exterior.is_ccw
    assert multi.geom_type == "MultiPolygon"


def test_case_files_read_with_stated_encodings_and_headers(small: tuple[Path, list[dict]]) -> None:
    out, _ = small
    assert (out / "cases_dcs.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        (out / "cases_12345.csv").read_bytes().decode("utf-8")
    cases = read_cases(out)
    for source, df in cases.items():
        assert tuple(df.columns) == HEADERS[source]
        flow = pd.read_csv(out / FLOW_FILE[source], dtype=str, encoding=SOURCE_ENCODING[source])
        assert tuple(flow.columns) == FLOW_COLUMNS
    assert tuple(pd.read_csv(out / "camera_events.csv", dtype=str).columns) == EVENT_COLUMNS
    assert cases["hotline12345"]["诉求分类编码"].equals(cases["hotline12345"]["类别编码"])
    assert cases["dcs"]["类别编码"].str.fullmatch(r"\d{4}").all()
    assert cases["camera_ai"]["类别编码"].str.fullmatch(r"\d{5}").all()


def test_dictionaries_agree(small: tuple[Path, list[dict]]) -> None:
    out, _ = small
    gbt = set(pd.read_csv(GBT, dtype=str)["code"])
    depts = pd.read_csv(out / "departments.csv", dtype=str, encoding="utf-8-sig")
    assert set(depts["类型"]) == {"functional", "street", "community", "enterprise"}
    routing = pd.read_csv(out / "routing.csv", dtype=str)
    assert set(routing["部门编码"]) <= set(depts["部门编码"])
    assert set(routing.loc[routing["类别编码"].str.len() == 5, "类别编码"]) <= gbt
    for name in ("category_map_dcs.csv", "category_map_vendor.csv"):
        assert set(pd.read_csv(out / name, dtype=str)["标准编码"]) <= gbt
    topics = pd.read_csv(out / "hotline_topics.csv", dtype=str)
    assert 70 <= len(topics) <= 90 and set(topics["国标编码"].dropna()) <= gbt
    dept_codes = pd.concat(read_cases(out).values())["处置部门编码"].dropna()
    assert set(dept_codes) <= set(depts["部门编码"])
    cameras = pd.read_csv(out / "cameras.csv", dtype=str)
    assert 250 <= len(cameras) <= 350 and cameras["设备编码"].is_unique
    facilities = pyogrio.read_dataframe(out / "facilities.geojson")
    assert (facilities["类型"] == "service_station").sum() >= 40


def test_channel_shares_match_targets(big: Path) -> None:
    cases = pd.concat(read_cases(big).values())
    share = cases["来源渠道"].value_counts(normalize=True)
    for name, target in zip(CHANNEL_ZH, CHANNEL_SHARE, strict=True):
        assert abs(share[name] - target) <= 0.03, (name, share[name], target)


def test_step_times_never_go_back_except_defective_rows(big: Path) -> None:
    for df in read_cases(big).values():
        times = parsed_times(df)
        defective = (df[list(TIME_COLUMNS)].notna() & times.isna()).any(axis=1)
        values = times[~defective].to_numpy("datetime64[s]").astype(float)
        values[times[~defective].isna().to_numpy()] = np.nan
        filled = np.fmax.accumulate(np.nan_to_num(values, nan=-np.inf), axis=1)
        present = ~np.isnan(values)
        assert (values[present] >= filled[present]).all()


def test_deliberate_defects_are_few_and_of_every_kind(big: Path) -> None:
    cases = read_cases(big)
    everything = pd.concat(cases.values())
    lon = pd.to_numeric(everything["经度"], errors="coerce")
    bad_times = (everything[list(TIME_COLUMNS)].notna() & parsed_times(everything).isna()).any(axis=1)
    assert 1 <= bad_times.sum() <= len(everything) / 200
    assert (everything["经度"] == "--").sum() >= 1
    assert (lon < 90).sum() >= 1  # latitude and longitude swapped
    dup = sum(df["事件编号"].duplicated().sum() for df in cases.values())
    assert 1 <= dup <= len(everything) / 200


def test_flow_follows_the_transition_table_and_matches_cases(big: Path) -> None:
    for source, df in read_cases(big).items():
        flow = pd.read_csv(big / FLOW_FILE[source], dtype=str, encoding=SOURCE_ENCODING[source])
        first = flow["序号"] == "1"
        assert flow.loc[first, "原状态"].isna().all() and (flow.loc[first, "新状态"] == "已上报").all()
        pairs = flow.loc[~first, ["原状态", "新状态"]].drop_duplicates()
        assert all(b in TRANSITIONS[a] for a, b in pairs.itertuples(index=False)), pairs
        unique = df.drop_duplicates("事件编号").set_index("事件编号")
        last = flow.groupby("事件编号")["新状态"].last()
        assert last.reindex(unique.index).equals(unique["状态"].rename("新状态"))
        returns = flow[flow["新状态"] == "已回退"].groupby("事件编号").size().reindex(unique.index, fill_value=0)
        assert (returns == unique["退回次数"].astype(int)).all()
        reworks = flow[flow["新状态"] == "返工"].groupby("事件编号").size().reindex(unique.index, fill_value=0)
        assert (reworks == unique["返工次数"].astype(int)).all()


def test_every_pushed_camera_event_links_to_a_camera_case(big: Path) -> None:
    events = pd.read_csv(big / "camera_events.csv", dtype=str)
    cases = read_cases(big)["camera_ai"]
    pushed = events[events["是否推送"] == "是"]
    assert pushed["关联工单"].isin(cases["事件编号"]).all()
    assert events.loc[events["是否推送"] == "否", "关联工单"].isna().all()
    assert 1.3 <= len(events) / len(cases) <= 1.5
    assert 0.1 <= (events["是否误报"] == "是").mean() <= 0.2


def test_gcj02_matches_the_published_check() -> None:
    lon, lat = wgs84_to_gcj02(np.array([121.5272106]), np.array([31.1774276]))
    assert lon[0] == pytest.approx(121.531541859215, abs=1e-9)
    assert lat[0] == pytest.approx(31.17530398364597, abs=1e-9)


def test_the_demo_database_says_it_is_the_demo_and_maps_almost_every_case(tmp_path: Path) -> None:
    import dataclasses
    import datetime as dt

    import duckdb

    import queries
    from demo import build_demo
    from settings import load_settings

    settings = dataclasses.replace(load_settings(), db_path=tmp_path / "demo.duckdb")
    build_demo(settings, cases=20_000, days=60, seed=7, out_dir=tmp_path / "files", end=dt.date(2026, 11, 20))
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        facts = queries.dataset_facts(con).iloc[0]
        assert bool(facts["demo"])
        assert json.loads(facts["demo_detail"]) == {"cases": 20_000, "days": 60, "end": "2026-11-20", "seed": 7}
        coverage = queries.category_coverage(con).iloc[0]
        top = queries.top_categories(con, limit=5)
    # a real city maps almost all of its codes: a few percent without a GB/T class, and never the top class
    assert 0.01 < coverage["unclassified"] / coverage["cases"] < 0.05
    assert top["category_code"].notna().all()


def test_a_demo_database_path_that_is_a_folder_is_refused_before_generating(tmp_path: Path, capsys) -> None:
    from demo.cli import main

    assert main(["--db", str(tmp_path), "--cases", "10", "--days", "2", "--out", str(tmp_path / "files")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: the database path {tmp_path} is a folder, not a file; name a file in it, e.g. "
        f"{tmp_path / 'onemap.duckdb'}"
    )
    assert not (tmp_path / "files").exists()  # nothing generated

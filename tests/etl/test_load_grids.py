"""Grid loads: repaired geometry, explicit parents, versions in time, and points assigned by them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import EAST_POINT, WEST_POINT, tiny_grids, write_csv

import queries
from etl import api
from etl.assign import GridAssigner
from etl.columns import MissingColumnsError
from etl.sources import SourceOptions
from views import drill

GRIDS = SourceOptions(source="survey")


def query(settings, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_tiny_city_loads_every_level(city) -> None:
    rows = query(city, "SELECT code, depth, parent_code, round(area_km2, 1), population FROM grid ORDER BY code")
    assert [r[:3] for r in rows] == [
        ("340104", 1, None),
        ("340104001", 2, "340104"),
        ("340104001001", 3, "340104001"),
        ("340104002", 2, "340104"),
        ("340104002001", 3, "340104002"),
    ]
    # 0.1° × 0.1° at 31.85°N ≈ 11.1 km × 9.45 km
    assert rows[0][3] == pytest.approx(104.9, abs=0.5)


def test_bad_polygons_are_repaired_and_reported(settings, tmp_path: Path) -> None:
    bowtie = shapely.Polygon([(117.20, 31.80), (117.30, 31.90), (117.30, 31.80), (117.20, 31.90)])
    clockwise = shapely.Polygon([(117.30, 31.80), (117.30, 31.90), (117.40, 31.90), (117.40, 31.80)])
    assert not shapely.is_ccw(clockwise.exterior)
    multi = shapely.MultiPolygon([shapely.box(117.40, 31.80, 117.45, 31.85), shapely.box(117.46, 31.80, 117.5, 31.85)])
    frame = gpd.GeoDataFrame(
        {"网格编码": ["A", "B", "C", "D"], "网格名称": ["甲", "乙", "丙", "丁"], "层级": [1, 1, 1, 1]},
        geometry=[bowtie, clockwise, multi, shapely.LineString([(0, 0), (1, 1)])],
        crs="EPSG:4326",
    )
    path = tmp_path / "bad.gpkg"
    frame.to_file(path, driver="GPKG")
    report = api.load("grids", path, GRIDS, settings=settings)
    assert (report.read, report.loaded, report.rejected) == (4, 3, 1)
    assert report.flagged["repaired"] == 2
    assert report.reasons == {"bad_geometry": 1}
    rows = query(settings, "SELECT code, repaired, geom_wkb FROM grid ORDER BY code")
    notes = {code: note for code, note, _ in rows}
    assert "Self-intersection" in notes["A"]
    assert "clockwise" in notes["B"]
    assert notes["C"] is None
    for _, _, wkb in rows:
        geom = shapely.from_wkb(bytes(wkb))
        assert geom.is_valid
        polygons = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
        assert all(shapely.is_ccw(p.exterior) for p in polygons)


def test_projected_cgcs2000_grids_are_stored_in_wgs84(settings, tmp_path: Path) -> None:
    grids = tiny_grids().to_crs("EPSG:4549")
    path = tmp_path / "grids.gpkg"  # a Shapefile would cut Chinese field names at 10 bytes
    grids.to_file(path, driver="GPKG")
    api.load("grids", path, GRIDS, settings=settings)
    bounds = query(settings, "SELECT min_lon, min_lat, max_lon, max_lat FROM grid WHERE code = '340104'")[0]
    assert bounds == pytest.approx((117.20, 31.80, 117.30, 31.90), abs=1e-6)


def test_unknown_parent_and_level_are_rejected(settings, tmp_path: Path) -> None:
    grids = tiny_grids()
    grids.loc[4, "上级编码"] = "999"
    grids["层级"] = grids["层级"].astype(object)  # numbers in this file; a name makes the column text
    grids.loc[3, "层级"] = "楼栋"
    path = tmp_path / "grids.geojson"
    grids.to_file(path, driver="GeoJSON")
    report = api.load("grids", path, GRIDS, settings=settings)
    assert report.reasons == {"unknown_parent": 1, "bad_value": 1}
    assert report.loaded == 3


def test_points_take_the_grid_valid_at_their_time(settings, tmp_path: Path) -> None:
    grids = tiny_grids()
    # on 2025-06-01 the west street's community is redrawn to cover the whole district
    grids["生效日期"] = None
    grids["失效日期"] = None
    grids.loc[3, "失效日期"] = "2025-06-01"
    grids.loc[4, "失效日期"] = "2025-06-01"
    new = grids.iloc[[3]].copy()
    new["网格编码"] = "340104001009"
    new["网格名称"] = "新社区"
    new["生效日期"] = "2025-06-01"
    new["失效日期"] = None
    new["geometry"] = [shapely.box(117.20, 31.80, 117.30, 31.90).intersection(grids.geometry[1])]
    path = tmp_path / "grids.geojson"
    pd.concat([grids, new]).to_file(path, driver="GeoJSON")
    assert api.load("grids", path, GRIDS, settings=settings).loaded == 6
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assigner = GridAssigner.from_db(con)
    lon = np.array([WEST_POINT[0], WEST_POINT[0], EAST_POINT[0], np.nan])
    lat = np.array([WEST_POINT[1], WEST_POINT[1], EAST_POINT[1], np.nan])
    at = np.array(["2025-05-31T23:59", "2025-06-01T00:00", "2025-07-01", "2025-07-01"], dtype="datetime64[ns]")
    got = assigner.assign(lon, lat, at).astype(object).where(lambda f: f.notna(), None)
    assert got["grid_l3"].tolist() == ["340104001001", "340104001009", None, None]
    assert got["grid_l2"].tolist() == ["340104001", "340104001", "340104002", None]
    assert got["grid_code"].tolist() == ["340104001001", "340104001009", "340104002", None]
    assert got["outside_grid"].tolist() == [False, False, False, False]


def test_case_loads_reuse_the_index_built_at_grid_load(city, tmp_path: Path, monkeypatch) -> None:
    assert query(city, "SELECT count(*) FROM grid_index_cache") == [(3,)]  # one epoch × three levels
    from conftest import write_csv
    from test_load_cases import OPTIONS, case

    from etl.gridindex import GridIndex

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("the index should come from grid_index_cache")

    monkeypatch.setattr(GridIndex, "build", no_build)
    report = api.load("cases", write_csv(tmp_path / "c.csv", [case(1)]), OPTIONS, settings=city)
    assert report.loaded == 1
    assert query(city, "SELECT grid_code FROM cases") == [("340104001001",)]


# ---------------------------------------------------------------- one bad polygon costs one row


def _feature(code: str, ring: list[list[float]], **properties: object) -> dict:
    props = {"网格编码": code, "网格名称": f"网格{code}", "层级": 1, **properties}
    return {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
    return path


SQUARE = [[117.20, 31.80], [117.25, 31.80], [117.25, 31.85], [117.20, 31.85], [117.20, 31.80]]


def test_each_bad_polygon_is_rejected_with_its_reason_and_the_others_load(settings, tmp_path: Path) -> None:
    features = [
        _feature("GOOD", SQUARE),
        _feature("OPEN", SQUARE[:-1]),  # a ring that is not closed
        _feature("SWAP", [[y, x] for x, y in SQUARE]),  # latitude first
        _feature("PROJ", [[517000.0 + 100 * x, 3520000.0 + 100 * y] for x, y in SQUARE]),  # metres, no CRS said
        _feature("GOOD2", [[x + 0.05, y] for x, y in SQUARE]),
    ]
    path = _geojson(tmp_path / "grids.geojson", features)
    with pytest.warns(RuntimeWarning, match="Non closed ring"):
        report = api.load("grids", path, GRIDS, settings=settings)
    assert (report.read, report.loaded, report.rejected) == (5, 2, 3)
    assert [r[0] for r in query(settings, "SELECT code FROM grid ORDER BY code")] == ["GOOD", "GOOD2"]
    reasons = dict(
        query(settings, f"SELECT row_number, reason FROM rejected_row WHERE run_id = {report.run_id} ORDER BY 1")
    )
    assert "not form a closed linestring" in reasons[2]
    assert "latitude and longitude are swapped" in reasons[3]
    assert "coordinates out of range" in reasons[4] and "--crs" in reasons[4]


def test_a_file_of_one_level_may_name_it_with_level(settings, tmp_path: Path) -> None:
    features = [_feature("A", SQUARE), _feature("B", [[x + 0.05, y] for x, y in SQUARE])]
    for f in features:
        del f["properties"]["层级"]
    path = _geojson(tmp_path / "districts.geojson", features)
    with pytest.raises(MissingColumnsError, match=r"level \(层级\)"):
        api.load("grids", path, GRIDS, settings=settings)
    report = api.load("grids", path, dataclasses.replace(GRIDS, level="区县"), settings=settings)
    assert (report.loaded, report.rejected) == (2, 0)
    assert query(settings, "SELECT code, depth FROM grid ORDER BY code") == [("A", 1), ("B", 1)]


def test_a_city_outline_loads_at_its_own_level_above_its_districts(settings, tmp_path: Path) -> None:
    city = [[117.0, 31.7], [117.5, 31.7], [117.5, 32.0], [117.0, 32.0], [117.0, 31.7]]
    east = [[x + 0.05, y] for x, y in SQUARE]
    features = [
        _feature("340100", city, 网格名称="合肥市", 层级="市"),  # the whole-city feature: no parent
        _feature("340104", SQUARE, 网格名称="蜀山区", 层级="区县", 上级编码="340100"),
        _feature("340102", east, 网格名称="瑶海区", 层级="区县", 上级编码="340100"),
    ]
    path = _geojson(tmp_path / "admin.geojson", features)
    report = api.load("grids", path, GRIDS, settings=settings)
    assert (report.loaded, report.rejected) == (3, 0)
    assert query(settings, "SELECT code, depth, parent_code FROM grid ORDER BY depth, code") == [
        ("340100", 0, None),
        ("340102", 1, "340100"),
        ("340104", 1, "340100"),
    ]
    cases = write_csv(
        tmp_path / "cases.csv",
        [
            {"事件编号": "1", "上报时间": "2025-06-03 09:00", "经度": 117.22, "纬度": 31.82},
            {"事件编号": "2", "上报时间": "2025-06-03 09:00", "经度": 117.40, "纬度": 31.90},  # in the city only
        ],
    )
    api.load("cases", cases, SourceOptions(source="dcs", channel="patrol"), settings=settings)
    assert query(settings, "SELECT source_id, grid_l1, grid_code, outside_grid FROM cases ORDER BY 1") == [
        ("1", "340104", "340104", False),
        ("2", None, None, True),  # no district holds it: outside every grid, as before
    ]
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        tree = queries.area_tree(con, at=dt.datetime(2025, 6, 3))
    assert drill.implicit_root(tree).name == "合肥市"  # the root of the drill-down
    assert drill.normalise_area(tree, "340100") is None  # the city is everything
    assert drill.children(tree, None)["code"].tolist() == ["340102", "340104"]

"""A declared coordinate system is never ignored: the file's own word, the user's --crs, and their conflicts."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import EAST_POINT, WEST_POINT, tiny_grids, write_csv

from core.coords import from_wgs84
from etl import api
from etl.crs import CrsConflictError, ResolvedCrs, resolve_crs
from etl.readers import FileCrs, SourceFileError, file_crs
from etl.sources import SourceOptions

GRIDS = SourceOptions(source="survey")
CASES = SourceOptions(source="dcs", channel="patrol", as_of=pd.Timestamp("2025-06-30 18:00").to_pydatetime())
#: CGCS2000 / 3-degree Gauss-Kruger CM 117E, the zone of the tiny city (near Hefei)
GK117 = "EPSG:4548"


def query(settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def district_bounds(settings) -> tuple[float, ...]:
    return query(settings, "SELECT min_lon, min_lat, max_lon, max_lat FROM grid WHERE code = '340104'")[0]


def shifted(frame: gpd.GeoDataFrame, crs: str) -> gpd.GeoDataFrame:
    """The frame's WGS-84 geometries written in GCJ-02 or BD-09 (which have no EPSG code to declare)."""
    moved = shapely.transform(
        frame.geometry.to_numpy(), lambda xy: np.column_stack(from_wgs84(xy[:, 0], xy[:, 1], crs))
    )
    return frame.set_geometry(gpd.GeoSeries(moved, crs="EPSG:4326"))


def case_points(n: int = 3) -> gpd.GeoDataFrame:
    """Cases as a point layer with ASCII field names (a Shapefile cuts longer names at 10 bytes)."""
    return gpd.GeoDataFrame(
        {
            "case_id": [f"P{i}" for i in range(n)],
            "created_at": ["2025-06-03 09:00:00"] * n,
            "class_code": ["06010"] * n,
        },
        geometry=[shapely.Point(WEST_POINT if i % 2 else EAST_POINT) for i in range(n)],
        crs="EPSG:4326",
    )


# ---------------------------------------------------------------- the rule, case by case


@pytest.mark.parametrize(
    ("stated", "option", "force", "expected"),
    [
        (FileCrs(), None, False, ResolvedCrs("EPSG:4326", "assumed")),
        (FileCrs(), "GCJ-02", False, ResolvedCrs("GCJ-02", "option")),
        (FileCrs(default="EPSG:4326"), None, False, ResolvedCrs("EPSG:4326", "format default")),
        (FileCrs(default="EPSG:4326"), "gcj02", False, ResolvedCrs("GCJ-02", "option")),  # GeoJSON + --crs
        (FileCrs(declared="EPSG:4548"), None, False, ResolvedCrs("EPSG:4548", "file")),
        (FileCrs(declared="EPSG:4548"), "4548", False, ResolvedCrs("EPSG:4548", "option")),  # the same: no conflict
        (FileCrs(declared="EPSG:4326"), "GCJ-02", True, ResolvedCrs("GCJ-02", "option")),  # forced
    ],
)
def test_the_rule(stated: FileCrs, option: str | None, force: bool, expected: ResolvedCrs) -> None:
    assert resolve_crs(stated, option, force=force, path="f") == expected


def test_a_real_conflict_names_both_systems() -> None:
    with pytest.raises(CrsConflictError, match=r"f\.shp declares .*EPSG:4548.* but --crs says EPSG:4326.*--force-crs"):
        resolve_crs(FileCrs(declared="EPSG:4548"), "WGS-84", path="f.shp")


def test_force_needs_a_crs() -> None:
    with pytest.raises(ValueError, match="--force-crs needs --crs"):
        resolve_crs(FileCrs(declared="EPSG:4548"), None, force=True)


def ascii_grids() -> gpd.GeoDataFrame:
    """The tiny city's grids with field names a Shapefile keeps whole."""
    return tiny_grids().rename(columns={"网格编码": "code", "网格名称": "name", "层级": "level", "上级编码": "parent"})


def test_what_each_format_states(tmp_path: Path) -> None:
    frame = ascii_grids()
    frame.to_file(tmp_path / "a.geojson", driver="GeoJSON")  # GDAL writes a CRS84 crs member: still the default
    frame.to_crs(GK117).to_file(tmp_path / "b.geojson", driver="GeoJSON")  # a crs member naming EPSG:4548
    frame.to_crs(GK117).to_file(tmp_path / "c.shp", engine="pyogrio")
    (tmp_path / "c.prj").rename(tmp_path / "c.prj.gone")
    frame.to_crs(GK117).to_file(tmp_path / "d.shp", engine="pyogrio")
    frame.to_file(tmp_path / "e.gpkg", driver="GPKG")
    frame.to_parquet(tmp_path / "f.parquet")
    pd.DataFrame(frame.drop(columns="geometry")).to_csv(tmp_path / "g.csv", index=False)
    assert file_crs(tmp_path / "a.geojson") == FileCrs(default="EPSG:4326")
    assert file_crs(tmp_path / "b.geojson") == FileCrs(declared=GK117)
    assert file_crs(tmp_path / "c.shp") == FileCrs()
    assert file_crs(tmp_path / "d.shp") == FileCrs(declared=GK117)
    assert file_crs(tmp_path / "e.gpkg") == FileCrs(declared="EPSG:4326")
    assert file_crs(tmp_path / "f.parquet") == FileCrs(declared="EPSG:4326")
    assert file_crs(tmp_path / "g.csv") == FileCrs()


# ---------------------------------------------------------------- grids


@pytest.mark.parametrize("crs", ["GCJ-02", "BD-09"])
def test_geojson_grids_in_gcj02_are_converted_when_crs_says_so(settings, tmp_path: Path, crs: str) -> None:
    path = tmp_path / "amap.geojson"
    shifted(tiny_grids(), crs).to_file(path, driver="GeoJSON")
    api.load("grids", path, dataclasses.replace(GRIDS, crs=crs), settings=settings)
    # back within 0.15 m (1.5e-6°) of the true outline, not ~580 m off
    assert district_bounds(settings) == pytest.approx((117.20, 31.80, 117.30, 31.90), abs=1.5e-6)


def test_a_prj_is_honoured_without_crs_and_conflicts_with_another(settings, tmp_path: Path) -> None:
    path = tmp_path / "grids.shp"
    ascii_grids().to_crs(GK117).to_file(path, engine="pyogrio", encoding="utf-8")
    with pytest.raises(CrsConflictError, match=r"EPSG:4548.*--crs says EPSG:4326"):
        api.load("grids", path, dataclasses.replace(GRIDS, crs="WGS-84"), settings=settings)
    assert not settings.db_path.exists()  # nothing written
    api.load("grids", path, GRIDS, settings=settings)
    assert district_bounds(settings) == pytest.approx((117.20, 31.80, 117.30, 31.90), abs=1e-6)


def test_a_projected_shapefile_without_prj_asks_for_crs(settings, tmp_path: Path) -> None:
    path = tmp_path / "grids.shp"
    ascii_grids().to_crs(GK117).to_file(path, engine="pyogrio", encoding="utf-8")
    path.with_suffix(".prj").unlink()
    with pytest.raises(SourceFileError, match=r"grids\.shp declares no coordinate system.*name .* with --crs"):
        api.load("grids", path, GRIDS, settings=settings)
    report = api.load("grids", path, dataclasses.replace(GRIDS, crs=GK117), settings=settings)
    assert (report.loaded, report.rejected) == (5, 0)
    assert district_bounds(settings) == pytest.approx((117.20, 31.80, 117.30, 31.90), abs=1e-6)


# ---------------------------------------------------------------- cases and things on the map


def test_case_shapefile_with_a_prj_is_read_in_its_system(city, tmp_path: Path) -> None:
    path = tmp_path / "cases.shp"
    case_points().to_crs(GK117).to_file(path, engine="pyogrio")
    report = api.load("cases", path, CASES, settings=city)
    assert (report.read, report.loaded, report.rejected) == (3, 3, 0)
    rows = query(city, "SELECT source_id, round(lon, 6), round(lat, 6), src_crs, grid_l2 FROM cases ORDER BY 1")
    assert rows[1] == ("P1", *WEST_POINT, GK117, "340104001")
    with pytest.raises(CrsConflictError, match="--force-crs"):
        api.load("cases", path, dataclasses.replace(CASES, crs="EPSG:4326"), settings=city)


def test_projected_csv_cases_without_crs_ask_for_it(city, tmp_path: Path) -> None:
    x, y = from_wgs84(np.array([WEST_POINT[0]]), np.array([WEST_POINT[1]]), GK117)
    row = {"事件编号": "X1", "上报时间": "2025-06-03 09:00", "经度": float(x[0]), "纬度": float(y[0])}
    path = write_csv(tmp_path / "cases.csv", [row])
    with pytest.raises(SourceFileError, match="--crs"):
        api.load("cases", path, CASES, settings=city)
    report = api.load("cases", path, dataclasses.replace(CASES, crs=GK117), settings=city)
    assert report.loaded == 1
    assert query(city, "SELECT round(lon, 6), round(lat, 6) FROM cases") == [WEST_POINT]


def test_geoparquet_crs_is_honoured(city, tmp_path: Path) -> None:
    path = tmp_path / "cases.parquet"
    case_points().to_crs(GK117).to_parquet(path)
    assert api.load("cases", path, CASES, settings=city).loaded == 3
    assert query(city, "SELECT round(lon, 6), round(lat, 6) FROM cases WHERE source_id = 'P1'") == [WEST_POINT]


def test_facilities_in_gcj02_geojson_are_converted(city, tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"编号": ["F1"], "类型": ["school"], "名称": ["一中"]}, geometry=[shapely.Point(WEST_POINT)], crs="EPSG:4326"
    )
    path = tmp_path / "facilities.geojson"
    shifted(frame, "GCJ-02").to_file(path, driver="GeoJSON")
    api.load("facilities", path, SourceOptions(source="poi", crs="GCJ-02"), settings=city)
    assert query(city, "SELECT round(lon, 6), round(lat, 6) FROM facility") == [WEST_POINT]


def test_geojson_with_a_crs_member_is_a_declaration(settings, tmp_path: Path) -> None:
    path = tmp_path / "grids.geojson"
    tiny_grids().to_crs(GK117).to_file(path, driver="GeoJSON")
    assert json.loads(path.read_text())["crs"]["properties"]["name"].endswith("4548")
    api.load("grids", path, GRIDS, settings=settings)
    assert district_bounds(settings) == pytest.approx((117.20, 31.80, 117.30, 31.90), abs=1e-6)

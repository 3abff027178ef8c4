"""Generate the demo city's source files (what a real city hands over) and the manifest that loads them.

``generate_demo(out_dir)`` writes grids (GeoPackage, CGCS2000), dictionaries, routing, cameras, facilities,
cases and their workflow from four source systems (each with its own codes, encoding and coordinate system)
and camera alarms. The same arguments give byte-identical files; the clock is never read.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from . import places
from .cases import FLOW_FILE, SOURCE_ENCODING, SOURCE_FILE, CaseWriter, build_cameras
from .city import (
    DISTRICT_CODE,
    City,
    build_city,
    camera_scenes,
    departments,
    facilities,
    hotline_topics,
    legacy_codes,
    routing,
    to_lonlat,
)
from .dispatch import plant as plant_dispatch
from .dispatch import planted_count, with_planted
from .personal import Planter
from .trend_plants import PLANT_FILE, PLANT_SOURCE, write_plants

DEFAULT_END = dt.date(2026, 11, 20)
CASE_STEPS = (  # source, crs, default channel, category system
    ("dcs", "EPSG:4326", "patrol", "dcs_legacy"),
    ("hotline12345", "GCJ-02", "hotline", "hotline"),
    ("camera_ai", "EPSG:4326", "camera_ai", "gbt"),
    ("iot", "EPSG:4326", "iot", "gbt"),
)
FACILITY_PREFIX = {"service_station": "DQ", "police_post": "JW", "school": "XX", "market": "SC", "hospital": "YY"}


def generate_demo(
    out_dir: Path,
    *,
    cases: int = 200_000,
    days: int = 365,
    seed: int = 42,
    end: dt.date | None = None,
    progress: bool = False,
) -> list[dict]:
    """Write the demo source files into ``out_dir`` and return the manifest (also ``manifest.json``)."""
    if cases < 0 or days < 1:
        raise ValueError(f"cases must be >= 0 and days >= 1; got cases={cases}, days={days}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    end = end or DEFAULT_END
    start = end - dt.timedelta(days=days - 1)
    city = build_city(np.random.default_rng([seed, 1]))
    write_grids(city, out_dir / "grids.gpkg")
    write_bad_grids(city, out_dir / "grids_bad.geojson")
    depts = departments(city)
    depts.to_csv(out_dir / "departments.csv", index=False, encoding="utf-8-sig")
    topics = hotline_topics()
    pd.DataFrame(
        {
            "诉求分类编码": topics["code"],
            "大类编码": topics["major"],
            "大类名称": topics["major_name"],
            "小类名称": topics["name"],
            "国标编码": topics["gbt"].replace("-", ""),
        }
    ).to_csv(out_dir / "hotline_topics.csv", index=False, encoding="utf-8")
    legacy = legacy_codes()
    pd.DataFrame(
        {"原编码": legacy["code"], "原名称": legacy["name"], "标准编码": legacy["gbt"], "体系": "legacy"}
    ).to_csv(out_dir / "category_map_dcs.csv", index=False, encoding="utf-8")
    scenes = camera_scenes()
    pd.DataFrame(
        {
            "原编码": scenes["vendor_code"],
            "原名称": scenes["vendor_name"],
            "标准编码": scenes["gbt"],
            "体系": "camera_vendor",
        }
    ).to_csv(out_dir / "category_map_vendor.csv", index=False, encoding="utf-8")
    rules = routing(city)
    rules.to_csv(out_dir / "routing.csv", index=False, encoding="utf-8")
    cameras = build_cameras(city, start, np.random.default_rng([seed, 2]))
    cameras[["设备编码", "设备名称", "经度", "纬度", "地址", "厂商", "算法场景", "安装时间", "状态"]].to_csv(
        out_dir / "cameras.csv", index=False, encoding="utf-8"
    )
    write_facilities(city, out_dir / "facilities.geojson", np.random.default_rng([seed, 4]))
    planter = Planter(seed)  # personal data in the hotline's free texts, and its truth (demo/personal.py)
    CaseWriter(city, depts, rules, cameras, start, days, seed).write(
        out_dir, cases - planted_count(cases), progress=progress, edit=planter.plant
    )
    planter.write_truth(out_dir)
    write_plants(city, out_dir, start=start, days=days, cases=cases, seed=seed)
    places_steps = places.plant(out_dir, city, cameras, start=start, days=days, seed=seed, cases=cases)
    planted = plant_dispatch(city, depts, out_dir, cases=cases, start=start, days=days, seed=seed)
    manifest = with_planted(build_manifest(), planted) + places_steps  # each planted flow after its cases
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def build_manifest() -> list[dict]:
    steps: list[dict] = [
        {"entity": "grids", "path": "grids.gpkg", "source": "shushan_grid", "crs": "EPSG:4490", "layer": "grids"},
        {"entity": "departments", "path": "departments.csv", "source": "shushan_org", "crs": None},
        {"entity": "hotline_topics", "path": "hotline_topics.csv", "source": "hotline12345", "crs": None},
        {
            "entity": "category_map",
            "path": "category_map_dcs.csv",
            "source": "dcs",
            "source_system": "dcs_legacy",
            "crs": None,
        },
        {
            "entity": "category_map",
            "path": "category_map_vendor.csv",
            "source": "camera_ai",
            "source_system": "camera_vendor_hk",
            "crs": None,
        },
        {"entity": "routing", "path": "routing.csv", "source": "shushan_duty_list", "crs": None},
        {"entity": "cameras", "path": "cameras.csv", "source": "camera_ai", "crs": "EPSG:4326"},
        {"entity": "facilities", "path": "facilities.geojson", "source": "shushan_facilities", "crs": "EPSG:4326"},
    ]
    for source, crs, channel, system in CASE_STEPS:
        steps.append(
            {
                "entity": "cases",
                "path": SOURCE_FILE[source],
                "source": source,
                "crs": crs,
                "channel": channel,
                "category_system": system,
                "encoding": SOURCE_ENCODING[source],
            }
        )
        if source == "hotline12345":  # ~3 % of calls give an address only: keep them, unlocated
            steps[-1]["require_location"] = False
    steps.append(
        {
            "entity": "cases",
            "path": PLANT_FILE,
            "source": PLANT_SOURCE,
            "crs": "EPSG:4326",
            "channel": "patrol",
            "category_system": "gbt",
            "encoding": "utf-8",
        }
    )
    for source, *_ in CASE_STEPS:
        steps.append(
            {
                "entity": "flow",
                "path": FLOW_FILE[source],
                "source": source,
                "crs": None,
                "encoding": SOURCE_ENCODING[source],
            }
        )
    steps.append(
        {
            "entity": "camera_events",
            "path": "camera_events.csv",
            "source": "camera_ai",
            "crs": None,
            "category_system": "camera_vendor_hk",
            "case_source": "camera_ai",
        }
    )
    return steps


def write_grids(city: City, path: Path) -> None:
    path.unlink(missing_ok=True)
    gdf = gpd.GeoDataFrame(city.grids, geometry="geometry", crs="EPSG:4490")
    gdf.to_file(path, layer="grids", driver="GPKG", engine="pyogrio")


def write_bad_grids(city: City, path: Path) -> None:
    """Three broken grids for the loaders' tests: a bow-tie, a clockwise ring and a MultiPolygon."""
    x, y = (float(v) for v in to_lonlat(0.3, -0.2))
    d = 0.004
    parent = city.grids.loc[city.grids["层级"] == 3, "网格编码"].iloc[0]
    shapes = [
        ("自相交", {"type": "Polygon", "coordinates": [[[x, y], [x + d, y + d], [x + d, y], [x, y + d], [x, y]]]}),
        ("顺时针", {"type": "Polygon", "coordinates": [[[x, y], [x, y + d], [x + d, y + d], [x + d, y], [x, y]]]}),
        (
            "多部件",
            {
                "type": "MultiPolygon",
                "coordinates": [
                    [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]],
                    [[[x + 2 * d, y], [x + 3 * d, y], [x + 3 * d, y + d], [x + 2 * d, y + d], [x + 2 * d, y]]],
                ],
            },
        ),
    ]
    features = [
        {
            "type": "Feature",
            "properties": {
                "网格编码": f"{parent}9{i + 1:02d}",
                "网格名称": f"测试网格（{label}）",
                "层级": 4,
                "上级编码": parent,
                "人口": 0,
                "户数": 0,
            },
            "geometry": geom,
        }
        for i, (label, geom) in enumerate(shapes)
    ]
    _write_geojson(path, "grids_bad", features)


def write_facilities(city: City, path: Path, rng: np.random.Generator) -> None:
    fac = facilities(city, rng)
    lon, lat = to_lonlat(fac["x"].to_numpy(), fac["y"].to_numpy())
    number = fac.groupby("kind").cumcount() + 1
    features = [
        {
            "type": "Feature",
            "properties": {
                "编号": f"{FACILITY_PREFIX[r.kind]}{DISTRICT_CODE}{k:03d}",
                "类型": r.kind,
                "名称": r.name,
                "地址": r.address,
                "服务半径": int(r.radius),
            },
            "geometry": {"type": "Point", "coordinates": [round(x, 7), round(y, 7)]},
        }
        for r, k, x, y in zip(fac.itertuples(), number, lon.tolist(), lat.tolist(), strict=True)
    ]
    _write_geojson(path, "facilities", features)


def _write_geojson(path: Path, name: str, features: list[dict]) -> None:
    doc = {"type": "FeatureCollection", "name": name, "features": features}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

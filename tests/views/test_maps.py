"""The map of a view (``views.maps``): its layers in a control, fitted and capped, shifted for Amap, its texts from
the label table in either language, and the size of a full map of the demo city.
"""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pandas as pd
import pytest
import shapely
from layer_frames import BASE, URL, area_frame, case_frame, rows_of
from shapely.geometry import box

from core.coords import from_wgs84
from layers import use_local_assets
from settings import Settings
from views import maps


# ---------------------------------------------------------------- the map
def view_of(**frames: object) -> maps.MapView:
    areas = area_frame([1, 5, 9])
    return maps.MapView(areas=areas, measure="cases", **frames)  # type: ignore[arg-type]


def test_build_map_layers_in_a_control_fitted_to_the_areas() -> None:
    heat = pd.DataFrame({"lon": [117.05], "lat": [31.05], "weight": [2]})
    bins = pd.DataFrame({"lon": [117.05], "lat": [31.05], "cases": [2]})
    m = maps.build_map(view_of(points=case_frame(3), points_total=3, heat=heat, bins=bins), settings=Settings())
    html = m.get_root().render()
    assert "L.control.layers" in html
    control = re.search(r"var layer_control_\w+_layers = \{.*?overlays :  \{(.*?)\},", html, re.S).group(1)
    names = [json.loads(f'"{name}"') for name in re.findall(r'"(.+?)" :', control)]
    assert names == ["专题图 · 案件数", "网格边界", "蜂窝聚合", "热力图", "案件点位"]
    assert re.search(r"\.fitBounds\(\s*\[\[31\.0, 117\.0\], \[31\.1, 117\.3\]\]", html)
    # Shown at first: the choropleth, boundaries and points; the aggregates wait while points are shown.
    shown = set(re.findall(r"(\w+_[0-9a-f]{32})\.addTo\(map_", html))
    assert len(shown) == 3


def test_build_map_offers_the_bins_over_the_cap_without_hiding_the_choropleth() -> None:
    bins = pd.DataFrame({"lon": [117.05], "lat": [31.05], "cases": [5000]})
    m = maps.build_map(view_of(bins=bins, points_total=5000), settings=Settings())
    html = m.get_root().render()
    assert "案件点位" not in html
    # areas and boundaries are on; the hexagon layer is in the layer control, switched off
    assert len(set(re.findall(r"(\w+_[0-9a-f]{32})\.addTo\(map_", html))) == 2
    assert json.dumps("蜂窝聚合") in html


def test_build_map_caps_the_points_and_says_so() -> None:
    settings = dataclasses.replace(Settings(), max_points=5)
    m = maps.build_map(view_of(points=case_frame(8), points_total=1234), settings=settings)
    html = m.get_root().render()
    assert len(rows_of(html)) == 5
    assert json.dumps("案件点位（5 / 1,234）") in html  # folium writes layer names as \\uXXXX


def test_build_map_keeps_the_busiest_cameras_over_the_cap() -> None:
    cameras = pd.DataFrame(
        {"camera_id": ["c1", "c2", "c3"], "name": ["一", "二", "三"], "lon": [117.1] * 3, "lat": [31.0, 31.01, 31.02]}
    )
    events = pd.DataFrame(
        {"camera_id": ["c3", "c2"], "scene_name": ["x", "x"], "events": [5, 9], "false_positives": 0, "pushed": 0}
    )
    settings = dataclasses.replace(Settings(), max_points=2)
    html = maps.build_map(view_of(cameras=cameras, camera_events=events), settings=settings).get_root().render()
    assert [row[4].split("<br>")[0] for row in rows_of(html)] == ["二", "三"]


def test_build_map_without_areas_or_alarms() -> None:
    cameras = pd.DataFrame({"camera_id": ["c1"], "name": ["一"], "lon": [117.1], "lat": [31.0]})
    heat = pd.DataFrame({"lon": [117.05, 117.06], "lat": [31.05, 31.06], "weight": [2, 1]})
    view = maps.MapView(areas=pd.DataFrame(), heat=heat, cameras=cameras)  # no camera_events at all
    html = maps.build_map(view, settings=Settings()).get_root().render()
    assert re.search(r"\.fitBounds\(\s*\[\[31\.05, 117\.05\], \[31\.06, 117\.06\]\]", html)
    assert "无告警" in html


def test_build_map_on_amap_shifts_every_vector() -> None:
    point = case_frame(1, lon=[121.5272106], lat=[31.1774276])
    areas = area_frame([1])
    areas["geom_wkb"] = [bytearray(shapely.to_wkb(box(121.52, 31.17, 121.53, 31.18)))]
    settings = dataclasses.replace(Settings(), basemap="amap")
    m = maps.build_map(maps.MapView(areas=areas, points=point, points_total=1), settings=settings)
    use_local_assets(m, base_url=BASE)
    html = m.get_root().render()
    assert rows_of(html)[0][:2] == [31.175304, 121.531542]  # the published GCJ-02 point, at 6 decimals
    x, y = from_wgs84(121.52, 31.17, "GCJ-02")
    assert f"[{round(float(x), 6)},{round(float(y), 6)}]" in html  # the polygon's corner too
    tiles = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
    assert set(URL.findall(html)) == {tiles.replace("&", "\\u0026")}  # folium writes & as \\u0026 in JSON
    plain = maps.build_map(maps.MapView(areas=areas, points=point, points_total=1), settings=Settings())
    assert rows_of(plain.get_root().render())[0][:2] == [31.177428, 121.527211]


def test_build_map_writes_every_text_in_the_views_language() -> None:
    view = maps.MapView(areas=area_frame([1]), points=case_frame(1), points_total=1, lang="en", level_label="Street")
    html = maps.build_map(view, settings=Settings()).get_root().render()
    assert 'var fields = ["Category","Status",' in html and "Case category" in html
    assert json.dumps("Cases") in html and json.dumps("Street boundaries") in html
    assert json.dumps("Thematic map · Cases") in html


def test_streamlit_folium_gets_the_shared_features_before_their_use() -> None:
    # streamlit-folium does not send the rendered page: it walks the element tree and renders each script.
    from streamlit_folium import generate_leaflet_string

    m = maps.build_map(view_of(points=case_frame(3), points_total=3), settings=Settings())
    m.get_root().render()
    script = generate_leaflet_string(m)
    defined = re.search(r"var (area_features_\w+) = ", script)
    uses = [use.start() for use in re.finditer(rf"\.addData\({defined.group(1)}\);", script)]
    assert len(uses) == 2 and defined.start() < min(uses)  # boundaries and choropleth, after the definition
    assert script.count('"i":') == 3  # the three areas, once


def test_build_map_rejects_unknown_measures() -> None:
    with pytest.raises(ValueError, match=r"unknown measure 'rate'; choose one of \['cases'"):
        maps.build_map(maps.MapView(areas=area_frame([1]), measure="rate"), settings=Settings())


# ---------------------------------------------------------------- size: the demo city's sub-grids and 2,000 cases
@pytest.fixture(scope="module")
def demo_view() -> maps.MapView:
    from demo.city import build_city, to_lonlat

    city = build_city(np.random.default_rng([42, 1]))
    grids = city.grids[(city.grids["层级"] == 5) & city.grids["失效日期"].isna()]
    rng = np.random.default_rng(3)
    areas = pd.DataFrame(
        {
            "code": grids["网格编码"].to_numpy(),
            "name": grids["网格名称"].to_numpy(),
            "population": grids["人口"].to_numpy(),
            "area_km2": shapely.area(grids.geometry.to_numpy()) * 10_000,
            "geom_wkb": [bytearray(w) for w in shapely.to_wkb(grids.geometry.to_numpy())],
            "cases": rng.poisson(8, len(grids)),
        }
    )
    pick = rng.integers(0, len(city.sub_xy), 2000)
    lon, lat = to_lonlat(city.sub_xy[pick, 0] + rng.normal(0, 0.05, 2000), city.sub_xy[pick, 1])
    points = pd.DataFrame(
        {
            "lon": lon,
            "lat": lat,
            "category_name": "机动车乱停放",
            "major_name": rng.choice(["市容环境类", "街面秩序类", "宣传广告类", "施工管理类"], 2000),
            "status_name": "处置中",
            "reported_at": pd.Timestamp("2026-11-20 10:15"),
            "address": "合肥市蜀山区琥珀街道长江西路与金寨路交口东北角" + pd.Series(range(2000)).astype(str) + "号",
            "description": "群众反映该路段机动车长期占用人行道停放，影响行人通行，"
            "请相关部门尽快处理，并加强日常巡查管控。",
            "dept_name": "蜀山区城市管理局",
            "contact_masked": "张*",
        }
    )
    cells = pd.DataFrame({"lon": lon[:1500].round(3), "lat": lat[:1500].round(3), "weight": 1})
    cells = cells.groupby(["lon", "lat"], as_index=False).sum()
    bins = cells.iloc[:700].rename(columns={"weight": "cases"})
    alerts = points.iloc[:300].assign(level="overdue", elapsed_fraction=1.2, handle_deadline=pd.Timestamp("2026-11-21"))
    return maps.MapView(
        areas=areas,
        measure="cases",
        points=points,
        points_total=45_000,
        bins=bins,
        heat=cells,
        alerts=alerts,
        bin_size_m=300,
    )


@pytest.mark.slow
def test_a_full_map_stays_under_two_megabytes(demo_view: maps.MapView) -> None:
    m = maps.build_map(demo_view, settings=Settings())
    use_local_assets(m, base_url=BASE)
    size = maps.map_html_size(m)
    html = m.get_root().render()  # again: folium repeats its few addTo lines on a second render
    assert size <= len(html) < size + 2_000
    assert len(demo_view.areas) == 1600 and len(rows_of(html)) == 2000
    assert size < 2_000_000, f"{size:,} characters"
    assert len(html.encode("utf-8")) < 2_500_000  # bytes on the wire (Chinese is 3 bytes in UTF-8)
    assert html.count('"i":') == 1600  # the polygons are written once for both area layers
    assert URL.findall(html) == []  # no basemap: nothing from the internet
    assert "张*" not in html


def test_every_frame_reaches_the_map_in_wgs84_without_a_basemap() -> None:
    m = maps.build_map(view_of(points=case_frame(1), points_total=1), settings=Settings())
    assert rows_of(m.get_root().render())[0][:2] == [31.05, 117.05]


def test_the_offered_basemaps_are_checked_when_they_are_offered() -> None:
    import dataclasses

    from settings import Settings
    from views.maps import offered_basemaps

    assert offered_basemaps(Settings()) == ("none",)
    assert offered_basemaps(Settings(basemap="osm", basemaps=("none", "osm", "amap"))) == ("none", "osm", "amap")
    with pytest.raises(ValueError, match="unknown basemap 'google'"):
        offered_basemaps(Settings(basemaps=("google",)))
    with pytest.raises(ValueError, match="basemap 'tianditu' needs tile_token"):
        offered_basemaps(dataclasses.replace(Settings(), basemaps=("tianditu",)))

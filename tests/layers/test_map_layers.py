"""Map layers: bounds, class breaks, legends, escaping, no personal data, offline assets and the display coordinate
system."""

from __future__ import annotations

import colorsys
import json
import math
import re

import folium
import folium.plugins
import numpy as np
import pandas as pd
import pytest
import shapely
from layer_frames import (
    BASE,
    CONTACT,
    URL,
    XSS,
    alert_markers,
    area_choropleth,
    area_frame,
    camera_markers,
    case_frame,
    case_markers,
    facility_markers,
    hex_bin_layer,
    rendered,
    rows_of,
)

from core.coords import from_wgs84
from layers import heat_layer, shift_frame, simplify_frame
from layers._classes import ALARM_SEQUENTIAL, CATEGORICAL, SEQUENTIAL, ZERO_COLOUR, categorise, classify
from layers.alerts import LEVEL_COLOURS
from layers.bins import hexagon_rings
from layers.heat import GRADIENT


# ---------------------------------------------------------------- class breaks
@pytest.mark.parametrize(
    ("values", "labels", "index"),
    [
        ([1, 2, 3], ["1", "2", "3"], [0, 1, 2]),  # few values: one class each
        ([5, 5, 5], ["5"], [0, 0, 0]),  # all equal: one class
        ([0, 0, 1, 2, 3, 5, 8, 13, 21, 34, 55], ["0 – 5", "6 – 13", "14 – 21", "22 – 34", "35 – 55"], None),
        ([0.1, 0.25, float("nan")], ["0.10", "0.25"], [0, 1, -1]),  # NaN: no class
        ([float("nan")] * 2, [], [-1, -1]),
    ],
)
def test_classify(values: list[float], labels: list[str], index: list[int] | None) -> None:
    classes = classify(values, k=5)
    assert list(classes.labels) == labels
    assert len(classes.colours) == len(labels)
    if index is not None:
        assert classes.index.tolist() == index


def test_classify_uses_fisher_jenks_for_few_areas_and_quantiles_for_many() -> None:
    # Fisher-Jenks puts the natural gaps between classes: 1 1 2 | 10 11 | 30 | 100 101 | 500.
    few = classify([1, 1, 2, 10, 11, 30, 100, 101, 500], k=5)
    assert few.upper == (2.0, 11.0, 30.0, 101.0, 500.0)
    many = classify(np.arange(1000), k=4)  # quantiles: a quarter each
    assert np.bincount(many.index).tolist() == [250, 250, 250, 250]
    assert many.labels[0] == "0 – 249"
    assert classify([0.0, 1.0, 2.0, 3.0], k=2, scheme="equal_interval").upper == (1.5, 3.0)
    with pytest.raises(ValueError, match=r"unknown class scheme 'jenks'; choose one of \['auto'"):
        classify([1, 2], scheme="jenks")


def test_colours_spread_over_the_palette() -> None:
    assert classify([1, 2], k=5).colours == (SEQUENTIAL[0], SEQUENTIAL[-1])
    assert classify([1, 2, 3, 4, 5, 6], k=6).colours == SEQUENTIAL


def test_categorise_keeps_the_most_frequent() -> None:
    categories = categorise(["b", "a", "b", None, "c"], palette=["#111", "#222", "#333"], other_label="其他")
    assert categories.labels == ("b", "a", "其他")  # room for two, the last colour is "other"
    assert categories.index.tolist() == [0, 1, 0, 2, 2]
    assert categorise(["x", "y"], other_label="其他").colours == CATEGORICAL[:2]


# ---------------------------------------------------------------- choropleth
def test_choropleth_bounds_colours_and_legend() -> None:
    layer = area_choropleth(area_frame([0, 4, 10]), measure="cases", title="案件数", name="专题图 · 案件数")
    assert isinstance(layer, folium.FeatureGroup)
    assert layer.get_bounds() == [[31.0, 117.0], [31.1, 117.3]]
    html = rendered(layer)
    assert "var fills = [0,1,2];" in html  # three values, three classes
    assert 'var rows = [["0"],["4"],["10"]];' in html  # the value in each area's tooltip
    assert '"code":"340102001","name":"街道1"' in html  # the code a click drills down with
    legend = re.search(r"div.innerHTML = (\".*?\");", html).group(1)
    assert json.loads(legend) == (
        '<div class="onemap-legend-title">案件数</div>'
        f'<div><i style="background:{SEQUENTIAL[0]}"></i>0</div>'  # three classes: palette ends and middle
        f'<div><i style="background:{SEQUENTIAL[2]}"></i>4</div>'
        f'<div><i style="background:{SEQUENTIAL[-1]}"></i>10</div>'
    )
    assert 'layer.on("remove", function () { var map = legend._map; legend.remove();' in html  # hidden with it


def test_areas_with_no_cases_are_drawn_as_none_not_as_the_worst_class() -> None:
    def legend_of(values: list[float], **options: object) -> tuple[str, list[tuple[str, str]]]:
        html = rendered(area_choropleth(area_frame(values), measure="cases", title="案件数", name="专题图", **options))
        fills = re.search(r"var fills = (\[.*?\]);", html).group(1)
        legend = json.loads(re.search(r"div.innerHTML = (\".*?\");", html).group(1))
        return fills, re.findall(r'background:(#\w+)"></i>(.*?)</div>', legend)

    # every area without a case: one class, "0", in the colour of none (before: the darkest, as if the worst)
    fills, items = legend_of([0, 0, 0], zero_colour=ZERO_COLOUR)
    assert (fills, items) == ("[0,0,0]", [(ZERO_COLOUR, "0")])
    # zeros apart from the rest, which keep the palette
    fills, items = legend_of([0, 4, 10], zero_colour=ZERO_COLOUR)
    assert (fills, items) == ("[0,1,2]", [(ZERO_COLOUR, "0"), (SEQUENTIAL[0], "4"), (SEQUENTIAL[-1], "10")])
    # a rate of 0 % is a value like any other (no zero colour); one value everywhere is not the darkest class
    assert legend_of([0, 0, 0])[1] == [(SEQUENTIAL[len(SEQUENTIAL) // 2], "0")]


def _reddish(colour: str) -> bool:
    """A saturated colour whose hue is within ~15° of red."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    hue, _, saturation = colorsys.rgb_to_hls(r, g, b)
    return saturation > 0.35 and (hue < 0.04 or hue > 0.96)


def test_red_means_overdue_and_nothing_else() -> None:
    assert _reddish(LEVEL_COLOURS["overdue"]) and not _reddish(LEVEL_COLOURS["warning"])
    # before: areas and bins in OrRd (ending in #b30000), camera alarms likewise, a red case category
    for palette in (SEQUENTIAL, ALARM_SEQUENTIAL, CATEGORICAL, tuple(GRADIENT.values())):
        assert not [colour for colour in palette if _reddish(colour)], palette


def test_choropleth_ranges_and_no_data() -> None:
    values = [float(v) for v in range(20)] + [float("nan")]
    html = rendered(area_choropleth(area_frame(values), measure="cases", title="案件数", k=4))
    legend = json.loads(re.search(r"div.innerHTML = (\".*?\");", html).group(1))
    assert re.findall(r"</i>([^<]+)</div>", legend) == ["0 – 4", "5 – 9", "10 – 14", "15 – 19", "无数据"]
    assert '["无数据"]' in html and '"#cccccc"' in html  # the NaN area: grey, "no data"
    assert html.count('"i":') == 21


def test_choropleth_all_equal_and_all_missing() -> None:
    equal = rendered(area_choropleth(area_frame([7, 7]), measure="cases", title="案件数"))
    assert "var fills = [0,0];" in equal and "</i>7</div>" in json.loads(
        re.search(r"div.innerHTML = (\".*?\");", equal).group(1)
    )
    missing = rendered(area_choropleth(area_frame([float("nan")] * 2), measure="cases", title="满意率"))
    assert 'var palette = ["#cccccc"];' in missing and "var fills = [0,0];" in missing


def test_choropleth_formats_rates_and_escapes() -> None:
    frame = area_frame([0.5, 0.25], names=[XSS, "A & B"])
    html = rendered(
        area_choropleth(
            frame, measure="cases", title="<b>结案率</b>", level_label="街道&", value_format="{:.0%}".format
        )
    )
    assert "<script>alert" not in html and "<b>结案率" not in html
    assert '"name":"&lt;script&gt;alert(1)&lt;/script&gt;"' in html and '"name":"A &amp; B"' in html
    assert 'var rows = [["50%"],["25%"]];' in html
    assert 'var fields = ["&lt;b&gt;结案率&lt;/b&gt;"];' in html and 'var heading = "街道&amp;";' in html


def test_choropleth_needs_its_measure() -> None:
    with pytest.raises(ValueError, match=r"area frame lacks columns \['closure_rate'\]"):
        area_choropleth(area_frame([1]), measure="closure_rate", title="结案率")


# ---------------------------------------------------------------- case points
def test_case_markers_few_are_a_feature_group() -> None:
    layer = case_markers(case_frame(3))
    assert type(layer) is folium.FeatureGroup
    assert layer.get_bounds() == [[31.05, 117.05], [31.052, 117.052]]
    html = rendered(layer)
    assert "markerClusterGroup" not in html
    assert rows_of(html)[0][:3] == [31.05, 117.05, 0]
    assert rows_of(html)[2][2] == 1  # 街面秩序: the second category
    assert 'var fields = ["类别","状态","上报时间","地址","描述","处置部门"];' in html
    assert rows_of(html)[0][3] == ["暴露垃圾", "处置中", "2024-05-01 09:30", "长江西路1号", "路边垃圾堆放", "城管局"]
    assert "案件大类" in html and "市容环境" in html


def test_case_markers_many_are_clustered_from_local_assets() -> None:
    layer = case_markers(case_frame(201))
    assert isinstance(layer, folium.plugins.MarkerCluster)
    html = rendered(layer)
    assert "L.markerClusterGroup" in html and "parent.addLayers(layers)" in html
    assert f"{BASE}/leaflet.markercluster-1.1.0/leaflet.markercluster.js" in html
    assert URL.findall(html) == []
    assert len(rows_of(html)) == 201


def test_case_popups_are_escaped_truncated_and_without_contact() -> None:
    long_text = "占道经营" * 30
    frame = case_frame(2, description=[XSS, long_text], address=["A & B", "<b>x</b>"])
    html = rendered(case_markers(frame, colour_by="status"))
    assert "<script>alert" not in html and "<b>x</b>" not in html
    popup = rows_of(html)[0][3]
    assert popup[4] == "&lt;script&gt;alert(1)&lt;/script&gt;" and popup[3] == "A &amp; B"
    assert rows_of(html)[1][3][4] == long_text[:59] + "…"
    assert not any(contact in html for contact in CONTACT)
    assert "案件状态" in html  # coloured by status


def test_case_markers_skip_unlocated_and_check_columns() -> None:
    frame = case_frame(3, lon=[117.05, None, 117.06])
    assert len(rows_of(rendered(case_markers(frame)))) == 2
    with pytest.raises(ValueError, match=r"case frame lacks columns \['major_name'\]"):
        case_markers(case_frame(1).drop(columns="major_name"))
    with pytest.raises(ValueError, match=r"colour_by must be one of \['category', 'status'\]"):
        case_markers(case_frame(1), colour_by="dept")


# ---------------------------------------------------------------- heat and bins
def test_heat_layer() -> None:
    frame = pd.DataFrame({"lon": [117.05, 117.06, 117.07], "lat": [31.05, 31.06, 31.07], "weight": [3, 1, 0]})
    layer = heat_layer(frame, name="热力图")
    assert layer.get_bounds() == [[31.05, 117.05], [31.06, 117.06]]  # zero weight left out
    html = rendered(layer)
    assert "[[31.05, 117.05, 3], [31.06, 117.06, 1]]" in html
    assert f"{BASE}/leaflet.heat-0.2.0/leaflet-heat.min.js" in html and URL.findall(html) == []


def test_hexagons_tile_the_plane() -> None:
    size = 500.0
    kx = 111_320.0 * math.cos(math.radians(31.05))
    # Two neighbours on the query's lattice: (0, 0) and (1, 0), √3·size apart along x.
    lon = np.array([117.1, 117.1 + size * math.sqrt(3) / kx])
    lat = np.array([31.05, 31.05])
    rings = hexagon_rings(lon, lat, size)
    assert rings.shape == (2, 7, 2) and (rings[:, 0] == rings[:, -1]).all()
    radius = np.hypot((rings[0, :6, 0] - lon[0]) * kx, (rings[0, :6, 1] - lat[0]) * 110_540.0)
    assert radius == pytest.approx(np.full(6, size), abs=0.1)
    shared = {tuple(p) for p in rings[0, :6]} & {tuple(p) for p in rings[1, :6]}
    assert len(shared) == 2  # the common edge


def test_hex_bin_layer() -> None:
    frame = pd.DataFrame({"lon": [117.1, 117.11], "lat": [31.05, 31.05], "cases": [3, 12]})
    layer = hex_bin_layer(frame, size_m=500, title="案件数")
    assert isinstance(layer, folium.FeatureGroup)
    (south, _), (north, _) = layer.get_bounds()
    half_height = 500 / 110_540  # a pointy-top hexagon reaches its circumradius north and south
    assert (south, north) == pytest.approx((31.05 - half_height, 31.05 + half_height), abs=1e-6)
    html = rendered(layer)
    assert '"cases": "12"' in html and "onemap-legend" in html
    legend = json.loads(re.search(r"div.innerHTML = (\".*?\");", html).group(1))
    assert re.findall(r"</i>([^<]+)</div>", legend) == ["3", "12"]
    with pytest.raises(ValueError, match="size_m must be a positive number of metres"):
        hex_bin_layer(frame, size_m=-1)


# ---------------------------------------------------------------- cameras, facilities, alerts
def test_camera_markers() -> None:
    cameras = pd.DataFrame(
        {
            "camera_id": ["c1", "c2"],
            "name": ["东街口", XSS],
            "lon": [117.15, 117.05],
            "lat": [31.05, 31.05],
            "address": ["东街1号", None],
            "scenes": ["exposed_garbage", "illegal_parking"],  # configured scenes, not the alarms
        }
    )
    events = pd.DataFrame(
        {
            "camera_id": ["c1", "c1"],
            "scene_code": ["exposed_garbage", "illegal_parking"],
            "scene_name": ["暴露垃圾", "机动车乱停放"],
            "events": [3, 1],
            "false_positives": [1, 0],
            "pushed": [2, 0],
        }
    )
    layer = camera_markers(cameras, events)
    assert layer.get_bounds() == [[31.05, 117.05], [31.05, 117.15]]
    html = rendered(layer)
    rows = rows_of(html)
    assert rows[0][4] == "东街口<br>告警数 4" and rows[1][4] == "&lt;script&gt;alert(1)&lt;/script&gt;<br>告警数 0"
    assert "<b>告警场景</b> 暴露垃圾 3、机动车乱停放 1" in rows[0][3] and "<b>误报</b> 1" in rows[0][3]
    assert [row[2] for row in rows] == [0, 1]  # c2 has no alarms: the grey "无告警" colour
    assert "无告警" in html and "<script>alert" not in html


def test_facility_markers_with_service_circles() -> None:
    frame = pd.DataFrame(
        {
            "kind": ["service_station", "school"],
            "name": ["东街道党群服务中心", "A & B 小学"],
            "lon": [117.15, 117.05],
            "lat": [31.02, 31.02],
            "address": ["东街2号", None],
            "service_radius_m": [1000.0, 500.0],
        }
    )
    html = rendered(facility_markers(frame))
    rows = rows_of(html)
    assert [row[5] for row in rows] == [1000.0, 500.0]  # circle radius in metres
    assert "L.circle([r[0], r[1]]" in html
    assert rows[1][4] == "A &amp; B 小学（学校）"
    assert "党群服务中心" in html and "服务半径（米）" in rows[0][3]
    no_circles = rows_of(rendered(facility_markers(frame, circles=False)))
    assert [row[5] for row in no_circles] == [0, 0]


def test_alert_markers_red_and_yellow() -> None:
    frame = pd.DataFrame(
        {
            "case_uid": ["a:1", "a:2", "a:3"],
            "lon": [117.1, 117.2, 117.3],
            "lat": [31.1, 31.2, 31.3],
            "category_name": [XSS, "暴露垃圾", "暴露垃圾"],
            "status_name": ["处置中"] * 3,
            "dept_name": ["城管局"] * 3,
            "handle_deadline": [pd.Timestamp("2024-06-12 09:00")] * 3,
            "level": ["overdue", "warning", "overdue"],
            "elapsed_fraction": [1.0625, 0.875, float("nan")],
            "contact_masked": ["张*"] * 3,
        }
    )
    layer = alert_markers(frame)
    html = rendered(layer)
    assert 'var palette = ["#d7301f","#f5a400"];' in html
    rows = rows_of(html)
    assert [row[2] for row in rows] == [1, 0, 0]  # yellow first, so red is drawn on top
    assert 'var fields = ["","类别","状态","处置部门","处置时限","已用时限"];' in html  # "": the title line
    assert rows[0][3] == ["即将超期", "暴露垃圾", "处置中", "城管局", "2024-06-12 09:00", "88%"]
    assert rows[1][3][1] == "&lt;script&gt;alert(1)&lt;/script&gt;" and "<script>alert" not in html
    assert rows[2][3][5] == ""  # no fraction: the line is left out
    assert "已超期 2" in html and "即将超期 1" in html
    assert not any(contact in html for contact in CONTACT)
    with pytest.raises(ValueError, match=r"unknown alert levels \['late'\]"):
        alert_markers(frame.assign(level="late"))


# ---------------------------------------------------------------- display coordinates and simplification
def test_gcj02_shift_of_the_published_point() -> None:
    frame = pd.DataFrame({"lon": [121.5272106], "lat": [31.1774276]})
    shifted = shift_frame(frame, "GCJ-02")
    assert shifted["lat"].iloc[0] == pytest.approx(31.17530398364597, abs=1e-9)
    assert shifted["lon"].iloc[0] == pytest.approx(121.531541859215, abs=1e-9)
    assert shift_frame(frame, "EPSG:4490") is frame  # CGCS2000 draws as WGS-84


def test_geometries_shift_and_simplify() -> None:
    ring = [(117.0 + 0.001 * i, 31.0 + 0.000001 * (i % 2)) for i in range(101)] + [(117.1, 31.1), (117.0, 31.1)]
    frame = pd.DataFrame({"code": ["1"], "name": ["a"], "geom_wkb": [bytearray(shapely.to_wkb(shapely.Polygon(ring)))]})
    simple = shapely.from_wkb(bytes(simplify_frame(frame)["geom_wkb"].iloc[0]))
    assert shapely.get_num_coordinates(simple) == 5  # the wiggle along the south edge is gone
    shifted = shapely.from_wkb(bytes(shift_frame(frame, "GCJ-02")["geom_wkb"].iloc[0]))
    x, y = from_wgs84(117.0, 31.0, "GCJ-02")
    assert shifted.exterior.coords[0] == pytest.approx((float(x), float(y)))

"""Map layers: bounds, escaped labels, no personal data, and no asset fetched from the internet."""

from __future__ import annotations

import re

import folium
import folium.plugins
import pandas as pd
import pytest
import shapely
from layer_frames import grid_boundaries
from shapely.geometry import box

from layers import VENDOR_DIR, VENDORED, blank_map, display_crs, tile_layers, use_local_assets

BASE = "/app/static/vendor"
URL = re.compile(r"""https?://[^\s"'<>)]+""")


def grid_frame(names: list[str] | None = None, **extra: list) -> pd.DataFrame:
    boxes = [box(117.0, 31.0, 117.1, 31.1), box(117.1, 31.0, 117.25, 31.12)]
    return pd.DataFrame(
        {
            "code": ["340102002", "340102001"],
            "name": names or ["西街道", "东街道"],
            "geom_wkb": [bytearray(shapely.to_wkb(b)) for b in boxes],  # DuckDB returns BLOBs as bytearray
            **extra,
        }
    )


def rendered(*layers: folium.Element, tiles: list[folium.TileLayer] | None = None) -> str:
    m = blank_map(tiles=tiles)
    for layer in layers:
        layer.add_to(m)
    use_local_assets(m, base_url=BASE)
    return m.get_root().render()


def test_bounds_cover_every_grid() -> None:
    layer = grid_boundaries(grid_frame())
    assert layer.get_bounds() == [[31.0, 117.0], [31.12, 117.25]]


def test_names_and_details_reach_the_map() -> None:
    frame = grid_frame(population=[12000, None], area_km2=[100.0, 165.25])
    html = rendered(grid_boundaries(frame, level_label="街道"))
    assert '"code":"340102002","name":"西街道"' in html  # the features, written once as compact JSON
    assert 'var heading = "街道";' in html
    assert 'var fields = ["编码","人口","面积（km²）"];' in html  # the detail labels
    assert 'var rows = [["340102002","12,000","100.00"],["340102001","—","165.25"]];' in html  # missing → —
    assert "permanent: true" in html  # names written on the map


def test_names_are_escaped() -> None:
    html = rendered(grid_boundaries(grid_frame(["<script>alert(1)</script>", "A & B"]), level_label="<b>街道</b>"))
    assert "<script>alert" not in html
    assert '"name":"&lt;script&gt;alert(1)&lt;/script&gt;"' in html  # HTML-escaped
    assert '"name":"A &amp; B"' in html
    assert "<b>街道" not in html and 'var heading = "&lt;b&gt;街道&lt;/b&gt;";' in html


def test_personal_columns_never_reach_the_map() -> None:
    html = rendered(grid_boundaries(grid_frame(grid_worker=["张三", "李四"], party_branch=["一支部", "二支部"])))
    assert "张三" not in html and "一支部" not in html


def test_missing_columns_are_named() -> None:
    with pytest.raises(ValueError, match=r"lacks columns \['geom_wkb'\]; it has \['code', 'name'\]"):
        grid_boundaries(pd.DataFrame({"code": ["1"], "name": ["a"]}))


def test_empty_frame_gives_an_empty_layer() -> None:
    layer = grid_boundaries(grid_frame().iloc[0:0])
    assert '{"type":"FeatureCollection","features":[]}' in rendered(layer)
    assert layer.get_bounds() == [[None, None], [None, None]]


def test_names_show_from_the_zoom_at_which_they_fit() -> None:
    # 0.1 degrees across: "西街道" (3 characters, 47 px) fits from zoom 10 (0.1° = 73 px there), not at 9.
    html = rendered(grid_boundaries(grid_frame()))
    assert '"name":"西街道","at":[31.05,117.05],"z":10}' in html
    assert "map.getZoom() >= p.z" in html


def test_no_internet_assets_without_a_basemap() -> None:
    html = rendered(grid_boundaries(grid_frame()))
    assert URL.findall(html) == []
    assert f'<script src="{BASE}/leaflet-1.9.3/leaflet.js"></script>' in html
    assert f'href="{BASE}/leaflet-1.9.3/leaflet.css"' in html
    assert "bootstrap" not in html and "awesome" not in html


def test_only_the_tile_url_with_a_basemap() -> None:
    tiles = tile_layers("custom", tile_url="https://tiles.intranet.example/{z}/{x}/{y}.png", attribution="内网底图")
    html = rendered(grid_boundaries(grid_frame()), tiles=tiles)
    assert set(URL.findall(html)) == {"https://tiles.intranet.example/{z}/{x}/{y}.png"}


def test_tianditu_draws_streets_and_their_labels_with_the_token() -> None:
    tiles = tile_layers("tianditu", token="TK123")
    assert [layer.tiles.split("?")[0] for layer in tiles] == [
        "https://t{s}.tianditu.gov.cn/vec_w/wmts",
        "https://t{s}.tianditu.gov.cn/cva_w/wmts",
    ]
    assert all(layer.tiles.endswith("&tk=TK123") and "LAYER=" in layer.tiles for layer in tiles)
    assert [layer.options["subdomains"] for layer in tiles] == ["01234567", "01234567"]


def test_amap_tiles() -> None:
    (tiles,) = tile_layers("amap")
    assert tiles.tiles.startswith("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8")
    assert tiles.options["subdomains"] == "1234"


@pytest.mark.parametrize(
    ("basemap", "tile_crs", "crs"),
    [
        ("none", "WGS-84", "EPSG:4326"),
        ("osm", "GCJ-02", "EPSG:4326"),  # a named basemap's tiles have a known system
        ("tianditu", "WGS-84", "EPSG:4490"),
        ("amap", "WGS-84", "GCJ-02"),
        ("custom", "gcj02", "GCJ-02"),
        ("custom", "bd09", "BD-09"),
        ("custom", "EPSG:3857", "EPSG:4326"),
        ("custom", "CGCS2000", "EPSG:4490"),
    ],
)
def test_display_crs(basemap: str, tile_crs: str, crs: str) -> None:
    assert display_crs(basemap, tile_crs=tile_crs) == crs


def test_plugins_load_their_vendored_copies() -> None:
    cluster = folium.plugins.MarkerCluster()
    folium.CircleMarker([31.05, 117.05]).add_to(cluster)
    html = rendered(cluster, folium.plugins.HeatMap([[31.05, 117.05, 1.0]]))
    assert URL.findall(html) == []
    assert f"{BASE}/leaflet.markercluster-1.1.0/leaflet.markercluster.js" in html
    assert f"{BASE}/leaflet.heat-0.2.0/leaflet-heat.min.js" in html


def test_every_vendored_file_exists() -> None:
    missing = [path for path in VENDORED.values() if not (VENDOR_DIR / path).is_file()]
    assert missing == []
    assert (VENDOR_DIR / "leaflet-1.9.3" / "images" / "layers.png").is_file()  # leaflet.css refers to it


@pytest.mark.parametrize(
    ("element", "message"),
    [
        (folium.Marker([31.05, 117.05], icon=folium.Icon()), "folium.Icon needs icon fonts"),
        (folium.plugins.Fullscreen(), r"Fullscreen needs 'Control.Fullscreen.js' .*which is not vendored"),
    ],
)
def test_assets_that_would_need_the_internet_are_refused(element: folium.Element, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rendered(element)


def test_local_assets_do_not_leak_into_other_maps() -> None:
    use_local_assets(blank_map(), base_url=BASE)
    assert folium.Map().default_js[0][1].startswith("https://")  # folium's class-level defaults untouched


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"basemap": "google"},
            r"unknown basemap 'google'; choose one of \['none', 'osm', 'tianditu', 'amap', 'custom'\]",
        ),
        ({"basemap": "tianditu"}, "needs tile_token"),
        ({"basemap": "custom"}, "needs tile_url"),
        ({"basemap": "custom", "tile_url": "x/{z}/{x}/{y}", "tile_crs": "EPSG:4549"}, "tiles in 'EPSG:4549' cannot"),
    ],
)
def test_tile_layer_errors(kwargs: dict, message: str) -> None:
    basemap = kwargs.pop("basemap")
    with pytest.raises(ValueError, match=message):
        tile_layers(basemap, **kwargs)


def test_no_basemap_means_no_tile_layer() -> None:
    assert tile_layers("none") == []
    html = rendered()
    assert "tileLayer" not in html and "background: #f4f6f8" in html

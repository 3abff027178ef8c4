"""Map layers: bounds, escaped labels, no personal data, and no asset fetched from the internet."""

from __future__ import annotations

import json
import re

import folium
import folium.plugins
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from layers import VENDOR_DIR, VENDORED, blank_map, grid_boundaries, tile_layer, use_local_assets

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


def rendered(*layers: folium.Element, tiles: folium.TileLayer | None = None) -> str:
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
    assert '"name": ' + json.dumps("西街道") in html  # folium writes non-ASCII as \\uXXXX
    assert json.dumps(["街道", "编码", "人口", "面积（km²）"]) in html  # the detail labels
    assert '"population": "12,000"' in html and '"population": "\\u2014"' in html  # missing → —
    assert '"area_km2": "165.25"' in html
    assert "permanent" in html  # names written on the map


def test_names_are_escaped() -> None:
    html = rendered(grid_boundaries(grid_frame(["<script>alert(1)</script>", "A & B"]), level_label="<b>街道</b>"))
    assert "<script>alert" not in html
    assert "\\u0026lt;script\\u0026gt;alert(1)" in html  # HTML-escaped, then JSON-escaped by folium
    assert "A \\u0026amp; B" in html
    assert "<b>街道" not in html


def test_personal_columns_never_reach_the_map() -> None:
    html = rendered(grid_boundaries(grid_frame(grid_worker=["张三", "李四"], party_branch=["一支部", "二支部"])))
    assert "张三" not in html and "一支部" not in html


def test_missing_columns_are_named() -> None:
    with pytest.raises(ValueError, match=r"lacks columns \['geom_wkb'\]; it has \['code', 'name'\]"):
        grid_boundaries(pd.DataFrame({"code": ["1"], "name": ["a"]}))


def test_empty_frame_gives_an_empty_layer() -> None:
    layer = grid_boundaries(grid_frame().iloc[0:0])
    assert '"features": []' in rendered(layer)


def test_no_internet_assets_without_a_basemap() -> None:
    html = rendered(grid_boundaries(grid_frame()))
    assert URL.findall(html) == []
    assert f'<script src="{BASE}/leaflet-1.9.3/leaflet.js"></script>' in html
    assert f'href="{BASE}/leaflet-1.9.3/leaflet.css"' in html
    assert "bootstrap" not in html and "awesome" not in html


def test_only_the_tile_url_with_a_basemap() -> None:
    tiles = tile_layer("custom", tile_url="https://tiles.intranet.example/{z}/{x}/{y}.png", attribution="内网底图")
    html = rendered(grid_boundaries(grid_frame()), tiles=tiles)
    assert set(URL.findall(html)) == {"https://tiles.intranet.example/{z}/{x}/{y}.png"}


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
        ({"basemap": "google"}, r"unknown basemap 'google'; choose one of \['none', 'osm', 'tianditu', 'custom'\]"),
        ({"basemap": "tianditu"}, "needs tile_token"),
        ({"basemap": "custom"}, "needs tile_url"),
        ({"basemap": "osm", "tile_crs": "GCJ-02"}, "tiles in 'GCJ-02' cannot be drawn"),
    ],
)
def test_tile_layer_errors(kwargs: dict, message: str) -> None:
    basemap = kwargs.pop("basemap")
    with pytest.raises(ValueError, match=message):
        tile_layer(basemap, **kwargs)


def test_no_basemap_means_no_tile_layer() -> None:
    assert tile_layer("none") is None
    html = rendered()
    assert "tileLayer" not in html and "background: #f4f6f8" in html

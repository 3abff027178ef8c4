"""The map itself: an empty folium map, with tile layers from configuration or none at all.

The default is no basemap: intranets often cannot reach a tile server, and the grids alone locate
everything. Named basemaps: OpenStreetMap and 天地图 (WGS-84/CGCS2000, vector tiles plus the annotation
layer), 高德 Amap (GCJ-02). "custom" takes ``tile_url`` and the tiles' coordinate system ``tile_crs``.
Data are WGS-84; ``display_crs`` says which system the vectors must be converted to so that they sit on the
tiles (``layers.display.shift_frame`` does it).
"""

from __future__ import annotations

import re
from typing import Any

import folium
from branca.element import MacroElement
from jinja2 import Template

from core.coords import normalise_crs

from ._script import figure

#: Tile URL templates of the basemaps known by name; "custom" uses the configured URL.
TILE_URLS: dict[str, tuple[str, ...]] = {
    "osm": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",),
    "tianditu": tuple(
        f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
        "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={token}"
        for layer in ("vec", "cva")  # streets, then their Chinese labels on top
    ),
    "amap": ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",),
}
_ATTRIBUTIONS = {"osm": "© OpenStreetMap contributors", "tianditu": "© 天地图", "amap": "© 高德地图"}
_SUBDOMAINS = {"tianditu": "01234567", "amap": "1234"}
#: The coordinate system of each named basemap's tiles.
_TILE_CRS = {"none": "EPSG:4326", "osm": "EPSG:4326", "tianditu": "EPSG:4490", "amap": "GCJ-02"}
BASEMAPS: tuple[str, ...] = ("none", *TILE_URLS, "custom")
#: Systems tiles may be in: vectors are converted to them for display (CGCS2000 draws as WGS-84).
TILE_CRS: tuple[str, ...] = ("EPSG:4326", "EPSG:4490", "GCJ-02", "BD-09")
#: Deepest zoom of the map and its tile layers.
MAX_ZOOM = 18
_CSS_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]+")


def _check_basemap(basemap: str) -> None:
    if basemap not in BASEMAPS:
        raise ValueError(f"unknown basemap {basemap!r}; choose one of {list(BASEMAPS)}")


def display_crs(basemap: str, *, tile_crs: str = "WGS-84") -> str:
    """The coordinate system the map's vectors are drawn in: the tiles' (``tile_crs`` for "custom")."""
    _check_basemap(basemap)
    if basemap != "custom":
        return _TILE_CRS[basemap]
    crs = normalise_crs(tile_crs)
    if crs == "EPSG:3857":  # Web Mercator tiles are on the WGS-84 datum
        return "EPSG:4326"
    if crs not in TILE_CRS:
        raise ValueError(f"tiles in {tile_crs!r} cannot be drawn; tile_crs must be one of {list(TILE_CRS)}")
    return crs


def tile_layers(
    basemap: str, *, tile_url: str = "", token: str = "", attribution: str = "", tile_crs: str = "WGS-84"
) -> list[folium.TileLayer]:
    """The tile layers for ``basemap`` (one of ``BASEMAPS``), bottom first; none for "none"."""
    display_crs(basemap, tile_crs=tile_crs)  # checks basemap and tile_crs
    if basemap == "none":
        return []
    urls = (tile_url,) if basemap == "custom" else TILE_URLS[basemap]
    if not urls[0]:
        raise ValueError("basemap 'custom' needs tile_url, a template with {z}, {x} and {y}")
    if any("{token}" in url for url in urls) and not token:
        raise ValueError(f"basemap {basemap!r} needs tile_token for {urls[0]}")
    return [
        folium.TileLayer(
            tiles=url.replace("{token}", token),
            attr=attribution or _ATTRIBUTIONS.get(basemap, basemap),
            name="底图" if i == 0 else f"底图注记{i}",
            subdomains=_SUBDOMAINS.get(basemap, "abc"),
            max_zoom=MAX_ZOOM,
            control=False,
        )
        for i, url in enumerate(urls)
    ]


def blank_map(*, tiles: list[folium.TileLayer] | None = None, background: str = "#f4f6f8") -> folium.Map:
    """An empty map showing ``tiles`` (bottom first), or a plain ``background`` colour when there are none."""
    if not _CSS_COLOUR.fullmatch(background):
        raise ValueError(f"background must be a CSS colour like '#f4f6f8' or 'white', got {background!r}")
    # maxZoom set on the map itself: without tiles Leaflet has none, and leaflet.markercluster needs one.
    options: dict[str, Any] = {"maxZoom": MAX_ZOOM}  # Leaflet's own option, passed through to the map
    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=False, zoom_snap=0.25, **options)
    for layer in tiles or []:
        layer.add_to(m)
    figure(m).header.add_child(
        folium.Element(f"<style>.leaflet-container {{ background: {background}; }}</style>"), name="onemap_background"
    )
    return m


class _ExpandOnResize(MacroElement):
    """Re-measures an expanded layer control when the map is resized or the control's box changes size:
    streamlit-folium gives the map its size, and leaflet.css its styles, after the control is added, and Leaflet
    would otherwise keep the scroll bar it chose for a 0-px map or an unstyled list.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var control = {{ this._parent.get_name() }};
            {{ this._parent._parent.get_name() }}.on("resize", function () { control.expand(); });
            if (window.ResizeObserver && control.getContainer()) {
                var width = null;
                new ResizeObserver(function () {
                    var now = control.getContainer().offsetWidth;  // expand() sets heights only: no loop
                    if (now !== width) { width = now; control.expand(); }
                }).observe(control.getContainer());
            }
        })();
        {% endmacro %}
        """
    )


def layer_control(*, collapsed: bool = False) -> folium.LayerControl:
    """The control that switches the map's layers on and off, expanded unless ``collapsed``.

    Add it to the map after the last layer (folium lists the layers present when it renders).
    """
    control = folium.LayerControl(collapsed=collapsed)
    if not collapsed:
        _ExpandOnResize().add_to(control)
    return control

"""The map itself: an empty folium map, with a tile layer from configuration or none at all.

The default is no basemap: intranets often cannot reach a tile server, and the grids alone locate
everything. Tiles are only drawn in WGS-84/CGCS2000 (which display alike); GCJ-02 tiles (Amap, Tencent)
would need the vector layers shifted for display, which OneMap does not do yet.
"""

from __future__ import annotations

import re

import folium

#: Tile URL templates of the basemaps known by name; "custom" uses the configured URL.
TILE_URLS: dict[str, str] = {
    "osm": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "tianditu": (
        "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec"
        "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={token}"
    ),
}
_ATTRIBUTIONS = {"osm": "© OpenStreetMap contributors", "tianditu": "© 天地图"}
_SUBDOMAINS = {"tianditu": "01234567"}
BASEMAPS: tuple[str, ...] = ("none", *TILE_URLS, "custom")
DISPLAYABLE_CRS: tuple[str, ...] = ("WGS-84", "EPSG:4326", "CGCS2000", "EPSG:4490")
_CSS_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]+")


def tile_layer(
    basemap: str, *, tile_url: str = "", token: str = "", attribution: str = "", tile_crs: str = "WGS-84"
) -> folium.TileLayer | None:
    """The tile layer for ``basemap`` (one of ``BASEMAPS``), or ``None`` for "none"."""
    if basemap not in BASEMAPS:
        raise ValueError(f"unknown basemap {basemap!r}; choose one of {list(BASEMAPS)}")
    if basemap == "none":
        return None
    if tile_crs not in DISPLAYABLE_CRS:
        raise ValueError(
            f"tiles in {tile_crs!r} cannot be drawn under WGS-84 data yet; use tiles in one of {list(DISPLAYABLE_CRS)}"
        )
    url = tile_url if basemap == "custom" else TILE_URLS[basemap]
    if not url:
        raise ValueError("basemap 'custom' needs tile_url, a template with {z}, {x} and {y}")
    if "{token}" in url and not token:
        raise ValueError(f"basemap {basemap!r} needs tile_token for {url}")
    return folium.TileLayer(
        tiles=url.replace("{token}", token),
        attr=attribution or _ATTRIBUTIONS.get(basemap, basemap),
        name="底图",
        subdomains=_SUBDOMAINS.get(basemap, "abc"),
        max_zoom=18,
        control=False,
    )


def blank_map(*, tiles: folium.TileLayer | None = None, background: str = "#f4f6f8") -> folium.Map:
    """An empty map showing ``tiles``, or a plain ``background`` colour when there are none."""
    if not _CSS_COLOUR.fullmatch(background):
        raise ValueError(f"background must be a CSS colour like '#f4f6f8' or 'white', got {background!r}")
    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=False, zoom_snap=0.25)
    if tiles is not None:
        tiles.add_to(m)
    m.get_root().header.add_child(
        folium.Element(f"<style>.leaflet-container {{ background: {background}; }}</style>"), name="onemap_background"
    )
    return m

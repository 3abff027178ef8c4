"""The wall screen's map: a Streamlit component of plain HTML and JS (``dashboard/wall_map/index.html``) that
keeps one Leaflet map and restyles its areas in place on every refresh. streamlit-folium sends a whole new folium
document each time the data change, so the map would blink and lose its view on every refresh of the wall.

Leaflet comes from OneMap's vendored copy (``static/vendor``, the URL ``map_widget.asset_url`` gives): nothing is
fetched from the internet; no basemap tiles (the areas on a dark ground).
"""

from __future__ import annotations

from pathlib import Path

import streamlit.components.v1 as components

from layers.wall_areas import WallAreas
from settings import Settings

from .map_widget import asset_url

_component = components.declare_component("onemap_wall_map", path=str(Path(__file__).with_name("wall_map")))


def show_wall_map(areas: WallAreas, *, settings: Settings, stamp: str, key: str = "onemap_wall_map") -> None:
    """Draw (the first time) or update in place (every later run) the wall's map of ``areas``; ``stamp`` is
    written into the map's document once drawn (tests see which refresh it shows)."""
    _component(
        collection=areas.collection,
        bounds=areas.bounds,
        legend=[list(item) for item in areas.legend],
        asset_url=asset_url(settings),
        stamp=stamp,
        key=key,
        default=None,
    )

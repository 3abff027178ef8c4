"""Maps in the dashboard: compose layers into a map from settings, and render it with streamlit-folium.

streamlit-folium draws the map in its own component iframe, which loads the JS/CSS URLs of the map's
elements. ``layers.use_local_assets`` points those at ``static/vendor``, served by Streamlit itself
(``server.enableStaticServing`` in ``.streamlit/config.toml``) or at ``settings.asset_url``: nothing is
fetched from the internet unless a tile basemap is configured.
"""

from __future__ import annotations

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from layers import blank_map, grid_boundaries, tile_layer, use_local_assets
from settings import Settings


def asset_url(settings: Settings) -> str:
    """Where the browser finds ``static/vendor``: ``settings.asset_url``, else this app's static route."""
    if settings.asset_url:
        return settings.asset_url
    if not st.get_option("server.enableStaticServing"):
        raise RuntimeError(
            "maps need server.enableStaticServing = true (see .streamlit/config.toml) or settings.asset_url"
        )
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/app/static/vendor" if base else "/app/static/vendor"


def new_map(settings: Settings) -> folium.Map:
    """An empty map with the configured basemap (none by default)."""
    tiles = tile_layer(
        settings.basemap,
        tile_url=settings.tile_url,
        token=settings.tile_token,
        attribution=settings.tile_attribution,
        tile_crs=settings.tile_crs,
    )
    return blank_map(tiles=tiles, background=settings.map_background)


def grid_map(grids: pd.DataFrame, *, level_label: str, settings: Settings) -> folium.Map:
    """A map of the outlines and names of ``grids`` (a ``grid_polygons`` frame), zoomed to them."""
    m = new_map(settings)
    layer = grid_boundaries(
        grids,
        name=f"{level_label}边界",
        level_label=level_label,
        line_colour=settings.grid_line_colour,
        fill_colour=settings.grid_fill_colour,
        fill_opacity=settings.grid_fill_opacity,
    ).add_to(m)
    if not grids.empty:
        m.fit_bounds(layer.get_bounds())
    return m


def show_map(m: folium.Map, *, settings: Settings, key: str) -> None:
    """Render ``m`` at the configured height, loading its scripts from OneMap's own copies."""
    use_local_assets(m, base_url=asset_url(settings))
    st_folium(m, key=key, height=settings.map_height, use_container_width=True, returned_objects=[])

"""The map on a page: a folium map (``views.maps``) rendered by streamlit-folium, and the area a click chose.

streamlit-folium draws the map in its own component iframe, which loads the JS/CSS URLs of the map's
elements. ``layers.use_local_assets`` points those at ``static/vendor``, served by Streamlit itself
(``server.enableStaticServing`` in ``.streamlit/config.toml``) or at ``settings.asset_url``: nothing is
fetched from the internet unless a tile basemap is configured.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import folium
import streamlit as st
from streamlit_folium import st_folium

from layers import use_local_assets
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


def _clicked_code(result: Mapping[str, object] | None, *, key: str) -> str | None:
    """The area code of a click not seen before on the map ``key``, from st_folium's returned objects."""
    if not result:
        return None
    drawing = result.get("last_active_drawing")
    properties = drawing.get("properties") if isinstance(drawing, dict) else None
    code = properties.get("code") if isinstance(properties, dict) else None
    click = (code, str(result.get("last_object_clicked")))
    seen_key = f"onemap_map_click_{key}"
    if code is None or st.session_state.get(seen_key) == click:
        return None
    st.session_state[seen_key] = click
    return html.unescape(str(code))  # the layers escape properties for Leaflet's innerHTML


def show_map(m: folium.Map, *, settings: Settings, key: str, clickable: bool = False) -> str | None:
    """Render ``m`` at the configured height, loading its scripts from OneMap's own copies.

    With ``clickable`` the page reruns when an area is clicked, and this returns that area's code once
    (``None`` on later runs until another click, and for clicks on points): the page drills down into it.
    """
    use_local_assets(m, base_url=asset_url(settings))
    returned = ["last_active_drawing", "last_object_clicked"] if clickable else []
    result = st_folium(m, key=key, height=settings.map_height, use_container_width=True, returned_objects=returned)
    return _clicked_code(result, key=key) if clickable else None


def show_points_map(m: folium.Map, *, settings: Settings, key: str) -> tuple[float, float] | None:
    """Render ``m`` as ``show_map`` does; on a click on a point not seen before, its (lat, lon) as the map
    reports them (the basemap's system), else None."""
    use_local_assets(m, base_url=asset_url(settings))
    result = st_folium(
        m, key=key, height=settings.map_height, use_container_width=True, returned_objects=["last_object_clicked"]
    )
    clicked = (result or {}).get("last_object_clicked")
    if not isinstance(clicked, dict) or clicked.get("lat") is None or clicked.get("lng") is None:
        return None
    point = (float(clicked["lat"]), float(clicked["lng"]))
    seen_key = f"onemap_point_click_{key}"
    if st.session_state.get(seen_key) == point:
        return None
    st.session_state[seen_key] = point
    return point

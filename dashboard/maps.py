"""Maps in the dashboard: compose the layers of one view into a map, and render it with streamlit-folium.

``build_map`` takes a ``MapView`` (the frames the map queries returned) and returns a folium map: grid
boundaries with names, the choropleth of the chosen measure, and the point and aggregate layers, in a
layer control and fitted to the areas. Data arrive in WGS-84; every frame is converted to the basemap's
coordinate system here, at the edge (``layers.shift_frame``), so vectors sit right on GCJ-02 (Amap) tiles.
Polygons are simplified for display and at most ``settings.max_points`` raw points are sent, so a map stays
under ~2 MB of HTML (``map_html_size``).

streamlit-folium draws the map in its own component iframe, which loads the JS/CSS URLs of the map's
elements. ``layers.use_local_assets`` points those at ``static/vendor``, served by Streamlit itself
(``server.enableStaticServing`` in ``.streamlit/config.toml``) or at ``settings.asset_url``: nothing is
fetched from the internet unless a tile basemap is configured.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import folium
import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from layers import (
    AreaFeatures,
    alert_markers,
    area_choropleth,
    blank_map,
    camera_markers,
    case_markers,
    display_crs,
    facility_markers,
    grid_boundaries,
    heat_layer,
    hex_bin_layer,
    layer_control,
    number_text,
    shift_frame,
    simplify_frame,
    tile_layers,
    use_local_assets,
)
from settings import Settings

#: Default texts of the map (Chinese). ``MapView.labels`` overrides any of them (the page's i18n).
DEFAULT_LABELS: dict[str, str] = {
    "level": "网格",
    "boundaries": "网格边界",
    "choropleth": "专题图",
    "no_data": "无数据",
    "points": "案件点位",
    "points_of": "案件点位（{shown:,} / {total:,}）",
    "bins": "蜂窝聚合",
    "heat": "热力图",
    "cameras": "视频监控",
    "facilities": "服务设施",
    "alerts": "超期预警",
    "measure_cases": "案件数",
    "measure_per_1000": "每千人案件数",
    "measure_per_km2": "每平方公里案件数",
    "measure_closed": "结案数",
    "measure_closure_rate": "结案率",
    "measure_on_time_closure_rate": "按期结案率",
    "measure_overdue": "超期待处置",
    "measure_satisfaction_rate": "满意率",
}


#: Colours of the hexagon bins (ColorBrewer PuBu), unlike the choropleth's reds.
BIN_PALETTE: tuple[str, ...] = ("#f1eef6", "#d0d1e6", "#a6bddb", "#74a9cf", "#2b8cbe", "#045a8d")


def _percent(value: float) -> str:
    return f"{value:.1%}"


#: The measures a choropleth can show (columns of ``area_measures``) and how their values read.
MEASURE_FORMATS: dict[str, Callable[[float], str]] = {
    "cases": number_text,
    "per_1000": number_text,
    "per_km2": number_text,
    "closed": number_text,
    "closure_rate": _percent,
    "on_time_closure_rate": _percent,
    "overdue": number_text,
    "satisfaction_rate": _percent,
}


def _empty() -> pd.DataFrame:
    return pd.DataFrame()


@dataclass
class MapView:
    """Everything one map shows: frames as returned by ``dashboard.queries.map_layers`` (WGS-84)."""

    areas: pd.DataFrame  # area_measures rows (boundaries + choropleth)
    measure: str = "cases"  # a column of areas, one of MEASURE_FORMATS
    points: pd.DataFrame = field(default_factory=_empty)  # case_points (≤ cap); empty when over the cap
    points_total: int = 0  # case_count: how many cases match, located
    bins: pd.DataFrame = field(default_factory=_empty)
    heat: pd.DataFrame = field(default_factory=_empty)
    cameras: pd.DataFrame = field(default_factory=_empty)
    camera_events: pd.DataFrame = field(default_factory=_empty)
    facilities: pd.DataFrame = field(default_factory=_empty)
    alerts: pd.DataFrame = field(default_factory=_empty)
    # In the UI language: DEFAULT_LABELS keys, and "<layer>.<key>" for the texts inside a layer, where <layer>
    # is cases, cameras, facilities, facility_kinds or alerts and <key> one of that layer module's
    # DEFAULT_LABELS (KIND_LABELS for facility_kinds), e.g. "cases.category" → "Category".
    labels: Mapping[str, str] = field(default_factory=dict)
    bin_size_m: float = 500.0  # the size_m hex_bins was called with
    colour_points_by: str = "category"  # "category" or "status"


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


def map_crs(settings: Settings) -> str:
    """The coordinate system the map's vectors are drawn in (that of the configured basemap's tiles)."""
    return display_crs(settings.basemap, tile_crs=settings.tile_crs)


def new_map(settings: Settings) -> folium.Map:
    """An empty map with the configured basemap (none by default)."""
    tiles = tile_layers(
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
    shown = simplify_frame(shift_frame(grids, map_crs(settings)))
    layer = grid_boundaries(
        shown,
        name=f"{level_label}边界",
        level_label=level_label,
        line_colour=settings.grid_line_colour,
        fill_colour=settings.grid_fill_colour,
        fill_opacity=settings.grid_fill_opacity,
    ).add_to(m)
    if not grids.empty:
        m.fit_bounds(layer.get_bounds())
    return m


def _layer_labels(text: Mapping[str, str], layer: str) -> dict[str, str]:
    """The "<layer>.<key>" entries of ``text``, keyed by <key>: what that layer takes as ``labels``."""
    prefix = f"{layer}."
    return {key.removeprefix(prefix): value for key, value in text.items() if key.startswith(prefix)}


def _located(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows with coordinates (the layers name missing columns themselves)."""
    if frame.empty or not {"lon", "lat"} <= set(frame.columns):
        return frame
    return frame[frame["lon"].notna() & frame["lat"].notna()]


def _busiest(cameras: pd.DataFrame, events: pd.DataFrame, cap: int) -> pd.DataFrame:
    """At most ``cap`` cameras: those with the most alarms when there are more."""
    if len(cameras) <= cap:
        return cameras
    alarms = events.groupby("camera_id")["events"].sum() if not events.empty else pd.Series(dtype="int64")
    order = cameras["camera_id"].map(alarms).fillna(0).to_numpy()
    return cameras.iloc[np.argsort(-order, kind="stable")[:cap]]


def build_map(view: MapView, *, settings: Settings) -> folium.Map:
    """The map of ``view``: every non-empty layer in a layer control, fitted to the areas (without areas, to
    the first other layer).

    Shown at first: the choropleth of ``view.measure`` (with the boundaries and names), the case points
    and the deadline alerts; when there are no points (over the cap) the hexagon bins instead. The heat
    map, cameras and facilities start hidden. At most ``settings.max_points`` case points, alerts, cameras (the
    busiest) and facilities are sent. Popups never show contact data (the layers whitelist fields).
    """
    if view.measure not in MEASURE_FORMATS:
        raise ValueError(f"unknown measure {view.measure!r}; choose one of {list(MEASURE_FORMATS)}")
    text = {**DEFAULT_LABELS, **view.labels}
    crs = map_crs(settings)
    cap = settings.max_points
    areas = simplify_frame(shift_frame(view.areas, crs))
    points = shift_frame(_located(view.points).head(cap), crs)
    alerts = shift_frame(_located(view.alerts).head(cap), crs)
    bins = shift_frame(_located(view.bins), crs)
    heat = shift_frame(_located(view.heat), crs)
    cameras = shift_frame(_busiest(_located(view.cameras), view.camera_events, cap), crs)
    facilities = shift_frame(_located(view.facilities).head(cap), crs)

    m = new_map(settings)
    fitted: list[folium.Element] = []
    if not areas.empty:
        features = AreaFeatures(areas).add_to(m)  # the polygons, written once for both area layers
        coloured = view.measure in areas.columns
        if coloured:
            title = text[f"measure_{view.measure}"]
            area_choropleth(
                areas,
                measure=view.measure,
                title=title,
                name=f"{text['choropleth']} · {title}",
                level_label=text["level"],
                value_format=MEASURE_FORMATS[view.measure],
                no_data_label=text["no_data"],
                features=features,
            ).add_to(m)
        boundaries = grid_boundaries(
            areas,
            name=text["boundaries"],
            level_label=text["level"],
            line_colour=settings.grid_line_colour,
            fill_colour=settings.grid_fill_colour,
            fill_opacity=0.0 if coloured else settings.grid_fill_opacity,
            features=features,
        ).add_to(m)
        fitted.append(boundaries)
    if not bins.empty:
        layer = hex_bin_layer(
            bins,
            size_m=view.bin_size_m,
            name=text["bins"],
            title=f"{text['bins']} · {text['measure_cases']}",
            palette=BIN_PALETTE,  # not the choropleth's: both may be on
            show=False,  # drawn over the choropleth it would hide the chosen measure; one click away
        )
        fitted.append(layer.add_to(m))
    if not heat.empty:
        fitted.append(heat_layer(heat, name=text["heat"], show=False).add_to(m))
    if not facilities.empty:
        facility_markers(
            facilities,
            name=text["facilities"],
            labels=_layer_labels(text, "facilities"),
            kind_labels=_layer_labels(text, "facility_kinds"),
            show=False,
        ).add_to(m)
    if not cameras.empty:
        camera_markers(
            cameras, view.camera_events, name=text["cameras"], labels=_layer_labels(text, "cameras"), show=False
        ).add_to(m)
    if not points.empty:
        total = max(view.points_total, len(view.points))
        name = text["points"] if total <= len(points) else text["points_of"].format(shown=len(points), total=total)
        layer = case_markers(
            points, name=name, colour_by=view.colour_points_by, labels=_layer_labels(text, "cases"), show=True
        )
        fitted.append(layer.add_to(m))
    if not alerts.empty:
        layer = alert_markers(alerts, name=text["alerts"], labels=_layer_labels(text, "alerts"), show=True)
        fitted.append(layer.add_to(m))
    layer_control().add_to(m)
    bounds = fitted[0].get_bounds() if fitted else None
    if bounds and None not in bounds[0] + bounds[1]:
        m.fit_bounds(bounds)
    return m


def map_html_size(m: folium.Map) -> int:
    """Characters of HTML the map renders to: what is sent to the browser for it (the benchmark's measure).

    Measure a map before it is shown: folium appends its ``addTo`` lines again each time a map renders.
    """
    return len(m.get_root().render())


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

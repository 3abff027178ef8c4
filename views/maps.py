"""Map composition: the layers of one view in one folium map (no Streamlit; ``dashboard.map_widget`` shows it).

``build_map`` takes a ``MapView`` (the frames the map queries returned) and returns a folium map: grid
boundaries with names, the choropleth of the chosen measure, and the point and aggregate layers, in a
layer control and fitted to the areas. Data arrive in WGS-84; every frame is converted to the basemap's
coordinate system here, at the edge (``layers.shift_frame``), so vectors sit right on GCJ-02 (Amap) tiles.
Polygons are simplified for display and at most ``settings.max_points`` raw points are sent, so a map stays
under ~2 MB of HTML (``map_html_size``). Every text comes from the label table (``views.i18n``) in the view's
language; every number format from the measure registry (``views.formats``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import folium
import numpy as np
import pandas as pd

import layers
from core.measures import AREA_MEASURES, measure
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
    shift_frame,
    simplify_frame,
    tile_layers,
)
from settings import Settings

from .formats import value_format
from .i18n import labels, prefixed, t
from .state import DEFAULT_LAYERS

#: Colours of the hexagon bins (ColorBrewer PuBu), unlike the choropleth's reds.
BIN_PALETTE: tuple[str, ...] = ("#f1eef6", "#d0d1e6", "#a6bddb", "#74a9cf", "#2b8cbe", "#045a8d")


def _empty() -> pd.DataFrame:
    return pd.DataFrame()


@dataclass
class MapView:
    """Everything one map shows: frames as returned by ``queries.map_layers`` (WGS-84), in language ``lang``;
    ``level_label`` names the level of the areas (e.g. 街道); ``layers`` the layers shown at first
    (``views.state.LAYERS``; the others are in the layer control)."""

    areas: pd.DataFrame  # area_measures rows (boundaries + choropleth)
    measure: str = "cases"  # one of core.measures.AREA_MEASURES
    points: pd.DataFrame = field(default_factory=_empty)  # case_points (≤ cap); empty when over the cap
    points_total: int = 0  # case_count: how many cases match, located
    bins: pd.DataFrame = field(default_factory=_empty)
    heat: pd.DataFrame = field(default_factory=_empty)
    cameras: pd.DataFrame = field(default_factory=_empty)
    camera_events: pd.DataFrame = field(default_factory=_empty)
    facilities: pd.DataFrame = field(default_factory=_empty)
    alerts: pd.DataFrame = field(default_factory=_empty)
    #: overdue_pending's ``overdue`` for the same filters: all overdue cases, also those not drawn (no coordinates,
    #: over the cap), so that the legend and the panel beside the map say the same number. None: not known.
    overdue_total: int | None = None
    lang: str = "zh"
    level_label: str | None = None  # None: "grids" in the view's language
    layers: tuple[str, ...] = DEFAULT_LAYERS
    bin_size_m: float = 500.0  # the size_m hex_bins was called with
    colour_points_by: str = "category"  # "category" or "status"
    basemap: str | None = None  # one of offered_basemaps(settings); None: the configured one


def offered_basemaps(settings: Settings) -> tuple[str, ...]:
    """The basemaps the map page offers: none (the grids alone), the configured one, and ``settings.basemaps``.

    Raises ValueError naming a basemap that is not one of ``layers.BASEMAPS``, or one whose configuration is
    incomplete (custom without ``tile_url``, 天地图 without ``tile_token``)."""
    offered = tuple(dict.fromkeys(("none", settings.basemap, *settings.basemaps)))
    for basemap in offered:
        tile_layers(  # checks the name and the configuration it needs
            basemap, tile_url=settings.tile_url, token=settings.tile_token, tile_crs=settings.tile_crs
        )
    return offered


def map_crs(settings: Settings, basemap: str | None = None) -> str:
    """The coordinate system the map's vectors are drawn in: that of the tiles of ``basemap`` (default: the
    configured one)."""
    return display_crs(basemap or settings.basemap, tile_crs=settings.tile_crs)


def new_map(settings: Settings, basemap: str | None = None) -> folium.Map:
    """An empty map with ``basemap`` (default: the configured one, none unless configured)."""
    tiles = tile_layers(
        basemap or settings.basemap,
        tile_url=settings.tile_url,
        token=settings.tile_token,
        attribution=settings.tile_attribution,
        tile_crs=settings.tile_crs,
    )
    return blank_map(tiles=tiles, background=settings.map_background)


def _boundaries(
    frame: pd.DataFrame,
    *,
    level: str,
    lang: str,
    settings: Settings,
    filled: bool,
    features: AreaFeatures | None = None,
) -> layers.AreaLayer:
    """The outlines and names of ``frame``'s areas in the configured colours (``filled``: with the light fill)."""
    return grid_boundaries(
        frame,
        name=t("layer.boundaries", lang, level=level),
        level_label=level,
        labels=labels(lang, "layer.grids", layers.grids.LABELS),
        line_colour=settings.grid_line_colour,
        fill_colour=settings.grid_fill_colour,
        fill_opacity=settings.grid_fill_opacity if filled else 0.0,
        features=features,
    )


def grid_map(grids: pd.DataFrame, *, level_label: str, lang: str, settings: Settings) -> folium.Map:
    """A map of the outlines and names of ``grids`` (a ``grid_polygons`` frame), zoomed to them."""
    m = new_map(settings)
    shown = simplify_frame(shift_frame(grids, map_crs(settings)))
    layer = _boundaries(shown, level=level_label, lang=lang, settings=settings, filled=True).add_to(m)
    _fit(m, layer)
    return m


def _fit(m: folium.Map, element: folium.Element) -> None:
    """Fit ``m`` to ``element``'s bounds, when it has any (an empty layer has none)."""
    (south, west), (north, east) = element.get_bounds()
    if south is not None and west is not None and north is not None and east is not None:
        m.fit_bounds([[south, west], [north, east]])


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


def _areas(m: folium.Map, view: MapView, areas: pd.DataFrame, settings: Settings) -> folium.Element:
    """The choropleth of ``view.measure`` and the boundaries with names, sharing one copy of the polygons."""
    lang = view.lang
    level = view.level_label or t("level.default", lang)
    features = AreaFeatures(areas)  # the polygons, written once for both area layers
    features.add_to(m)
    coloured = view.measure in areas.columns
    if coloured:
        title = t(measure(view.measure).label_key, lang)
        area_choropleth(
            areas,
            measure=view.measure,
            title=title,
            name=f"{t('layer.choropleth', lang)} · {title}",
            level_label=level,
            value_format=value_format(view.measure),
            no_data_label=t("layer.no_data", lang),
            # a count of 0 (or 0 per resident or km²) is nothing happened: drawn as none, not as a class
            zero_colour=layers.ZERO_COLOUR if measure(view.measure).kind in ("count", "density") else None,
            features=features,
        ).add_to(m)
    return _boundaries(areas, level=level, lang=lang, settings=settings, filled=not coloured, features=features).add_to(
        m
    )


def build_map(view: MapView, *, settings: Settings) -> folium.Map:
    """The map of ``view``: every non-empty layer in a layer control, fitted to the areas (without areas, to
    the first other layer).

    Shown at first: the choropleth of ``view.measure`` (with the boundaries and names) and ``view.layers``
    (by default the case points and the deadline alerts); the others start hidden. At most
    ``settings.max_points`` case points, alerts, cameras (the busiest) and facilities are sent. Popups never
    show contact data (the layers whitelist fields).
    """
    if view.measure not in AREA_MEASURES:
        raise ValueError(f"unknown measure {view.measure!r}; choose one of {list(AREA_MEASURES)}")
    lang, shown = view.lang, set(view.layers)
    crs = map_crs(settings, view.basemap)
    cap = settings.max_points
    areas = simplify_frame(shift_frame(view.areas, crs))
    points = shift_frame(_located(view.points).head(cap), crs)
    alerts = shift_frame(_located(view.alerts).head(cap), crs)
    bins = shift_frame(_located(view.bins), crs)
    heat = shift_frame(_located(view.heat), crs)
    cameras = shift_frame(_busiest(_located(view.cameras), view.camera_events, cap), crs)
    facilities = shift_frame(_located(view.facilities).head(cap), crs)

    m = new_map(settings, view.basemap)
    fitted: list[folium.Element] = []
    if not areas.empty:
        fitted.append(_areas(m, view, areas, settings))
    if not bins.empty:
        layer = hex_bin_layer(
            bins,
            size_m=view.bin_size_m,
            name=t("layer.bins", lang),
            title=f"{t('layer.bins', lang)} · {t('measure.cases', lang)}",
            palette=BIN_PALETTE,  # not the choropleth's: both may be on
            show="bins" in shown,  # drawn over the choropleth it would hide the chosen measure: off by default
        )
        fitted.append(layer.add_to(m))
    if not heat.empty:
        fitted.append(heat_layer(heat, name=t("layer.heat", lang), show="heat" in shown).add_to(m))
    if not facilities.empty:
        facility_markers(
            facilities,
            name=t("layer.facilities", lang),
            labels=labels(lang, "layer.facilities", layers.facilities.LABELS),
            kind_labels=prefixed(lang, "layer.facility_kinds"),
            show="facilities" in shown,
        ).add_to(m)
    if not cameras.empty:
        camera_markers(
            cameras,
            view.camera_events,
            name=t("layer.cameras", lang),
            labels=labels(lang, "layer.cameras", layers.cameras.LABELS),
            show="cameras" in shown,
        ).add_to(m)
    if not points.empty:
        total = max(view.points_total, len(view.points))
        name = (
            t("layer.points", lang)
            if total <= len(points)
            else t("layer.points_of", lang, shown=len(points), total=total)
        )
        cases = case_markers(
            points,
            name=name,
            labels=labels(lang, "layer.cases", layers.cases.LABELS),
            colour_by=view.colour_points_by,
            show="points" in shown,
        )
        fitted.append(cases.add_to(m))
    if not alerts.empty:
        layer = alert_markers(
            alerts,
            name=t("layer.alerts", lang),
            labels=labels(lang, "layer.alerts", layers.alerts.LABELS),
            overdue_total=view.overdue_total,
            show="alerts" in shown,
        )
        fitted.append(layer.add_to(m))
    layer_control().add_to(m)
    if fitted:
        _fit(m, fitted[0])
    return m


def map_html_size(m: folium.Map) -> int:
    """Characters of HTML the map renders to: what is sent to the browser for it (the benchmark's measure).

    Measure a map before it is shown: folium appends its ``addTo`` lines again each time a map renders.
    """
    return len(m.get_root().render())

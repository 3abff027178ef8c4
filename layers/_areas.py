"""Area polygons written once, drawn by several layers: what the boundary and choropleth layers share.

At the sub-grid level a view has ~1,600 polygons. ``folium.GeoJson`` would write their coordinates once per
layer (boundaries, choropleth) with every Chinese name as ``\\uXXXX``, and a style ``switch`` listing every
feature: ~1 MB per layer. Here ``AreaFeatures`` writes the features once, as compact JSON (coordinates
rounded to 6 decimals), and each ``AreaLayer`` fills its ``L.geoJson`` from that one variable, with its own
style, colours and texts kept in short arrays indexed by the feature's position ``i``.

Scripts run in the order of the element tree (parent first, then children in order), both in folium's own
page and in streamlit-folium, which walks the tree: so an ``AreaLayer`` creates its empty ``L.geoJson`` and
a child adds the features to it afterwards. Features shared by several layers are added to the map before
those layers; otherwise the first layer built from them holds them as its first child.

Every text is HTML-escaped in Python before it is written: Leaflet tooltips and popups insert it as HTML.
Each feature's properties carry the area's ``code``, so a click can select it (``dashboard.maps.show_map``).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.map import Layer
from jinja2 import Template
from shapely.ops import polylabel

from ._script import figure, render_script, script_json, script_safe

_LABEL_CLASS = "onemap-grid-label"
#: Names too long for their area even at this zoom are shown from it anyway.
MAX_LABEL_ZOOM = 18
_LABEL_CSS = f"""<style>
.leaflet-tooltip.{_LABEL_CLASS} {{
    background: rgba(255, 255, 255, 0.75); border: none; box-shadow: none;
    color: #1f2d3d; font-size: 12px; font-weight: 600; padding: 0 4px;
}}
.leaflet-tooltip.{_LABEL_CLASS}::before {{ display: none; }}
</style>"""


def label_point(geometry: shapely.Geometry) -> tuple[float, float]:
    """Where an area's name goes: the pole of inaccessibility of its largest part (inside, away from edges)."""
    parts = list(geometry.geoms) if isinstance(geometry, shapely.MultiPolygon) else [geometry]
    largest = max(parts, key=lambda part: part.area)
    min_x, min_y, max_x, max_y = largest.bounds
    point = polylabel(largest, tolerance=max(max_x - min_x, max_y - min_y) / 50)
    return round(point.x, 6), round(point.y, 6)


def label_points(geometries: np.ndarray) -> np.ndarray:
    """Label points (n × 2, lon/lat) of polygons: the centroid where it lies well inside a single polygon
    (most grids are compact), else ``label_point`` (concave shapes, several parts).
    """
    centroids = shapely.centroid(geometries)
    simple = shapely.get_type_id(geometries) == shapely.GeometryType.POLYGON
    # "Well inside": at least a fifth of the way from the edge to the polygon's own half-size.
    half_size = np.sqrt(shapely.area(geometries)) / 2
    inside = simple & shapely.contains_properly(geometries, centroids)
    inside &= shapely.distance(shapely.boundary(geometries), centroids) >= half_size / 5
    points = shapely.get_coordinates(centroids)
    for i in np.flatnonzero(~inside):
        points[i] = label_point(geometries[i])
    return points.round(6)


def label_zooms(geometries: np.ndarray, names: list[str]) -> np.ndarray:
    """The first zoom at which each name (~13 px per character) fits across its area's bounding box, so
    that a map of 1,600 sub-grids shows names only as they become readable.
    """
    if len(geometries) == 0:
        return np.zeros(0, dtype=np.int64)
    bounds = shapely.bounds(geometries)
    width_deg = np.maximum(bounds[:, 2] - bounds[:, 0], 1e-9)
    label_px = np.array([13.0 * len(name) + 8.0 for name in names])
    # Web Mercator: 256 · 2^z pixels per 360 degrees of longitude.
    zoom = np.ceil(np.log2(label_px * 360.0 / (256.0 * width_deg)))
    return np.clip(zoom, 0, MAX_LABEL_ZOOM).astype(np.int64)


class AreaFeatures(MacroElement):
    """The polygons, codes, names and label points of an area frame, as one JavaScript FeatureCollection.

    Add it to the map before the layers that share it; a layer built from features that have no place in
    the map yet takes them as its own first child.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = {{ this.data_json }};
        {% endmacro %}
        """
    )

    def __init__(self, frame: pd.DataFrame) -> None:
        super().__init__()
        self._name = "AreaFeatures"
        missing = [column for column in ("code", "name", "geom_wkb") if column not in frame.columns]
        if missing:
            raise ValueError(f"area frame lacks columns {missing}; it has {list(frame.columns)}")
        geometries = shapely.from_wkb([bytes(wkb) for wkb in frame["geom_wkb"]])
        empty = shapely.is_missing(geometries) | shapely.is_empty(geometries)
        if empty.any():
            raise ValueError(f"area {frame['code'].iloc[int(np.argmax(empty))]!r} has an empty geometry")
        geometries = shapely.transform(geometries, lambda xy: np.round(xy, 6))  # ~0.1 m: enough for display
        at = label_points(geometries)
        names = [str(name) for name in frame["name"]]
        zooms = label_zooms(geometries, names)
        properties = [
            script_json({"i": i, "code": html.escape(str(code)), "name": html.escape(name), "at": [lat, lon], "z": z})
            for i, (code, name, (lon, lat), z) in enumerate(
                zip(frame["code"], names, at.tolist(), zooms.tolist(), strict=True)
            )
        ]
        # GEOS writes the geometries (compact, shortest round-trip numbers); the features are joined around them.
        features = ",".join(
            f'{{"type":"Feature","geometry":{geometry},"properties":{props}}}'
            for geometry, props in zip(shapely.to_geojson(geometries).tolist(), properties, strict=True)
        )
        self.size = len(properties)
        self.data_json = script_safe(f'{{"type":"FeatureCollection","features":[{features}]}}')
        if self.size:
            min_x, min_y, max_x, max_y = shapely.total_bounds(geometries)
            self.bounds: list[list[float | None]] = [[min_y, min_x], [max_y, max_x]]
        else:
            self.bounds = [[None, None], [None, None]]

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # branca: Element.render -> str
        render_script(self, **kwargs)


class _LabelStyle(MacroElement):
    """Puts the label CSS in the page header (once, however many layers have labels)."""

    _template = Template("")

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # branca: Element.render -> str
        figure(self).header.add_child(folium.Element(_LABEL_CSS), name="onemap_grid_label_css")
        super().render(**kwargs)


class AreaLayer(Layer):
    """A layer of the areas in ``features``: outlines and fills by ``style``, optionally a fill colour per
    area (``fills``: indexes into ``palette``), texts per area (``rows``, escaped, one per ``fields`` label)
    shown as a hover ``tooltip`` or a click popup, and permanent name ``labels``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var palette = {{ this.palette_json }};
            var fills = {{ this.fills_json }};
            var base = {{ this.style_json }};
            var highlight = {{ this.highlight_json }};
            var heading = {{ this.heading_json }};
            var fields = {{ this.fields_json }};
            var rows = {{ this.rows_json }};
            var sized = window.ResizeObserver && new ResizeObserver(function (entries) {
                entries.forEach(function (entry) {
                    var tooltip = entry.target._onemapTooltip;
                    if (tooltip && tooltip._map) { tooltip.update(); }
                });
            });
            function watchSize(tooltip) {
                var element = tooltip.getElement();
                if (sized && element) { element._onemapTooltip = tooltip; sized.observe(element); }
            }
            function unwatchSize(tooltip) {
                var element = tooltip.getElement();
                if (sized && element) { sized.unobserve(element); }
            }
            function describe(p) {
                var lines = ["<b>" + heading + "</b> " + p.name];
                var row = rows[p.i] || [];
                for (var j = 0; j < fields.length; j++) {
                    if (row[j] !== "") { lines.push("<b>" + fields[j] + "</b> " + row[j]); }
                }
                return lines.join("<br>");
            }
            var layer = L.geoJson(null, {
                style: function (feature) {
                    var style = Object.assign({}, base);
                    if (fills) { style.fillColor = palette[fills[feature.properties.i]]; }
                    return style;
                },
                onEachFeature: function (feature, sub) {
                    var p = feature.properties;
                    {%- if this.labels %}
                    var at = L.latLng(p.at[0], p.at[1]);
                    sub.getCenter = function () { return at; };
                    sub.bindTooltip(p.name, {permanent: true, direction: "center", interactive: false,
                                             className: "{{ this.label_class }}"});
                    // Names show from the zoom at which they fit their area (p.z). streamlit-folium sizes the
                    // map after the layers are added: place the labels again on resize.
                    sub.on("add", function () {
                        var map = sub._map;
                        var show = function () {
                            if (map.getZoom() >= p.z) { sub.openTooltip(); } else { sub.closeTooltip(); }
                        };
                        var place = function () { if (sub.isTooltipOpen()) { sub.getTooltip().update(); } };
                        map.on("zoomend", show);
                        map.on("resize viewreset moveend", place);
                        sub.once("remove", function () {
                            map.off("zoomend", show);
                            map.off("resize viewreset moveend", place);
                        });
                        show();
                    });
                    // Leaflet centres a label by the width of its box when it opens; before leaflet.css (which
                    // streamlit-folium adds while the scripts run) applies, that box is as wide as the map, and
                    // the label stays off by half the map's width until the next zoom. Place it again whenever
                    // its box changes size.
                    sub.on("tooltipopen", function (e) { watchSize(e.tooltip); });
                    sub.on("tooltipclose", function (e) { unwatchSize(e.tooltip); });
                    {%- endif %}
                    {%- if this.details == "popup" %}
                    sub.bindPopup(describe(p), {maxWidth: 320});
                    {%- elif this.details == "tooltip" %}
                    sub.bindTooltip(describe(p), {sticky: true});
                    {%- endif %}
                    sub.on("mouseover", function () { sub.setStyle(highlight); });
                    sub.on("mouseout", function () { layer.resetStyle(sub); });
                }
            });
            return layer;
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        features: AreaFeatures,
        *,
        name: str,
        style: Mapping[str, Any],
        highlight: Mapping[str, Any],
        heading: str,
        fields: Sequence[str] = (),
        rows: Sequence[Sequence[str]] | None = None,
        details: str | None = None,
        labels: bool = False,
        palette: Sequence[str] = (),
        fills: Sequence[int] | None = None,
        overlay: bool = True,
        control: bool = True,
        show: bool = True,
    ) -> None:
        super().__init__(name=name, overlay=overlay, control=control, show=show)
        self._name = "AreaLayer"
        if details not in (None, "popup", "tooltip"):
            raise ValueError(f"details must be None, 'popup' or 'tooltip', got {details!r}")
        for what, per_area in (("rows", rows), ("fills", fills)):
            if per_area is not None and len(per_area) != features.size:
                raise ValueError(f"{what} needs one entry per area ({features.size}), got {len(per_area)}")
        self.features = features
        self.details = details
        self.labels = labels
        self.label_class = _LABEL_CLASS
        self.palette_json = script_json(list(palette))
        self.fills_json = script_json(None if fills is None else [int(i) for i in fills])
        self.style_json = script_json(dict(style))
        self.highlight_json = script_json(dict(highlight))
        self.heading_json = script_json(html.escape(heading))
        self.fields_json = script_json([html.escape(field) for field in fields])
        self.rows_json = script_json([list(row) for row in rows] if rows is not None else [])
        if features._parent is None:
            self.add_child(features)
        _AddFeatures(features).add_to(self)
        if labels:
            _LabelStyle().add_to(self)

    def _get_self_bounds(self) -> list[list[float | None]]:
        return self.features.bounds


class _AddFeatures(MacroElement):
    """Fills the parent ``AreaLayer`` from the features (a child: it runs after both are defined)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.addData({{ this.features.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, features: AreaFeatures) -> None:
        super().__init__()
        self._name = "AddFeatures"
        self.features = features

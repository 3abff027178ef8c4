"""Grid boundaries: a frame of grid polygons in, one ``folium.GeoJson`` out.

Every string that reaches the map is HTML-escaped here, because Leaflet tooltips and popups insert
feature properties as HTML. Only the columns in ``DETAIL_COLUMNS`` are ever put on the map: grid
workers' names and other personal data stay in the database.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import folium
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.utilities import JsCode
from jinja2 import Template
from shapely.geometry import mapping
from shapely.ops import polylabel

#: Columns a grid frame must have.
REQUIRED_COLUMNS: tuple[str, ...] = ("code", "name", "geom_wkb")
#: Optional columns shown in the details, with their Chinese labels.
DETAIL_COLUMNS: dict[str, str] = {"population": "人口", "households": "户数", "area_km2": "面积（km²）"}

_LABEL_CLASS = "onemap-grid-label"
_LABEL_CSS = f"""<style>
.leaflet-tooltip.{_LABEL_CLASS} {{
    background: rgba(255, 255, 255, 0.75); border: none; box-shadow: none;
    color: #1f2d3d; font-size: 12px; font-weight: 600; padding: 0 4px;
}}
.leaflet-tooltip.{_LABEL_CLASS}::before {{ display: none; }}
</style>"""
# One permanent tooltip per polygon (folium's GeoJsonTooltip binds one to the whole layer, which shows once),
# at a point computed here: Leaflet's own polygon centre is rounded to pixels at the zoom the layer is added
# at, far off for small grids. Names are HTML-escaped in the properties, so Leaflet's innerHTML shows text.
_BIND_LABEL = JsCode(
    f"""function(feature, layer) {{
    const at = L.latLng(feature.properties.label_lat, feature.properties.label_lon);
    layer.getCenter = function () {{ return at; }};
    layer.bindTooltip(feature.properties.name,
        {{permanent: true, direction: "center", interactive: false, className: "{_LABEL_CLASS}"}});
    // streamlit-folium gives the map its width after the layers are added: place labels again on resize.
    layer.on("add", function () {{
        const map = layer._map;
        const place = function () {{ if (layer.isTooltipOpen()) {{ layer.getTooltip().update(); }} }};
        map.on("resize", place);
        layer.once("remove", function () {{ map.off("resize", place); }});
    }});
}}"""
)


class _LabelStyle(MacroElement):
    """Puts the label CSS in the page header (once, however many layers have labels)."""

    _template = Template("")

    def render(self, **kwargs: Any) -> None:
        self.get_root().header.add_child(folium.Element(_LABEL_CSS), name="onemap_grid_label_css")
        super().render(**kwargs)


def _detail_text(column: str, value: Any) -> str:
    if pd.isna(value):
        return "—"
    if column == "area_km2":
        return f"{float(value):,.2f}"
    return f"{int(value):,}"


def _label_point(geometry: shapely.Geometry) -> tuple[float, float]:
    """Where a grid's name goes: the pole of inaccessibility of its largest part (inside, away from edges)."""
    parts = list(geometry.geoms) if isinstance(geometry, shapely.MultiPolygon) else [geometry]
    largest = max(parts, key=lambda part: part.area)
    min_x, min_y, max_x, max_y = largest.bounds
    point = polylabel(largest, tolerance=max(max_x - min_x, max_y - min_y) / 100)
    return round(point.x, 6), round(point.y, 6)


def _features(frame: pd.DataFrame, details: list[str]) -> list[dict[str, Any]]:
    geometries = shapely.from_wkb([bytes(wkb) for wkb in frame["geom_wkb"]])
    features = []
    for row, geometry in zip(frame.itertuples(index=False), geometries, strict=True):
        if geometry is None or geometry.is_empty:
            raise ValueError(f"grid {row.code!r} has an empty geometry")
        label_lon, label_lat = _label_point(geometry)
        properties = {
            "code": html.escape(str(row.code)),
            "name": html.escape(str(row.name)),
            "label_lon": label_lon,
            "label_lat": label_lat,
        }
        properties.update({column: _detail_text(column, getattr(row, column)) for column in details})
        features.append(
            {"type": "Feature", "id": str(row.code), "geometry": mapping(geometry), "properties": properties}
        )
    return features


def grid_boundaries(
    frame: pd.DataFrame,
    *,
    name: str = "网格边界",
    level_label: str = "网格",
    labels: bool = True,
    line_colour: str = "#2c5f8a",
    fill_colour: str = "#7fb3d5",
    fill_opacity: float = 0.12,
    weight: float = 1.5,
) -> folium.GeoJson:
    """The outlines of the grids in ``frame`` (columns ``code``, ``name``, ``geom_wkb`` in WGS-84 lon/lat,
    optionally ``population``, ``households``, ``area_km2``), as a layer called ``name``.

    With ``labels`` each grid's name is written at its centre and the details open on click; without,
    the details show on hover. ``level_label`` names the level in the details (e.g. 街道).
    """
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"grid frame lacks columns {missing}; it has {list(frame.columns)}")
    details = [column for column in DETAIL_COLUMNS if column in frame.columns]
    data = {"type": "FeatureCollection", "features": _features(frame, details)}
    style: Mapping[str, Any] = {
        "color": line_colour,
        "weight": weight,
        "fillColor": fill_colour,
        "fillOpacity": fill_opacity,
    }
    fields = ["name", "code", *details]
    aliases = [html.escape(level_label), "编码", *(DETAIL_COLUMNS[column] for column in details)]
    layer = folium.GeoJson(
        data,
        name=name,
        on_each_feature=_BIND_LABEL if labels else None,
        style_function=lambda _feature: dict(style),
        highlight_function=lambda _feature: {"weight": weight * 2, "fillOpacity": min(1.0, fill_opacity * 2.5)},
    )
    if not data["features"]:
        return layer  # folium's tooltips need a feature to check their fields against
    if labels:
        _LabelStyle().add_to(layer)
        folium.GeoJsonPopup(fields=fields, aliases=aliases).add_to(layer)
    else:
        folium.GeoJsonTooltip(fields=fields, aliases=aliases).add_to(layer)
    return layer

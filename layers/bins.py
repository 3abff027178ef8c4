"""Hexagon bins: a ``hex_bins`` frame (hexagon centres and counts) in, one FeatureGroup out.

The group holds the hexagons as a GeoJson, coloured by count in classes, and their legend. Hexagons are
pointy-top with circumradius ``size_m`` metres, drawn in the same local metric frame the query binned in
(metres → degrees with 110 540 m per degree of latitude and 111 320·cos(lat) per degree of longitude, at the
bins' mean latitude: within a city the difference from the query's origin is far below a pixel).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from typing import Any

import folium
import numpy as np
import pandas as pd

from ._classes import SEQUENTIAL, classify, number_text
from ._legend import Legend

REQUIRED_COLUMNS: tuple[str, ...] = ("lon", "lat", "cases")
M_PER_DEG_LAT = 110_540.0
M_PER_DEG_LON = 111_320.0
_ANGLES = np.radians(30.0 + 60.0 * np.arange(7))  # pointy-top corners, the first repeated to close the ring


def hexagon_rings(lon: np.ndarray, lat: np.ndarray, size_m: float) -> np.ndarray:
    """Closed rings (n × 7 × 2, lon/lat rounded to 6 decimals) of the hexagons centred at ``lon``/``lat``."""
    if len(lat) == 0:
        return np.zeros((0, 7, 2))
    lat_ref = float(np.mean(lat))
    dx = size_m * np.cos(_ANGLES) / (M_PER_DEG_LON * math.cos(math.radians(lat_ref)))
    dy = size_m * np.sin(_ANGLES) / M_PER_DEG_LAT
    rings = np.stack([lon[:, None] + dx[None, :], lat[:, None] + dy[None, :]], axis=-1)
    return rings.round(6)


def hex_bin_layer(
    frame: pd.DataFrame,
    *,
    size_m: float,
    name: str,
    title: str,
    value_format: Callable[[float], str] = number_text,
    scheme: str = "auto",
    k: int = 5,
    palette: Sequence[str] = SEQUENTIAL,
    fill_opacity: float = 0.65,
    show: bool = True,
) -> folium.FeatureGroup:
    """The hexagons of ``frame`` (``lon``, ``lat`` of each centre, ``cases``) coloured by count, with a legend
    titled ``title``, as a FeatureGroup named ``name``.
    """
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"bin frame lacks columns {missing}; it has {list(frame.columns)}")
    if not (math.isfinite(size_m) and size_m > 0):
        raise ValueError(f"size_m must be a positive number of metres, got {size_m!r}")
    counts = frame["cases"].to_numpy(np.float64)
    classes = classify(counts, k=k, scheme=scheme, palette=palette, value_format=value_format)
    rings = hexagon_rings(frame["lon"].to_numpy(np.float64), frame["lat"].to_numpy(np.float64), size_m)
    features = [
        {
            "type": "Feature",
            "id": str(i),
            "geometry": {"type": "Polygon", "coordinates": [ring.tolist()]},
            "properties": {"cases": html.escape(value_format(count))},
        }
        for i, (ring, count) in enumerate(zip(rings, counts, strict=True))
    ]
    colours = [classes.colour_of(int(i), no_data="#cccccc") for i in classes.index]

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        colour = colours[int(feature["id"])]
        return {"fillColor": colour, "color": colour, "weight": 0.5, "fillOpacity": fill_opacity}

    group = folium.FeatureGroup(name=name, show=show)
    layer = folium.GeoJson({"type": "FeatureCollection", "features": features}, control=False, style_function=style)
    if features:
        folium.GeoJsonTooltip(fields=["cases"], aliases=[html.escape(title)]).add_to(layer)
    layer.add_to(group)
    Legend(title, list(zip(classes.colours, classes.labels, strict=True))).add_to(group)
    return group

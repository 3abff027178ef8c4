"""Case density as a heat map: a ``heat_cells`` frame (``lon``, ``lat``, ``weight``) in, one HeatMap out.

The cells are aggregated in DuckDB, so the browser gets one weighted point per occupied cell, not one per
case. folium's leaflet.heat scales intensity to the largest weight in view.
"""

from __future__ import annotations

import folium.plugins
import numpy as np
import pandas as pd

REQUIRED_COLUMNS: tuple[str, ...] = ("lon", "lat", "weight")
#: Light blue to dark blue: leaflet.heat's default ends in red, which on this map means past the deadline.
GRADIENT: dict[float, str] = {0.2: "#d0d1e6", 0.4: "#a6bddb", 0.6: "#74a9cf", 0.8: "#2b8cbe", 1.0: "#045a8d"}


def heat_layer(
    frame: pd.DataFrame,
    *,
    name: str,
    radius: float = 18,
    blur: float = 15,
    min_opacity: float = 0.3,
    show: bool = True,
) -> folium.plugins.HeatMap:
    """A heat map of the weighted cells in ``frame``, as a layer named ``name``."""
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"heat frame lacks columns {missing}; it has {list(frame.columns)}")
    cells = frame[frame["lon"].notna() & frame["lat"].notna() & (frame["weight"] > 0)]
    # Cells are tens of metres across: 5 decimals (~1 m) place them exactly enough, in fewer characters.
    lat = cells["lat"].to_numpy(np.float64).round(5).tolist()
    lon = cells["lon"].to_numpy(np.float64).round(5).tolist()
    weight = cells["weight"].tolist()
    data = [[a, b, w] for a, b, w in zip(lat, lon, weight, strict=True)]
    return folium.plugins.HeatMap(
        data, name=name, radius=radius, blur=blur, min_opacity=min_opacity, gradient=GRADIENT, show=show
    )

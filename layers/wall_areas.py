"""The wall screen's areas as GeoJSON for its own map component, which restyles them in place on every refresh
(a folium map is a new document each time: the wall's map would blink and lose its view).

Counts below the public-screen threshold are drawn in one neutral colour and written as "<N": a colour or a
label must not tell what the count hides.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ._classes import classify, number_text
from .display import _geometries, shift_frame, simplify_frame

#: Dark-theme sequential palette (dim to bright cyan-yellow); red is kept for overdue (``layers.alerts``).
WALL_PALETTE: tuple[str, ...] = ("#1f4e6e", "#25728f", "#2b97a8", "#56b9a6", "#a6d17f", "#f0e35c")
#: Areas with nothing (0) and areas whose count is hidden (below the threshold).
WALL_ZERO_COLOUR = "#1a2330"
WALL_FEW_COLOUR = "#34495e"


@dataclass(frozen=True)
class WallAreas:
    """What the wall's map draws: a GeoJSON ``collection`` (each feature's properties ``code``, ``name``,
    ``text`` (the shown value, escaped), ``colour``), its ``bounds`` ([[south, west], [north, east]]) and
    the ``legend`` as (colour, text) pairs."""

    collection: dict[str, Any]
    bounds: list[list[float]]
    legend: list[tuple[str, str]]


def hidden_text(value: float, min_count: int) -> str | None:
    """``"<min_count"`` when ``value`` is a positive count below ``min_count`` (a count that must not be shown
    on a public screen), else None."""
    return f"<{min_count}" if 0 < value < min_count else None


def wall_areas(
    frame: pd.DataFrame, *, value: str, crs: str, min_count: int, counted: bool = True, zero_text: str = "0"
) -> WallAreas:
    """The areas of an ``area_measures`` frame (WGS-84) shaded by column ``value``, in ``crs``.

    ``counted``: ``value`` is a count, so values in (0, ``min_count``) are hidden; otherwise (a change, a rate)
    nothing is hidden here (the caller hides what derives from small counts). Raises ValueError naming the
    column when ``value`` is missing."""
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1, got {min_count}")
    if frame.empty:
        return WallAreas({"type": "FeatureCollection", "features": []}, [], [])
    if value not in frame.columns:
        raise ValueError(f"no column {value!r} to shade the areas by; columns: {list(frame.columns)}")
    shown = simplify_frame(shift_frame(frame, crs))
    values = pd.to_numeric(shown[value], errors="coerce").to_numpy(np.float64)
    hidden = np.array([counted and hidden_text(v, min_count) is not None for v in values], dtype=bool)
    classed = ~hidden & np.isfinite(values) & (values != 0)
    classes = classify(values[classed], k=5, palette=WALL_PALETTE) if classed.any() else None
    colours = np.full(len(values), WALL_ZERO_COLOUR, dtype=object)
    colours[hidden] = WALL_FEW_COLOUR
    if classes is not None:
        colours[classed] = [classes.colour_of(int(i), no_data=WALL_ZERO_COLOUR) for i in classes.index]
    geometries = _geometries(shown)
    features = []
    for row, geometry, colour, value_ in zip(shown.itertuples(index=False), geometries, colours, values, strict=True):
        text = hidden_text(value_, min_count) if counted else None
        if text is None:
            text = zero_text if value_ == 0 else ("—" if not np.isfinite(value_) else number_text(value_))
        features.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(geometry),
                "properties": {
                    "code": html.escape(str(row.code)),
                    "name": html.escape(str(row.name)),
                    "text": html.escape(text),
                    "colour": colour,
                },
            }
        )
    west, south, east, north = shapely.total_bounds(geometries)
    legend = [(WALL_ZERO_COLOUR, zero_text)] if (values == 0).any() else []
    if hidden.any():
        legend.append((WALL_FEW_COLOUR, f"<{min_count}"))
    if classes is not None:
        legend += list(zip(classes.colours, classes.labels, strict=True))
    return WallAreas(
        {"type": "FeatureCollection", "features": features}, [[float(south), float(west)], [float(north), float(east)]],
        legend,
    )  # fmt: skip

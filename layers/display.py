"""Frames made ready for display: shifted into the basemap's coordinate system and light enough to send.

Data stay WGS-84 everywhere else. A map over Amap tiles (GCJ-02) or Baidu-style tiles (BD-09) needs its
vectors in the tiles' system, or everything sits 300–700 m off; ``shift_frame`` converts ``lon``/``lat``
columns and WKB geometries (``geom_wkb``) with ``core.coords.from_wgs84``. Polygons are simplified with a
tolerance tied to the level shown (``display_tolerance``) and rounded to 6 decimals (~0.1 m).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from core.coords import from_wgs84, normalise_crs

#: Systems that need no shift for display (CGCS2000 draws as WGS-84 at map scales).
UNSHIFTED: tuple[str, ...] = ("EPSG:4326", "EPSG:4490")
#: Coordinate decimals sent to the browser: 1e-6 degrees is about 0.1 m.
DECIMALS = 6
#: The simplification tolerance is the smaller of these fractions of the areas' extent and of a typical
#: area's width: about a pixel when the map is fitted to the areas, and never coarse for small grids.
EXTENT_FRACTION = 1 / 2000
WIDTH_FRACTION = 1 / 50


def _geometries(frame: pd.DataFrame) -> np.ndarray:
    return shapely.from_wkb([bytes(wkb) for wkb in frame["geom_wkb"]])


def _with_geometries(frame: pd.DataFrame, geometries: np.ndarray) -> pd.DataFrame:
    out = frame.copy()
    out["geom_wkb"] = [bytearray(wkb) for wkb in shapely.to_wkb(geometries)]
    return out


def needs_shift(crs: str) -> bool:
    """Whether vectors must be converted from WGS-84 to draw in ``crs``."""
    return normalise_crs(crs) not in UNSHIFTED


def shift_frame(frame: pd.DataFrame, crs: str) -> pd.DataFrame:
    """A copy of ``frame`` with ``lon``/``lat`` and ``geom_wkb`` (whichever it has) converted to ``crs``.

    NaN coordinates stay NaN; frames without those columns come back unchanged.
    """
    if not needs_shift(crs) or frame.empty:
        return frame
    out = frame
    if {"lon", "lat"} <= set(frame.columns):
        lon, lat = from_wgs84(frame["lon"].to_numpy(np.float64), frame["lat"].to_numpy(np.float64), crs)
        out = out.assign(lon=lon, lat=lat)
    if "geom_wkb" in frame.columns:

        def convert(xy: np.ndarray) -> np.ndarray:
            x, y = from_wgs84(xy[:, 0], xy[:, 1], crs)
            return np.column_stack([x, y])

        out = _with_geometries(out, shapely.transform(_geometries(frame), convert))
    return out


def display_tolerance(geometries: np.ndarray) -> float:
    """The simplification tolerance in degrees for ``geometries`` shown together (0 for none)."""
    present = geometries[~shapely.is_missing(geometries) & ~shapely.is_empty(geometries)]
    if len(present) == 0:
        return 0.0
    min_x, min_y, max_x, max_y = shapely.total_bounds(present)
    extent = max(max_x - min_x, max_y - min_y)
    width = float(np.median(np.sqrt(shapely.area(present))))
    return min(extent * EXTENT_FRACTION, width * WIDTH_FRACTION)


def simplify_frame(frame: pd.DataFrame, *, tolerance: float | None = None) -> pd.DataFrame:
    """A copy of ``frame`` with ``geom_wkb`` simplified (topology preserved) and rounded to ``DECIMALS``.

    ``tolerance`` is in degrees; by default ``display_tolerance`` of the frame's geometries.
    """
    if frame.empty or "geom_wkb" not in frame.columns:
        return frame
    geometries = _geometries(frame)
    tol = display_tolerance(geometries) if tolerance is None else tolerance
    if tol > 0:
        geometries = shapely.simplify(geometries, tol, preserve_topology=True)
    rounded = shapely.transform(geometries, lambda xy: np.round(xy, DECIMALS))
    return _with_geometries(frame, rounded)

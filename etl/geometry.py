"""Polygon repair and geodesic area for grid boundaries.

Surveyed grid boundaries arrive with self-intersections, clockwise shells, stray lines and empty parts. The
loader stores only valid (Multi)Polygons with counter-clockwise exterior rings and clockwise holes (the schema's
convention), and records what it changed in ``grid.repaired``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Geod

__all__ = ["geodesic_area_km2", "repair_polygons"]

_POLYGON: Final = 3
_MULTIPOLYGON: Final = 6
_COLLECTION: Final = 7
_TYPE_NAMES: Final = {
    0: "Point",
    1: "LineString",
    2: "LinearRing",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}
_GEOD: Final = Geod(ellps="WGS84")

GeometryArray = NDArray[np.object_]


def repair_polygons(geoms: GeometryArray | Sequence[object]) -> tuple[GeometryArray, GeometryArray]:
    """Valid, consistently oriented (Multi)Polygons and a note per geometry saying what was done.

    Invalid geometries go through ``shapely.make_valid`` and keep only their polygonal parts; the note names
    GEOS's validity reason, e.g. ``"invalid (Self-intersection); repaired"``. Valid ones with a clockwise
    exterior or a counter-clockwise hole are reoriented (``"clockwise exterior; reoriented"``). Missing, empty
    or non-areal geometries, and repairs that leave no area, become None with a note; the caller rejects them.
    A geometry that needed nothing is returned as the same object, with note None.
    """
    src = np.asarray(geoms, dtype=object)
    if src.ndim != 1:
        raise ValueError(f"geoms must be one-dimensional, got shape {src.shape}")
    n = len(src)
    out: GeometryArray = src.copy()
    notes: GeometryArray = np.full(n, None, dtype=object)

    type_id = shapely.get_type_id(src)  # -1 for None
    missing = type_id < 0
    empty = ~missing & shapely.is_empty(src)
    areal = np.isin(type_id, (_POLYGON, _MULTIPOLYGON, _COLLECTION)) & ~empty
    notes[missing] = "missing geometry"
    notes[empty] = "empty geometry"
    for tid in np.unique(type_id[~missing & ~empty & ~areal]):
        notes[~empty & (type_id == tid)] = f"not a polygon ({_TYPE_NAMES.get(int(tid), tid)})"
    out[~areal] = None

    valid = np.zeros(n, dtype=bool)
    valid[areal] = shapely.is_valid(src[areal])
    invalid = areal & ~valid
    if invalid.any():
        reasons = shapely.is_valid_reason(src[invalid])
        fixed = _polygonal_part(shapely.make_valid(src[invalid]))
        out[invalid] = fixed
        # GEOS appends the location, "Self-intersection[0.5 0.5]": keep the reason only, notes are counted.
        reason = np.char.partition(reasons.astype(str), "[")[:, 0]
        outcome = np.where(shapely.is_missing(fixed), "); no area left after repair", "); repaired")
        notes[invalid] = np.char.add(np.char.add("invalid (", reason), outcome).astype(object)

    collection = areal & valid & (type_id == _COLLECTION)
    if collection.any():
        parts = _polygonal_part(src[collection])
        out[collection] = parts
        notes[collection] = np.where(
            shapely.is_missing(parts),
            "not a polygon (GeometryCollection without polygons)",
            "GeometryCollection; polygonal parts kept",
        )

    plain = areal & valid & ~collection
    bad_exterior, bad_hole = _misoriented(src[plain])
    reoriented = np.zeros(n, dtype=bool)
    reoriented[plain] = bad_exterior | bad_hole
    labels = np.array(
        ["", "clockwise exterior", "counter-clockwise hole", "clockwise exterior, counter-clockwise hole"]
    )
    kind = labels[bad_exterior.astype(int) + 2 * bad_hole.astype(int)]
    notes[reoriented] = np.char.add(kind[bad_exterior | bad_hole], "; reoriented").astype(object)

    # Repaired shells come back from GEOS in either orientation: orient them too, without a separate note.
    fix = reoriented | ((invalid | collection) & ~shapely.is_missing(out))
    out[fix] = shapely.orient_polygons(out[fix], exterior_cw=False)
    return out, notes


def geodesic_area_km2(geoms: GeometryArray | Sequence[object]) -> NDArray[np.float64]:
    """Area on the WGS-84 ellipsoid of lon/lat (Multi)Polygons, in km²; NaN for missing geometries."""
    src = np.asarray(geoms, dtype=object)
    area = np.full(len(src), np.nan)
    present = ~shapely.is_missing(src)
    # pyproj sums ring areas signed by orientation, so orient first (holes then subtract).
    oriented = shapely.orient_polygons(src[present], exterior_cw=False)
    # Geod has no batch call over many geometries: a loop, run once per grid load over a few thousand grids.
    area[present] = [_GEOD.geometry_area_perimeter(geom)[0] for geom in oriented]
    return area / 1e6


def _polygonal_part(geoms: GeometryArray) -> GeometryArray:
    """The Polygon or MultiPolygon made of each geometry's polygonal pieces, None if it has none."""
    n = len(geoms)
    parts, index = shapely.get_parts(geoms, return_index=True)
    # Collections may hold MultiPolygons (and GEOS may nest collections): flatten until only simple parts.
    while True:
        multi = np.isin(shapely.get_type_id(parts), (_MULTIPOLYGON, _COLLECTION))
        if not multi.any():
            break
        sub, sub_index = shapely.get_parts(parts[multi], return_index=True)
        parts = np.concatenate([parts[~multi], sub])
        index = np.concatenate([index[~multi], index[multi][sub_index]])
    keep = (shapely.get_type_id(parts) == _POLYGON) & ~shapely.is_empty(parts)
    keep[keep] = shapely.area(parts[keep]) > 0
    parts, index = parts[keep], index[keep]
    order = np.argsort(index, kind="stable")
    parts, index = parts[order], index[order]

    out: GeometryArray = np.full(n, None, dtype=object)
    counts = np.bincount(index, minlength=n)
    single = counts[index] == 1
    out[index[single]] = parts[single]
    if (~single).any():
        shapely.multipolygons(parts[~single], indices=index[~single], out=out)
    return out


def _misoriented(polygons: GeometryArray) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Per valid (Multi)Polygon: has a clockwise exterior ring; has a counter-clockwise hole."""
    n = len(polygons)
    parts, part_of = shapely.get_parts(polygons, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    # get_rings lists each polygon's exterior first, then its holes.
    exterior = np.ones(len(rings), dtype=bool)
    exterior[1:] = ring_of[1:] != ring_of[:-1]
    ccw = shapely.is_ccw(rings)
    owner = part_of[ring_of]
    bad_exterior = np.bincount(owner[exterior & ~ccw], minlength=n) > 0
    bad_hole = np.bincount(owner[~exterior & ccw], minlength=n) > 0
    return bad_exterior, bad_hole

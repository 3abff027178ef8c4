"""Grid polygons: any spatial format and CRS → repaired WGS-84 polygons with their level, parent and validity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from core.coords import to_wgs84

from .crs import check_lonlat
from .geometry import geodesic_area_km2, repair_polygons
from .keyed_load import Batch, EntitySpec
from .points import column
from .timeparse import parse_times
from .values import lookup_names, parse_counts

_BEGINNING = pd.Timestamp("1900-01-01")


_TYPE_NAMES = {
    0: "Point",
    1: "LineString",
    2: "LinearRing",
    4: "MultiPoint",
    5: "MultiLineString",
    7: "GeometryCollection",
}


def _to_wgs84(geoms: np.ndarray, crs: str) -> np.ndarray:
    if crs == "EPSG:4326":
        return geoms
    return shapely.transform(geoms, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], crs)))


def _levels(b: Batch) -> tuple[np.ndarray, pd.Series]:
    """Each row's depth (0 where unknown) and its level as written (``--level`` where the cell is empty)."""
    level_raw = column(b.raw, b.mapping, "level")
    if b.options.level is not None:
        level_raw = level_raw.fillna(b.options.level)
    if "levels" not in b.state:
        b.state["levels"] = b.con.execute("SELECT depth, level_key, name_zh, name_en FROM grid_level").df()
    levels = b.state["levels"]
    names: dict[str, str] = {}
    for label in ("level_key", "name_zh", "name_en", "depth"):
        names.update(dict(zip(levels[label].astype(str), levels["depth"].astype(str), strict=True)))
    depth_text, unknown = lookup_names(level_raw, names)
    b.verdicts.reject(
        unknown,
        "bad_value",
        lambda: (
            "unknown level "
            + level_raw.astype(str)
            + f"; valid: depth {levels['depth'].min()}–{levels['depth'].max()} or {', '.join(levels['level_key'])}"
        ),
    )
    return pd.to_numeric(depth_text, errors="coerce").fillna(-1).astype(int).to_numpy(), level_raw


def _located_polygons(b: Batch, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The usable polygons of the batch in WGS-84, repaired, and the repair notes (None where nothing was done).

    A polygon that does not read, is not areal, or whose coordinates are not longitude/latitude in range after
    conversion (a lat/lon-swapped ring, a projected one) is rejected with its reason; the others load.
    """
    n, v = len(geoms), b.verdicts
    errors = b.chunk.geometry_errors
    if errors is not None:
        v.reject(
            pd.notna(errors), "bad_geometry", lambda: "the geometry cannot be read: " + pd.Series(errors).astype(str)
        )
    v.reject(shapely.is_missing(geoms) | shapely.is_empty(geoms), "bad_geometry", "no geometry")
    type_id = shapely.get_type_id(geoms)
    v.reject(
        ~np.isin(type_id, [3, 6]),
        "bad_geometry",
        lambda: "not a Polygon or MultiPolygon: " + pd.Series(type_id).map(_TYPE_NAMES).fillna("unknown").astype(str),
    )
    usable = v.ok
    if not b.state.get("lonlat_checked") and usable.any():
        check_lonlat(*shapely.get_coordinates(geoms[usable]).T, b.crs, b.path)
        b.state["lonlat_checked"] = True
    converted = np.full(n, None, dtype=object)
    if usable.any():
        converted[usable] = _to_wgs84(geoms[usable], b.options.crs)
    bounds = shapely.bounds(np.where(usable, converted, None))  # NaN for the rows not converted
    in_range = (np.abs(bounds[:, [0, 2]]) <= 180).all(axis=1) & (np.abs(bounds[:, [1, 3]]) <= 90).all(axis=1)
    lon0, lat0, lon1, lat1 = b.settings.china_bbox
    swapped = (bounds[:, 1] >= lon0) & (bounds[:, 3] <= lon1) & (bounds[:, 0] >= lat0) & (bounds[:, 2] <= lat1)

    def out_of_range() -> pd.Series:
        box = pd.Series([f"{x0:.6g}, {y0:.6g} – {x1:.6g}, {y1:.6g}" for x0, y0, x1, y1 in bounds])
        hint = np.where(
            swapped,
            " (latitude and longitude are swapped: x holds the latitude)",
            f" (are they in {b.options.crs}? name the file's coordinate system with --crs)",
        )
        return "coordinates out of range (longitude −180…180, latitude −90…90): " + box + hint

    v.reject(usable & ~in_range, "coordinates_out_of_range", out_of_range)
    usable = v.ok
    wgs = np.full(n, None, dtype=object)
    notes = np.full(n, None, dtype=object)
    if usable.any():
        wgs[usable], notes[usable] = repair_polygons(converted[usable])
    v.reject(
        usable & pd.isna(wgs), "bad_geometry", lambda: "geometry is empty after repair: " + pd.Series(notes).astype(str)
    )
    return wgs, notes


def prepare_grids(b: Batch) -> pd.DataFrame:
    v = b.verdicts
    if b.chunk.geometry is None:
        raise ValueError(
            f"grid file {b.options.source!r} has no geometry; use GeoJSON, Shapefile, GeoPackage or GeoParquet"
        )
    code = column(b.raw, b.mapping, "code")
    name = column(b.raw, b.mapping, "name")
    depth, level_raw = _levels(b)
    for field, values in (("code", code), ("name", name), ("level", level_raw)):
        v.reject(values.isna().to_numpy(), "missing_value", f"{b.mapping.get(field, field)} ({field}) is empty")

    wgs, notes = _located_polygons(b, np.asarray(b.chunk.geometry, dtype=object))
    b.flags["repaired"] += int((pd.notna(notes) & v.ok).sum())

    parent = column(b.raw, b.mapping, "parent_code")
    if "grid_depths" not in b.state:
        b.state["grid_depths"] = dict(b.con.execute("SELECT code, max(depth) FROM grid GROUP BY code").fetchall())
    known = {**b.state["grid_depths"], **dict(zip(code.dropna(), depth[code.notna().to_numpy()], strict=True))}
    parent_depth = parent.map(known)
    bad_parent = parent.notna() & (parent_depth.isna() | (parent_depth != depth - 1))
    v.reject(
        bad_parent.to_numpy(bool),
        "unknown_parent",
        lambda: "parent " + parent.astype(str) + " is not a loaded grid one level up",
    )
    top = int(b.state["levels"]["depth"].min())
    v.reject(
        ((depth > max(top, 1)) & parent.isna()).to_numpy(bool),
        "unknown_parent",
        "a grid below the top level needs a parent",
    )
    b.state["grid_depths"].update({c: d for c, d, ok in zip(code, depth, v.ok, strict=True) if ok})

    valid_from, bad_from = parse_times(column(b.raw, b.mapping, "valid_from"))
    valid_to, bad_to = parse_times(column(b.raw, b.mapping, "valid_to"))
    v.reject((bad_from | bad_to).to_numpy(bool), "bad_time", "valid_from/valid_to is not a date")
    valid_from = valid_from.fillna(_BEGINNING)
    v.reject(
        (valid_to.notna() & (valid_to <= valid_from)).to_numpy(bool),
        "times_out_of_order",
        "valid_to is not after valid_from",
    )
    counts = {}
    for field in ("population", "households"):
        values, bad = parse_counts(column(b.raw, b.mapping, field))
        v.reject(bad, "bad_value", f"{field} is not a whole number")
        counts[field] = np.where(column(b.raw, b.mapping, field).isna().to_numpy(), None, values)

    ok_geoms = np.where(pd.isna(wgs), shapely.Point(0, 0), wgs)
    bounds = shapely.bounds(ok_geoms)
    label = shapely.point_on_surface(ok_geoms)
    area = geodesic_area_km2(ok_geoms)
    v.reject(~np.isfinite(area), "bad_geometry", "its area cannot be computed on the WGS-84 ellipsoid")
    return pd.DataFrame(
        {
            "code": code,
            "name": name,
            "depth": depth,
            "parent_code": parent,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "area_km2": area,
            "population": counts["population"],
            "households": counts["households"],
            "grid_worker": column(b.raw, b.mapping, "grid_worker"),
            "party_branch": column(b.raw, b.mapping, "party_branch"),
            "centroid_lon": shapely.get_x(label),
            "centroid_lat": shapely.get_y(label),
            "min_lon": bounds[:, 0],
            "min_lat": bounds[:, 1],
            "max_lon": bounds[:, 2],
            "max_lat": bounds[:, 3],
            "geom_wkb": shapely.to_wkb(ok_geoms),
            "repaired": notes,
            "source": b.options.source,
        }
    )


GRID_SPEC = EntitySpec("grids", "grid", ("code", "valid_from"), prepare_grids, optional_by=(("level", "level"),))

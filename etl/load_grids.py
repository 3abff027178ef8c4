"""Grid polygons: any spatial format and CRS → repaired WGS-84 polygons with their level, parent and validity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from core.coords import normalise_crs, to_wgs84

from .geometry import geodesic_area_km2, repair_polygons
from .keyed_load import Batch, EntitySpec
from .points import column
from .timeparse import parse_times
from .values import lookup_names, parse_counts

_BEGINNING = pd.Timestamp("1900-01-01")


def _to_wgs84(geoms: np.ndarray, crs: str) -> np.ndarray:
    if crs == "EPSG:4326":
        return geoms
    return shapely.transform(geoms, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], crs)))


def prepare_grids(b: Batch) -> pd.DataFrame:
    n = len(b.raw)
    v = b.verdicts
    if b.chunk.geometry is None:
        raise ValueError(
            f"grid file {b.options.source!r} has no geometry; use GeoJSON, Shapefile, GeoPackage or GeoParquet"
        )
    code = column(b.raw, b.mapping, "code")
    name = column(b.raw, b.mapping, "name")
    level_raw = column(b.raw, b.mapping, "level")
    for field, values in (("code", code), ("name", name), ("level", level_raw)):
        v.reject(values.isna().to_numpy(), "missing_value", f"{b.mapping.get(field, field)} ({field}) is empty")
    if "levels" not in b.state:
        b.state["levels"] = b.con.execute("SELECT depth, level_key, name_zh, name_en FROM grid_level").df()
    levels = b.state["levels"]
    names: dict[str, str] = {}
    for label in ("level_key", "name_zh", "name_en", "depth"):
        names.update(dict(zip(levels[label].astype(str), levels["depth"].astype(str), strict=True)))
    depth_text, unknown = lookup_names(level_raw, names)
    v.reject(
        unknown,
        "bad_value",
        lambda: (
            "unknown level "
            + level_raw.astype(str)
            + f"; valid: depth 1–{len(levels)} or {', '.join(levels['level_key'])}"
        ),
    )
    depth = pd.to_numeric(depth_text, errors="coerce").fillna(0).astype(int).to_numpy()

    crs = normalise_crs(b.chunk.crs or b.options.crs)
    geoms = np.asarray(b.chunk.geometry, dtype=object)
    missing_geom = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    polygonal = np.isin(shapely.get_type_id(geoms), [3, 6])
    v.reject(missing_geom, "bad_geometry", "no geometry")
    v.reject(
        ~polygonal,
        "bad_geometry",
        lambda: (
            "not a Polygon or MultiPolygon: "
            + pd.Series(shapely.get_type_id(geoms))
            .map(
                {
                    0: "Point",
                    1: "LineString",
                    2: "LinearRing",
                    4: "MultiPoint",
                    5: "MultiLineString",
                    7: "GeometryCollection",
                }
            )
            .fillna("unknown")
            .astype(str)
        ),
    )
    usable = v.ok
    wgs = np.full(n, None, dtype=object)
    notes = np.full(n, None, dtype=object)
    if usable.any():
        repaired, repair_notes = repair_polygons(_to_wgs84(geoms[usable], crs))
        wgs[usable] = repaired
        notes[usable] = repair_notes
    v.reject(
        usable & pd.isna(wgs), "bad_geometry", lambda: "geometry is empty after repair: " + pd.Series(notes).astype(str)
    )
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
    v.reject(
        ((depth > 1) & parent.isna()).to_numpy(bool), "unknown_parent", "a grid below the top level needs a parent"
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
    return pd.DataFrame(
        {
            "code": code,
            "name": name,
            "depth": depth,
            "parent_code": parent,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "area_km2": geodesic_area_km2(ok_geoms),
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


GRID_SPEC = EntitySpec("grids", "grid", ("code", "valid_from"), prepare_grids)

"""Locating rows: source coordinates to validated WGS-84 points."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from core.coords import is_geographic, to_wgs84
from settings import Settings

from .crs import ResolvedCrs, check_lonlat
from .readers import STRING_DTYPE, RawChunk
from .runlog import Verdicts
from .values import STRING, parse_numbers


def column(raw: pd.DataFrame, mapping: dict[str, str], name: str) -> pd.Series:
    """The source column mapped to canonical ``name``, stripped, empty as NA (all NA when unmapped)."""
    if name in mapping:
        values = raw[mapping[name]]
        text = pc.utf8_trim_whitespace(pa.chunked_array(pa.array(values.astype(STRING_DTYPE))))
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)
        return pd.Series(pd.arrays.ArrowStringArray(text), index=raw.index, name=values.name)
    # built from Arrow nulls: pd.Series(pd.NA, dtype=STRING) repeats a scalar, ~3 ms per 100k rows
    return pd.Series(pd.arrays.ArrowStringArray(pa.nulls(len(raw), pa.string())), index=raw.index)


def undecodable_rows(raw: pd.DataFrame, headers: list[str]) -> np.ndarray:
    """Rows holding U+FFFD, the reader's mark for bytes no encoding could decode.

    Each Arrow column's data bytes are searched once, in place, for the character's UTF-8 bytes; only a
    column that has them is checked row by row.
    """
    bad = np.zeros(len(raw), dtype=bool)
    for header in headers:
        values = raw[header]
        if any(_has_replacement(chunk) for chunk in pa.chunked_array(pa.array(values)).chunks):
            bad |= values.astype(STRING).str.contains("\ufffd", regex=False).fillna(False).to_numpy(bool)
    return bad


def _has_replacement(chunk: pa.Array) -> bool:
    buffers = chunk.buffers()
    data = buffers[2] if len(buffers) > 2 else None  # a string array's character bytes
    if data is None or data.size < 3:
        return False
    return _REPLACEMENT.search(memoryview(data)) is not None  # re searches the buffer in place


_REPLACEMENT = re.compile(re.escape("\ufffd".encode()))


def locate(
    raw: pd.DataFrame,
    chunk: RawChunk,
    mapping: dict[str, str],
    crs: ResolvedCrs,
    settings: Settings,
    v: Verdicts,
    flags: Counter[str],
    require_location: bool,
    *,
    path: Path | str = "",
) -> pd.DataFrame:
    """Source coordinates → WGS-84, rejecting missing (when required), non-numeric and out-of-range ones.

    Latitude and longitude swapped in a geographic system are recognised by China's extent, swapped back
    and counted in ``flags["coords_swapped"]``; ``src_x``/``src_y`` keep the file's values as they were.
    The first chunk of a file whose CRS nobody declared is checked to be longitude/latitude (`check_lonlat`).
    Columns: src_x, src_y, lon, lat, coords_swapped.
    """
    n = len(raw)
    if "x" in mapping and "y" in mapping:
        x, x_missing, x_bad = parse_numbers(raw[mapping["x"]])
        y, y_missing, y_bad = parse_numbers(raw[mapping["y"]])
        v.reject(
            x_bad | y_bad,
            "bad_coordinates",
            lambda: (
                "coordinates are not numbers: " + raw[mapping["x"]].astype(str) + ", " + raw[mapping["y"]].astype(str)
            ),
        )
        missing = x_missing | y_missing
    elif chunk.geometry is not None:
        if chunk.geometry_errors is not None:
            errors = chunk.geometry_errors
            v.reject(
                pd.notna(errors),
                "bad_geometry",
                lambda: "the geometry cannot be read: " + pd.Series(errors).astype(str),
            )
        x, y = shapely.get_x(chunk.geometry), shapely.get_y(chunk.geometry)
        missing = ~(np.isfinite(x) & np.isfinite(y))
    else:
        x = y = np.full(n, np.nan)
        missing = np.ones(n, dtype=bool)
    missing = missing | ((x == 0) & (y == 0))  # (0, 0) is how many systems write "no location"
    if chunk.first_row == 1:
        check_lonlat(x[v.ok & ~missing], y[v.ok & ~missing], crs, path)
    if require_location:
        v.reject(missing, "missing_coordinates", "no coordinates (longitude/latitude empty or 0,0)")
    src_x, src_y = np.where(missing, np.nan, x), np.where(missing, np.nan, y)
    swapped = np.zeros(n, dtype=bool)
    if is_geographic(crs.name):
        lon0, lat0, lon1, lat1 = settings.china_bbox
        in_china = (x >= lon0) & (x <= lon1) & (y >= lat0) & (y <= lat1)
        swapped_in = (y >= lon0) & (y <= lon1) & (x >= lat0) & (x <= lat1)
        swapped = ~missing & ~in_china & swapped_in
        x, y = np.where(swapped, y, x), np.where(swapped, x, y)
        out_of_range = ~missing & ((np.abs(x) > 180) | (np.abs(y) > 90))
        v.reject(
            out_of_range,
            "coordinates_out_of_range",
            lambda: (
                "coordinates out of range (longitude −180…180, latitude −90…90): "
                + pd.Series(x).astype(str)
                + ", "
                + pd.Series(y).astype(str)
                + f" (are they in {crs.name}? name the file's coordinate system with --crs)"
            ),
        )
    usable = ~missing & np.isfinite(x) & np.isfinite(y) & v.ok
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    if usable.any():
        lon[usable], lat[usable] = to_wgs84(x[usable], y[usable], crs.name)
    bad_projection = usable & ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    v.reject(bad_projection, "coordinates_out_of_range", f"coordinates do not convert from {crs.name} to WGS-84")
    flags["coords_swapped"] += int((swapped & v.ok).sum())
    return pd.DataFrame(
        {
            "src_x": src_x,
            "src_y": src_y,
            "lon": lon,
            "lat": lat,
            "coords_swapped": swapped,
        }
    )

"""Exports of what the screen shows: cases and area figures as CSV (for Excel) and GeoJSON (for QGIS/ArcGIS).

Pure functions, frames in and bytes out; the map page wires them to download buttons.

* CSV: UTF-8 with a byte-order mark, so Excel opens Chinese text correctly; headers in the interface language.
  Every text cell is defused against formula injection and digit identifiers stay text in Excel without a
  visible tab, by the one rule of ``core.spreadsheet`` (``csv_text``: a leading ``'`` before ``=``, ``+``,
  ``-``, ``@``, tab, CR, NUL, as OWASP advises; ``excel_identifier``: ``="01003"``). GeoJSON keeps plain
  strings.
* GeoJSON (RFC 7946): a FeatureCollection in WGS-84 lon/lat as stored (never the basemap's display shift), no
  ``crs`` member, counter-clockwise exterior rings, coordinates rounded to 7 decimals (about 1 cm), properties
  of plain JSON types (times ISO 8601 with their UTC offset), UTF-8 without a BOM. Property keys are the CSV's
  headers in the same language (`header`), so the two files of one export read alike; the collection's
  foreign member ``onemap`` maps each key back to its field name. A case without coordinates is left out of
  the case GeoJSON (GIS tools cannot place it), and ``onemap`` says how many were (the CSV holds them all).
* Coordinates in the CSV are rounded to 7 decimals (about 1 cm), as in the GeoJSON.
* Personal data: a case export holds only the columns in ``CASE_COLUMNS`` (the masked contact, never more),
  and phone and ID numbers that citizens typed into free text are masked again on the way out by the one rule
  of ``core.privacy`` (138****5678).
* Measures (``core.measures``) keep the registry's decimals and are headed by its labels.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

from core.measures import AREA_FIGURES, REGISTRY
from core.privacy import mask_text
from core.spreadsheet import csv_text, excel_identifier

from .i18n import name_column, t

#: The columns a case export holds, in order. Anything else a frame carries is dropped.
CASE_COLUMNS: tuple[str, ...] = (
    "case_uid",
    "source",
    "source_id",
    "channel_name",
    "category_code",
    "category_name",
    "request_nature",
    "status_name",
    "dept_name",
    "reported_at",
    "dispatched_at",
    "handled_at",
    "closed_at",
    "handle_deadline",
    "is_urgent",
    "is_supervised",
    "is_overdue",
    "satisfaction",
    "incident_id",
    "incident_reports",
    "grid_code",
    "address",
    "description",
    "contact_masked",
    "lon",
    "lat",
)
#: Columns of the area table (an ``area_measures`` frame), in order; those the frame has are exported.
AREA_COLUMNS: tuple[str, ...] = ("code", "name", "parent_code", "population", "area_km2", *AREA_FIGURES)
#: Decimal places of the area table's figures: the registry's for measures, and the area's size.
AREA_DECIMALS: dict[str, int] = {
    "area_km2": 3,
    **{name: REGISTRY[name].decimals for name in AREA_COLUMNS if name in REGISTRY and REGISTRY[name].kind != "count"},
}
#: Identifier columns that Excel would read as numbers when they are all digits.
_IDENTIFIERS = ("source_id", "category_code", "grid_code", "code", "parent_code", "area")
#: Names chosen per language in a case export: output column → the frame's column prefix.
_NAMED = {"channel_name": "channel_name", "category_name": "category_name", "status_name": "status_name"}
#: Free-text columns scanned for personal numbers.
_FREE_TEXT = ("description", "address")
#: Decimal places of exported coordinates (7 ≈ 1 cm).
PRECISION = 7


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{what} frame lacks columns {missing}; it has {list(frame.columns)}")


# ---------------------------------------------------------------- tables
def case_table(frame: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """The export columns of a ``case_export`` frame: names in ``lang``, free text masked, nothing else."""
    names = {column: name_column(lang, prefix) for column, prefix in _NAMED.items()}
    _require(frame, [c for c in CASE_COLUMNS if c not in names] + list(names.values()), "case export")
    table = frame.rename(columns={source: column for column, source in names.items()})
    table = table.loc[:, list(CASE_COLUMNS)].copy()
    for column in _FREE_TEXT:
        table[column] = table[column].map(lambda v: mask_text(v) if isinstance(v, str) else v)
    # converted coordinates carry 14 decimals of arithmetic: 7 is a centimetre, more than any source resolves
    return table.round({"lon": PRECISION, "lat": PRECISION})


def header(column: str, lang: str) -> str:
    """The heading of export column ``column`` in ``lang``: a measure's label, else the label ``col.<name>``."""
    return t(REGISTRY[column].label_key if column in REGISTRY else f"col.{column}", lang)


def area_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The export columns of an ``area_measures`` frame (boundaries and label points left out)."""
    _require(frame, ("code", "name"), "area")
    table = frame.loc[:, [column for column in AREA_COLUMNS if column in frame.columns]].copy()
    return table.round({column: places for column, places in AREA_DECIMALS.items() if column in table.columns})


# ---------------------------------------------------------------- CSV
def _csv_cell(value: Any, lang: str) -> Any:
    if isinstance(value, bool | np.bool_):
        return t("bool.yes" if value else "bool.no", lang)
    return csv_text(value)


def csv_bytes(table: pd.DataFrame, *, lang: str) -> bytes:
    """``table`` as CSV in UTF-8 with a BOM, headers translated (a measure's label, else ``col.<name>``), times
    to the second, text cells defused (``csv_text``) and digit identifiers kept as text (``excel_identifier``)."""
    out = table.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d %H:%M:%S")
        elif column in _IDENTIFIERS:
            out[column] = out[column].map(excel_identifier)
        elif not pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_bool_dtype(out[column]):
            out[column] = out[column].map(lambda v: _csv_cell(v, lang))  # text (any dtype), yes/no
    out.columns = [t(REGISTRY[c].label_key if c in REGISTRY else f"col.{c}", lang) for c in out.columns]
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def cases_csv(frame: pd.DataFrame, *, lang: str) -> bytes:
    """A ``case_export`` frame as CSV for Excel."""
    return csv_bytes(case_table(frame, lang=lang), lang=lang)


def areas_csv(frame: pd.DataFrame, *, lang: str) -> bytes:
    """An ``area_measures`` frame (the choropleth's table) as CSV for Excel."""
    return csv_bytes(area_table(frame), lang=lang)


# ---------------------------------------------------------------- GeoJSON
def json_value(value: Any, *, utc_offset: dt.timedelta) -> Any:
    """``value`` as a plain JSON value: NaN/NaT/None → null, numpy scalars → Python, times → ISO 8601."""
    if value is None or (not isinstance(value, str | bytes) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is None:
            stamp = stamp.tz_localize(dt.timezone(utc_offset))
        return stamp.isoformat()
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value)
    if isinstance(value, str | int):
        return value
    raise TypeError(f"cannot export {type(value).__name__} value {value!r} as a JSON property")


def _rounded(geometries: np.ndarray) -> np.ndarray:
    return shapely.transform(geometries, lambda xy: np.round(xy, PRECISION))


def _collection(
    geometries: Iterable[Any],
    properties: pd.DataFrame,
    utc_offset: dt.timedelta,
    *,
    lang: str,
    about: dict[str, Any] | None = None,
) -> bytes:
    """The FeatureCollection: keys the columns' headers in ``lang``; its ``onemap`` member the language, the
    key → field map and ``about``."""
    keys = [header(column, lang) for column in properties.columns]
    features = []
    for geometry, values in zip(geometries, properties.itertuples(index=False, name=None), strict=True):
        features.append(
            {
                "type": "Feature",
                "geometry": None if geometry is None else mapping(geometry),
                "properties": {
                    key: json_value(value, utc_offset=utc_offset) for key, value in zip(keys, values, strict=True)
                },
            }
        )
    onemap = {"language": lang, "fields": dict(zip(keys, properties.columns, strict=True)), **(about or {})}
    collection = {"type": "FeatureCollection", "onemap": onemap, "features": features}
    return json.dumps(collection, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def cases_geojson(frame: pd.DataFrame, *, lang: str, utc_offset: dt.timedelta = dt.timedelta(hours=8)) -> bytes:
    """A ``case_export`` frame as a GeoJSON FeatureCollection of the points of its located cases; those without
    coordinates are left out, and counted in the collection's ``onemap`` member (``cases``, ``features``,
    ``without_coordinates`` and a ``note`` in ``lang``). Property keys are the CSV's headers in ``lang``; times
    carry ``utc_offset`` (the data's naive China Standard Time is UTC+8).
    """
    table = case_table(frame, lang=lang)
    located = (table["lon"].notna() & table["lat"].notna()).to_numpy()
    points = _rounded(
        shapely.points(table.loc[located, "lon"].to_numpy(float), table.loc[located, "lat"].to_numpy(float))
    )
    unplaced = int((~located).sum())
    about: dict[str, Any] = {"cases": len(table), "features": int(located.sum()), "without_coordinates": unplaced}
    if unplaced:
        about["note"] = t("export.without_coordinates", lang, n=f"{unplaced:,}")
    return _collection(points, table.loc[located].drop(columns=["lon", "lat"]), utc_offset, lang=lang, about=about)


def areas_geojson(frame: pd.DataFrame, *, lang: str, utc_offset: dt.timedelta = dt.timedelta(hours=8)) -> bytes:
    """An ``area_measures`` frame as a GeoJSON FeatureCollection of its (multi)polygons with the area table's
    columns as properties, keyed by the CSV's headers in ``lang``; exterior rings counter-clockwise, holes
    clockwise.
    """
    _require(frame, ("geom_wkb",), "area")
    geometries = shapely.from_wkb([bytes(wkb) for wkb in frame["geom_wkb"]])
    # Round first: rounding can flip a sliver's orientation, orienting afterwards cannot be undone by it.
    geometries = shapely.orient_polygons(_rounded(geometries), exterior_cw=False)
    return _collection(geometries, area_table(frame), utc_offset, lang=lang)

"""Which coordinate system a file's coordinates are in: the file's own word, the user's, or a default.

The rule, for every entity and format:

- a CRS the file really declares (a Shapefile's .prj, a GeoPackage layer's SRS, a GeoParquet ``crs``, a GeoJSON
  ``crs`` member other than WGS-84) is honoured;
- ``--crs`` names it for a file that declares none (CSV, Excel, a Shapefile without .prj), and overrides the
  WGS-84 that GeoJSON (and GeoParquet without ``crs``) merely imply: Amap outlines saved as GeoJSON are GCJ-02;
- ``--crs`` naming another system than the file declares is an error naming both, unless ``--force-crs``;
- with nothing declared and nothing named, WGS-84 is assumed; when most of the first chunk's coordinates are
  not plausible longitude/latitude (a projected file without .prj), the load stops and asks for ``--crs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pyproj

from core.coords import WGS84, is_geographic, normalise_crs

from .readers import FileCrs, SourceFileError

#: Where the CRS of a load came from.
Origin = Literal["file", "option", "format default", "assumed"]


class CrsConflictError(ValueError):
    """The file declares one coordinate system and the load options name another."""


@dataclass(frozen=True)
class ResolvedCrs:
    """The coordinate system a load reads coordinates in (``name``, canonical) and where it came from."""

    name: str
    origin: Origin

    @property
    def unconfirmed(self) -> bool:
        """Nobody declared it (a format's default or the WGS-84 assumption): coordinates are checked."""
        return self.origin in ("format default", "assumed")


def _canonical(crs: str, path: Path | str) -> str:
    """The canonical name of a declared CRS: ``normalise_crs`` of its EPSG code (pyproj identifies WKT)."""
    try:
        return normalise_crs(crs)
    except ValueError:
        pass
    try:
        parsed = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError:
        parsed = None
    code = parsed.to_epsg() if parsed is not None else None
    if code is None:
        name = parsed.name if parsed is not None else crs[:200]
        raise CrsConflictError(
            f"{path} declares a coordinate system without an EPSG code ({name}); "
            "name its EPSG code with --crs and add --force-crs"
        )
    return normalise_crs(f"EPSG:{code}")


def _short(crs: str) -> str:
    if crs.startswith("EPSG:"):
        try:
            return f"{crs} ({pyproj.CRS.from_user_input(crs).name})"
        except pyproj.exceptions.CRSError:
            return crs
    return crs if len(crs) < 80 else crs[:77] + "…"


def resolve_crs(stated: FileCrs, option: str | None, *, force: bool = False, path: Path | str = "") -> ResolvedCrs:
    """The CRS to read ``path``'s coordinates in, by the rule of this module.

    ``option``: the ``--crs`` of the load (None = not given); ``force``: ``--force-crs`` (the option wins over
    the file's declaration). Raises `CrsConflictError` naming both systems when they differ and not forced.
    """
    named = normalise_crs(option) if option else None
    if force and named is None:
        raise ValueError("--force-crs needs --crs: the coordinate system to read the file in")
    if named is not None and force:
        return ResolvedCrs(named, "option")
    declared = _canonical(stated.declared, path) if stated.declared else None
    if declared is not None and named is not None and declared != named and not force:
        raise CrsConflictError(
            f"{path} declares its coordinate system as {_short(declared)} but --crs says {_short(named)}; "
            f"leave out --crs to use the file's, or add --force-crs to read the coordinates as {named}"
        )
    if named is not None:
        return ResolvedCrs(named, "option")
    if declared is not None:
        return ResolvedCrs(declared, "file")
    if stated.default is not None:
        return ResolvedCrs(normalise_crs(stated.default), "format default")
    return ResolvedCrs(WGS84, "assumed")


def check_lonlat(x: np.ndarray, y: np.ndarray, crs: ResolvedCrs, path: Path | str) -> None:
    """Stop a load whose coordinates cannot be longitude/latitude though nobody said they were not.

    ``x``, ``y``: the present coordinates of the first chunk (or polygon vertices). Only for a CRS nobody
    declared (`ResolvedCrs.unconfirmed`); more than half out of range means a projected file without its
    .prj (or without ``--crs``), where rejecting every row as "out of range" would hide the cause.
    """
    if not crs.unconfirmed or not is_geographic(crs.name):
        return
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    present = np.isfinite(x) & np.isfinite(y) & ~((x == 0) & (y == 0))
    if not present.any():
        return
    x, y = x[present], y[present]
    # neither way round (swapped latitude and longitude are recognised and put right by the loaders)
    outside = ((np.abs(x) > 180) | (np.abs(y) > 90)) & ((np.abs(y) > 180) | (np.abs(x) > 90))
    if outside.mean() <= 0.5:
        return
    sample = np.flatnonzero(outside)[0]
    said = "declares no coordinate system" if crs.origin == "assumed" else "names no coordinate system but WGS-84"
    raise SourceFileError(
        f"{path} {said}, and its coordinates are not longitude/latitude "
        f"({int(outside.sum())} of {len(x)} checked, e.g. {x[sample]:.3f}, {y[sample]:.3f}): "
        "name the coordinate system with --crs, e.g. --crs EPSG:4549 "
        "(CGCS2000 / 3-degree Gauss-Kruger CM 120E) or --crs EPSG:32650 (UTM zone 50N)"
    )

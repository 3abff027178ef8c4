"""Hexagon and square bins of case points, as SQL: shared by the ETL's bin rollups and the dashboard's map.

Bins are computed in a local metric frame: x = (lon − lon0)·111 320·cos(lat0), y = (lat − lat0)·110 540
around the centre of the grid table's extent (fixed, so bins do not move when filters change); hexagons are
pointy-top with axial coordinates (q, r), centre x = size·√3·(q + r/2), y = size·1.5·r; square cells are
(i, j) = (⌊x / cell⌋, ⌊y / cell⌋).

The SQL binds ``$lon0``, ``$lat0``, ``$kx``, ``$ky`` (``frame_params``) and ``$size`` (hexagon circumradius)
or ``$cell`` (square side), all in metres.
"""

from __future__ import annotations

import math
from typing import Any

#: Metres per degree of latitude, and of longitude at the equator, in the local metric frame.
M_PER_DEG_LAT = 110_540.0
M_PER_DEG_LON = 111_320.0
#: The bin kinds, and the parameter naming each one's size.
BIN_KINDS: dict[str, str] = {"hex": "size", "heat": "cell"}


#: One row: the centre (lon, lat) of the extent of every grid (all versions); NULLs when there are none.
GRID_ORIGIN_SQL = "SELECT (min(min_lon) + max(max_lon)) / 2, (min(min_lat) + max(max_lat)) / 2 FROM grid"


def origin_of(row: tuple[Any, ...]) -> tuple[float, float] | None:
    """The frame's origin from the row ``GRID_ORIGIN_SQL`` returned, or None when there are no grids."""
    if row[0] is None:
        return None
    return float(row[0]), float(row[1])


def frame_params(origin: tuple[float, float]) -> dict[str, float]:
    """``lon0``, ``lat0``, ``kx`` and ``ky``: the bound parameters of the metric frame around ``origin``."""
    lon0, lat0 = origin
    return {"lon0": lon0, "lat0": lat0, "kx": M_PER_DEG_LON * math.cos(math.radians(lat0)), "ky": M_PER_DEG_LAT}


def positive(name: str, value: Any) -> float:
    """``value`` as a float when it is a finite positive number; otherwise a ValueError naming ``name``."""
    if not (isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def hex_select(source: str, *, keep: str = "") -> str:
    """``SELECT {keep,} q, r FROM …``: the hexagon of every row of ``source`` (a relation with ``lon``, ``lat``
    and the ``keep`` columns), rows with a NULL coordinate dropped.

    The hexagon of a point, exactly as cube rounding of its fractional axial coordinates (fq, fr, fs) finds it,
    from three floors of axis differences: a = ⌊fq − fr⌋, b = ⌊fr − fs⌋, c = ⌊fs − fq⌋ give
    q = round((a − c) / 3), r = round((b − a) / 3). With u = x·√3/(3·size), v = y/size those differences are
    u − v, u + v and −2u: half the work of rounding all three and correcting the worst (the tests check both
    agree). Nested subqueries, not CTEs: DuckDB would materialise a CTE's rows.
    """
    lead = f"{keep}, " if keep else ""
    return f"""
        SELECT {lead}CAST(floor((a - c + 1) / 3) AS BIGINT) AS q, CAST(floor((b - a + 1) / 3) AS BIGINT) AS r
        FROM (
            SELECT {lead}floor(u - v) AS a, floor(u + v) AS b, floor(-2 * u) AS c
            FROM (SELECT {lead}(lon - $lon0) * $kx * sqrt(3) / (3 * $size) AS u, (lat - $lat0) * $ky / $size AS v
                  FROM ({source}) WHERE lon IS NOT NULL AND lat IS NOT NULL)
        )"""


def heat_select(source: str, *, keep: str = "") -> str:
    """``SELECT {keep,} i, j FROM …``: the square cell of every row of ``source`` (with ``lon`` and ``lat``),
    rows with a NULL coordinate dropped."""
    lead = f"{keep}, " if keep else ""
    return f"""
        SELECT {lead}CAST(floor((lon - $lon0) * $kx / $cell) AS BIGINT) AS i,
               CAST(floor((lat - $lat0) * $ky / $cell) AS BIGINT) AS j
        FROM ({source}) WHERE lon IS NOT NULL AND lat IS NOT NULL"""


#: The centre of hexagon (q, r) and of cell (i, j), as SQL over those columns.
HEX_CENTRE = "$lon0 + $size * sqrt(3) * (q + r / 2.0) / $kx AS lon, $lat0 + $size * 1.5 * r / $ky AS lat"
CELL_CENTRE = "$lon0 + (i + 0.5) * $cell / $kx AS lon, $lat0 + (j + 0.5) * $cell / $ky AS lat"

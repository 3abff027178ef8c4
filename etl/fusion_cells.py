"""Where an incremental incident update reads, by place (``etl/fusion.py``): square cells at least D wide.

Two reports within D metres of each other lie in the same cell or in neighbouring ones (the eight around it), so
the reports a changed report can reach, and those a report decided again depends on, lie within a few rings of
cells around it. The update reads the days around what changed *and* only these cells, instead of every report
of the city on those days.

A cell is ``(floor(lon · kx), floor(lat · ky))`` packed in one integer (``key``); ``ky`` makes a cell
``D · margin`` metres high on a sphere of the mean radius (a north–south distance of D is never more than
0.6 % more latitude than that), ``kx`` as wide at the latitude ``lat_limit``, which is further from the
equator than any report read (a degree of longitude only shrinks towards the poles). The same expression runs
in SQL (``key_sql``) and in numpy (``keys``): one IEEE multiplication and a floor, the same bits in both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Metres per degree of latitude on the sphere of the mean Earth radius (6,371,008.8 m).
_METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180
#: Two cell numbers packed as ``x · 2³² + y``: a neighbour's key is the key plus a constant.
_SHIFT = 1 << 32
#: The latitude the cells' width is set for lies this many degrees beyond the seeds'; a window holding a report
#: within ``_LAT_SLACK`` of it is read by day alone instead (``Cells.holds``).
_LAT_BEYOND = 1.0
_LAT_SLACK = 0.5
#: Beyond this many cells a window is read by day alone: a set that large covers much of a city anyway.
MAX_CELLS = 200_000
#: The smallest cell side (m): it keeps the cell numbers far inside 32 bits whatever D is.
_MIN_SIDE = 10.0


@dataclass(frozen=True)
class Cells:
    """A set of cells (``keys``, sorted) of one grid (``kx``, ``ky``, ``lat_limit``)."""

    kx: float
    ky: float
    lat_limit: float
    keys: np.ndarray

    @classmethod
    def around(cls, lon: np.ndarray, lat: np.ndarray, side_m: float, rings: int) -> Cells | None:
        """The cells within ``rings`` of the points' cells, on a grid of cells at least ``side_m`` wide at every
        latitude up to a degree beyond the points'; None when there would be more than ``MAX_CELLS``."""
        lat_limit = min(float(np.abs(lat).max()) + _LAT_BEYOND, 89.0)
        side = max(side_m, _MIN_SIDE)
        ky = _METRES_PER_DEGREE / side
        kx = ky * math.cos(math.radians(lat_limit))
        empty = cls(kx, ky, lat_limit, np.empty(0, np.int64))
        return empty.grown(empty.keys_of(lon, lat), rings)

    def keys_of(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """The cells of points (the same numbers as ``key_sql``)."""
        x = np.floor(np.asarray(lon, np.float64) * self.kx).astype(np.int64)
        y = np.floor(np.asarray(lat, np.float64) * self.ky).astype(np.int64)
        return x * _SHIFT + y

    def grown(self, keys: np.ndarray, rings: int) -> Cells | None:
        """These cells and those within ``rings`` of ``keys``; None beyond ``MAX_CELLS``."""
        near = _ring_keys(np.unique(np.asarray(keys, np.int64)), rings)
        if len(near) + len(self.keys) > MAX_CELLS:
            return None
        return Cells(self.kx, self.ky, self.lat_limit, np.union1d(self.keys, near))

    def covers(self, keys: np.ndarray, rings: int) -> bool:
        """Whether every cell within ``rings`` of ``keys`` is in the set."""
        return bool(np.isin(_ring_keys(np.unique(np.asarray(keys, np.int64)), rings), self.keys).all())

    def bounds(self) -> tuple[float, float, float, float]:
        """West, east, south and north (degrees) of a box holding every point of the cells, with a cell to
        spare on each side (a point's cell is one rounded multiplication away from its coordinates): a cheap
        filter before the cells' own, which the reports' columns can be tested against as they are scanned."""
        y = (self.keys + (_SHIFT >> 1)) % _SHIFT - (_SHIFT >> 1)
        x = (self.keys - y) // _SHIFT
        return (
            (float(x.min()) - 1) / self.kx,
            (float(x.max()) + 2) / self.kx,
            (float(y.min()) - 1) / self.ky,
            (float(y.max()) + 2) / self.ky,
        )

    def holds(self, lat: np.ndarray) -> bool:
        """Whether the reports read (their latitudes) lie far enough inside ``lat_limit`` that no report
        beyond it can be within D of them."""
        return not len(lat) or float(np.abs(lat).max()) <= self.lat_limit - _LAT_SLACK


def key_sql(lon: str, lat: str, kx: str, ky: str) -> str:
    """A point's cell (``Cells.keys_of``) as an SQL expression over columns or parameters."""
    return f"(floor({lon} * {kx})::BIGINT * {_SHIFT} + floor({lat} * {ky})::BIGINT)"


def _ring_keys(keys: np.ndarray, rings: int) -> np.ndarray:
    steps = np.arange(-rings, rings + 1, dtype=np.int64)
    offsets = (steps[:, None] * _SHIFT + steps[None, :]).ravel()
    return np.unique((keys[:, None] + offsets[None, :]).ravel())

"""Exact point-in-polygon assignment of millions of points to a few thousand grid polygons.

A raster lookup table over the polygons' extent answers most points with one array read; only points in cells a
boundary touches are tested exactly, against the few polygons whose boundary touches that cell.

How the table is built, all vectorised over the polygons' edges:

* Interior. For every cell row, each edge crossing the row's centre line adds its direction (+1 going down,
  -1 going up, with exteriors counter-clockwise and holes clockwise) at the first cell centre to its right;
  a cumulative sum along the row gives each cell centre's winding number: how many polygons cover it. With it
  goes the same sum weighted by polygon number, which names the polygon where exactly one covers the centre.
* Boundary. Every cell an edge passes through or touches (with a margin of 1e-6 cell against rounding) is
  found exactly: a short edge's row or column of cells directly, a longer one row band by row band. Such a
  cell is *ambiguous*: it keeps the sorted list of polygons whose boundary touches it, plus the polygon
  covering its centre.

A cell no boundary touches lies entirely inside the polygon covering its centre, or outside all: its label
is exact. A point in an ambiguous cell is tested with ``shapely.intersects_xy`` against the cell's candidates
(prepared polygons), lowest polygon number first. Under the contract that polygons do not overlap, the polygon
containing a point in an ambiguous cell must touch the cell with its boundary, so the candidates are complete;
where polygons do overlap (a centre covered twice), the cell falls back to an STR-tree query over all polygons,
so the answer stays exact either way.

Semantics: a point strictly inside a polygon gets its label (as ``within``); a point on a boundary gets the
label of the lowest-numbered polygon whose closure contains it, so points on a shared edge are assigned
deterministically; -1 where no polygon covers the point (outside the extent, NaN coordinates included).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

__all__ = ["GridIndex"]

#: Table cells per polygon: about 70 x 70 for a typical one, so that ~3 % of cells (and of points) hold a
#: boundary for surveyed-like polygons; more cells cut exact tests but cost memory and build time.
CELLS_PER_POLYGON: Final = 5_000
#: Bounds on the table size, in cells (int16 codes: 2 ** 24 cells take 32 MiB).
MIN_CELLS: Final = 64 * 64
MAX_CELLS: Final = 2**24

_EMPTY: Final = -1  # no polygon covers the cell
_AMBIGUOUS: Final = -2  # a boundary touches the cell: test against its candidates
_OVERLAP: Final = -3  # polygons overlap (or wind oddly) here: query the STR-tree
_EPS: Final = 1e-6  # cells within this fraction of a cell from an edge count as touched

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False, repr=False)
class GridIndex:
    """Label lookup for lon/lat points against non-overlapping (Multi)Polygons; build with ``build``."""

    polygons: NDArray[np.object_]  # prepared, oriented
    labels: IntArray
    x0: float
    y0: float
    inv_cell: float  # cells per degree (square cells)
    ncols: int
    nrows: int
    table: NDArray[np.signedinteger]  # flat, rows of ncols + 1: polygon number, _EMPTY, _AMBIGUOUS, _OVERLAP
    amb_cells: IntArray  # sorted flat indices of ambiguous cells
    amb_offsets: IntArray  # candidates of amb_cells[i] are amb_polygons[amb_offsets[i]:amb_offsets[i + 1]]
    amb_polygons: IntArray
    tree: shapely.STRtree | None  # only when some cells are _OVERLAP

    @classmethod
    def build(
        cls,
        polygons: NDArray[np.object_] | Sequence[object],
        labels: ArrayLike,
        *,
        cells: int | None = None,
    ) -> GridIndex:
        """Index ``polygons`` (valid shapely Polygons/MultiPolygons, lon/lat) and their integer ``labels``.

        ``cells`` overrides the table size (total cells); by default it grows with the number of polygons.
        Raises ValueError for a missing, non-polygonal or invalid geometry, naming its position.
        """
        polys = np.asarray(polygons, dtype=object)
        label_arr = np.asarray(labels)
        if polys.ndim != 1 or label_arr.shape != polys.shape:
            raise ValueError(
                f"polygons and labels must be 1-D and of equal length, got {polys.shape} and {label_arr.shape}"
            )
        if label_arr.size and not np.issubdtype(label_arr.dtype, np.integer):
            raise ValueError(f"labels must be integers, got dtype {label_arr.dtype}")
        _check_polygons(polys)
        polys = shapely.orient_polygons(polys, exterior_cw=False)
        shapely.prepare(polys)
        n = len(polys)
        # GEOS builds a prepared polygon's point locator index on its second point test: do both now, so that
        # the first lookup does not pay for it.
        probe = shapely.get_coordinates(shapely.point_on_surface(polys))
        if len(probe) == n:
            for _ in range(2):
                shapely.intersects_xy(polys, probe[:, 0], probe[:, 1])

        nonempty = ~shapely.is_empty(polys)
        if not nonempty.any():
            return cls._empty(polys, label_arr.astype(np.int64))
        minx, miny, maxx, maxy = shapely.total_bounds(polys[nonempty])
        target = cells if cells is not None else min(MAX_CELLS, max(MIN_CELLS, n * CELLS_PER_POLYGON))
        size = math.sqrt(max((maxx - minx) * (maxy - miny), 1e-300) / target)
        size = max(size, (maxx - minx) / 16_384, (maxy - miny) / 16_384, 1e-12)
        ncols = math.floor((maxx - minx) / size) + 2
        nrows = math.floor((maxy - miny) / size) + 2
        x0 = minx - ((ncols * size) - (maxx - minx)) / 2.0
        y0 = miny - ((nrows * size) - (maxy - miny)) / 2.0
        inv_cell = 1.0 / size

        code_type = np.int16 if n < np.iinfo(np.int16).max else np.int32
        ua, va, ub, vb, pid = _edges(polys, x0, y0, inv_cell)
        # Flat, row-major with one spare column (the winding sums' overflow column, never read as u < ncols).
        count, table = _winding(ua, va, ub, vb, pid, ncols, nrows, code_type)
        touched_cell, touched_pid = _touched_cells(ua, va, ub, vb, pid, ncols, nrows)

        # Where one polygon covers the centre, table holds its number + 1; where none does, 0 (each valid,
        # oriented polygon winds 0 or 1 times around a point, so a zero count means no contribution at all).
        table -= 1
        # Candidates: polygons whose boundary touches the cell, plus the one covering its centre (which only
        # matters if polygons overlap after all, and keeps the answer exact then).
        centre = count[touched_cell] == 1
        key = np.concatenate([touched_cell * n + touched_pid, touched_cell[centre] * n + table[touched_cell[centre]]])
        table[touched_cell] = _AMBIGUOUS
        overlap = np.flatnonzero(count.view(np.dtype(code_type).str.replace("i", "u")) > 1)  # not 0 or 1
        table[overlap] = _OVERLAP
        key.sort()
        key = key[np.diff(key, prepend=-1) != 0]
        key = key[table[key // n] == _AMBIGUOUS]
        key_cell, key_pid = np.divmod(key, n)
        starts = np.flatnonzero(np.diff(key_cell, prepend=-1))
        return cls(
            polygons=polys,
            labels=label_arr.astype(np.int64),
            x0=float(x0),
            y0=float(y0),
            inv_cell=float(inv_cell),
            ncols=ncols,
            nrows=nrows,
            table=table,
            amb_cells=key_cell[starts],
            amb_offsets=np.append(starts, len(key)).astype(np.int64),
            amb_polygons=key_pid.astype(np.int64),
            tree=shapely.STRtree(polys) if len(overlap) else None,
        )

    def __getstate__(self) -> dict[str, object]:
        """A compact pickle (the index is stored in the database at grid load): the cell table run-length
        encoded, the ambiguous-cell lists in the narrowest integer types; about a third of the raw size."""
        state = dict(self.__dict__)
        table = state.pop("table")
        starts = np.flatnonzero(np.diff(table, prepend=table[:1] - 1)) if len(table) else np.empty(0, np.int64)
        state["table_rle"] = (table[starts], np.diff(np.append(starts, len(table))).astype(np.int32), table.dtype.str)
        state["amb_cells"] = np.diff(self.amb_cells, prepend=0).astype(np.int32)
        state["amb_offsets"] = np.diff(self.amb_offsets).astype(np.int32)
        narrow = np.int16 if len(self.polygons) < np.iinfo(np.int16).max else np.int32
        state["amb_polygons"] = self.amb_polygons.astype(narrow)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        values, lengths, dtype = state.pop("table_rle")  # type: ignore[misc]
        state["table"] = np.repeat(np.asarray(values, dtype=np.dtype(dtype)), lengths)
        state["amb_cells"] = np.cumsum(state["amb_cells"], dtype=np.int64)
        state["amb_offsets"] = np.concatenate([[0], np.cumsum(state["amb_offsets"], dtype=np.int64)])
        state["amb_polygons"] = np.asarray(state["amb_polygons"], dtype=np.int64)
        for name, value in state.items():
            object.__setattr__(self, name, value)
        shapely.prepare(self.polygons)  # prepared state is not pickled

    @classmethod
    def _empty(cls, polys: NDArray[np.object_], labels: IntArray) -> GridIndex:
        none = np.empty(0, dtype=np.int64)
        return cls(polys, labels, 0.0, 0.0, 1.0, 0, 0, np.empty(0, np.int16), none, np.zeros(1, np.int64), none, None)

    def __repr__(self) -> str:
        return (
            f"<GridIndex {len(self.polygons)} polygons, {self.ncols}x{self.nrows} cells, "
            f"{self.ambiguous_share:.1%} ambiguous>"
        )

    @property
    def ambiguous_share(self) -> float:
        """Share of the table's cells that hold a boundary (a measure of the table's resolution)."""
        return len(self.amb_cells) / max(1, self.ncols * self.nrows)

    def lookup(self, lon: ArrayLike, lat: ArrayLike) -> IntArray:
        """The label of the polygon containing each point (int64, same shape as ``lon``), -1 in none."""
        lon_a = np.asarray(lon, dtype=np.float64)
        lat_a = np.asarray(lat, dtype=np.float64)
        if lon_a.shape != lat_a.shape:
            raise ValueError(f"lon and lat must have the same shape, got {lon_a.shape} and {lat_a.shape}")
        shape = lon_a.shape
        lon_a, lat_a = lon_a.ravel(), lat_a.ravel()
        result = np.full(lon_a.size, -1, dtype=np.int64)

        u = (lon_a - self.x0) * self.inv_cell
        v = (lat_a - self.y0) * self.inv_cell
        inside = (u >= 0.0) & (u < self.ncols) & (v >= 0.0) & (v < self.nrows)  # False for NaN
        idx = np.flatnonzero(inside)
        # Non-negative, so truncation is floor.
        cell = v[idx].astype(np.int64) * (self.ncols + 1) + u[idx].astype(np.int64)
        code = self.table[cell]

        found = code >= 0
        result[idx[found]] = self.labels[code[found]]
        amb = code == _AMBIGUOUS
        if amb.any():
            pts = idx[amb]
            hit = self._resolve(cell[amb], lon_a[pts], lat_a[pts])
            result[pts] = np.where(hit >= 0, self.labels[hit], -1)
        over = code == _OVERLAP
        if over.any():
            pts = idx[over]
            hit = self._query_tree(lon_a[pts], lat_a[pts])
            result[pts] = np.where(hit >= 0, self.labels[hit], -1)
        return result.reshape(shape)

    def _resolve(self, cells: IntArray, lon: FloatArray, lat: FloatArray) -> IntArray:
        """Polygon number for points in ambiguous cells: the first of the cell's candidates that covers it."""
        k = np.searchsorted(self.amb_cells, cells)
        first = self.amb_offsets[k]
        count = self.amb_offsets[k + 1] - first
        hit = np.full(len(cells), -1, dtype=np.int64)
        pending = np.arange(len(cells))
        # Rank by rank (a cell has a handful of candidates): most points are settled by the first one.
        for rank in range(int(count.max())):
            pending = pending[count[pending] > rank]
            if not len(pending):
                break
            cand = self.amb_polygons[first[pending] + rank]
            covers = shapely.intersects_xy(self.polygons[cand], lon[pending], lat[pending])
            hit[pending[covers]] = cand[covers]
            pending = pending[~covers]
        return hit

    def _query_tree(self, lon: FloatArray, lat: FloatArray) -> IntArray:
        """Polygon number for points where polygons overlap: the lowest-numbered one that covers it."""
        if self.tree is None:  # built whenever the table has overlap cells
            raise RuntimeError("GridIndex has overlap cells but no STR-tree")
        pairs = self.tree.query(shapely.points(lon, lat), predicate="intersects")
        point, poly = pairs[0], pairs[1]
        order = np.lexsort((poly, point))
        point, poly = point[order], poly[order]
        firsts = np.flatnonzero(np.diff(point, prepend=-1))
        hit = np.full(len(lon), -1, dtype=np.int64)
        hit[point[firsts]] = poly[firsts]
        return hit


def _check_polygons(polys: NDArray[np.object_]) -> None:
    type_id = shapely.get_type_id(polys)
    bad = np.flatnonzero(~np.isin(type_id, (3, 6)))
    if len(bad):
        raise ValueError(
            f"polygons[{bad[0]}] is {polys[bad[0]]!r:.80}; expected a shapely Polygon or MultiPolygon "
            f"({len(bad)} such geometries in all)"
        )
    invalid = np.flatnonzero(~shapely.is_valid(polys))
    if len(invalid):
        raise ValueError(
            f"polygons[{invalid[0]}] is invalid ({shapely.is_valid_reason(polys[invalid[0]])}); "
            f"repair with etl.geometry.repair_polygons first ({len(invalid)} invalid in all)"
        )


def _edges(
    polys: NDArray[np.object_], x0: float, y0: float, inv_cell: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, IntArray]:
    """Every ring edge in cell units (u = column, v = row), with its polygon number."""
    parts, part_of = shapely.get_parts(polys, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, coord_of = shapely.get_coordinates(rings, return_index=True)
    # Same expression as in lookup, so a vertex and a point at the same place round alike.
    u = (coords[:, 0] - x0) * inv_cell
    v = (coords[:, 1] - y0) * inv_cell
    same_ring = np.flatnonzero(coord_of[1:] == coord_of[:-1])
    pid = part_of[ring_of[coord_of[same_ring]]]
    return u[same_ring], v[same_ring], u[same_ring + 1], v[same_ring + 1], pid.astype(np.int64)


def _expand(counts: IntArray) -> tuple[IntArray, IntArray]:
    """For items repeated ``counts`` times: the item of each repeat and its rank within the item."""
    item = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return item, np.arange(len(item)) - starts[item]


def _winding(
    ua: FloatArray,
    va: FloatArray,
    ub: FloatArray,
    vb: FloatArray,
    pid: IntArray,
    ncols: int,
    nrows: int,
    dtype: type[np.signedinteger],
) -> tuple[NDArray[np.signedinteger], NDArray[np.signedinteger]]:
    """Per cell (flat, rows of ncols + 1): winding number at its centre, and sum of (polygon number + 1) x winding.

    ``dtype`` (int16 or int32) holds every polygon number + 1. Both sums ride in one integer twice as wide (the
    winding number in the low half, the weighted sum in the high half), so one cumulative sum fills both. Halves
    wrap where several polygons overlap, but wrap-around is exact modulo 2**bits, so a cell covered once (or
    not at all) still gets its exact polygon number (or 0) in the high half.
    """
    bits = np.iinfo(dtype).bits
    wide = np.int32 if bits == 16 else np.int64
    crossing = va != vb
    ua, va, ub, vb, pid = ua[crossing], va[crossing], ub[crossing], vb[crossing], pid[crossing]
    # Rows whose centre line v = r + 0.5 lies in [min v, max v): the half-open rule counts a vertex once.
    vlo, vhi = np.minimum(va, vb), np.maximum(va, vb)
    r0 = np.clip(np.ceil(vlo - 0.5), 0, nrows).astype(np.int64)
    r1 = np.clip(np.ceil(vhi - 0.5), 0, nrows).astype(np.int64)
    edge, rank = _expand(r1 - r0)
    row = r0[edge] + rank
    u = ua[edge] + (row + 0.5 - va[edge]) * ((ub - ua) / (vb - va))[edge]
    col = np.clip(np.ceil(u - 0.5), 0, ncols).astype(np.int64)  # first cell centre at or right of u
    direction = np.where(vb < va, 1, -1).astype(wide)
    step = direction * (1 + ((pid + 1).astype(wide) << bits))
    both = np.zeros((nrows, ncols + 1), dtype=wide)
    np.add.at(both.ravel(), row * (ncols + 1) + col, step[edge])
    np.cumsum(both, axis=1, dtype=wide, out=both)
    count = both.astype(dtype).ravel()  # the low half
    both >>= bits
    return count, both.astype(dtype).ravel()


def _touched_cells(
    ua: FloatArray, va: FloatArray, ub: FloatArray, vb: FloatArray, pid: IntArray, ncols: int, nrows: int
) -> tuple[IntArray, IntArray]:
    """(flat cell, polygon number) for every cell each edge passes through or touches (rows of ncols + 1).

    Repeats from consecutive edges are dropped; others remain.
    """
    stride = ncols + 1
    vlo, vhi = np.minimum(va, vb), np.maximum(va, vb)
    r0 = np.clip(np.floor(vlo - _EPS), 0, nrows - 1).astype(np.int64)
    r1 = np.clip(np.floor(vhi + _EPS), 0, nrows - 1).astype(np.int64)
    c0 = np.clip(np.floor(np.minimum(ua, ub) - _EPS), 0, ncols - 1).astype(np.int64)
    c1 = np.clip(np.floor(np.maximum(ua, ub) + _EPS), 0, ncols - 1).astype(np.int64)

    # Most edges are short: one row or one column of cells, all of which they touch.
    straight = (r0 == r1) | (c0 == c1)
    s_edge = np.flatnonzero(straight)
    s_item, s_rank = _expand((r1 - r0 + c1 - c0 + 1)[s_edge])
    s_step = np.where(r0 == r1, 1, stride)[s_edge]
    s_cell = (r0 * stride + c0)[s_edge][s_item] + s_rank * s_step[s_item]
    s_owner = pid[s_edge][s_item]

    # The others, row band by row band: the part of the edge inside the band (widened by _EPS) as a u range.
    # (A horizontal edge lands here only when it runs along a row border: its whole u range, in both rows.)
    d_edge = np.flatnonzero(~straight)
    dv = (vb - va)[d_edge]
    flat = dv == 0
    slope = np.divide((ub - ua)[d_edge], dv, out=np.zeros_like(dv), where=~flat)
    edge_of, rank = _expand((r1 - r0 + 1)[d_edge])
    edge = d_edge[edge_of]
    row = r0[edge] + rank
    lo = np.maximum(vlo[edge], row - _EPS)
    hi = np.minimum(vhi[edge], row + 1 + _EPS)
    u_lo = ua[edge] + (lo - va[edge]) * slope[edge_of]
    u_hi = np.where(flat[edge_of], ub[edge], ua[edge] + (hi - va[edge]) * slope[edge_of])
    b0 = np.clip(np.floor(np.minimum(u_lo, u_hi) - _EPS), 0, ncols - 1).astype(np.int64)
    b1 = np.clip(np.floor(np.maximum(u_lo, u_hi) + _EPS), 0, ncols - 1).astype(np.int64)
    band, rank = _expand(b1 - b0 + 1)
    d_cell = (row * stride + b0)[band] + rank
    d_owner = pid[edge][band]

    cell = np.concatenate([s_cell, d_cell])
    owner = np.concatenate([s_owner, d_owner])
    # Consecutive edges of a ring mostly touch the same cells: drop repeats before sorting.
    keep = np.ones(len(cell), dtype=bool)
    keep[1:] = (cell[1:] != cell[:-1]) | (owner[1:] != owner[:-1])
    return cell[keep], owner[keep]

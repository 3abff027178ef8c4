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
* Bands. Each row is cut into BANDS_PER_ROW horizontal bands; for every band and candidate polygon of a cell
  in it, the polygon's edges that reach into the band (same margin).

A cell no boundary touches lies entirely inside the polygon covering its centre, or outside all: its label
is exact. A point in an ambiguous cell is tested against each of the cell's candidates by counting the
candidate's edges that cross the horizontal ray from the point to the right (even-odd rule, half-open in y).
Only edges that reach the point's height can cross that ray, and they all lie in the point's band, so a
handful of edges per candidate suffice. The side of an edge a point lies on is the sign of a 2x2 determinant
in float64, trusted only where it exceeds Shewchuk's error bound for that determinant; a point too close to
call for some edge (in practice only a point exactly on a boundary) is tested with GEOS
(``shapely.intersects_xy``) on that polygon. So no polygon is decoded or prepared unless a point needs it.

Under the contract that polygons do not overlap, the polygon containing a point in an ambiguous cell must touch
the cell with its boundary, so the candidates are complete; where polygons do overlap (a centre covered twice),
the cell falls back to an STR-tree query over all polygons, so the answer stays exact either way.

The index is stored as flat arrays (``to_bytes``: a JSON header and raw aligned arrays, no pickled objects):
the cell table run-length encoded, the candidate lists, the bands and the polygons' vertices; decoding it
expands the table and a few offsets, the rest are views of the stored bytes.

Semantics: a point strictly inside a polygon gets its label (as ``within``); a point on a boundary gets the
label of the lowest-numbered polygon whose closure contains it, so points on a shared edge are assigned
deterministically; -1 where no polygon covers the point (outside the extent, NaN coordinates included).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import Final

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

__all__ = ["INDEX_FORMAT", "PARALLEL_MIN", "GridIndex", "parallel_spans"]

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
#: Each cell row is cut into this many bands for the exact test (a power of two): thinner bands hold fewer
#: edges per point tested (8.6 -> 5.4 for 2 on surveyed-like polygons) but more (band, polygon) lists.
BANDS_PER_ROW: Final = 2
#: Shewchuk's bound on the rounding error of a 2x2 orientation determinant, (3 + 16 eps) eps with eps = 2**-53,
#: rounded up generously; _TINY covers products that underflow. A determinant inside the bound is not trusted.
_ORIENT_ERROR: Final = 1e-15
_TINY: Final = 1e-290
#: Fewest points per thread in a lookup split over workers (below it, threads cost more than they save).
PARALLEL_MIN: Final = 100_000
#: Written into every stored index; a payload of another format is refused (and rebuilt by etl.assign).
INDEX_FORMAT: Final = "gridindex-4"

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False, repr=False)
class GridIndex:
    """Label lookup for lon/lat points against non-overlapping (Multi)Polygons; build with ``build``."""

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
    band_keys: IntArray  # sorted row * len(labels) + polygon number of every (row, candidate) that is needed
    band_offsets: IntArray  # edges of band_keys[i] are band_edges[band_offsets[i]:band_offsets[i + 1]]
    band_edges: IntArray  # an edge runs from vertex e to vertex e + 1
    # The oriented polygons, packed: vertices (rings closed), and offsets of rings, parts and polygons.
    xs: FloatArray
    ys: FloatArray
    ring_offsets: IntArray  # ring i is vertices ring_offsets[i]:ring_offsets[i + 1]
    part_offsets: IntArray  # part i (a Polygon) has rings part_offsets[i]:part_offsets[i + 1], shell first
    geom_offsets: IntArray  # polygon i has parts geom_offsets[i]:geom_offsets[i + 1]

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
        n = len(polys)
        packed = _pack(polys)

        nonempty = ~shapely.is_empty(polys)
        if not nonempty.any():
            return cls._empty(label_arr.astype(np.int64), packed)
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
        xs, ys, ring_offsets, part_offsets, geom_offsets = packed
        edge, pid = _packed_edges(ring_offsets, part_offsets, geom_offsets)
        # Same expression as in lookup, so a vertex and a point at the same place round alike.
        u = (xs - x0) * inv_cell
        v = (ys - y0) * inv_cell
        ua, va, ub, vb = u[edge], v[edge], u[edge + 1], v[edge + 1]
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
        table[overlap] = _OVERLAP  # the STR-tree, built on first use, answers these
        key.sort()
        key = key[np.diff(key, prepend=-1) != 0]
        key = key[table[key // n] == _AMBIGUOUS]
        key_cell, key_pid = np.divmod(key, n)
        starts = np.flatnonzero(np.diff(key_cell, prepend=-1))
        # Every band of a candidate's cell row is needed (scaling by a power of two is exact, so the bands
        # of a point and of an edge's ends round alike).
        first_band = (key_cell // (ncols + 1)) * BANDS_PER_ROW
        needed = (first_band[:, None] + np.arange(BANDS_PER_ROW)) * n + key_pid[:, None]
        band_keys, band_offsets, band_edges = _row_bands(
            edge, pid, va * BANDS_PER_ROW, vb * BANDS_PER_ROW, nrows * BANDS_PER_ROW, n, needed=needed.ravel()
        )
        return cls(
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
            band_keys=band_keys,
            band_offsets=band_offsets,
            band_edges=band_edges,
            xs=xs,
            ys=ys,
            ring_offsets=ring_offsets,
            part_offsets=part_offsets,
            geom_offsets=geom_offsets,
        )

    @classmethod
    def _empty(cls, labels: IntArray, packed: tuple[FloatArray, FloatArray, IntArray, IntArray, IntArray]) -> GridIndex:
        none = np.empty(0, dtype=np.int64)
        zero = np.zeros(1, np.int64)
        return cls(labels, 0.0, 0.0, 1.0, 0, 0, np.empty(0, np.int16), none, zero, none, none, zero, none, *packed)

    def to_bytes(self) -> bytes:
        """The index as flat arrays (no pickles), the cell table run-length encoded, counts in narrow types."""
        table = self.table
        starts = np.flatnonzero(np.diff(table, prepend=table[:1] - 1)) if len(table) else np.empty(0, np.int64)
        arrays = {
            "grid": np.array([self.x0, self.y0, self.inv_cell]),
            "shape": np.array([self.ncols, self.nrows], dtype=np.int64),
            "table_values": table[starts],
            "table_lengths": _narrow(np.diff(np.append(starts, len(table)))),
            "labels": self.labels,
            "amb_cells": _narrow(np.diff(self.amb_cells, prepend=0)),
            "amb_counts": _narrow(np.diff(self.amb_offsets)),
            "amb_polygons": _narrow(self.amb_polygons),
            "band_keys": _narrow(self.band_keys),
            "band_counts": _narrow(np.diff(self.band_offsets)),
            "band_edges": _narrow(self.band_edges),
            **_float_bits("xs", self.xs),
            **_float_bits("ys", self.ys),
            "ring_offsets": self.ring_offsets,
            "part_offsets": self.part_offsets,
            "geom_offsets": self.geom_offsets,
        }
        return _write_arrays(arrays)

    @classmethod
    def from_bytes(cls, payload: bytes | NDArray[np.uint8]) -> GridIndex:
        """Read an index written by ``to_bytes``; ValueError if ``payload`` is not one (or another format).

        Arrays are views of ``payload`` where they need no decoding (read-only), so reading copies little.
        """
        a = _read_arrays(payload)
        x0, y0, inv_cell = (float(value) for value in a["grid"])
        ncols, nrows = (int(value) for value in a["shape"])
        return cls(
            labels=a["labels"],
            x0=x0,
            y0=y0,
            inv_cell=inv_cell,
            ncols=ncols,
            nrows=nrows,
            table=np.repeat(a["table_values"], a["table_lengths"]),
            amb_cells=np.cumsum(a["amb_cells"], dtype=np.int64),
            amb_offsets=_offsets(a["amb_counts"]),
            amb_polygons=a["amb_polygons"],
            band_keys=a["band_keys"].astype(np.int64),
            band_offsets=_offsets(a["band_counts"]),
            band_edges=a["band_edges"],
            xs=_float_values(a, "xs"),
            ys=_float_values(a, "ys"),
            ring_offsets=a["ring_offsets"],
            part_offsets=a["part_offsets"],
            geom_offsets=a["geom_offsets"],
        )

    def __reduce__(self) -> tuple[object, tuple[bytes]]:
        return GridIndex.from_bytes, (self.to_bytes(),)

    def __repr__(self) -> str:
        return (
            f"<GridIndex {len(self.labels)} polygons, {self.ncols}x{self.nrows} cells, "
            f"{self.ambiguous_share:.1%} ambiguous>"
        )

    @property
    def ambiguous_share(self) -> float:
        """Share of the table's cells that hold a boundary (a measure of the table's resolution)."""
        return len(self.amb_cells) / max(1, self.ncols * self.nrows)

    @cached_property
    def polygons(self) -> NDArray[np.object_]:
        """The oriented polygons as shapely MultiPolygons (None where empty), decoded on first use."""
        return _unpack(
            self.xs, self.ys, self.ring_offsets, self.part_offsets, self.geom_offsets, np.arange(len(self.labels))
        )

    @cached_property
    def _tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.polygons)

    def lookup(self, lon: ArrayLike, lat: ArrayLike, *, workers: int = 1) -> IntArray:
        """The label of the polygon containing each point (int64, same shape as ``lon``), -1 in none.

        ``workers`` > 1 splits a large lookup (PARALLEL_MIN points or more per worker) into that many
        contiguous parts run in threads: numpy releases the GIL in the array operations that take the time.
        """
        lon_a = np.asarray(lon, dtype=np.float64)
        lat_a = np.asarray(lat, dtype=np.float64)
        if lon_a.shape != lat_a.shape:
            raise ValueError(f"lon and lat must have the same shape, got {lon_a.shape} and {lat_a.shape}")
        shape = lon_a.shape
        lon_a, lat_a = lon_a.ravel(), lat_a.ravel()
        result = np.empty(lon_a.size, dtype=np.int64)
        spans = parallel_spans(lon_a.size, workers)
        if len(spans) == 1:
            self._lookup_into(lon_a, lat_a, result)
            return result.reshape(shape)
        self._labels_ext  # noqa: B018 -- computed once here rather than raced for by the threads
        with ThreadPoolExecutor(len(spans), thread_name_prefix="onemap-gridindex") as pool:
            for done in [pool.submit(self._lookup_into, lon_a[s], lat_a[s], result[s]) for s in spans]:
                done.result()
        return result.reshape(shape)

    def _lookup_into(self, lon_a: FloatArray, lat_a: FloatArray, result: IntArray) -> None:
        """``lookup`` of 1-D ``lon_a``, ``lat_a``, written into ``result`` (same length)."""
        result.fill(-1)
        u = lon_a - self.x0
        u *= self.inv_cell  # the same expression as in build: a vertex and a point there round alike
        v = lat_a - self.y0
        v *= self.inv_cell
        inside = u >= 0.0  # False for NaN
        inside &= u < self.ncols
        inside &= v >= 0.0
        inside &= v < self.nrows
        idx = np.flatnonzero(inside)
        # Non-negative, so truncation is floor.
        cell = v[idx].astype(np.int64)
        cell *= self.ncols + 1
        cell += u[idx].astype(np.int64)
        code = self.table[cell]
        # Codes index the labels directly; the negative ones (_EMPTY, _AMBIGUOUS, _OVERLAP) read the -1s after.
        result[idx] = self._labels_ext[code]
        amb = np.flatnonzero(code == _AMBIGUOUS)
        if len(amb):
            pts = idx[amb]
            hit = self._resolve(cell[amb], lon_a[pts], lat_a[pts])
            result[pts] = self._labels_ext[hit]
        over = np.flatnonzero(code == _OVERLAP)
        if len(over):
            pts = idx[over]
            hit = self._query_tree(lon_a[pts], lat_a[pts])
            result[pts] = self._labels_ext[hit]

    @cached_property
    def _labels_ext(self) -> IntArray:
        """The labels and then three -1s: indexed by a code or polygon number, where negative ones mean none."""
        return np.concatenate([self.labels, [-1, -1, -1]]).astype(np.int64)

    def _resolve(self, cells: IntArray, lon: FloatArray, lat: FloatArray) -> IntArray:
        """Polygon number for points in ambiguous cells: the first of the cell's candidates that covers it."""
        # In cell order: numpy's binary searches speed up on increasing keys, and the lists read are nearby.
        order = np.argsort(cells, kind="stable")
        cells, lon, lat = cells[order], lon[order], lat[order]
        k = np.searchsorted(self.amb_cells, cells)
        first = self.amb_offsets[k]
        count = self.amb_offsets[k + 1] - first
        band = ((lat - self.y0) * self.inv_cell * BANDS_PER_ROW).astype(np.int64)  # as v in lookup, scaled
        hit = np.full(len(cells), -1, dtype=np.int64)
        pending = np.arange(len(cells))
        # Rank by rank, lowest polygon number first: a point covered by its first candidate (most are)
        # needs no test against the others.
        for rank in range(int(count.max(initial=0))):
            pending = pending[count[pending] > rank]
            if not len(pending):
                break
            cand = self.amb_polygons[first[pending] + rank].astype(np.int64)
            x, y = lon[pending], lat[pending]
            covers, unsure = self._crossing_test(band[pending], cand, x, y)
            if unsure.any():
                which = np.flatnonzero(unsure)
                polygons = _unpack(
                    self.xs, self.ys, self.ring_offsets, self.part_offsets, self.geom_offsets, cand[which]
                )
                covers[which] = shapely.intersects_xy(polygons, x[which], y[which])
            hit[pending[covers]] = cand[covers]
            pending = pending[~covers]
        unsorted = np.empty_like(hit)
        unsorted[order] = hit
        return unsorted

    def _crossing_test(
        self, band: IntArray, cand: IntArray, px: FloatArray, py: FloatArray
    ) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
        """Per (point, candidate): does the candidate cover the point, and is that too close to call here.

        Even-odd count of the candidate's edges in the point's band that cross the ray from the point to
        the right; an edge reaching the point's height whose determinant is within the error bound makes the
        pair unsure (the point is on the edge or within rounding of it).
        """
        key = band * len(self.labels) + cand
        by_key = np.argsort(key)  # binary searches on increasing keys run several times faster
        b = np.empty_like(key)
        b[by_key] = np.minimum(np.searchsorted(self.band_keys, key[by_key]), len(self.band_keys) - 1)
        # No list: none of the candidate's edges reaches the band, so the line through the point misses its
        # boundary and the point is outside it (a bounded polygon cannot cover a whole band).
        start = self.band_offsets[b]
        count = np.where(self.band_keys[b] != key, 0, self.band_offsets[b + 1] - start)
        ends = np.cumsum(count)
        # One entry per (pair, edge), pairs in order: sequential repeats rather than gathers by pair.
        e = self.band_edges[np.arange(ends[-1] if len(ends) else 0) + np.repeat(start - (ends - count), count)]
        x, y = np.repeat(px, count), np.repeat(py, count)
        dxa = self.xs[e]
        dxa -= x
        dya = self.ys[e]
        dya -= y
        e += 1
        dxb = self.xs[e]
        dxb -= x
        dyb = self.ys[e]
        dyb -= y
        # The signs of these differences are exact, so the comparisons below are too.
        a_above, b_above = dya > 0.0, dyb > 0.0
        left, right = dxa * dyb, dya * dxb
        det = left - right  # > 0 where the point is left of the edge a -> b
        np.abs(left, out=left)
        np.abs(right, out=right)
        left += right
        left *= _ORIENT_ERROR
        left += _TINY
        near = np.flatnonzero(np.abs(det, out=right) <= left)  # rare: points on or within rounding of an edge
        spans = a_above != b_above
        crossing = spans & ((det > 0.0) == b_above)
        # Near an edge and within its y range: a crossing that cannot be decided, or a point on the edge.
        in_y = ~(a_above[near] & b_above[near]) & ~((dya[near] < 0.0) & (dyb[near] < 0.0))
        dxa, dxb = dxa[near], dxb[near]
        in_x = ~((dxa > 0.0) & (dxb > 0.0) | (dxa < 0.0) & (dxb < 0.0))
        unsure = np.zeros(len(cand), dtype=bool)
        unsure[np.searchsorted(ends, near[in_y & (in_x | spans[near])], side="right")] = True
        crossings = np.concatenate([[0], np.cumsum(crossing, dtype=np.int64)])
        odd = (crossings[ends] - crossings[ends - count]) % 2 == 1
        return odd & ~unsure, unsure

    def _query_tree(self, lon: FloatArray, lat: FloatArray) -> IntArray:
        """Polygon number for points where polygons overlap: the lowest-numbered one that covers it."""
        pairs = self._tree.query(shapely.points(lon, lat), predicate="intersects")
        point, poly = pairs[0], pairs[1]
        order = np.lexsort((poly, point))
        point, poly = point[order], poly[order]
        firsts = np.flatnonzero(np.diff(point, prepend=-1))
        hit = np.full(len(lon), -1, dtype=np.int64)
        hit[point[firsts]] = poly[firsts]
        return hit


def parallel_spans(n: int, workers: int) -> list[slice]:
    """``n`` items cut into up to ``workers`` contiguous parts of PARALLEL_MIN items or more (one if fewer)."""
    bounds = np.linspace(0, n, max(1, min(workers, n // PARALLEL_MIN)) + 1).astype(np.int64)
    return [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)]


_MAGIC: Final = b"ONEMAPGI"
_ALIGN: Final = 16


def _narrow(values: NDArray[np.integer]) -> NDArray[np.unsignedinteger]:
    """Non-negative integers in the narrowest unsigned type that holds them."""
    if len(values) and int(values.min()) < 0:
        raise ValueError(f"expected non-negative integers, got a minimum of {int(values.min())}")
    return values.astype(np.min_scalar_type(int(values.max()) if len(values) else 0))


def _float_bits(name: str, values: FloatArray) -> dict[str, NDArray[np.generic]]:
    """Float64 values exactly, in fewer bytes: their bit patterns less the smallest, as a low 32-bit word and a
    high word in the narrowest type (vertices of one city share sign, exponent and leading digits: 6 bytes)."""
    bits = np.ascontiguousarray(values, dtype=np.float64).view(np.uint64)
    base = bits.min() if len(bits) else np.uint64(0)
    delta = bits - base
    return {
        f"{name}_base": np.array([base], dtype=np.uint64),
        f"{name}_low": (delta & np.uint64(0xFFFFFFFF)).astype(np.uint32),
        f"{name}_high": _narrow(delta >> np.uint64(32)),
    }


def _float_values(arrays: dict[str, NDArray[np.generic]], name: str) -> FloatArray:
    bits = arrays[f"{name}_high"].astype(np.uint64)
    bits <<= np.uint64(32)
    bits |= arrays[f"{name}_low"]
    bits += arrays[f"{name}_base"][0]
    return bits.view(np.float64)


def _write_arrays(arrays: dict[str, NDArray[np.generic]]) -> bytes:
    """Magic, header length, a JSON header (format; name, dtype, shape, offset of each array), aligned arrays."""
    entries, offset = [], 0
    for name, array in arrays.items():
        entries.append([name, array.dtype.str, list(array.shape), offset])
        offset += -(-array.nbytes // _ALIGN) * _ALIGN
    header = json.dumps({"format": INDEX_FORMAT, "arrays": entries}).encode()
    header += b" " * (-(len(_MAGIC) + 8 + len(header)) % _ALIGN)
    out = bytearray(len(_MAGIC) + 8 + len(header) + offset)
    out[: len(_MAGIC)] = _MAGIC
    out[len(_MAGIC) : len(_MAGIC) + 8] = len(header).to_bytes(8, "little")
    base = len(_MAGIC) + 8 + len(header)
    out[len(_MAGIC) + 8 : base] = header
    for (_, _, _, at), array in zip(entries, arrays.values(), strict=True):
        raw = np.ascontiguousarray(array).tobytes()
        out[base + at : base + at + len(raw)] = raw
    return bytes(out)


def _read_arrays(payload: bytes | NDArray[np.uint8]) -> dict[str, NDArray[np.generic]]:
    view = memoryview(payload).cast("B")  # bytes, or a numpy uint8 array read from the database
    if bytes(view[: len(_MAGIC)]) != _MAGIC:
        raise ValueError(f"not a GridIndex payload ({len(payload)} bytes starting {bytes(view[:8])!r})")
    size = int.from_bytes(view[len(_MAGIC) : len(_MAGIC) + 8], "little")
    base = len(_MAGIC) + 8 + size
    header = json.loads(bytes(view[len(_MAGIC) + 8 : base]))
    if header.get("format") != INDEX_FORMAT:
        raise ValueError(f"GridIndex payload format {header.get('format')!r}; expected {INDEX_FORMAT!r}")
    arrays = {}
    for name, dtype, shape, at in header["arrays"]:
        count = math.prod(shape)
        arrays[name] = np.frombuffer(view, dtype=np.dtype(dtype), count=count, offset=base + at).reshape(shape)
    return arrays


def _offsets(counts: NDArray[np.integer]) -> IntArray:
    return np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])


def _pack(polys: NDArray[np.object_]) -> tuple[FloatArray, FloatArray, IntArray, IntArray, IntArray]:
    """Vertices and ring/part/polygon offsets of (Multi)Polygons (empty ones have no parts)."""
    parts, part_of = shapely.get_parts(polys, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, coord_of = shapely.get_coordinates(rings, return_index=True)
    counts = lambda of, n: np.bincount(of, minlength=n) if len(of) else np.zeros(n, np.int64)  # noqa: E731
    return (
        np.ascontiguousarray(coords[:, 0], dtype=np.float64),
        np.ascontiguousarray(coords[:, 1], dtype=np.float64),
        _offsets(counts(coord_of, len(rings))),
        _offsets(counts(ring_of, len(parts))),
        _offsets(counts(part_of, len(polys))),
    )


def _unpack(
    xs: FloatArray,
    ys: FloatArray,
    ring_offsets: IntArray,
    part_offsets: IntArray,
    geom_offsets: IntArray,
    which: IntArray,
) -> NDArray[np.object_]:
    """Polygons ``which`` (numbers, repeats allowed) as MultiPolygons, None for an empty one."""
    out = np.full(len(which), None, dtype=object)
    nparts = geom_offsets[which + 1] - geom_offsets[which]
    keep = np.flatnonzero(nparts > 0)
    if not len(keep):
        return out
    geom_item, part_rank = _expand(nparts[keep])
    part = geom_offsets[which[keep]][geom_item] + part_rank
    part_item, ring_rank = _expand(part_offsets[part + 1] - part_offsets[part])
    ring = part_offsets[part][part_item] + ring_rank
    ring_item, coord_rank = _expand(ring_offsets[ring + 1] - ring_offsets[ring])
    vertex = ring_offsets[ring][ring_item] + coord_rank
    xy = np.column_stack([xs[vertex], ys[vertex]])
    rings = shapely.linearrings(xy, indices=ring_item)
    parts = shapely.polygons(rings, indices=part_item)
    out[keep] = shapely.multipolygons(parts, indices=geom_item)
    return out


def _packed_edges(ring_offsets: IntArray, part_offsets: IntArray, geom_offsets: IntArray) -> tuple[IntArray, IntArray]:
    """Start vertex of every ring edge (it ends at the next vertex), and its polygon number."""
    ring_len = np.diff(ring_offsets)
    ring_item, rank = _expand(np.maximum(ring_len - 1, 0))
    edge = ring_offsets[:-1][ring_item] + rank
    part_of_ring = np.repeat(np.arange(len(part_offsets) - 1), np.diff(part_offsets))
    geom_of_part = np.repeat(np.arange(len(geom_offsets) - 1), np.diff(geom_offsets))
    return edge.astype(np.int64), geom_of_part[part_of_ring[ring_item]].astype(np.int64)


def _row_bands(
    edge: IntArray, pid: IntArray, va: FloatArray, vb: FloatArray, nrows: int, n: int, *, needed: IntArray
) -> tuple[IntArray, IntArray, IntArray]:
    """(row * n + polygon) keys among ``needed``, with the edges of that polygon reaching into that row."""
    r0 = np.clip(np.floor(np.minimum(va, vb) - _EPS), 0, nrows - 1).astype(np.int64)
    r1 = np.clip(np.floor(np.maximum(va, vb) + _EPS), 0, nrows - 1).astype(np.int64)
    item, rank = _expand(r1 - r0 + 1)
    key = (r0[item] + rank) * n + pid[item]
    needed = np.unique(needed)
    pos = np.minimum(np.searchsorted(needed, key), max(len(needed) - 1, 0))
    keep = np.flatnonzero(needed[pos] == key) if len(needed) else np.empty(0, np.int64)
    order = keep[np.argsort(key[keep], kind="stable")]
    key, edges = key[order], edge[item[order]]
    starts = np.flatnonzero(np.diff(key, prepend=-1))
    return key[starts], np.append(starts, len(key)).astype(np.int64), edges


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

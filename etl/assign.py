"""Assign points to the grid at every level, valid at each point's time.

Grids change: each version has ``valid_from`` (inclusive) and ``valid_to`` (exclusive, NULL = open). The
timeline is cut into epochs at every validity boundary; within an epoch one set of grids is valid. For each
epoch with points, points are looked up at the deepest level first; points no deepest grid covers try the
next level up. The levels above come from the explicit parent codes, so one exact point-in-polygon lookup
serves every level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from settings import MAX_GRID_LEVELS

from .gridindex import INDEX_FORMAT, GridIndex

LEVEL_COLUMNS = tuple(f"grid_l{d}" for d in range(1, MAX_GRID_LEVELS + 1))
_OPEN_END = np.datetime64("2262-01-01", "ns")


@dataclass
class _Epoch:
    rows: np.ndarray  # positions in the assigner's grid table of the grids valid in the epoch
    codes: np.ndarray  # object array of grid codes valid in the epoch
    depths: np.ndarray
    parent_index: np.ndarray  # index into codes of each grid's parent, -1 = none
    indexes: dict[int, tuple[GridIndex, np.ndarray]]  # depth -> (index, positions into codes)


class GridAssigner:
    """Point → grid codes at every level, for the grids in a database."""

    def __init__(
        self,
        grids: pd.DataFrame,
        cached: dict[tuple[np.datetime64, int], bytes] | None = None,
        geometries: Callable[[], np.ndarray] | None = None,
    ) -> None:
        """``grids``: code, depth, parent_code, valid_from, valid_to and geom_wkb (WGS-84), in a stable order.

        ``cached``: indexes (``GridIndex.to_bytes``) by (epoch start, depth) made by ``store_indexes`` for these
        grids;
        ``geometries``: where to get the polygons (in ``grids`` order) when ``grids`` has no geom_wkb; they
        are read only when an index has to be built.
        """
        self._grids = grids.reset_index(drop=True)
        self._cached = cached or {}
        self._geometries = geometries
        starts = pd.to_datetime(self._grids["valid_from"]).to_numpy("datetime64[ns]")
        ends = pd.to_datetime(self._grids["valid_to"]).to_numpy("datetime64[ns]")
        ends = np.where(np.isnat(ends), _OPEN_END, ends)
        self._starts, self._ends = starts, ends
        self._cuts = np.unique(np.concatenate([starts, ends]))
        self._geoms_cache: np.ndarray | None = None
        self._epochs: dict[int, _Epoch] = {}

    @classmethod
    def from_db(cls, con: duckdb.DuckDBPyConnection) -> GridAssigner:
        grids = con.execute(f"SELECT code, depth, parent_code, valid_from, valid_to FROM grid {_ORDER}").df()
        rows = con.execute(
            "SELECT epoch_start, depth, payload FROM grid_index_cache WHERE grids_key = ?", [grids_key(con)]
        ).fetchall()
        cached = {(np.datetime64(start, "ns"), depth): bytes(payload) for start, depth, payload in rows}

        def geometries() -> np.ndarray:
            blobs = con.execute(f"SELECT geom_wkb FROM grid {_ORDER}").fetchnumpy()["geom_wkb"]
            return shapely.from_wkb(np.array([bytes(b) for b in blobs], dtype=object))

        return cls(grids, cached, geometries)

    @property
    def _geoms(self) -> np.ndarray:
        if self._geoms_cache is None:
            if "geom_wkb" in self._grids:
                wkb = [bytes(b) for b in self._grids["geom_wkb"]]  # DuckDB hands BLOBs over as bytearray
                self._geoms_cache = shapely.from_wkb(np.array(wkb, dtype=object))
            elif self._geometries is not None:
                self._geoms_cache = self._geometries()
            else:
                raise ValueError("GridAssigner needs a geom_wkb column or a geometries source to build indexes")
        return self._geoms_cache

    @property
    def empty(self) -> bool:
        return len(self._grids) == 0

    def _epoch(self, k: int) -> _Epoch:
        if k in self._epochs:
            return self._epochs[k]
        at = self._cuts[k]
        valid = np.flatnonzero((self._starts <= at) & (self._ends > at))
        frame = self._grids.iloc[valid]
        codes = frame["code"].to_numpy(dtype=object)
        depths = frame["depth"].to_numpy(dtype=np.int64)
        position = pd.Series(np.arange(len(codes)), index=codes)
        parent_index = position.reindex(frame["parent_code"].to_numpy()).fillna(-1).to_numpy(np.int64)
        indexes: dict[int, tuple[GridIndex, np.ndarray]] = {}
        for depth in np.unique(depths):
            members = np.flatnonzero(depths == depth)
            payload = self._cached.get((np.datetime64(at, "ns"), int(depth)))
            if payload is not None:
                index = GridIndex.from_bytes(payload)
            else:
                index = GridIndex.build(self._geoms[valid[members]], np.arange(len(members)))
            indexes[int(depth)] = (index, members)
        epoch = _Epoch(valid, codes, depths, parent_index, indexes)
        self._epochs[k] = epoch
        return epoch

    def all_indexes(self) -> Iterator[tuple[np.datetime64, int, GridIndex]]:
        """(epoch start, depth, index) for every epoch and level, built or read from the cache."""
        for k, start in enumerate(self._cuts[:-1]):
            for depth, (index, _) in self._epoch(k).indexes.items():
                yield start, depth, index

    def assign(self, lon: np.ndarray, lat: np.ndarray, at: np.ndarray) -> pd.DataFrame:
        """Grid codes per level (``grid_l1`` …), the deepest (``grid_code``) and ``outside_grid``.

        Points with NaN coordinates get no grid and are not flagged outside; ``at`` is datetime64.
        Code columns are Arrow-backed strings, built by one ``take`` per level (no Python objects per row).
        """
        n = len(lon)
        epoch_of = np.searchsorted(self._cuts, np.asarray(at, dtype="datetime64[ns]"), side="right") - 1
        located = np.isfinite(lon) & np.isfinite(lat)
        # per level, the position in self._grids of the point's grid (-1 = none); index 0 = deepest found
        level_rows = np.full((MAX_GRID_LEVELS + 1, n), -1, dtype=np.int64)
        if not self.empty:
            for k in np.unique(epoch_of[located & (epoch_of >= 0)]):
                rows = np.flatnonzero(located & (epoch_of == k))
                epoch = self._epoch(int(k))
                found = np.full(len(rows), -1, dtype=np.int64)
                for depth in sorted(epoch.indexes, reverse=True):
                    todo = found < 0
                    if not todo.any():
                        break
                    index, members = epoch.indexes[depth]
                    hit = index.lookup(lon[rows[todo]], lat[rows[todo]])
                    found[np.flatnonzero(todo)] = np.where(hit >= 0, members[np.maximum(hit, 0)], -1)
                self._fill_levels(epoch, rows, found, level_rows)
        # large_string: the Arrow type pandas keeps string[pyarrow] in, so no cast follows the take
        codes = pa.array(self._grids["code"].to_numpy(dtype=object), type=pa.large_string())
        taken: dict[int, pa.Array] = {}  # the deepest grid is often some level's grid too: take it once
        columns = {}
        for depth, name in (*((d, f"grid_l{d}") for d in range(1, MAX_GRID_LEVELS + 1)), (0, "grid_code")):
            same = next((d for d in taken if np.array_equal(level_rows[d], level_rows[depth])), None)
            taken[depth] = taken[same] if same is not None else _take(codes, level_rows[depth])
            columns[name] = pd.Series(pd.arrays.ArrowStringArray(taken[depth]))
        frame = pd.DataFrame(columns)
        frame["outside_grid"] = located & (level_rows[0] < 0)
        return frame

    @staticmethod
    def _fill_levels(epoch: _Epoch, rows: np.ndarray, found: np.ndarray, level_rows: np.ndarray) -> None:
        hit = found >= 0
        level_rows[0, rows[hit]] = epoch.rows[found[hit]]
        current = found.copy()
        for _ in range(MAX_GRID_LEVELS):
            ok = current >= 0
            if not ok.any():
                break
            where = np.flatnonzero(ok)
            depth = epoch.depths[current[where]]
            level_rows[depth, rows[where]] = epoch.rows[current[where]]
            current = np.where(ok, epoch.parent_index[np.maximum(current, 0)], -1)


_ORDER = "ORDER BY depth, code, valid_from"


def grids_key(con: duckdb.DuckDBPyConnection) -> str:
    """A fingerprint of every grid version's code, validity and geometry, and of the index format.

    The format is part of it so that indexes stored in an older layout are not read but rebuilt.
    """
    return f"{INDEX_FORMAT}:" + str(
        con.execute(
            "SELECT coalesce(hash(string_agg(concat_ws('|', code, valid_from, valid_to, area_km2, min_lon, min_lat,"
            f" max_lon, max_lat, octet_length(geom_wkb)), ',' {_ORDER})), 0) FROM grid"
        ).fetchone()[0]
    )


def store_indexes(con: duckdb.DuckDBPyConnection) -> int:
    """Build the lookup index of every epoch and level and keep them in ``grid_index_cache``; return how many."""
    key = grids_key(con)
    rows = [
        (key, pd.Timestamp(start).to_pydatetime(), depth, index.to_bytes())
        for start, depth, index in GridAssigner.from_db(con).all_indexes()
    ]
    con.execute("DELETE FROM grid_index_cache")
    if rows:
        con.executemany("INSERT INTO grid_index_cache VALUES (?, ?, ?, ?)", rows)
    return len(rows)


def _take(codes: pa.Array, positions: np.ndarray) -> pa.Array:
    """``codes`` at ``positions``, null where a position is negative."""
    missing = positions < 0
    if len(codes) == 0 or missing.all():
        return pa.nulls(len(positions), codes.type)
    return codes.take(pa.array(np.maximum(positions, 0), mask=missing))

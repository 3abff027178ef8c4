"""Assign points to the grid at every level, valid at each point's time.

Grids change: each version has ``valid_from`` (inclusive) and ``valid_to`` (exclusive, NULL = open). The
timeline is cut into epochs at every validity boundary; within an epoch one set of grids is valid. For each
epoch with points, points are looked up at the deepest level first; points no deepest grid covers try the
next level up. The levels above come from the explicit parent codes, so one exact point-in-polygon lookup
serves every level.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from settings import MAX_GRID_LEVELS

from .gridindex import GridIndex

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

    def __init__(self, grids: pd.DataFrame) -> None:
        """``grids``: code, depth, parent_code, valid_from, valid_to, geom_wkb (WGS-84)."""
        self._grids = grids.reset_index(drop=True)
        starts = pd.to_datetime(self._grids["valid_from"]).to_numpy("datetime64[ns]")
        ends = pd.to_datetime(self._grids["valid_to"]).to_numpy("datetime64[ns]")
        ends = np.where(np.isnat(ends), _OPEN_END, ends)
        self._starts, self._ends = starts, ends
        self._cuts = np.unique(np.concatenate([starts, ends]))
        wkb = [bytes(b) for b in self._grids["geom_wkb"]]  # DuckDB hands BLOBs over as bytearray
        self._geoms = shapely.from_wkb(np.array(wkb, dtype=object)) if wkb else np.array([], dtype=object)
        self._epochs: dict[int, _Epoch] = {}

    @classmethod
    def from_db(cls, con: duckdb.DuckDBPyConnection) -> GridAssigner:
        grids = con.execute(
            "SELECT code, depth, parent_code, valid_from, valid_to, geom_wkb FROM grid ORDER BY depth, code"
        ).df()
        return cls(grids)

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
            index = GridIndex.build(self._geoms[valid[members]], np.arange(len(members)))
            indexes[int(depth)] = (index, members)
        epoch = _Epoch(valid, codes, depths, parent_index, indexes)
        self._epochs[k] = epoch
        return epoch

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
        codes = pa.array(self._grids["code"].to_numpy(dtype=object), type=pa.string())
        frame = pd.DataFrame(
            {
                name: _take(codes, level_rows[depth])
                for depth, name in ((d, f"grid_l{d}") for d in range(1, MAX_GRID_LEVELS + 1))
            }
        )
        frame["grid_code"] = _take(codes, level_rows[0])
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


def _take(codes: pa.Array, positions: np.ndarray) -> pd.Series:
    if len(codes) == 0:
        return pd.Series(pd.array([None] * len(positions), dtype="string[pyarrow]"))
    taken = codes.take(pa.array(np.maximum(positions, 0), mask=positions < 0))
    return pd.Series(pd.arrays.ArrowStringArray(taken))

"""Assign points to the grid at every level, valid at each point's time.

Grids change: each version has ``valid_from`` (inclusive) and ``valid_to`` (exclusive, NULL = open). The
timeline is cut into epochs at every validity boundary; within an epoch one set of grids is valid. For each
epoch with points, points are looked up at the deepest level first; points no deepest grid covers try the
next level up. The levels above come from the explicit parent codes, so one exact point-in-polygon lookup
serves every level.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from settings import MAX_GRID_LEVELS

from .gridindex import INDEX_FORMAT, GridIndex, parallel_spans

LEVEL_COLUMNS = tuple(f"grid_l{d}" for d in range(1, MAX_GRID_LEVELS + 1))
_OPEN_END = np.datetime64("2262-01-01", "ns")


@dataclass
class _Epoch:
    rows: np.ndarray  # positions in the assigner's grid table of the grids valid in the epoch
    codes: np.ndarray  # object array of grid codes valid in the epoch
    depths: np.ndarray
    parent_index: np.ndarray  # index into codes of each grid's parent, -1 = none
    indexes: dict[int, tuple[GridIndex, np.ndarray]]  # depth -> (index, positions into codes)
    # [level, i]: position in the assigner's grid table of grid i's ancestor at depth level (itself at its own
    # depth; level 0 = itself), -1 = none; one extra column of -1 for "no grid", so index -1 reads it.
    levels: np.ndarray

    def deepest(self, x: np.ndarray, y: np.ndarray, *, workers: int) -> np.ndarray:
        """The position in ``codes`` of the deepest grid holding each point (-1 = none): the deepest level first,
        for every point; the levels above for the points it left."""
        depths = sorted(self.indexes, reverse=True)
        found = np.full(len(x), -1, dtype=np.int64)
        for i, depth in enumerate(depths):
            todo = None if i == 0 else np.flatnonzero(found < 0)
            if todo is not None and not len(todo):
                break
            index, members = self.indexes[depth]
            if todo is None:
                found = np.append(members, -1)[index.lookup(x, y, workers=workers)]  # label -1 reads the -1
            else:
                found[todo] = np.append(members, -1)[index.lookup(x[todo], y[todo], workers=workers)]
        return found


class GridAssigner:
    """Point → grid codes at every level, for the grids in a database."""

    def __init__(
        self,
        grids: pd.DataFrame,
        cached: dict[tuple[np.datetime64, int], bytes | np.ndarray] | None = None,
        geometries: Callable[[], np.ndarray] | None = None,
    ) -> None:
        """``grids``: code, depth, parent_code, valid_from, valid_to and geom_wkb (WGS-84), in a stable order.

        ``cached``: indexes (``GridIndex.to_bytes``) by (epoch start, depth) made by ``store_indexes`` for these
        grids;
        ``geometries``: where to get the polygons (in ``grids`` order) when ``grids`` has no geom_wkb; they
        are read only when an index has to be built.
        """
        self._grids = grids[grids["depth"] >= 1].reset_index(drop=True)  # not the city outline (``_LOOKED_UP``)
        self._cached = cached or {}
        self._geometries = geometries
        starts, ends = _datetimes(self._grids["valid_from"]), _datetimes(self._grids["valid_to"])
        ends = np.where(np.isnat(ends), _OPEN_END, ends)
        self._starts, self._ends = starts, ends
        self._cuts = np.unique(np.concatenate([starts, ends]))
        self._geoms_cache: np.ndarray | None = None
        self._epochs: dict[int, _Epoch] = {}

    def portable(self) -> GridAssigner:
        """A copy that pickles (for Spark's executors): the database the polygons would be read from lazily is
        replaced by the polygons themselves, so an index missing from the cache is built the same way there."""
        copy = GridAssigner.__new__(GridAssigner)
        copy.__dict__.update(self.__dict__)
        if self._geometries is not None:
            copy._geoms_cache = self._geoms_cache if self._geoms_cache is not None else self._geometries()
            copy._geometries = None
        return copy

    @classmethod
    def from_db(cls, con: duckdb.DuckDBPyConnection) -> GridAssigner:
        columns = "code, depth, parent_code, valid_from, valid_to"
        grids = con.execute(f"SELECT {columns} FROM grid {_LOOKED_UP} {_ORDER}").df()
        cached = read_indexes(con, grids_key(con))

        def geometries() -> np.ndarray:
            blobs = con.execute(f"SELECT geom_wkb FROM grid {_LOOKED_UP} {_ORDER}").fetchnumpy()["geom_wkb"]
            return shapely.from_wkb(np.array([bytes(b) for b in blobs], dtype=object))

        return cls(grids, cached, geometries)

    @classmethod
    def for_load(cls, con: duckdb.DuckDBPyConnection) -> GridAssigner:
        """``from_db`` on a load's write connection, storing the indexes first if none match the grids."""
        ensure_indexes(con)
        return cls.from_db(con)

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

    def _present(self, epoch_of: np.ndarray, lookup: np.ndarray, *, everyone: bool) -> np.ndarray:
        """The epochs the points to look up (``lookup``) fall in."""
        if self.empty or not lookup.any():
            return np.empty(0, dtype=np.int64)
        if everyone and epoch_of[0] == epoch_of[-1] and (epoch_of == epoch_of[0]).all():
            return epoch_of[:1]  # the usual case: one epoch for all
        return np.flatnonzero(np.bincount(epoch_of[lookup], minlength=len(self._cuts)))

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
        levels = _ancestor_rows(valid, depths, parent_index)
        epoch = _Epoch(valid, codes, depths, parent_index, indexes, levels)
        self._epochs[k] = epoch
        return epoch

    def all_indexes(self) -> Iterator[tuple[np.datetime64, int, GridIndex]]:
        """(epoch start, depth, index) for every epoch and level, built or read from the cache."""
        for k, start in enumerate(self._cuts[:-1]):
            for depth, (index, _) in self._epoch(k).indexes.items():
                yield start, depth, index

    def assign(self, lon: np.ndarray, lat: np.ndarray, at: np.ndarray, *, workers: int | None = None) -> pd.DataFrame:
        """Grid codes per level (``grid_l1`` …), the deepest (``grid_code``) and ``outside_grid``.

        Points with NaN coordinates get no grid and are not flagged outside; ``at`` is datetime64.
        Code columns are Arrow-backed strings, built by one ``take`` per level (no Python objects per row).
        ``workers``: threads a large lookup may use (``GridIndex.lookup``); by default the CPUs this process may
        run on. A caller that already runs assignments in parallel passes 1.
        """
        workers = available_cpus() if workers is None else workers
        n = len(lon)
        epoch_of = np.searchsorted(*_same_unit(self._cuts, np.asarray(at)), side="right") - 1
        located = np.isfinite(lon) & np.isfinite(lat)
        lookup = located & (epoch_of >= 0)
        everyone = bool(lookup.all())
        epochs = {int(k): self._epoch(int(k)) for k in self._present(epoch_of, lookup, everyone=everyone)}
        used, same_as_deepest, filled = _filled_levels(epochs.values())
        # per filled level, the position in self._grids of the point's grid (-1 = none)
        level_rows: np.ndarray | None = None
        for k, epoch in epochs.items():
            whole = everyone and len(epochs) == 1  # every point located, one epoch: no gathers needed
            rows = None if whole else np.flatnonzero(lookup & (epoch_of == k))
            x, y = (lon, lat) if rows is None else (lon[rows], lat[rows])
            found = epoch.deepest(x, y, workers=workers)
            levels = epoch.levels[filled][:, found]  # found -1 reads the column of -1
            if rows is None:
                level_rows = levels
            else:
                if level_rows is None:
                    level_rows = np.full((len(filled), n), -1, dtype=np.int64)
                level_rows[:, rows] = levels
        if level_rows is None:
            level_rows = np.full((len(filled), n), -1, dtype=np.int64)
        # large_string: the Arrow type pandas keeps string[pyarrow] in, so no cast follows the take
        codes = pa.array(self._grids["code"].to_numpy(dtype=object), type=pa.large_string())
        deepest = _take(codes, level_rows[0], workers)
        columns = {}
        nulls: pa.Array | None = None  # one array for every level no grid has
        for depth in range(1, MAX_GRID_LEVELS + 1):
            if not used[depth]:
                nulls = taken = pa.nulls(n, pa.large_string()) if nulls is None else nulls
            elif same_as_deepest[depth]:
                taken = deepest
            else:
                taken = _take(codes, level_rows[np.flatnonzero(filled == depth)[0]], workers)
            columns[f"grid_l{depth}"] = pd.Series(pd.arrays.ArrowStringArray(taken))
        columns["grid_code"] = pd.Series(pd.arrays.ArrowStringArray(deepest))
        frame = pd.DataFrame(columns)
        frame["outside_grid"] = located & (level_rows[0] < 0)
        return frame


def _filled_levels(epochs: Iterable[_Epoch]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which levels to fill (``filled``): level 0 (the deepest grid found) and every level some grid has
    (``used``), except a level that is the deepest grid itself for every grid of every epoch (one grid level:
    it is grid_code; ``same_as_deepest``)."""
    used = np.zeros(MAX_GRID_LEVELS + 1, dtype=bool)
    used[0] = True
    same_as_deepest = np.ones(MAX_GRID_LEVELS + 1, dtype=bool)
    for epoch in epochs:
        used |= (epoch.levels >= 0).any(axis=1)
        same_as_deepest &= (epoch.levels == epoch.levels[0]).all(axis=1)
    filled = np.flatnonzero(used & ~same_as_deepest)
    return used, same_as_deepest, np.concatenate([[0], filled[filled > 0]])


def _ancestor_rows(rows: np.ndarray, depths: np.ndarray, parent_index: np.ndarray) -> np.ndarray:
    """_Epoch.levels: for each grid, the rows of itself and of its ancestors by depth, following parent codes."""
    n = len(rows)
    levels = np.full((MAX_GRID_LEVELS + 1, n + 1), -1, dtype=np.int64)
    levels[0, :n] = rows
    grid = np.arange(n)
    current = grid
    for _ in range(MAX_GRID_LEVELS):
        ok = current >= 0
        if not ok.any():
            break
        grid, current = grid[ok], current[ok]
        levels[depths[current], grid] = rows[current]
        current = parent_index[current]
    return levels


_ORDER = "ORDER BY depth, code, valid_from"
#: The grids points are looked up in: every level but the city outline (depth 0), which holds every case of the
#: city and has no column in ``cases``.
_LOOKED_UP = "WHERE depth >= 1"


def grids_key(con: duckdb.DuckDBPyConnection) -> str:
    """A fingerprint of every grid version (code, validity, extent, area, row id and load run) and the index format.

    It reads no geometry: a load that changes a grid's polygon deletes the row and inserts it with a new
    ``grid_id`` and its ``run_id`` (``keyed_load._merge``), and area and extent come from the polygon. Reading
    ``geom_wkb`` (as ``octet_length`` did) cost more than the rest of the index lookup on a cold connection.
    The rows' 64-bit hashes are summed (exactly, as HUGEINT), which needs no sort: a quarter of the time a
    hash of the ordered rows took. Rows are distinct (``grid_id`` is unique), so none cancel out.
    The format is part of the key so that indexes stored in an older layout are not read but rebuilt.
    """
    count, total = con.execute(
        "SELECT count(*), coalesce(sum(hash(code, valid_from, valid_to, area_km2, min_lon, min_lat, max_lon, max_lat,"
        " grid_id, run_id)::HUGEINT), 0) FROM grid"
    ).fetchone()
    return f"{INDEX_FORMAT}:{count}:{total}"


def ensure_indexes(con: duckdb.DuckDBPyConnection) -> bool:
    """Store the grids' indexes if none are stored for them (a database from before a format change); True if so.

    Loads that assign grids call it on their write connection, so an upgrade rebuilds the indexes once, in the
    first such load, rather than in every load until the grids are loaded again.
    """
    stored = con.execute("SELECT count(*) FROM grid_index_cache WHERE grids_key = ?", [grids_key(con)]).fetchone()[0]
    if stored or not con.execute("SELECT count(*) FROM grid").fetchone()[0]:
        return False
    store_indexes(con)
    return True


def store_indexes(con: duckdb.DuckDBPyConnection) -> int:
    """Build the lookup index of every epoch and level and keep them in the database; return how many.

    Each index's bytes (``GridIndex.to_bytes``) go to ``grid_index_word`` as 64-bit words, one row each, all
    indexes one after another; ``grid_index_cache`` holds per index its word offset, length and CRC-32.
    DuckDB reads a million-row numeric column about twice as fast as the same bytes in one BLOB.
    """
    key = grids_key(con)
    con.execute("DELETE FROM grid_index_cache")
    con.execute("DELETE FROM grid_index_word")
    manifests, chunks, offset = [], [], 0
    for start, depth, index in GridAssigner.from_db(con).all_indexes():
        payload = index.to_bytes()
        words = np.frombuffer(payload + bytes(-len(payload) % 8), dtype=np.uint64)
        manifest = {"offset": offset, "words": len(words), "bytes": len(payload), "crc32": zlib.crc32(payload)}
        manifests.append((key, pd.Timestamp(start).to_pydatetime(), depth, json.dumps(manifest).encode()))
        chunks.append(words)
        offset += len(words)
    if manifests:
        con.executemany("INSERT INTO grid_index_cache VALUES (?, ?, ?, ?)", manifests)
        words = pa.table({"word": pa.array(np.concatenate(chunks), type=pa.uint64())})
        con.register("_index_words", words)
        try:
            con.execute("INSERT INTO grid_index_word SELECT word FROM _index_words")
        finally:
            con.unregister("_index_words")
    return len(manifests)


def read_indexes(con: duckdb.DuckDBPyConnection, key: str) -> dict[tuple[np.datetime64, int], np.ndarray]:
    """The stored indexes' bytes by (epoch start, depth), for grids with fingerprint ``key``.

    Empty when none are stored for ``key``, or when the words do not match their length and CRC-32 (e.g. a
    database whose cache was written otherwise): the assigner then builds its indexes itself.
    """
    rows = con.execute("SELECT epoch_start, depth, payload FROM grid_index_cache WHERE grids_key = ?", [key]).fetchall()
    if not rows:
        return {}
    # in insertion order; through Arrow: a quarter of the time fetchnumpy takes for these ~3M words
    words = con.sql("SELECT word FROM grid_index_word").to_arrow_table()["word"].to_numpy()
    cached = {}
    for start, depth, payload in rows:
        try:
            manifest = json.loads(bytes(payload))
            data = words[manifest["offset"] : manifest["offset"] + manifest["words"]].view(np.uint8)
        except (ValueError, KeyError, TypeError):
            return {}
        data = data[: manifest["bytes"]]
        if len(data) != manifest["bytes"] or zlib.crc32(data) != manifest["crc32"]:
            return {}
        cached[(np.datetime64(start, "ns"), depth)] = data
    return cached


def _datetimes(values: pd.Series) -> np.ndarray:
    """datetime64[ns] of a datetime column (directly; pd.to_datetime scans it first) or of one of dates/text."""
    if values.dtype.kind == "M":
        return values.to_numpy("datetime64[ns]")
    return pd.to_datetime(values).to_numpy("datetime64[ns]")


def available_cpus() -> int:
    """CPUs this process may run on (its affinity where the OS has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _same_unit(cuts: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``cuts`` (ns) and ``at`` in one datetime unit: at's own (DuckDB's us) when every cut is exact in it, which
    spares converting a million times; nanoseconds otherwise."""
    if np.issubdtype(at.dtype, np.datetime64) and at.dtype != cuts.dtype:
        coarse = cuts.astype(at.dtype)
        if np.array_equal(coarse.astype(cuts.dtype), cuts):
            return coarse, at
    return cuts, at.astype("datetime64[ns]", copy=False)


def _take(codes: pa.Array, positions: np.ndarray, workers: int = 1) -> pa.Array | pa.ChunkedArray:
    """``codes`` at ``positions``, null where a position is negative; in up to ``workers`` threads (Arrow's
    take releases the GIL), each a contiguous part of PARALLEL_MIN positions or more."""
    spans = parallel_spans(len(positions), workers)
    if len(spans) == 1:
        return _take_part(codes, positions)
    with ThreadPoolExecutor(len(spans), thread_name_prefix="onemap-take") as pool:
        chunks = list(pool.map(lambda span: _take_part(codes, positions[span]), spans))
    return pa.chunked_array(chunks, type=codes.type)


def _take_part(codes: pa.Array, positions: np.ndarray) -> pa.Array:
    missing = positions < 0
    if len(codes) == 0 or missing.all():
        return pa.nulls(len(positions), codes.type)
    return codes.take(pa.array(np.maximum(positions, 0), mask=missing))

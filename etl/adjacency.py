"""Which grids touch: queen contiguity (a shared boundary or corner) of the grids of each level, per grid epoch,
derived once per grid load for the spatial statistics (``analytics.lattice``), never on a view.

Surveyed boundaries rarely share every vertex, and neighbouring polygons may leave hairline gaps or overlaps, so
two grids touch when they come within ``tolerance_m`` metres of each other (0.5 m by default), found with a
spatial index (shapely's STRtree, ``dwithin``). The pairs are stored both ways in ``grid_adjacency`` with the
start of their epoch (grid versions valid over the same span of time), and the fingerprint of the grids they
were built from in ``grid_adjacency_state``: a load that changes no grid keeps them.
"""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from core.catalog import ADJACENCY_STATE, ADJACENCY_TABLE

from .assign import grids_key

_M_PER_DEG = 111_320.0


def queen_pairs(geometries: np.ndarray, *, tolerance_m: float) -> np.ndarray:
    """Index pairs (i < j) of ``geometries`` (lon/lat polygons) within ``tolerance_m`` of each other."""
    if len(geometries) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    latitude = float(np.mean(shapely.bounds(geometries)[:, [1, 3]]))
    # degrees of longitude are the shorter: a distance in them is an upper bound in metres on both axes
    tolerance = tolerance_m / (_M_PER_DEG * max(math.cos(math.radians(latitude)), 0.1))
    tree = shapely.STRtree(geometries)
    left, right = tree.query(geometries, predicate="dwithin", distance=tolerance)
    keep = left < right
    return np.column_stack([left[keep], right[keep]]).astype(np.int64)


def adjacency_rows(grids: pd.DataFrame, *, tolerance_m: float) -> pd.DataFrame:
    """The neighbour pairs of ``grids`` (``code``, ``depth``, ``valid_from``, ``valid_to``, ``geom_wkb``): per
    epoch and level, ``epoch_start``, ``depth``, ``code`` and ``neighbour``, both directions."""
    starts = pd.to_datetime(grids["valid_from"]).to_numpy("datetime64[ns]")
    ends = pd.to_datetime(grids["valid_to"]).to_numpy("datetime64[ns]")
    cuts = np.unique(np.concatenate([starts, ends[~np.isnat(ends)]]))
    geometries = shapely.from_wkb(np.array([bytes(b) for b in grids["geom_wkb"]], dtype=object))
    codes, depths = grids["code"].to_numpy(dtype=object), grids["depth"].to_numpy(dtype=np.int64)
    parts = []
    for start in cuts:
        valid = (starts <= start) & (np.isnat(ends) | (ends > start))
        for depth in np.unique(depths[valid]):
            members = np.flatnonzero(valid & (depths == depth))
            pairs = members[queen_pairs(geometries[members], tolerance_m=tolerance_m)]
            if not len(pairs):
                continue
            a, b = codes[pairs[:, 0]], codes[pairs[:, 1]]
            parts.append(
                pd.DataFrame(
                    {
                        "epoch_start": start,
                        "depth": int(depth),
                        "code": np.concatenate([a, b]),
                        "neighbour": np.concatenate([b, a]),
                    }
                )
            )
    columns = {"epoch_start": "datetime64[ns]", "depth": "int64", "code": object, "neighbour": object}
    if not parts:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})
    return pd.concat(parts, ignore_index=True)


def store_adjacency(con: duckdb.DuckDBPyConnection, *, tolerance_m: float) -> int:
    """Rebuild ``grid_adjacency`` from the grids; return its rows."""
    grids = con.execute("SELECT code, depth, valid_from, valid_to, geom_wkb FROM grid ORDER BY depth, code").df()
    rows = adjacency_rows(grids, tolerance_m=tolerance_m)
    con.execute(f"DELETE FROM {ADJACENCY_TABLE}")
    if len(rows):
        con.register("_adjacency", pa.Table.from_pandas(rows, preserve_index=False))
        try:
            con.execute(f"INSERT INTO {ADJACENCY_TABLE} SELECT * FROM _adjacency ORDER BY depth, code")
        finally:
            con.unregister("_adjacency")
    con.execute(f"DELETE FROM {ADJACENCY_STATE}")
    con.execute(f"INSERT INTO {ADJACENCY_STATE} VALUES ($key, $tol)", {"key": grids_key(con), "tol": tolerance_m})
    return len(rows)


def ensure_adjacency(con: duckdb.DuckDBPyConnection, *, tolerance_m: float) -> bool:
    """Rebuild the adjacency when the grids (or the tolerance) changed since it was built; True if it was."""
    stored = con.execute(f"SELECT grids_key, tolerance_m FROM {ADJACENCY_STATE}").fetchall()
    if stored == [(grids_key(con), tolerance_m)]:
        return False
    store_adjacency(con, tolerance_m=tolerance_m)
    return True

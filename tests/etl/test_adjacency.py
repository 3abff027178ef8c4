"""Queen contiguity derived by the ETL: the same neighbours as libpysal's Queen on an exact lattice, hairline gaps
bridged, one set per grid epoch, rebuilt only when the grids change."""

from __future__ import annotations

import datetime as dt

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from libpysal.weights import Queen
from shapely.geometry import box

from etl import api
from etl.adjacency import adjacency_rows, queen_pairs
from etl.sources import SourceOptions


def test_the_same_neighbours_as_libpysal_queen() -> None:
    step = 1 / 128  # binary fractions: libpysal's Queen matches vertices exactly
    cells = [
        box(117 + step * c, 31 + step * r, 117 + step * (c + 1), 31 + step * (r + 1))
        for r in range(5)
        for c in range(6)
    ]
    pairs = queen_pairs(np.array(cells, dtype=object), tolerance_m=0.5)
    mine = {(int(a), int(b)) for a, b in pairs}
    queen = Queen.from_dataframe(gpd.GeoDataFrame(geometry=cells), use_index=False)
    theirs = {(i, j) for i, near in queen.neighbors.items() for j in near if i < j}
    assert mine == theirs and len(mine) == 5 * 5 + 4 * 6 + 2 * 4 * 5  # rook rows + rook cols + diagonals


def test_hairline_gaps_are_bridged_and_true_gaps_are_not() -> None:
    a = box(117.0, 31.0, 117.01, 31.01)
    near = box(117.01 + 2e-6, 31.0, 117.02, 31.01)  # ~0.2 m apart: surveyed, not apart
    far = box(117.01 + 2e-4, 31.02, 117.02, 31.03)  # ~20 m apart
    assert {tuple(p) for p in queen_pairs(np.array([a, near, far], dtype=object), tolerance_m=0.5)} == {(0, 1)}


def test_one_set_per_epoch() -> None:
    grids = pd.DataFrame(
        {
            "code": ["w", "e", "e2"],
            "depth": 2,
            "valid_from": [dt.datetime(2020, 1, 1), dt.datetime(2020, 1, 1), dt.datetime(2024, 1, 1)],
            "valid_to": [None, dt.datetime(2024, 1, 1), None],
            "geom_wkb": [shapely.to_wkb(g) for g in (box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6))],
        }
    )
    rows = adjacency_rows(grids, tolerance_m=0.5)
    assert rows[["epoch_start", "code", "neighbour"]].values.tolist() == [
        [pd.Timestamp("2020-01-01"), "w", "e"],
        [pd.Timestamp("2020-01-01"), "e", "w"],
    ]  # from 2024 the west grid has no neighbour: an island


def test_a_grid_load_stores_it_and_an_unchanged_load_keeps_it(settings, grids_file) -> None:
    api.load("grids", grids_file, SourceOptions(source="survey"), settings=settings)
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        rows = con.execute("SELECT depth, code, neighbour FROM grid_adjacency ORDER BY ALL").fetchall()
        key = con.execute("SELECT grids_key FROM grid_adjacency_state").fetchall()
    assert rows == [
        (2, "340104001", "340104002"),
        (2, "340104002", "340104001"),
        (3, "340104001001", "340104002001"),
        (3, "340104002001", "340104001001"),
    ]
    api.init_db(settings)
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert con.execute("SELECT grids_key FROM grid_adjacency_state").fetchall() == key

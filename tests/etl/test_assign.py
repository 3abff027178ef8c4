"""GridAssigner: codes at every level from hand-made grid tables, and the stored indexes it reads."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import shapely
from conftest import EAST_POINT, OUTSIDE_POINT, WEST_POINT

from etl.assign import GridAssigner, ensure_indexes, grids_key, read_indexes, store_indexes
from etl.gridindex import INDEX_FORMAT, PARALLEL_MIN, GridIndex

LEVELS = ["grid_l1", "grid_l2", "grid_l3", "grid_l4", "grid_l5", "grid_code"]


def _grids(rows: list[tuple[str, int, str | None, shapely.Geometry, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": [r[0] for r in rows],
            "depth": [r[1] for r in rows],
            "parent_code": [r[2] for r in rows],
            "valid_from": pd.to_datetime(["2020-01-01"] * len(rows)),
            "valid_to": pd.to_datetime([r[4] for r in rows]),
            "geom_wkb": shapely.to_wkb(np.array([r[3] for r in rows], dtype=object)),
        }
    )


def _assign(assigner: GridAssigner, points: list[tuple[float, float]], at: str = "2025-01-01") -> list[list]:
    xy = np.array(points, dtype=float)
    got = assigner.assign(xy[:, 0], xy[:, 1], np.full(len(xy), np.datetime64(at, "ns")))
    return got[LEVELS].astype(object).where(got[LEVELS].notna(), None).to_numpy().tolist()


def test_one_level_fills_level_one_and_the_grid_code_only() -> None:
    assigner = GridAssigner(
        _grids([("A", 1, None, shapely.box(0, 0, 1, 1), None), ("B", 1, None, shapely.box(1, 0, 2, 1), None)])
    )
    got = _assign(assigner, [(0.5, 0.5), (1.5, 0.5), (1.0, 0.5), (5.0, 5.0), (np.nan, 0.5)])
    assert got == [
        ["A", None, None, None, None, "A"],
        ["B", None, None, None, None, "B"],
        ["A", None, None, None, None, "A"],  # on the shared edge: the first grid in table order
        [None] * 6,
        [None] * 6,
    ]


def test_a_point_outside_every_deepest_grid_takes_the_level_above() -> None:
    # The street has one community covering its west half; a point in the east half stops at the street.
    assigner = GridAssigner(
        _grids(
            [
                ("S", 1, None, shapely.box(0, 0, 2, 1), None),
                ("S-1", 2, "S", shapely.box(0, 0, 1, 1), None),
                ("S-1-a", 3, "S-1", shapely.box(0, 0, 1, 0.5), None),
            ]
        )
    )
    got = _assign(assigner, [(0.5, 0.25), (0.5, 0.75), (1.5, 0.5)])
    assert got == [
        ["S", "S-1", "S-1-a", None, None, "S-1-a"],
        ["S", "S-1", None, None, None, "S-1"],
        ["S", None, None, None, None, "S"],
    ]


def test_a_grid_that_ended_is_not_assigned_after_its_end() -> None:
    assigner = GridAssigner(
        _grids([("A", 1, None, shapely.box(0, 0, 1, 1), "2024-01-01"), ("B", 1, None, shapely.box(1, 0, 2, 1), None)])
    )
    assert _assign(assigner, [(0.5, 0.5), (1.5, 0.5)], at="2023-12-31") == [
        ["A", None, None, None, None, "A"],
        ["B", None, None, None, None, "B"],
    ]
    assert _assign(assigner, [(0.5, 0.5), (1.5, 0.5)], at="2024-01-01") == [
        [None] * 6,
        ["B", None, None, None, None, "B"],
    ]


def test_the_stored_index_is_read_in_the_current_format_only(city, monkeypatch) -> None:
    points = [WEST_POINT, EAST_POINT, OUTSIDE_POINT]
    expected = [
        ["340104", "340104001", "340104001001", None, None, "340104001001"],
        ["340104", "340104002", "340104002001", None, None, "340104002001"],
        [None] * 6,
    ]
    with duckdb.connect(str(city.db_path)) as con:
        key = grids_key(con)
        assert key.startswith(f"{INDEX_FORMAT}:")
        assert {row[0] for row in con.execute("SELECT grids_key FROM grid_index_cache").fetchall()} == {key}
        # Indexes of an older format (another key) are not read: the assigner builds its own.
        con.execute("UPDATE grid_index_cache SET grids_key = 'gridindex-1:' || grids_key, payload = '\\x80'::BLOB")
        assert _assign(GridAssigner.from_db(con), points) == expected
        con.execute("DELETE FROM grid_index_cache")
        assert store_indexes(con) == 3

        def no_build(*args: object, **kwargs: object) -> None:
            raise AssertionError("the index should come from grid_index_cache")

        monkeypatch.setattr(GridIndex, "build", no_build)
        assert _assign(GridAssigner.from_db(con), points) == expected


def test_the_key_changes_when_a_polygon_does_and_not_on_a_reload(city, grids_file, tmp_path) -> None:
    from conftest import tiny_grids

    from etl import api
    from etl.sources import SourceOptions

    def key() -> str:
        with duckdb.connect(str(city.db_path), read_only=True) as con:
            return grids_key(con)

    before = key()
    api.load("grids", grids_file, SourceOptions(source="survey"), settings=city)
    assert key() == before  # nothing changed: the stored indexes stay valid
    grids = tiny_grids()
    # the west community shrinks to its southern half: same code, same validity, another polygon
    grids.loc[grids["网格编码"] == "340104001001", "geometry"] = shapely.box(117.20, 31.80, 117.25, 31.85)
    changed = tmp_path / "changed.geojson"
    grids.to_file(changed, driver="GeoJSON")
    api.load("grids", changed, SourceOptions(source="survey"), settings=city)
    assert key() != before
    with duckdb.connect(str(city.db_path), read_only=True) as con:
        got = _assign(GridAssigner.from_db(con), [(117.22, 31.88), (117.22, 31.82)])
    assert got == [
        ["340104", "340104001", None, None, None, "340104001"],
        ["340104", "340104001", "340104001001", None, None, "340104001001"],
    ]


def test_validity_is_compared_at_full_precision_whatever_the_unit_of_the_times() -> None:
    # A version ending half a microsecond after midnight still covers midnight given in microseconds.
    grids = _grids([("A", 1, None, shapely.box(0, 0, 1, 1), None)])
    grids["valid_to"] = pd.to_datetime(["2024-01-01 00:00:00.0000005"])
    assigner = GridAssigner(grids)
    at = np.array(["2024-01-01T00:00:00", "2024-01-01T00:00:00.000001"], dtype="datetime64[us]")
    got = assigner.assign(np.array([0.5, 0.5]), np.array([0.5, 0.5]), at)
    assert got["grid_code"].astype(object).where(got["grid_code"].notna(), None).tolist() == ["A", None]
    # with every cut exact in microseconds they are compared in microseconds: the end stays exclusive
    assigner = GridAssigner(_grids([("A", 1, None, shapely.box(0, 0, 1, 1), "2024-01-01")]))
    got = assigner.assign(np.array([0.5, 0.5]), np.array([0.5, 0.5]), at - np.timedelta64(1, "us"))
    assert got["grid_code"].astype(object).where(got["grid_code"].notna(), None).tolist() == ["A", None]


def test_stored_words_that_fail_their_check_are_not_used(city, monkeypatch) -> None:
    points = [WEST_POINT, EAST_POINT]
    built: list[int] = []
    real_build = GridIndex.build

    def counting_build(*args: object, **kwargs: object) -> GridIndex:
        built.append(1)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(GridIndex, "build", counting_build)
    with duckdb.connect(str(city.db_path)) as con:
        assert len(read_indexes(con, grids_key(con))) == 3
        assert _assign(GridAssigner.from_db(con), points)[0][-1] == "340104001001"
        assert built == []
        # one word changed (as if the rows came back in another order): the check fails, nothing is read
        con.execute("UPDATE grid_index_word SET word = xor(word, 1::UBIGINT) WHERE rowid = 100")
        assert read_indexes(con, grids_key(con)) == {}
        assert _assign(GridAssigner.from_db(con), points) == [
            ["340104", "340104001", "340104001001", None, None, "340104001001"],
            ["340104", "340104002", "340104002001", None, None, "340104002001"],
        ]
        assert len(built) == 3  # one epoch x three levels, built on the spot


def test_threads_give_the_same_codes_across_epochs_and_levels(monkeypatch) -> None:
    assigner = GridAssigner(
        _grids(
            [
                ("S", 1, None, shapely.box(0, 0, 2, 1), None),
                ("S-1", 2, "S", shapely.box(0, 0, 1, 1), "2024-01-01"),
                ("S-2", 2, "S", shapely.box(1, 0, 2, 1), None),
                ("S-1-a", 3, "S-1", shapely.box(0, 0, 1, 0.5), None),
            ]
        )
    )
    rng = np.random.default_rng(3)
    n = 4 * PARALLEL_MIN + 1  # each epoch's share is enough to split
    lon, lat = rng.uniform(-0.5, 2.5, n), rng.uniform(-0.5, 1.5, n)
    lon[::997] = np.nan
    at = np.where(rng.random(n) < 0.5, np.datetime64("2023-06-01", "ns"), np.datetime64("2025-06-01", "ns"))
    one = assigner.assign(lon, lat, at, workers=1)
    parts: list[int] = []
    real = GridIndex._lookup_into
    monkeypatch.setattr(
        GridIndex, "_lookup_into", lambda self, x, y, out: parts.append(len(x)) or real(self, x, y, out)
    )
    two = assigner.assign(lon, lat, at, workers=2)
    assert len(parts) > 2 and min(parts) >= PARALLEL_MIN  # the deepest level's lookups were split
    pd.testing.assert_frame_equal(two, one)
    assert set(one["grid_code"].dropna()) == {"S", "S-1", "S-2", "S-1-a"}  # S-1 before its end only
    # every located point in one epoch: the path without gathers
    same_time = np.full(n, np.datetime64("2025-06-01", "ns"))
    located = np.isfinite(lon)
    whole = assigner.assign(lon[located], lat[located], same_time[located], workers=2)
    parts = assigner.assign(lon, lat, same_time, workers=1)
    pd.testing.assert_frame_equal(whole, parts[located].reset_index(drop=True))


def test_a_load_stores_indexes_that_no_longer_match_the_grids(city, monkeypatch) -> None:
    with duckdb.connect(str(city.db_path)) as con:
        key = grids_key(con)
        assert ensure_indexes(con) is False  # stored at grid load
        # as after an upgrade that changed the key or the format: none of the stored indexes match
        con.execute("UPDATE grid_index_cache SET grids_key = 'gridindex-1:old'")
        assert read_indexes(con, key) == {}
        assigner = GridAssigner.for_load(con)
        assert {row[0] for row in con.execute("SELECT grids_key FROM grid_index_cache").fetchall()} == {key}
        assert len(read_indexes(con, key)) == 3

        def no_build(*args: object, **kwargs: object) -> None:
            raise AssertionError("the index should come from grid_index_cache")

        monkeypatch.setattr(GridIndex, "build", no_build)
        assert _assign(assigner, [WEST_POINT])[0][-1] == "340104001001"
        assert ensure_indexes(con) is False
        con.execute("DELETE FROM grid")
        con.execute("DELETE FROM grid_index_cache")
        assert ensure_indexes(con) is False  # no grids: nothing to store

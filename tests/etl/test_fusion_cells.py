"""The cells an incremental incident update reads by (``etl.fusion_cells``): two reports within D of each other
lie in the same or neighbouring cells wherever they are, and SQL and numpy number a point's cell alike."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest
from pyproj import Geod

from etl import fusion_cells
from etl.fusion_cells import Cells

GEOD = Geod(ellps="WGS84")


@pytest.mark.parametrize("lat0", [0.5, 22.5, 39.9, 53.3])  # the equator to Mohe
@pytest.mark.parametrize("d", [10.0, 50.0, 800.0])
def test_points_within_d_lie_in_neighbouring_cells(lat0: float, d: float) -> None:
    rng = np.random.default_rng(int(lat0 * 10 + d))
    n = 20_000
    lon = 116.0 + rng.uniform(-0.4, 0.4, n)
    lat = lat0 + rng.uniform(-0.4, 0.4, n)
    cells = Cells.around(lon, lat, d * 1.02, 0)
    assert cells is not None
    # a second point exactly D away (the farthest the rule links) in every direction
    lon2, lat2, _ = GEOD.fwd(lon, lat, rng.uniform(0, 360, n), np.full(n, d))
    (ax, ay), (bx, by) = xy(cells.keys_of(lon, lat)), xy(cells.keys_of(lon2, lat2))
    assert np.abs(ax - bx).max() <= 1 and np.abs(ay - by).max() <= 1
    assert np.abs(ax - bx).max() == 1 and np.abs(ay - by).max() == 1  # the pairs do cross cell edges
    assert Cells.around(lon, lat, d * 1.02, 1).covers(cells.keys_of(lon2, lat2), 0)


def xy(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A key's cell numbers (``x · 2³² + y``, ``y`` signed)."""
    y = ((keys + 2**31) & (2**32 - 1)) - 2**31
    return (keys - y) >> 32, y


def test_sql_and_numpy_number_cells_alike() -> None:
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(73, 135, 50_000), rng.uniform(3, 53, 50_000)
    cells = Cells.around(lon, lat, 51.0, 0)
    assert cells is not None
    with duckdb.connect() as con:
        con.register("p", {"lon": lon, "lat": lat})
        key = fusion_cells.key_sql("lon", "lat", "$kx", "$ky")
        from_sql = con.execute(f"SELECT {key} FROM p", {"kx": cells.kx, "ky": cells.ky}).fetchnumpy()
    assert np.array_equal(next(iter(from_sql.values())), cells.keys_of(lon, lat))


def test_a_set_grows_by_rings_and_gives_up_beyond_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    cells = Cells.around(np.array([116.4]), np.array([39.9]), 50.0, 2)
    assert cells is not None and len(cells.keys) == 25
    key = cells.keys_of(np.array([116.4]), np.array([39.9]))
    assert cells.covers(key, 2) and not cells.covers(key, 3)
    grown = cells.grown(key, 4)
    assert grown is not None and len(grown.keys) == 81 and grown.covers(key, 4)
    monkeypatch.setattr(fusion_cells, "MAX_CELLS", 80)
    assert cells.grown(key, 4) is None


def test_reports_near_the_latitude_the_cells_were_sized_for_are_not_held() -> None:
    cells = Cells.around(np.array([116.4]), np.array([39.9]), 50.0, 2)
    assert cells is not None and cells.holds(np.array([39.9, 40.3])) and not cells.holds(np.array([40.5]))
    assert cells.holds(np.array([-40.3])) and not cells.holds(np.array([-40.5]))


@pytest.mark.parametrize(("lon0", "lat0"), [(117.2, 31.8), (-70.6, -33.4), (0.0, 0.0), (179.5, 62.0)])
def test_the_box_holds_every_point_of_the_cells_and_little_more(lon0: float, lat0: float) -> None:
    rng = np.random.default_rng(7)
    seeds_lon, seeds_lat = lon0 + rng.uniform(-0.05, 0.05, 20), lat0 + rng.uniform(-0.05, 0.05, 20)
    cells = Cells.around(seeds_lon, seeds_lat, 500.0, 2)
    assert cells is not None
    west, east, south, north = cells.bounds()
    lon, lat = lon0 + rng.uniform(-0.2, 0.2, 200_000), lat0 + rng.uniform(-0.2, 0.2, 200_000)
    inside = np.isin(cells.keys_of(lon, lat), cells.keys)
    assert inside.sum() > 1000
    assert ((lon[inside] >= west) & (lon[inside] <= east) & (lat[inside] >= south) & (lat[inside] <= north)).all()
    # the seeds' extent, two rings of ~500 m cells and a cell to spare on each side: not a much larger box
    assert east - west < np.ptp(seeds_lon) + 8 / cells.kx and north - south < np.ptp(seeds_lat) + 8 / cells.ky

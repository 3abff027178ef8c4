"""Coordinate conversions: published check values, round trips, EPSG CRSs and CRS names."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer

from core.coords import from_wgs84, is_geographic, normalise_crs, out_of_china, to_wgs84

# Points around Hefei (117.25E 31.85N), ±0.3°.
_RNG = np.random.default_rng(7)
HEFEI_LON = 117.25 + _RNG.uniform(-0.3, 0.3, 2_000)
HEFEI_LAT = 31.85 + _RNG.uniform(-0.3, 0.3, 2_000)


def test_wgs84_to_gcj02_matches_the_published_vector() -> None:
    # (lat, lng) WGS-84 (31.1774276, 121.5272106) -> GCJ-02 (31.17530398364597, 121.531541859215)
    lon, lat = from_wgs84(121.5272106, 31.1774276, "GCJ-02")
    assert abs(lon - 121.531541859215) < 1e-9
    assert abs(lat - 31.17530398364597) < 1e-9


def test_matches_wandergis_coordtransform_vectors() -> None:
    # wandergis/coordtransform test/app.js, input (116.404, 39.915) in each case.
    lon, lat = from_wgs84(116.404, 39.915, "gcj02")
    assert (lon, lat) == pytest.approx((116.41024449916938, 39.91640428150164), abs=1e-12)
    # GCJ-02 -> BD-09 is the forward formula: WGS-84 -> BD-09 of the GCJ-02 point's WGS-84 equivalent.
    wgs_lon, wgs_lat = to_wgs84(116.404, 39.915, "GCJ-02")
    bd_lon, bd_lat = from_wgs84(wgs_lon, wgs_lat, "BD-09")
    assert (bd_lon, bd_lat) == pytest.approx((116.41036949371029, 39.92133699351021), abs=1e-9)


def test_bd09_inverse_is_iterated_not_one_step() -> None:
    # The one-step BD-09 -> GCJ-02 (as published: 116.39762729119315, 39.90865673957631) is ~0.05 m off;
    # the iterated inverse is within that of it and maps back onto the input exactly.
    lon, lat = to_wgs84(116.404, 39.915, "BD-09")
    gcj_lon, gcj_lat = from_wgs84(lon, lat, "GCJ-02")
    assert (gcj_lon, gcj_lat) == pytest.approx((116.39762729119315, 39.90865673957631), abs=1e-6)
    back = from_wgs84(lon, lat, "BD-09")
    assert back == pytest.approx((116.404, 39.915), abs=1e-9)


def test_gcj02_inverse_is_far_better_than_the_one_step_one() -> None:
    # wandergis's one-step GCJ-02 -> WGS-84 gives (116.39775550083061, 39.91359571849836): ~0.5 m off.
    lon, lat = to_wgs84(116.404, 39.915, "GCJ-02")
    assert abs(lon - 116.39775550083061) > 1e-7
    assert from_wgs84(lon, lat, "GCJ-02") == pytest.approx((116.404, 39.915), abs=1e-9)


@pytest.mark.parametrize("crs", ["GCJ-02", "BD-09"])
def test_round_trips_around_hefei_within_a_millimetre(crs: str) -> None:
    lon, lat = to_wgs84(HEFEI_LON, HEFEI_LAT, crs)
    x, y = from_wgs84(lon, lat, crs)
    assert np.abs(x - HEFEI_LON).max() < 1e-8
    assert np.abs(y - HEFEI_LAT).max() < 1e-8
    # And the other way round.
    x, y = from_wgs84(HEFEI_LON, HEFEI_LAT, crs)
    lon, lat = to_wgs84(x, y, crs)
    assert np.abs(lon - HEFEI_LON).max() < 1e-8
    assert np.abs(lat - HEFEI_LAT).max() < 1e-8


def test_gcj02_shift_near_hefei_is_hundreds_of_metres() -> None:
    x, y = from_wgs84(HEFEI_LON, HEFEI_LAT, "GCJ-02")
    metres = np.hypot((x - HEFEI_LON) * 111_320 * np.cos(np.radians(HEFEI_LAT)), (y - HEFEI_LAT) * 110_574)
    assert metres.min() > 200
    assert metres.max() < 1_000


def test_outside_china_nothing_moves() -> None:
    lon = np.array([2.3522, -74.006, 139.6917, 151.2093, 100.0])
    lat = np.array([48.8566, 40.7128, 35.6895, -33.8688, 60.0])
    assert out_of_china(lon, lat).all()
    for crs in ("GCJ-02", "BD-09"):
        x, y = from_wgs84(lon, lat, crs)
        assert np.array_equal(x, lon) and np.array_equal(y, lat)
        x, y = to_wgs84(lon, lat, crs)
        assert np.array_equal(x, lon) and np.array_equal(y, lat)


def test_out_of_china_box_and_nan() -> None:
    assert out_of_china([117.25, 72.0, 137.9, 117.25, np.nan], [31.85, 31.85, 31.85, 0.5, 31.85]).tolist() == [
        False,
        True,
        True,
        True,
        True,
    ]


def test_nan_stays_nan() -> None:
    lon, lat = to_wgs84([np.nan, 117.25], [31.85, 31.85], "BD-09")
    assert np.isnan(lon[0]) and np.isfinite(lon[1])
    assert np.isfinite(lat).all()


def test_cgcs2000_is_taken_as_wgs84() -> None:
    lon, lat = to_wgs84([117.25], [31.85], "CGCS2000")
    assert lon.tolist() == [117.25] and lat.tolist() == [31.85]


def test_projected_cgcs2000_zone_goes_through_pyproj_and_back() -> None:
    x, y = from_wgs84(117.25, 31.85, "EPSG:4549")
    expected = Transformer.from_crs("EPSG:4490", "EPSG:4549", always_xy=True).transform(117.25, 31.85)
    assert (x, y) == pytest.approx(expected, abs=1e-6)
    assert 230_000 < x < 250_000  # 2.75° west of the 120°E central meridian, false easting 500 km
    lon, lat = to_wgs84(x, y, "4549")
    assert (lon, lat) == pytest.approx((117.25, 31.85), abs=1e-9)


def test_web_mercator_goes_through_pyproj() -> None:
    x, y = from_wgs84([117.25], [31.85], "EPSG:3857")
    assert x[0] == pytest.approx(np.radians(117.25) * 6_378_137.0, abs=1e-3)
    lon, lat = to_wgs84(x, y, "epsg:3857")
    assert (lon[0], lat[0]) == pytest.approx((117.25, 31.85), abs=1e-9)


@pytest.mark.parametrize("crs", ["GCJ-02", "BD-09"])
def test_large_arrays_convert_in_blocks_as_point_by_point(crs: str) -> None:
    # more points than one block, of a size no block count divides; NaN and points abroad in the mix. A block
    # iterates the inverse until its slowest point converges, so single points agree to its tolerance (1e-9°).
    from core import coords

    n = 2 * coords._BLOCK + 123
    rng = np.random.default_rng(7)
    lon = 117.25 + rng.normal(0, 0.2, n)
    lat = 31.85 + rng.normal(0, 0.2, n)
    lon[[5, coords._BLOCK, n - 1]] = [np.nan, 2.35, 121.47]
    lat[[5, coords._BLOCK, n - 1]] = [31.8, 48.86, np.nan]
    grid = (lon.reshape(1, -1), lat.reshape(1, -1))  # any shape: blocks run over the flattened points
    wgs_lon, wgs_lat = to_wgs84(*grid, crs)
    assert wgs_lon.shape == (1, n)
    for i in [0, 5, coords._BLOCK - 1, coords._BLOCK, coords._BLOCK + 1, n - 2, n - 1]:
        one_lon, one_lat = to_wgs84(lon[i : i + 1], lat[i : i + 1], crs)
        np.testing.assert_allclose([wgs_lon[0, i], wgs_lat[0, i]], [one_lon[0], one_lat[0]], rtol=0, atol=1e-9)
    back_lon, back_lat = from_wgs84(wgs_lon.ravel(), wgs_lat.ravel(), crs)
    located = ~np.isnan(lon) & ~np.isnan(lat)
    assert np.abs(back_lon - lon)[located].max() < 1e-8
    assert np.abs(back_lat - lat)[located].max() < 1e-8
    assert (wgs_lon[0, coords._BLOCK], wgs_lat[0, coords._BLOCK]) == (2.35, 48.86)  # Paris does not move


def test_shapes_must_match() -> None:
    with pytest.raises(ValueError, match=r"same shape"):
        to_wgs84([1.0, 2.0], [1.0], "GCJ-02")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("wgs84", "EPSG:4326"),
        ("WGS-84", "EPSG:4326"),
        ("WGS 84", "EPSG:4326"),
        ("4326", "EPSG:4326"),
        (4326, "EPSG:4326"),
        ("EPSG:4326", "EPSG:4326"),
        ("epsg:4326", "EPSG:4326"),
        ("CGCS2000", "EPSG:4490"),
        ("EPSG:4490", "EPSG:4490"),
        ("gcj02", "GCJ-02"),
        ("GCJ-02", "GCJ-02"),
        ("amap", "GCJ-02"),
        ("bd09", "BD-09"),
        ("BD-09", "BD-09"),
        ("baidu", "BD-09"),
        ("EPSG:4549", "EPSG:4549"),
        ("4549", "EPSG:4549"),
        ("EPSG:32650", "EPSG:32650"),
    ],
)
def test_normalise_crs_aliases(given: str | int, expected: str) -> None:
    assert normalise_crs(given) == expected


@pytest.mark.parametrize("bad", ["mars", "EPSG:99999", "", "gcj03"])
def test_normalise_crs_error_names_the_value_and_the_accepted_forms(bad: str) -> None:
    with pytest.raises(ValueError, match="unknown coordinate system") as info:
        normalise_crs(bad)
    message = str(info.value)
    assert repr(bad) in message
    for form in ("EPSG:4326", "CGCS2000", "GCJ-02", "BD-09", "EPSG code"):
        assert form in message


@pytest.mark.parametrize(
    ("crs", "expected"),
    [("GCJ-02", True), ("BD-09", True), ("EPSG:4326", True), ("CGCS2000", True), ("EPSG:4549", False)],
)
def test_is_geographic(crs: str, expected: bool) -> None:
    assert is_geographic(crs) is expected

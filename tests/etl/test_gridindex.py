"""GridIndex: exact labels on hand-made polygons, boundary rules, and agreement with shapely at scale."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely import MultiPolygon, Point, Polygon, box

from benchmarks.synthetic import realistic_polygons
from etl.gridindex import PARALLEL_MIN, GridIndex, parallel_spans


def _lookup(polygons: list[object], labels: list[int], points: list[tuple[float, float]], **kw: int) -> list[int]:
    index = GridIndex.build(np.array(polygons, dtype=object), np.array(labels), **kw)
    xy = np.array(points, dtype=float)
    return index.lookup(xy[:, 0], xy[:, 1]).tolist()


def test_two_adjacent_squares() -> None:
    west, east = box(0, 0, 1, 1), box(1, 0, 2, 1)
    points = [(0.5, 0.5), (1.5, 0.5), (0.999999, 0.2), (1.000001, 0.2), (2.5, 0.5)]
    assert _lookup([west, east], [10, 20], points) == [10, 20, 10, 20, -1]


def test_l_shape_notch_is_outside() -> None:
    ell = Polygon([(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)])
    points = [(0.5, 0.5), (1.5, 0.5), (0.5, 1.5), (1.5, 1.5), (1.01, 1.01), (0.99, 1.99)]
    assert _lookup([ell], [3], points) == [3, 3, 3, -1, -1, 3]


def test_hole_is_not_inside_and_an_island_in_it_is_its_own() -> None:
    ring = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (3, 1), (3, 3), (1, 3)]])
    island = box(1.5, 1.5, 2.5, 2.5)
    points = [(0.5, 0.5), (3.5, 2.0), (1.2, 1.2), (2.8, 2.0), (2.0, 2.0), (2.49, 1.51)]
    assert _lookup([ring, island], [5, 6], points) == [5, 5, -1, -1, 6, 6]


def test_multipolygon_with_two_parts() -> None:
    twin = MultiPolygon([box(0, 0, 1, 1), box(3, 3, 4, 4)])
    between = box(1.5, 0, 2.5, 1)
    points = [(0.5, 0.5), (3.5, 3.5), (2.0, 0.5), (2.0, 2.0), (3.5, 0.5)]
    assert _lookup([twin, between], [7, 8], points) == [7, 7, 8, -1, -1]


def test_clockwise_input_works_the_same() -> None:
    clockwise = Polygon([(0, 0), (0, 1), (1, 1), (1, 0)], [[(0.25, 0.25), (0.75, 0.25), (0.75, 0.75), (0.25, 0.75)]])
    assert _lookup([clockwise], [1], [(0.1, 0.1), (0.5, 0.5), (0.9, 0.5)]) == [1, -1, 1]


def test_points_outside_the_extent_and_nan() -> None:
    points = [(-5.0, 0.5), (0.5, 100.0), (1e300, 1e300), (-np.inf, 0.5), (np.nan, 0.5), (0.5, np.nan)]
    assert _lookup([box(0, 0, 1, 1)], [1], points) == [-1] * 6


def test_points_on_shared_edges_and_vertices_go_to_the_lowest_numbered_polygon() -> None:
    # A 2 x 2 block of unit squares; the centre vertex (1, 1) touches all four.
    squares = [box(1, 1, 2, 2), box(0, 1, 1, 2), box(0, 0, 1, 1), box(1, 0, 2, 1)]
    labels = [41, 42, 43, 44]
    points = [(1.0, 1.0), (1.0, 0.5), (1.0, 1.5), (0.5, 1.0), (1.5, 1.0), (0.0, 0.0), (2.0, 2.0), (0.0, 0.5)]
    touching = [{41, 42, 43, 44}, {43, 44}, {41, 42}, {42, 43}, {41, 44}, {43}, {41}, {43}]
    got = _lookup(squares, labels, points)
    assert all(label in allowed for label, allowed in zip(got, touching, strict=True))
    # The rule: lowest position in the input wins.
    assert got == [41, 43, 41, 42, 41, 43, 41, 43]
    # Deterministic: the same answer for another point order and another table resolution.
    assert _lookup(squares, labels, points[::-1], cells=50_000)[::-1] == got
    # Reversing the input order changes the winner on shared boundaries only.
    assert _lookup(squares[::-1], labels[::-1], points) == [44, 44, 42, 43, 44, 43, 41, 43]


def test_overlapping_polygons_still_get_an_exact_answer() -> None:
    # The contract says polygons do not overlap; if they do, the lowest-numbered one wins, exactly.
    first, second = box(0, 0, 2, 2), box(1, 1, 3, 3)
    points = [(0.5, 0.5), (1.5, 1.5), (2.5, 2.5), (1.999, 1.001), (2.001, 1.001), (3.5, 0.5)]
    assert _lookup([first, second], [1, 2], points) == [1, 1, 2, 1, 2, -1]
    assert _lookup([second, first], [2, 1], points) == [1, 2, 2, 2, 2, -1]


def test_polygon_inside_another_still_gets_an_exact_answer() -> None:
    # Cells crossed only by the inner polygon's boundary must still offer the outer polygon as a candidate.
    outer, inner = box(0, 0, 4, 4), box(1, 1, 3, 3)
    offsets = np.array([-0.03, -0.01, -0.001, 0.001, 0.01, 0.03])
    x = np.concatenate([1 + offsets, 3 + offsets, np.full(6, 2.0), np.full(6, 2.0)])
    y = np.concatenate([np.full(6, 2.0), np.full(6, 2.0), 1 + offsets, 3 + offsets])
    points = list(zip(x, y, strict=True))
    assert _lookup([outer, inner], [1, 2], points) == [1] * 24
    in_inner = (x > 1) & (x < 3) & (y > 1) & (y < 3)
    assert _lookup([inner, outer], [2, 1], points) == np.where(in_inner, 2, 1).tolist()


def test_result_keeps_the_input_shape() -> None:
    index = GridIndex.build([box(0, 0, 1, 1)], [9])
    lon = np.array([[0.5, 2.0], [0.1, 0.9]])
    assert index.lookup(lon, np.full((2, 2), 0.5)).tolist() == [[9, -1], [9, 9]]
    assert index.lookup([], []).tolist() == []


def test_no_polygons() -> None:
    index = GridIndex.build(np.array([], dtype=object), np.array([], dtype=np.int64))
    assert index.lookup([0.0, 1.0], [0.0, 1.0]).tolist() == [-1, -1]


@pytest.mark.parametrize(
    ("polygons", "labels", "message"),
    [
        ([box(0, 0, 1, 1), Point(0, 0)], [1, 2], r"polygons\[1\] is .*POINT.*expected a shapely Polygon"),
        ([None], [1], r"polygons\[0\] is None"),
        ([Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])], [1], r"polygons\[0\] is invalid \(Self-intersection"),
        ([box(0, 0, 1, 1)], [1, 2], r"equal length"),
        ([box(0, 0, 1, 1)], ["a"], r"labels must be integers"),
    ],
)
def test_build_rejects_bad_input(polygons: list[object], labels: list[object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GridIndex.build(np.array(polygons, dtype=object), np.array(labels))


def _reference(polygons: np.ndarray, labels: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """shapely's answer: label of the polygon a point is within, -1 for none."""
    point, poly = shapely.STRtree(polygons).query(shapely.points(x, y), predicate="within")
    out = np.full(len(x), -1)
    out[point] = labels[poly]
    return out


@pytest.fixture(scope="module")
def wiggly() -> tuple[np.ndarray, np.ndarray]:
    polygons = realistic_polygons(200, seed=11, vertices_per_edge=30)
    labels = np.arange(len(polygons)) * 3 + 1000
    return polygons, labels


def test_a_lookup_split_over_threads_answers_as_one_thread(wiggly: tuple[np.ndarray, np.ndarray], monkeypatch) -> None:
    polygons, labels = wiggly
    index = GridIndex.build(polygons, labels)
    rng = np.random.default_rng(8)
    minx, miny, maxx, maxy = shapely.total_bounds(polygons)
    n = 2 * PARALLEL_MIN + 7  # two parts of unequal length
    x, y = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)
    x[::1000] = np.nan
    # vertices (on boundaries, resolved by GEOS) in both halves
    vertices = shapely.get_coordinates(polygons)[::50]
    x[1 : 1 + len(vertices)], y[1 : 1 + len(vertices)] = vertices[:, 0], vertices[:, 1]
    x[-len(vertices) :], y[-len(vertices) :] = vertices[:, 0], vertices[:, 1]
    one = index.lookup(x, y)
    parts: list[int] = []
    real = GridIndex._lookup_into
    monkeypatch.setattr(
        GridIndex, "_lookup_into", lambda self, x, y, out: parts.append(len(x)) or real(self, x, y, out)
    )
    assert np.array_equal(index.lookup(x, y, workers=2), one)
    assert parts == [n // 2, n - n // 2]
    assert parallel_spans(n, 2) == [slice(0, n // 2), slice(n // 2, n)]
    assert parallel_spans(2 * PARALLEL_MIN - 1, 8) == [slice(0, 2 * PARALLEL_MIN - 1)]
    assert parallel_spans(0, 2) == [slice(0, 0)]
    assert np.array_equal(index.lookup(x, y, workers=3), one)  # three parts of PARALLEL_MIN or more: two
    assert np.array_equal(index.lookup(x[:100], y[:100], workers=2), one[:100])  # too few to split
    assert (one >= 0).mean() > 0.5 and (one[1 : 1 + len(vertices)] >= 0).all()


@pytest.mark.parametrize("cells", [None, 20_000, 4_000_000])
def test_random_points_agree_with_shapely_within(wiggly: tuple[np.ndarray, np.ndarray], cells: int | None) -> None:
    polygons, labels = wiggly
    rng = np.random.default_rng(5)
    minx, miny, maxx, maxy = shapely.total_bounds(polygons)
    pad = 0.05 * (maxx - minx)
    x = rng.uniform(minx - pad, maxx + pad, 100_000)
    y = rng.uniform(miny - pad, maxy + pad, 100_000)
    index = GridIndex.build(polygons, labels, cells=cells)
    got = index.lookup(x, y)
    expected = _reference(polygons, labels, x, y)
    differ = got != expected
    # Only a point exactly on a boundary may differ (within excludes it, the index assigns it).
    on_boundary = shapely.intersects_xy(shapely.union_all(shapely.boundary(polygons)), x[differ], y[differ])
    assert on_boundary.all()
    assert differ.sum() <= 2
    assert 0.5 < (got >= 0).mean() < 1.0


def test_points_on_cell_borders_agree_with_shapely(wiggly: tuple[np.ndarray, np.ndarray]) -> None:
    # Points exactly on the table's cell borders and corners: where rounding would bite.
    polygons, labels = wiggly
    index = GridIndex.build(polygons, labels, cells=40_000)
    rng = np.random.default_rng(6)
    col = rng.integers(0, index.ncols + 1, 50_000)
    row = rng.integers(0, index.nrows + 1, 50_000)
    x = index.x0 + col / index.inv_cell
    y = index.y0 + row / index.inv_cell
    y[::2] += rng.uniform(0, 1 / index.inv_cell, 25_000)  # half on vertical borders only
    got = index.lookup(x, y)
    expected = _reference(polygons, labels, x, y)
    differ = got != expected
    assert shapely.intersects_xy(shapely.union_all(shapely.boundary(polygons)), x[differ], y[differ]).all()


def _lowest_covering(polygons: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Position of the lowest-numbered polygon whose closure contains each point, len(polygons) for none."""
    point, poly = shapely.STRtree(polygons).query(shapely.points(x, y), predicate="intersects")
    lowest = np.full(len(x), len(polygons))
    np.minimum.at(lowest, point, poly)
    return lowest


@pytest.mark.parametrize("order", [[0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1]])
def test_edges_lying_exactly_on_cell_borders(order: list[int]) -> None:
    # The table's cells depend only on the extent and the polygon count: find where a border falls near
    # (5, 5), then split the square there so the shared edges run exactly along cell borders.
    def quads(xm: float, ym: float) -> np.ndarray:
        cut = [box(0, 0, xm, ym), box(xm, 0, 10, ym), box(0, ym, xm, 10), box(xm, ym, 10, 10)]
        return np.array([cut[i] for i in order], dtype=object)

    labels = np.array(order) + 100
    probe = GridIndex.build(quads(5, 5), labels)
    xm = probe.x0 + round((5 - probe.x0) * probe.inv_cell) / probe.inv_cell
    ym = probe.y0 + round((5 - probe.y0) * probe.inv_cell) / probe.inv_cell
    polygons = quads(xm, ym)
    index = GridIndex.build(polygons, labels)
    assert (index.x0, index.y0, index.inv_cell) == (probe.x0, probe.y0, probe.inv_cell)
    rng = np.random.default_rng(9)
    along = rng.uniform(0, 10, 2_000)
    off = np.tile([0.0, -1e-12, 1e-12], 334)[:1_000]  # on the edge, and a hair either side
    x = np.concatenate([along[:1_000], xm + off, [xm]])
    y = np.concatenate([ym + off, along[1_000:], [ym]])
    got = index.lookup(x, y)
    assert np.array_equal(got, labels[_lowest_covering(polygons, x, y)])


def test_polygon_vertices_go_to_the_lowest_numbered_polygon_touching_them(
    wiggly: tuple[np.ndarray, np.ndarray],
) -> None:
    polygons, labels = wiggly
    vertices = shapely.get_coordinates(polygons)
    vertices = vertices[np.random.default_rng(8).choice(len(vertices), 5_000, replace=False)]
    x, y = vertices[:, 0], vertices[:, 1]
    got = GridIndex.build(polygons, labels).lookup(x, y)
    lowest = _lowest_covering(polygons, x, y)
    assert (lowest < len(polygons)).all()
    assert np.array_equal(got, labels[lowest])


def test_pickled_index_is_compact_and_answers_the_same() -> None:
    import pickle

    polygons = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(0, 1, 2, 2)], dtype=object)
    index = GridIndex.build(polygons, np.array([7, 8, 9]))
    restored = pickle.loads(pickle.dumps(index))
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(-0.5, 2.5, 5000), rng.uniform(-0.5, 2.5, 5000)
    assert np.array_equal(restored.lookup(lon, lat), index.lookup(lon, lat))
    assert np.array_equal(restored.table, index.table)
    assert np.array_equal(restored.amb_offsets, index.amb_offsets)
    assert len(pickle.dumps(index)) < index.table.nbytes


def _corner_cases() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A ring with a hole and an island in it, a diamond (vertices at local extremes), a two-part polygon."""
    ring = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (3, 1), (3, 3), (1, 3)]])
    island = box(1.5, 1.5, 2.5, 2.5)
    diamond = Polygon([(6, 0), (7, 1), (6, 2), (5, 1)])
    twin = MultiPolygon([box(0, 5, 1, 6), box(3, 5, 4, 6)])
    polygons = np.array([ring, island, diamond, twin], dtype=object)
    # on edges (horizontal, vertical, slanted), at vertices (the diamond's top and sides), on the hole's and
    # the island's boundaries, a hair inside and outside, in the hole, between the twin's parts
    x = np.array([2, 4, 0, 1, 2, 3, 1.5, 2, 6, 7, 5, 6.5, 6.5, 6.5 + 1e-12, 0.5, 3.5, 2, 2, 1 - 1e-13, 1 + 1e-13])
    y = np.array([0, 2, 4, 2, 1, 3, 2, 2.5, 2, 1, 1, 0.5, 1.5, 1.5, 5, 6, 5.5, 1.25, 2, 2])
    return polygons, np.array([10, 20, 30, 40]), x, y


def test_points_on_boundaries_of_holes_islands_diamonds_and_parts() -> None:
    polygons, labels, x, y = _corner_cases()
    got = GridIndex.build(polygons, labels).lookup(x, y)
    assert np.array_equal(got, np.append(labels, -1)[_lowest_covering(polygons, x, y)])
    assert got.tolist() == [10, 10, 10, 10, 10, 10, 20, 20, 30, 30, 30, 30, 30, -1, 40, 40, -1, -1, 10, -1]


def test_stored_index_reads_back_and_answers_the_same() -> None:
    polygons, labels, x, y = _corner_cases()
    index = GridIndex.build(polygons, labels, cells=900)
    restored = GridIndex.from_bytes(index.to_bytes())
    rng = np.random.default_rng(4)
    lon, lat = np.concatenate([x, rng.uniform(-1, 8, 20_000)]), np.concatenate([y, rng.uniform(-1, 7, 20_000)])
    assert np.array_equal(restored.lookup(lon, lat), index.lookup(lon, lat))
    for name in ("table", "amb_cells", "amb_offsets", "amb_polygons", "band_keys", "band_offsets", "band_edges"):
        assert np.array_equal(getattr(restored, name), getattr(index, name)), name
    assert np.array_equal(restored.xs, index.xs) and np.array_equal(restored.ys, index.ys)
    assert (restored.x0, restored.y0, restored.inv_cell) == (index.x0, index.y0, index.inv_cell)
    assert shapely.equals(restored.polygons, shapely.orient_polygons(polygons, exterior_cw=False)).all()


def test_empty_index_reads_back() -> None:
    index = GridIndex.build(np.array([], dtype=object), np.array([], dtype=np.int64))
    assert GridIndex.from_bytes(index.to_bytes()).lookup([0.0], [0.0]).tolist() == [-1]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"\x80\x05K\x01.", "not a GridIndex payload"),  # a pickle, like the indexes stored before
        (b"PK\x03\x04" + bytes(40), "not a GridIndex payload"),  # an .npz
        (b"ONEMAPGI" + (17).to_bytes(8, "little") + b'{"format": "x"}  ', "format 'x'; expected"),
    ],
)
def test_other_payloads_are_refused(payload: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GridIndex.from_bytes(payload)


def test_truncated_payload_is_refused() -> None:
    payload = GridIndex.build([box(0, 0, 1, 1)], [1]).to_bytes()
    with pytest.raises(ValueError):
        GridIndex.from_bytes(payload[:-200])


def test_only_points_on_a_boundary_reach_geos(wiggly: tuple[np.ndarray, np.ndarray], monkeypatch) -> None:
    polygons, labels = wiggly
    index = GridIndex.from_bytes(GridIndex.build(polygons, labels).to_bytes())
    tested: list[int] = []
    real = shapely.intersects_xy

    def counting(geometry: object, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        tested.append(len(x))
        return real(geometry, x, y)

    monkeypatch.setattr(shapely, "intersects_xy", counting)
    rng = np.random.default_rng(12)
    minx, miny, maxx, maxy = shapely.total_bounds(polygons)
    x, y = rng.uniform(minx, maxx, 100_000), rng.uniform(miny, maxy, 100_000)
    got = index.lookup(x, y)
    assert sum(tested) == 0  # decided by the crossing count alone
    assert "polygons" not in index.__dict__  # and nothing was decoded
    expected = _reference(polygons, labels, x, y)
    assert np.array_equal(got, expected)
    vertices = shapely.get_coordinates(polygons)[::37]
    got = index.lookup(vertices[:, 0], vertices[:, 1])
    lowest = _lowest_covering(polygons, vertices[:, 0], vertices[:, 1])
    assert np.array_equal(got, labels[lowest])
    # A vertex on the boundary of the polygon that gets it is too close to call without GEOS. (A few lie
    # strictly inside a lower-numbered neighbour, by floating-point noise: that one settles them.)
    on_edge = shapely.intersects_xy(shapely.boundary(polygons[lowest]), vertices[:, 0], vertices[:, 1])
    assert on_edge.mean() > 0.9
    assert sum(tested) >= on_edge.sum()


@pytest.mark.parametrize("origin", [(-70.9, -33.4), (-0.5, -0.5), (1e-300, 0.0)])
def test_stored_coordinates_are_exact_anywhere(origin: tuple[float, float]) -> None:
    # Coordinates are stored as bit-pattern differences: signs, zero and tiny values must survive exactly.
    x, y = origin
    polygons = np.array([box(x, y, x + 1, y + 1), box(x + 1, y, x + 1.5 + 1e-9, y + 1 / 3)], dtype=object)
    index = GridIndex.build(polygons, np.array([1, 2]))
    restored = GridIndex.from_bytes(index.to_bytes())
    assert restored.xs.tobytes() == index.xs.tobytes() and restored.ys.tobytes() == index.ys.tobytes()
    probe_x, probe_y = np.array([x + 0.5, x + 1.2, x + 1.0, x - 1]), np.array([y + 0.5, y + 0.1, y + 0.2, y])
    assert restored.lookup(probe_x, probe_y).tolist() == [1, 2, 1, -1]

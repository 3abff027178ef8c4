"""Polygon repair notes and orientation, and geodesic area."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely import GeometryCollection, LineString, MultiPolygon, Point, Polygon

from etl.geometry import geodesic_area_km2, repair_polygons

SQUARE_CCW = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
SQUARE_CW = Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])
BOW_TIE = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])


def _all_oriented(geoms: np.ndarray) -> bool:
    parts = shapely.get_parts(geoms)
    exteriors = shapely.get_exterior_ring(parts)
    holes = shapely.get_parts(shapely.get_rings(parts))  # exterior and holes
    n_holes = shapely.get_num_interior_rings(parts).sum()
    ccw = shapely.is_ccw(holes)
    return bool(shapely.is_ccw(exteriors).all() and (len(holes) - ccw.sum()) == n_holes)


def test_bow_tie_is_repaired_with_a_note() -> None:
    out, notes = repair_polygons([BOW_TIE])
    assert notes.tolist() == ["invalid (Self-intersection); repaired"]
    assert shapely.is_valid(out[0])
    assert out[0].geom_type == "MultiPolygon"
    assert out[0].area == pytest.approx(0.5)
    assert _all_oriented(out)


def test_clockwise_square_is_reoriented_keeping_its_area() -> None:
    out, notes = repair_polygons(np.array([SQUARE_CW], dtype=object))
    assert notes.tolist() == ["clockwise exterior; reoriented"]
    assert out[0].exterior.is_ccw
    assert out[0].area == SQUARE_CW.area == 1.0
    assert out[0].equals(SQUARE_CW)


def test_valid_counter_clockwise_polygon_is_untouched() -> None:
    out, notes = repair_polygons([SQUARE_CCW])
    assert out[0] is SQUARE_CCW
    assert notes.tolist() == [None]


def test_counter_clockwise_hole_is_reoriented() -> None:
    with_hole = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (2, 1), (2, 2), (1, 2)]])
    out, notes = repair_polygons([with_hole])
    assert notes.tolist() == ["counter-clockwise hole; reoriented"]
    assert not out[0].interiors[0].is_ccw
    assert out[0].area == 15.0


def test_multipolygons_mixed_with_polygons() -> None:
    multi_cw_part = MultiPolygon([SQUARE_CCW, shapely.affinity.translate(SQUARE_CW, 3)])
    multi_ok = MultiPolygon([SQUARE_CCW, shapely.affinity.translate(SQUARE_CCW, 5)])
    geoms = [SQUARE_CCW, multi_cw_part, SQUARE_CW, multi_ok]
    out, notes = repair_polygons(geoms)
    assert notes.tolist() == [None, "clockwise exterior; reoriented", "clockwise exterior; reoriented", None]
    assert [g.geom_type for g in out] == ["Polygon", "MultiPolygon", "Polygon", "MultiPolygon"]
    assert out[0] is SQUARE_CCW and out[3] is multi_ok
    assert _all_oriented(out)
    assert shapely.area(out).tolist() == [1.0, 2.0, 1.0, 2.0]


def test_unusable_geometries_become_none_with_a_note() -> None:
    spike = Polygon([(0, 0), (1, 1), (2, 2), (0, 0)])  # collapses to a line
    geoms = [None, Polygon(), Point(1, 2), LineString([(0, 0), (1, 1)]), spike]
    out, notes = repair_polygons(geoms)
    assert out.tolist() == [None] * 5
    assert notes.tolist() == [
        "missing geometry",
        "empty geometry",
        "not a polygon (Point)",
        "not a polygon (LineString)",
        "invalid (Self-intersection); no area left after repair",
    ]


def test_geometry_collection_keeps_its_polygons() -> None:
    collection = GeometryCollection([SQUARE_CW, LineString([(0, 0), (5, 5)]), Point(9, 9)])
    out, notes = repair_polygons([collection])
    assert notes.tolist() == ["GeometryCollection; polygonal parts kept"]
    assert out[0].geom_type == "Polygon" and out[0].exterior.is_ccw and out[0].area == 1.0


def test_one_square_kilometre_near_hefei() -> None:
    # A 1 km x 1 km square in a transverse Mercator projection centred on it (scale error ~1e-8).
    local = "+proj=tmerc +lon_0=117.25 +lat_0=31.85 +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m"
    to_lonlat = Transformer.from_crs(local, "EPSG:4326", always_xy=True)
    ring = shapely.segmentize(shapely.box(0, 0, 1_000, 1_000), 50)
    square = shapely.transform(ring, lambda xy: np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1])))
    area = geodesic_area_km2([square])
    assert area[0] == pytest.approx(1.0, rel=0.005)
    assert area[0] == pytest.approx(1.0, rel=1e-4)


def test_geodesic_area_ignores_orientation_and_subtracts_holes() -> None:
    outer = shapely.box(117.2, 31.8, 117.3, 31.9)
    hole = shapely.box(117.22, 31.82, 117.24, 31.84)
    with_hole = Polygon(outer.exterior.coords, [hole.exterior.coords])
    area = geodesic_area_km2([outer, shapely.reverse(outer), with_hole, hole, None])
    assert area[0] == pytest.approx(area[1], rel=1e-12)
    assert area[2] == pytest.approx(area[0] - area[3], rel=1e-9)
    assert 104 < area[0] < 106  # 0.1° x 0.1° at 31.85°N: 9.46 km x 11.09 km
    assert np.isnan(area[4])

"""Map queries against the tiny database, with every expected number worked out by hand below.

The tiny database (``tiny_db.py``) gets what the map needs on top, in a copy of its own: coordinates,
follow-up answers and dictionaries for the May cases; cameras, alarms and facilities; the 2024 working
calendar; and eight June cases whose handling clocks exercise the deadline alerts.

May cases located for the map (t:6 has a grid but no coordinates; t:8 lies outside every grid):

| case | lon, lat        | street | community | satisfaction | closed on time          |
|------|-----------------|--------|-----------|--------------|-------------------------|
| t:1  | 117.110, 31.010 | east   | 一社区    | 满意         | yes (15:00 ≤ 05-02 09:00) |
| t:2  | 117.160, 31.050 | east   | 二社区    | 不满意       | no (handled 05-04 10:00, due 09:00) |
| t:3  | 117.111, 31.011 | east   | 一社区    |              | open, overdue since 05-11 |
| t:4  | 117.050, 31.050 | west   | 三社区    |              | open, due 2099          |
| t:5  | 117.051, 31.051 | west   | 三社区    | 基本满意     | yes                     |
| t:6  | —               | west   | 三社区    |              | rejected                |
| t:8  | 117.300, 31.050 | —      | —         |              | open                    |
| t:9  | 117.112, 31.012 | east   | 一社区    |              | handled late, awaiting closure |
| t:7  | 117.130, 31.050 | east   | 一社区    | (reported 04-28: outside May) |
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from tiny_db import EAST, MAY, PERIODS, SOURCES, WEST, as_read_from, build_tiny_db

import queries
from core import bins
from core.workcal import calendar_rows
from etl.schema import apply_schema
from queries import map_layers
from queries.db import LiveDatabase

AT = dt.datetime(2024, 5, 31, 23, 59)
JUNE = {"start": dt.date(2024, 6, 1), "end": dt.date(2024, 6, 30)}
#: Wednesday 2024-06-12 10:00; Monday 06-10 was the Dragon Boat Festival (端午节), a holiday.
AS_OF = dt.datetime(2024, 6, 12, 10, 0)
ONE, TWO, THREE = "340102001001", "340102001002", "340102002001"

_MAP_SQL = """
UPDATE cases SET lon = v.lon, lat = v.lat, satisfaction = v.satisfaction
FROM (VALUES ('t:1', 117.110, 31.010, '满意'), ('t:2', 117.160, 31.050, '不满意'), ('t:3', 117.111, 31.011, NULL),
             ('t:4', 117.050, 31.050, NULL), ('t:5', 117.051, 31.051, '基本满意'), ('t:7', 117.130, 31.050, NULL),
             ('t:8', 117.300, 31.050, NULL), ('t:9', 117.112, 31.012, NULL))
     AS v(case_uid, lon, lat, satisfaction)
WHERE cases.case_uid = v.case_uid;
UPDATE cases SET handled_at = TIMESTAMP '2024-05-04 10:00', contact_masked = '张*', address = '东街道一号',
                 description = '<script>alert(1)</script>'
WHERE case_uid = 't:2';
INSERT INTO category VALUES
    ('06010', 'GB/T 47678.5', '06', '市容环境', 'City appearance', '暴露垃圾', 'Exposed garbage'),
    ('06042', 'GB/T 47678.5', '06', '市容环境', 'City appearance', '垃圾满溢', 'Overflowing bins'),
    ('09005', 'GB/T 47678.5', '09', '街面秩序', 'Street order', '店外经营', 'Business outside shops'),
    ('09009', 'GB/T 47678.5', '09', '街面秩序', 'Street order', '机动车乱停放', 'Illegal parking');
INSERT INTO department (dept_code, name, kind) VALUES ('A', '城管局', 'functional'), ('B', '市场监管局', 'functional');
INSERT INTO camera_scene VALUES ('exposed_garbage', '暴露垃圾', 'Exposed garbage', '06010'),
                                ('illegal_parking', '机动车乱停放', 'Illegal parking', '09009');
INSERT INTO camera (camera_id, name, lon, lat, grid_l1, grid_l2, grid_l3, grid_code, outside_grid, scenes, run_id)
VALUES ('c1', '东街口', 117.15, 31.05, '340102', '340102001', '340102001002', '340102001002', false,
        'exposed_garbage,illegal_parking', 1),
       ('c2', '西街口', 117.05, 31.05, '340102', '340102002', '340102002001', '340102002001', false,
        'illegal_parking', 1);
INSERT INTO camera_event (source, event_id, camera_id, scene_code, captured_at, category_code, category_unmapped,
                          pushed, is_false_positive, run_id)
VALUES ('v', 'e1', 'c1', 'exposed_garbage', '2024-05-02 08:00', '06010', false, true, false, 1),
       ('v', 'e2', 'c1', 'exposed_garbage', '2024-05-03 08:00', '06010', false, true, false, 1),
       ('v', 'e3', 'c1', 'exposed_garbage', '2024-05-04 08:00', '06010', false, false, true, 1),
       ('v', 'e4', 'c1', 'illegal_parking', '2024-05-05 08:00', '09009', false, false, false, 1),
       ('v', 'e5', 'c2', 'illegal_parking', '2024-06-02 08:00', '09009', false, true, false, 1);
INSERT INTO facility (facility_id, kind, name, lon, lat, grid_l1, grid_l2, grid_code, outside_grid, service_radius_m,
                      run_id)
VALUES ('f1', 'service_station', '东街道党群服务中心', 117.15, 31.02, '340102', '340102001', '340102001', false,
        1000, 1),
       ('f2', 'school', '西街小学', 117.05, 31.02, '340102', '340102002', '340102002', false, 500, 1);
"""

# June cases for the deadline alerts, all open in 一社区 unless noted; "start" is the clock's start (dispatch,
# else registration, acceptance, report). Elapsed at AS_OF on the 2024 calendar (08–12, 14–18 working):
#   a:1 continuous 24 h from 06-11 09:00: 25 h → 25/24, past its deadline 06-12 09:00 → overdue
#   a:2 working 8 h from 06-11 14:00 (dispatch): Tue 4 h + Wed 2 h = 6 h → 0.75 → no alert at 0.8
#   a:3 working 8 h from 06-11 11:00 (dispatch): 1 + 4 + 2 = 7 h → 0.875, due Wed 11:00 → warning
#   a:4 working 2 days (16 h) from Fri 06-07 09:00: Fri 7 h + (Sat, Sun, holiday Mon) 0 + Tue 8 h + Wed 2 h = 17 h
#       → 17/16, due Wed 09:00 → overdue (with Monday worked it would be 25/16)
#   a:5 natural 7 days + 24 h extension from 06-05 10:00 (registration; reported 09:00): 168/192 = 0.875 → warning
#   a:6 as a:1 but handled; a:7 as a:1 but closed; a:8 as a:1 but without coordinates: never alerts
_ALERT_SQL = """
INSERT INTO cases BY NAME
SELECT v.*, 'test' AS source, v.case_uid AS source_id, 'patrol' AS channel, '06010' AS category_code,
       false AS category_unmapped, false AS coords_swapped, '340102' AS grid_l1, '340102001' AS grid_l2,
       '340102001001' AS grid_l3, false AS outside_grid, false AS is_urgent, false AS is_supervised,
       false AS is_overdue, 1 AS dispatch_count, 0 AS return_count, 0 AS rework_count, 0 AS row_hash, 1 AS run_id,
       TIMESTAMP '2024-06-12 10:00' AS loaded_at, 'A' AS dept_code
FROM (VALUES
    ('a:1', 'handling', 117.13, 31.03, '2024-06-11 09:00', NULL, NULL, NULL,
     'continuous_hours', 24.0, 0.0, '2024-06-12 09:00'),
    ('a:2', 'handling', 117.13, 31.03, '2024-06-11 08:30', NULL, '2024-06-11 14:00', NULL,
     'working_hours', 8.0, 0.0, '2024-06-12 12:00'),
    ('a:3', 'handling', 117.13, 31.03, '2024-06-11 10:00', NULL, '2024-06-11 11:00', NULL,
     'working_hours', 8.0, 0.0, '2024-06-12 11:00'),
    ('a:4', 'dispatched', 117.13, 31.03, '2024-06-07 08:00', NULL, '2024-06-07 09:00', NULL,
     'working_days', 2.0, 0.0, '2024-06-12 09:00'),
    ('a:5', 'handling', 117.13, 31.03, '2024-06-05 09:00', '2024-06-05 10:00', NULL, NULL,
     'natural_days', 7.0, 24.0, '2024-06-13 10:00'),
    ('a:6', 'handled', 117.13, 31.03, '2024-06-11 09:00', NULL, NULL, '2024-06-11 12:00',
     'continuous_hours', 24.0, 0.0, '2024-06-12 09:00'),
    ('a:7', 'closed', 117.13, 31.03, '2024-06-11 09:00', NULL, NULL, NULL,
     'continuous_hours', 24.0, 0.0, '2024-06-12 09:00'),
    ('a:8', 'handling', NULL, NULL, '2024-06-11 09:00', NULL, NULL, NULL,
     'continuous_hours', 24.0, 0.0, '2024-06-12 09:00')
) AS v(case_uid, status, lon, lat, reported_at, registered_at, dispatched_at, handled_at,
       handle_clock, handle_limit, extension_hours, handle_deadline)
"""


def build_map_db(path: Path) -> Path:
    """The tiny database plus the rows above, at ``path``."""
    build_tiny_db(path)
    with duckdb.connect(str(path)) as con:
        con.execute(_MAP_SQL)
        con.execute(_ALERT_SQL)
        con.register("days", calendar_rows(2024, 2024))
        con.execute("INSERT INTO work_calendar SELECT * FROM days")
    return path


@pytest.fixture(scope="module", params=SOURCES)
def map_path(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The map database, read from ``cases`` alone or with the rollups built: every test runs on both."""
    path = build_map_db(tmp_path_factory.mktemp("map") / "onemap.duckdb")
    return as_read_from(path, request.param)


@pytest.fixture
def con(map_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with LiveDatabase(map_path).cursor() as cursor:
        yield cursor


def test_map_queries_are_registered_for_the_cache() -> None:
    for query in map_layers.MAP_QUERIES:
        assert queries.QUERIES[query.__name__] is query


# ---------------------------------------------------------------- area_measures
MEASURES = [
    "cases",
    "per_1000",
    "per_km2",
    "closed",
    "closure_rate",
    "on_time_closure_rate",
    "overdue",
    "satisfaction_rate",
]


def test_area_measures_streets(con: duckdb.DuckDBPyConnection) -> None:
    frame = map_layers.area_measures(con, depth=2, at=AT, **MAY)
    assert list(frame.columns) == [
        "code",
        "name",
        "parent_code",
        "population",
        "area_km2",
        "geom_wkb",
        "label_lon",
        "label_lat",
        *MEASURES,
    ]
    # East: t:1 t:2 t:3 t:9; closed t:1 t:2, awaiting t:3 t:9; on time t:1 only; overdue t:3; satisfied 1 of 2.
    # West: t:4 t:5 t:6; closed t:5, awaiting t:4 (t:6 rejected: neither); on time t:5; satisfied 1 of 1.
    assert frame[["code", "name", "population", "area_km2"]].values.tolist() == [
        [EAST, "东街道", 18000, pytest.approx(100.0)],
        [WEST, "西街道", 12000, pytest.approx(100.0)],
    ]
    east, west = frame.to_dict("records")
    assert [east[m] for m in MEASURES] == pytest.approx([4, 4000 / 18000, 0.04, 2, 0.5, 0.25, 1, 0.5])
    assert [west[m] for m in MEASURES] == pytest.approx([3, 0.25, 0.03, 1, 0.5, 0.5, 0, 1.0])
    assert (east["label_lon"], east["label_lat"]) == pytest.approx((117.15, 31.05))


def test_area_measures_under_a_parent(con: duckdb.DuckDBPyConnection) -> None:
    frame = map_layers.area_measures(con, depth=3, parent=EAST, at=AT, **MAY)
    # 一社区: t:1 t:3 t:9 (t:7 was reported in April); 二社区: t:2. Rates NaN where nothing is due / no follow-up.
    assert frame[["code", "cases", "closed", "overdue"]].values.tolist() == [[ONE, 3, 1, 1], [TWO, 1, 1, 0]]
    assert frame["per_1000"].tolist() == pytest.approx([3000 / 9000, 1000 / 9000])
    assert frame["closure_rate"].tolist() == pytest.approx([1 / 3, 1.0])
    assert frame["on_time_closure_rate"].tolist() == pytest.approx([1 / 3, 0.0])
    assert frame["satisfaction_rate"].tolist()[0] == 1.0 and frame["satisfaction_rate"].tolist()[1] == 0.0
    west = map_layers.area_measures(con, depth=3, parent=WEST, at=AT, **MAY)
    assert west[["code", "cases"]].values.tolist() == [[THREE, 3]]


def test_area_measures_without_cases_or_population(con: duckdb.DuckDBPyConnection) -> None:
    frame = map_layers.area_measures(con, depth=2, at=AT, channel="hotline", start=dt.date(2024, 5, 5))
    assert frame["cases"].tolist() == [0, 0]
    for column in ("closure_rate", "on_time_closure_rate", "satisfaction_rate"):
        assert frame[column].isna().all(), column
    assert frame["per_1000"].tolist() == [0.0, 0.0]


def test_area_measures_valid_at_and_overdue_as_of(con: duckdb.DuckDBPyConnection) -> None:
    old = map_layers.area_measures(con, depth=2, at=dt.datetime(2023, 12, 31), **MAY)
    assert old[["name", "population"]].values.tolist() == [["东街道", 18000], ["西街道（旧）", 11000]]
    # On 05-10 18:00 t:3 (due 05-11 09:00) was not overdue yet.
    early = map_layers.area_measures(con, depth=2, at=AT, as_of=dt.datetime(2024, 5, 10, 18), **MAY)
    assert early["overdue"].tolist() == [0, 0]


def test_area_measures_use_the_case_filters(con: duckdb.DuckDBPyConnection) -> None:
    frame = map_layers.area_measures(con, depth=2, at=AT, category_major="09", **MAY)
    assert frame["cases"].tolist() == [0, 3]
    with pytest.raises(ValueError, match=r"unknown case filters \['district'\]"):
        map_layers.area_measures(con, depth=2, at=AT, district="x")
    with pytest.raises(ValueError, match="grid depth must be one of"):
        map_layers.area_measures(con, depth=9, at=AT)


# ---------------------------------------------------------------- points
def test_case_points_newest_first_within_the_limit(con: duckdb.DuckDBPyConnection) -> None:
    frame = map_layers.case_points(con, limit=3, **MAY)
    assert frame["case_uid"].tolist() == ["t:8", "t:5", "t:4"]  # t:6 (05-26) has no coordinates
    assert map_layers.case_count(con, **MAY)["cases"].tolist() == [7]
    assert len(map_layers.case_points(con, limit=100, **MAY)) == 7


def test_case_points_columns_and_names(con: duckdb.DuckDBPyConnection) -> None:
    frame = map_layers.case_points(con, limit=100, dept="A", **MAY).set_index("case_uid")
    assert list(frame.columns) == [
        "lon",
        "lat",
        "category_code",
        "category_name",
        "major_code",
        "major_name",
        "status",
        "status_name",
        "is_open",
        "channel_name",
        "reported_at",
        "address",
        "description",
        "dept_name",
        "incident_id",
        "incident_reports",
        "incident_channels",
    ]
    assert list(frame.index) == ["t:9", "t:3", "t:2", "t:1"]
    # no incident of several reports here: each report is its own incident
    assert frame["incident_reports"].tolist() == [1] * 4 and (frame["incident_id"] == frame.index).all()
    t2 = frame.loc["t:2"]
    assert (t2["category_name"], t2["major_name"], t2["status_name"], t2["channel_name"], t2["dept_name"]) == (
        "垃圾满溢",
        "市容环境",
        "已评价",
        "12345热线",
        "城管局",
    )
    assert t2["description"] == "<script>alert(1)</script>"  # raw here: the layer escapes it
    assert "张*" not in frame.to_string()  # contact data never leaves the database


def test_case_points_in_english(con: duckdb.DuckDBPyConnection) -> None:
    frame = map_layers.case_points(con, limit=1, lang="en", channel="hotline", **MAY)
    assert frame[["category_name", "major_name", "status_name", "channel_name"]].values.tolist() == [
        ["Overflowing bins", "City appearance", "Evaluated", "12345 hotline"]
    ]
    with pytest.raises(ValueError, match=r"lang must be one of \['en', 'zh'\], got 'fr'"):
        map_layers.case_points(con, limit=1, lang="fr")
    with pytest.raises(ValueError, match="limit must be a non-negative int"):
        map_layers.case_points(con, limit=-1)


# ---------------------------------------------------------------- bins
def _axial(lon: float, lat: float, size: float) -> tuple[int, int]:
    """Reference hexagon of a point, in plain Python: origin (117.1, 31.05), the grid table's centre."""
    kx = bins.M_PER_DEG_LON * math.cos(math.radians(31.05))
    x, y = (lon - 117.1) * kx, (lat - 31.05) * bins.M_PER_DEG_LAT
    fq, fr = (math.sqrt(3) / 3 * x - y / 3) / size, (2 / 3 * y) / size
    fs = -fq - fr
    q, r, s = round(fq), round(fr), round(fs)
    dq, dr, ds = abs(q - fq), abs(r - fr), abs(s - fs)
    if dq > dr and dq > ds:
        q = -r - s
    elif dr > ds:
        r = -q - s
    return q, r


def test_hex_bins_group_nearby_cases(con: duckdb.DuckDBPyConnection) -> None:
    frame = map_layers.hex_bins(con, size_m=1000, **MAY)
    assert list(frame.columns) == ["q", "r", "lon", "lat", "cases"]
    # t:1 t:3 t:9 lie within 300 m of each other, as do t:4 t:5: one hexagon each; t:2 and t:8 alone.
    assert sorted(frame["cases"].tolist()) == [1, 1, 2, 3]
    points = {"t:1": (117.110, 31.010), "t:2": (117.160, 31.050), "t:3": (117.111, 31.011)}
    points |= {"t:4": (117.050, 31.050), "t:5": (117.051, 31.051), "t:8": (117.300, 31.050)}
    points |= {"t:9": (117.112, 31.012)}
    expected: dict[tuple[int, int], int] = {}
    for lon, lat in points.values():
        cell = _axial(lon, lat, 1000)
        expected[cell] = expected.get(cell, 0) + 1
    assert {(q, r): n for q, r, n in frame[["q", "r", "cases"]].itertuples(index=False)} == expected
    assert _axial(*points["t:1"], 1000) == _axial(*points["t:9"], 1000) == _axial(*points["t:3"], 1000)
    assert _axial(*points["t:4"], 1000) == _axial(*points["t:5"], 1000)


def _cube_rounded(lon: np.ndarray, lat: np.ndarray, lon0: float, lat0: float, size: float) -> np.ndarray:
    """The textbook hexagon of each point: cube rounding of its fractional axial coordinates (q, r pairs)."""
    x = (lon - lon0) * bins.M_PER_DEG_LON * math.cos(math.radians(lat0))
    y = (lat - lat0) * bins.M_PER_DEG_LAT
    fq, fr = (math.sqrt(3) / 3 * x - y / 3) / size, (2 / 3 * y) / size
    fs = -fq - fr
    q, r, s = np.round(fq), np.round(fr), np.round(fs)
    dq, dr, ds = np.abs(q - fq), np.abs(r - fr), np.abs(s - fs)
    fix_q = (dq > dr) & (dq > ds)
    fix_r = ~fix_q & (dr > ds)
    return np.column_stack([np.where(fix_q, -r - s, q), np.where(fix_r, -q - s, r)]).astype(np.int64)


def test_hex_bins_match_cube_rounding_for_random_points(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    points = pd.DataFrame({"lon": rng.uniform(117.0, 117.2, 5000), "lat": rng.uniform(31.0, 31.1, 5000)})
    path = tmp_path / "random.duckdb"
    with duckdb.connect(str(path)) as con:
        apply_schema(con)
        con.register("points", points)
        con.execute(
            """INSERT INTO cases BY NAME
               SELECT 'r:' || row_number() OVER () AS case_uid, 'r' AS source, case_uid AS source_id,
                      'patrol' AS channel, false AS category_unmapped, false AS coords_swapped, lon, lat,
                      false AS outside_grid, TIMESTAMP '2024-05-01 09:00' AS reported_at, 'handling' AS status,
                      0.0 AS extension_hours, false AS is_urgent, false AS is_supervised, false AS is_overdue,
                      1 AS dispatch_count, 0 AS return_count, 0 AS rework_count, 0 AS row_hash, 1 AS run_id,
                      TIMESTAMP '2024-05-01 09:00' AS loaded_at
               FROM points"""
        )
    with duckdb.connect(str(path), read_only=True) as con:
        frame = map_layers.hex_bins(con, size_m=250)
    # No grids: the origin is the centre of the cases' extent.
    lon, lat = points["lon"].to_numpy(), points["lat"].to_numpy()
    cells = _cube_rounded(lon, lat, (lon.min() + lon.max()) / 2, (lat.min() + lat.max()) / 2, 250)
    unique, counts = np.unique(cells, axis=0, return_counts=True)
    expected = {(int(q), int(r)): int(n) for (q, r), n in zip(unique, counts, strict=True)}
    assert {(q, r): n for q, r, n in frame[["q", "r", "cases"]].itertuples(index=False)} == expected


def test_hex_bin_centres_are_within_a_hexagon_of_their_cases(con: duckdb.DuckDBPyConnection) -> None:
    frame = map_layers.hex_bins(con, size_m=1000, **MAY).set_index("cases")
    kx = bins.M_PER_DEG_LON * math.cos(math.radians(31.05))
    for members, centre in ((3, (117.111, 31.011)), (2, (117.0505, 31.0505))):
        lon, lat = frame.loc[members, ["lon", "lat"]]
        distance = math.hypot((lon - centre[0]) * kx, (lat - centre[1]) * bins.M_PER_DEG_LAT)
        assert distance < 1000


def test_hex_bin_centres_lie_on_the_lattice(con: duckdb.DuckDBPyConnection) -> None:
    frame = map_layers.hex_bins(con, size_m=500, **MAY)
    kx = bins.M_PER_DEG_LON * math.cos(math.radians(31.05))
    x = (frame["lon"] - 117.1) * kx
    y = (frame["lat"] - 31.05) * bins.M_PER_DEG_LAT
    assert np.allclose(x, 500 * math.sqrt(3) * (frame["q"] + frame["r"] / 2), atol=1e-6)
    assert np.allclose(y, 500 * 1.5 * frame["r"], atol=1e-6)


def test_heat_cells_count_cases_per_square(con: duckdb.DuckDBPyConnection) -> None:
    frame = map_layers.heat_cells(con, cell_m=1000, **MAY)
    assert list(frame.columns) == ["lon", "lat", "weight"]
    # x = (lon − 117.1) · 95 348 m (111 320 · cos 31.05°), y = (lat − 31.05) · 110 540, cells of 1 km:
    # t:1 x 953 → i 0 alone; t:3 x 1 049 and t:9 x 1 144 → i 1 (all three y −4 422 … −4 200 → j −5);
    # t:4 x −4 767 and t:5 x −4 672 → i −5, j 0; t:2 i 5, j 0; t:8 i 19, j 0.
    kx = bins.M_PER_DEG_LON * math.cos(math.radians(31.05))
    cells = {
        (int((lon - 117.1) * kx // 1000), int((lat - 31.05) * bins.M_PER_DEG_LAT // 1000)): weight
        for lon, lat, weight in frame.itertuples(index=False)
    }
    assert cells == {(0, -5): 1, (1, -5): 2, (-5, 0): 2, (5, 0): 1, (19, 0): 1}
    # Cell centres are half a cell from the cell's corner on the 1 km lattice around the origin.
    i = (frame["lon"] - 117.1) * kx / 1000 - 0.5
    j = (frame["lat"] - 31.05) * bins.M_PER_DEG_LAT / 1000 - 0.5
    assert np.allclose(i, i.round(), atol=1e-9) and np.allclose(j, j.round(), atol=1e-9)


def test_bins_of_nothing(con: duckdb.DuckDBPyConnection) -> None:
    assert map_layers.hex_bins(con, size_m=500, start=dt.date(2030, 1, 1)).empty
    assert map_layers.heat_cells(con, cell_m=500, start=dt.date(2030, 1, 1)).empty
    with pytest.raises(ValueError, match="size_m must be a positive number"):
        map_layers.hex_bins(con, size_m=0)


# ---------------------------------------------------------------- cameras and facilities
def test_cameras_and_facilities(con: duckdb.DuckDBPyConnection) -> None:
    assert map_layers.cameras(con)["camera_id"].tolist() == ["c1", "c2"]
    assert map_layers.cameras(con, area=WEST)[["camera_id", "name"]].values.tolist() == [["c2", "西街口"]]
    frame = map_layers.facilities(con)
    assert frame[["facility_id", "kind", "service_radius_m"]].values.tolist() == [
        ["f2", "school", 500.0],
        ["f1", "service_station", 1000.0],
    ]
    assert map_layers.facilities(con, area=EAST)["facility_id"].tolist() == ["f1"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (MAY, [["c1", "exposed_garbage", "暴露垃圾", 3, 1, 2], ["c1", "illegal_parking", "机动车乱停放", 1, 0, 0]]),
        (JUNE, [["c2", "illegal_parking", "机动车乱停放", 1, 0, 1]]),
        ({**MAY, "category_major": "06"}, [["c1", "exposed_garbage", "暴露垃圾", 3, 1, 2]]),
        ({**MAY, "area": WEST}, []),
        ({**MAY, "channel": "hotline"}, []),
        (
            {**MAY, "channel": "camera_ai", "status": "closed", "dept": "A"},
            [["c1", "exposed_garbage", "暴露垃圾", 3, 1, 2], ["c1", "illegal_parking", "机动车乱停放", 1, 0, 0]],
        ),
    ],
)
def test_camera_event_scenes(con: duckdb.DuckDBPyConnection, filters: dict, expected: list) -> None:
    frame = map_layers.camera_event_scenes(con, **filters)
    columns = ["camera_id", "scene_code", "scene_name", "events", "false_positives", "pushed"]
    assert list(frame.columns) == columns
    assert frame.values.tolist() == expected


# ---------------------------------------------------------------- deadline alerts
def test_deadline_alerts(con: duckdb.DuckDBPyConnection) -> None:
    frame = map_layers.deadline_alerts(con, work_periods=PERIODS, as_of=AS_OF, warn_fraction=0.8, limit=10, **JUNE)
    assert list(frame.columns) == [
        "case_uid",
        "lon",
        "lat",
        "category_name",
        "status_name",
        "dept_name",
        "reported_at",
        "handle_deadline",
        "level",
        "elapsed_fraction",
    ]
    assert frame[["case_uid", "level"]].values.tolist() == [
        ["a:4", "overdue"],
        ["a:1", "overdue"],
        ["a:3", "warning"],
        ["a:5", "warning"],
    ]
    assert frame["elapsed_fraction"].tolist() == pytest.approx([17 / 16, 25 / 24, 7 / 8, 168 / 192])
    assert frame[["category_name", "dept_name"]].drop_duplicates().values.tolist() == [["暴露垃圾", "城管局"]]


def test_deadline_alerts_limit_and_fraction(con: duckdb.DuckDBPyConnection) -> None:
    top = map_layers.deadline_alerts(con, work_periods=PERIODS, as_of=AS_OF, warn_fraction=0.8, limit=3, **JUNE)
    assert top["case_uid"].tolist() == ["a:4", "a:1", "a:3"]
    lower = map_layers.deadline_alerts(con, work_periods=PERIODS, as_of=AS_OF, warn_fraction=0.7, limit=10, **JUNE)
    assert lower["case_uid"].tolist() == ["a:4", "a:1", "a:3", "a:5", "a:2"]
    assert lower["elapsed_fraction"].iloc[-1] == pytest.approx(0.75)


def test_deadline_alerts_follow_the_clock_and_filters(con: duckdb.DuckDBPyConnection) -> None:
    # Tuesday 06-11 17:00: a:4 has run Fri 7 h + Tue 7 h = 14 h of 16 (due Wed 09:00); a:1 8 h of 24;
    # a:3 4 h of 8; a:5 151 h of 192.
    early = map_layers.deadline_alerts(
        con, work_periods=PERIODS, as_of=dt.datetime(2024, 6, 11, 17), warn_fraction=0.8, limit=10, **JUNE
    )
    assert early[["case_uid", "level"]].values.tolist() == [["a:4", "warning"]]
    assert early["elapsed_fraction"].tolist() == pytest.approx([14 / 16])
    # May, at AT: t:3 is past its deadline (its clock is unknown, so its fraction is NaN).
    may = map_layers.deadline_alerts(con, work_periods=PERIODS, as_of=AT, warn_fraction=0.8, limit=10, **MAY)
    assert may["case_uid"].tolist() == ["t:3"] and may["elapsed_fraction"].isna().all()
    assert map_layers.deadline_alerts(
        con, work_periods=PERIODS, as_of=AS_OF, warn_fraction=0.8, limit=10, area=WEST, **JUNE
    ).empty
    with pytest.raises(ValueError, match=r"warn_fraction must be in \(0, 1\]"):
        map_layers.deadline_alerts(con, work_periods=PERIODS, as_of=AS_OF, warn_fraction=80, limit=10)


def test_deadline_alerts_on_an_empty_selection(con: duckdb.DuckDBPyConnection) -> None:
    frame = map_layers.deadline_alerts(
        con, work_periods=PERIODS, as_of=AS_OF, warn_fraction=0.8, limit=10, start=dt.date(2030, 1, 1)
    )
    assert frame.empty and "level" in frame.columns


def test_deadline_alert_elapsed_matches_the_etl_deadline(con: duckdb.DuckDBPyConnection) -> None:
    # At its own deadline every case has used exactly its whole limit: the same clock as the ETL's.
    frame = con.execute("SELECT case_uid, handle_deadline FROM cases WHERE case_uid IN ('a:2', 'a:3', 'a:5')").df()
    for uid, deadline in frame.itertuples(index=False):
        rows = map_layers.deadline_alerts(
            con, work_periods=PERIODS, as_of=deadline.to_pydatetime(), warn_fraction=0.99, limit=10, **JUNE
        )
        fraction = rows.set_index("case_uid").loc[uid, "elapsed_fraction"]
        assert fraction == pytest.approx(1.0), uid

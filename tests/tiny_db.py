"""A tiny OneMap database, small enough to check every count by hand (shared by the dashboard tests).

Places: one district 测试区 split into 东街道 (east half) and 西街道 (west half); 西街道 was renamed on
2024-01-01 (two versions). Three communities, one grid, no sub-grids.

Cases (reported in 2024-04/05; "now" for overdue is any time after 2024-05-11):

| case | channel     | status     | reported   | street | notes                                    |
|------|-------------|------------|------------|--------|------------------------------------------|
| t:1  | hotline     | closed     | 05-01      | east   | dept A, category 06                      |
| t:2  | hotline     | evaluated  | 05-03      | east   | dept A, category 06                      |
| t:3  | patrol      | handling   | 05-10      | east   | deadline 05-11 passed: overdue pending   |
| t:4  | patrol      | dispatched | 05-20      | west   | deadline 2099: pending, not overdue      |
| t:5  | citizen_app | closed     | 05-25      | west   | dept B, category 09                      |
| t:6  | camera_ai   | rejected   | 05-26      | west   | neither closed nor awaiting closure      |
| t:7  | citizen_app | handling   | 04-28      | east   | before May; deadline 04-29: overdue      |
| t:8  | patrol      | reported   | 05-30      | —      | outside every grid, no deadline          |
| t:9  | patrol      | handled    | 05-12      | east   | handled late: awaiting closure, not pending |
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import shapely
from shapely.geometry import box

from etl import rollups
from etl.schema import apply_schema
from settings import Settings

#: The working periods of the default settings (08:00–12:00, 14:00–18:00), as the dashboard passes them.
PERIODS = Settings().work_periods
#: May 2024, the range the expected values below are for.
MAY = {"start": dt.date(2024, 5, 1), "end": dt.date(2024, 5, 31)}
#: Summary of May: 8 cases (all but t:7), closed t:1 t:2 t:5, awaiting t:3 t:4 t:8 t:9.
MAY_SUMMARY = {"cases": 8, "closed": 3, "awaiting_closure": 4}
#: Pending now (any report day): t:3 t:4 t:7 t:8; overdue t:3 t:7.
PENDING_NOW = {"pending": 4, "overdue": 2}
EAST, WEST = "340102001", "340102002"

_GRIDS = [
    # code, name, depth, parent, valid_from, valid_to, population, (min_lon, min_lat, max_lon, max_lat)
    ("340102", "测试区", 1, None, "2020-01-01", None, 30000, (117.0, 31.0, 117.2, 31.1)),
    (EAST, "东街道", 2, "340102", "2020-01-01", None, 18000, (117.1, 31.0, 117.2, 31.1)),
    (WEST, "西街道（旧）", 2, "340102", "2020-01-01", "2024-01-01", 11000, (117.0, 31.0, 117.1, 31.1)),
    (WEST, "西街道", 2, "340102", "2024-01-01", None, 12000, (117.0, 31.0, 117.1, 31.1)),
    ("340102001001", "一社区", 3, EAST, "2020-01-01", None, 9000, (117.1, 31.0, 117.15, 31.1)),
    ("340102001002", "二社区", 3, EAST, "2020-01-01", None, 9000, (117.15, 31.0, 117.2, 31.1)),
    ("340102002001", "三社区", 3, WEST, "2020-01-01", None, 12000, (117.0, 31.0, 117.1, 31.1)),
    ("340102001001001", "一社区第一网格", 4, "340102001001", "2020-01-01", None, 3000, (117.1, 31.0, 117.12, 31.02)),
]

_REFERENCE_SQL = """
INSERT INTO grid_level VALUES
    (1, 'district', '区县', 'District', 6), (2, 'street', '街道', 'Street', 9),
    (3, 'community', '社区', 'Community', 12), (4, 'grid', '网格', 'Grid', 15),
    (5, 'subgrid', '微网格', 'Sub-grid', 17);
INSERT INTO channel VALUES
    ('hotline', '12345热线', '12345 hotline'), ('patrol', '网格巡查', 'Grid patrol'),
    ('citizen_app', '随手拍', 'Citizen photo report'), ('camera_ai', '视频智能发现', 'Camera AI');
INSERT INTO case_state VALUES
    ('reported', '已上报', 'Reported', true, 1), ('rejected', '不予受理', 'Rejected', false, 5),
    ('dispatched', '已派遣', 'Dispatched', true, 8), ('handling', '处置中', 'Handling', true, 10),
    ('handled', '已处置', 'Handled', true, 13), ('closed', '已结案', 'Closed', false, 16),
    ('evaluated', '已评价', 'Evaluated', false, 17);
"""

# Times are strings cast on insert; columns not listed take the constants in the SELECT.
_CASES_SQL = """
INSERT INTO cases BY NAME
SELECT v.*, CASE WHEN v.grid_l2 IS NOT NULL THEN '340102' END AS grid_l1, 'test' AS source,
       v.case_uid AS source_id, false AS category_unmapped, false AS coords_swapped,
       v.grid_l2 IS NULL AS outside_grid, 0.0 AS extension_hours, false AS is_urgent, false AS is_supervised,
       false AS is_overdue, 1 AS dispatch_count, 0 AS return_count, 0 AS rework_count, 0 AS row_hash,
       1 AS run_id, TIMESTAMP '2024-06-01 00:00' AS loaded_at
FROM (VALUES
    ('t:1', 'hotline',     'closed',     '06010', 'A',  '340102001', '340102001001',
     '2024-05-01 09:00', '2024-05-01 15:00', '2024-05-02 10:00', '2024-05-02 09:00'),
    ('t:2', 'hotline',     'evaluated',  '06042', 'A',  '340102001', '340102001002',
     '2024-05-03 09:00', '2024-05-03 15:00', '2024-05-04 10:00', '2024-05-04 09:00'),
    ('t:3', 'patrol',      'handling',   '06010', 'A',  '340102001', '340102001001',
     '2024-05-10 09:00', NULL,               NULL,               '2024-05-11 09:00'),
    ('t:4', 'patrol',      'dispatched', '09005', 'B',  '340102002', '340102002001',
     '2024-05-20 09:00', NULL,               NULL,               '2099-01-01 00:00'),
    ('t:5', 'citizen_app', 'closed',     '09009', 'B',  '340102002', '340102002001',
     '2024-05-25 09:00', '2024-05-25 11:00', '2024-05-26 10:00', '2024-05-26 09:00'),
    ('t:6', 'camera_ai',   'rejected',   '09009', NULL, '340102002', '340102002001',
     '2024-05-26 09:00', NULL,               NULL,               NULL),
    ('t:7', 'citizen_app', 'handling',   '06010', 'A',  '340102001', '340102001001',
     '2024-04-28 09:00', NULL,               NULL,               '2024-04-29 09:00'),
    ('t:8', 'patrol',      'reported',   NULL,    NULL, NULL,        NULL,
     '2024-05-30 09:00', NULL,               NULL,               NULL),
    ('t:9', 'patrol',      'handled',    '06010', 'A',  '340102001', '340102001001',
     '2024-05-12 09:00', '2024-05-14 09:00', NULL,               '2024-05-13 09:00')
) AS v(case_uid, channel, status, category_code, dept_code, grid_l2, grid_l3,
       reported_at, handled_at, closed_at, handle_deadline)
"""


def build_tiny_db(path: Path) -> Path:
    """Write the tiny database to ``path`` (replacing any file there) and return the path."""
    path = Path(path)
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        apply_schema(con)
        con.execute(_REFERENCE_SQL)
        for grid_id, (code, name, depth, parent, valid_from, valid_to, population, bounds) in enumerate(_GRIDS, 1):
            polygon = box(*bounds)
            con.execute(
                "INSERT INTO grid (grid_id, code, name, depth, parent_code, valid_from, valid_to, area_km2,"
                " population, centroid_lon, centroid_lat, min_lon, min_lat, max_lon, max_lat, geom_wkb, source,"
                " run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'test', 1)",
                [
                    grid_id,
                    code,
                    name,
                    depth,
                    parent,
                    valid_from,
                    valid_to,
                    polygon.area * 10_000.0,
                    population,
                    polygon.centroid.x,
                    polygon.centroid.y,
                    *bounds,
                    shapely.to_wkb(polygon),
                ],
            )
        con.execute(_CASES_SQL)
    finally:
        con.close()
    return path


#: Bin sizes the rollups of the test databases are built with (those the map tests draw with).
TEST_BIN_SIZES = {"hex": 1000.0, "heat": 1000.0}


def build_rollups(path: Path) -> Path:
    """Refresh every rollup of the database at ``path`` as a load would, and return the path."""
    with duckdb.connect(str(path)) as con:
        rollups.refresh(con, TEST_BIN_SIZES)
    return path


#: The two ways a test database is read: ``cases`` alone, or with the rollups built (fixture parameters).
SOURCES = ("cases", "rollups")


def as_read_from(path: Path, source: str) -> Path:
    """The database at ``path``, with its rollups built when ``source`` is ``"rollups"``."""
    return build_rollups(path) if source == "rollups" else path

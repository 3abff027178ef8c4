"""Dashboard queries against the tiny hand-checked database, and the shared case filter by a table of cases."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from tiny_db import EAST, MAY, MAY_SUMMARY, PENDING_NOW, SOURCES, WEST, as_read_from, build_tiny_db

import queries
from queries import case_filters
from queries.db import DatabaseMissingError, LiveDatabase, db_version

D1, D31 = dt.datetime(2024, 5, 1), dt.datetime(2024, 6, 1)
NOW = dt.datetime(2024, 6, 15, 12, 0)


@pytest.fixture(scope="module", params=SOURCES)
def tiny_path(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny database, read from ``cases`` alone or with the rollups built: every test runs on both."""
    path = build_tiny_db(tmp_path_factory.mktemp("tiny") / "onemap.duckdb")
    return as_read_from(path, request.param)


@pytest.fixture
def con(tiny_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with LiveDatabase(tiny_path).cursor() as cursor:
        yield cursor


# ---------------------------------------------------------------- case_filters: filters → (sql, params)
ALL_LEVELS = "(" + " OR ".join(f"list_contains($f_area, c.grid_l{d})" for d in range(1, 6)) + ")"


@pytest.mark.parametrize(
    ("filters", "sql", "params"),
    [
        ({}, "TRUE", {}),
        ({"start": None, "end": None, "channel": None, "status": []}, "TRUE", {}),
        ({"start": dt.date(2024, 5, 1)}, "c.reported_at >= $f_start", {"f_start": D1}),
        ({"end": dt.date(2024, 5, 31)}, "c.reported_at < $f_end", {"f_end": D31}),
        (
            {"start": dt.date(2024, 5, 1), "end": dt.date(2024, 5, 31)},
            "c.reported_at >= $f_start AND c.reported_at < $f_end",
            {"f_start": D1, "f_end": D31},
        ),
        ({"channel": "hotline"}, "list_contains($f_channel, c.channel)", {"f_channel": ["hotline"]}),
        (
            {"channel": ("hotline", "patrol")},
            "list_contains($f_channel, c.channel)",
            {"f_channel": ["hotline", "patrol"]},
        ),
        (
            {"category_major": ["06"]},
            "list_contains($f_category_major, left(c.category_code, 2))",
            {"f_category_major": ["06"]},
        ),
        ({"status": "closed"}, "list_contains($f_status, c.status)", {"f_status": ["closed"]}),
        ({"dept": ["A"]}, "list_contains($f_dept, c.dept_code)", {"f_dept": ["A"]}),
        ({"area": EAST}, ALL_LEVELS, {"f_area": [EAST]}),
        ({"area": EAST, "area_depth": 2}, "(list_contains($f_area, c.grid_l2))", {"f_area": [EAST]}),
        ({"area_depth": 2}, "TRUE", {}),  # a depth without an area filters nothing
        (
            {"area": "x'); DROP TABLE cases; --", "channel": "a' OR 1=1"},
            f"list_contains($f_channel, c.channel) AND {ALL_LEVELS}",
            {"f_channel": ["a' OR 1=1"], "f_area": ["x'); DROP TABLE cases; --"]},
        ),
    ],
)
def test_case_filters(filters: dict, sql: str, params: dict) -> None:
    assert case_filters(**filters) == (sql, params)


@pytest.mark.parametrize(
    ("filters", "error", "message"),
    [
        ({"district": "340102"}, ValueError, r"unknown case filters \['district'\]; valid filters: \['start'"),
        ({"start": "2024-05-01"}, TypeError, "filter 'start' takes a datetime.date"),
        ({"channel": 3}, TypeError, "filter 'channel' takes a string or a sequence of strings"),
        ({"status": ["closed", None]}, TypeError, "filter 'status'"),
        ({"area": EAST, "area_depth": "2"}, TypeError, "filter 'area_depth' takes an int"),
        ({"area": EAST, "area_depth": 6}, ValueError, r"grid depth must be one of \[1, 2, 3, 4, 5\], got 6"),
    ],
)
def test_case_filters_rejects(filters: dict, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        case_filters(**filters)


def test_case_filters_on_a_day_column() -> None:
    sql, params = case_filters(day_column="c.day", **MAY)
    assert sql == "c.day >= $f_start AND c.day < $f_end"
    assert params == {"f_start": dt.date(2024, 5, 1), "f_end": dt.date(2024, 6, 1)}


def test_an_area_with_its_depth_counts_as_without(con: duckdb.DuckDBPyConnection) -> None:
    for query in (queries.summary_counts, queries.cases_by_channel, queries.daily_counts):
        expected = query(con, area=EAST, **MAY)
        pd.testing.assert_frame_equal(query(con, area=EAST, area_depth=2, **MAY), expected)
        assert not query(con, area=EAST, area_depth=3, **MAY).equals(expected)  # the code is a street's


def test_grid_level_column_allow_list() -> None:
    assert queries.grid_level_column(3) == "grid_l3"
    with pytest.raises(ValueError, match=r"grid depth must be one of \[1, 2, 3, 4, 5\], got '3; DROP'"):
        queries.grid_level_column("3; DROP")  # type: ignore[arg-type]


# ---------------------------------------------------------------- queries on the tiny database
def test_data_extent(con: duckdb.DuckDBPyConnection) -> None:
    row = queries.data_extent(con).iloc[0]
    assert (row["first"], row["last"], row["cases"]) == (
        pd.Timestamp("2024-04-28 09:00"),
        pd.Timestamp("2024-05-30 09:00"),
        9,
    )


def test_summary_counts(con: duckdb.DuckDBPyConnection) -> None:
    row = queries.summary_counts(con, **MAY).iloc[0]
    assert {key: int(row[key]) for key in MAY_SUMMARY} == MAY_SUMMARY
    assert row["closure_rate"] == pytest.approx(3 / 7)


def test_summary_counts_filtered_and_empty(con: duckdb.DuckDBPyConnection) -> None:
    hotline = queries.summary_counts(con, channel="hotline", **MAY).iloc[0]
    assert (hotline["cases"], hotline["closed"], hotline["awaiting_closure"], hotline["closure_rate"]) == (2, 2, 0, 1.0)
    nothing = queries.summary_counts(con, start=dt.date(2030, 1, 1)).iloc[0]
    assert (nothing["cases"], nothing["closed"]) == (0, 0)
    assert pd.isna(nothing["closure_rate"])


def test_overdue_pending(con: duckdb.DuckDBPyConnection) -> None:
    row = queries.overdue_pending(con, as_of=NOW).iloc[0]
    assert (row["pending"], row["overdue"]) == (PENDING_NOW["pending"], PENDING_NOW["overdue"])
    # On 2024-05-10 18:00 only t:7 had passed its deadline (t:3 was due 05-11), and t:3 t:4 t:8 t:9 were unreported.
    early = queries.overdue_pending(con, as_of=dt.datetime(2024, 5, 10, 18)).iloc[0]
    assert early["overdue"] == 1
    west = queries.overdue_pending(con, as_of=NOW, area=WEST).iloc[0]
    assert (west["pending"], west["overdue"]) == (1, 0)


def test_cases_by_channel(con: duckdb.DuckDBPyConnection) -> None:
    frame = queries.cases_by_channel(con, **MAY)
    assert frame[["channel", "name_zh", "cases"]].values.tolist() == [
        ["patrol", "网格巡查", 4],
        ["hotline", "12345热线", 2],
        ["camera_ai", "视频智能发现", 1],
        ["citizen_app", "随手拍", 1],
    ]


def test_cases_by_status_in_workflow_order(con: duckdb.DuckDBPyConnection) -> None:
    frame = queries.cases_by_status(con, **MAY)
    assert frame[["status", "name_zh", "cases"]].values.tolist() == [
        ["reported", "已上报", 1],
        ["rejected", "不予受理", 1],
        ["dispatched", "已派遣", 1],
        ["handling", "处置中", 1],
        ["handled", "已处置", 1],
        ["closed", "已结案", 2],
        ["evaluated", "已评价", 1],
    ]
    assert frame["is_open"].tolist() == [True, False, True, True, True, False, False]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (MAY, [[EAST, "东街道", 4], [WEST, "西街道", 3]]),
        ({**MAY, "channel": "patrol"}, [[EAST, "东街道", 2], [WEST, "西街道", 1]]),
        ({**MAY, "category_major": "09"}, [[WEST, "西街道", 3], [EAST, "东街道", 0]]),
        ({**MAY, "dept": "B"}, [[WEST, "西街道", 2], [EAST, "东街道", 0]]),
        ({**MAY, "status": ["closed", "evaluated"]}, [[EAST, "东街道", 2], [WEST, "西街道", 1]]),
        ({"area": "340102001001"}, [[EAST, "东街道", 4], [WEST, "西街道", 0]]),
    ],
)
def test_cases_by_level_streets(con: duckdb.DuckDBPyConnection, filters: dict, expected: list) -> None:
    frame = queries.cases_by_level(con, depth=2, **filters)
    assert frame[["code", "name", "cases"]].values.tolist() == expected


def test_cases_by_level_communities(con: duckdb.DuckDBPyConnection) -> None:
    frame = queries.cases_by_level(con, depth=3, **MAY)
    assert frame[["code", "parent_code", "cases"]].values.tolist() == [
        ["340102001001", EAST, 3],
        ["340102002001", WEST, 3],
        ["340102001002", EAST, 1],
    ]


def test_daily_counts_fills_days_without_cases(con: duckdb.DuckDBPyConnection) -> None:
    frame = queries.daily_counts(con, start=dt.date(2024, 5, 1), end=dt.date(2024, 5, 4))
    assert [str(day)[:10] for day in frame["day"]] == ["2024-05-01", "2024-05-02", "2024-05-03", "2024-05-04"]
    assert frame["cases"].tolist() == [1, 0, 1, 0]
    assert len(queries.daily_counts(con)) == 33  # 2024-04-28 … 2024-05-30
    assert queries.daily_counts(con, **MAY)["cases"].sum() == 8


def test_grid_level_counts(con: duckdb.DuckDBPyConnection) -> None:
    frame = queries.grid_level_counts(con, at=dt.datetime(2024, 5, 31, 23, 59))
    assert frame[["level_key", "name_zh", "grids"]].values.tolist() == [
        ["district", "区县", 1],
        ["street", "街道", 2],
        ["community", "社区", 3],
        ["grid", "网格", 1],
        ["subgrid", "微网格", 0],
    ]


@pytest.mark.parametrize(
    ("at", "names"),
    [
        (dt.datetime(2024, 5, 31), ["东街道", "西街道"]),
        (dt.datetime(2023, 12, 31, 23, 59), ["东街道", "西街道（旧）"]),
        (dt.datetime(2024, 1, 1), ["东街道", "西街道"]),  # valid_to is exclusive
        (dt.datetime(2019, 1, 1), []),
    ],
)
def test_grid_polygons_valid_at(con: duckdb.DuckDBPyConnection, at: dt.datetime, names: list[str]) -> None:
    frame = queries.grid_polygons(con, depth=2, at=at)
    assert frame["name"].tolist() == names
    assert list(frame.columns) == [
        "code",
        "name",
        "parent_code",
        "population",
        "households",
        "area_km2",
        "centroid_lon",
        "centroid_lat",
        "geom_wkb",
    ]


def test_grid_polygons_wkb_round_trips(con: duckdb.DuckDBPyConnection) -> None:
    import shapely

    frame = queries.grid_polygons(con, depth=2, at=dt.datetime(2024, 5, 31))
    bounds = [shapely.from_wkb(bytes(wkb)).bounds for wkb in frame["geom_wkb"]]
    assert bounds == [(117.1, 31.0, 117.2, 31.1), (117.0, 31.0, 117.1, 31.1)]


# ---------------------------------------------------------------- the live database follows replacements
def test_live_database_reopens_a_replaced_file(tmp_path: Path, tiny_path: Path) -> None:
    live_path = tmp_path / "onemap.duckdb"
    shutil.copyfile(tiny_path, live_path)
    live = LiveDatabase(live_path)
    before = db_version(live_path)
    old_cursor = live.cursor()
    assert old_cursor.execute("SELECT count(*) FROM cases").fetchall()[0] == (9,)

    # What etl/store.py does on commit: write a copy, then rename it over the live path.
    copy = tmp_path / "onemap.duckdb.loading"
    shutil.copyfile(tiny_path, copy)
    with duckdb.connect(str(copy)) as writer:
        writer.execute("DELETE FROM cases WHERE channel = 'hotline'")
    copy.replace(live_path)

    assert db_version(live_path) != before
    with live.cursor() as con:
        assert con.execute("SELECT count(*) FROM cases").fetchall()[0] == (7,)
    assert live.version == db_version(live_path)
    # A query that started on the old file finishes on it.
    assert old_cursor.execute("SELECT count(*) FROM cases").fetchall()[0] == (9,)
    old_cursor.close()


def test_missing_database_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(DatabaseMissingError, match=r"no OneMap database at .*nothing\.duckdb"):
        LiveDatabase(tmp_path / "nothing.duckdb").cursor()

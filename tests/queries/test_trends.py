"""The trend queries on the tiny database (tiny_db.py: May 2024, east and west streets): every area of a level
(quiet ones included, under a drilled area), the neighbours of a level, weekly and daily counts, series, hours."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from tiny_db import EAST, MAY, SOURCES, as_read_from, build_tiny_db

import queries
from etl.adjacency import store_adjacency
from queries.db import LiveDatabase

AT = dt.datetime(2024, 5, 31, 23, 59)


@pytest.fixture(params=SOURCES)
def con(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[duckdb.DuckDBPyConnection]:
    path = build_tiny_db(tmp_path / "onemap.duckdb")
    with duckdb.connect(str(path)) as writer:
        store_adjacency(writer, tolerance_m=0.5)
    with LiveDatabase(as_read_from(path, request.param)).cursor() as cursor:
        yield cursor


def test_every_area_of_a_level_with_its_count(con: duckdb.DuckDBPyConnection) -> None:
    frame = queries.area_period_counts(con, depth=3, at=AT, **MAY)
    assert frame[["code", "cases"]].values.tolist() == [
        ["340102001001", 3],  # t:1 t:3 t:9
        ["340102001002", 1],  # t:2
        ["340102002001", 3],  # t:4 t:5 t:6
    ]
    under = queries.area_period_counts(con, depth=3, at=AT, area=EAST, area_depth=2, **MAY)
    assert under["code"].tolist() == ["340102001001", "340102001002"]
    quiet = queries.area_period_counts(con, depth=3, at=AT, start=dt.date(2030, 1, 1))
    assert len(quiet) == 3 and quiet["cases"].sum() == 0
    assert queries.level_areas(con, depth=4, at=AT, area=EAST)["code"].tolist() == ["340102001001001"]


def test_neighbours_of_a_level(con: duckdb.DuckDBPyConnection) -> None:
    streets = queries.area_neighbours(con, depth=2, at=AT)
    assert streets.values.tolist() == [[EAST, "340102002"], ["340102002", EAST]]
    communities = set(map(tuple, queries.area_neighbours(con, depth=3, at=AT).values.tolist()))
    assert ("340102001001", "340102001002") in communities and ("340102001002", "340102002001") not in communities


def test_weekly_and_daily_counts(con: duckdb.DuckDBPyConnection) -> None:
    weeks = queries.area_week_counts(con, depth=2, **MAY)
    assert weeks["cases"].sum() == 7  # t:8 is outside every grid
    assert set(weeks["week"].dt.weekday) == {0}  # every week named by its Monday
    by_class = queries.area_category_weeks(con, depth=3, **MAY)
    assert by_class[by_class["category_code"] == "06010"]["cases"].sum() == 3
    days = queries.area_category_days(con, depth=2, **MAY)
    assert days[(days["code"] == EAST) & (days["day"] == "2024-05-01")]["cases"].tolist() == [1]


def test_time_series_and_hours(con: duckdb.DuckDBPyConnection) -> None:
    weekly = queries.time_series(con, grain="week", split="channel", **MAY)
    assert weekly.groupby("key")["cases"].sum().to_dict() == {
        "camera_ai": 1,
        "citizen_app": 1,
        "hotline": 2,
        "patrol": 4,
    }
    monthly = queries.time_series(con, grain="month", **MAY)
    assert monthly.values.tolist() == [[pd.Timestamp("2024-05-01"), "all", 8]]
    hours = queries.hour_weekday(con, **MAY)
    assert hours["cases"].sum() == 8 and set(hours["hour"]) == {9}
    with pytest.raises(ValueError, match="grain must be one of"):
        queries.time_series(con, grain="year")


def test_the_cases_sent_back_most_first_with_the_count_of_all(tmp_path: Path) -> None:
    path = build_tiny_db(tmp_path / "onemap.duckdb")
    with duckdb.connect(str(path)) as writer:
        writer.execute("UPDATE cases SET rework_count = 1 WHERE case_uid IN ('t:3', 't:5')")
        writer.execute("UPDATE cases SET return_count = 2 WHERE case_uid IN ('t:5', 't:9', 't:8')")
        writer.execute("UPDATE cases SET return_count = 1 WHERE case_uid IN ('t:1', 't:7')")
    with LiveDatabase(path).cursor() as con:
        every = queries.sent_back_cases(con, limit=None, **MAY)
        first = queries.sent_back_cases(con, limit=2, **MAY)
        with pytest.raises(ValueError, match="limit must be a positive int or None, got 0"):
            queries.sent_back_cases(con, limit=0)
    # most reworks (t:5 and t:3, t:5 returned more), then most returns; t:8 has no class, t:7 is April's
    assert every["case_uid"].tolist() == ["t:5", "t:3", "t:9", "t:1"]
    assert first["case_uid"].tolist() == ["t:5", "t:3"] and first["total"].tolist() == [4, 4]
    assert list(first.columns) == [*queries.trends.SENT_BACK_COLUMNS, "total"]


def test_the_located_reports_of_one_class_as_case_count_counts_them(tmp_path: Path) -> None:
    path = build_tiny_db(tmp_path / "onemap.duckdb")
    with duckdb.connect(str(path)) as writer:  # 06010 in May: t:1 t:3 t:9; t:9 without a point
        writer.execute("UPDATE cases SET lon = 117.12, lat = 31.05 WHERE case_uid IN ('t:1', 't:3', 't:4', 't:7')")
    with LiveDatabase(path).cursor() as con:
        points = queries.repeat_points(con, category="06010", **MAY)
        counted = queries.case_count(con, category=("06010",), **MAY)
        first = queries.repeat_points(con, category="06010", max_reports=1, **MAY)
        with pytest.raises(ValueError, match="category must be a class code"):
            queries.repeat_points(con, category="")
    assert points["case_uid"].tolist() == ["t:1", "t:3"]  # by report time; t:7 is April's
    assert list(points.columns) == ["case_uid", "category_code", "reported_at", "lon", "lat"]
    assert counted["cases"].tolist() == [len(points)] and first["case_uid"].tolist() == ["t:1"]


def _cases(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE cases (grid_code VARCHAR, address VARCHAR, category_code VARCHAR, reported_at TIMESTAMP,"
        " case_uid VARCHAR)"
    )
    con.executemany("INSERT INTO cases VALUES (?, ?, ?, ?, ?)", rows)
    return con


def test_chronic_places_by_their_busiest_window() -> None:
    t0 = dt.datetime(2026, 10, 1, 9)
    rows = [("g1", "a1", "06010", t0 + dt.timedelta(days=d), f"c{d}") for d in (0, 5, 9, 28, 60)]
    rows += [("g2", "a2", "06010", t0 + dt.timedelta(days=d), f"d{d}") for d in (0, 40)]
    rows += [("g1", "a1", "09009", t0, "e0")]
    with _cases(rows) as con:
        found = queries.chronic_places(con, place="grid_code", min_cases=3, days=30)
        assert found[["grid_code", "category_code", "cases", "total"]].values.tolist() == [["g1", "06010", 4, 5]]
        assert list(found["case_uids"].iloc[0]) == ["c0", "c5", "c9", "c28"]
        assert found["last"].iloc[0] == pd.Timestamp(t0 + dt.timedelta(days=28))
        assert queries.chronic_places(con, place="grid_code", min_cases=5, days=30).empty
        assert queries.chronic_places(con, place="address", min_cases=3, days=30)["address"].tolist() == ["a1"]
        with pytest.raises(ValueError, match="place must be one of"):
            queries.chronic_places(con, place="street")


def test_chronic_windows_stay_within_their_place_and_class() -> None:
    # Many places, each reported once a fortnight: no window of 27 days holds 3 of one place and class.
    t0 = dt.datetime(2026, 1, 1)
    rows = [
        (f"g{g:03d}", None, "06010", t0 + dt.timedelta(days=14 * k + g % 7), f"c{g}-{k}")
        for g in range(400)
        for k in range(20)
    ]
    with _cases(rows) as con:
        assert queries.chronic_places(con, min_cases=3, days=27).empty
        assert len(queries.chronic_places(con, min_cases=3, days=28)) == 400

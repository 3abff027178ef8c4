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


def test_recurrence_cases(con: duckdb.DuckDBPyConnection) -> None:
    frame = queries.recurrence_cases(con, **MAY)
    assert len(frame) == 7 and frame["reported_at"].is_monotonic_increasing  # t:8 has no class

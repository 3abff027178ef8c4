"""Which relation a count is read from: the smallest fresh rollup holding every column needed, else ``cases``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from test_map_queries import build_map_db
from tiny_db import EAST, MAY, PERIODS, TEST_BIN_SIZES, build_rollups, build_tiny_db

import queries
from core import bins
from queries import summary_counts
from queries.source import bin_source, case_source, counts_sql, fresh_rollups

#: Rows per rollup in the proportions of the 10M-case demo (thousands), so the choice does not hang on ties.
ROWS = {
    "case_daily_community": 61,
    "case_daily_grid": 450,
    "case_daily_kind": 780,
    "case_daily_street_kind": 1250,
    "case_daily_street_channel": 100,
    "case_daily_area": 1320,
}


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = build_rollups(build_tiny_db(tmp_path / "onemap.duckdb"))
    with duckdb.connect(str(path)) as con:
        for table, rows in ROWS.items():
            con.execute("UPDATE rollup_state SET rows = ? WHERE table_name = ?", [rows, table])
    return path


def _table(con: duckdb.DuckDBPyConnection, columns: tuple[str, ...], **filters) -> str:
    return case_source(con, columns, **filters).table


@pytest.mark.parametrize(
    ("columns", "filters", "table"),
    [
        ((), {}, "case_daily_community"),
        (("day",), MAY, "case_daily_community"),
        (("channel",), {"category_major": ["06"], "dept": ["d1"], **MAY}, "case_daily_kind"),
        (("grid_l2",), {"status": ["closed"]}, "case_daily_community"),
        ((), {"area": [EAST], "area_depth": 2}, "case_daily_community"),
        (("grid_l4",), {"area": [EAST], "area_depth": 3}, "case_daily_grid"),
        (("grid_l5",), {}, "case_daily_area"),
        ((), {"area": [EAST]}, "case_daily_area"),  # depth unknown: every level column, all in the area rollup
        (("channel",), {"area": [EAST], "area_depth": 2}, "case_daily_street_channel"),
        (("grid_l2",), {"channel": ["hotline"]}, "case_daily_street_channel"),
        (("grid_l2",), {"dept": ["d1"]}, "case_daily_street_kind"),
        (("channel",), {"area": [EAST]}, "cases"),  # no rollup has a channel and every level
        (("grid_l3",), {"channel": ["hotline"]}, "cases"),
        (("lon",), {}, "cases"),
    ],
)
def test_the_smallest_rollup_holding_every_column_is_read(path: Path, columns, filters, table) -> None:
    with duckdb.connect(str(path), read_only=True) as con:
        assert _table(con, columns, **filters) == table


def test_the_rollup_with_fewer_rows_wins(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        assert _table(con, ("category_code",)) == "case_daily_kind"
        con.execute("UPDATE rollup_state SET rows = 2000 WHERE table_name = 'case_daily_kind'")
        assert _table(con, ("category_code",)) == "case_daily_street_kind"


def test_rollups_not_refreshed_against_the_current_cases_are_not_read(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        assert len(fresh_rollups(con)) == 14  # the camera alarms', the dispatches' and the hand-offs' too
        before = summary_counts(con).to_dict("records")
        # A case written without a refresh (not how the ETL writes): the rollups no longer describe cases.
        con.execute("INSERT INTO cases BY NAME SELECT * REPLACE ('t:new' AS case_uid) FROM cases LIMIT 1")
        assert set(fresh_rollups(con)) == {"camera_event_daily"}  # derived from the alarms, still fresh
        assert _table(con, ("channel",)) == "cases"
        after = summary_counts(con).to_dict("records")
    assert after[0]["cases"] == before[0]["cases"] + 1


def test_alarms_written_without_a_refresh_are_counted_from_the_alarms(tmp_path: Path) -> None:
    path = build_rollups(build_map_db(tmp_path / "onemap.duckdb"))
    with duckdb.connect(str(path)) as con:
        before = queries.camera_event_scenes(con)["events"].sum()
        assert "camera_event_daily" in fresh_rollups(con)
        con.execute("INSERT INTO camera_event SELECT * REPLACE ('new' AS event_id) FROM camera_event LIMIT 1")
        assert "camera_event_daily" not in fresh_rollups(con)
        assert queries.camera_event_scenes(con)["events"].sum() == before + 1


def test_a_database_without_rollups_reads_cases(tmp_path: Path) -> None:
    path = build_tiny_db(tmp_path / "old.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute("DROP TABLE rollup_state")  # as a database from before the rollups
        assert fresh_rollups(con) == {}
        assert _table(con, ()) == "cases"


def test_bin_rollups_answer_only_in_their_own_frame_and_time_filters(path: Path) -> None:
    with duckdb.connect(str(path), read_only=True) as con:
        origin = bins.origin_of(con.execute(bins.GRID_ORIGIN_SQL).fetchall()[0])
        frame = {**bins.frame_params(origin), "size": TEST_BIN_SIZES["hex"]}
        assert bin_source(con, "hex", frame, "size", **MAY).table == "case_daily_hex"
        assert bin_source(con, "hex", {**frame, "size": 250.0}, "size", **MAY) is None
        assert bin_source(con, "hex", {**frame, "lon0": frame["lon0"] + 0.01}, "size") is None
        assert bin_source(con, "hex", frame, "size", dept=["d1"]) is None  # no bin rollup has departments
        assert bin_source(con, "hex", frame, "size", area_depth=2) is not None  # a depth without an area: no filter
        assert bin_source(con, "hex", frame, "size", area=[EAST], area_depth=2) is not None
        assert bin_source(con, "hex", frame, "size", area=[EAST], area_depth=4) is None  # grids: not in it
        assert bin_source(con, "hex", frame, "size", area=[EAST]) is None  # depth unknown: every level
        assert bin_source(con, "hex", frame, "size", channel=["patrol"]).table == "case_monthly_hex"
        whole = {"start": dt.date(2024, 5, 1), "end": dt.date(2024, 5, 31)}
        assert bin_source(con, "hex", frame, "size", channel=["patrol"], **whole).table == "case_monthly_hex"
        part = {"start": dt.date(2024, 5, 1), "end": dt.date(2024, 5, 20)}
        assert bin_source(con, "hex", frame, "size", channel=["patrol"], **part) is None  # not a whole month
        assert bin_source(con, "hex", frame, "size", **part).table == "case_daily_hex"
        to_date = {"start": dt.date(2024, 6, 1), "end": dt.date(2030, 1, 3)}  # past the last report
        assert bin_source(con, "hex", frame, "size", channel=["patrol"], **to_date).table == "case_monthly_hex"


def test_counts_sql_refuses_an_unknown_measure(path: Path) -> None:
    with duckdb.connect(str(path), read_only=True) as con, pytest.raises(ValueError, match="unknown measures"):
        counts_sql(con, group=(), measures=("cases", "overdue"))


#: Filter states that reach every kind of source: rollups of each shape, bin rollups, and ``cases``.
STATES = [
    {},
    MAY,
    {"channel": ["hotline"], **MAY},
    {"status": ["closed", "handling"]},
    {"area": [EAST], "area_depth": 2},
    {"area": [EAST]},
    {"area": [EAST], "area_depth": 2, "category_major": ["06"]},
    {"area": [EAST], "area_depth": 2, "status": ["closed"], **MAY},
    {"channel": ["patrol"]},  # the month bin rollups
    {"channel": ["hotline", "patrol"], "start": dt.date(2024, 5, 1), "end": dt.date(2024, 6, 30)},
    {"channel": ["hotline", "patrol"], "start": dt.date(2024, 5, 10), "end": dt.date(2024, 6, 20)},  # not whole
]


@pytest.mark.parametrize("filters", STATES)
def test_every_query_gives_the_same_answer_from_the_rollups(tmp_path: Path, filters: dict) -> None:
    # The map database: the tiny one plus located cases and alerts, so the bins and alerts have rows.
    plain = build_map_db(tmp_path / "plain.duckdb")
    rolled = build_rollups(build_map_db(tmp_path / "rolled.duckdb"))
    at, as_of = dt.datetime(2024, 6, 30, 23, 59), dt.datetime(2024, 6, 1, 12)
    calls = {
        "summary_counts": {},
        "cases_by_channel": {},
        "cases_by_status": {},
        "cases_by_level": {"depth": 2},
        "daily_counts": {},
        "top_categories": {"limit": 5},
        "category_coverage": {},
        "area_figures": {"as_of": as_of},
        "area_measures": {"depth": 2, "at": at, "as_of": as_of},
        "overdue_pending": {"as_of": as_of},
        "case_count": {},
        "hex_bins": {"size_m": TEST_BIN_SIZES["hex"]},
        "heat_cells": {"cell_m": TEST_BIN_SIZES["heat"]},
        "deadline_alerts": {"as_of": as_of, "warn_fraction": 0.5, "limit": 10, "work_periods": PERIODS},
        "area_period_counts": {"depth": 3, "at": at},
        "area_week_counts": {"depth": 2},
        "area_category_weeks": {"depth": 3},
        "area_category_days": {"depth": 2},
        "time_series": {"grain": "week", "split": "channel"},
        "kpi_counts": {"group": "dept_code"},
        "overdue_counts": {"group": "grid_l2", "at": as_of},
        "open_case_rows": {},
        "light_counts": {"as_of": as_of, "work_periods": PERIODS, "warn": 0.5},
        "light_cases": {"as_of": as_of, "work_periods": PERIODS, "warn": 0.5},
        "dispatch_counts": {},
        "handoff_summary": {},
        "handoff_flows": {},
    }
    checked = 0
    with duckdb.connect(str(plain), read_only=True) as a, duckdb.connect(str(rolled), read_only=True) as b:
        for name, options in calls.items():
            query = getattr(queries, name)
            expected, got = query(a, **options, **filters), query(b, **options, **filters)
            pd.testing.assert_frame_equal(got, expected, check_dtype=False, obj=name)
            checked += len(expected)
    assert checked > 0

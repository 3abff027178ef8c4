"""The rollups of ``etl/rollups.py``: after every load each equals a GROUP BY over ``cases``; they follow updates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from conftest import EAST_POINT, OUTSIDE_POINT, write_csv
from test_load_cases import case, load, query

from core.catalog import CASE_ROLLUPS, OPEN_COLUMNS
from core.measures import CASE_COUNTS
from etl import api, rollups, store

NO_WORKFLOW = {"派遣时间": None, "处置时间": None, "结案时间": None}
#: Five cases over two days (2025-06-03 Tue, 06-04 Wed); deadlines are 15:30 on the day for class 06010.
ROWS = [
    case(1, 满意度="满意"),  # west, closed, handled 11:00 on time
    case(2, 经度=EAST_POINT[0], 纬度=EAST_POINT[1], 状态="处置中", 处置时间=None, 结案时间=None),  # overdue now
    case(
        3,
        上报时间="2025-06-04 09:00:00",
        派遣时间="2025-06-04 09:30:00",
        处置时间="2025-06-05 10:00:00",  # late
        结案时间="2025-06-05 15:00:00",
        是否紧急="是",
        退回次数=1,
        返工次数=2,
        满意度="不满意",
    ),
    case(
        4,
        来源渠道="hotline",
        上报时间="2025-06-04 10:00:00",
        派遣时间=None,
        处置时间="2025-06-04 11:00:00",
        结案时间="2025-06-04 15:00:00",
        评价时间="2025-06-04 16:00:00",
        状态="已评价",
        满意度="基本满意",
    ),
    case(
        5, 经度=OUTSIDE_POINT[0], 纬度=OUTSIDE_POINT[1], 状态="不予受理", 上报时间="2025-06-04 08:00:00", **NO_WORKFLOW
    ),
]
MEASURES = list(CASE_COUNTS)
TABLES = [r.table for r in CASE_ROLLUPS]
SIZES = {"hex": 500.0, "heat": 250.0}


def rollup(settings, table: str) -> list[tuple]:
    """Every row of the case rollup ``table``, sorted."""
    dimensions = next(r.dimensions for r in CASE_ROLLUPS if r.table == table)
    columns = ", ".join(["day", *dimensions, *MEASURES])
    return sorted(query(settings, f"SELECT {columns} FROM {table}"), key=repr)


def direct(settings, table: str) -> list[tuple]:
    """What the case rollup ``table`` should hold, counted straight from ``cases`` (written independently)."""
    dimensions = ", ".join(next(r.dimensions for r in CASE_ROLLUPS if r.table == table))
    sql = f"""
        SELECT CAST(reported_at AS DATE), {dimensions},
               count(*),
               sum(CASE WHEN handled_at IS NOT NULL THEN 1 ELSE 0 END),
               sum(CASE WHEN handled_at <= handle_deadline THEN 1 ELSE 0 END),
               sum(CASE WHEN is_overdue THEN 1 ELSE 0 END),
               sum(CASE WHEN is_urgent THEN 1 ELSE 0 END),
               sum(CASE WHEN return_count > 0 THEN 1 ELSE 0 END),
               sum(CASE WHEN rework_count > 0 THEN 1 ELSE 0 END),
               sum(CASE WHEN satisfaction IS NOT NULL THEN 1 ELSE 0 END),
               sum(CASE WHEN satisfaction IN ('满意', '基本满意') THEN 1 ELSE 0 END),
               sum(CASE WHEN lon IS NOT NULL AND lat IS NOT NULL THEN 1 ELSE 0 END),
               sum(CASE WHEN request_nature = '投诉' THEN 1 ELSE 0 END),
               sum(CASE WHEN dispatched_at IS NOT NULL THEN 1 ELSE 0 END),
               sum(CASE WHEN dispatched_at IS NOT NULL AND return_count = 0 AND rework_count = 0 THEN 1 ELSE 0 END),
               sum(CASE WHEN extension_hours > 0 THEN 1 ELSE 0 END)
        FROM (SELECT *, case_uid IN (SELECT case_uid FROM case_incident WHERE NOT is_lead) AS duplicate FROM cases)
        GROUP BY ALL
    """
    return sorted(query(settings, sql), key=repr)


def pending(settings) -> list[tuple]:
    """``case_open`` as it is, and as it should be: the open cases, straight from ``cases``, with the time of the
    latest return of those waiting to be re-dispatched."""
    columns = ", ".join([*OPEN_COLUMNS, "returned_at"])
    open_states = "SELECT state FROM case_state WHERE is_open"
    returned = "(SELECT max(f.at_time) FROM case_flow f WHERE f.case_uid = c.case_uid AND f.to_state = 'returned')"
    expected = f"""
        SELECT * FROM (SELECT *, CASE WHEN status = 'returned' THEN {returned} END AS returned_at FROM cases c)
        WHERE status IN ({open_states})
    """
    held, wanted = (f"SELECT {columns} FROM case_open", f"SELECT {columns} FROM ({expected})")
    return [sorted(query(settings, sql), key=repr) for sql in (held, wanted)]


def all_match(settings) -> bool:
    held, expected = pending(settings)
    return held == expected and all(rollup(settings, table) == direct(settings, table) for table in TABLES)


def totals(settings, day: str | None = None, table: str = "case_daily_kind") -> dict[str, int]:
    sums = ", ".join(f"coalesce(sum({m}), 0)" for m in MEASURES)
    where = "WHERE day = ?" if day else ""
    (row,) = query(settings, f"SELECT {sums} FROM {table} {where}", [dt.date.fromisoformat(day)] if day else [])
    return dict(zip(MEASURES, row, strict=True))


@pytest.fixture
def loaded(city, tmp_path: Path):
    load(write_csv(tmp_path / "cases.csv", ROWS), city)
    return city


def test_rollup_counts_each_measure(loaded) -> None:
    for table in TABLES:
        assert totals(loaded, table=table) == {
            "cases": 5,
            "handled": 3,
            "handled_on_time": 2,  # 1, 4
            "overdue_flagged": 2,  # 2 unhandled past 15:30, 3 handled the next day
            "urgent": 1,
            "returned": 1,
            "reworked": 1,
            "followups": 3,
            "satisfied": 2,
            "located": 5,
            "complaints": 0,
            "dispatched": 3,  # 1, 2, 3
            "dispatched_accurately": 2,  # 3 was returned and reworked
            "extended": 0,
        }, table
    assert totals(loaded, "2025-06-03")["cases"] == 2
    by_channel = query(loaded, "SELECT channel, sum(cases) FROM case_daily_kind GROUP BY 1 ORDER BY 1")
    assert by_channel == [("hotline", 1), ("patrol", 4)]
    for table in TABLES:
        if "grid_l1" not in next(r.dimensions for r in CASE_ROLLUPS if r.table == table):
            continue
        outside = query(loaded, f"SELECT grid_l1, status, cases FROM {table} WHERE grid_l1 IS NULL")
        assert outside == [(None, "rejected", 1)], table


def test_rollups_equal_a_group_by_over_cases(loaded) -> None:
    assert all_match(loaded)
    assert len(rollup(loaded, "case_daily_area")) == 5  # no two of the five cases share day, grid and state
    state = query(loaded, "SELECT table_name, source_rows, rows FROM rollup_state WHERE source = 'cases' ORDER BY 1")
    assert [(table, cases) for table, cases, _ in state] == [
        ("case_daily_area", 5),
        ("case_daily_community", 5),
        ("case_daily_grid", 5),
        ("case_daily_heat", 5),
        ("case_daily_hex", 5),
        ("case_daily_kind", 5),
        ("case_daily_street_channel", 5),
        ("case_daily_street_kind", 5),
        ("case_monthly_heat", 5),
        ("case_monthly_hex", 5),
        ("case_open", 5),
    ]
    for table, _, rows in state:
        assert query(loaded, f"SELECT count(*) FROM {table}") == [(rows,)], table


def test_the_open_cases_are_kept_apart(loaded) -> None:
    held, expected = pending(loaded)
    assert held == expected
    assert [row[0] for row in held] == ["dcs:C0002"]  # 2 is being handled; 5 was rejected, so not open


def test_bin_rollups_count_located_cases_in_the_configured_frame(loaded) -> None:
    frames = query(loaded, "SELECT kind, size_m FROM case_bin_frame ORDER BY kind")
    assert frames == [("heat", loaded.heat_cell_m), ("hex", loaded.hex_size_m)]
    for table in ("case_daily_hex", "case_daily_heat"):
        per_day = query(loaded, f"SELECT day, sum(cases) FROM {table} GROUP BY 1 ORDER BY 1")
        assert per_day == [(dt.date(2025, 6, 3), 2), (dt.date(2025, 6, 4), 3)], table  # all five are located


def test_new_bin_sizes_rebuild_the_bin_rollups(loaded) -> None:
    with store.writing(loaded.db_path) as con:
        assert rollups.refresh_after_loads(con, [], SIZES) is None  # no day changed …
    frames = query(loaded, "SELECT kind, size_m FROM case_bin_frame ORDER BY kind")
    assert frames == [("heat", 250.0), ("hex", 500.0)]  # … but the bins follow the new sizes
    assert query(loaded, "SELECT sum(cases) FROM case_daily_hex") == [(5,)]


def test_an_update_moves_its_counts(loaded, tmp_path: Path) -> None:
    # Case 1 is re-sent: reported a week later (a corrected time) and now awaiting closure in the east street.
    moved = case(
        1,
        上报时间="2025-06-10 09:00:00",
        派遣时间="2025-06-10 09:30:00",
        处置时间="2025-06-10 11:00:00",
        经度=EAST_POINT[0],
        纬度=EAST_POINT[1],
        状态="已处置",
        结案时间=None,
    )
    report = load(write_csv(tmp_path / "update.csv", [moved]), loaded)
    assert (report.updated, report.inserted) == (1, 0)
    assert all_match(loaded)
    assert totals(loaded, "2025-06-03")["cases"] == 1  # the day it moved away from lost it
    assert totals(loaded, "2025-06-03", "case_daily_area")["cases"] == 1
    moved_in = {
        "cases": 1,
        "handled": 1,
        "handled_on_time": 1,
        "located": 1,
        "dispatched": 1,
        "dispatched_accurately": 1,
    }
    assert totals(loaded, "2025-06-10") == {**dict.fromkeys(MEASURES, 0), **moved_in}
    assert query(loaded, "SELECT day, sum(cases) FROM case_daily_hex WHERE day >= '2025-06-10' GROUP BY 1") == [
        (dt.date(2025, 6, 10), 1)
    ]
    assert query(loaded, "SELECT day, channel, sum(cases) FROM case_monthly_heat GROUP BY ALL ORDER BY 2") == [
        (dt.date(2025, 6, 1), "hotline", 1),
        (dt.date(2025, 6, 1), "patrol", 4),
    ]


def test_reloading_the_same_file_changes_nothing(loaded, tmp_path: Path) -> None:
    before = {table: rollup(loaded, table) for table in TABLES}
    report = load(tmp_path / "cases.csv", loaded)
    assert report.unchanged == 5
    assert {table: rollup(loaded, table) for table in TABLES} == before
    with duckdb.connect(str(loaded.db_path)) as con:
        assert rollups.stale_days(con, [report.run_id]) is None


def test_refresh_rebuilds_only_the_days_asked_for(loaded) -> None:
    sizes = rollups.bin_sizes(loaded)
    with store.writing(loaded.db_path) as con:
        for table in (*TABLES, "case_daily_hex"):
            con.execute(f"UPDATE {table} SET cases = 99")
        written = rollups.refresh(con, sizes, first_day=dt.date(2025, 6, 4), last_day=dt.date(2025, 6, 4))
    assert written["case_daily_area"] == 3
    assert totals(loaded, "2025-06-03")["cases"] == 2 * 99  # outside the range: left as it was
    assert totals(loaded, "2025-06-04")["cases"] == 3
    with store.writing(loaded.db_path) as con:
        rollups.refresh(con, sizes)
    assert all_match(loaded)


@pytest.mark.parametrize("table", [*TABLES, "case_daily_hex", "case_daily_heat", "case_monthly_hex", "case_open"])
def test_a_load_repairs_a_rollup_that_was_never_built(loaded, tmp_path: Path, table: str) -> None:
    with store.writing(loaded.db_path) as con:  # as in a database from before the table existed
        con.execute(f"DELETE FROM {table}")
    load(
        write_csv(tmp_path / "more.csv", [case(6, 上报时间="2025-06-20 09:00:00", 状态="已上报", **NO_WORKFLOW)]),
        loaded,
    )
    assert all_match(loaded)
    if table != "case_open":
        assert query(loaded, f"SELECT sum(cases) FROM {table}") == [(6,)]


def test_a_load_of_something_else_builds_missing_rollups(loaded, tmp_path: Path) -> None:
    with store.writing(loaded.db_path) as con:
        con.execute("DELETE FROM case_daily_kind")
        con.execute("DELETE FROM rollup_state")
    api.init_db(loaded)  # no case load at all
    assert all_match(loaded)
    # the case rollups, the open cases, the dispatches and the hand-offs (5 cases + no workflow rows)
    assert query(loaded, "SELECT count(*) FROM rollup_state WHERE source_rows = 5") == [(13,)]


def test_refresh_rejects_an_inverted_range(loaded) -> None:
    with duckdb.connect(str(loaded.db_path)) as con, pytest.raises(ValueError, match="after last_day"):
        rollups.refresh(con, SIZES, first_day=dt.date(2025, 6, 5), last_day=dt.date(2025, 6, 4))


@pytest.mark.parametrize(
    ("rows", "cases", "source_rows", "kept"),
    [
        (300, 900, None, True),  # a third of cases: kept
        (301, 900, None, False),  # more: it barely aggregates
        (100, 900, 112, True),  # under 90 % of its source
        (100, 900, 110, False),  # as large as its source (the same rows, e.g. no sub-grids)
        (5, 5, None, True),  # below min_cases every rollup is kept
    ],
)
def test_the_keep_rule(rows: int, cases: int, source_rows: int | None, kept: bool) -> None:
    rule = rollups.KeepRule(min_reduction=3.0, min_cases=10, of_source=0.9)
    assert rule.keeps(rows, cases, source_rows) is kept


def test_rollups_that_do_not_aggregate_are_dropped_and_the_dashboard_reads_another(loaded) -> None:
    from queries.cases import cases_by_level
    from queries.source import case_source, fresh_rollups

    # levels 1-3 only: the grid rollup (levels 1-4) and the community rollup (1-3) hold the area rollup's rows
    rule = rollups.KeepRule(min_reduction=1.0, min_cases=0)
    with store.writing(loaded.db_path) as con:
        rollups.refresh_after_loads(con, [], SIZES, keep=rule)
        rollups.refresh(con, SIZES, keep=rule)
    dropped = dict(query(loaded, "SELECT table_name, source_rows FROM rollup_dropped"))
    assert {"case_daily_grid", "case_daily_community"} <= set(dropped)
    assert dropped["case_daily_grid"] == 5 and "case_daily_area" not in dropped
    assert query(loaded, "SELECT count(*) FROM case_daily_grid") == [(0,)]
    with duckdb.connect(str(loaded.db_path), read_only=True) as con:
        assert not set(dropped) & set(fresh_rollups(con))
        assert case_source(con, ["grid_l3"]).table == "case_daily_area"  # the next rollup that fits
        assert rollups.stale_days(con, []) is None  # a dropped rollup is not compared with cases
        by_level = cases_by_level(con, depth=3)
    with store.writing(loaded.db_path) as con:  # the same figures from cases alone
        con.execute("DELETE FROM rollup_state")
    with duckdb.connect(str(loaded.db_path), read_only=True) as con:
        assert cases_by_level(con, depth=3).equals(by_level)


def test_a_dropped_rollup_is_judged_again_once_cases_doubles(loaded, tmp_path: Path) -> None:
    with store.writing(loaded.db_path) as con:  # as if dropped when cases held 3 rows
        con.execute("DELETE FROM case_daily_kind")
        con.execute("INSERT INTO rollup_dropped VALUES ('case_daily_kind', 3, 3)")
    more = [case(6, 上报时间="2025-06-20 09:00:00", 状态="已上报", **NO_WORKFLOW)]
    load(write_csv(tmp_path / "more.csv", more), loaded)
    # 6 cases >= 2 × 3: built whole again (below min_cases the default rule keeps it)
    assert query(loaded, "SELECT count(*) FROM rollup_dropped") == [(0,)]
    assert all_match(loaded)

"""The dispatch queries read the ETL's derived tables (open cases, dispatches) when they are fresh and derive the
same rows from ``cases`` and ``case_flow`` when they are not; one case's story; the due cohort by deadline."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dispatch_city import NOW, WEEK_A, WEEK_C, WEEK_D

import queries
from queries.source import fresh_rollups
from settings import Settings

#: Every dispatch query with the arguments of one call, over weeks with hand-offs, ranks and the open cases.
CALLS = {
    "open_case_rows": {},
    "kpi_counts": {"group": "dept_code", "start": WEEK_C[0], "end": WEEK_C[1]},
    "overdue_counts": {
        "group": "dept_code",
        "at": dt.datetime(2025, 9, 21, 23, 59),
        "start": WEEK_C[0],
        "end": WEEK_C[1],
    },
    "handled_on_day": {"day": NOW.date(), "as_of": NOW},
    "dispatch_counts": {"start": WEEK_A[0], "end": WEEK_D[1]},
    "handoff_summary": {"start": WEEK_A[0], "end": WEEK_A[1]},
    "handoff_chains": {"start": WEEK_A[0], "end": WEEK_D[1]},
    "handoff_flows": {"start": WEEK_A[0], "end": WEEK_D[1], "dept": ("CG",)},
    "disputed_categories": {},
    "bounced_cases": {"area": "340104001", "area_depth": 2},
    "recent_clusters": {"since": NOW - dt.timedelta(hours=24), "until": NOW, "depth": 3, "min_cases": 2},
    "spike_counts": {"day": NOW.date(), "weeks": 8, "depth": 2},
    "case_warnings": {
        "rules": ("I-IOT", "I-URGENT", "I-SUPERVISED", "II-OVERDUE", "III-DUE"),
        "as_of": NOW,
        "work_periods": ((480, 720), (840, 1080)),
    },
    "light_counts": {"as_of": NOW, "work_periods": ((480, 720), (840, 1080)), "warn": 0.8},
    "light_cases": {"as_of": NOW, "work_periods": ((480, 720), (840, 1080)), "warn": 0.8, "pick": "held"},
}


@pytest.fixture(scope="module")
def derived_on_the_fly(dispatch_city: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the dispatch city whose derived tables are not trusted (as after a write outside the ETL)."""
    copy = tmp_path_factory.mktemp("unrefreshed") / "onemap.duckdb"
    shutil.copy(dispatch_city.db_path, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("DELETE FROM rollup_state")
    return copy


@pytest.mark.parametrize("name", sorted(CALLS))
def test_the_derived_tables_give_what_cases_and_flows_give(
    name: str, dispatch_city: Settings, derived_on_the_fly
) -> None:
    with duckdb.connect(str(dispatch_city.db_path), read_only=True) as fresh:
        assert {"case_open", "case_dispatch"} <= set(fresh_rollups(fresh))
        expected = queries.QUERIES[name](fresh, **CALLS[name])
    with duckdb.connect(str(derived_on_the_fly), read_only=True) as plain:
        assert fresh_rollups(plain) == {}
        got = queries.QUERIES[name](plain, **CALLS[name])
    assert len(expected) > 0, name  # something to compare
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, obj=name)


def test_one_case_its_row_and_its_transitions(dispatch_city: Settings) -> None:
    with duckdb.connect(str(dispatch_city.db_path), read_only=True) as con:
        detail = queries.case_detail(con, case_uid="t:R1")
        flow = queries.case_timeline(con, case_uid="t:R1")
        assert queries.case_detail(con, case_uid="t:nope").empty
        assert queries.find_cases(con, text=" R1 ")["case_uid"].tolist() == ["t:R1"]  # the source's id
        assert queries.find_cases(con, text="t:R1")["case_uid"].tolist() == ["t:R1"]
        assert queries.find_cases(con, text="R").empty  # whole ids only
    assert detail.iloc[0][["dept_code", "dispatch_count", "return_count"]].tolist() == ["CG", 3, 2]
    assert "contact_masked" in detail.columns and "contact_name" not in detail.columns
    assert flow["to_state"].tolist() == [
        "reported", "accepted", "registered", "dispatched", "returned", "dispatched", "returned", "dispatched",
        "handling", "handled", "checking", "closed",
    ]  # fmt: skip
    assert flow["dept_code"].tolist()[3:8] == ["CG", "CG", "ZJ", "ZJ", "CG"]
    assert flow["hours"].iloc[4] == pytest.approx(40 / 60)  # dispatched 09:20, returned 10:00


def test_the_due_cohort_by_deadline_reads_cases(dispatch_city: Settings) -> None:
    with duckdb.connect(str(dispatch_city.db_path), read_only=True) as con:
        friday = {"start": dt.date(2025, 9, 19), "end": dt.date(2025, 9, 19)}
        by_report = queries.kpi_counts(con, group="dept_code", **friday)
        by_deadline = queries.kpi_counts(con, group="dept_code", cohort="deadline", **friday)
    # nothing was reported that Friday; K4's extended deadline (Fri 15:00) falls on it
    assert by_report.empty
    assert by_deadline[["unit", "due", "handled_on_time"]].values.tolist() == [["CG", 1, 1]]


def test_the_case_warnings_of_each_level_cut_to_the_latest_with_the_count_of_all(dispatch_city: Settings) -> None:
    with duckdb.connect(str(dispatch_city.db_path), read_only=True) as con:
        cut = queries.case_warnings(con, **{**CALLS["case_warnings"], "per_level": 1})
        every = queries.case_warnings(con, **CALLS["case_warnings"])
        with pytest.raises(ValueError, match="per_level must be a positive int or None, got 0"):
            queries.case_warnings(con, **{**CALLS["case_warnings"], "per_level": 0})
    # I: L12 (fired 10:20), L6, L7; II: L8 (10:20), L4 (10:00); III: L1, L5, L2 (tests/dispatch_city.py)
    assert every["case_uid"].tolist() == ["t:L12", "t:L6", "t:L7", "t:L8", "t:L4", "t:L1", "t:L5", "t:L2"]
    assert cut[["level", "case_uid", "level_warnings"]].values.tolist() == [
        [1, "t:L12", 3],
        [2, "t:L8", 2],
        [3, "t:L1", 3],
    ]
    assert every.set_index("case_uid").loc["t:L6", "also"] == "II-OVERDUE"

"""Every dispatch figure worked out by hand on the dispatch city (tests/dispatch_city.py, which tells the story):
the red/black list, the department board, the warnings, the hand-offs and the whistles, as ``analytics`` computes
them from the query requests (what the page, a report and ``python -m analytics`` all run)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import duckdb
import numpy as np
import pandas as pd
import pytest
from dispatch_city import EAST_COMMUNITY, NOW, WEEK_A, WEEK_C, WEEK_D, WEST_COMMUNITY, WEST_POINT
from scipy import stats

import queries
from analytics.board import board_table
from analytics.dispatch import DispatchOptions, Period, Run
from analytics.ranking import ranking_table, red_black
from analytics.warnings import level_counts, warnings_table
from core.measures import ratio_of
from settings import Settings


@pytest.fixture(scope="module")
def run(dispatch_city: Settings) -> Iterator[Run]:
    with duckdb.connect(str(dispatch_city.db_path), read_only=True) as con:
        yield lambda name, kwargs: queries.QUERIES[name](con, **kwargs)


@pytest.fixture(scope="module")
def options(dispatch_city: Settings) -> DispatchOptions:
    return DispatchOptions.from_settings(dispatch_city)


def week(days: tuple[dt.date, dt.date], **filters) -> Period:
    return Period(start=days[0], end=days[1], now=NOW, filters=filters)


# ---------------------------------------------------------------- the red/black list
def test_the_red_black_list_of_week_c(run, options) -> None:
    table = ranking_table(run, week(WEEK_C), options, level="department").set_index("unit")
    # CG: 5 due, all handled, 3 on time, 1 reworked of 5 closed, 1 extended, K5 pending and overdue at the end
    #     30 × 1 + 20 × 0.6 + 20 × (1 − 0.2) + 20 × (1 − 0.2) + 10 × (1 − 0.2) = 82
    # ZJ: 3 due, all on time: 100.  SC: 2 due (S2 was rejected), both late: 30 + 0 + 20 + 20 + 10 = 80
    assert table.loc["CG", ["due", "handled", "handled_on_time", "reworked", "extended", "overdue"]].tolist() == [
        5,
        5,
        3,
        1,
        1,
        1,
    ]
    assert table.loc["CG", "score"] == pytest.approx(82.0)
    assert table.loc["ZJ", "score"] == pytest.approx(100.0)
    assert table.loc["SC", "score"] == pytest.approx(80.0)
    assert table.loc["CG", ["handling_rate", "on_time_handling_rate", "rework_rate"]].tolist() == pytest.approx(
        [1.0, 0.6, 0.2]
    )
    assert table.loc["CG", ["overdue_pending_rate", "extension_rate"]].tolist() == pytest.approx([0.2, 0.2])
    assert table["rank"].tolist() == [1, 2, 3] and list(table.index) == ["ZJ", "CG", "SC"]
    assert table["list"].tolist() == ["red", "", "black"]  # one each (ranking_list_size = 1)
    # week B: CG 2 of 2 on time (100), ZJ 1 of 2 (90), SC one case only (below ranking_min_cases = 2)
    assert table["previous_rank"].tolist() == [2, 1, pd.NA]
    assert table["rank_change"].tolist() == [1, -1, pd.NA]
    assert table.loc["ZJ", "name"] == "住建局"
    red, black = red_black(table.reset_index())
    assert red["unit"].tolist() == ["ZJ"] and black["unit"].tolist() == ["SC"]


def test_the_red_black_list_follows_its_settings(run, dispatch_city: Settings) -> None:
    handled = DispatchOptions.from_settings(dataclasses.replace(dispatch_city, rework_denominator="handled"))
    assert "rework_rate_handled" in handled.weights  # "rework_rate" means the chosen denominator's
    few = DispatchOptions.from_settings(dataclasses.replace(dispatch_city, ranking_min_cases=3))
    table = ranking_table(run, week(WEEK_C), few, level="department").set_index("unit")
    assert table.loc["SC", "eligible"] == False  # noqa: E712 — two cases due, three needed
    assert table["rank"].dropna().tolist() == [1, 2]
    by_deadline = DispatchOptions.from_settings(dataclasses.replace(dispatch_city, due_cohort="deadline"))
    table = ranking_table(run, week(WEEK_C), by_deadline, level="department").set_index("unit")
    assert table.loc["CG", "due"] == 5  # the same five: each deadline falls in the week of its report
    weighted = DispatchOptions.from_settings(dataclasses.replace(dispatch_city, ranking_weights={"handling_rate": 1}))
    table = ranking_table(run, week(WEEK_C), weighted, level="department")
    assert table["score"].tolist() == [1.0, 1.0, 1.0]  # ties: the most due first, then by code
    assert table["unit"].tolist() == ["CG", "ZJ", "SC"]
    with pytest.raises(ValueError, match="ranking weight 'cases' is not a rate"):
        DispatchOptions.from_settings(dataclasses.replace(dispatch_city, ranking_weights={"cases": 1}))


def test_streets_and_property_companies_are_ranked_too(run, options) -> None:
    streets = ranking_table(run, week(WEEK_C), options, level="street").set_index("unit")
    # the west street: K1-K5, S1, S3 (S2 rejected); the east: Z1-Z3
    assert streets.loc["340104001", ["due", "handled_on_time"]].tolist() == [7, 3]
    assert streets.loc["340104002", ["due", "handled_on_time"]].tolist() == [3, 3]
    assert streets.loc["340104002", "name"] == "东街道"
    assert ranking_table(run, week(WEEK_C), options, level="property").empty  # 安居物业 has no cases


# ---------------------------------------------------------------- the department board
def test_the_board_of_week_c_at_now(run, options) -> None:
    board = board_table(run, week(WEEK_C), options).set_index("dept_code")
    assert list(board.index) == ["CG", "ZJ", "SC", "JD1", "JD2"]  # most overdue first; then due soon, pending
    now = ["pending", "due_soon", "overdue", "urgent_pending", "supervised_pending", "handled_today"]
    # CG holds L2 (due soon), L4 (overdue), L5 (due soon), L6 (urgent, overdue); handled L10 at 08:50 today
    assert board.loc["CG", now].tolist() == [4, 2, 2, 1, 0, 1]
    assert board.loc["ZJ", now].tolist() == [2, 0, 1, 0, 1, 0]  # L3; L7 supervised and overdue
    assert board.loc["SC", now].tolist() == [1, 0, 1, 0, 0, 0]  # L8, returned
    assert board.loc["JD1", "handled_today"] == 2 and board.loc["JD2", "handled_today"] == 6
    # week C: CG held K1 1.5 h, K2 23 h, K3 2 h, K4 49 h, K5 96 h; ZJ 3, 1, 1 h; SC 7 and 48 h
    assert board.loc[["CG", "ZJ", "SC"], "median_hours_in_dept"].tolist() == pytest.approx([23.0, 1.0, 27.5])
    assert board.loc[["CG", "ZJ", "SC"], "on_time_handling_rate"].tolist() == pytest.approx([0.6, 1.0, 0.0])
    assert board.loc[["CG", "ZJ", "SC"], "rework_rate"].tolist() == pytest.approx([0.2, 0.0, 0.0])
    assert board.loc[["CG", "ZJ", "SC"], "return_rate"].tolist() == pytest.approx([0.0, 0.0, 0.0])
    assert board.loc["CG", "satisfaction_rate"] == pytest.approx(0.5)  # K1 satisfied, K2 not
    assert np.isnan(board.loc["SC", "satisfaction_rate"])  # no follow-up call
    only = board_table(run, week(WEEK_C, dept=("ZJ",)), options)
    assert only["dept_code"].tolist() == ["ZJ"] and only.iloc[0]["pending"] == 2  # the filter picks rows
    communities = board_table(run, week(WEEK_C), options, kinds=("community",))
    assert communities.empty  # 西社区 has nothing in the week and holds nothing now


def test_the_board_of_week_a_counts_returns_and_time_held(run, options) -> None:
    board = board_table(run, week(WEEK_A), options).set_index("dept_code")
    # CG: R1 #1 (returned, 40 min), R1 #3 (3 h 20), R3 #3 (3 h 50), R4 (1 h 40): median 2.5 h, 1 return of 4
    assert board.loc["CG", ["dispatches", "returns"]].tolist() == [4, 1]
    assert board.loc["CG", "median_hours_in_dept"] == pytest.approx(2.5)
    assert board.loc["ZJ", ["dispatches", "returns"]].tolist() == [3, 2]
    assert board.loc["ZJ", "median_hours_in_dept"] == pytest.approx(50 / 60)
    assert board.loc["SC", ["dispatches", "returns", "return_rate"]].tolist() == pytest.approx([2, 2, 1.0])


def test_whistles_on_the_board(run, options) -> None:
    board = board_table(run, week(WEEK_D), options).set_index("dept_code")
    # W1 (west street, 30 min): CG at 20 min (90), ZJ at 45 min (70), solved; W2 (west community, 20 min):
    # CG at 15 min, SC never came, unsolved
    figures = ["summons", "arrived_on_time", "whistles", "whistles_resolved"]
    assert board.loc["CG", figures].tolist() == [2, 2, 2, 1]
    assert board.loc["CG", ["arrival_rate", "whistle_resolution_rate", "whistle_score"]].tolist() == pytest.approx(
        [1.0, 0.5, 90.0]
    )
    assert board.loc["ZJ", ["arrival_rate", "whistle_resolution_rate", "whistle_score"]].tolist() == pytest.approx(
        [0.0, 1.0, 70.0]
    )
    assert board.loc["SC", ["arrival_rate", "whistle_resolution_rate"]].tolist() == pytest.approx([0.0, 0.0])
    assert np.isnan(board.loc["SC", "whistle_score"])


# ---------------------------------------------------------------- the warnings
def test_every_warning_rule_fires_on_what_was_planted(run, options) -> None:
    found = warnings_table(run, week(WEEK_D), options)
    assert level_counts(found)["warnings"].tolist() == [4, 3, 3]
    subjects = [
        (row.level, row.rule_id, row.case_uid if row.subject == "case" else row.area) for row in found.itertuples()
    ]
    assert subjects == [
        (1, "I-IOT", "t:L12"),  # fired 10:20 (30 min after its report)
        (1, "I-SPIKE", EAST_COMMUNITY),  # today
        (1, "I-URGENT", "t:L6"),  # deadline Sat 22:00
        (1, "I-SUPERVISED", "t:L7"),  # deadline Thu 15:00
        (2, "II-OVERDUE", "t:L8"),  # deadline 10:20
        (2, "II-OVERDUE", "t:L4"),  # deadline 10:00
        (2, "II-CLUSTER", WEST_COMMUNITY),  # the fifth case at 08:40
        (3, "III-DUE", "t:L1"),  # 2 working hours before its 11:30 deadline: 09:30
        (3, "III-DUE", "t:L5"),
        (3, "III-DUE", "t:L2"),
    ]
    by = found.assign(key=found["case_uid"].fillna(found["area"])).set_index("key")
    assert by.loc["t:L6", ["value", "also"]].tolist() == [pytest.approx(12.5), "II-OVERDUE"]
    assert by.loc["t:L7", "value"] == pytest.approx(13.5)  # working hours since Thu 15:00
    assert by.loc["t:L12", "value"] == pytest.approx(40.0) and by.loc["t:L12", "threshold"] == 30
    assert by.loc["t:L1", "value"] == pytest.approx(1.0) and by.loc["t:L2", "value"] == pytest.approx(0.0)
    assert by.loc[WEST_COMMUNITY, ["category_code", "value"]].tolist() == ["07001", 5]
    assert by.loc["t:L4", "fired_at"] == pd.Timestamp("2025-09-28 10:00")
    # the spike: 6 today against 1, 0, 1, 0, 1, 0, 1, 0 on the eight Sundays before; six series were tested
    p = [
        stats.nbinom.sf(5, 4.5, 8 / 9),  # 乱堆物, east
        stats.nbinom.sf(1, 0.5, 8 / 9),  # 非法小广告, west: 2 today
        stats.nbinom.sf(2, 0.5, 8 / 9),  # 店外经营, west: 3 today
        stats.nbinom.sf(0, 0.5, 8 / 9),  # 暴露垃圾, east: 1 today
        stats.nbinom.sf(0, 0.5, 8 / 9),  # 机动车乱停放, west: 1 today
        stats.nbinom.sf(1, 0.5, 8 / 9),  # IoT, west: 2 today
    ]
    spike = by.loc[EAST_COMMUNITY]
    assert spike[["category_code", "value", "expected"]].tolist() == ["06036", 6, 0.5]
    assert spike["p_fdr"] == pytest.approx(stats.false_discovery_control(p, method="bh")[0], rel=1e-9)
    assert spike[["lon", "lat"]].tolist() == pytest.approx([117.275, 31.85])  # the community's label point


def test_warnings_follow_the_filters_and_the_rules(run, options) -> None:
    west = warnings_table(run, week(WEEK_D, channel=("iot",)), options)
    assert west["rule_id"].tolist() == ["I-IOT"]  # only IoT alarms: the cluster and spike have none
    ones = warnings_table(run, week(WEEK_D, dept=("ZJ",)), options)
    assert ones["case_uid"].dropna().tolist() == ["t:L7"]


# ---------------------------------------------------------------- hand-offs and whistles (the queries)
def test_the_hand_offs_of_week_a(run) -> None:
    filters = {"start": WEEK_A[0], "end": WEEK_A[1]}
    summary = run("handoff_summary", filters).iloc[0]
    assert summary[["dispatched", "dispatches", "returns", "redispatched", "ping_pong", "disputed"]].tolist() == [
        4,
        9,
        5,
        3,
        1,
        2,
    ]
    assert summary["dispatched_accurately"] == 1
    assert summary["accurate_dispatch_rate"] == pytest.approx(0.25)  # R4 alone: neither returned nor reworked
    chains = run("handoff_chains", filters)
    assert chains.to_dict("list") == {
        "chain": ["CG>ZJ>CG", "SC>ZJ", "ZJ>SC>CG"],
        "cases": [1, 1, 1],
        "returns": [2, 1, 2],
        "ping_pong": [True, False, False],
        "disputed": [True, False, True],
    }
    flows = run("handoff_flows", filters)
    assert flows.to_dict("list") == {  # the re-dispatched cases only: R1, R2, R3
        "first_dept": ["CG", "SC", "ZJ"],
        "last_dept": ["CG", "ZJ", "CG"],
        "cases": [1, 1, 1],
    }
    categories = run("disputed_categories", filters)
    assert categories.to_dict("list") == {
        "category_code": ["09005", "06010"],
        "dispatched_cases": [2, 2],
        "returned_cases": [2, 1],
        "disputed": [1, 1],
        "ping_pong": [1, 0],
        "returns": [3, 2],
        "return_share": [1.0, 0.5],
    }
    bounced = run("bounced_cases", filters)
    assert bounced["case_uid"].tolist() == ["t:R3", "t:R2", "t:R1"]
    assert bounced["chain"].tolist() == ["ZJ>SC>CG", "SC>ZJ", "CG>ZJ>CG"]
    assert run("handoff_chains", {**filters, "dept": ("ZJ",)})["chain"].tolist() == ["SC>ZJ"]  # R2 is ZJ's now


def test_the_whistles_of_week_d(run) -> None:
    filters = {"start": WEEK_D[0], "end": WEEK_D[1]}
    listed = run("whistle_list", filters).set_index("whistle_id")
    assert list(listed.index) == ["W2", "W1"]  # newest first
    columns = ["summoned", "arrived_on_time", "arrived_late", "not_arrived"]
    assert listed.loc["W1", columns].tolist() == [2, 1, 1, 0]
    assert listed.loc["W2", columns].tolist() == [2, 1, 0, 1]
    assert listed.loc["W1", "score_mean"] == 80.0 and listed.loc["W2", "case_uid"] == "t:L8"
    assert listed.loc["W2", ["lon", "lat"]].tolist() == pytest.approx(list(WEST_POINT))  # the linked case
    assert listed.loc["W1", ["lon", "lat"]].tolist() == pytest.approx([117.225, 31.85])  # the west street
    streets = run("whistle_counts", {"group": "initiator_code", **filters}).set_index("unit")
    assert streets.loc[["JD1", "SQ1"], "summons"].tolist() == [2, 2]
    assert ratio_of(streets, "whistle_resolution_rate").tolist() == [1.0, 0.0]
    assert len(run("whistle_list", {**filters, "area": "340104001"})) == 2  # the street and its community
    assert run("whistle_list", {**filters, "area": "340104002"}).empty
    assert run("whistle_list", {"start": WEEK_C[0], "end": WEEK_C[1]}).empty
    responses = run("whistle_responses", {"whistle_ids": ["W1"]})
    assert responses[["dept_code", "minutes_to_arrive", "on_time"]].values.tolist() == [
        ["CG", 20.0, True],
        ["ZJ", 45.0, False],
    ]

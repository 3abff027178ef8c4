"""The dispatch city: a small, hand-checkable world for the dispatch figures, loaded by the real ETL.

The tiny city of ``conftest`` (one district, a west and an east street, one community each) with three functional
departments (CG 城管局, ZJ 住建局, SC 市场监管局), two street offices, a community and a property company, and
four weeks of cases in September 2025, each week for one part of the page (work periods 08:00–12:00, 14:00–18:00;
2025-09-28 is a Sunday worked in exchange for the National Day holiday: 调休):

* week A (09-01 … 09-07): hand-offs. R1 CG→ZJ→CG (returned by both: ping-pong and disputed), R2 SC→ZJ, R3
  ZJ→SC→CG (disputed), R4 CG alone.
* week B (09-08 … 09-14): the red/black list's previous period (CG two on time; ZJ one of two late; SC one case).
* week C (09-15 … 09-21): the red/black list and the board's period. CG: K1 on time, K2 late, K3 reworked, K4
  extended two days and on time, K5 still pending and overdue when the week ended (handled on 09-22). ZJ: three on
  time. SC: two late, and one rejected (not due).
* week D (09-22 … 09-28): now is Sunday 2025-09-28 10:30, a make-up working day. L1 … L13 are the open cases, each
  waiting on one step (their lights and warnings are worked out in the tests); five 非法小广告 in the west community
  within 24 hours (a cluster); six 乱堆物 in the east community today against one on every other Sunday of the
  eight before (a spike); two whistles.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
from conftest import EAST_POINT, WEST_POINT, tiny_grids

from etl import api
from etl.sources import SourceOptions
from settings import Settings

NOW = dt.datetime(2025, 9, 28, 10, 30)
WEEK_A = (dt.date(2025, 9, 1), dt.date(2025, 9, 7))
WEEK_B = (dt.date(2025, 9, 8), dt.date(2025, 9, 14))
WEEK_C = (dt.date(2025, 9, 15), dt.date(2025, 9, 21))
WEEK_D = (dt.date(2025, 9, 22), dt.date(2025, 9, 28))
WEST, EAST = "340104001", "340104002"
WEST_COMMUNITY, EAST_COMMUNITY = "340104001001", "340104002001"

DEPARTMENTS = [
    ("CG", "城市管理局", "城管局", "functional", None, "340104"),
    ("ZJ", "住房和城乡建设局", "住建局", "functional", None, "340104"),
    ("SC", "市场监督管理局", "市场监管局", "functional", None, "340104"),
    ("JD1", "西街道办事处", "西街道", "street", None, WEST),
    ("JD2", "东街道办事处", "东街道", "street", None, EAST),
    ("SQ1", "西社区居民委员会", "西社区", "community", "JD1", WEST_COMMUNITY),
    ("WY1", "安居物业公司", "安居物业", "property", None, None),
]
#: Workflow step times in their order, with the state each one leads to.
_STEPS = (
    ("accepted", "accepted"),
    ("registered", "registered"),
    ("dispatched", "dispatched"),
    ("signed", "handling"),
    ("handled", "handled"),
    ("checked", "checking"),
    ("closed", "closed"),
)
_HEADERS = {
    "reported": "上报时间",
    "accepted": "受理时间",
    "registered": "立案时间",
    "dispatched": "派遣时间",
    "signed": "签收时间",
    "handled": "处置时间",
    "checked": "核查时间",
    "closed": "结案时间",
}


def _t(day: str, time: str) -> str:
    return f"2025-{day} {time}:00"


def _closed(n: str, dept: str, category: str, day: str, dispatched: str, handled_day: str, handled: str, **extra):
    """A case handled and closed: reported at dispatch time − 20 min, closed an hour after handling."""
    at = pd.Timestamp(_t(day, dispatched))
    done = pd.Timestamp(_t(handled_day, handled))
    return {
        "id": n,
        "dept": dept,
        "category": category,
        "reported": at - pd.Timedelta(minutes=20),
        "accepted": at - pd.Timedelta(minutes=15),
        "registered": at - pd.Timedelta(minutes=10),
        "dispatched": at,
        "signed": at + pd.Timedelta(minutes=5),
        "handled": done,
        "checked": done + pd.Timedelta(minutes=30),
        "closed": done + pd.Timedelta(minutes=60),
        "status": "closed",
        **extra,
    }


def _open(n: str, status: str, category: str, dept: str | None, **times: str) -> dict:
    return {
        "id": n,
        "status": status,
        "category": category,
        "dept": dept,
        **{k: pd.Timestamp(v) for k, v in times.items()},
    }


# ---------------------------------------------------------------- the cases
KPI_CASES = [
    # week B: the previous period
    _closed("B1", "CG", "06010", "09-08", "09:00", "09-08", "10:00"),
    _closed("B2", "CG", "06010", "09-09", "09:00", "09-09", "10:00"),
    _closed("B3", "ZJ", "06010", "09-08", "09:00", "09-08", "10:00"),
    _closed("B4", "ZJ", "06010", "09-09", "09:00", "09-10", "10:00"),  # late: deadline 09-09 15:00
    _closed("B5", "SC", "06010", "09-10", "09:00", "09-10", "10:00"),
    # week C: CG
    _closed("K1", "CG", "06010", "09-15", "09:30", "09-15", "11:00", satisfaction="满意"),  # deadline 15:30
    _closed("K2", "CG", "06010", "09-15", "10:00", "09-16", "09:00", satisfaction="不满意"),  # deadline 16:00: late
    _closed("K3", "CG", "06010", "09-16", "09:00", "09-16", "11:00", reworks=1),  # on time, reworked
    _closed("K4", "CG", "06010", "09-17", "09:00", "09-19", "10:00", extension=2),  # deadline 09-19 15:00
    _closed("K5", "CG", "06010", "09-18", "09:00", "09-22", "09:00"),  # deadline 09-18 15:00: overdue at week's end
    # week C: ZJ, all on time
    _closed("Z1", "ZJ", "06010", "09-15", "14:00", "09-15", "17:00"),
    _closed("Z2", "ZJ", "06010", "09-16", "14:00", "09-16", "15:00", satisfaction="满意"),
    _closed("Z3", "ZJ", "09005", "09-17", "09:00", "09-17", "10:00"),
    # week C: SC, both late; one rejected
    _closed("S1", "SC", "06010", "09-15", "09:00", "09-15", "16:00"),  # deadline 15:00
    _closed("S3", "SC", "06010", "09-17", "09:00", "09-19", "09:00"),  # deadline 09-17 15:00
    {"id": "S2", "dept": "SC", "category": "06010", "reported": pd.Timestamp("2025-09-16 09:00"), "status": "rejected"},
]

#: Week A: the hand-offs, each dispatch as (department, dispatched at, returned at or None).
HANDOFFS = {
    "R1": (
        "09005",
        "CG",
        "09-01",
        [("CG", "09:20", "10:00"), ("ZJ", "10:10", "11:00"), ("CG", "11:10", None)],
        "14:30",
    ),
    "R2": ("09005", "ZJ", "09-02", [("SC", "09:20", "10:00"), ("ZJ", "10:10", None)], "11:00"),
    "R3": (
        "06010",
        "CG",
        "09-03",
        [("ZJ", "09:20", "10:00"), ("SC", "10:10", "11:00"), ("CG", "11:10", None)],
        "15:00",
    ),
    "R4": ("06010", "CG", "09-04", [("CG", "09:20", None)], "11:00"),
}

#: Week D: the open cases at NOW (what each waits on, and why, is in tests/analytics/test_dispatch_figures.py).
OPEN_CASES = [
    _open("L1", "reported", "06010", None, reported="2025-09-26 17:30"),
    _open(
        "L2",
        "dispatched",
        "09005",
        "CG",
        reported="2025-09-28 08:00",
        accepted="2025-09-28 08:05",
        registered="2025-09-28 08:10",
        dispatched="2025-09-28 08:30",
    ),
    _open(
        "L3",
        "dispatched",
        "06010",
        "ZJ",
        reported="2025-09-28 08:50",
        accepted="2025-09-28 08:55",
        registered="2025-09-28 08:58",
        dispatched="2025-09-28 09:00",
    ),
    _open(
        "L4",
        "handling",
        "06010",
        "CG",
        reported="2025-09-26 15:00",
        accepted="2025-09-26 15:10",
        registered="2025-09-26 15:20",
        dispatched="2025-09-26 16:00",
        signed="2025-09-26 16:10",
    ),
    _open(
        "L5",
        "handling",
        "09009",
        "CG",
        reported="2025-09-28 08:30",
        accepted="2025-09-28 08:35",
        registered="2025-09-28 08:40",
        dispatched="2025-09-28 08:45",
        signed="2025-09-28 08:50",
    ),
    {
        **_open(
            "L6",
            "handling",
            "06042",
            "CG",
            reported="2025-09-27 19:30",
            accepted="2025-09-27 19:40",
            registered="2025-09-27 19:50",
            dispatched="2025-09-27 20:00",
            signed="2025-09-27 20:05",
        ),
        "urgent": True,
    },
    {
        **_open(
            "L7",
            "handling",
            "06010",
            "ZJ",
            reported="2025-09-25 08:30",
            accepted="2025-09-25 08:40",
            registered="2025-09-25 08:50",
            dispatched="2025-09-25 09:00",
            signed="2025-09-25 09:10",
        ),
        "supervised": True,
    },
    _open(
        "L8",
        "returned",
        "09005",
        "SC",
        reported="2025-09-28 08:00",
        accepted="2025-09-28 08:05",
        registered="2025-09-28 08:10",
        dispatched="2025-09-28 08:20",
    ),
    {
        **_open(
            "L9",
            "rework",
            "06010",
            "CG",
            reported="2025-09-26 09:00",
            accepted="2025-09-26 09:05",
            registered="2025-09-26 09:10",
            dispatched="2025-09-26 09:30",
            signed="2025-09-26 09:40",
            handled="2025-09-26 11:00",
            checked="2025-09-28 09:30",
        ),
        "reworks": 1,
    },
    _open(
        "L10",
        "handled",
        "09005",
        "CG",
        reported="2025-09-28 08:00",
        accepted="2025-09-28 08:02",
        registered="2025-09-28 08:05",
        dispatched="2025-09-28 08:10",
        signed="2025-09-28 08:15",
        handled="2025-09-28 08:50",
    ),
    _open(
        "L11",
        "checking",
        "06010",
        "ZJ",
        reported="2025-09-26 14:00",
        accepted="2025-09-26 14:05",
        registered="2025-09-26 14:10",
        dispatched="2025-09-26 14:20",
        signed="2025-09-26 14:30",
        handled="2025-09-26 16:00",
        checked="2025-09-26 17:30",
    ),
    {**_open("L12", "reported", "01013", None, reported="2025-09-28 09:50"), "channel": "iot"},
    {**_open("L13", "reported", "01013", None, reported="2025-09-28 10:10"), "channel": "iot"},
]
#: L8's return (its flow: dispatched to SC at 08:20, returned by SC at 09:00).
L8_RETURNED = "2025-09-28 09:00"

#: The cluster (west community, 非法小广告 07001): five in the 24 hours before NOW, one just before them.
CLUSTER_TIMES = ["09-27 10:00", "09-27 12:00", "09-27 15:00", "09-27 20:00", "09-28 08:00", "09-28 09:00"]
#: The spike (east community, 乱堆物 06036): one on every other Sunday of the eight before, six today.
SPIKE_HISTORY = ["08-03", "08-17", "08-31", "09-14"]
SPIKE_TODAY = ["08:10", "08:30", "09:00", "09:20", "09:40", "10:00"]


def _later(time: str, minutes: int = 30) -> str:
    return (pd.Timestamp(f"2025-01-01 {time}") + pd.Timedelta(minutes=minutes)).strftime("%H:%M")


def _area_cases() -> list[dict]:
    """Handled half an hour after dispatch (the day does not change: none is dispatched after 23:30)."""
    cases = []
    for i, when in enumerate(CLUSTER_TIMES, 1):
        day, time = when.split()
        cases.append(_closed(f"AD{i}", "JD1", "07001", day, time, day, _later(time), point=WEST_POINT))
    for i, day in enumerate(SPIKE_HISTORY, 1):
        cases.append(_closed(f"SH{i}", "JD2", "06036", day, "09:00", day, "09:30", point=EAST_POINT))
    for i, time in enumerate(SPIKE_TODAY, 1):
        cases.append(_closed(f"SP{i}", "JD2", "06036", "09-28", time, "09-28", _later(time), point=EAST_POINT))
    return cases


def _handoff_cases() -> tuple[list[dict], list[dict]]:
    cases, flows = [], []
    for n, (category, dept, day, dispatches, handled) in HANDOFFS.items():
        reported = pd.Timestamp(_t(day, "09:00"))
        steps = [("reported", None, reported, None), ("accepted", "reported", reported + pd.Timedelta(minutes=5), None)]
        steps.append(("registered", "accepted", reported + pd.Timedelta(minutes=10), None))
        state = "registered"
        for to, at, returned in dispatches:
            steps.append(("dispatched", state, pd.Timestamp(_t(day, at)), to))
            state = "dispatched"
            if returned:
                steps.append(("returned", "dispatched", pd.Timestamp(_t(day, returned)), to))
                state = "returned"
        last = pd.Timestamp(_t(day, dispatches[-1][1]))
        done = pd.Timestamp(_t(day, handled))
        steps += [
            ("handling", "dispatched", last + pd.Timedelta(minutes=10), dept),
            ("handled", "handling", done, dept),
            ("checking", "handled", done + pd.Timedelta(minutes=30), None),
            ("closed", "checking", done + pd.Timedelta(minutes=40), None),
        ]
        flows += [_flow(n, i, *step) for i, step in enumerate(steps, 1)]
        returns = sum(1 for d in dispatches if d[2])
        cases.append(
            {
                "id": n,
                "dept": dept,
                "category": category,
                "reported": reported,
                "accepted": steps[1][2],
                "registered": steps[2][2],
                "dispatched": last,
                "signed": last + pd.Timedelta(minutes=10),
                "handled": done,
                "checked": done + pd.Timedelta(minutes=30),
                "closed": done + pd.Timedelta(minutes=40),
                "status": "closed",
                "dispatches": len(dispatches),
                "returns": returns,
            }
        )
    return cases, flows


def _flow(case_id: str, seq: int, to_state: str, from_state: str | None, at: pd.Timestamp, dept: str | None) -> dict:
    return {
        "事件编号": case_id,
        "序号": seq,
        "原状态": from_state,
        "新状态": to_state,
        "操作时间": str(at),
        "部门编码": dept,
        "操作人": "测试员",
    }


def _flows_of(case: dict) -> list[dict]:
    """The transitions a case's times imply, one per present step time (the dispatch names its department)."""
    rows, state = [_flow(case["id"], 1, "reported", None, case["reported"], None)], "reported"
    for column, to in _STEPS:
        if column in case and not pd.isna(case[column]):
            rows.append(_flow(case["id"], len(rows) + 1, to, state, case[column], case.get("dept")))
            state = to
    return rows


def case_rows() -> tuple[list[dict], list[dict]]:
    """Every case as a row of the case file, and every transition as a row of the flow file."""
    handoff_cases, flows = _handoff_cases()
    simple = [*KPI_CASES, *_area_cases()]
    for case in simple:
        if case["status"] != "rejected":
            flows += _flows_of(case)
    l8 = next(c for c in OPEN_CASES if c["id"] == "L8")
    flows += [*_flows_of(l8), _flow("L8", 5, "returned", "dispatched", pd.Timestamp(L8_RETURNED), "SC")]
    rows = []
    for case in [*simple, *handoff_cases, *OPEN_CASES]:
        point = case.get("point", EAST_POINT if case["id"] in ("Z1", "Z2", "Z3", "L3") else WEST_POINT)
        row = {
            "事件编号": case["id"],
            "来源渠道": case.get("channel", "patrol"),
            "类别编码": case["category"],
            "事件描述": f"测试案件 {case['id']}",
            "经度": point[0],
            "纬度": point[1],
            **{
                header: (str(case[k]) if k in case and not pd.isna(case[k]) else None) for k, header in _HEADERS.items()
            },
            "状态": case["status"],
            "处置部门编码": case.get("dept"),
            "是否紧急": "是" if case.get("urgent") else "否",
            "是否督办": "是" if case.get("supervised") else "否",
            "延期天数": case.get("extension", 0),
            "派遣次数": case.get("dispatches", 1 if case.get("dispatched") is not None else 0),
            "退回次数": case.get("returns", 0),
            "返工次数": case.get("reworks", 0),
            "满意度": case.get("satisfaction"),
        }
        rows.append(row)
    return rows, flows


WHISTLES = [
    {
        "吹哨编号": "W1",
        "发起单位": "西街道",
        "吹哨类型": "群众诉求",
        "吹哨时间": "2025-09-27 09:00",
        "解决时间": "2025-09-27 12:00",
        "事由": "小区积水",
    },
    {
        "吹哨编号": "W2",
        "发起单位": "SQ1",
        "吹哨类型": "应急处置",
        "吹哨时间": "2025-09-28 09:00",
        "要求到场时限": 20,
        "关联案件编号": "L8",
        "事由": "占道经营纠纷",
    },
]
RESPONSES = [
    {
        "吹哨编号": "W1",
        "报到部门": "CG",
        "到场时间": "2025-09-27 09:20",
        "完成时间": "2025-09-27 11:00",
        "街道评分": 90,
    },
    {"吹哨编号": "W1", "报到部门": "住建局", "到场时间": "2025-09-27 09:45", "街道评分": 70},
    {"吹哨编号": "W2", "报到部门": "SC"},
    {"吹哨编号": "W2", "报到部门": "CG", "到场时间": "2025-09-28 09:15"},
]
#: The shipped rules but the cluster's grid level: the tiny city has no grids below communities.
RULE_CHANGES = {"II-CLUSTER": {"depth": 3}}


def _write(path: Path, rows: list[dict]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def build_dispatch_city(settings: Settings, folder: Path) -> Settings:
    """Load the dispatch city into ``settings.db_path`` through the ETL, judged at ``NOW``; returns the settings
    the figures are worked out for (ranking lists of one, ranked from two cases due)."""
    from settings import REFERENCE_DIR

    folder.mkdir(parents=True, exist_ok=True)
    grids = folder / "grids.geojson"
    tiny_grids().to_file(grids, driver="GeoJSON")
    depts = _write(
        folder / "departments.csv",
        [
            dict(zip(["部门编码", "部门名称", "简称", "类型", "上级部门编码", "辖区编码"], d, strict=True))
            for d in DEPARTMENTS
        ],
    )
    cases, flows = case_rows()
    rules = pd.read_csv(REFERENCE_DIR / "warning_rules.csv", dtype=str, keep_default_na=False)
    for rule_id, changes in RULE_CHANGES.items():
        for column, value in changes.items():
            rules.loc[rules["rule_id"] == rule_id, column] = str(value)
    rules.to_csv(folder / "warning_rules.csv", index=False, encoding="utf-8")
    options = SourceOptions(source="t", channel="patrol", as_of=NOW)
    steps = [
        ("grids", grids, SourceOptions(source="survey")),
        ("departments", depts, SourceOptions(source="org")),
        ("cases", _write(folder / "cases.csv", cases), options),
        ("flow", _write(folder / "flow.csv", flows), SourceOptions(source="t")),
        ("whistles", _write(folder / "whistles.csv", WHISTLES), SourceOptions(source="whistle", case_source="t")),
        ("whistle_responses", _write(folder / "responses.csv", RESPONSES), SourceOptions(source="whistle")),
        ("warning_rules", folder / "warning_rules.csv", SourceOptions(source="city")),
    ]
    reports = api.load_many(steps, settings=settings)
    rejected = {report.entity: report.rejected for report in reports if report.rejected}
    assert not rejected, f"the dispatch city loads every row: {rejected}"
    return dataclasses.replace(settings, ranking_min_cases=2, ranking_list_size=1)

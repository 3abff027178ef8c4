"""Loading whistles, the departments they summoned and warning rules: documented headers, every bad row rejected
with its reason, merges on the key (reloading changes nothing)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import write_csv
from test_load_cases import case, query

from etl import api
from etl.sources import SourceOptions

DEPARTMENTS = [
    {"部门编码": "CG", "部门名称": "城市管理局", "简称": "城管局", "类型": "职能部门"},
    {"部门编码": "JD1", "部门名称": "西街道办事处", "简称": "西街道", "类型": "街道", "辖区编码": "340104001"},
    {"部门编码": "SQ1", "部门名称": "西社区居委会", "简称": "西社区", "类型": "社区", "辖区编码": "340104001001"},
]


@pytest.fixture
def org(city, tmp_path: Path):
    api.load("departments", write_csv(tmp_path / "depts.csv", DEPARTMENTS), SourceOptions(source="org"), settings=city)
    api.load(
        "cases",
        write_csv(tmp_path / "cases.csv", [case(1)]),
        SourceOptions(source="dcs", channel="patrol"),
        settings=city,
    )
    return city


def load(entity: str, path: Path, settings, **options):
    return api.load(entity, path, SourceOptions(source=options.pop("source", "whistle"), **options), settings=settings)


def rejects(settings, run_id: int) -> list[tuple]:
    return query(
        settings,
        "SELECT row_number, reason_code, reason FROM rejected_row WHERE run_id = ? ORDER BY row_number",
        [run_id],
    )


WHISTLES = [
    {
        "吹哨编号": "W1",
        "吹哨单位": "西街道",
        "吹哨类型": "联合执法",
        "吹哨时间": "2025-06-03 09:00",
        "关联工单编号": "C0001",
    },
    {
        "吹哨编号": "W2",
        "吹哨单位": "SQ1",
        "吹哨类型": "emergency",
        "吹哨时间": "2025-06-03 10:00",
        "要求到场时限": "20",
        "解决时间": "2025-06-03 12:00",
    },
    {"吹哨编号": "W3", "吹哨单位": "城管局", "吹哨类型": "群众诉求", "吹哨时间": "2025-06-03 10:00"},  # not a street
    {"吹哨编号": "W4", "吹哨单位": "北街道", "吹哨类型": "群众诉求", "吹哨时间": "2025-06-03 10:00"},
    {"吹哨编号": "W5", "吹哨单位": "JD1", "吹哨类型": "开会", "吹哨时间": "2025-06-03 10:00"},
    {"吹哨编号": "W6", "吹哨单位": "JD1", "吹哨类型": "执法", "吹哨时间": "2025-06-03 10:00", "关联工单编号": "C9999"},
    {
        "吹哨编号": "W7",
        "吹哨单位": "JD1",
        "吹哨类型": "执法",
        "吹哨时间": "2025-06-03 10:00",
        "解决时间": "2025-06-03 09:00",
    },
    {"吹哨编号": "W8", "吹哨单位": "JD1", "吹哨类型": "执法", "吹哨时间": "2025-06-03 10:00", "要求到场时限": "-5"},
    {"吹哨编号": "W9", "吹哨单位": "JD1", "吹哨类型": "执法", "吹哨时间": None},
]


def test_whistles_load_and_bad_rows_are_rejected_with_reasons(org, tmp_path: Path) -> None:
    report = load("whistles", write_csv(tmp_path / "whistles.csv", WHISTLES), org, case_source="dcs")
    assert (report.read, report.loaded, report.rejected) == (9, 2, 7)
    rows = query(
        org,
        "SELECT whistle_id, initiator_code, area_code, case_uid, kind, required_minutes, resolved_at "
        "FROM whistle ORDER BY 1",
    )
    assert [row[:6] for row in rows] == [
        ("W1", "JD1", "340104001", "dcs:C0001", "enforcement", 30.0),  # the default 30 minutes (settings)
        ("W2", "SQ1", "340104001001", None, "emergency", 20.0),
    ]
    reasons = [(row, code) for row, code, _ in rejects(org, report.run_id)]
    assert reasons == [
        (3, "bad_value"),  # a functional department blew it
        (4, "unknown_department"),
        (5, "bad_value"),  # no such whistle type
        (6, "unknown_case"),
        (7, "times_out_of_order"),
        (8, "bad_value"),
        (9, "missing_time"),
    ]
    texts = {row: text for row, _, text in rejects(org, report.run_id)}
    assert "whistles are blown by streets and communities; CG is a functional department" in texts[3]
    assert "unknown whistle type 开会" in texts[5]
    again = load("whistles", tmp_path / "whistles.csv", org, case_source="dcs")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)


def test_responses_need_their_whistle_and_sensible_times(org, tmp_path: Path) -> None:
    load("whistles", write_csv(tmp_path / "whistles.csv", WHISTLES[:2]), org, case_source="dcs")
    responses = [
        {"吹哨编号": "W1", "报到部门": "城管局", "到场时间": "2025-06-03 09:25", "街道评分": "95"},
        {"吹哨编号": "W1", "报到部门": "SQ1"},  # summoned, never came
        {"吹哨编号": "W9", "报到部门": "CG", "到场时间": "2025-06-03 09:25"},
        {"吹哨编号": "W2", "报到部门": "CG", "到场时间": "2025-06-03 09:30"},  # before the whistle (10:00)
        {"吹哨编号": "W2", "报到部门": "CG", "到场时间": "2025-06-03 10:10", "完成时间": "2025-06-03 10:00"},
        {"吹哨编号": "W2", "报到部门": "CG", "到场时间": "2025-06-03 10:10", "街道评分": "120"},
        {"吹哨编号": "W2", "报到部门": "交警", "到场时间": "2025-06-03 10:10"},
    ]
    report = load("whistle_responses", write_csv(tmp_path / "responses.csv", responses), org)
    assert (report.read, report.loaded, report.rejected) == (7, 2, 5)
    assert [code for _, code, _ in rejects(org, report.run_id)] == [
        "unknown_whistle",
        "times_out_of_order",
        "times_out_of_order",
        "bad_value",
        "unknown_department",
    ]
    assert query(org, "SELECT dept_code, arrived_at IS NOT NULL, score FROM whistle_response ORDER BY 1") == [
        ("CG", True, 95.0),
        ("SQ1", False, None),
    ]


def test_warning_rules_are_data_checked_at_load(org, tmp_path: Path) -> None:
    with duckdb.connect(str(org.db_path), read_only=True) as con:
        shipped = con.execute("SELECT count(*) FROM warning_rule WHERE enabled").fetchall()[0][0]
    assert shipped == 7  # seeded from data/reference/warning_rules.csv
    rules = [
        {
            "规则编号": "III-DUE",
            "预警级别": "三级",
            "规则类型": "due_soon",
            "阈值": "4",
            "规则名称": "即将超期（4 小时）",
        },
        {
            "规则编号": "X-IOT",
            "预警级别": "I",
            "规则类型": "iot_unanswered",
            "阈值": "15",
            "规则名称": "烟感无人响应",
            "类别编码": "01013",
        },
        {"规则编号": "X-1", "预警级别": "4", "规则类型": "overdue", "阈值": "0", "规则名称": "坏级别"},
        {"规则编号": "X-2", "预警级别": "红", "规则类型": "cluster", "阈值": "5", "规则名称": "缺时间窗"},
        {
            "规则编号": "X-3",
            "预警级别": "橙",
            "规则类型": "spike",
            "阈值": "2",
            "网格层级": "3",
            "基线周数": "8",
            "最少案件数": "3",
            "规则名称": "FDR 超出",
        },
        {"规则编号": "X-4", "预警级别": "1", "规则类型": "flood", "阈值": "1", "规则名称": "未知类型"},
        {
            "规则编号": "X-5",
            "预警级别": "1",
            "规则类型": "cluster",
            "阈值": "5",
            "时间窗小时": "24",
            "网格层级": "4.5",
            "规则名称": "层级非整数",
        },
        {"规则编号": "X-6", "预警级别": "1", "规则类型": "overdue", "阈值": "1", "渠道": "fax", "规则名称": "未知渠道"},
    ]
    report = load("warning_rules", write_csv(tmp_path / "rules.csv", rules), org, source="city")
    assert (report.read, report.loaded, report.rejected, report.inserted, report.updated) == (8, 2, 6, 1, 1)
    texts = {row: (code, text) for row, code, text in rejects(org, report.run_id)}
    assert texts[3][0] == "bad_value" and "unknown warning level 4" in texts[3][1]
    assert texts[4] == ("bad_rule", "a cluster rule needs window_hours, depth")
    assert texts[5] == ("bad_rule", "threshold (the false discovery rate) must be in (0, 1], got 2")
    assert texts[6][0] == "bad_value" and "unknown rule kind flood" in texts[6][1]
    assert texts[7] == ("bad_rule", "depth must be a grid level [1, 2, 3, 4, 5], got 4.5")
    assert texts[8][0] == "bad_value" and "unknown channel fax" in texts[8][1]
    got = query(
        org,
        "SELECT rule_id, level, threshold, channel, category_code, enabled FROM warning_rule "
        "WHERE rule_id IN ('III-DUE', 'X-IOT') ORDER BY 1",
    )
    assert got == [("III-DUE", 3, 4.0, None, None, True), ("X-IOT", 1, 15.0, "iot", "01013", True)]

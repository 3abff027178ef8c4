"""Dictionaries, routing, flows, cameras, events and facilities, and the command line over them."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import EAST_POINT, WEST_POINT, write_csv
from test_load_cases import OPTIONS, case

from etl import api
from etl.cli import main
from etl.sources import SourceOptions


def query(settings, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture
def routed_city(city, tmp_path: Path):
    departments = write_csv(
        tmp_path / "departments.csv",
        [
            {"部门编码": "CG", "部门名称": "城管局", "类型": "职能部门"},
            {"部门编码": "JJ", "部门名称": "交警大队", "类型": "职能部门"},
            {"部门编码": "XJD", "部门名称": "西街道办事处", "类型": "街道", "辖区编码": "340104001"},
        ],
    )
    routing = write_csv(
        tmp_path / "routing.csv",
        [
            {"类别编码": "06", "辖区编码": "*", "部门编码": "CG"},
            {"类别编码": "09009", "辖区编码": "*", "部门编码": "JJ"},
            {"类别编码": "06", "辖区编码": "340104001", "部门编码": "XJD"},
            {"类别编码": "77", "辖区编码": "*", "部门编码": "CG"},
            {"类别编码": "06", "辖区编码": "*", "部门编码": "NOPE"},
        ],
    )
    assert api.load("departments", departments, SourceOptions(source="city"), settings=city).loaded == 3
    report = api.load("routing", routing, SourceOptions(source="city"), settings=city)
    assert report.reasons == {"unknown_category": 1, "unknown_department": 1}
    assert report.loaded == 3
    return city


def test_routing_fills_missing_departments_most_specific_first(routed_city, tmp_path: Path) -> None:
    rows = [
        case(1, 处置部门编码=None),  # 06010 in the west street → the street's own office
        case(2, 处置部门编码=None, 经度=EAST_POINT[0], 纬度=EAST_POINT[1]),  # 06010 in the east → 城管局
        case(3, 处置部门编码=None, 类别编码="09009", 经度=EAST_POINT[0], 纬度=EAST_POINT[1]),  # class rule → 交警
        case(4, 处置部门编码="JJ"),  # the source's own department wins
    ]
    report = api.load("cases", write_csv(tmp_path / "c.csv", rows), OPTIONS, settings=routed_city)
    assert report.flagged["routed_by_rule"] == 3
    got = query(routed_city, "SELECT source_id, dept_code FROM cases ORDER BY source_id")
    assert got == [("C0001", "XJD"), ("C0002", "CG"), ("C0003", "JJ"), ("C0004", "JJ")]


def test_flow_rows_are_checked_against_the_transition_table(city, tmp_path: Path) -> None:
    api.load("cases", write_csv(tmp_path / "c.csv", [case(1)]), OPTIONS, settings=city)
    flow = write_csv(
        tmp_path / "flow.csv",
        [
            {"事件编号": "C0001", "序号": 1, "原状态": None, "新状态": "已上报", "操作时间": "2025-06-03 09:00"},
            {"事件编号": "C0001", "序号": 2, "原状态": "已上报", "新状态": "已受理", "操作时间": "2025-06-03 09:05"},
            {"事件编号": "C0001", "序号": 3, "原状态": "已受理", "新状态": "已结案", "操作时间": "2025-06-03 09:10"},
            {"事件编号": "C9999", "序号": 1, "原状态": None, "新状态": "已上报", "操作时间": "2025-06-03 09:00"},
            {"事件编号": "C0001", "序号": 4, "原状态": "已受理", "新状态": "飞走了", "操作时间": "2025-06-03 09:10"},
        ],
    )
    report = api.load("flow", flow, SourceOptions(source="dcs"), settings=city)
    assert (report.read, report.loaded, report.rejected) == (5, 2, 3)
    got = query(city, "SELECT row_number, reason_code FROM rejected_row WHERE run_id = ? ORDER BY 1", [report.run_id])
    assert got == [(3, "invalid_transition"), (4, "unknown_case"), (5, "bad_value")]
    assert query(city, "SELECT seq, from_state, to_state FROM case_flow ORDER BY seq") == [
        (1, None, "reported"),
        (2, "reported", "accepted"),
    ]
    again = api.load("flow", flow, SourceOptions(source="dcs"), settings=city)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)


def test_cameras_events_and_facilities(city, tmp_path: Path) -> None:
    cameras = write_csv(
        tmp_path / "cameras.csv",
        [
            {
                "设备编码": "CAM1",
                "设备名称": "西市场路口",
                "经度": WEST_POINT[0],
                "纬度": WEST_POINT[1],
                "算法场景": "exposed_garbage",
            },
            {"设备编码": "CAM2", "设备名称": "东路口", "经度": EAST_POINT[0], "纬度": EAST_POINT[1]},
        ],
    )
    assert api.load("cameras", cameras, SourceOptions(source="xueliang"), settings=city).loaded == 2
    assert query(city, "SELECT camera_id, grid_l2 FROM camera ORDER BY 1") == [
        ("CAM1", "340104001"),
        ("CAM2", "340104002"),
    ]
    events = write_csv(
        tmp_path / "events.csv",
        [
            {
                "告警编号": "E1",
                "设备编码": "CAM1",
                "场景编码": "暴露垃圾",
                "置信度": "0.91",
                "抓拍时间": "2025-06-03 08:59",
                "是否推送": "是",
                "关联工单": "C0001",
                "是否误报": "否",
            },
            {
                "告警编号": "E2",
                "设备编码": "CAM1",
                "场景编码": "illegal_parking",
                "置信度": "45",
                "抓拍时间": "2025-06-03 09:10",
                "是否推送": "否",
                "是否误报": "是",
            },
            {
                "告警编号": "E3",
                "设备编码": "CAM2",
                "场景编码": "未知场景",
                "置信度": "1.5x",
                "抓拍时间": "2025-06-03 09:10",
            },
        ],
    )
    report = api.load("camera_events", events, SourceOptions(source="xueliang"), settings=city)
    assert (report.loaded, report.reasons) == (2, {"bad_value": 1})
    assert query(
        city,
        "SELECT event_id, scene_code, category_code, confidence, pushed, case_uid, is_false_positive "
        "FROM camera_event ORDER BY 1",
    ) == [
        ("E1", "exposed_garbage", "06010", 0.91, True, "camera_ai:C0001", False),
        ("E2", "illegal_parking", "09009", 0.45, False, None, True),
    ]
    # The load rebuilt the alarms' daily rollup in its commit.
    rolled = "SELECT camera_id, scene_code, events, false_positives, pushed FROM camera_event_daily ORDER BY 2"
    assert query(city, rolled) == [("CAM1", "exposed_garbage", 1, 0, 1), ("CAM1", "illegal_parking", 1, 1, 0)]
    facilities = tmp_path / "facilities.geojson"
    facilities.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"编号":"F1","类型":"service_station",'
        f'"名称":"西社区党群服务站"}},"geometry":{{"type":"Point","coordinates":[{WEST_POINT[0]},{WEST_POINT[1]}]}}}}]}}',
        encoding="utf-8",
    )
    assert api.load("facilities", facilities, SourceOptions(source="city"), settings=city).loaded == 1
    assert query(city, "SELECT facility_id, grid_l3, service_radius_m FROM facility") == [
        ("F1", "340104001001", 1000.0)
    ]


def test_cli_prints_the_row_accounting(city, tmp_path: Path, capsys) -> None:
    path = write_csv(tmp_path / "c.csv", [case(1), case(2, 经度="abc")])
    code = main(
        [
            "--db",
            str(city.db_path),
            "cases",
            str(path),
            "--source",
            "dcs",
            "--channel",
            "patrol",
            "--as-of",
            "2025-06-30T18:00",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "read 2 = loaded 1 + rejected 1" in out
    assert "bad_coordinates 1" in out


def test_cli_bad_input_exits_2_with_a_message(city, tmp_path: Path, capsys) -> None:
    path = write_csv(tmp_path / "c.csv", [{"foo": 1}])
    code = main(["--db", str(city.db_path), "cases", str(path), "--source", "dcs"])
    assert code == 2
    err = capsys.readouterr().err
    assert "error: cases file is missing required column(s) source_id" in err and "foo" in err
    assert main(["--db", str(city.db_path), "cases", str(path), "--source", "dcs", "--crs", "mars"]) == 2
    assert "mars" in capsys.readouterr().err

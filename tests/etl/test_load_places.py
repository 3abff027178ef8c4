"""What an area holds besides its cases (``etl.place_entities``): IoT devices and alarms, grid attributes, workers
and visits, organisations, components, deliberation outcomes. Every bad row is rejected with its reason; nothing
given is stored as zero; personal data is masked; reloading changes nothing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
from conftest import EAST_POINT, OUTSIDE_POINT, WEST_POINT, write_csv
from test_load_cases import OPTIONS, case

from etl import api
from etl.sources import SourceOptions

CITY = SourceOptions(source="city")


def query(settings, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def load(entity: str, settings, path: Path, options: SourceOptions = CITY):
    report = api.load(entity, path, options, settings=settings)
    assert report.read == report.loaded + report.rejected
    return report


def test_iot_devices_and_alarms(city, tmp_path: Path) -> None:
    devices = [
        {"设备编号": "D1", "设备类型": "烟感", "服务对象": "王秀英", "联系电话": "13912345678",
         "安装地址": "西社区3栋201", "经度": WEST_POINT[0], "纬度": WEST_POINT[1], "设备状态": "在线"},
        {"设备编号": "D2", "设备类型": "门磁", "经度": EAST_POINT[0], "纬度": EAST_POINT[1], "设备状态": "离线"},
        {"设备编号": "D3", "设备类型": "空调", "经度": EAST_POINT[0], "纬度": EAST_POINT[1]},  # unknown kind
        {"设备编号": "D4", "设备类型": "燃气"},  # no location
        {"设备编号": "D5", "设备类型": "水浸", "经度": OUTSIDE_POINT[0], "纬度": OUTSIDE_POINT[1]},
    ]  # fmt: skip
    report = load("iot_devices", city, write_csv(tmp_path / "devices.csv", devices))
    assert report.reasons == {"bad_value": 1, "missing_coordinates": 1}
    assert report.flagged["outside_grid"] == 1
    sql = "SELECT device_id, kind, household_masked, status, grid_l2, outside_grid FROM iot_device ORDER BY 1"
    rows = query(city, sql)
    assert rows == [
        ("D1", "smoke", "王** 139****5678", "online", "340104001", False),
        ("D2", "door", None, "offline", "340104002", False),
        ("D5", "water", None, None, None, True),
    ]
    alarms = [
        {"告警编号": "A1", "设备编号": "D1", "告警时间": "2025-06-03 09:00:00", "响应时间": "2025-06-03 09:02:00",
         "到场时间": "2025-06-03 09:15:00", "处置结果": "误报"},
        {"告警编号": "A2", "设备编号": "D2", "告警时间": "2025-06-03 10:00:00"},  # open: unanswered
        {"告警编号": "A3", "设备编号": "D9", "告警时间": "2025-06-03 10:00:00"},  # no such device
        {"告警编号": "A4", "设备编号": "D1", "告警时间": "2025-06-03 10:00:00", "到场时间": "2025-06-03 09:00:00"},
        {"告警编号": "A5", "设备编号": "D1", "告警时间": "2025-06-03 11:00:00", "处置结果": "已处理"},
    ]  # fmt: skip
    report = load("iot_alarms", city, write_csv(tmp_path / "alarms.csv", alarms), SourceOptions(source="iot_platform"))
    assert report.reasons == {"unknown_device": 1, "times_out_of_order": 1, "bad_value": 1}
    assert query(city, "SELECT alarm_id, outcome, acknowledged_at IS NOT NULL FROM iot_alarm ORDER BY 1") == [
        ("A1", "false_alarm", True),
        ("A2", None, False),
    ]
    again = load("iot_alarms", city, tmp_path / "alarms.csv", SourceOptions(source="iot_platform"))
    assert (again.inserted, again.unchanged) == (0, 2)


def test_grid_attributes_keep_absent_apart_from_zero(city, tmp_path: Path) -> None:
    rows = [
        {"网格编码": "340104001001", "人口": 1200, "户数": 480, "独居老人": 0, "用地性质": "居住"},
        {"网格编码": "340104002", "人口": 900, "独居老人": ""},  # a street: its figures, where given
        {"网格编码": "340104009", "人口": 5},  # no such grid
        {"网格编码": "340104002001", "人口": -3},
        {"网格编码": "340104001", "人口": "12.5"},
    ]
    report = load("grid_attributes", city, write_csv(tmp_path / "attributes.csv", rows))
    assert report.reasons == {"unknown_area": 1, "bad_value": 2}
    got = query(
        city,
        "SELECT code, grid_l1, grid_l2, grid_l3, population, households, elderly_alone, land_use FROM grid_attribute"
        " ORDER BY code",
    )
    assert got == [
        ("340104001001", "340104", "340104001", "340104001001", 1200, 480, 0, "居住"),
        ("340104002", "340104", "340104002", None, 900, None, None, None),
    ]


def test_grid_workers_and_their_visits(city, tmp_path: Path) -> None:
    workers = [
        {"工号": "W1", "网格编码": "340104001001", "姓名": "李建国", "岗位": "专职网格员", "联系电话": "13812345678"},
        {"工号": "W1", "网格编码": "340104002001", "姓名": "李建国"},  # a second grid of the same worker
        {"工号": "W2", "网格编码": "999", "姓名": "赵六"},
    ]
    report = load("grid_workers", city, write_csv(tmp_path / "workers.csv", workers))
    assert report.reasons == {"unknown_area": 1}
    assert query(city, "SELECT worker_id, grid_code, grid_l2, phone_masked FROM grid_worker ORDER BY 2") == [
        ("W1", "340104001001", "340104001", "138****5678"),
        ("W1", "340104002001", "340104002", None),
    ]
    visits = [
        {"走访编号": "V1", "工号": "W1", "网格编码": "340104001001", "走访时间": "2025-06-03 10:00",
         "走访类型": "入户走访", "走访对象": "王秀英", "走访情况": "老人身体好，留电话13912345678"},
        {"走访编号": "V2", "工号": "W1", "网格编码": "340104001001", "走访时间": "2025-06-04", "走访类型": "巡查",
         "上报案件编号": "C0001"},
        {"走访编号": "V3", "工号": "W1", "网格编码": "340104001001", "走访时间": "2025-06-04", "走访类型": "喝茶"},
    ]  # fmt: skip
    report = load("grid_visits", city, write_csv(tmp_path / "visits.csv", visits), SourceOptions(source="dcs"))
    assert report.reasons == {"bad_value": 1}
    assert query(city, "SELECT visit_id, kind, household_masked, note, case_uid FROM grid_visit ORDER BY 1") == [
        ("V1", "home_visit", "王**", "老人身体好，留电话139****5678", None),
        ("V2", "patrol", None, None, "dcs:C0001"),
    ]


def test_organisations_and_components(city, tmp_path: Path) -> None:
    orgs = [
        {"组织编码": "O1", "组织名称": "西社区党委", "组织类型": "党委", "所属网格编码": "340104001001", "成员数": 35},
        {"组织编码": "O2", "组织名称": "安居物业", "组织类型": "物业公司", "所属网格编码": "340104002001",
         "经度": EAST_POINT[0], "纬度": EAST_POINT[1], "负责人": "周华", "联系电话": "13700001111"},
        {"组织编码": "O3", "组织名称": "某协会", "组织类型": "兴趣小组", "所属网格编码": "340104002001"},
    ]  # fmt: skip
    report = load("organisations", city, write_csv(tmp_path / "orgs.csv", orgs))
    assert report.reasons == {"bad_value": 1}
    sql = "SELECT org_id, kind, grid_l2, members, lon IS NOT NULL, contact_masked FROM organisation ORDER BY 1"
    assert query(city, sql) == [
        ("O1", "party_branch", "340104001", 35, False, None),
        ("O2", "property_company", "340104002", None, True, "周* 137****1111"),
    ]
    components = [
        {"部件编号": "P1", "部件类别编码": "01001", "经度": WEST_POINT[0], "纬度": WEST_POINT[1], "部件状态": "完好"},
        {"部件编号": "P2", "部件类别编码": "06010", "经度": WEST_POINT[0], "纬度": WEST_POINT[1]},  # a matter
    ]
    report = load("components", city, write_csv(tmp_path / "components.csv", components))
    assert report.reasons == {"unknown_category": 1}
    assert query(city, "SELECT component_id, class_code, grid_l2 FROM component") == [("P1", "01001", "340104001")]


def test_deliberation_outcomes_follow_items_loaded_as_cases(city, tmp_path: Path) -> None:
    items = [case(1, 来源渠道="议事厅", 类别编码=None, 事件描述="小区加装电梯"),
             case(2, 来源渠道="议事厅", 类别编码=None)]  # fmt: skip
    options = dataclasses.replace(OPTIONS, source="yishiting", channel="deliberation")
    api.load("cases", write_csv(tmp_path / "items.csv", items), options, settings=city)
    assert query(city, "SELECT DISTINCT channel FROM cases") == [("deliberation",)]
    outcomes = [
        {"议题编号": "C0001", "议事时间": "2025-06-07 09:00", "议事结果": "转办", "结果时间": "2025-06-07 11:00",
         "转办工单号": "X1"},
        {"议题编号": "C0002", "议事结果": "已解决", "结果时间": "2025-06-07"},
        {"议题编号": "C0003", "议事结果": "已解决", "结果时间": "2025-06-07"},  # no such item
        {"议题编号": "C0002", "议事结果": "搁置", "结果时间": "2025-06-08"},  # unknown outcome (and a repeat)
    ]  # fmt: skip
    report = load("deliberation_outcomes", city, write_csv(tmp_path / "outcomes.csv", outcomes),
                  SourceOptions(source="yishiting"))  # fmt: skip
    assert report.reasons == {"unknown_case": 1, "bad_value": 1}
    assert query(city, "SELECT case_uid, outcome, referred_case_uid FROM deliberation_outcome ORDER BY 1") == [
        ("yishiting:C0001", "referred", "yishiting:X1"),
        ("yishiting:C0002", "solved", None),
    ]

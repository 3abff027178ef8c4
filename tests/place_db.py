"""A tiny city with something of everything the place views read, loaded through the real ETL (shared by the
query, view and browser tests; every figure they expect is worked out by hand in ``tests/queries/
test_place_queries.py``).

Grids: ``conftest.tiny_grids`` (a west and an east street, one community each). Cameras K1 (west), K2, K3 (east);
three camera cases (C1 closed, C2 handling, C3 rejected) and five alarms on 2025-06-03; sensors D1 (west, online)
and D2 (east, offline) with four alarms; grid attributes, a worker and her visits, two organisations, a service
station; three deliberation items, two decided.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from conftest import EAST_POINT, WEST_POINT, tiny_grids, write_csv

from etl import api
from etl.sources import SourceOptions
from settings import load_settings

WEST, EAST = "340104001", "340104002"
WEST_C, EAST_C = "340104001001", "340104002001"


def _case(n: str, point: tuple[float, float], reported: str, **times: str | None) -> dict:
    return {"事件编号": n, "类别编码": "06010", "经度": point[0], "纬度": point[1], "上报时间": reported, **times}


def build_place_db(tmp: Path) -> Path:
    """Load the place city into ``tmp/onemap.duckdb`` through the ETL; return the database's path."""
    settings = dataclasses.replace(load_settings(), db_path=tmp / "onemap.duckdb", etl_chunk_rows=1000)
    tiny_grids().to_file(tmp / "grids.geojson", driver="GeoJSON")
    near_east = (EAST_POINT[0] + 0.001, EAST_POINT[1])
    files = {
        "cameras": [
            {"设备编码": "K1", "设备名称": "西口", "经度": WEST_POINT[0], "纬度": WEST_POINT[1],
             "算法场景": "exposed_garbage,illegal_parking"},
            {"设备编码": "K2", "设备名称": "东口", "经度": EAST_POINT[0], "纬度": EAST_POINT[1],
             "算法场景": "暴露垃圾"},
            {"设备编码": "K3", "设备名称": "东桥", "经度": near_east[0], "纬度": near_east[1],
             "算法场景": "illegal_parking"},
        ],
        "cases": [
            _case("C1", WEST_POINT, "2025-06-03 09:01:00", 派遣时间="2025-06-03 09:30:00",
                  处置时间="2025-06-03 11:00:00", 结案时间="2025-06-03 15:00:00", 状态="已结案"),
            _case("C2", WEST_POINT, "2025-06-03 10:01:00", 派遣时间="2025-06-03 10:31:00", 状态="处置中"),
            _case("C3", EAST_POINT, "2025-06-03 12:00:00", 状态="不予受理"),
        ],
        "camera_events": [
            {"告警编号": "E1", "设备编码": "K1", "场景编码": "exposed_garbage", "抓拍时间": "2025-06-03 09:00:00",
             "关联工单": "C1"},
            {"告警编号": "E2", "设备编码": "K1", "场景编码": "exposed_garbage", "抓拍时间": "2025-06-03 10:00:00",
             "关联工单": "C2"},
            {"告警编号": "E3", "设备编码": "K1", "场景编码": "illegal_parking", "抓拍时间": "2025-06-03 11:00:00",
             "是否误报": "是"},
            {"告警编号": "E4", "设备编码": "K2", "场景编码": "exposed_garbage", "抓拍时间": "2025-06-03 11:58:00",
             "关联工单": "C3"},
            {"告警编号": "E5", "设备编码": "K2", "场景编码": "exposed_garbage", "抓拍时间": "2025-06-03 13:00:00"},
        ],
        "iot_devices": [
            {"设备编号": "D1", "设备类型": "烟感", "经度": WEST_POINT[0], "纬度": WEST_POINT[1], "设备状态": "在线"},
            {"设备编号": "D2", "设备类型": "门磁", "经度": EAST_POINT[0], "纬度": EAST_POINT[1], "设备状态": "离线"},
        ],
        "iot_alarms": [
            {"告警编号": "A1", "设备编号": "D1", "告警时间": "2025-06-03 09:00", "响应时间": "2025-06-03 09:02",
             "到场时间": "2025-06-03 09:20", "处置完成时间": "2025-06-03 09:40", "处置结果": "误报"},
            {"告警编号": "A2", "设备编号": "D1", "告警时间": "2025-06-03 10:00", "响应时间": "2025-06-03 10:04",
             "到场时间": "2025-06-03 10:50", "处置完成时间": "2025-06-03 11:00", "处置结果": "真实"},
            {"告警编号": "A3", "设备编号": "D2", "告警时间": "2025-06-03 12:00"},
            {"告警编号": "A4", "设备编号": "D2", "告警时间": "2025-06-03 12:25"},
        ],
        "grid_attributes": [
            {"网格编码": WEST_C, "常住人口": 1200, "独居老人": 0, "用地性质": "居住"},
            {"网格编码": EAST, "常住人口": 900},
        ],
        "grid_workers": [
            {"工号": "W1", "网格编码": WEST_C, "姓名": "李建国", "岗位": "专职网格员", "联系电话": "13812345678"},
        ],
        "grid_visits": [
            {"走访编号": "V1", "工号": "W1", "网格编码": WEST_C, "走访时间": "2025-06-03 10:00", "走访类型": "入户走访",
             "走访对象": "王秀英"},
            {"走访编号": "V2", "工号": "W1", "网格编码": WEST_C, "走访时间": "2025-06-04 10:00", "走访类型": "巡查"},
            {"走访编号": "V3", "工号": "W1", "网格编码": WEST_C, "走访时间": "2025-07-01 10:00", "走访类型": "入户走访",
             "走访对象": "王秀英"},
        ],
        "organisations": [
            {"组织编码": "O1", "组织名称": "西社区党委", "组织类型": "党委", "所属网格编码": WEST_C, "成员数": 40},
            {"组织编码": "O2", "组织名称": "安居物业", "组织类型": "物业公司", "所属网格编码": EAST_C},
        ],
        "facilities": [
            {"编号": "F1", "类型": "service_station", "名称": "西社区党群服务站", "经度": WEST_POINT[0],
             "纬度": WEST_POINT[1]},
        ],
    }  # fmt: skip
    options = {
        "cases": SourceOptions(source="camera_ai", channel="camera_ai", as_of=dt.datetime(2025, 6, 30, 18)),
        "camera_events": SourceOptions(source="camera_ai", case_source="camera_ai"),
        "grid_visits": SourceOptions(source="dcs"),
    }
    api.load("grids", tmp / "grids.geojson", SourceOptions(source="survey"), settings=settings)
    for entity, rows in files.items():
        path = write_csv(tmp / f"{entity}.csv", rows)
        report = api.load(entity, path, options.get(entity, SourceOptions(source="city")), settings=settings)
        assert report.rejected == 0, (entity, report.reasons)
    items = [
        _case("Y1", WEST_POINT, "2025-06-07 09:00:00", 来源渠道="议事厅", 类别编码=None),
        _case("Y2", WEST_POINT, "2025-06-07 10:00:00", 来源渠道="议事厅", 类别编码=None),
        _case("Y3", EAST_POINT, "2025-06-07 10:00:00", 来源渠道="议事厅", 类别编码=None),
    ]
    item_options = SourceOptions(source="yishiting", channel="deliberation", as_of=dt.datetime(2025, 6, 30, 18))
    api.load("cases", write_csv(tmp / "items.csv", items), item_options, settings=settings)
    outcomes = [
        {"议题编号": "Y1", "议事结果": "已解决", "结果时间": "2025-06-08 09:00"},
        {"议题编号": "Y2", "议事结果": "转办", "结果时间": "2025-06-10 09:00", "转办工单号": "X1"},
    ]
    api.load("deliberation_outcomes", write_csv(tmp / "outcomes.csv", outcomes), SourceOptions(source="yishiting"),
             settings=settings)  # fmt: skip
    return settings.db_path

"""The demo city's cases, their workflow, cameras and camera events: vectorised, written in chunks.

Cases come from four source systems with their own files, codes, encodings and coordinate systems.
The volume per (day, kind) is one multinomial draw over an intensity with channel shares, weekday, season,
Spring Festival, trends and spikes; then the cases of a chunk of days are drawn together. Every case walks a
path of workflow slots (``SLOTS``); the flow file is one row per active slot reached before the snapshot
(the last day, 18:00) and the case columns are read off the same slots, so the two always agree.
``派遣时间`` is the last (effective) dispatch; ``处置时间``/``核查时间`` are the last ones after rework.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import shapely
from scipy.spatial import cKDTree

from .city import (
    LEGACY_UNKNOWN,
    TEMPLATES,
    City,
    camera_scenes,
    hotline_topics,
    iot_kinds,
    legacy_codes,
    person_names,
    phone_numbers,
    to_lonlat,
)

CHUNK_CASES = 100_000
CHANNELS = ("patrol", "hotline", "citizen_app", "camera_ai", "supervision", "iot", "rider")
CHANNEL_ZH = ("网格巡查", "12345热线", "随手拍", "视频智能发现", "督查督办", "物联感知", "骑手上报")
CHANNEL_SOURCE = np.array([0, 1, 0, 2, 0, 3, 0])  # index into SOURCES
CHANNEL_SHARE = np.array([0.45, 0.25, 0.12, 0.12, 0.03, 0.02, 0.01])
WEEKEND = np.array([0.55, 0.8, 1.05, 0.9, 0.2, 1.0, 1.1])
FESTIVAL_DIP = np.array([0.6, 0.4, 0.5, 0.4, 0.8, 0.0, 0.5])
DESC_PREFIX = np.array(
    ["", "市民来电：", "市民随手拍：", "视频智能识别：", "督查发现：", "物联感知：", "骑手上报："], dtype=object
)
HOURS = np.array(
    [
        [0, 0, 0, 0, 0, 0, 0.2, 1, 4, 7, 7, 5, 1.5, 1.5, 5, 6, 6, 4, 1.2, 0.5, 0.3, 0.1, 0, 0],
        [0.4, 0.25, 0.2, 0.15, 0.15, 0.3, 0.8, 2.5, 5, 7, 7, 6, 4, 4, 6, 6.5, 6, 5, 3.5, 3, 2.6, 2, 1.2, 0.7],
        [0.2, 0.1, 0.05, 0.05, 0.05, 0.2, 0.8, 2.5, 4, 5, 5, 4.5, 3.5, 3, 4, 4.5, 4.5, 4.5, 4, 4, 3.5, 2.5, 1.2, 0.5],
        [0.3, 0.2, 0.2, 0.2, 0.3, 0.8, 2, 4, 6, 7, 7, 6, 5, 5, 6, 6.5, 6.5, 6, 5, 4, 3, 2, 1, 0.5],
        [0, 0, 0, 0, 0, 0, 0, 0.5, 4, 7, 7, 5, 1, 1.5, 5, 6, 6, 3, 0.5, 0, 0, 0, 0, 0],
        [1, 0.8, 0.7, 0.7, 0.8, 1, 1.5, 2, 2, 2, 2.5, 3.5, 3, 2, 2, 2, 2.2, 3.5, 3.5, 2.5, 2, 1.8, 1.5, 1.2],
        [0.2, 0.1, 0, 0, 0, 0, 0.2, 0.6, 1.5, 2.5, 4, 7, 7, 4, 2, 2, 3, 5, 6, 5, 3, 2, 1, 0.5],
    ]
)
HOUR_CDF = np.cumsum(HOURS, 1) / HOURS.sum(1, keepdims=True)
SNAPSHOT_HOUR = 18  # the data end: the last day at 18:00
# location groups and how they mix the location sources: background, old compound, market, school, road, commercial
LOCS = ("background", "compound", "market", "school", "road", "none")
LOC_MIX = np.cumsum(
    [
        [0.85, 0.05, 0.03, 0.02, 0.05, 0.0],
        [0.55, 0.35, 0.03, 0.02, 0.05, 0.0],
        [0.25, 0.05, 0.45, 0.0, 0.10, 0.15],
        [0.25, 0.05, 0.05, 0.40, 0.20, 0.05],
        [0.20, 0.0, 0.05, 0.05, 0.60, 0.10],
        [1, 0, 0, 0, 0, 0],
    ],
    axis=1,
)
HOTSPOT_SOURCE = {"old_compound": 1, "market": 2, "school": 3, "commercial": 5}
APP_BOOST = {
    "garbage": 2,
    "overflow": 2,
    "parking": 2.5,
    "vendor": 1.5,
    "outside_store": 1.2,
    "noise": 2,
    "road_damage": 1.5,
    "shared_bike": 2,
    "fume": 1.5,
    "manhole": 1.5,
    "street_light": 1.5,
    "piling": 1,
}
RIDER_TPLS = (
    "parking",
    "road_damage",
    "manhole",
    "shared_bike",
    "street_light",
    "waterlogging",
    "nonmotor",
    "guardrail",
    "signal",
)
HAZARDS = (
    "collapse",
    "manhole",
    "cable",
    "waterlogging",
    "tree_fallen",
    "gas",
    "pipe_leak",
    "smoke",
    "elevator",
    "manhole_iot",
    "water_iot",
)
SPRING_FESTIVAL = (
    "2020-01-25",
    "2021-02-12",
    "2022-02-01",
    "2023-01-22",
    "2024-02-10",
    "2025-01-29",
    "2026-02-17",
    "2027-02-06",
    "2028-01-26",
    "2029-02-13",
    "2030-02-03",
    "2031-01-23",
    "2032-02-11",
)
# spikes: position in the period (fraction), days, Saturday-aligned, template → factor
SPIKES = (
    (
        0.62,
        1,
        False,
        {
            "road_damage": 8,
            "collapse": 15,
            "waterlogging": 40,
            "tree_fallen": 20,
            "cable": 8,
            "water_iot": 25,
            "manhole": 4,
        },
    ),  # a summer storm
    (
        0.86,
        2,
        True,
        {"garbage": 2, "overflow": 2.5, "parking": 2.5, "vendor": 3, "noise": 1.6, "shared_bike": 1.8, "bin_iot": 2},
    ),  # a festival weekend
    (0.30, 1, False, {"water_outage": 25, "water_pressure": 8}),  # a water-main break
    (0.18, 1, False, {"snow": 30, "tree_fallen": 3, "street_light": 1.5}),  # a snow day
)

SOURCES = ("dcs", "hotline12345", "camera_ai", "iot")
SOURCE_FILE = {
    "dcs": "cases_dcs.csv",
    "hotline12345": "cases_12345.csv",
    "camera_ai": "cases_camera.csv",
    "iot": "cases_iot.csv",
}
FLOW_FILE = {
    "dcs": "flow_dcs.csv",
    "hotline12345": "flow_12345.csv",
    "camera_ai": "flow_camera.csv",
    "iot": "flow_iot.csv",
}
SOURCE_ENCODING = {"dcs": "utf-8-sig", "hotline12345": "gb18030", "camera_ai": "utf-8", "iot": "utf-8"}
ID_PREFIX = {"dcs": "CG", "hotline12345": "RX", "camera_ai": "SP", "iot": "WL"}
TIME_COLUMNS = (
    "上报时间",
    "受理时间",
    "立案时间",
    "派遣时间",
    "签收时间",
    "处置时间",
    "核查时间",
    "结案时间",
    "评价时间",
)
CASE_COLUMNS = (
    "事件编号",
    "来源渠道",
    "类别编码",
    "类别名称",
    "诉求分类编码",
    "诉求性质",
    "事件描述",
    "事发地址",
    "经度",
    "纬度",
    *TIME_COLUMNS,
    "处置部门编码",
    "状态",
    "是否紧急",
    "是否督办",
    "延期天数",
    "派遣次数",
    "退回次数",
    "返工次数",
    "满意度",
    "联系人",
    "联系电话",
)
_HOTLINE_ONLY = ("诉求分类编码", "诉求性质")
_CITIZEN = ("满意度", "联系人", "联系电话")
HEADERS = {
    "dcs": tuple(c for c in CASE_COLUMNS if c not in _HOTLINE_ONLY),
    "hotline12345": CASE_COLUMNS,
    "camera_ai": tuple(c for c in CASE_COLUMNS if c not in _HOTLINE_ONLY + _CITIZEN),
    "iot": tuple(c for c in CASE_COLUMNS if c not in _HOTLINE_ONLY + _CITIZEN),
}
FLOW_COLUMNS = ("事件编号", "序号", "原状态", "新状态", "操作时间", "部门编码", "操作人", "备注")
EVENT_COLUMNS = (
    "告警编号",
    "设备编码",
    "场景编码",
    "算法编码",
    "置信度",
    "抓拍时间",
    "是否推送",
    "关联工单",
    "是否误报",
)
TRANSITIONS = {
    "已上报": {"核实中", "已受理", "不予受理", "自行处置"},
    "核实中": {"已受理", "不予受理"},
    "自行处置": {"已结案"},
    "已受理": {"已立案", "已作废"},
    "已立案": {"已派遣"},
    "已派遣": {"处置中", "已回退"},
    "已回退": {"已派遣"},
    "处置中": {"已处置", "延期中", "挂账"},
    "延期中": {"处置中"},
    "挂账": {"处置中"},
    "已处置": {"核查中"},
    "核查中": {"已结案", "返工"},
    "返工": {"处置中"},
    "已结案": {"已评价"},
}

# workflow slots: (state, role). Roles pick the department/operator of a flow row.
R_REPORT, R_VERIFY, R_COMMUNITY, R_CENTER, R_D7, R_WRONG1, R_D9, R_WRONG2, R_FINAL = range(9)
SLOTS = (
    ("已上报", R_REPORT),
    ("核实中", R_VERIFY),
    ("自行处置", R_COMMUNITY),
    ("不予受理", R_CENTER),
    ("已受理", R_CENTER),
    ("已作废", R_CENTER),
    ("已立案", R_CENTER),
    ("已派遣", R_D7),
    ("已回退", R_WRONG1),
    ("已派遣", R_D9),
    ("已回退", R_WRONG2),
    ("已派遣", R_FINAL),
    ("处置中", R_FINAL),
    ("延期中", R_FINAL),
    ("处置中", R_FINAL),
    ("挂账", R_FINAL),
    ("处置中", R_FINAL),
    ("已处置", R_FINAL),
    ("核查中", R_CENTER),
    ("返工", R_FINAL),
    ("处置中", R_FINAL),
    ("已处置", R_FINAL),
    ("核查中", R_CENTER),
    ("已结案", R_CENTER),
    ("已评价", R_CENTER),
)
STATES = tuple(dict.fromkeys(s for s, _ in SLOTS))
SLOT_STATE = np.array([STATES.index(s) for s, _ in SLOTS])
SLOT_ROLE = np.array([r for _, r in SLOTS])
NOTES = {
    "核实中": ("转网格员现场核实",),
    "自行处置": ("网格员现场自行处置",),
    "不予受理": ("重复上报，不予受理", "核实不属实", "不属于受理范围"),
    "已受理": ("受理",),
    "已作废": ("重复案件，作废", "信息有误，作废"),
    "已立案": ("符合立案条件，立案",),
    "已派遣": ("派遣至责任单位",),
    "已回退": ("非本单位职责，申请退回", "地址不在本单位辖区，退回"),
    "处置中": ("已签收", "已签收，安排人员处置"),
    "延期中": ("申请延期，已批准",),
    "挂账": ("涉及资金协调，挂账处理",),
    "已处置": ("已处置完毕", "已清理完毕", "已整改到位"),
    "核查中": ("转核查",),
    "返工": ("核查未通过，返工",),
    "已结案": ("核查通过，结案",),
    "已评价": ("回访评价",),
}
REPORT_NOTES = (
    "网格员巡查上报",
    "12345热线来电",
    "市民随手拍上报",
    "视频智能发现推送",
    "督查发现",
    "物联设备告警",
    "骑手上报",
)
# outcome per channel: normal, self-handled, rejected, voided; and whether the report is verified first
OUTCOME_P = np.array(
    [
        [0.74, 0.25, 0.0, 0.01],
        [0.96, 0, 0.03, 0.01],
        [0.93, 0, 0.05, 0.02],
        [0.90, 0, 0.07, 0.03],
        [0.99, 0, 0, 0.01],
        [0.83, 0, 0.15, 0.02],
        [0.93, 0, 0.05, 0.02],
    ]
)
VERIFIED = np.array([False, False, True, True, False, True, True])
NATURES = np.array(["咨询", "求助", "投诉", "举报", "建议"], dtype=object)
BAD_TIMES = np.array(["2025/13/45", "2026-02-30 25:61:00", "0000-00-00 00:00:00", "时间不详"], dtype=object)
NUM = np.array([str(i) for i in range(1000)], dtype=object)
SCENE_CAMERA_P = {  # probability that a camera of a kind runs a scene
    "road": (0.3, 0.6, 0.9, 0.2, 0.1, 0.1, 0.3, 0.05, 0.1, 0.4),
    "market": (0.1, 0.4, 0.4, 0.8, 0.7, 0.8, 0.8, 0.3, 0.5, 0.1),
}


def wgs84_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The published WGS-84 → GCJ-02 shift (Krasovsky ellipsoid), vectorised; points in China only."""
    a, ee = 6378245.0, 0.00669342162296594323
    x, y = np.asarray(lon, float) - 105.0, np.asarray(lat, float) - 35.0
    common = (20 * np.sin(6 * x * np.pi) + 20 * np.sin(2 * x * np.pi)) * 2 / 3
    dlat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x)) + common
    dlat += (20 * np.sin(y * np.pi) + 40 * np.sin(y / 3 * np.pi)) * 2 / 3
    dlat += (160 * np.sin(y / 12 * np.pi) + 320 * np.sin(y * np.pi / 30)) * 2 / 3
    dlon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x)) + common
    dlon += (20 * np.sin(x * np.pi) + 40 * np.sin(x / 3 * np.pi)) * 2 / 3
    dlon += (150 * np.sin(x / 12 * np.pi) + 300 * np.sin(x / 30 * np.pi)) * 2 / 3
    rad = np.asarray(lat, float) / 180 * np.pi
    magic = 1 - ee * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180 / ((a * (1 - ee)) / (magic * sqrt_magic) * np.pi)
    dlon = dlon * 180 / (a / sqrt_magic * np.cos(rad) * np.pi)
    return np.asarray(lon) + dlon, np.asarray(lat) + dlat


# ------------------------------------------------------------------ the kinds of case
def build_kinds(depts: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """One row per (channel, source code): weights, limits, location, templates, scene and default department."""
    rows = []
    legacy = legacy_codes()
    for ch in ("patrol", "citizen_app", "supervision", "rider"):
        for r in legacy.itertuples():
            w = float(r.weight)
            if ch == "citizen_app":
                w *= APP_BOOST.get(r.tpl, 0.4)
            elif ch == "rider" and r.tpl not in RIDER_TPLS:
                continue
            rows.append((ch, r.code, r.name, r.gbt, w, float(r.limit_h), r.season, r.loc, r.tpl, -1, ""))
        if ch in ("patrol", "citizen_app"):  # ~1 % of a channel's reports use codes the mapping table lacks
            total = sum(x[4] for x in rows if x[0] == ch)
            rows += [(ch, c, n, "", total * 0.005, 72.0, "-", "background", "other", -1, "") for c, n in LEGACY_UNKNOWN]
    for r in hotline_topics().itertuples():
        rows.append(
            (
                "hotline",
                r.code,
                r.name,
                "" if r.gbt == "-" else r.gbt,
                float(r.weight),
                float(r.limit_h),
                r.season,
                r.loc,
                r.tpl,
                -1,
                r.dept,
            )
        )
    for i, r in enumerate(camera_scenes().itertuples()):
        rows.append(("camera_ai", r.gbt, r.name, r.gbt, float(r.weight), float(r.limit_h), "-", "road", r.tpl, i, ""))
    for r in iot_kinds().itertuples():
        rows.append(("iot", r.gbt, r.name, r.gbt, float(r.weight), float(r.limit_h), r.season, r.loc, r.tpl, -1, ""))
    k = pd.DataFrame(
        rows,
        columns=["channel", "code", "name", "gbt", "weight", "limit_h", "season", "loc", "tpl", "scene", "dept_short"],
    )
    k["ch"] = k["channel"].map(CHANNELS.index)
    k["loc_i"] = k["loc"].map(LOCS.index)
    default = dict(
        zip(
            rules.loc[rules["辖区编码"] == "*", "类别编码"],
            rules.loc[rules["辖区编码"] == "*", "部门编码"],
            strict=True,
        )
    )
    by_short = dict(zip(depts["简称"], depts["部门编码"], strict=True))
    code = [
        by_short[s] if s else default.get(g, default.get(g[:2], default["*"]))
        for g, s in zip(k["gbt"], k["dept_short"], strict=True)
    ]
    k["dept"] = pd.Index(depts["部门编码"]).get_indexer(code)
    return k


def _day_factors(kinds: pd.DataFrame, start: dt.date, days: int) -> np.ndarray:
    """Relative intensity (days × kinds) before the channel shares are applied."""
    dates = pd.date_range(start, periods=days)
    doy = dates.dayofyear.to_numpy()
    t = np.arange(days) / max(days - 1, 1)
    weekend = dates.dayofweek.to_numpy() >= 5
    ch = kinds["ch"].to_numpy()
    lam = np.tile(kinds["weight"].to_numpy(), (days, 1))
    lam *= np.where(weekend[:, None], WEEKEND[ch][None], 1.0)
    summer = np.cos(2 * np.pi * (doy - 200) / 365.25)[:, None]
    winter = np.cos(2 * np.pi * (doy - 15) / 365.25)[:, None]
    lam *= 1 + 0.06 * summer
    season = kinds["season"].to_numpy()
    lam = np.where(season == "summer", lam * (1 + 0.35 * summer), lam)
    lam = np.where(season == "winter", lam * (1 + 0.35 * winter), lam)
    lam = np.where(season == "snow", lam * 2.5 * np.clip(winter, 0, 1) ** 6, lam)
    sf = np.array([np.datetime64(d) for d in SPRING_FESTIVAL])
    offset = (dates.to_numpy().astype("datetime64[D]")[:, None] - sf[None]).astype(int)
    bump = np.clip(np.minimum(offset + 4, 8 - offset) / 3, 0, 1).max(1)  # full from -1 to +5 days
    lam *= 1 - bump[:, None] * FESTIVAL_DIP[ch][None]
    gbt = kinds["gbt"].to_numpy()
    lam[:, gbt == "09011"] *= (1 + 0.8 * t)[:, None]  # shared bikes keep rising
    last = np.clip((np.arange(days) - (days - 60)) / 30, 0, 1)
    lam[:, gbt == "09006"] *= (1 + 0.6 * last)[:, None]  # street vending rising in the last two months
    tpl = kinds["tpl"].to_numpy()
    for frac, n, saturday, factors in SPIKES:
        d0 = round(frac * (days - 1))
        if saturday:  # the nearest Saturday
            delta = (5 - dates[d0].dayofweek) % 7
            d0 = max(0, min(days - n, d0 + delta - (7 if delta > 3 else 0)))
        for key, f in factors.items():
            lam[d0 : d0 + n, tpl == key] *= f
    return lam


def daily_counts(kinds: pd.DataFrame, start: dt.date, days: int, cases: int, rng: np.random.Generator) -> np.ndarray:
    lam = _day_factors(kinds, start, days)
    ch = kinds["ch"].to_numpy()
    for c, share in enumerate(CHANNEL_SHARE):
        lam[:, ch == c] *= share / lam[:, ch == c].sum()
    return rng.multinomial(cases, (lam / lam.sum()).ravel()).reshape(lam.shape)


# ------------------------------------------------------------------ cameras
def build_cameras(city: City, start: dt.date, rng: np.random.Generator, n: int = 300) -> pd.DataFrame:
    """~300 cameras: at crossings and along main roads, and at markets, compounds and schools (km xy)."""
    rows = []
    roads = city.roads
    for i in range(len(roads)):
        for j in range(i + 1, len(roads)):
            for p in shapely.get_parts(shapely.intersection(roads[i][1], roads[j][1])):
                if p.geom_type == "Point":
                    for corner in rng.choice(["东北角", "西南角", "东南角", "西北角"], 2, replace=False):
                        rows.append(
                            (
                                "road",
                                f"{roads[i][0]}与{roads[j][0]}交口{corner}",
                                p.x + rng.normal(0, 0.02),
                                p.y + rng.normal(0, 0.02),
                            )
                        )
    lengths = np.array([line.length for _, line in roads])
    n_road = int(n * 0.68) - len(rows)
    for k in rng.choice(len(roads), n_road, p=lengths / lengths.sum()):
        name, line = roads[k]
        p = line.interpolate(rng.uniform(0, line.length))
        rows.append(
            ("road", f"{name}{rng.integers(1, 500) * 2 - 1}号", p.x + rng.normal(0, 0.01), p.y + rng.normal(0, 0.01))
        )
    hot = city.hotspots[city.hotspots["kind"] != "commercial"]
    for h in hot.iloc[rng.choice(len(hot), n - len(rows), p=hot["weight"] / hot["weight"].sum())].itertuples():
        ang = rng.uniform(0, 2 * np.pi)
        d = rng.uniform(0.02, 0.1)
        rows.append(
            (
                "market",
                f"{h.name}{rng.choice(['东侧', '西侧', '南门', '北门', '出入口'])}",
                h.x + d * np.cos(ang),
                h.y + d * np.sin(ang),
            )
        )
    cams = pd.DataFrame(rows, columns=["type", "name", "x", "y"])
    cams["name"] = np.where(
        cams["name"].duplicated(),
        cams["name"] + (cams.groupby("name").cumcount() + 1).astype(str) + "号杆",
        cams["name"],
    )
    p = np.array([SCENE_CAMERA_P[t] for t in cams["type"]])
    scenes = rng.random(p.shape) < p
    scenes[~scenes.any(1), 2] = True
    keys = camera_scenes()["key"].to_numpy()
    sub = cKDTree(city.sub_xy).query(cams[["x", "y"]].to_numpy())[1]
    lon, lat = to_lonlat(cams["x"].to_numpy(), cams["y"].to_numpy())
    installed = pd.Timestamp(start) - pd.to_timedelta(rng.uniform(30, 2000, len(cams)), unit="D")
    return pd.DataFrame(
        {
            "设备编码": [f"34010400001320{i + 1:06d}" for i in range(len(cams))],
            "设备名称": cams["name"],
            "经度": np.round(lon, 6),
            "纬度": np.round(lat, 6),
            "地址": "合肥市蜀山区" + np.asarray(city.street_names, dtype=object)[city.sub_street[sub]] + cams["name"],
            "厂商": "海康威视",
            "算法场景": [",".join(keys[row]) for row in scenes],
            "安装时间": installed.floor("s").strftime("%Y-%m-%d %H:%M:%S"),
            "状态": rng.choice(["在线", "离线", "故障"], len(cams), p=[0.9, 0.08, 0.02]),
            "x": cams["x"],
            "y": cams["y"],
            "weight": rng.lognormal(0, 0.6, len(cams)),
            "scene_mask": list(scenes),
        }
    )


# ------------------------------------------------------------------ writing
class CsvSink:
    """Appends Arrow tables to a CSV file in the source's encoding, header written once."""

    def __init__(self, path: Path, header: tuple[str, ...], encoding: str) -> None:
        self.header, self.encoding, self.rows = header, encoding, 0
        self.file = Path(path).open("wb")  # noqa: SIM115 — closed by close()
        self.file.write((",".join(header) + "\n").encode(encoding))

    def write(self, table: pa.Table) -> None:
        buf = io.BytesIO()
        pacsv.write_csv(
            table.select(list(self.header)), buf, pacsv.WriteOptions(include_header=False, quoting_style="none")
        )
        data = buf.getvalue()
        if self.encoding not in ("utf-8", "utf-8-sig"):
            data = data.decode("utf-8").encode(self.encoding)
        self.file.write(data)
        self.rows += table.num_rows

    def close(self) -> None:
        self.file.close()


def _times(seconds: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    return pa.array(seconds.astype("datetime64[s]"), type=pa.timestamp("s"), mask=None if present is None else ~present)


def _dict(indices: np.ndarray, dictionary: pa.Array) -> pa.Array:
    idx = np.asarray(indices, np.int32)
    return pa.DictionaryArray.from_arrays(pa.array(idx, mask=idx < 0), dictionary)


def _take(dictionary: pa.Array, indices: np.ndarray) -> pa.Array:
    return pc.take(dictionary, pa.array(np.asarray(indices, np.int64)))


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _text(values: list[str] | np.ndarray) -> pa.Array:
    return pa.array(list(values), type=pa.string())


# ------------------------------------------------------------------ the generator
@dataclass
class CaseWriter:
    """Draws the cases of each chunk of days and appends them, their flow and camera alarms to the files."""

    city: City
    depts: pd.DataFrame
    rules: pd.DataFrame
    cameras: pd.DataFrame
    start: dt.date
    days: int
    seed: int
    kinds: pd.DataFrame = field(init=False)
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SOURCES, 0))
    event_counter: int = 0

    def __post_init__(self) -> None:
        city, k = self.city, build_kinds(self.depts, self.rules)
        self.kinds = k
        self.k_ch, self.k_loc, self.k_scene = k["ch"].to_numpy(), k["loc_i"].to_numpy(), k["scene"].to_numpy()
        self.k_dept, self.k_limit = k["dept"].to_numpy(), k["limit_h"].to_numpy() * 3600
        self.k_hazard = k["tpl"].isin(HAZARDS).to_numpy()
        self.k_nocoord = np.where(k["loc"] == "none", 0.15, 0.015)
        self.pa_code, self.pa_name = _text(k["code"]), _text(k["name"])
        before, after, has_place, off, cnt = [], [], [], [], []
        for r in k.itertuples():  # camera kinds name the scene and the spot
            tpls = (f"{r.name}，点位：{{P}}",) if r.scene >= 0 else TEMPLATES[r.tpl]
            off.append(len(before))
            cnt.append(len(tpls))
            for t in tpls:
                b, _, a = t.partition("{P}")
                before.append(b)
                after.append(a)
                has_place.append("{P}" in t)
        self.pa_before, self.pa_after, self.t_has_place = _text(before), _text(after), np.array(has_place)
        self.k_tpl_off, self.k_tpl_n = np.array(off), np.array(cnt)
        # departments and routing overrides
        codes = self.depts["部门编码"].to_numpy(object)
        idx = pd.Index(codes)
        self.pa_dept = _text(codes)
        self.street_dept = idx.get_indexer("JD" + pd.Series(city.street_codes))
        self.community_dept = idx.get_indexer("SQ" + pd.Series(city.community_codes))
        functional = (self.depts["类型"] == "functional") & ~self.depts["简称"].isin(["指挥中心", "热线工作站"])
        self.functional = np.flatnonzero(functional.to_numpy())
        self.center, self.hotline_center = int(idx.get_loc("BM017")), int(idx.get_loc("BM018"))
        gbt = k["gbt"].to_numpy(object)
        major = k["gbt"].str.slice(0, 2).to_numpy(object)
        self.overrides = [
            (
                (gbt == r.类别编码) | (major == r.类别编码),
                city.street_codes.index(r.辖区编码),
                int(idx.get_loc(r.部门编码)),
            )
            for r in self.rules[self.rules["辖区编码"] != "*"].itertuples()
        ]
        # people: reporters, operators (fixed labels, 12 center and 20 hotline staff, 5 per department, grid workers)
        rng = np.random.default_rng([self.seed, 7])
        self.n_contacts = 20_000
        contacts = person_names(rng, self.n_contacts)
        self.pa_phone = _text(phone_numbers(rng, self.n_contacts))
        workers = np.unique(city.sub_worker.astype(str))
        op_names = np.concatenate(
            [["系统自动", "市民", "外卖骑手"], person_names(rng, 32), person_names(rng, 5 * len(codes)), workers]
        ).astype(str)
        self.pa_ops, self.pa_people = _text(op_names), _text(np.concatenate([contacts.astype(str), op_names]))
        self.op_center, self.op_hotline, self.op_dept = 3, 15, 35
        self.sub_worker_op = 35 + 5 * len(codes) + np.searchsorted(workers, city.sub_worker.astype(str))
        notes = list(REPORT_NOTES)
        self.slot_note = np.zeros((len(SLOTS), 2), np.int64)
        for s, (state, _) in enumerate(SLOTS):
            if state in NOTES:
                self.slot_note[s] = (len(notes), len(NOTES[state]))
                notes += NOTES[state]
        self.pa_notes, self.pa_states = _text(notes), _text(STATES)
        # places
        sub_area = np.bincount(city.tri_sub, city.tri_area, minlength=len(city.sub_xy))
        self.tri_cum = np.cumsum(city.tri_area * city.sub_pop[city.tri_sub] / sub_area[city.tri_sub])
        self.sub_tree = cKDTree(city.sub_xy)
        self.road_xy = [shapely.get_coordinates(shapely.segmentize(line, 0.02)) for _, line in city.roads]
        self.road_cum = [np.r_[0, np.cumsum(np.hypot(*np.diff(xy, axis=0).T))] for xy in self.road_xy]
        self.road_len = np.array([c[-1] for c in self.road_cum])
        road_names = sorted(set(city.sub_road) | {r for r, _ in city.roads})
        self.pa_roads = _text(road_names)
        self.sub_road_i = np.searchsorted(road_names, city.sub_road.astype(str))
        self.main_road_i = np.searchsorted(road_names, [r for r, _ in city.roads])
        self.pa_street = _text(["合肥市蜀山区" + s for s in city.street_names])
        self.pa_compound = _text(city.sub_compound)
        self.pa_hotspot = _text(city.hotspots["name"])
        self.pa_num, self.pa_bld = _text([f"{i}号" for i in range(1000)]), _text([f"{i}栋" for i in range(100)])
        self.pa_cam_name, self.pa_cam_addr = _text(self.cameras["设备名称"]), _text(self.cameras["地址"])
        self.pa_cam_id = _text(self.cameras["设备编码"])
        scenes = camera_scenes()
        self.pa_scene, self.pa_algo = _text(scenes["key"]), _text(scenes["vendor_code"])
        self.cam_xy = self.cameras[["x", "y"]].to_numpy()
        self.cam_mask = np.stack(self.cameras["scene_mask"].to_numpy())
        self.cam_w = self.cameras["weight"].to_numpy()
        self.base = np.datetime64(self.start, "s").astype(np.int64)
        self.pa_day = _text(pd.date_range(self.start, periods=self.days).strftime("%Y%m%d"))
        self.cutoff = self.base + (self.days - 1) * 86400 + SNAPSHOT_HOUR * 3600

    # ---------------------------------------------------------------- where
    def _locate(self, rng: np.random.Generator, kind: np.ndarray) -> dict[str, np.ndarray]:
        """Points (km) from the population background, hotspots, main roads, cameras, or just outside."""
        city, n = self.city, len(kind)
        src = (rng.random(n)[:, None] > LOC_MIX[self.k_loc[kind]]).sum(1).clip(0, 5)
        src[rng.random(n) < 0.003] = 6
        scene = self.k_scene[kind]
        src[scene >= 0] = 7
        xy = np.zeros((n, 2))
        hot, road, cam = np.full(n, -1), np.full(n, -1), np.full(n, -1)
        m = np.flatnonzero(src == 0)
        tri = city.tri[np.searchsorted(self.tri_cum, rng.random(len(m)) * self.tri_cum[-1])]
        r1, r2 = np.sqrt(rng.random(len(m)))[:, None], rng.random(len(m))[:, None]
        xy[m] = (1 - r1) * tri[:, 0] + r1 * (1 - r2) * tri[:, 1] + r1 * r2 * tri[:, 2]
        hs = city.hotspots
        for kind_name, s in HOTSPOT_SOURCE.items():
            m = np.flatnonzero(src == s)
            cand = np.flatnonzero((hs["kind"] == kind_name).to_numpy())
            w = hs["weight"].to_numpy()[cand]
            hot[m] = cand[rng.choice(len(cand), len(m), p=w / w.sum())]
            sigma = hs["sigma_km"].to_numpy()[hot[m]][:, None]
            xy[m] = hs[["x", "y"]].to_numpy()[hot[m]] + np.clip(rng.normal(0, 1, (len(m), 2)), -2.5, 2.5) * sigma
        m = np.flatnonzero(src == 4)
        road[m] = rng.choice(len(city.roads), len(m), p=self.road_len / self.road_len.sum())
        for r, (pts, cum) in enumerate(zip(self.road_xy, self.road_cum, strict=True)):
            mr = m[road[m] == r]
            at = rng.uniform(0.006, cum[-1] - 0.006, len(mr))
            p0 = np.c_[np.interp(at - 0.005, cum, pts[:, 0]), np.interp(at - 0.005, cum, pts[:, 1])]
            p1 = np.c_[np.interp(at + 0.005, cum, pts[:, 0]), np.interp(at + 0.005, cum, pts[:, 1])]
            normal = (p1 - p0)[:, ::-1] * np.array([-1, 1]) / np.maximum(np.hypot(*(p1 - p0).T), 1e-9)[:, None]
            xy[mr] = (p0 + p1) / 2 + normal * rng.normal(0, 0.012, (len(mr), 1))
        m = np.flatnonzero(src == 6)
        edge = shapely.get_coordinates(
            shapely.line_interpolate_point(city.outline.exterior, rng.random(len(m)), normalized=True)
        )
        xy[m] = edge + edge / np.hypot(*edge.T)[:, None] * rng.uniform(0.05, 0.8, (len(m), 1))
        for s in range(self.cam_mask.shape[1]):
            m = np.flatnonzero(scene == s)
            cand = np.flatnonzero(self.cam_mask[:, s]) if self.cam_mask[:, s].any() else np.arange(1)
            cam[m] = cand[rng.choice(len(cand), len(m), p=self.cam_w[cand] / self.cam_w[cand].sum())]
        m = np.flatnonzero(cam >= 0)
        ang, dist = rng.uniform(0, 2 * np.pi, len(m)), rng.uniform(0.01, 0.06, len(m))
        xy[m] = self.cam_xy[cam[m]] + np.c_[np.cos(ang), np.sin(ang)] * dist[:, None]
        return {"xy": xy, "src": src, "hot": hot, "road": road, "cam": cam, "sub": self.sub_tree.query(xy)[1]}

    def _places(self, rng: np.random.Generator, loc: dict[str, np.ndarray]) -> tuple[pa.Array, pa.Array]:
        """Place (for descriptions) and address of each case, assembled in Arrow."""
        city, src, sub = self.city, loc["src"], loc["sub"]
        n = len(src)
        street = _take(self.pa_street, city.sub_street[sub])
        road = _take(self.pa_roads, np.where(loc["road"] >= 0, self.main_road_i[loc["road"]], self.sub_road_i[sub]))
        num = _take(self.pa_num, rng.integers(1, 450, n) * 2 - 1 + rng.integers(0, 2, n))
        bld = _take(self.pa_bld, rng.integers(1, 36, n))
        hot = _take(self.pa_hotspot, np.maximum(loc["hot"], 0))
        compound = pc.if_else(pa.array(src == 1), hot, _take(self.pa_compound, sub))
        cam = np.maximum(loc["cam"], 0)
        kind = np.select([src == 7, np.isin(src, (2, 3, 5)), np.isin(src, (4, 6))], [3, 1, 2], 0).astype(np.int8)
        v = [
            _take(_text(vs), rng.integers(0, len(vs), n))
            for vs in (
                ("门口", "楼下", "", "", ""),
                ("门口", "北侧", "东侧", "南门", "西侧", "周边"),
                ("门前", "路段", "", ""),
            )
        ]
        place = pc.choose(
            pa.array(kind),
            _join(compound, bld, v[0]),
            _join(hot, v[1]),
            _join(road, num, v[2]),
            _take(self.pa_cam_name, cam),
        )
        address = pc.choose(
            pa.array(kind),
            _join(street, road, num, compound, bld),
            _join(street, road, num, hot),
            _join(street, road, num),
            _take(self.pa_cam_addr, cam),
        )
        return place, address

    # ---------------------------------------------------------------- how it went
    def _workflow(
        self, rng: np.random.Generator, ch: np.ndarray, kind: np.ndarray, t0: np.ndarray, urgent: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Which slots each case passes and when (continuous time; loaders compute the real deadlines)."""
        n, n_slots = len(ch), len(SLOTS)
        outcome = (rng.random(n)[:, None] > np.cumsum(OUTCOME_P, 1)[ch][:, :3]).sum(1)
        normal, self_h, reject, void = (outcome == i for i in range(4))
        verify = VERIFIED[ch] & ~self_h
        returns = np.where(rng.random(n) < 0.06, np.where(rng.random(n) < 0.15, 2, 1), 0) * normal
        rework = normal & (rng.random(n) < 0.035)
        ext = normal & (rng.random(n) < 0.022)
        parked = normal & (rng.random(n) < 0.005)
        active = np.zeros((n, n_slots), bool)
        active[:, 0] = True
        active[:, 1], active[:, 2], active[:, 3] = verify, self_h, reject
        active[:, 4], active[:, 5] = normal | void, void
        active[:, [6, 7, 12, 17, 18]] = normal[:, None]
        active[:, [8, 9]] = (returns >= 1)[:, None]
        active[:, [10, 11]] = (returns >= 2)[:, None]
        active[:, [13, 14]] = ext[:, None]
        active[:, [15, 16]] = parked[:, None]
        active[:, 19:23] = rework[:, None]
        active[:, 23] = normal | self_h
        active[:, 24] = normal & np.isin(ch, (1, 2))  # follow-up call: hotline and citizen app

        def ln(median_min: float, sigma: float) -> np.ndarray:
            return np.exp(np.log(median_min * 60) + sigma * rng.normal(0, 1, n))

        limit = np.where(urgent, 2 * 3600, self.k_limit[kind])
        handle = limit / 2.87 * np.exp(0.75 * rng.normal(0, 1, n))  # P(handle > limit) ≈ 8 %
        f1, f2 = rng.uniform(0.2, 0.5, n), rng.uniform(0.1, 0.4, n)
        ext_days = rng.integers(1, 6, n) * ext
        fast = np.where(urgent, 0.3, 1.0)
        inc = np.stack(
            [
                np.zeros(n),
                ln(8, 0.6),
                ln(20, 0.6),
                ln(40, 0.8),
                np.where(ch == 1, ln(2, 0.5), np.where(verify, ln(30, 0.7), ln(10, 0.8))) * fast,
                ln(30, 0.8),
                ln(6, 0.7) * fast,
                ln(12, 0.7) * fast,
                ln(70, 0.8),
                ln(20, 0.7),
                ln(70, 0.8),
                ln(20, 0.7),
                ln(25, 0.7) * fast,
                f1 * handle,
                ext_days * 86400 * rng.uniform(0.6, 1.0, n),
                f2 * handle,
                rng.uniform(2, 20, n) * 86400,
                handle * (1 - f1 * ext - f2 * parked),
                ln(35, 0.7),
                ln(15, 0.5),
                ln(20, 0.6),
                handle * rng.uniform(0.2, 0.6, n),
                ln(35, 0.7),
                np.where(self_h, ln(15, 0.6), ln(8, 0.6)),
                ln(360, 0.6),
            ],
            axis=1,
        )
        inc[:, 1:] = np.maximum(inc[:, 1:], 1.0)
        times = t0[:, None] + np.cumsum(np.where(active, inc, 0.0), axis=1).astype(np.int64)
        return {
            "times": times,
            "kept": active & (times < self.cutoff),
            "outcome": outcome,
            "returns": returns,
            "ext_days": ext_days,
            "late": normal & (handle > limit),
        }

    # ---------------------------------------------------------------- one chunk
    def chunk(self, index: int, d0: int, counts: np.ndarray) -> dict[str, dict[str, pa.Table]]:
        """The cases of ``counts`` (days × kinds, first day ``d0``): per source its cases and flow, plus alarms."""
        rng = np.random.default_rng([self.seed, 100, index])
        di, ki = np.nonzero(counts)
        day, kind = np.repeat(di + d0, counts[di, ki]), np.repeat(ki, counts[di, ki])
        n = len(day)
        ch = self.k_ch[kind]
        u = rng.random(n)
        u = np.where(day == self.days - 1, u * HOUR_CDF[ch, SNAPSHOT_HOUR - 1], u)  # nothing after the snapshot
        hour = (u[:, None] > HOUR_CDF[ch]).sum(1).clip(0, 23)
        t0 = self.base + day.astype(np.int64) * 86400 + hour * 3600 + rng.integers(0, 3600, n)
        order = np.argsort(t0, kind="stable")
        day, kind, ch, t0 = day[order], kind[order], ch[order], t0[order]

        loc = self._locate(rng, kind)
        place, address = self._places(rng, loc)
        urgent = rng.random(n) < np.where(self.k_hazard[kind], 0.3, 0.02)
        wf = self._workflow(rng, ch, kind, t0, urgent)
        times, kept = wf["times"], wf["kept"]
        t = self.k_tpl_off[kind] + (rng.random(n) * self.k_tpl_n[kind]).astype(np.int64)
        suffix = np.where((ch == 1) & self.t_has_place[t], rng.integers(0, 4, n), 3)
        desc = _join(
            _take(_text(DESC_PREFIX), ch),
            _take(self.pa_before, t),
            pc.if_else(pa.array(self.t_has_place[t]), place, ""),
            _take(self.pa_after, t),
            _take(_text(["，希望尽快处理", "，请相关部门核实处理", "，要求尽快解决", ""]), suffix),
        )

        # departments: routing default, street overrides, some street matters passed on to the community
        city = self.city
        street, community = city.sub_street[loc["sub"]], city.sub_community[loc["sub"]]
        comm_dept = self.community_dept[community]
        final = self.k_dept[kind].copy()
        for match, s, dept in self.overrides:
            final[match[kind] & (street == s)] = dept
        to_comm = np.isin(final, self.street_dept) & (rng.random(n) < 0.4)
        final[to_comm] = comm_dept[to_comm]
        final = np.where(wf["outcome"] == 1, comm_dept, final)
        f = len(self.functional)
        i1 = rng.integers(0, f, n)
        i1 = np.where(self.functional[i1] == final, (i1 + 1) % f, i1)
        i2 = (i1 + 1 + rng.integers(0, f - 1, n)) % f
        i2 = np.where(self.functional[i2] == final, (i2 + 1) % f, i2)
        wrong1, wrong2 = self.functional[i1], self.functional[i2]
        r = wf["returns"]
        d7, d9 = np.where(r >= 1, wrong1, final), np.where(r == 2, wrong2, final)
        center = np.where(ch == 1, self.hotline_center, self.center)
        report = np.select([ch == 0, ch == 1, ch == 4], [comm_dept, self.hotline_center, self.center], -1)
        verify = np.where(np.isin(ch, (2, 6)), comm_dept, self.center)
        role_dept = np.stack([report, verify, comm_dept, center, d7, wrong1, d9, wrong2, final])
        worker = self.sub_worker_op[loc["sub"]]
        staff = rng.integers(0, 5, n)
        center_op = np.where(ch == 1, self.op_hotline + rng.integers(0, 20, n), self.op_center + rng.integers(0, 12, n))
        report_op = np.select([ch == 0, ch == 1, ch == 2, ch == 6, ch == 4], [worker, center_op, 1, 2, center_op], 0)
        role_op = np.stack(
            [
                report_op,
                np.where(np.isin(ch, (2, 6)), worker, center_op),
                worker,
                center_op,
                *(self.op_dept + 5 * d + staff for d in (d7, wrong1, d9, wrong2, final)),
            ]
        )

        # case columns read off the kept slots (later slots win)
        def at(*slots: int, stale_after: int | None = None) -> pa.Array:
            value, present = np.zeros(n, np.int64), np.zeros(n, bool)
            for s in slots:
                value = np.where(kept[:, s], times[:, s], value)
                present |= kept[:, s]
            if stale_after is not None:  # a step redone (rework) and not reached again: its old time is void
                present &= ~(kept[:, stale_after] & ~kept[:, slots[-1]])
            return _times(value, present)

        last = len(SLOTS) - 1 - np.argmax(kept[:, ::-1], axis=1)
        dept_now = np.select([kept[:, 11], kept[:, 9], kept[:, 7], kept[:, 2]], [final, d9, d7, comm_dept], -1)
        sat_p = np.where(wf["late"][:, None], [0.70, 0.15, 0.15], [0.86, 0.10, 0.04])
        sat = (rng.random(n)[:, None] > np.cumsum(sat_p, 1)).sum(1).clip(0, 2)
        supervised = (
            ((ch == 4) & (rng.random(n) < 0.35)) | (rng.random(n) < 0.012) | (wf["late"] & (rng.random(n) < 0.05))
        )
        person = np.where(ch == 0, self.n_contacts + worker, rng.integers(0, self.n_contacts, n))
        yes_no = _text(["否", "是"])
        table = pa.table(
            {
                "来源渠道": _dict(ch, _text(CHANNEL_ZH)),
                "类别编码": _dict(kind, self.pa_code),
                "类别名称": _dict(kind, self.pa_name),
                "诉求分类编码": _dict(kind, self.pa_code),
                "诉求性质": _dict(
                    (rng.random(n)[:, None] > np.cumsum([0.12, 0.2, 0.5, 0.08, 0.1])).sum(1).clip(0, 4), _text(NATURES)
                ),
                "事件描述": desc,
                "事发地址": address,
                "上报时间": _times(t0),
                "受理时间": at(4),
                "立案时间": at(6),
                "派遣时间": at(7, 9, 11),
                "签收时间": at(12),
                "处置时间": at(2, 17, 21),
                "核查时间": at(18, 22, stale_after=21),
                "结案时间": at(23),
                "评价时间": at(24),
                "处置部门编码": _dict(dept_now, self.pa_dept),
                "状态": _dict(SLOT_STATE[last], self.pa_states),
                "是否紧急": _dict(urgent, yes_no),
                "是否督办": _dict(supervised, yes_no),
                "延期天数": pa.array(wf["ext_days"] * kept[:, 13]),
                "派遣次数": pa.array(kept[:, [7, 9, 11]].sum(1)),
                "退回次数": pa.array(kept[:, [8, 10]].sum(1)),
                "返工次数": pa.array(kept[:, 19].astype(np.int64)),
                "满意度": _dict(np.where(kept[:, 24], sat, -1), _text(["满意", "基本满意", "不满意"])),
                "联系人": _dict(np.where(np.isin(ch, (0, 1, 2, 6)), person, -1), self.pa_people),
                "联系电话": _dict(np.where(np.isin(ch, (1, 2, 6)), person, -1), self.pa_phone),
            }
        )
        per_case = {
            "day": day,
            "ch": ch,
            "kind": kind,
            "xy": loc["xy"],
            "times": times,
            "kept": kept,
            "role_dept": role_dept,
            "role_op": role_op,
        }
        out = {}
        for s_i, source in enumerate(SOURCES):
            rows = np.flatnonzero(CHANNEL_SOURCE[ch] == s_i)
            out[source] = self._source_tables(rng, source, rows, table, per_case)
        cam_rows = np.flatnonzero(ch == 3)
        keep = ~out["camera_ai"]["dup"]
        out["events"] = {
            "events": self._events(
                rng, cam_rows[keep], out["camera_ai"]["ids"].filter(pa.array(keep)), loc, kind, t0, kept, day
            )
        }
        return out

    def _source_tables(
        self, rng: np.random.Generator, source: str, rows: np.ndarray, full: pa.Table, per_case: dict[str, np.ndarray]
    ) -> dict:
        """One source's rows: its ids, coordinates, deliberate defects, and the flow of its cases."""
        m = len(rows)
        seq = self.counters[source] + np.arange(1, m + 1)
        self.counters[source] += m
        defect = np.where(rng.random(m) < 1 / 500, rng.integers(1, 5, m), 0)  # bad time, "--", swapped, dup id
        if m and defect[0] == 4:
            defect[0] = 1
        dup = defect == 4
        ids = _join(
            ID_PREFIX[source],
            _take(self.pa_day, per_case["day"][rows]),
            pc.utf8_lpad(pc.cast(pa.array(seq), pa.string()), 7, "0"),
        )
        ids = pc.take(ids, pa.array(np.arange(m) - dup))  # a re-sent row repeats the previous id
        table = full.take(pa.array(rows))
        lon, lat = to_lonlat(per_case["xy"][rows, 0], per_case["xy"][rows, 1])
        present = np.ones(m, bool)
        if source == "hotline12345":
            lon, lat = wgs84_to_gcj02(lon, lat)
            present = rng.random(m) >= self.k_nocoord[per_case["kind"][rows]]
        lon, lat = np.round(lon, 6), np.round(lat, 6)
        swap = defect == 3
        lon[swap], lat[swap] = lat[swap], lon[swap]
        lon_text = pc.cast(pa.array(lon, mask=~present), pa.string())
        bad_lon = (defect == 2) & present
        if bad_lon.any():
            lon_text = pc.replace_with_mask(lon_text, pa.array(bad_lon), _text(["--"] * int(bad_lon.sum())))
        table = table.append_column("事件编号", ids).append_column("经度", lon_text)
        table = table.append_column("纬度", pa.array(lat, mask=~present))
        bad = np.flatnonzero(defect == 1)
        col = np.where(rng.random(len(bad)) < 0.5, 0, rng.integers(1, len(TIME_COLUMNS), len(bad)))
        for c, name in enumerate(TIME_COLUMNS):
            hit = bad[(col == c) & table[name].is_valid().to_numpy(zero_copy_only=False)[bad]]
            if len(hit):
                mask = np.zeros(m, bool)
                mask[hit] = True
                text = pc.replace_with_mask(
                    pc.cast(table[name], pa.string()),
                    pa.array(mask),
                    _text(BAD_TIMES[rng.integers(0, len(BAD_TIMES), len(hit))]),
                )
                table = table.set_column(table.schema.get_field_index(name), name, text)
        # flow rows of the same cases (a re-sent duplicate row has none of its own)
        kept = per_case["kept"][rows] & ~dup[:, None]
        ci, si = np.nonzero(kept)
        step = np.cumsum(kept, axis=1)[ci, si]
        prev = np.r_[-1, SLOT_STATE[si][:-1]]
        note = self.slot_note[si, 0] + rng.integers(0, 1 << 30, len(si)) % np.maximum(self.slot_note[si, 1], 1)
        note = np.where(si == 0, per_case["ch"][rows][ci], note)
        case_rows = rows[ci]
        flow = pa.table(
            {
                "事件编号": _dict(ci, ids),
                "序号": pa.array(step),
                "原状态": _dict(np.where(step == 1, -1, prev), self.pa_states),
                "新状态": _dict(SLOT_STATE[si], self.pa_states),
                "操作时间": _times(per_case["times"][case_rows, si]),
                "部门编码": _dict(per_case["role_dept"][SLOT_ROLE[si], case_rows], self.pa_dept),
                "操作人": _dict(per_case["role_op"][SLOT_ROLE[si], case_rows], self.pa_ops),
                "备注": _dict(note, self.pa_notes),
            }
        )
        return {"cases": table, "flow": flow, "ids": ids, "dup": dup}

    def _events(
        self,
        rng: np.random.Generator,
        rows: np.ndarray,
        ids: pa.Array,
        loc: dict[str, np.ndarray],
        kind: np.ndarray,
        t0: np.ndarray,
        kept: np.ndarray,
        day: np.ndarray,
    ) -> pa.Table:
        """One pushed alarm per camera case, plus ~40 % more not pushed (low confidence or duplicates)."""
        n = len(rows)
        cam, scene = loc["cam"][rows], self.k_scene[kind[rows]]
        captured = t0[rows] - rng.integers(5, 120, n)
        fp = np.where(kept[rows, 3], 1, np.where(kept[rows, 4], 0, -1))  # rejected on verification: a false alarm
        n_low, n_dup = round(0.24 * n), round(0.16 * n)
        w = self.cam_w / self.cam_w.sum()
        low_cam = rng.choice(len(w), n_low, p=w)
        cum = np.cumsum(self.cam_mask[low_cam], 1)
        low_scene = (cum <= (rng.random(n_low) * cum[:, -1]).astype(int)[:, None]).sum(1)
        days = np.unique(day) if len(day) else np.zeros(1, np.int64)
        low_day = days[rng.integers(0, len(days), n_low)]
        u = rng.random(n_low)
        u = np.where(low_day == self.days - 1, u * HOUR_CDF[3, SNAPSHOT_HOUR - 1], u)
        low_t = (
            self.base
            + low_day * 86400
            + (u[:, None] > HOUR_CDF[3]).sum(1).clip(0, 23) * 3600
            + rng.integers(0, 3600, n_low)
        )
        dup_of = rng.integers(0, max(n, 1), n_dup) if n else np.zeros(0, np.int64)
        all_t = np.r_[captured, low_t, np.minimum(captured[dup_of] + rng.integers(60, 1800, n_dup), self.cutoff - 1)]
        order = np.argsort(all_t, kind="stable")
        all_t = all_t[order]
        all_cam = np.r_[cam, low_cam, cam[dup_of]][order]
        all_scene = np.r_[scene, low_scene, scene[dup_of]][order]
        conf = np.r_[rng.uniform(0.6, 0.99, n), rng.uniform(0.3, 0.6, n_low), rng.uniform(0.6, 0.95, n_dup)][order]
        case = np.r_[np.arange(n), np.full(n_low + n_dup, -1)][order]
        fp_all = np.r_[fp, np.where(rng.random(n_low) < 0.55, 1, -1), np.zeros(n_dup, np.int64)][order]
        m = len(order)
        seq = self.event_counter + np.arange(1, m + 1)
        self.event_counter += m
        stamp = _times(all_t)
        yes_no = _text(["否", "是"])
        return pa.table(
            {
                "告警编号": _join(
                    "GJ", pc.strftime(stamp, format="%Y%m%d"), pc.utf8_lpad(pc.cast(pa.array(seq), pa.string()), 8, "0")
                ),
                "设备编码": _dict(all_cam, self.pa_cam_id),
                "场景编码": _dict(all_scene, self.pa_scene),
                "算法编码": _dict(all_scene, self.pa_algo),
                "置信度": pa.array(np.round(conf, 2)),
                "抓拍时间": stamp,
                "是否推送": _dict(case >= 0, yes_no),
                "关联工单": _dict(case, ids),
                "是否误报": _dict(fp_all, yes_no),
            }
        )

    # ---------------------------------------------------------------- all of it
    def write(
        self, out_dir: Path, cases: int, *, progress: bool = False, edit: Callable[[dict], None] | None = None
    ) -> dict[str, int]:
        """Generate ``cases`` cases chunk by chunk of days and append them to the files; rows written per file.
        ``edit``: called with each chunk's tables before they are written (another module's planting)."""
        counts = daily_counts(self.kinds, self.start, self.days, cases, np.random.default_rng([self.seed, 3]))
        bounds, acc = [0], 0
        for d, c in enumerate(counts.sum(1)):
            if acc and acc + c > CHUNK_CASES:
                bounds.append(d)
                acc = 0
            acc += c
        bounds.append(self.days)
        sinks = {}
        for source in SOURCES:
            sinks[(source, "cases")] = CsvSink(out_dir / SOURCE_FILE[source], HEADERS[source], SOURCE_ENCODING[source])
            sinks[(source, "flow")] = CsvSink(out_dir / FLOW_FILE[source], FLOW_COLUMNS, SOURCE_ENCODING[source])
        sinks[("events", "events")] = CsvSink(out_dir / "camera_events.csv", EVENT_COLUMNS, "utf-8")
        try:
            for i, (d0, d1) in enumerate(itertools.pairwise(bounds)):
                out = self.chunk(i, d0, counts[d0:d1])
                if edit is not None:
                    edit(out)
                for (source, part), sink in sinks.items():
                    sink.write(out[source][part])
                if progress:
                    print(f"cases: days {d0 + 1}-{d1} of {self.days}, {counts[d0:d1].sum():,} cases", file=sys.stderr)
        finally:
            for sink in sinks.values():
                sink.close()
        return {f"{source}/{part}": sink.rows for (source, part), sink in sinks.items()}

"""The people, sensors, organisations and ledgers of the demo city's grids, and the camera patterns the 视频 page
should find, each with its truth (``places_truth.json``).

* Grid attributes (``grid_attributes.csv``): per grid, its key groups (elderly, elderly living alone, party
  members …), buildings, compounds and land use. One street gives no figure for left-behind children: the panel
  shows it absent, not zero. No component survey is planted: the panel shows components absent.
* Grid workers (one per grid and a 网格长 per community) and their ledger of visits, three or four a week.
* Organisations: each grid's party branch, community party committees, property companies, volunteer teams,
  owners' committees, social organisations.
* IoT: smoke and door sensors (some gas and water) in the homes of elderly people living alone, and their alarms:
  acknowledged within minutes, a grid worker on site within a quarter of an hour, except in one street where
  arrivals are slow (``slow_street``); a few alarms never acknowledged, and the last hour's still waiting.
* Deliberation items (周末议事厅): a few per community each weekend, loaded as cases of channel deliberation, and
  their outcomes (solved, referred, explained); the latest still pending.
* Cameras: three that alert normally and then fall silent for the last ten days (``silent_cameras``), three whose
  alarms are mostly false (``noisy_cameras``), in files of their own (``cameras_more.csv``, their alarms in
  ``camera_events_cameras_more.csv``).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from .cases import SNAPSHOT_HOUR
from .city import City, camera_scenes, person_names, phone_numbers

TRUTH_FILE = "places_truth.json"
FMT = "%Y-%m-%d %H:%M:%S"
LAND_USE = ("居住", "居住", "居住", "商业", "混合", "教育科研", "公共服务", "绿地广场", "工业")
VISIT_KINDS = (("入户走访", 0.45), ("巡查", 0.3), ("安全检查", 0.12), ("政策宣传", 0.08), ("矛盾调解", 0.05))
DEVICE_KINDS = (("烟感", "烟雾报警"), ("门磁", "门磁长时间未开启"), ("燃气", "可燃气体泄漏"), ("水浸", "水浸报警"))
#: Alarms per device and year, by kind (cooking smoke and a door left shut make most of them).
ALARM_RATE = {"烟感": 0.8, "门磁": 1.2, "燃气": 0.15, "水浸": 0.3}
DELIBERATION_TOPICS = (
    ("小区加装电梯意见征集", None),
    ("小区停车位紧张，车辆乱停", "09009"),
    ("楼道堆放杂物清理", "06036"),
    ("广场舞噪声扰民", "06028"),
    ("垃圾分类投放点设置", "06041"),
    ("绿地被占用种菜", "06045"),
    ("老旧小区改造方案讨论", None),
    ("电动车飞线充电整治", None),
    ("物业服务质量提升", None),
    ("小区门口占道经营", "09006"),
)
OUTCOMES = (("已解决", 0.55), ("转办", 0.3), ("解释说明", 0.15))


def _representative_points(grids: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    pts = shapely.point_on_surface(grids["geometry"].to_numpy())
    return shapely.get_x(pts), shapely.get_y(pts)


def _choice(rng: np.random.Generator, table: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    names = np.array([name for name, _ in table], dtype=object)
    weights = np.array([w for _, w in table])
    return names[rng.choice(len(names), n, p=weights / weights.sum())]


def _stamp(seconds: np.ndarray) -> np.ndarray:
    return pd.to_datetime(seconds, unit="s").strftime(FMT).to_numpy(object)


def plant_residents(
    out_dir: Path, city: City, cameras: pd.DataFrame, start: dt.date, days: int, seed: int
) -> list[dict]:
    """Write the files into ``out_dir`` and ``places_truth.json``; return their manifest steps, in load order."""
    rng = np.random.default_rng([seed, 15, 2])
    now = city.grids[city.grids["失效日期"].isna()]
    grids = now[now["层级"] == 4].reset_index(drop=True)
    communities = now[now["层级"] == 3].reset_index(drop=True)
    streets = now[now["层级"] == 2].reset_index(drop=True)
    base = int(pd.Timestamp(start).value // 10**9)
    end = base + (days - 1) * 86400 + SNAPSHOT_HOUR * 3600
    truth: dict[str, object] = {}
    steps = [
        _attributes(out_dir, grids, streets, rng, truth),
        *_workers(out_dir, grids, communities, rng, base, end),
        _organisations(out_dir, grids, communities, rng),
        *_iot(out_dir, grids, streets, rng, base, end, truth),
        *_deliberations(out_dir, communities, rng, base, end),
        *_cameras(out_dir, cameras, rng, base, end, truth),
    ]
    (out_dir / TRUTH_FILE).write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return steps


def _attributes(
    out_dir: Path, grids: pd.DataFrame, streets: pd.DataFrame, rng: np.random.Generator, truth: dict
) -> dict:
    pop = grids["人口"].to_numpy()
    n = len(grids)
    no_children = str(streets["网格编码"].iloc[-1])  # this street has not surveyed left-behind children
    street_of = grids["网格编码"].str.slice(0, 9).to_numpy()
    children = np.round(pop * rng.uniform(0.001, 0.004, n)).astype(object)
    children[street_of == no_children] = ""
    frame = pd.DataFrame(
        {
            "网格编码": grids["网格编码"],
            "常住人口": pop,
            "户数": grids["户数"],
            "60岁以上老人": np.round(pop * rng.uniform(0.14, 0.24, n)).astype(int),
            "独居老人": np.round(pop * rng.uniform(0.012, 0.035, n)).astype(int),
            "党员人数": np.round(pop * rng.uniform(0.03, 0.07, n)).astype(int),
            "残疾人": np.round(pop * rng.uniform(0.008, 0.02, n)).astype(int),
            "低保人数": np.round(pop * rng.uniform(0.004, 0.015, n)).astype(int),
            "留守儿童": children,
            "楼栋数": np.maximum(1, np.round(grids["户数"] / rng.uniform(40, 90, n))).astype(int),
            "小区数": rng.integers(1, 6, n),
            "用地性质": np.asarray(LAND_USE, dtype=object)[rng.integers(0, len(LAND_USE), n)],
            "统计日期": "2026-06-30",
        }
    )
    frame.to_csv(out_dir / "grid_attributes.csv", index=False, encoding="utf-8-sig")
    truth["no_left_behind_children_street"] = no_children
    return {"entity": "grid_attributes", "path": "grid_attributes.csv", "source": "shushan_grid_stats", "crs": None}


def _workers(
    out_dir: Path, grids: pd.DataFrame, communities: pd.DataFrame, rng: np.random.Generator, base: int, end: int
) -> list[dict]:
    names = grids["网格员"].fillna(pd.Series(person_names(rng, len(grids)))).to_numpy(object)
    workers = pd.DataFrame(
        {
            "工号": [f"WG{code}" for code in grids["网格编码"]],
            "网格编码": grids["网格编码"],
            "姓名": names,
            "岗位": "专职网格员",
            "联系电话": phone_numbers(rng, len(grids)),
        }
    )
    leaders = pd.DataFrame(
        {
            "工号": [f"WZ{code}" for code in communities["网格编码"]],
            "网格编码": communities["网格编码"],
            "姓名": person_names(rng, len(communities)),
            "岗位": "网格长",
            "联系电话": phone_numbers(rng, len(communities)),
        }
    )
    pd.concat([workers, leaders]).to_csv(out_dir / "grid_workers.csv", index=False, encoding="utf-8-sig")
    weeks = max((end - base) / (7 * 86400), 1 / 7)
    per = rng.poisson(rng.uniform(2.5, 4.5, len(grids)) * weeks)
    who = np.repeat(np.arange(len(grids)), per)
    at = base + rng.integers(0, max(end - base, 1), len(who))
    at = at - at % 86400 + rng.integers(8 * 3600, 18 * 3600, len(who))  # in working hours
    at = np.minimum(at, end)
    kinds = _choice(rng, VISIT_KINDS, len(who))
    home = kinds == "入户走访"
    notes = np.where(home, "走访独居老人，身体状况良好", np.where(kinds == "巡查", "巡查网格，未发现异常", "开展工作"))
    visits = pd.DataFrame(
        {
            "走访编号": [f"ZF{i:08d}" for i in range(1, len(who) + 1)],
            "工号": workers["工号"].to_numpy()[who],
            "网格编码": grids["网格编码"].to_numpy()[who],
            "走访时间": _stamp(at),
            "走访类型": kinds,
            "走访对象": np.where(home, person_names(rng, len(who)), ""),
            "走访情况": notes,
        }
    ).sort_values("走访时间")
    visits.to_csv(out_dir / "grid_visits.csv", index=False, encoding="utf-8-sig")
    return [
        {"entity": "grid_workers", "path": "grid_workers.csv", "source": "shushan_grid", "crs": None},
        {"entity": "grid_visits", "path": "grid_visits.csv", "source": "shushan_grid", "crs": None},
    ]


def _organisations(out_dir: Path, grids: pd.DataFrame, communities: pd.DataFrame, rng: np.random.Generator) -> dict:
    rows = [
        (f"DZB{code}", branch, "党支部", code, int(rng.integers(8, 40)))
        for code, branch in zip(grids["网格编码"], grids["党支部"], strict=True)
    ]
    for code, name in zip(communities["网格编码"], communities["网格名称"], strict=True):
        rows.append((f"DW{code}", f"{name}党委", "党委", code, int(rng.integers(60, 200))))
        rows.append((f"ZY{code}", f"{name}志愿服务队", "志愿服务队", code, int(rng.integers(20, 120))))
    picked = rng.choice(len(grids), len(grids) // 3, replace=False)
    for k, i in enumerate(picked):
        code = grids["网格编码"].iloc[i]
        rows.append((f"WY{k:04d}", f"{grids['网格名称'].iloc[i][:2]}物业服务有限公司", "物业公司", code, None))
        if k % 2 == 0:
            rows.append((f"YW{k:04d}", f"{grids['网格名称'].iloc[i]}业主委员会", "业主委员会", code, 7))
    for k, i in enumerate(rng.choice(len(communities), 30)):
        rows.append((f"SH{k:04d}", f"{communities['网格名称'].iloc[i]}社工服务站", "社会组织",
                     communities["网格编码"].iloc[i], int(rng.integers(3, 15))))  # fmt: skip
    frame = pd.DataFrame(rows, columns=["组织编码", "组织名称", "组织类型", "所属网格编码", "成员数"])
    frame["负责人"] = person_names(rng, len(frame))
    frame.to_csv(out_dir / "organisations.csv", index=False, encoding="utf-8-sig")
    return {"entity": "organisations", "path": "organisations.csv", "source": "shushan_org", "crs": "EPSG:4326"}


def _iot(
    out_dir: Path,
    grids: pd.DataFrame,
    streets: pd.DataFrame,
    rng: np.random.Generator,
    base: int,
    end: int,
    truth: dict,
) -> list[dict]:
    lon, lat = _representative_points(grids)
    households = np.maximum(1, np.round(grids["人口"].to_numpy() * 0.004)).astype(int)  # a share of those alone
    home = np.repeat(np.arange(len(grids)), households)
    n_home = len(home)
    owners, phones = person_names(rng, n_home), phone_numbers(rng, n_home)
    rows = []
    for h in range(n_home):
        kinds = ["烟感", "门磁", *(["燃气"] if rng.random() < 0.3 else []), *(["水浸"] if rng.random() < 0.15 else [])]
        for kind in kinds:
            rows.append((h, kind))
    device_home = np.array([h for h, _ in rows])
    device_kind = np.array([k for _, k in rows], dtype=object)
    g = home[device_home]
    jitter = rng.normal(0, 0.0015, (len(rows), 2))
    devices = pd.DataFrame(
        {
            "设备编号": [f"IOT{i:07d}" for i in range(1, len(rows) + 1)],
            "设备类型": device_kind,
            "设备名称": [f"独居老人{k}" for k in device_kind],
            "服务对象": owners[device_home],
            "联系电话": phones[device_home],
            "安装地址": grids["网格名称"].to_numpy()[g] + "内",
            "经度": np.round(lon[g] + jitter[:, 0], 6),
            "纬度": np.round(lat[g] + jitter[:, 1], 6),
            "安装时间": _stamp(base - rng.integers(30, 700, len(rows)) * 86400),
            "设备状态": np.array(["在线", "离线", "故障"], dtype=object)[
                rng.choice(3, len(rows), p=[0.93, 0.05, 0.02])
            ],
        }
    )
    devices.to_csv(out_dir / "iot_devices.csv", index=False, encoding="utf-8-sig")
    span = max(end - base, 3600)
    rate = np.array([ALARM_RATE[k] for k in device_kind]) * span / (365 * 86400)
    count = rng.poisson(rate)
    d = np.repeat(np.arange(len(rows)), count)
    at = np.sort(base + rng.integers(0, span, len(d)))
    d = d[np.argsort(rng.random(len(d)))] if len(d) else d
    n = len(d)
    slow = str(streets["网格编码"].iloc[int(rng.integers(len(streets)))])
    in_slow = grids["网格编码"].str.slice(0, 9).to_numpy()[g[d]] == slow
    ack = at + np.round(rng.lognormal(np.log(150), 0.6, n)).astype(int)
    arrive = ack + np.round(rng.lognormal(np.log(np.where(in_slow, 2700, 840)), 0.35, n)).astype(int)
    close = arrive + rng.integers(600, 3600, n)
    never = rng.random(n) < 0.01  # never acknowledged: found later by a worker's visit
    waiting = at > end - 3600  # the last hour's: not yet answered at the snapshot
    unanswered = never | waiting
    ack_s, arrive_s = _stamp(ack), _stamp(arrive)
    ack_s[unanswered] = ""
    arrive_s[waiting] = ""
    close_s = _stamp(close)
    close_s[waiting | (close > end)] = ""
    arrive_s[arrive > end] = ""
    outcome = np.array(["真实", "误报", "测试"], dtype=object)[rng.choice(3, n, p=[0.08, 0.85, 0.07])]
    outcome[close_s == ""] = ""
    kinds = dict(DEVICE_KINDS)
    alarms = pd.DataFrame(
        {
            "告警编号": [f"BJ{i:08d}" for i in range(1, n + 1)],
            "设备编号": devices["设备编号"].to_numpy()[d],
            "告警类型": [kinds[k] for k in device_kind[d]],
            "告警时间": _stamp(at),
            "响应时间": ack_s,
            "到场时间": arrive_s,
            "处置完成时间": close_s,
            "处置结果": outcome,
            "处置人": np.where(arrive_s != "", "网格员", ""),
        }
    )
    alarms.to_csv(out_dir / "iot_alarms.csv", index=False, encoding="utf-8-sig")
    truth["iot"] = {
        "slow_street": slow,
        "unanswered": alarms["告警编号"][unanswered].tolist(),
        "devices": len(devices),
        "alarms": n,
    }
    return [
        {"entity": "iot_devices", "path": "iot_devices.csv", "source": "iot_platform", "crs": "EPSG:4326"},
        {"entity": "iot_alarms", "path": "iot_alarms.csv", "source": "iot_platform", "crs": None},
    ]


def _deliberations(
    out_dir: Path, communities: pd.DataFrame, rng: np.random.Generator, base: int, end: int
) -> list[dict]:
    lon, lat = _representative_points(communities)
    saturdays = [t for t in range(base - base % 86400, end, 86400) if pd.Timestamp(t, unit="s").dayofweek == 5]
    rows = []
    for t in saturdays:
        for c in range(len(communities)):
            for _ in range(int(rng.poisson(0.6))):
                rows.append((c, t + int(rng.integers(9 * 3600, 11 * 3600))))
    if not rows:
        rows = [(0, base + 9 * 3600)]
    c = np.array([r[0] for r in rows])
    at = np.array([r[1] for r in rows])
    n = len(rows)
    topic = rng.integers(0, len(DELIBERATION_TOPICS), n)
    decided = at + rng.integers(3600, 20 * 86400, n)
    done = decided <= end
    outcome = _choice(rng, OUTCOMES, n)
    ids = [f"YS{i:07d}" for i in range(1, n + 1)]
    items = pd.DataFrame(
        {
            "事件编号": ids,
            "来源渠道": "议事厅",
            "类别编码": [DELIBERATION_TOPICS[k][1] or "" for k in topic],
            "事件描述": [f"周末议事厅：{DELIBERATION_TOPICS[k][0]}" for k in topic],
            "事发地址": communities["网格名称"].to_numpy()[c] + "党群服务站",
            "经度": np.round(lon[c], 6),
            "纬度": np.round(lat[c], 6),
            "上报时间": _stamp(at),
            "受理时间": _stamp(at + 1800),
            "结案时间": np.where(done, _stamp(decided), ""),
            "状态": np.where(done, "已结案", "已受理"),
            "处置部门编码": ["SQ" + code for code in communities["网格编码"].to_numpy()[c]],
        }
    )
    items.to_csv(out_dir / "cases_yishiting.csv", index=False, encoding="utf-8-sig")
    referred = outcome == "转办"
    outcomes = pd.DataFrame(
        {
            "议题编号": ids,
            "议事时间": _stamp(at),
            "议事结果": outcome,
            "结果时间": _stamp(decided),
            "转办部门编码": np.where(referred, "BM001", ""),
            "转办工单号": np.where(referred, [f"ZB{i:07d}" for i in range(1, n + 1)], ""),
        }
    )[done]
    outcomes.to_csv(out_dir / "deliberation_outcomes.csv", index=False, encoding="utf-8-sig")
    return [
        {
            "entity": "cases",
            "path": "cases_yishiting.csv",
            "source": "yishiting",
            "crs": "EPSG:4326",
            "channel": "deliberation",
            "category_system": "gbt",
            "encoding": "utf-8-sig",
        },
        {"entity": "deliberation_outcomes", "path": "deliberation_outcomes.csv", "source": "yishiting", "crs": None},
    ]


def _cameras(
    out_dir: Path, cameras: pd.DataFrame, rng: np.random.Generator, base: int, end: int, truth: dict
) -> list[dict]:
    """Six cameras of their own: three fall silent for the last ten days, three send mostly false alarms."""
    scenes = camera_scenes()
    pick = rng.choice(len(cameras), 6, replace=False)
    new = cameras.iloc[pick][["设备名称", "经度", "纬度", "地址", "厂商", "安装时间"]].copy()
    new["设备编码"] = [f"340104000013209{i:05d}" for i in range(1, 7)]
    new["设备名称"] = new["设备名称"] + "（二期）"
    new["经度"] = np.round(new["经度"] + 0.0004, 6)
    new["算法场景"] = "exposed_garbage,illegal_parking,street_vending"
    new["状态"] = "在线"
    new = new[["设备编码", "设备名称", "经度", "纬度", "地址", "厂商", "算法场景", "安装时间", "状态"]]
    new.to_csv(out_dir / "cameras_more.csv", index=False, encoding="utf-8")
    silent_from = end - 10 * 86400
    rows = []
    for i, camera in enumerate(new["设备编码"]):
        silent = i < 3
        stop = silent_from if silent else end
        n = int(rng.poisson(4.0 * (stop - base) / 86400))  # four alarms a day
        at = np.sort(base + rng.integers(0, max(stop - base, 1), n))
        fp = rng.random(n) < (0.1 if silent else 0.65)
        scene = rng.choice(["exposed_garbage", "illegal_parking", "street_vending"], n)
        rows.append(pd.DataFrame({"camera": camera, "at": at, "fp": fp, "scene": scene}))
    events = pd.concat(rows).sort_values("at").reset_index(drop=True)
    algo = dict(zip(scenes["key"], scenes["vendor_code"], strict=True))
    pd.DataFrame(
        {
            "告警编号": [f"GJC{i:09d}" for i in range(1, len(events) + 1)],
            "设备编码": events["camera"],
            "场景编码": events["scene"],
            "算法编码": events["scene"].map(algo),
            "置信度": np.round(rng.uniform(0.4, 0.95, len(events)), 2),
            "抓拍时间": _stamp(events["at"].to_numpy()),
            "是否推送": "否",
            "关联工单": "",
            "是否误报": np.where(events["fp"], "是", "否"),
        }
    ).to_csv(out_dir / "camera_events_cameras_more.csv", index=False, encoding="utf-8")
    truth["silent_cameras"] = new["设备编码"].iloc[:3].tolist()
    truth["noisy_cameras"] = new["设备编码"].iloc[3:].tolist()
    truth["silent_since"] = pd.Timestamp(silent_from, unit="s").strftime(FMT)
    return [
        {"entity": "cameras", "path": "cameras_more.csv", "source": "camera_ai", "crs": "EPSG:4326"},
        {
            "entity": "camera_events",
            "path": "camera_events_cameras_more.csv",
            "source": "camera_ai",
            "crs": None,
            "category_system": "camera_vendor_hk",
            "case_source": "camera_ai",
        },
    ]

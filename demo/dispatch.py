"""Dispatch patterns planted in the demo city, so the dispatch page has something true to find.

A share of the demo's cases (``PLANTED_SHARE`` of them, taken from the total) is written as a second file of the
digital city-management system (``cases_dcs_dispatch.csv`` with its workflow ``flow_dcs_dispatch.csv``), and the
whistles of 社区吹哨、部门报到 with the departments they summoned (``whistles.csv``, ``whistle_responses.csv``):

* ping-pong: illegal structures (私搭乱建 06001) bounce 城管局 → 住建局 → 城管局, each returning them once;
* a disputed class: street vending (占道经营 09006) is returned by 市场监管局 and by 交通运输局 before 城管局 keeps
  it, so it tops the classes most often returned (a hint that the routing table sends it astray);
* a slow department: 园林局 handles its planted cases (非法占绿毁绿 06045) days late, reworks and extends many: the
  bottom of the red/black list of departments;
* a fast department: 应急管理局 handles fallen cables (架空线缆脱落 10002) within the hour: the top of that list;
* a late department: summoned by whistles, 交警大队 arrives late more often than not (the others seldom do).

What was planted is written to ``dispatch_truth.json`` (``TRUTH_FILE``), which the tests read. Deterministic: the
same arguments write the same bytes; the clock is never read.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

from .cases import FLOW_COLUMNS, HEADERS, SOURCE_ENCODING
from .city import City, to_lonlat

#: The share of the demo's cases planted here (the generator writes the rest).
PLANTED_SHARE = 0.02
#: Where the truth is recorded, in the output folder.
TRUTH_FILE = "dispatch_truth.json"
CASES_FILE, FLOW_FILE = "cases_dcs_dispatch.csv", "flow_dcs_dispatch.csv"
WHISTLES_FILE, RESPONSES_FILE = "whistles.csv", "whistle_responses.csv"
#: The planted patterns: share of the planted cases, legacy class (its GB/T class), departments dispatched to in
#: order (all but the last return it), how the last handles it.
PATTERNS = {
    "ping_pong": (0.20, "0101", "06001", ("BM001", "BM004", "BM001"), "on_time"),
    "disputed": (0.20, "0503", "09006", ("BM003", "BM012", "BM001"), "on_time"),
    "slow": (0.30, "0117", "06045", ("BM007",), "late"),
    "fast": (0.30, "0404", "10002", ("BM011",), "fast"),
}
LATE_DEPARTMENT = "BM002"
#: Departments whistles summon, and how often.
SUMMONED = ("BM001", "BM002", "BM003", "BM004", "BM008", "BM012")
SUMMON_P = (0.3, 0.2, 0.15, 0.15, 0.1, 0.1)
WHISTLE_KINDS = (("群众诉求", 30), ("联合执法", 30), ("应急处置", 15))  # type, minutes to arrive
#: Every case is over well before the snapshot: none is reported in the last days.
_LAST_DAYS = 12


def planted_count(cases: int) -> int:
    """How many of the demo's ``cases`` are planted here (none for a tiny demo)."""
    return round(cases * PLANTED_SHARE) if cases >= 1000 else 0


def _stamp(seconds: np.ndarray) -> np.ndarray:
    return pd.to_datetime(seconds, unit="s").strftime("%Y-%m-%d %H:%M:%S").to_numpy(dtype=object)


def _cases(city: City, rng: np.random.Generator, n: int, start: dt.date, days: int) -> tuple[pd.DataFrame, dict]:
    """The planted cases (one pattern each, in blocks) with every step time in seconds and their flow rows."""
    counts = {name: round(share * n) for name, (share, *_) in PATTERNS.items()}
    counts["ping_pong"] += n - sum(counts.values())
    pattern = np.repeat(list(PATTERNS), [counts[p] for p in PATTERNS])
    base = np.datetime64(start, "s").astype(np.int64)
    day = rng.integers(0, max(days - _LAST_DAYS, 1), n)
    reported = base + day * 86400 + rng.integers(int(8.5 * 3600), 17 * 3600, n)
    order = np.argsort(reported, kind="stable")
    pattern, reported = pattern[order], reported[order]
    sub = rng.integers(0, len(city.sub_xy), n)
    x, y = (city.sub_xy[sub] + rng.normal(0, 0.05, (n, 2))).T
    lon, lat = to_lonlat(x, y)
    frame = pd.DataFrame({"pattern": pattern, "reported": reported, "lon": np.round(lon, 6), "lat": np.round(lat, 6)})
    frame["day"] = pd.to_datetime(frame["reported"], unit="s").dt.strftime("%Y%m%d")
    frame["id"] = "CGD" + frame["day"] + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(6)
    return frame, counts


def _workflow(frame: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Case rows (the dcs file's columns) and flow rows of the planted cases."""
    rows, flows = [], []
    minutes = lambda a, b: int(rng.integers(a, b)) * 60  # noqa: E731
    for case in frame.itertuples(index=False):
        _, legacy, _, chain, handling = PATTERNS[case.pattern]
        t = int(case.reported)
        steps = [("已上报", None, t, None)]
        t += minutes(3, 10)
        steps.append(("已受理", "已上报", t, None))
        t += minutes(3, 10)
        steps.append(("已立案", "已受理", t, None))
        state = "已立案"
        for i, dept in enumerate(chain):
            t += minutes(5, 30)
            steps.append(("已派遣", state, t, dept))
            state = "已派遣"
            if i < len(chain) - 1:
                t += minutes(30, 150)
                steps.append(("已回退", "已派遣", t, dept))
                state = "已回退"
        dispatched, final = t, chain[-1]
        t += minutes(5, 20)
        steps.append(("处置中", "已派遣", t, final))
        signed = t
        extension = 0
        reworked = handling == "late" and rng.random() < 0.3
        if handling == "late":
            if rng.random() < 0.3:
                extension = int(rng.integers(1, 3))
                t += minutes(60, 240)
                steps.append(("延期中", "处置中", t, final))
                t += minutes(30, 90)
                steps.append(("处置中", "延期中", t, final))
            t = dispatched + int(rng.integers(5 + 2 * extension, 11 + 2 * extension)) * 86400  # days past the limit
        elif handling == "fast":
            t += minutes(20, 60)
        else:
            t += minutes(40, 100) if case.pattern == "disputed" else int(rng.integers(1, 5)) * 86400
        steps.append(("已处置", "处置中", t, final))
        t += minutes(20, 60)
        steps.append(("核查中", "已处置", t, None))
        if reworked:
            t += minutes(5, 15)
            steps.append(("返工", "核查中", t, final))
            t += minutes(60, 600)
            steps.append(("处置中", "返工", t, final))
            t += minutes(60, 240)
            steps.append(("已处置", "处置中", t, final))
            t += minutes(20, 60)
            steps.append(("核查中", "已处置", t, None))
        handled = max(s[2] for s in steps if s[0] == "已处置")
        checked = t
        t += minutes(5, 30)
        steps.append(("已结案", "核查中", t, None))
        times = {
            name: next(s[2] for s in steps if s[0] == state) for name, state in (("受理", "已受理"), ("立案", "已立案"))
        }
        rows.append(
            {
                "事件编号": case.id,
                "来源渠道": "网格巡查",
                "类别编码": legacy,
                "类别名称": None,
                "事件描述": f"调度演示：{case.id}",
                "事发地址": None,
                "经度": case.lon,
                "纬度": case.lat,
                "上报时间": case.reported,
                "受理时间": times["受理"],
                "立案时间": times["立案"],
                "派遣时间": dispatched,
                "签收时间": signed,
                "处置时间": handled,
                "核查时间": checked,
                "结案时间": t,
                "评价时间": None,
                "处置部门编码": final,
                "状态": "已结案",
                "是否紧急": "否",
                "是否督办": "否",
                "延期天数": extension,
                "派遣次数": len(chain),
                "退回次数": len(chain) - 1,
                "返工次数": int(reworked),
                "满意度": None,
                "联系人": None,
                "联系电话": None,
            }
        )
        flows += [
            {"事件编号": case.id, "序号": i, "原状态": old, "新状态": new, "操作时间": at, "部门编码": dept,
             "操作人": "调度演示", "备注": None}
            for i, (new, old, at, dept) in enumerate(steps, 1)
        ]  # fmt: skip
    cases, flow = pd.DataFrame(rows), pd.DataFrame(flows)
    for column in ("上报时间", "受理时间", "立案时间", "派遣时间", "签收时间", "处置时间", "核查时间", "结案时间"):
        cases[column] = _stamp(cases[column].to_numpy(np.int64))
    flow["操作时间"] = _stamp(flow["操作时间"].to_numpy(np.int64))
    return cases[list(HEADERS["dcs"])], flow[list(FLOW_COLUMNS)]


def _whistles(
    depts: pd.DataFrame, rng: np.random.Generator, n: int, start: dt.date, days: int, cases: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Whistles of streets and communities and the departments each summoned: most arrive in time, the late
    department seldom does."""
    initiators = depts.loc[depts["类型"].isin(["street", "community"]), "部门编码"].to_numpy()
    base = np.datetime64(start, "s").astype(np.int64)
    blown = np.sort(base + rng.integers(0, max(days - 2, 1), n) * 86400 + rng.integers(8 * 3600, 19 * 3600, n))
    kind = rng.choice(len(WHISTLE_KINDS), n, p=[0.6, 0.25, 0.15])
    linked = np.where(rng.random(n) < 0.4, rng.integers(0, max(len(cases), 1), n), -1) if len(cases) else np.full(n, -1)
    whistles, responses = [], []
    for i in range(n):
        wid = f"CS{pd.Timestamp(blown[i], unit='s'):%Y%m%d}{i + 1:05d}"
        name, required = WHISTLE_KINDS[kind[i]]
        resolved = blown[i] + int(rng.integers(2, 30)) * 3600 if rng.random() < 0.85 else None
        whistles.append(
            {
                "吹哨编号": wid,
                "发起单位编码": initiators[rng.integers(0, len(initiators))],
                "关联案件编号": cases["事件编号"].iloc[linked[i]] if linked[i] >= 0 else None,
                "吹哨类型": name,
                "吹哨时间": blown[i],
                "要求到场时限": required,
                "解决时间": resolved,
                "事由": f"{name}，需多部门联合处置",
            }
        )
        summoned = rng.choice(SUMMONED, size=int(rng.integers(1, 4)), replace=False, p=SUMMON_P)
        for dept in summoned:
            late = rng.random() < (0.7 if dept == LATE_DEPARTMENT else 0.08)
            absent = rng.random() < (0.15 if dept == LATE_DEPARTMENT else 0.02)
            arrive = int(required * rng.uniform(1.3, 3.0) if late else required * rng.uniform(0.2, 0.95)) * 60
            responses.append(
                {
                    "吹哨编号": wid,
                    "报到部门编码": dept,
                    "到场时间": None if absent else blown[i] + arrive,
                    "处置措施": None if absent else "到场协同处置",
                    "完成时间": None if absent else blown[i] + arrive + int(rng.integers(30, 240)) * 60,
                    "街道评分": None if absent else int(rng.integers(60, 80) if late else rng.integers(85, 101)),
                }
            )
    whistle, response = pd.DataFrame(whistles), pd.DataFrame(responses)
    for frame, columns in ((whistle, ("吹哨时间", "解决时间")), (response, ("到场时间", "完成时间"))):
        for column in columns:
            present = frame[column].notna()
            frame[column] = frame[column].astype(object)
            frame.loc[present, column] = _stamp(frame.loc[present, column].to_numpy(np.int64))
    return whistle, response


def plant(
    city: City, depts: pd.DataFrame, out_dir: Path, *, cases: int, start: dt.date, days: int, seed: int
) -> list[dict]:
    """Write the planted files and the truth into ``out_dir``; return their manifest steps."""
    rng = np.random.default_rng([seed, 12])
    n = planted_count(cases)
    frame, counts = _cases(city, rng, n, start, days)
    case_rows, flow_rows = _workflow(frame, rng)
    encoding = SOURCE_ENCODING["dcs"]
    case_rows.to_csv(out_dir / CASES_FILE, index=False, encoding=encoding)
    flow_rows.to_csv(out_dir / FLOW_FILE, index=False, encoding=encoding)
    n_whistles = max(30, cases // 2000)
    whistles, responses = _whistles(depts, rng, n_whistles, start, days, case_rows)
    whistles.to_csv(out_dir / WHISTLES_FILE, index=False, encoding="utf-8")
    responses.to_csv(out_dir / RESPONSES_FILE, index=False, encoding="utf-8")
    truth = {
        "planted_cases": n,
        "ping_pong": {"chain": list(PATTERNS["ping_pong"][3]), "category": PATTERNS["ping_pong"][2],
                      "cases": counts["ping_pong"]},
        "disputed_category": {"category": PATTERNS["disputed"][2], "returned_by": list(PATTERNS["disputed"][3][:-1]),
                              "cases": counts["disputed"]},
        "slow_department": PATTERNS["slow"][3][0],
        "fast_department": PATTERNS["fast"][3][0],
        "late_department": LATE_DEPARTMENT,
        "whistles": n_whistles,
        "responses": len(responses),
    }  # fmt: skip
    (out_dir / TRUTH_FILE).write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    dcs = {"source": "dcs", "crs": "EPSG:4326", "channel": "patrol", "category_system": "dcs_legacy"}
    return [
        {"entity": "cases", "path": CASES_FILE, **dcs, "encoding": encoding},
        {"entity": "flow", "path": FLOW_FILE, "source": "dcs", "crs": None, "encoding": encoding},
        {"entity": "whistles", "path": WHISTLES_FILE, "source": "whistle_system", "crs": None, "case_source": "dcs"},
        {"entity": "whistle_responses", "path": RESPONSES_FILE, "source": "whistle_system", "crs": None},
    ]


def with_planted(manifest: list[dict], steps: list[dict]) -> list[dict]:
    """``manifest`` with the planted ``steps``: each after the last step of its entity (cases before flows, as
    the loader needs), the others at the end."""
    out = list(manifest)
    for step in steps:
        same = [i for i, existing in enumerate(out) if existing["entity"] == step["entity"]]
        out.insert(same[-1] + 1 if same else len(out), step)
    return out

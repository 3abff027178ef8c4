"""Planted incidents of several reports, and near misses, with their truth (``fusion_truth.csv``).

An incident is first reported through one channel and again, within 0.8 × its family's distance and window
(``data/reference/fusion_*.csv``), through others: a grid worker's patrol report, a 12345 call, a camera alarm
(with its alarm, near a camera running the scene). Some further reports name another class of the same family
(the caller says 垃圾满溢, the patrol 暴露垃圾). Further reports are voided as duplicates (重复案件) or handled
with the first. Near misses are pairs just outside a rule: 1.2–2 × D apart at once, 1.2–2 × T later at one spot,
or two classes of unrelated families at one spot and time; each is an incident of its own.

The files are the sources' own formats (``cases_dcs_more.csv``, ``cases_12345_more.csv``, ``cases_camera_more.csv``
and ``camera_events_more.csv``), loaded after the main files; ``fusion_truth.csv`` lists every planted report:
``case_uid``, ``group`` (the incident it belongs to, or a near miss's own), ``kind``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from settings import REFERENCE_DIR

from .cases import ID_PREFIX, SNAPSHOT_HOUR, SOURCE_ENCODING, wgs84_to_gcj02
from .city import City, camera_scenes, hotline_topics, legacy_codes, to_lonlat

TRUTH_FILE = "fusion_truth.csv"
FILES = {"dcs": "cases_dcs_more.csv", "hotline12345": "cases_12345_more.csv", "camera_ai": "cases_camera_more.csv"}
EVENTS_FILE = "camera_events_more.csv"
CHANNEL_ZH = {"dcs": "网格巡查", "hotline12345": "12345热线", "camera_ai": "视频智能发现"}
#: Shares of the cases planted: incidents (each with 1–3 further reports) and near-miss pairs.
INCIDENT_SHARE, NEAR_MISS_SHARE = 0.02, 0.004
#: Unrelated pairs planted at one spot and time (never one incident).
UNRELATED = (("06010", "09009"), ("06028", "06042"), ("09006", "06013"), ("07001", "09011"))
M_PER_KM = 1000.0


def _families() -> pd.DataFrame:
    """GB/T class → family, D (m), T (h), from the shipped rule tables."""
    classes = pd.read_csv(REFERENCE_DIR / "fusion_classes.csv", dtype=str)
    families = pd.read_csv(REFERENCE_DIR / "fusion_families.csv", dtype={"family": str})
    return classes.merge(families, on="family")[["category_code", "family", "radius_m", "window_hours"]]


def _codes() -> pd.DataFrame:
    """Per GB/T class, the code each source writes it with (None where the source has none): legacy 数字城管
    code, 12345 topic, camera scene."""
    legacy = legacy_codes().drop_duplicates("gbt").set_index("gbt")
    topics = hotline_topics()
    topics = topics[topics["gbt"] != "-"].drop_duplicates("gbt").set_index("gbt")
    scenes = camera_scenes().reset_index().drop_duplicates("gbt").set_index("gbt")
    codes = _families().set_index("category_code")
    return pd.DataFrame(
        {
            "family": codes["family"],
            "radius_m": codes["radius_m"].astype(float),
            "window_hours": codes["window_hours"].astype(float),
            "dcs": legacy["code"].reindex(codes.index),
            "dcs_name": legacy["name"].reindex(codes.index),
            "hotline12345": topics["code"].reindex(codes.index),
            "hotline_name": topics["name"].reindex(codes.index),
            "camera_ai": scenes["index"].reindex(codes.index),
            "camera_name": scenes["name"].reindex(codes.index),
        }
    )


class _Rows:
    """The planted reports as rows: per source its cases, plus camera alarms and the truth."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, **row: object) -> None:
        self.rows.append(row)


def plant_incidents(
    out_dir: Path, city: City, cameras: pd.DataFrame, start: dt.date, days: int, seed: int, cases: int
) -> list[dict]:
    """Write the planted incidents' files and truth into ``out_dir``; return their manifest steps."""
    rng = np.random.default_rng([seed, 15, 1])
    codes = _codes()
    base = pd.Timestamp(start)
    cutoff = base + pd.Timedelta(days=days - 1, hours=SNAPSHOT_HOUR)
    pop = city.sub_pop / city.sub_pop.sum()
    cam_xy = cameras[["x", "y"]].to_numpy()
    cam_mask = np.stack(cameras["scene_mask"].to_numpy())
    planted = _Rows()

    def place() -> np.ndarray:
        return city.sub_xy[rng.choice(len(pop), p=pop)] + rng.normal(0, 0.08, 2)

    def when(limit_h: float = 0.0) -> pd.Timestamp:
        latest = (cutoff - base).total_seconds() - limit_h * 3600
        return base + pd.Timedelta(seconds=int(rng.uniform(0, max(latest, 3600))))

    def report(source: str, code: str, xy: np.ndarray, t: pd.Timestamp, group: str, kind: str, role: str) -> None:
        planted.add(source=source, code=code, x=xy[0], y=xy[1], t=min(t, cutoff), group=group, kind=kind, role=role)

    def shift(xy: np.ndarray, metres: float) -> np.ndarray:
        angle = rng.uniform(0, 2 * np.pi)
        return xy + metres / M_PER_KM * np.array([np.cos(angle), np.sin(angle)])

    n_incidents = round(cases * INCIDENT_SHARE)
    classes = codes.index.to_numpy()
    for k in range(n_incidents):
        code = str(rng.choice(classes))
        rule = codes.loc[code]
        family = codes[codes["family"] == rule["family"]]
        sources = [s for s in ("dcs", "hotline12345", "camera_ai") if family[s].notna().any()]
        t0 = when(rule["window_hours"])
        camera = [s for s in sources if s == "camera_ai"]
        if camera and rng.random() < 0.5:  # near a camera running one of the family's scenes
            scenes = family["camera_ai"].dropna().astype(int).to_numpy()
            cand = np.flatnonzero(cam_mask[:, scenes].any(1))
            xy0 = shift(cam_xy[rng.choice(cand)], rng.uniform(10, 50))
        else:
            sources = [s for s in sources if s != "camera_ai"]
            xy0 = place()
        group = f"incident{k:06d}"
        first = str(rng.choice(sources))
        lead = family[family[first].notna()]
        lead_code = code if pd.notna(rule[first]) else str(rng.choice(lead.index.to_numpy()))
        report(first, lead_code, xy0, t0, group, "incident", "lead")
        for _ in range(int(rng.integers(1, 4))):
            source = str(rng.choice(sources))
            options = family[family[source].notna()].index.to_numpy()
            further = code if pd.notna(rule[source]) and rng.random() < 0.6 else str(rng.choice(options))
            t = t0 + pd.Timedelta(hours=float(rng.uniform(0.02, 0.8) * rule["window_hours"]))
            report(source, further, shift(xy0, rng.uniform(0, 0.8) * rule["radius_m"]), t, group, "incident", "further")
    for k in range(round(cases * NEAR_MISS_SHARE)):
        style = ("distance", "time", "unrelated")[k % 3]
        if style == "unrelated":
            pair = UNRELATED[k % len(UNRELATED)]
            xy0, t0 = place(), when(24)
            for i, code in enumerate(pair):
                report("dcs", code, shift(xy0, 5), t0 + pd.Timedelta(minutes=10 * i), f"miss{k:06d}{i}", style, "")
            continue
        code = str(rng.choice(codes[codes["dcs"].notna()].index.to_numpy()))
        rule = codes.loc[code]
        xy0, t0 = place(), when(2 * rule["window_hours"])
        far = rng.uniform(1.2, 2.0)
        xy1 = shift(xy0, far * rule["radius_m"]) if style == "distance" else xy0
        t1 = t0 + pd.Timedelta(hours=far * rule["window_hours"] if style == "time" else 0.2)
        report("dcs", code, xy0, t0, f"miss{k:06d}0", style, "")
        second = "hotline12345" if pd.notna(codes.loc[code, "hotline12345"]) else "dcs"
        report(second, code, xy1, t1, f"miss{k:06d}1", style, "")
    return _write(out_dir, pd.DataFrame(planted.rows), codes, cameras, rng, start)


def _write(
    out_dir: Path, rows: pd.DataFrame, codes: pd.DataFrame, cameras: pd.DataFrame, rng: np.random.Generator,
    start: dt.date,
) -> list[dict]:  # fmt: skip
    rows = rows.sort_values("t", kind="stable").reset_index(drop=True)
    lon, lat = to_lonlat(rows["x"].to_numpy(), rows["y"].to_numpy())
    rows["lon"], rows["lat"] = np.round(lon, 7), np.round(lat, 7)
    rows["source_id"] = ""
    for source in FILES:
        mine = rows["source"] == source
        rows.loc[mine, "source_id"] = [f"{ID_PREFIX[source]}D{start:%Y%m}{i:07d}" for i in range(1, mine.sum() + 1)]
    rows["case_uid"] = rows["source"] + ":" + rows["source_id"]
    # the first report is handled; a further one is voided as a duplicate or handled with the first
    lead_at = rows[rows["role"] == "lead"].set_index("group")["t"]
    voided = (rows["role"] == "further") & (rng.random(len(rows)) < 0.5)
    t = rows["t"]
    first = t.where(rows["role"] != "further", rows["group"].map(lead_at).fillna(t))
    handled = np.maximum(first + pd.Timedelta(hours=3), t + pd.Timedelta(minutes=40))
    cutoff = t.max()
    done = handled <= cutoff
    fmt = "%Y-%m-%d %H:%M:%S"

    def stamp(values: pd.Series, present: pd.Series) -> pd.Series:
        return values.dt.strftime(fmt).where(present, "")

    common = pd.DataFrame(
        {
            "事件编号": rows["source_id"],
            "来源渠道": rows["source"].map(CHANNEL_ZH),
            "上报时间": t.dt.strftime(fmt),
            "受理时间": stamp(t + pd.Timedelta(minutes=5), pd.Series(True, index=rows.index)),
            "派遣时间": stamp(t + pd.Timedelta(minutes=20), ~voided),
            "处置时间": stamp(handled, ~voided & done),
            "结案时间": stamp(handled + pd.Timedelta(hours=1), ~voided & done),
            "状态": np.where(voided, "已作废", np.where(done, "已结案", "处置中")),
            "事发地址": "合肥市蜀山区",
        }
    )
    steps = []
    for source, name in FILES.items():
        mine = (rows["source"] == source).to_numpy()
        part = common[mine].copy()
        code = rows.loc[mine, "code"]
        if source == "dcs":
            part["类别编码"] = code.map(codes["dcs"]).to_numpy()
            part["类别名称"] = code.map(codes["dcs_name"]).to_numpy()
            part["事件描述"] = "网格员巡查发现：" + part["类别名称"]
            part["经度"], part["纬度"] = rows.loc[mine, "lon"].to_numpy(), rows.loc[mine, "lat"].to_numpy()
            step = {"crs": "EPSG:4326", "channel": "patrol", "category_system": "dcs_legacy"}
        elif source == "hotline12345":
            topic = code.map(codes["hotline12345"]).to_numpy()
            part["类别编码"] = part["诉求分类编码"] = topic
            part["类别名称"] = code.map(codes["hotline_name"]).to_numpy()
            part["诉求性质"] = "投诉"
            part["事件描述"] = "市民来电反映：" + part["类别名称"]
            gx, gy = wgs84_to_gcj02(rows.loc[mine, "lon"].to_numpy(), rows.loc[mine, "lat"].to_numpy())
            part["经度"], part["纬度"] = np.round(gx, 6), np.round(gy, 6)
            step = {"crs": "GCJ-02", "channel": "hotline", "category_system": "hotline"}
        else:
            part["类别编码"] = code.to_numpy()
            part["类别名称"] = code.map(codes["camera_name"]).to_numpy()
            part["事件描述"] = "视频智能发现：" + part["类别名称"]
            part["经度"], part["纬度"] = rows.loc[mine, "lon"].to_numpy(), rows.loc[mine, "lat"].to_numpy()
            step = {"crs": "EPSG:4326", "channel": "camera_ai", "category_system": "gbt"}
        part.to_csv(out_dir / name, index=False, encoding=SOURCE_ENCODING[source])
        steps.append({"entity": "cases", "path": name, "source": source, "encoding": SOURCE_ENCODING[source], **step})
    steps.append(_camera_events(out_dir, rows[rows["source"] == "camera_ai"], codes, cameras))
    rows[["case_uid", "group", "kind", "role"]].to_csv(out_dir / TRUTH_FILE, index=False, encoding="utf-8")
    return steps


def _camera_events(out_dir: Path, rows: pd.DataFrame, codes: pd.DataFrame, cameras: pd.DataFrame) -> dict:
    """One pushed alarm per planted camera report, from the nearest camera (they were placed near one)."""
    scenes = camera_scenes()
    nearest = np.argmin(
        (cameras["x"].to_numpy()[None] - rows["x"].to_numpy()[:, None]) ** 2
        + (cameras["y"].to_numpy()[None] - rows["y"].to_numpy()[:, None]) ** 2,
        axis=1,
    ) if len(rows) else np.zeros(0, int)  # fmt: skip
    scene = rows["code"].map(codes["camera_ai"]).astype(int).to_numpy() if len(rows) else np.zeros(0, int)
    pd.DataFrame(
        {
            "告警编号": [f"GJD{i:09d}" for i in range(1, len(rows) + 1)],
            "设备编码": cameras["设备编码"].to_numpy()[nearest],
            "场景编码": scenes["key"].to_numpy()[scene],
            "算法编码": scenes["vendor_code"].to_numpy()[scene],
            "置信度": 0.9,
            "抓拍时间": (rows["t"] - pd.Timedelta(seconds=30)).dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(),
            "是否推送": "是",
            "关联工单": rows["source_id"].to_numpy(),
            "是否误报": "否",
        }
    ).to_csv(out_dir / EVENTS_FILE, index=False, encoding="utf-8")
    return {
        "entity": "camera_events",
        "path": EVENTS_FILE,
        "source": "camera_ai",
        "crs": None,
        "category_system": "camera_vendor_hk",
        "case_source": "camera_ai",
    }

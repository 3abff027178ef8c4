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


SOURCES = ("dcs", "hotline12345", "camera_ai")


def _pick(rng: np.random.Generator, options: list[np.ndarray], which: np.ndarray) -> np.ndarray:
    """For each row, a random element of ``options[which[row]]`` (each a non-empty array), vectorised per option."""
    out = np.empty(len(which), dtype=object)
    for i, values in enumerate(options):
        rows = np.flatnonzero(which == i)
        if len(rows):
            out[rows] = values[rng.integers(0, len(values), len(rows))]
    return out


def _shifted(rng: np.random.Generator, xy: np.ndarray, metres: np.ndarray) -> np.ndarray:
    angle = rng.uniform(0, 2 * np.pi, len(xy))
    return xy + (metres / M_PER_KM)[:, None] * np.c_[np.cos(angle), np.sin(angle)]


def plant_incidents(
    out_dir: Path, city: City, cameras: pd.DataFrame, start: dt.date, days: int, seed: int, cases: int
) -> list[dict]:
    """Write the planted incidents' files and truth into ``out_dir``; return their manifest steps."""
    rng = np.random.default_rng([seed, 15, 1])
    codes = _codes()
    classes = codes.index.to_numpy()
    base = pd.Timestamp(start)
    span_h = ((base + pd.Timedelta(days=days - 1, hours=SNAPSHOT_HOUR)) - base).total_seconds() / 3600
    pop = city.sub_pop / city.sub_pop.sum()
    cam_xy, cam_mask = cameras[["x", "y"]].to_numpy(), np.stack(cameras["scene_mask"].to_numpy())
    # per family: its classes each source can name, and the cameras running one of its scenes
    families = sorted(codes["family"].unique())
    family_of = codes["family"].map({f: i for i, f in enumerate(families)}).to_numpy()
    members = {(f, s): classes[(family_of == f) & codes[s].notna().to_numpy()] for f in range(len(families))
               for s in SOURCES}  # fmt: skip
    scenes = [codes.loc[family_of == f, "camera_ai"].dropna().astype(int).to_numpy() for f in range(len(families))]
    watchers = [np.flatnonzero(cam_mask[:, sc].any(1)) if len(sc) else np.zeros(0, int) for sc in scenes]

    def places(n: int) -> np.ndarray:
        return city.sub_xy[rng.choice(len(pop), n, p=pop)] + rng.normal(0, 0.08, (n, 2))

    def times(n: int, room_h: np.ndarray) -> np.ndarray:
        return rng.uniform(0, np.maximum(span_h - room_h, 1.0))

    # ------------------------------------------------------------ incidents
    n = round(cases * INCIDENT_SHARE)
    code = classes[rng.integers(0, len(classes), n)]
    class_of = codes.index.get_indexer(code)
    fam = family_of[class_of]
    named_by = codes[list(SOURCES)].notna().to_numpy()  # class × source: the source has a code for the class
    radius = codes.loc[code, "radius_m"].to_numpy(float)
    window = codes.loc[code, "window_hours"].to_numpy(float)
    camera_ok = np.array([len(members[(f, "camera_ai")]) > 0 and len(watchers[f]) > 0 for f in fam], bool)
    near_camera = camera_ok & (rng.random(n) < 0.5)
    xy0 = places(n)
    for f in np.unique(fam[near_camera]):
        rows = np.flatnonzero(near_camera & (fam == f))
        picked = watchers[f][rng.integers(0, len(watchers[f]), len(rows))]
        xy0[rows] = _shifted(rng, cam_xy[picked], rng.uniform(10, 50, len(rows)))
    t0 = times(n, window)
    # the sources each incident may be reported through: a camera only near one
    allowed = np.array([[len(members[(f, s)]) > 0 for s in SOURCES] for f in fam], bool).reshape(n, len(SOURCES))
    allowed[:, 2] &= near_camera
    allowed[~allowed.any(1), 0] = True  # every family has patrol codes; this keeps a row valid regardless

    def sources_for(rows: np.ndarray) -> np.ndarray:
        weights = allowed[rows] / allowed[rows].sum(1, keepdims=True)
        return (rng.random(len(rows))[:, None] > np.cumsum(weights, 1)).sum(1).clip(0, len(SOURCES) - 1)

    def classes_for(rows: np.ndarray, source: np.ndarray, keep: float) -> np.ndarray:
        """The class each report names: the incident's own when its source can name it (``keep`` of the time),
        else another of the family that source can name."""
        own = named_by[class_of[rows], source]
        keys = [(f, s) for f in range(len(families)) for s in SOURCES]  # index: family × len(SOURCES) + source
        which = fam[rows] * len(SOURCES) + source
        other = _pick(rng, [members[key] if len(members[key]) else classes[:1] for key in keys], which)
        return np.where(own & (rng.random(len(rows)) < keep), code[rows], other)

    lead_rows = np.arange(n)
    lead_source = sources_for(lead_rows)
    reports = [
        pd.DataFrame(
            {
                "source": np.asarray(SOURCES, dtype=object)[lead_source],
                "code": classes_for(lead_rows, lead_source, 1.0),
                "x": xy0[:, 0],
                "y": xy0[:, 1],
                "t": t0,
                "group": [f"incident{k:06d}" for k in range(n)],
                "kind": "incident",
                "role": "lead",
            }
        )
    ]
    further = np.repeat(lead_rows, rng.integers(1, 4, n))
    further_source = sources_for(further)
    moved = _shifted(rng, xy0[further], rng.uniform(0, 0.8, len(further)) * radius[further])
    reports.append(
        pd.DataFrame(
            {
                "source": np.asarray(SOURCES, dtype=object)[further_source],
                "code": classes_for(further, further_source, 0.6),
                "x": moved[:, 0],
                "y": moved[:, 1],
                "t": np.minimum(t0[further] + rng.uniform(0.02, 0.8, len(further)) * window[further], span_h),
                "group": [f"incident{k:06d}" for k in further],
                "kind": "incident",
                "role": "further",
            }
        )
    )
    # ------------------------------------------------------------ near misses
    m = round(cases * NEAR_MISS_SHARE)
    style = np.asarray(("distance", "time", "unrelated"), dtype=object)[np.arange(m) % 3]
    patrol = classes[codes["dcs"].notna().to_numpy()]
    miss_code = patrol[rng.integers(0, len(patrol), m)]
    unrelated = np.flatnonzero(style == "unrelated")
    pairs = np.asarray(UNRELATED, dtype=object)[unrelated % len(UNRELATED)]
    first_code, second_code = miss_code.copy(), miss_code.copy()
    first_code[unrelated], second_code[unrelated] = pairs[:, 0], pairs[:, 1]
    miss_radius = codes.loc[miss_code, "radius_m"].to_numpy(float)
    miss_window = codes.loc[miss_code, "window_hours"].to_numpy(float)
    far = rng.uniform(1.2, 2.0, m)
    xy1 = places(m)
    t1 = times(m, np.where(style == "unrelated", 24.0, 2 * miss_window))
    apart = np.where(style == "distance", far * miss_radius, 5.0)  # beyond D, or (later, or unrelated) 5 m apart
    xy2 = _shifted(rng, xy1, apart)
    t2 = t1 + np.select([style == "time", style == "distance"], [far * miss_window, 0.2], 1 / 6)
    second_source = np.where(
        (style != "unrelated") & codes.loc[miss_code, "hotline12345"].notna().to_numpy(), "hotline12345", "dcs"
    )
    ends = ((xy1, t1, "dcs", first_code), (xy2, t2, second_source, second_code))
    for which, (xy, t, source, named) in enumerate(ends):
        reports.append(
            pd.DataFrame(
                {
                    "source": source,
                    "code": named,
                    "x": xy[:, 0],
                    "y": xy[:, 1],
                    "t": np.minimum(t, span_h),
                    "group": [f"miss{k:06d}{which}" for k in range(m)],
                    "kind": style,
                    "role": "",
                }
            )
        )
    rows = pd.concat(reports, ignore_index=True)
    rows["t"] = base + pd.to_timedelta(np.round(rows["t"].to_numpy(float) * 3600), unit="s")
    return _write(out_dir, rows, codes, cameras, rng, start)


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

"""Patterns planted in the demo city for the trend and hotspot analyses (研判), with their truth recorded.

One more source file, ``cases_grid_app.csv`` (source ``grid_app``: the grid workers' mobile app, GB/T codes,
WGS-84), holds the planted reports; ``planted_trends.json`` says what was planted where, so the tests can check
that each analysis finds its pattern and leaves the control alone:

* ``rising``: one class in one street, from a trickle to a flood over the 12 complete weeks before the last;
* ``flat``: another class in another street at a steady rate over the same weeks (the control);
* ``persistent``: four neighbouring grids (level 4) far busier than the rest every week;
* ``new``: four other neighbouring grids, far from those, with a surge in the last (ISO) week only;
* ``spike``: one grid and class with a burst of reports on the last day;
* ``chronic``: three addresses reporting the same problem again and again in the last month.

Volumes scale with the demo's size (a week's cases per grid or street), so the patterns stand out as much in a
20,000-case demo as in a 10-million one. Deterministic: the same seed plants the same cases.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from .city import City

PLANT_SOURCE = "grid_app"
PLANT_FILE = "cases_grid_app.csv"
TRUTH_FILE = "planted_trends.json"
RISING_CLASS, FLAT_CLASS, SPIKE_CLASS, CHRONIC_CLASS = "06036", "09005", "06007", "06010"
TREND_WEEKS = 12
SNAPSHOT_HOUR = 18


def _current(city: City, depth: int) -> pd.DataFrame:
    grids = city.grids
    return grids[(grids["层级"] == depth) & grids["失效日期"].isna()].reset_index(drop=True)


def _neighbours(geometries: np.ndarray) -> list[set[int]]:
    tree = shapely.STRtree(geometries)
    left, right = tree.query(geometries, predicate="intersects")
    near: list[set[int]] = [set() for _ in geometries]
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if a != b:
            near[a].add(b)
    return near


def _cluster(start: int, near: list[set[int]], size: int = 4) -> list[int]:
    """``start`` and its neighbours, nearest first (by index), ``size`` grids."""
    picked = [start]
    for candidate in sorted(near[start]):
        if len(picked) == size:
            break
        if all(candidate in near[p] or candidate == p for p in picked[:1]):
            picked.append(candidate)
    return picked


def _points_in(geometry: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` random points inside ``geometry`` (lon, lat)."""
    min_x, min_y, max_x, max_y = geometry.bounds
    found = np.zeros((0, 2))
    while len(found) < n:
        xy = np.column_stack([rng.uniform(min_x, max_x, 4 * n), rng.uniform(min_y, max_y, 4 * n)])
        inside = shapely.contains_xy(geometry, xy[:, 0], xy[:, 1])
        found = np.vstack([found, xy[inside]])
    return found[:n].round(7)


def _times(day: dt.date, n: int, rng: np.random.Generator, *, last: bool) -> list[str]:
    hours = rng.uniform(8, SNAPSHOT_HOUR - 0.1 if last else 20, n)
    base = dt.datetime.combine(day, dt.time())
    return [f"{base + dt.timedelta(hours=float(h)):%Y-%m-%d %H:%M:%S}" for h in hours]


def plant_trends(city: City, *, start: dt.date, days: int, cases: int, seed: int) -> tuple[pd.DataFrame, dict]:
    """The planted reports (the columns of ``cases_grid_app.csv``) and the truth."""
    rng = np.random.default_rng([seed, 13])
    end = start + dt.timedelta(days=days - 1)
    weeks = max(days / 7, 1.0)
    grids, streets, subs = _current(city, 4), _current(city, 2), _current(city, 5)
    per_grid_week = max(cases / weeks / max(len(grids), 1), 1.0)
    per_street_week = max(cases / weeks / max(len(streets), 1), 1.0)
    geometries = grids["geometry"].to_numpy()
    near = _neighbours(geometries)
    order = rng.permutation(len(grids))
    persistent = _cluster(next(i for i in order if len(near[i]) >= 4), near)
    taken = set(persistent) | set().union(*(near[p] for p in persistent))
    far = [i for i in order if i not in taken and len(near[i]) >= 4 and not (near[i] & taken)]
    new = _cluster(far[0], near)
    spike_grid = next(i for i in far[1:] if i not in new and not (near[i] & set(new)))
    street_order = rng.permutation(len(streets))
    rising_street, flat_street = streets.iloc[street_order[0]], streets.iloc[street_order[1]]
    rows: list[dict] = []

    def add(geometry: shapely.Geometry, day: dt.date, n: int, category: str, *, address: str | None = None) -> None:
        if n <= 0:
            return
        xy = _points_in(geometry, n, rng)
        for (lon, lat), at in zip(xy, _times(day, n, rng, last=day == end), strict=True):
            rows.append({"category": category, "lon": lon, "lat": lat, "at": at, "address": address})

    # four grids busier every week, and four with a surge in the last week only
    extra = max(10, round(8 * per_grid_week))
    for week in range(int(weeks)):
        for g in persistent:
            for _ in range(extra):
                day = end - dt.timedelta(days=int(rng.integers(0, 7)) + 7 * week)
                if day >= start:
                    add(geometries[g], day, 1, str(rng.choice(["06010", "09009", "06042", "09006"])))
    surge = max(15, round(10 * per_grid_week))
    for g in new:
        for _ in range(surge):
            add(geometries[g], end - dt.timedelta(days=int(rng.integers(0, end.weekday() + 1))), 1, "06010")
    # a class rising in one street over the last weeks, another steady in another street
    street_subs = {
        code: subs[subs["网格编码"].str.startswith(code)]["geometry"].to_numpy()
        for code in (rising_street["网格编码"], flat_street["网格编码"])
    }
    top = max(30, round(0.3 * per_street_week))
    last_monday = end - dt.timedelta(days=end.weekday()) - dt.timedelta(weeks=0 if end.weekday() == 6 else 1)
    for k in range(TREND_WEEKS):
        monday = last_monday - dt.timedelta(weeks=TREND_WEEKS - 1 - k)
        rising_n = round(1 + (top - 1) * k / (TREND_WEEKS - 1))
        flat_n = int(rng.poisson(max(8, top / 2)))
        for code, n, category in (
            (rising_street["网格编码"], rising_n, RISING_CLASS),
            (flat_street["网格编码"], flat_n, FLAT_CLASS),
        ):
            for _ in range(n):
                day = monday + dt.timedelta(days=int(rng.integers(0, 7)))
                if start <= day <= end:
                    pool = street_subs[code]
                    add(pool[int(rng.integers(0, len(pool)))], day, 1, category)
    # a burst on the last day
    spike_n = max(15, round(0.5 * per_grid_week))
    add(geometries[spike_grid], end, spike_n, SPIKE_CLASS)
    # three addresses that keep reporting the same problem
    chronic = []
    for k in range(3):
        sub = subs.iloc[int(rng.integers(0, len(subs)))]
        address = f"蜀山区{sub['网格名称']}{k + 1}栋楼下"
        chronic.append({"address": address, "category": CHRONIC_CLASS})
        for day_back in sorted(rng.choice(25, 8, replace=False).tolist()):
            add(sub["geometry"], end - dt.timedelta(days=int(day_back)), 1, CHRONIC_CLASS, address=address)
    frame = pd.DataFrame(rows)
    frame = frame[pd.to_datetime(frame["at"]) <= pd.Timestamp(dt.datetime.combine(end, dt.time(SNAPSHOT_HOUR)))]
    frame = frame.sort_values("at", kind="stable").reset_index(drop=True)
    truth = {
        "end": end.isoformat(),
        "rising": {"street": rising_street["网格编码"], "category": RISING_CLASS, "weeks": TREND_WEEKS},
        "flat": {"street": flat_street["网格编码"], "category": FLAT_CLASS, "weeks": TREND_WEEKS},
        "persistent": [grids["网格编码"].iloc[g] for g in persistent],
        "new": [grids["网格编码"].iloc[g] for g in new],
        "spike": {"grid": grids["网格编码"].iloc[spike_grid], "category": SPIKE_CLASS, "day": end.isoformat()},
        "chronic": chronic,
    }
    return frame, truth


def write_plants(city: City, out_dir: Path, *, start: dt.date, days: int, cases: int, seed: int) -> dict:
    """Write ``cases_grid_app.csv`` and ``planted_trends.json`` into ``out_dir``; return the truth."""
    frame, truth = plant_trends(city, start=start, days=days, cases=cases, seed=seed)
    n = len(frame)
    channels = np.where(np.arange(n) % 5 == 4, "随手拍", "网格巡查")
    handled = pd.to_datetime(frame["at"]) + pd.to_timedelta(3, unit="h")
    out = pd.DataFrame(
        {
            "事件编号": [f"GA{i:07d}" for i in range(n)],
            "来源渠道": channels,
            "类别编码": frame["category"],
            "事件描述": "网格员巡查发现",
            "地址": frame["address"].fillna(""),
            "经度": frame["lon"],
            "纬度": frame["lat"],
            "上报时间": frame["at"],
            "处置时间": handled.dt.strftime("%Y-%m-%d %H:%M:%S"),
            "状态": np.where(handled <= handled.max() - pd.Timedelta(days=2), "已结案", "处置中"),
        }
    )
    out.to_csv(out_dir / PLANT_FILE, index=False, encoding="utf-8")
    (out_dir / TRUTH_FILE).write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return truth

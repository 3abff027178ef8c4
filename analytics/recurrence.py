"""What keeps coming back: chronic places (the same place and class again and again) and near-repeats.

* ``chronic``: a place (a grid, or an address) and class with at least ``min_cases`` reports within some window
  of ``days`` days; each is listed with its busiest window and the cases in it, so a leader can open them.
* ``near_repeats``: reports that follow an earlier report of the same class within ``distance_m`` metres and
  ``days`` days, and the Knox test of whether such pairs are more frequent than space and time alone explain
  (pairs close in space × close in time against pairs close in space with the times shuffled, seeded).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree


def chronic(cases: pd.DataFrame, *, place: str, min_cases: int = 3, days: int = 30) -> pd.DataFrame:
    """The places and classes of ``cases`` (columns ``place``, ``category_code``, ``reported_at``,
    ``case_uid``) with at least ``min_cases`` reports within ``days`` days: ``place``, ``category_code``,
    ``cases`` (in the busiest window), ``first`` and ``last`` (that window's first and last report), ``total``
    (all reports of the place and class) and ``case_uids`` (those of the window, oldest first); busiest first."""
    missing = [column for column in (place, "category_code", "reported_at", "case_uid") if column not in cases.columns]
    if missing:
        raise ValueError(f"case frame lacks columns {missing}; it has {list(cases.columns)}")
    columns = [place, "category_code", "cases", "first", "last", "total", "case_uids"]
    frame = cases.dropna(subset=[place, "category_code"]).sort_values([place, "category_code", "reported_at"])
    if frame.empty:
        return pd.DataFrame(columns=columns)
    times = frame["reported_at"].to_numpy("datetime64[ns]")
    group = frame.groupby([place, "category_code"], sort=False).ngroup().to_numpy()
    # for each report, the reports of its group within `days` after it (times are sorted within groups)
    # one sorted key for (group, time) in whole seconds: each group is spaced further apart than any span of time
    seconds = (times - times.min()).astype("timedelta64[s]").astype(np.int64)
    spacing = int(seconds.max()) + days * 86_400 + 1
    stamp = group.astype(np.int64) * spacing + seconds
    end = np.searchsorted(stamp, stamp + days * 86_400, side="right")
    window = end - np.arange(len(frame))
    totals = np.bincount(group)
    # per group, the report that opens its busiest window (the first such, rows being in time order)
    best = pd.Series(window).groupby(group).idxmax().to_numpy()
    best = best[window[best] >= min_cases]
    if not len(best):
        return pd.DataFrame(columns=columns)
    uids = frame["case_uid"].to_numpy(dtype=object)
    out = pd.DataFrame(
        {
            place: frame[place].to_numpy(dtype=object)[best],
            "category_code": frame["category_code"].to_numpy(dtype=object)[best],
            "cases": window[best].astype(np.int64),
            "first": times[best],
            "last": times[best + window[best] - 1],
            "total": totals[group[best]].astype(np.int64),
            "case_uids": _runs(uids, best, window[best]),
        }
    )
    return out.sort_values(["cases", "total", place], ascending=[False, False, True], kind="stable").reset_index(
        drop=True
    )


def _runs(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> list[list[object]]:
    """``values[start : start + length]`` as a list for each start and length, gathered in one take."""
    positions = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    return [part.tolist() for part in np.split(values[positions], np.cumsum(lengths)[:-1])]


def _close_pairs(x: np.ndarray, y: np.ndarray, distance_m: float) -> np.ndarray:
    if len(x) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    return cKDTree(np.column_stack([x, y])).query_pairs(distance_m, output_type="ndarray")


def near_repeats(
    points: pd.DataFrame, *, distance_m: float = 100.0, days: float = 7.0, permutations: int = 99, seed: int = 0
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Pairs of reports of the same class within ``distance_m`` and ``days`` of each other, from ``points``
    (``case_uid``, ``category_code``, ``x``, ``y`` in metres in one local frame, ``reported_at``): ``case_uid``
    (the later), ``earlier`` (the earlier), ``category_code``, ``metres``, ``hours``; and the Knox test over all
    classes: ``pairs`` close in space and time, ``expected`` (the mean over ``permutations`` shuffles of the
    times within each class), ``ratio`` and ``p_sim``."""
    missing = [c for c in ("case_uid", "category_code", "x", "y", "reported_at") if c not in points.columns]
    if missing:
        raise ValueError(f"point frame lacks columns {missing}; it has {list(points.columns)}")
    rng = np.random.default_rng(seed)
    window = np.timedelta64(int(days * 86400), "s").astype("timedelta64[ns]").astype(np.int64)
    found, observed, simulated = [], 0, np.zeros(permutations)
    for code, group in points.dropna(subset=["x", "y"]).groupby("category_code", sort=True):
        pairs = _close_pairs(group["x"].to_numpy(), group["y"].to_numpy(), distance_m)
        if not len(pairs):
            continue
        t = group["reported_at"].to_numpy("datetime64[ns]").astype(np.int64)
        gap = np.abs(t[pairs[:, 0]] - t[pairs[:, 1]])
        close = gap <= window
        observed += int(close.sum())
        for k in range(permutations):
            shuffled = rng.permutation(t)
            simulated[k] += int((np.abs(shuffled[pairs[:, 0]] - shuffled[pairs[:, 1]]) <= window).sum())
        a, b = pairs[close, 0], pairs[close, 1]
        later = np.where(t[a] >= t[b], a, b)
        earlier = np.where(t[a] >= t[b], b, a)
        xy = group[["x", "y"]].to_numpy()
        uids = group["case_uid"].to_numpy(dtype=object)
        found.append(
            pd.DataFrame(
                {
                    "case_uid": uids[later],
                    "earlier": uids[earlier],
                    "category_code": code,
                    "metres": np.hypot(*(xy[later] - xy[earlier]).T),
                    "hours": np.abs(t[later] - t[earlier]) / 3.6e12,
                }
            )
        )
    pairs_frame = (
        pd.concat(found, ignore_index=True).sort_values(["category_code", "case_uid", "earlier"]).reset_index(drop=True)
        if found
        else pd.DataFrame(columns=["case_uid", "earlier", "category_code", "metres", "hours"])
    )
    expected = float(simulated.mean()) if permutations else float("nan")
    knox = {
        "pairs": float(observed),
        "expected": expected,
        "ratio": observed / expected if expected else float("nan"),
        "p_sim": float(((simulated >= observed).sum() + 1) / (permutations + 1)) if permutations else float("nan"),
    }
    return pairs_frame, knox

"""What keeps coming back in space and time: near-repeats, reports that follow an earlier report of the same class
within ``distance_m`` metres and ``days`` days, and the Knox test of whether such pairs are more frequent than
space and time alone explain (pairs close in space × close in time against pairs close in space with the times
shuffled, seeded). Chronic places (the same place and class again and again) are counted in SQL:
``queries.trends.chronic_places``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

#: The columns of the close pairs ``near_repeats`` finds.
PAIR_COLUMNS: tuple[str, ...] = ("case_uid", "earlier", "category_code", "metres", "hours")


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
        else pd.DataFrame(columns=list(PAIR_COLUMNS))
    )
    expected = float(simulated.mean()) if permutations else float("nan")
    knox = {
        "pairs": float(observed),
        "expected": expected,
        "ratio": observed / expected if expected else float("nan"),
        "p_sim": float(((simulated >= observed).sum() + 1) / (permutations + 1)) if permutations else float("nan"),
    }
    return pairs_frame, knox

"""Emerging hot spots: how each area's hot- or cold-spot status developed over a space-time cube (area × week).

Each slice (a week) gets its Gi* z-scores and FDR-corrected p-values (``analytics.hotspots``); a bin is a
significant hot (cold) spot when its corrected p-value is below ``alpha`` (0.10: 90 % confidence) and z > 0
(z < 0). Each area's series of z-scores is tested for a trend with Mann-Kendall (``analytics.mannkendall``,
significant below ``trend_alpha``). The categories follow the definitions of ArcGIS's Emerging Hot Spot Analysis;
where those leave an overlap open the order below decides (the first that applies):

* the final slice is a significant hot spot:
  - **new**: it never was before;
  - **consecutive**: a single uninterrupted run of at least two hot bins ends the series, never hot before the
    run, and under 90 % of the bins hot;
  - **intensifying** / **diminishing**: hot in at least 90 % of the bins, and the z-scores rise / fall
    significantly;
  - **persistent**: hot in at least 90 % of the bins, no significant trend;
  - **oscillating**: under 90 % hot, and a significant cold spot in some earlier slice;
  - **sporadic**: under 90 % hot, on again and off again, never a significant cold spot;
* the final slice is not hot, but at least 90 % of the bins were: **historical**;
* the same for cold spots (z < 0), named ``*_cold``; otherwise **none** (no pattern detected).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .hotspots import fdr, gi_star_z, two_sided_p
from .lattice import Lattice
from .mannkendall import mann_kendall

#: Every pattern, hot first, then cold, then none.
PATTERNS: tuple[str, ...] = (
    *(
        f"{name}_{kind}"
        for kind in ("hot", "cold")
        for name in (
            "new",
            "consecutive",
            "intensifying",
            "persistent",
            "diminishing",
            "oscillating",
            "sporadic",
            "historical",
        )
    ),
    "none",
)
#: Share of the bins that makes a location "almost always" a hot or cold spot.
MOSTLY = 0.9


def _pattern(hot: np.ndarray, cold: np.ndarray, tau: float, trend_p: float, trend_alpha: float) -> str:
    """The pattern of one area from its significant hot bins, cold bins and the trend of its z-scores."""
    n = len(hot)
    for kind, mine, other, rising in (("hot", hot, cold, tau > 0), ("cold", cold, hot, tau < 0)):
        share = mine.sum() / n
        if mine[-1]:
            earlier = mine[:-1]
            if not earlier.any():
                return f"new_{kind}"
            run = n - 1 - int(np.flatnonzero(~mine)[-1]) if (~mine).any() else n  # length of the final run
            if run >= 2 and not mine[: n - run].any() and share < MOSTLY:
                return f"consecutive_{kind}"
            if share >= MOSTLY:
                if trend_p < trend_alpha:
                    return f"intensifying_{kind}" if rising else f"diminishing_{kind}"
                return f"persistent_{kind}"
            if other[:-1].any():
                return f"oscillating_{kind}"
            return f"sporadic_{kind}"
    for kind, mine in (("hot", hot), ("cold", cold)):
        if not mine[-1] and mine.sum() / n >= MOSTLY:
            return f"historical_{kind}"
    return "none"


def emerging_hot_spots(
    cube: np.ndarray, lattice: Lattice, *, alpha: float = 0.10, trend_alpha: float = 0.05
) -> pd.DataFrame:
    """The pattern of every area of ``lattice`` from ``cube`` (areas × slices, oldest first; at least 3 slices):
    per area ``code``, ``pattern``, ``hot_bins``, ``cold_bins``, ``trend_z``, ``trend_p``, ``tau`` (of its Gi*
    z-scores) and ``z_last`` (the final slice's z), in lattice order."""
    values = np.asarray(cube, dtype=np.float64)
    if values.ndim != 2 or values.shape[0] != lattice.n:
        raise ValueError(f"the cube must be areas × slices with {lattice.n} areas, got shape {values.shape}")
    if values.shape[1] < 3:
        raise ValueError(f"emerging hot spots need at least 3 slices, got {values.shape[1]}")
    z = gi_star_z(values, lattice)
    significant = fdr(two_sided_p(z)) < alpha
    hot, cold = significant & (z > 0), significant & (z < 0)
    trend = mann_kendall(z)
    patterns = [_pattern(hot[k], cold[k], trend.at[k, "tau"], trend.at[k, "p"], trend_alpha) for k in range(lattice.n)]
    return pd.DataFrame(
        {
            "code": list(lattice.codes),
            "pattern": patterns,
            "hot_bins": hot.sum(axis=1),
            "cold_bins": cold.sum(axis=1),
            "trend_z": trend["z"].to_numpy(),
            "trend_p": trend["p"].to_numpy(),
            "tau": trend["tau"].to_numpy(),
            "z_last": z[:, -1],
        }
    )

"""Spikes: is today's (or this week's) count more than the recent past leads one to expect?

For each series (an area × category, or any keys), the baseline is the same weekday (``unit="day"``) or the same
span of the week (``unit="week"``: Monday up to the day's weekday) in each of the previous ``weeks`` weeks. Counts
are small (a grid sees a few cases of a class a day), so the expected count is not a point estimate: with the
baseline counts x₁ … xₙ taken as Poisson(λ) and Jeffreys' prior on λ, the count to come is negative binomial
with r = Σxᵢ + ½ and p = n / (n + 1) (the Poisson–gamma posterior predictive). Its upper tail P(X ≥ observed) is
the p-value: a first case where there were none in eight weeks is unusual (p ≈ 0.06), five where there were
four a week is not. Many series are tested at once, so the p-values are corrected for the false discovery rate
(Benjamini–Hochberg) across the series tested.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

UNITS: tuple[str, ...] = ("day", "week")


def _window(day: dt.date, unit: str, offset_weeks: int) -> tuple[dt.date, dt.date]:
    """The days (first, last) of the window ``offset_weeks`` weeks before the one ending on ``day``."""
    last = day - dt.timedelta(weeks=offset_weeks)
    first = last if unit == "day" else last - dt.timedelta(days=last.weekday())
    return first, last


def spikes(
    counts: pd.DataFrame,
    *,
    day: dt.date,
    keys: Sequence[str],
    weeks: int = 8,
    unit: str = "day",
) -> pd.DataFrame:
    """One row per series of ``counts`` (columns ``keys``, ``day`` and ``cases``; days without cases may be left
    out) that has a case in the window ending on ``day`` or in its baseline: the ``keys``, ``observed`` (cases in
    the window), ``expected`` (the baseline's mean), ``baseline`` (its counts, oldest first, as a list),
    ``p_value`` (P(X ≥ observed) under the posterior predictive) and ``p_fdr`` (Benjamini–Hochberg across the
    rows), most surprising first.
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {list(UNITS)}, got {unit!r}")
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    missing = [column for column in (*keys, "day", "cases") if column not in counts.columns]
    if missing:
        raise ValueError(f"count frame lacks columns {missing}; it has {list(counts.columns)}")
    days = pd.to_datetime(counts["day"]).to_numpy("datetime64[D]")
    windows = [_window(day, unit, k) for k in range(weeks, -1, -1)]  # oldest baseline first, the window last
    slot = np.full(len(counts), -1)
    for i, (first, last) in enumerate(windows):
        slot[(days >= np.datetime64(first)) & (days <= np.datetime64(last))] = i
    inside = counts.loc[slot >= 0, [*keys, "cases"]].assign(_slot=slot[slot >= 0])
    columns = [*keys, "observed", "expected", "baseline", "p_value", "p_fdr"]
    if inside.empty:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
    table = inside.groupby([*keys, "_slot"], sort=True)["cases"].sum().unstack("_slot", fill_value=0)
    table = table.reindex(columns=range(weeks + 1), fill_value=0)
    matrix = table.to_numpy(dtype=np.int64)
    baseline, observed = matrix[:, :weeks], matrix[:, weeks]
    r, p = baseline.sum(axis=1) + 0.5, weeks / (weeks + 1)
    p_value = stats.nbinom.sf(observed - 1, r, p)
    out = table.index.to_frame(index=False)
    out["observed"] = observed
    out["expected"] = baseline.mean(axis=1)
    out["baseline"] = baseline.tolist()
    out["p_value"] = p_value
    out["p_fdr"] = stats.false_discovery_control(p_value, method="bh")
    return out.sort_values(["p_value", *keys], kind="stable").reset_index(drop=True)[columns]

"""What is rising and falling: Mann-Kendall trends of many weekly series at once, and period-on-period changes.

``rising`` tests every series (an area × category, or any keys) over the same run of weeks: Mann-Kendall's z
and p (``analytics.mannkendall``), Sen's slope in cases per week, Benjamini–Hochberg across the series tested.
Series too thin to say anything (fewer than ``min_cases`` in all) are not tested, so they neither dilute the
correction nor crowd the list; how many were left out is reported with the table.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .mannkendall import mann_kendall

DIRECTIONS: tuple[str, ...] = ("rising", "falling", "flat")


def weekly_matrix(counts: pd.DataFrame, *, keys: Sequence[str], weeks: Sequence[object]) -> pd.DataFrame:
    """``counts`` (``keys``, ``week``, ``cases``) as one row per series and one column per week of ``weeks``
    (in that order; weeks without cases 0)."""
    missing = [column for column in (*keys, "week", "cases") if column not in counts.columns]
    if missing:
        raise ValueError(f"count frame lacks columns {missing}; it has {list(counts.columns)}")
    if counts.empty:
        return pd.DataFrame(columns=list(weeks), index=pd.MultiIndex.from_tuples([], names=list(keys)), dtype=float)
    table = counts.pivot_table(index=list(keys), columns="week", values="cases", aggfunc="sum", fill_value=0)
    return table.reindex(columns=list(weeks), fill_value=0).astype(float)


def rising(
    counts: pd.DataFrame, *, keys: Sequence[str], weeks: Sequence[object], min_cases: int = 10, alpha: float = 0.05
) -> tuple[pd.DataFrame, int]:
    """The trend of every series with at least ``min_cases`` cases over ``weeks`` (at least 4): ``keys``,
    ``cases``, ``first``/``last`` (cases in the first and last week), ``slope`` (Sen's, cases per week), ``z``,
    ``p``, ``p_fdr`` and ``direction`` (rising / falling when ``p_fdr`` < ``alpha``, else flat); rising first
    by strength. Also returns how many series were too thin to test."""
    if len(weeks) < 4:
        raise ValueError(f"a trend needs at least 4 weeks, got {len(weeks)}")
    matrix = weekly_matrix(counts, keys=keys, weeks=weeks)
    totals = matrix.sum(axis=1)
    tested = matrix[totals >= min_cases]
    columns = [*keys, "cases", "first", "last", "slope", "z", "p", "p_fdr", "direction"]
    if tested.empty:
        return pd.DataFrame(columns=columns), len(matrix)
    trend = mann_kendall(tested.to_numpy())
    out = tested.index.to_frame(index=False)
    values = tested.to_numpy()
    out["cases"] = values.sum(axis=1).astype(np.int64)
    out["first"], out["last"] = values[:, 0].astype(np.int64), values[:, -1].astype(np.int64)
    out["slope"], out["z"], out["p"] = trend["slope"], trend["z"], trend["p"]
    out["p_fdr"] = stats.false_discovery_control(out["p"], method="bh")
    significant = out["p_fdr"] < alpha
    out["direction"] = np.where(significant & (out["z"] > 0), "rising", np.where(significant, "falling", "flat"))
    order = out["direction"].map({"rising": 0, "falling": 2, "flat": 1})
    out = out.assign(_order=order, _z=-out["z"]).sort_values(["_order", "_z", *keys], kind="stable")
    return out.drop(columns=["_order", "_z"]).reset_index(drop=True)[columns], int((totals < min_cases).sum())


def change(current: float, previous: float) -> float:
    """The relative change from ``previous`` to ``current`` (0.25 = +25 %); NaN when there was nothing before."""
    return float("nan") if not previous else (current - previous) / previous

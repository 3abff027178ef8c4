"""Spikes against the same weekday (or week so far) of the previous weeks, by hand-checkable counts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics.spikes import spikes

DAY = dt.date(2026, 11, 26)  # a Thursday


def series(key: str, by_weeks_ago: dict[int, int], *, day: dt.date = DAY) -> list[dict]:
    return [{"area": key, "day": day - dt.timedelta(weeks=k), "cases": n} for k, n in by_weeks_ago.items()]


def test_the_posterior_predictive_tail_by_hand() -> None:
    rows = [
        *series("flat", dict.fromkeys(range(1, 9), 2) | {0: 2}),
        *series("spike", dict.fromkeys(range(1, 9), 1) | {0: 7}),
        *series("first", {0: 1}),
        {"area": "flat", "day": DAY - dt.timedelta(days=1), "cases": 50},  # a Wednesday: not in any window
    ]
    found = spikes(pd.DataFrame(rows), day=DAY, keys=["area"], weeks=8).set_index("area")
    assert found.loc["spike", ["observed", "expected"]].tolist() == [7, 1.0]
    assert found.loc["spike", "baseline"] == [1] * 8
    # r = 8 + 0.5, p = 8 / 9: P(X >= 7)
    assert found.loc["spike", "p_value"] == pytest.approx(stats.nbinom.sf(6, 8.5, 8 / 9), rel=1e-12)
    assert found.loc["first", "p_value"] == pytest.approx(1 - (8 / 9) ** 0.5, rel=1e-12)  # ≈ 0.057
    assert found.loc["flat", "p_value"] > 0.3
    assert list(found.index) == ["spike", "first", "flat"]  # most surprising first
    assert found["p_fdr"].tolist() == pytest.approx(stats.false_discovery_control(found["p_value"], method="bh"))


def test_a_week_so_far_against_the_same_days_of_previous_weeks() -> None:
    monday = DAY - dt.timedelta(days=3)
    rows = [
        {"area": "a", "day": monday + dt.timedelta(days=d) - dt.timedelta(weeks=w), "cases": 1}
        for w in range(5)
        for d in range(4)
    ]
    rows += [{"area": "a", "day": DAY + dt.timedelta(days=1) - dt.timedelta(weeks=1), "cases": 9}]  # a Friday: outside
    found = spikes(pd.DataFrame(rows), day=DAY, keys=["area"], weeks=4, unit="week")
    assert found[["observed", "expected"]].iloc[0].tolist() == [4, 4.0]


def test_empty_and_wrong_input() -> None:
    empty = spikes(pd.DataFrame({"area": [], "day": [], "cases": []}), day=DAY, keys=["area"])
    assert empty.empty and list(empty.columns) == ["area", "observed", "expected", "baseline", "p_value", "p_fdr"]
    with pytest.raises(ValueError, match=r"count frame lacks columns \['cases'\]"):
        spikes(pd.DataFrame({"area": [], "day": []}), day=DAY, keys=["area"])
    with pytest.raises(ValueError, match="unit must be one of"):
        spikes(pd.DataFrame({"area": [], "day": [], "cases": []}), day=DAY, keys=["area"], unit="month")


def test_calibration_on_poisson_noise() -> None:
    # Under the null (steady Poisson counts) few flat series are flagged after the FDR correction.
    rng = np.random.default_rng(1)
    rows = [
        {"area": f"g{i}", "day": DAY - dt.timedelta(weeks=w), "cases": int(rng.poisson(3))}
        for i in range(300)
        for w in range(9)
    ]
    found = spikes(pd.DataFrame(rows), day=DAY, keys=["area"], weeks=8)
    assert (found["p_fdr"] < 0.05).sum() <= 3
    assert 0.02 <= (found["p_value"] < 0.05).mean() <= 0.10

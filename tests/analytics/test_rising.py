"""Rising and falling series, period changes, chronic places and near-repeats, by hand-checkable data."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pymannkendall
import pytest

from analytics.recurrence import near_repeats
from analytics.trends import change, rising, weekly_matrix

WEEKS = [dt.date(2026, 9, 7) + dt.timedelta(weeks=k) for k in range(12)]


def weekly(key: tuple[str, str], values: list[int]) -> list[dict]:
    return [{"area": key[0], "category": key[1], "week": w, "cases": v} for w, v in zip(WEEKS, values, strict=True)]


def test_rising_and_falling_with_fdr_and_thin_series_left_out() -> None:
    rng = np.random.default_rng(1)
    rows = weekly(("east", "06010"), [2, 3, 3, 4, 5, 5, 6, 7, 8, 8, 9, 11])
    rows += weekly(("west", "06010"), [11, 10, 9, 9, 8, 7, 6, 6, 5, 4, 3, 2])
    for i in range(20):
        rows += weekly((f"flat{i}", "09009"), rng.poisson(5, 12).tolist())
    rows += weekly(("thin", "06042"), [0] * 11 + [3])
    found, thin = rising(pd.DataFrame(rows), keys=["area", "category"], weeks=WEEKS, min_cases=10)
    assert thin == 1 and "thin" not in set(found["area"])
    top = found.iloc[0]
    assert (top["area"], top["direction"], top["cases"], top["first"], top["last"]) == ("east", "rising", 71, 2, 11)
    reference = pymannkendall.original_test([2, 3, 3, 4, 5, 5, 6, 7, 8, 8, 9, 11])
    assert top["slope"] == pytest.approx(reference.slope) and top["p"] == pytest.approx(reference.p)
    assert found.set_index("area").loc["west", "direction"] == "falling"
    assert (found["direction"] == "flat").sum() >= 19
    assert found["direction"].iloc[-1] == "falling"  # rising first, flat, falling last
    with pytest.raises(ValueError, match="at least 4 weeks"):
        rising(pd.DataFrame(rows), keys=["area", "category"], weeks=WEEKS[:3])


def test_weekly_matrix_fills_missing_weeks() -> None:
    frame = pd.DataFrame({"area": ["a", "a"], "week": [WEEKS[0], WEEKS[2]], "cases": [1, 4]})
    assert weekly_matrix(frame, keys=["area"], weeks=WEEKS[:4]).to_numpy().tolist() == [[1, 0, 4, 0]]


def test_change() -> None:
    assert change(125, 100) == 0.25 and change(0, 4) == -1.0 and np.isnan(change(3, 0))


def test_near_repeats_and_the_knox_ratio() -> None:
    rng = np.random.default_rng(3)
    n = 300
    points = pd.DataFrame(
        {
            "case_uid": [f"r{i}" for i in range(n)],
            "category_code": "06010",
            "x": rng.uniform(0, 5000, n),
            "y": rng.uniform(0, 5000, n),
            "reported_at": pd.Timestamp("2026-09-01") + pd.to_timedelta(rng.uniform(0, 90, n), unit="D"),
        }
    )
    repeats = points.iloc[:40].assign(
        case_uid=[f"n{i}" for i in range(40)],
        x=lambda f: f["x"] + 20,
        reported_at=lambda f: f["reported_at"] + pd.Timedelta(days=2),
    )
    pairs, knox = near_repeats(pd.concat([points, repeats]), distance_m=100, days=7, permutations=49, seed=1)
    planted = set(zip(repeats["case_uid"], points.iloc[:40]["case_uid"], strict=True))
    assert planted <= set(zip(pairs["case_uid"], pairs["earlier"], strict=True))
    assert pairs.set_index("case_uid").loc["n0", "metres"] == pytest.approx(20.0)
    assert knox["ratio"] > 2 and knox["p_sim"] == pytest.approx(1 / 50)
    _, null = near_repeats(points, distance_m=100, days=7, permutations=49, seed=1)
    assert null["p_sim"] > 0.05

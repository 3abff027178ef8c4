"""Emerging hot spot patterns: each category from a hand-made series of hot/cold bins, and on a cube."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.emerging import PATTERNS, _pattern, emerging_hot_spots
from analytics.lattice import Lattice

H, C, N = "H", "C", "."


def pattern(bins: str, tau: float = 0.0, trend_p: float = 1.0) -> str:
    hot = np.array([b == H for b in bins])
    cold = np.array([b == C for b in bins])
    return _pattern(hot, cold, tau, trend_p, 0.05)


@pytest.mark.parametrize(
    ("bins", "tau", "trend_p", "expected"),
    [
        ("..........H", 0, 1, "new_hot"),
        ("........HHH", 0, 1, "consecutive_hot"),
        ("HHHHHHHHHHH", 0.6, 0.001, "intensifying_hot"),
        ("HHHHHHHHHHH", -0.6, 0.001, "diminishing_hot"),
        ("HHHHHHHHHHH", 0.1, 0.5, "persistent_hot"),
        (".HHHHHHHHHH", 0.1, 0.5, "persistent_hot"),  # 10 of 11 ≥ 90 %
        ("H.H..H...HH", 0, 1, "sporadic_hot"),  # an earlier hot bin before the final run: not consecutive
        ("C.H..H....H", 0, 1, "oscillating_hot"),
        ("HHHHHHHHHH.", 0, 1, "historical_hot"),
        ("..........C", 0, 1, "new_cold"),
        ("CCCCCCCCCCC", -0.6, 0.001, "intensifying_cold"),
        ("CCCCCCCCCCC", 0.6, 0.001, "diminishing_cold"),
        ("..C...C...C", 0, 1, "sporadic_cold"),
        ("CCCCCCCCCC.", 0, 1, "historical_cold"),
        ("...........", 0, 1, "none"),
        ("..H..H.....", 0, 1, "none"),  # hot now and then, but not in the final slice, and not mostly
    ],
)
def test_each_pattern(bins: str, tau: float, trend_p: float, expected: str) -> None:
    assert pattern(bins, tau, trend_p) == expected
    assert expected in PATTERNS


def test_a_cube_with_a_new_and_a_persistent_hot_spot() -> None:
    side = 12  # queen contiguity on a 12 × 12 lattice of cells named rrcc
    codes = [f"{r:02d}{c:02d}" for r in range(side) for c in range(side)]
    pairs = [
        (f"{r:02d}{c:02d}", f"{r + dr:02d}{c + dc:02d}")
        for r in range(side)
        for c in range(side)
        for dr in (-1, 0, 1)
        for dc in (-1, 0, 1)
        if (dr or dc) and 0 <= r + dr < side and 0 <= c + dc < side
    ]
    lattice = Lattice.of(codes, pd.DataFrame(pairs, columns=["code", "neighbour"]))
    rng = np.random.default_rng(2)
    cube = rng.poisson(2, (side * side, 20)).astype(float)
    persistent, new = ["0202", "0203", "0302", "0303"], ["0808", "0809", "0908", "0909"]
    cube[[codes.index(c) for c in persistent]] += 15  # a block that is always busy
    cube[np.ix_([codes.index(c) for c in new], [19])] += 15  # a block busy in the last week only
    found = emerging_hot_spots(cube, lattice).set_index("code")
    assert set(found.loc[persistent, "pattern"]) == {"persistent_hot"}
    assert set(found.loc[new, "pattern"]) == {"new_hot"}
    assert found.loc[persistent, "hot_bins"].min() >= 18
    assert found["pattern"].str.endswith("_hot").sum() <= 16  # the blocks, and at most a few neighbours
    with pytest.raises(ValueError, match="at least 3 slices"):
        emerging_hot_spots(cube[:, :2], lattice)

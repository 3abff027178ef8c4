"""The vectorised Mann-Kendall test and Sen's slope against pymannkendall, series by series, to 1e-9."""

from __future__ import annotations

import numpy as np
import pymannkendall
import pytest

from analytics.mannkendall import mann_kendall


def test_matches_pymannkendall_with_ties_trends_and_flat_series() -> None:
    rng = np.random.default_rng(5)
    rising = np.arange(12) * 0.8 + rng.poisson(2, 12)
    series = np.vstack(
        [
            rng.poisson(3, (40, 12)),  # small counts: many ties
            rising,
            rising[::-1],
            np.zeros(12),  # all equal: S = 0, no variance left
            np.r_[np.zeros(11), 5],  # one late case
            rng.normal(0, 1, 12),
        ]
    ).astype(float)
    got = mann_kendall(series)
    for k, row in enumerate(series):
        expected = pymannkendall.original_test(row)
        assert got.loc[k, "s"] == expected.s
        assert got.loc[k, "var_s"] == pytest.approx(expected.var_s, abs=1e-9)
        assert got.loc[k, "tau"] == pytest.approx(expected.Tau, abs=1e-9)
        assert got.loc[k, "slope"] == pytest.approx(expected.slope, abs=1e-9)
        assert got.loc[k, "intercept"] == pytest.approx(expected.intercept, abs=1e-9)
        if expected.var_s > 0:
            assert got.loc[k, "z"] == pytest.approx(expected.z, abs=1e-9)
            assert got.loc[k, "p"] == pytest.approx(expected.p, abs=1e-9)
    assert got.loc[40, "z"] > 2 and got.loc[41, "z"] < -2
    assert (got.loc[42, "z"], got.loc[42, "p"]) == (0.0, 1.0)


def test_wrong_shapes_are_named() -> None:
    with pytest.raises(ValueError, match="at least 3 steps, got 2"):
        mann_kendall(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"2-D matrix \(series × steps\), got shape \(5,\)"):
        mann_kendall(np.zeros(5))

"""The Mann-Kendall trend test and Sen's slope, vectorised over many series at once.

The same statistics as ``pymannkendall.original_test`` (which the tests compare to 1e-9): S = Σ sign(xⱼ − xᵢ)
over i < j; its variance n(n−1)(2n+5)/18 less the ties' Σ t(t−1)(2t+5)/18; z with the continuity correction;
a two-sided normal p-value; Kendall's τ = S / (n(n−1)/2); Sen's slope = the median of (xⱼ − xᵢ)/(j − i). One
series at a time in Python costs ~1 ms; a table of thousands of area × category series must take well under a
second, so every series of a matrix is tested together.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def mann_kendall(series: np.ndarray) -> pd.DataFrame:
    """One row per row of ``series`` (m series × n steps, oldest first; n ≥ 3): ``s``, ``var_s``, ``z``, ``p``
    (two-sided), ``tau``, ``slope`` (Sen's, per step) and ``intercept`` (pymannkendall's: median(x) −
    median(step) × slope)."""
    x = np.asarray(series, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"series must be a 2-D matrix (series × steps), got shape {x.shape}")
    m, n = x.shape
    if n < 3:
        raise ValueError(f"the Mann-Kendall test needs at least 3 steps, got {n}")
    i, j = np.triu_indices(n, k=1)
    differences = x[:, j] - x[:, i]
    s = np.sign(differences).sum(axis=1)
    # ties: per series, the sizes t of groups of equal values
    rows = np.repeat(np.arange(m), n)
    _, group = np.unique(np.column_stack([rows, x.ravel()]), axis=0, return_inverse=True)
    sizes = np.bincount(group.ravel())
    owner = np.zeros(len(sizes), dtype=np.int64)
    owner[group.ravel()] = rows
    tie_terms = np.bincount(owner, weights=sizes * (sizes - 1.0) * (2.0 * sizes + 5.0), minlength=m)
    var_s = (n * (n - 1) * (2 * n + 5) - tie_terms) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(s > 0, (s - 1) / np.sqrt(var_s), np.where(s < 0, (s + 1) / np.sqrt(var_s), 0.0))
    z = np.where(np.isfinite(z), z, 0.0)
    slope = np.median(differences / (j - i), axis=1)
    intercept = np.median(x, axis=1) - np.median(np.arange(n)) * slope
    return pd.DataFrame(
        {
            "s": s,
            "var_s": var_s,
            "z": z,
            "p": 2.0 * stats.norm.sf(np.abs(z)),
            "tau": s / (0.5 * n * (n - 1)),
            "slope": slope,
            "intercept": intercept,
        }
    )

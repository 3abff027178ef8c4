"""Where cases concentrate on the grid lattice: Getis–Ord Gi*, local and global Moran's I.

* **Gi\\*** (hot and cold spots): binary queen contiguity with each area its own neighbour; the z-score is the
  analytical one (Getis & Ord 1992; what ``esda.G_Local(star=True, transform="B")`` computes, which the tests
  check to 1e-9), vectorised over several columns at once (the weekly slices of a space-time cube), with two-sided
  normal p-values corrected for the false discovery rate (Benjamini–Hochberg) across the areas of a slice, and
  classes at 90, 95 and 99 % as ArcGIS's Hot Spot Analysis labels them.
* **Local Moran's I** (clusters and outliers: HH, LL, HL, LH): ``esda.Moran_Local`` on row-standardised weights
  with conditional permutations (seedable), significant when the pseudo p-value is below ``alpha``.
* **Global Moran's I**: ``esda.Moran``, stated beside the map.

Values may be counts or rates (cases per 1,000 residents, per km²): the caller chooses. A slice where every
area has the same value has no hot or cold spot (z = 0, p = 1).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import esda
import numpy as np
import pandas as pd
from scipy import stats

from .lattice import Lattice

#: Confidence levels of the hot/cold classes, strongest first.
CONFIDENCE: tuple[int, ...] = (99, 95, 90)
#: Every class code, hot first (``hot_99`` … ``cold_99``), ``ns`` = not significant.
CLASSES: tuple[str, ...] = (
    *(f"hot_{c}" for c in CONFIDENCE),
    "ns",
    *(f"cold_{c}" for c in reversed(CONFIDENCE)),
)
#: Local Moran quadrants as esda numbers them (1 HH, 2 LH, 3 LL, 4 HL), and "ns".
QUADRANTS: dict[int, str] = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}


def gi_star_z(values: np.ndarray, lattice: Lattice) -> np.ndarray:
    """Gi* z-scores of ``values`` (n areas, or n × t: one column per slice) on ``lattice``; 0 in a column
    whose values are all equal."""
    y = np.asarray(values, dtype=np.float64)
    column = y.ndim == 1
    y = y[:, None] if column else y
    if y.shape[0] != lattice.n:
        raise ValueError(f"{y.shape[0]} values for {lattice.n} areas")
    n = lattice.n
    weights = lattice.with_self()
    cardinality = np.asarray(weights.sum(axis=1)).ravel()[:, None]
    total = y.sum(axis=0)
    mean = total / n
    variance = (y**2).sum(axis=0) / n - mean**2
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = (weights @ y) / total
        expected = cardinality / n
        spread = cardinality * (n - cardinality) / (n - 1) / n**2 * variance / mean**2
        z = (statistic - expected) / np.sqrt(spread)
    flat = ~(variance > 1e-12 * np.maximum(mean**2, 1.0))  # every area the same (or nothing at all)
    z[:, flat] = 0.0
    z[~np.isfinite(z)] = 0.0  # an area whose neighbourhood is the whole lattice: no contrast
    return z[:, 0] if column else z


def two_sided_p(z: np.ndarray) -> np.ndarray:
    return 2.0 * stats.norm.sf(np.abs(z))


def fdr(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values of each column (each slice is its own family of tests)."""
    p = np.asarray(p, dtype=np.float64)
    if p.size == 0:
        return p.copy()
    return np.apply_along_axis(lambda column: stats.false_discovery_control(column, method="bh"), 0, p)


def classes(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``hot_99`` … ``cold_99`` or ``ns`` per value: the sign of ``z`` and the strongest confidence ``p`` meets."""
    z, p = np.asarray(z), np.asarray(p)
    out = np.full(z.shape, "ns", dtype=object)
    for confidence in reversed(CONFIDENCE):  # weakest first, overwritten by stronger
        significant = p < 1 - confidence / 100
        out[significant & (z > 0)] = f"hot_{confidence}"
        out[significant & (z < 0)] = f"cold_{confidence}"
    return out


def hot_spots(values: pd.Series, lattice: Lattice) -> pd.DataFrame:
    """Gi* of ``values`` (indexed by area code, in any order; areas of the lattice it lacks count 0): per area
    ``code``, ``value``, ``neighbours``, ``z``, ``p`` (two-sided), ``p_fdr`` and ``class``, in lattice order."""
    y = values.reindex(list(lattice.codes)).fillna(0).to_numpy(dtype=np.float64)
    z = gi_star_z(y, lattice)
    p = two_sided_p(z)
    p_fdr = fdr(p)
    return pd.DataFrame(
        {
            "code": list(lattice.codes),
            "value": y,
            "neighbours": lattice.cardinalities,
            "z": z,
            "p": p,
            "p_fdr": p_fdr,
            "class": classes(z, p_fdr),
        }
    )


@dataclass(frozen=True)
class GlobalMoran:
    """Global Moran's I of one set of values: ``i``, its expectation ``expected`` under no autocorrelation, the
    analytical ``z`` and ``p`` (two-sided, normality), and the permutation pseudo ``p_sim``."""

    i: float
    expected: float
    z: float
    p: float
    p_sim: float
    permutations: int


def global_moran(values: pd.Series, lattice: Lattice, *, permutations: int = 999, seed: int = 0) -> GlobalMoran:
    """Moran's I of ``values`` (by area code, missing areas 0) on row-standardised ``lattice`` weights: the
    statistic and its analytical inference from ``esda.Moran``, the pseudo p-value from ``permutations`` random
    relabellings drawn from ``numpy.random.default_rng(seed)`` (esda's own draw uses the global generator)."""
    y = values.reindex(list(lattice.codes)).fillna(0).to_numpy(dtype=np.float64)
    if lattice.n < 3 or np.allclose(y, y[0]) or not lattice.cardinalities.any():
        nan = float("nan")  # too few areas, no neighbours, or nothing varies: no autocorrelation to speak of
        return GlobalMoran(i=nan, expected=nan, z=nan, p=nan, p_sim=nan, permutations=permutations)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        moran = esda.Moran(y, lattice.weights(), transformation="r", permutations=0)
    p_sim = float("nan")
    if permutations:
        rows = np.maximum(lattice.cardinalities, 1)[:, None]
        rng = np.random.default_rng(seed)
        z = np.column_stack([rng.permutation(y) for _ in range(permutations)])
        z -= z.mean(axis=0)
        s0 = max(int((lattice.cardinalities > 0).sum()), 1)  # row-standardised: each row but an island sums to 1
        simulated = lattice.n / s0 * (z * (lattice.matrix @ z / rows)).sum(axis=0) / (z**2).sum(axis=0)
        larger = int((simulated >= moran.I).sum())
        larger = min(larger, permutations - larger)  # as esda: the smaller tail
        p_sim = (larger + 1) / (permutations + 1)
    return GlobalMoran(
        i=float(moran.I),
        expected=float(moran.EI),
        z=float(moran.z_norm),
        p=float(moran.p_norm),
        p_sim=p_sim,
        permutations=permutations,
    )


def local_moran(
    values: pd.Series, lattice: Lattice, *, permutations: int = 999, seed: int = 0, alpha: float = 0.05
) -> pd.DataFrame:
    """Local Moran's I of ``values`` (by area code, missing areas 0): per area ``code``, ``value``,
    ``neighbours``, ``i``, ``quadrant`` (HH, LH, LL, HL of the value and its neighbours' mean), ``p_sim`` (the
    conditional-permutation pseudo p-value, seeded by ``seed``) and ``cluster`` (the quadrant when ``p_sim`` <
    ``alpha``, else "ns"; islands are "ns"), in lattice order."""
    y = values.reindex(list(lattice.codes)).fillna(0).to_numpy(dtype=np.float64)
    out = pd.DataFrame({"code": list(lattice.codes), "value": y, "neighbours": lattice.cardinalities})
    if lattice.n < 3 or np.allclose(y, y[0]):
        return out.assign(i=0.0, quadrant="ns", p_sim=1.0, cluster="ns")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        moran = esda.Moran_Local(
            y, lattice.weights(), transformation="r", permutations=permutations, seed=seed, keep_simulations=False
        )
    quadrant = pd.Series(moran.q).map(QUADRANTS).fillna("ns").to_numpy(dtype=object)
    p_sim = np.asarray(moran.p_sim, dtype=np.float64) if permutations else np.full(lattice.n, np.nan)
    significant = (p_sim < alpha) & (out["neighbours"].to_numpy() > 0)
    return out.assign(i=np.asarray(moran.Is, dtype=np.float64), quadrant=quadrant, p_sim=p_sim).assign(
        cluster=np.where(significant, quadrant, "ns")
    )

"""Gi*, local and global Moran's I on hand-made lattices, against PySAL (esda, libpysal) to 1e-9."""

from __future__ import annotations

import esda
import libpysal
import numpy as np
import pandas as pd
import pytest

from analytics.hotspots import CLASSES, classes, gi_star_z, global_moran, hot_spots, local_moran
from analytics.lattice import Lattice


def rook_and_queen(rows: int, cols: int) -> tuple[list[str], pd.DataFrame, libpysal.weights.W]:
    w = libpysal.weights.lat2W(rows, cols, rook=False)
    codes = [f"a{i:03d}" for i in range(rows * cols)]
    pairs = pd.DataFrame(
        [(codes[i], codes[j]) for i, near in w.neighbors.items() for j in near], columns=["code", "neighbour"]
    )
    return codes, pairs, w


def test_gi_star_matches_esda_and_vectorises_over_slices() -> None:
    codes, pairs, w = rook_and_queen(6, 7)
    lattice = Lattice.of(codes, pairs)
    rng = np.random.default_rng(3)
    cube = rng.poisson(5, (42, 4)).astype(float)
    cube[5, 0] = 30
    z = gi_star_z(cube, lattice)
    for t in range(4):
        reference = esda.G_Local(cube[:, t], w, transform="B", star=True, permutations=0)
        np.testing.assert_allclose(z[:, t], reference.Zs, atol=1e-9)
        np.testing.assert_allclose(gi_star_z(cube[:, t], lattice), reference.Zs, atol=1e-9)
    assert (gi_star_z(np.full(42, 3.0), lattice) == 0).all()  # no contrast, no hot spot


def test_hot_spots_keep_zero_areas_and_islands_and_classify_by_corrected_p() -> None:
    codes, pairs, _ = rook_and_queen(5, 5)
    lattice = Lattice.of([*codes, "island"], pairs)
    counts = pd.Series({"a012": 40, "a006": 20, "a007": 20, "a008": 20, "a011": 20, "a013": 20, "island": 1})
    found = hot_spots(counts, lattice).set_index("code")
    assert len(found) == 26 and found.loc["a000", "value"] == 0  # every area, zero counts included
    assert lattice.islands == ("island",) and found.loc["island", "neighbours"] == 0
    assert found.loc["a012", "class"] == "hot_99" and found.loc["a012", "z"] > 3
    assert set(found["class"]) <= set(CLASSES)
    assert (found["p_fdr"] >= found["p"] - 1e-15).all()


def test_classes_by_hand() -> None:
    z = np.array([3.0, 2.0, 1.8, 1.0, -1.7, -2.7])
    p = np.array([0.005, 0.03, 0.08, 0.3, 0.09, 0.001])
    assert classes(z, p).tolist() == ["hot_99", "hot_95", "hot_90", "ns", "cold_90", "cold_99"]


def test_local_moran_matches_esda_and_is_seedable() -> None:
    codes, pairs, w = rook_and_queen(8, 8)
    lattice = Lattice.of(codes, pairs)
    rng = np.random.default_rng(4)
    values = pd.Series(rng.poisson(3, 64).astype(float), index=codes)
    values.iloc[[9, 10, 17, 18]] = 25  # a high cluster
    found = local_moran(values, lattice, permutations=499, seed=7)
    w.transform = "r"
    reference = esda.Moran_Local(values.to_numpy(), w, permutations=499, seed=7)
    np.testing.assert_allclose(found["i"], reference.Is, atol=1e-9)
    np.testing.assert_allclose(found["p_sim"], reference.p_sim, atol=1e-12)
    assert set(found.loc[[9, 10, 17, 18], "cluster"]) == {"HH"}
    again = local_moran(values, lattice, permutations=499, seed=7)
    pd.testing.assert_frame_equal(found, again)


def test_global_moran_matches_esda() -> None:
    codes, pairs, w = rook_and_queen(10, 10)
    lattice = Lattice.of(codes, pairs)
    gradient = pd.Series(np.arange(100.0), index=codes)
    found = global_moran(gradient, lattice, permutations=199, seed=1)
    w.transform = "r"
    reference = esda.Moran(gradient.to_numpy(), w, permutations=0)
    assert found.i == pytest.approx(reference.I, abs=1e-9) and found.z == pytest.approx(reference.z_norm, abs=1e-9)
    assert found.i > 0.8 and found.p_sim == pytest.approx(1 / 200)
    assert global_moran(gradient, lattice, permutations=199, seed=1) == found


def test_a_lattice_names_its_problems() -> None:
    with pytest.raises(ValueError, match=r"neighbour frame lacks columns \['neighbour'\]"):
        Lattice.of(["a"], pd.DataFrame({"code": ["a"]}))
    with pytest.raises(ValueError, match="area codes repeat"):
        Lattice.of(["a", "a"], pd.DataFrame({"code": [], "neighbour": []}))
    with pytest.raises(ValueError, match="3 values for 2 areas"):
        gi_star_z(np.zeros(3), Lattice.of(["a", "b"], pd.DataFrame({"code": ["a"], "neighbour": ["b"]})))

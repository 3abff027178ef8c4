"""The grid lattice: which areas neighbour which, as the weights the spatial statistics take.

Neighbours are binary queen contiguity (a shared boundary or corner), derived by the ETL once per grid version
(``core.catalog`` table ``grid_adjacency``) and read here as a frame of ``code``, ``neighbour`` pairs. Areas
without a neighbour (islands: an enclave drawn apart, a grid whose neighbours are at another level) are kept and
reported, never dropped: the statistics treat them as their own neighbourhood.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from libpysal.weights import W
from scipy import sparse


@dataclass(frozen=True)
class Lattice:
    """Areas ``codes`` (in order) and their binary contiguity ``matrix`` (n × n, symmetric, no diagonal)."""

    codes: tuple[str, ...]
    matrix: sparse.csr_matrix

    @classmethod
    def of(cls, codes: Sequence[str], pairs: pd.DataFrame) -> Lattice:
        """The lattice of ``codes`` from neighbour ``pairs`` (columns ``code``, ``neighbour``; either direction,
        repeats and pairs naming other areas ignored)."""
        missing = [column for column in ("code", "neighbour") if column not in pairs.columns]
        if missing:
            raise ValueError(f"neighbour frame lacks columns {missing}; it has {list(pairs.columns)}")
        order = pd.Index(list(codes))
        if order.has_duplicates:
            raise ValueError(f"area codes repeat: {sorted(order[order.duplicated()].unique())[:5]}")
        i = order.get_indexer(pairs["code"].astype(str))
        j = order.get_indexer(pairs["neighbour"].astype(str))
        keep = (i >= 0) & (j >= 0) & (i != j)
        n = len(order)
        rows, cols = np.concatenate([i[keep], j[keep]]), np.concatenate([j[keep], i[keep]])
        matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
        matrix.data[:] = 1.0  # repeated pairs summed: back to binary
        return cls(tuple(order), matrix)

    @property
    def n(self) -> int:
        return len(self.codes)

    @property
    def cardinalities(self) -> np.ndarray:
        """Neighbours of each area (itself not counted)."""
        return np.asarray(self.matrix.sum(axis=1)).ravel().astype(np.int64)

    @property
    def islands(self) -> tuple[str, ...]:
        """The areas without a neighbour."""
        return tuple(code for code, k in zip(self.codes, self.cardinalities, strict=True) if k == 0)

    def with_self(self) -> sparse.csr_matrix:
        """The binary matrix with each area its own neighbour too (the neighbourhood of Getis–Ord Gi*)."""
        return (self.matrix + sparse.identity(self.n, format="csr")).tocsr()

    def weights(self) -> W:
        """The lattice as a libpysal ``W`` (binary, ids = codes, islands kept), for esda's statistics."""
        neighbours: dict[str, list[str]] = {code: [] for code in self.codes}
        rows, cols = self.matrix.nonzero()
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            neighbours[self.codes[r]].append(self.codes[c])
        return W(neighbours, id_order=list(self.codes), silence_warnings=True)

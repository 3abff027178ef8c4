"""How well incidents found by fusion match a known truth: pairwise precision and recall.

A *pair* is two reports put in one incident. Truth is known for the planted reports only (a demo's or a
benchmark's planted incidents, and its planted near misses, each a group of its own); the other reports were
drawn independently and say nothing about which of them are "the same incident". So the pairs scored are those
with at least one planted report: *precision* = pairs found that are true ÷ pairs found; *recall* = true pairs
found ÷ true pairs. A background report fused into a planted incident counts against precision.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def _pairs(counts: np.ndarray) -> int:
    counts = np.asarray(counts, np.int64)
    return int((counts * (counts - 1) // 2).sum())


@dataclass(frozen=True)
class PairScores:
    """``found``: pairs found with a planted report; ``true``: planted pairs; ``correct``: found and true."""

    found: int
    true: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else float("nan")

    @property
    def recall(self) -> float:
        return self.correct / self.true if self.true else float("nan")


def pair_scores(incident: pd.Series, truth: pd.Series) -> PairScores:
    """Scores of ``incident`` (case_uid → incident id, every report) against ``truth`` (case_uid → planted group,
    the planted reports only; a report missing from ``incident`` counts as an incident of its own)."""
    found = incident.reindex(incident.index.union(truth.index))
    found = found.fillna(pd.Series(found.index, index=found.index))
    planted = found.index.isin(truth.index)
    sizes = found.groupby(found).size()
    background = found[~planted].groupby(found[~planted]).size().reindex(sizes.index, fill_value=0)
    with_planted = _pairs(sizes.to_numpy()) - _pairs(background.to_numpy())
    cells = pd.DataFrame({"incident": found[truth.index].to_numpy(), "group": truth.to_numpy()})
    correct = _pairs(cells.groupby(["incident", "group"]).size().to_numpy())
    return PairScores(with_planted, _pairs(truth.groupby(truth).size().to_numpy()), correct)

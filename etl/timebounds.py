"""Plausible times: an empty Excel date cell reads as 1899-12-30, a typo as 2099; neither is a real event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from settings import Settings

from .runlog import Verdicts


@dataclass(frozen=True)
class TimeBounds:
    """The earliest and latest plausible time of a load, and how each was set (for the reason)."""

    earliest: np.datetime64
    latest: np.datetime64
    earliest_said: str
    latest_said: str

    @classmethod
    def for_load(cls, settings: Settings, *, now: dt.datetime, as_of: dt.datetime | None = None) -> TimeBounds:
        """From ``settings.earliest_time`` to ``settings.future_tolerance_hours`` after the later of the load's
        ``now`` and its ``as_of`` (a demo or a test judges its data at a moment of its own)."""
        try:
            earliest = pd.Timestamp(settings.earliest_time)
        except ValueError:
            raise ValueError(
                f"setting earliest_time must be a date, e.g. 2000-01-01; got {settings.earliest_time!r}"
            ) from None
        reference = max(now, as_of) if as_of is not None else now
        latest = pd.Timestamp(reference) + pd.Timedelta(hours=settings.future_tolerance_hours)
        return cls(
            np.datetime64(earliest.to_datetime64(), "ns"),
            np.datetime64(latest.to_datetime64(), "ns"),
            f"{earliest:%Y-%m-%d} (setting earliest_time)",
            f"{latest:%Y-%m-%d %H:%M} (the load's time plus setting future_tolerance_hours)",
        )

    def reject(self, times: np.ndarray, verdicts: Verdicts, what: str) -> None:
        """Reject the rows whose time in ``times`` (datetime64[ns], NaT = none) is out of bounds."""
        early = times < self.earliest  # NaT compares False
        late = times > self.latest
        if not (early.any() or late.any()):
            return
        text = pd.Series(pd.to_datetime(times)).dt.strftime("%Y-%m-%d %H:%M:%S")
        verdicts.reject(early, "implausible_time", lambda: f"{what} " + text + f" is before {self.earliest_said}")
        verdicts.reject(late, "implausible_time", lambda: f"{what} " + text + f" is after {self.latest_said}")

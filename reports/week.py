"""An ISO week as a report names it: ``2026-W48`` (Monday to Sunday), the week before it, and the one a day is in."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Week:
    """ISO week ``number`` of ISO year ``year``: ``start`` (Monday) … ``end`` (Sunday), both inclusive."""

    year: int
    number: int

    def __post_init__(self) -> None:
        last = dt.date(self.year, 12, 28).isocalendar().week  # 28 December is always in the year's last week
        if not 1 <= self.number <= last:
            raise ValueError(f"{self.year} has ISO weeks 1–{last}, not {self.number}")

    @classmethod
    def parse(cls, text: str) -> Week:
        """``2026-W48`` (or ``2026W48``, any case); a ValueError naming the form otherwise."""
        found = _WEEK.match(text.strip())
        if not found:
            raise ValueError(f"a week is written like 2026-W48 (ISO year and week), got {text!r}")
        return cls(int(found.group(1)), int(found.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> Week:
        """The ISO week ``day`` falls in."""
        year, number, _ = day.isocalendar()
        return cls(year, number)

    @property
    def start(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.number, 1)

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=6)

    @property
    def previous(self) -> Week:
        return Week.of(self.start - dt.timedelta(days=7))

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    def __str__(self) -> str:
        return self.label

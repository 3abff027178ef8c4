"""Period presets: the report days a view covers, counted back from an anchor day (pure).

The anchor is "today" in the data's time zone, or the data's last report day when the data end before today (a
demo database, or a feed that stopped): a wall screen showing "today" shows the last day there is, and says so.
"""

from __future__ import annotations

import datetime as dt

#: Period presets, in the order offered; ``last_n_days`` spans ``settings.default_range_days``.
PRESETS: tuple[str, ...] = (
    "today",
    "last_7_days",
    "last_n_days",
    "this_week",
    "last_week",
    "this_month",
    "last_month",
    "custom",
)
DEFAULT_PRESET = "last_n_days"


def anchor_day(today: dt.date, last_data_day: dt.date | None) -> dt.date:
    """The day the presets count back from: ``today``, or the data's last day when the data end before it."""
    return last_data_day if last_data_day is not None and last_data_day < today else today


def preset_range(preset: str, anchor: dt.date, *, days: int = 30) -> tuple[dt.date, dt.date]:
    """Report days ``(start, end)``, both inclusive, of ``preset`` counted back from ``anchor``.

    Weeks start on Monday; "this week" and "this month" run to ``anchor``, not to their last day.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    monday = anchor - dt.timedelta(days=anchor.weekday())
    first_of_month = anchor.replace(day=1)
    last_of_previous = first_of_month - dt.timedelta(days=1)
    ranges = {
        "today": (anchor, anchor),
        "last_7_days": (anchor - dt.timedelta(days=6), anchor),
        "last_n_days": (anchor - dt.timedelta(days=days - 1), anchor),
        "this_week": (monday, anchor),
        "last_week": (monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)),
        "this_month": (first_of_month, anchor),
        "last_month": (last_of_previous.replace(day=1), last_of_previous),
    }
    try:
        return ranges[preset]
    except KeyError:
        raise ValueError(f"preset {preset!r} has no range of its own; presets with one: {list(ranges)}") from None

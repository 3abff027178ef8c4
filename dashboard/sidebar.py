"""The shared sidebar: drawn once by the entrypoint; pages read its choices with ``current_filters()``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

_STATE_KEY = "onemap_filters"


@dataclass(frozen=True)
class Filters:
    """What the user picked in the sidebar: report days ``start`` to ``end``, both inclusive."""

    start: dt.date
    end: dt.date

    def query_kwargs(self, *, dates: bool = True) -> dict[str, Any]:
        """Keyword filters for the case queries; ``dates=False`` for states at a moment (e.g. overdue now)."""
        return {"start": self.start, "end": self.end} if dates else {}

    @property
    def at(self) -> dt.datetime:
        """The last moment of the range: grids are drawn as they were then."""
        return dt.datetime.combine(self.end, dt.time.max)


def default_range(last: dt.date, days: int) -> tuple[dt.date, dt.date]:
    """The ``days`` days ending on ``last`` (the data's last report day, which need not be today)."""
    return last - dt.timedelta(days=days - 1), last


def _day(value: Any, fallback: dt.date) -> dt.date:
    return fallback if pd.isna(value) else pd.Timestamp(value).date()


def draw_sidebar(extent: pd.Series, *, days: int, today: dt.date) -> Filters:
    """Draw the sidebar for the data's ``extent`` (a ``data_extent`` row) and remember the choice for pages.

    ``today`` only stands in for the data's days when there are no cases yet.
    """
    first, last = _day(extent["first"], today), _day(extent["last"], today)
    with st.sidebar:
        picked = st.date_input(
            "上报日期",
            value=default_range(last, days),
            min_value=min(first, last - dt.timedelta(days=days - 1)),
            max_value=last,
            format="YYYY-MM-DD",
            key="onemap_dates",
        )
        if extent["cases"]:
            st.caption(f"数据覆盖 {first} 至 {last}，共 {int(extent['cases']):,} 件案件")
        else:
            st.caption("数据库中还没有案件")
    # While a range is being picked the widget holds only its first day.
    start, end = (picked[0], picked[-1]) if picked else default_range(last, days)
    filters = Filters(start=start, end=end)
    st.session_state[_STATE_KEY] = filters
    return filters


def current_filters() -> Filters:
    """The sidebar's choice in this run (the entrypoint draws the sidebar before the page runs)."""
    try:
        return st.session_state[_STATE_KEY]
    except KeyError:
        raise RuntimeError("no sidebar filters yet: run the app through streamlit_app.py") from None

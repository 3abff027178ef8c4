"""A ``ViewState`` made concrete against the data: the report days of its period, the area it is drilled into
(checked against the grids valid then) and what the map draws for it, and the case filters every query takes.

``resolve`` asks for what it needs through a runner (``views.calls``), so a page, the wall screen and a report
resolving the same state on the same database and day get the same ``Scope``, and the same query calls.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

import queries

from .access import EVERYTHING, Access
from .calls import QueryCall, Runner
from .drill import Area, MapLevel, map_level, normalise_area, parent_chain
from .periods import DEFAULT_PRESET, anchor_day, preset_range
from .state import ViewState


@dataclass(frozen=True)
class Scope:
    """``state`` on the data: report days ``start`` … ``end`` (both inclusive) counted back from ``anchor``
    (the day the presets start from: today, or the last report day when the data end before it); ``area``
    (``None`` = everything) at level ``area_depth`` with its path ``chain`` from the top; the map draws the
    grids at ``map_depth`` under ``map_parent``. ``area_reset``: the state named an area that did not exist
    at the end of the period, so everything is shown instead. ``access``: what the reader may see (their area
    is then the top of the tree, and everything means all of it); ``area_denied``: the state named an area
    outside it, so the reader's own area is shown instead."""

    state: ViewState
    today: dt.date
    anchor: dt.date
    start: dt.date
    end: dt.date
    area: str | None
    area_depth: int | None
    chain: tuple[Area, ...]
    map_depth: int
    map_parent: str | None
    area_reset: bool = False
    access: Access = field(default=EVERYTHING, compare=False)
    area_denied: bool = False

    @property
    def at(self) -> dt.datetime:
        """The last moment of the period: grids are drawn as they were then."""
        return dt.datetime.combine(self.end, dt.time.max)

    @property
    def lang(self) -> str:
        return self.state.lang

    def as_of(self, now: dt.datetime) -> dt.datetime:
        """When clock-dependent figures (overdue) are judged: the period's end, or ``now`` if that is earlier."""
        return min(self.at, now)

    def case_filters(self, *, dates: bool = True, area: bool = True) -> dict[str, Any]:
        """Keyword filters for the case queries (``queries.case_filters``), those in use only.

        ``dates=False`` for states at a moment (e.g. overdue now); ``area=False`` where the area is given
        another way (the map's ``parent``).
        """
        kwargs: dict[str, Any] = {"start": self.start, "end": self.end} if dates else {}
        kwargs.update(self.state.filters)
        if self.state.count_by != "report":  # left out when it is the default: the same call, the same cache entry
            kwargs["count_by"] = self.state.count_by
        if area and self.area is not None:
            kwargs["area"] = self.area
            if self.area_depth is not None:
                kwargs["area_depth"] = self.area_depth
        return kwargs


def period(state: ViewState, *, today: dt.date, last_data_day: dt.date | None, days: int) -> tuple[dt.date, ...]:
    """``(anchor, start, end)`` of ``state``'s period: a preset counted back from the anchor, or the custom
    range (the default preset's while no range is chosen). ``days``: ``settings.default_range_days``."""
    anchor = anchor_day(today, last_data_day)
    if state.preset == "custom":
        if state.start is not None and state.end is not None:
            return anchor, state.start, state.end
        return (anchor, *preset_range(DEFAULT_PRESET, anchor, days=days))
    return (anchor, *preset_range(state.preset, anchor, days=days))


def last_report_day(extent: pd.DataFrame) -> dt.date | None:
    """The last report day of a ``data_end`` or ``data_extent`` frame (None when there are no cases)."""
    last = extent.iloc[0]["last"]
    return None if pd.isna(last) else pd.Timestamp(last).date()


def resolve(
    state: ViewState,
    run: Runner,
    *,
    today: dt.date,
    days: int,
    overview_depth: int,
    access: Access = EVERYTHING,
) -> Scope:
    """The ``Scope`` of ``state`` on the database ``run`` reads, on ``today`` (in the data's time zone), for a
    reader with ``access`` (``views.access``: every call is confined to their area, an area outside it falls
    back to theirs, layers showing single cases are dropped unless they may see them). ``days``:
    ``settings.default_range_days``; ``overview_depth``: the level drawn when there are no grids to drill
    (``settings.overview_map_depth``)."""
    run = access.runner(run)
    denied = state.area is not None and not access.allows(state.area)
    state = dataclasses.replace(state, layers=access.layers(state.layers), area=None if denied else state.area)
    last = last_report_day(run(QueryCall.of(queries.data_end)))  # the data's end, whatever area is shown
    anchor, start, end = period(state, today=today, last_data_day=last, days=days)
    at = dt.datetime.combine(end, dt.time.max)
    tree = run(QueryCall.of(queries.area_tree, at=at))
    area = normalise_area(tree, state.area)
    chain = tuple(parent_chain(tree, area))
    level = map_level(tree, area) or MapLevel(depth=overview_depth, parent=None)
    return Scope(
        state=state,
        today=today,
        anchor=anchor,
        start=start,
        end=end,
        area=area,
        area_depth=chain[-1].depth if area is not None and chain else None,
        chain=chain,
        map_depth=level.depth,
        map_parent=level.parent,
        area_reset=state.area is not None and not (tree["code"] == state.area).any(),
        access=access,
        area_denied=denied,
    )

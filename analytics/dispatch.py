"""What every dispatch (调度) table is computed from: the options a city set, the period, and the query requests.

The dispatch tables (the department board, the red/black list, the warnings) are compositions of query frames.
Whoever shows one (the page through its cache, a report, ``python -m analytics``) runs the same *requests*
(a query's name in ``queries.QUERIES`` and its keyword arguments, made here) and passes the frames to the same
function of ``analytics``, so the page and the command line give the same rows. Nothing here reads a database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from core.measures import REGISTRY, rework_rate_measure
from core.workcal import WorkCalendar
from core.workflow import warn_fraction
from settings import Settings

#: A query to run: its name in ``queries.QUERIES`` and keyword arguments.
Request = tuple[str, dict[str, Any]]
#: Something that runs a request and returns its frame: the dashboard's cache, or a cursor (the command line).
Run = Callable[[str, dict[str, Any]], pd.DataFrame]
#: The "due" cohorts a city may choose (``settings.due_cohort``): see ``queries.filters.COHORTS``.
COHORTS: tuple[str, ...] = ("reported", "deadline")


@dataclass(frozen=True)
class DispatchOptions:
    """The choices a city makes (``settings``): which cases are due in a period (``due_cohort``), which rework
    rate (``rework_measure``), the warning shares of the step limits, the red/black list's weights, minimum
    cases and list size, and the work periods of the working calendar."""

    due_cohort: str = "reported"
    rework_measure: str = "rework_rate"
    warn: float = 0.8
    step_warn: Mapping[str, float] = field(default_factory=dict)
    weights: Mapping[str, float] = field(default_factory=dict)
    min_cases: int = 20
    list_size: int = 5
    work_periods: tuple[tuple[int, int], ...] = ((480, 720), (840, 1080))

    def __post_init__(self) -> None:
        if self.due_cohort not in COHORTS:
            raise ValueError(f"due_cohort must be one of {list(COHORTS)}, got {self.due_cohort!r}")
        for key in ("handle", *self.step_warn):
            warn_fraction(key, self.warn, self.step_warn)  # checks the steps and the shares
        for name, weight in self.weights.items():
            if name not in REGISTRY or REGISTRY[name].kind != "rate":
                rates = sorted(n for n, m in REGISTRY.items() if m.kind == "rate")
                raise ValueError(f"ranking weight {name!r} is not a rate; rates: {rates}")
            if not weight > 0:
                raise ValueError(f"ranking weight of {name!r} must be positive, got {weight!r}")
        if self.min_cases < 1 or self.list_size < 1:
            raise ValueError(
                f"ranking_min_cases and ranking_list_size must be at least 1, got {self.min_cases}, {self.list_size}"
            )

    @classmethod
    def from_settings(cls, settings: Settings) -> DispatchOptions:
        """The options of ``settings``; "rework_rate" among the weights means the rate of its denominator."""
        rework = rework_rate_measure(settings.rework_denominator)
        weights = {rework if name == "rework_rate" else name: float(w) for name, w in settings.ranking_weights.items()}
        return cls(
            due_cohort=settings.due_cohort,
            rework_measure=rework,
            warn=settings.warn_fraction,
            step_warn=dict(settings.step_warn_fractions),
            weights=weights,
            min_cases=settings.ranking_min_cases,
            list_size=settings.ranking_list_size,
            work_periods=tuple(tuple(p) for p in settings.work_periods),  # type: ignore[misc]
        )

    def calendar(self, days: pd.DataFrame) -> WorkCalendar:
        """The working calendar of ``days`` (a ``work_calendar_days`` frame) with these work periods: built once
        per distinct calendar (its arrays span every representable day: ~0.1 s)."""
        missing = [c for c in ("day", "is_workday") if c not in days.columns]
        if missing:
            return WorkCalendar.from_frame(days, self.work_periods)  # names the columns it lacks
        key = (
            pd.util.hash_pandas_object(days[["day", "is_workday"]], index=False).sum(),
            len(days),
            self.work_periods,
        )
        return _calendar(key, days, self.work_periods)


@dataclass(frozen=True)
class Period:
    """Report days ``start`` … ``end`` (both inclusive) seen at ``now``, with the case ``filters`` in use (list
    filters, ``area``/``area_depth``; no dates)."""

    start: dt.date
    end: dt.date
    now: dt.datetime
    filters: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"the period starts ({self.start}) after it ends ({self.end})")
        dated = sorted({"start", "end", "cohort"} & set(self.filters))
        if dated:
            raise ValueError(f"period filters may not hold {dated}: the period gives the dates")

    @property
    def at(self) -> dt.datetime:
        """The last moment of the period."""
        return dt.datetime.combine(self.end, dt.time.max)

    @property
    def as_of(self) -> dt.datetime:
        """When figures of a moment are judged for the period: its last moment, or ``now`` if that is earlier."""
        return min(self.at, self.now)

    def previous(self) -> Period:
        """The period of the same length just before this one (for the rank change)."""
        days = (self.end - self.start).days + 1
        end = self.start - dt.timedelta(days=1)
        return dataclasses.replace(self, start=end - dt.timedelta(days=days - 1), end=end)

    def dates(self, cohort: str = "reported") -> dict[str, Any]:
        """The period as filters: its days, selecting cases by ``cohort`` ("reported": report day)."""
        dated: dict[str, Any] = {"start": self.start, "end": self.end}
        return dated if cohort == "reported" else {**dated, "cohort": cohort}

    def without(self, *names: str) -> dict[str, Any]:
        """The filters but ``names``."""
        return {name: value for name, value in self.filters.items() if name not in names}


def fetch(run: Run, requests: Mapping[str, Request]) -> dict[str, pd.DataFrame]:
    """The frame of every request, by its key."""
    return {key: run(name, kwargs) for key, (name, kwargs) in requests.items()}


def light_options(options: DispatchOptions, now: dt.datetime) -> dict[str, Any]:
    """What the light queries (``queries.light_counts``, ``queries.light_cases``) take besides the filters: the
    moment, the work periods and the warning shares."""
    return {
        "as_of": now,
        "work_periods": options.work_periods,
        "warn": options.warn,
        "step_warn": tuple(sorted(options.step_warn.items())),
    }


def light_count_request(period: Period, options: DispatchOptions) -> Request:
    """The open cases matching the period's filters (whenever reported) counted per department, step, step light
    and handling light at ``period.now`` (``queries.light_counts``)."""
    return ("light_counts", {**light_options(options, period.now), **period.filters})


def light_case_request(
    period: Period, options: DispatchOptions, *, pick: str, dept_code: str | None = None, limit: int | None = None
) -> Request:
    """The first ``limit`` open cases of ``pick`` (``queries.lights.PICKS``) matching the period's filters, of
    department ``dept_code`` when given, with their lights at ``period.now`` and the count of all
    (``queries.light_cases``)."""
    chosen = {"dept_code": dept_code} if dept_code is not None else {}
    return (
        "light_cases",
        {**light_options(options, period.now), **period.filters, "pick": pick, "limit": limit, **chosen},
    )


def rounded(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with every column that is a measure (``core.measures``) rounded to the registry's decimals, as
    exports write it (counts as whole numbers; undefined values stay empty)."""
    out = table.copy()
    for column in out.columns:
        m = REGISTRY.get(column)
        if m is None or not pd.api.types.is_numeric_dtype(out[column]):
            continue
        out[column] = (
            out[column].round(m.decimals).astype("Int64") if m.kind == "count" else out[column].round(m.decimals)
        )
    return out


_CALENDARS: dict[tuple, WorkCalendar] = {}


def _calendar(key: tuple, days: pd.DataFrame, periods: tuple[tuple[int, int], ...]) -> WorkCalendar:
    """The calendar of ``days`` under ``key`` (a hash of its rows): the last few kept, as the calendar table
    changes only with a load."""
    if key not in _CALENDARS:
        if len(_CALENDARS) >= 4:
            _CALENDARS.pop(next(iter(_CALENDARS)))
        _CALENDARS[key] = WorkCalendar.from_frame(days, periods)
    return _CALENDARS[key]

"""The WHERE clause every case query shares, built from keyword filters (a pure function, tested by a table).

Case queries read ``cases`` under the alias ``c`` and add ``WHERE {sql}``. Values are always bound
parameters (named ``$f_*`` so they cannot collide with a query's own); no filter value reaches the SQL text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from core.catalog import DUPLICATE_SQL, GRID_LEVEL_COLUMNS, grid_level_column
from core.measures import COUNT_UNITS

#: Filter name → the ``cases`` expression a list of values is matched against.
_LIST_FILTERS: dict[str, str] = {
    "channel": "c.channel",
    "category_major": "left(c.category_code, 2)",
    "category": "c.category_code",
    "status": "c.status",
    "dept": "c.dept_code",
}

#: Every filter ``case_filters`` accepts.
FILTER_NAMES: tuple[str, ...] = ("start", "end", *_LIST_FILTERS, "area", "area_depth", "count_by", "cohort")
#: What ``start``/``end`` select (``cohort``): cases reported on those days, or cases whose handling deadline falls
#: on them (the "due" cohort a city may choose: ``settings.due_cohort``).
COHORTS: dict[str, str] = {"reported": "c.reported_at", "deadline": "c.handle_deadline"}
#: Filter → the columns it reads (besides the report time), for choosing a rollup (``source.py``).
FILTER_COLUMNS: dict[str, tuple[str, ...]] = {
    "channel": ("channel",),
    "category_major": ("category_code",),
    "category": ("category_code",),
    "status": ("status",),
    "dept": ("dept_code",),
}


def _values(name: str, value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return list(value)
    raise TypeError(f"filter {name!r} takes a string or a sequence of strings, got {value!r}")


def _day_start(name: str, day: dt.date) -> dt.datetime:
    if not isinstance(day, dt.date):
        raise TypeError(f"filter {name!r} takes a datetime.date, got {day!r}")
    return dt.datetime.combine(day, dt.time())


def _area_depth(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"filter 'area_depth' takes an int, got {value!r}")
    grid_level_column(value)  # checks the range
    return value


def area_columns(**filters: Any) -> tuple[str, ...]:
    """The grid-level columns the ``area`` filter reads: the one of ``area_depth`` when given, else all."""
    if not filters.get("area"):
        return ()
    depth = _area_depth(filters.get("area_depth"))
    return tuple(GRID_LEVEL_COLUMNS.values()) if depth is None else (grid_level_column(depth),)


def _count_by(value: object) -> str:
    if value is None:
        return "report"
    if value not in COUNT_UNITS:
        raise ValueError(f"filter 'count_by' must be one of {list(COUNT_UNITS)}, got {value!r}")
    return str(value)


def by_incident(**filters: Any) -> bool:
    """Whether ``filters`` count each incident once (``count_by="incident"``)."""
    return _count_by(filters.get("count_by")) == "incident"


def _cohort(value: object) -> str:
    if value is None:
        return "reported"
    if value not in COHORTS:
        raise ValueError(f"filter 'cohort' must be one of {list(COHORTS)}, got {value!r}")
    return str(value)


def filter_columns(**filters: Any) -> set[str]:
    """Every column the ``filters`` in use read, the report time left out (``duplicate`` when counting by
    incident: a rollup dimension, ``DUPLICATE_SQL`` on ``cases``)."""
    used = {column for name, columns in FILTER_COLUMNS.items() if filters.get(name) for column in columns}
    used |= {"duplicate"} if by_incident(**filters) else set()
    dated = filters.get("start") is not None or filters.get("end") is not None
    if dated and _cohort(filters.get("cohort")) == "deadline":
        used.add("handle_deadline")  # no rollup has it: such counts read ``cases``
    return used | set(area_columns(**filters))


def case_filters(
    *, day_column: str | None = None, duplicate_column: str | None = None, **filters: Any
) -> tuple[str, dict[str, Any]]:
    """``(sql, params)`` restricting ``cases c`` to the filters given; ``("TRUE", {})`` for none.

    ``start``/``end``: report days, both inclusive. ``channel``, ``category_major`` (2-digit GB/T major),
    ``category`` (5-digit GB/T class), ``status``, ``dept`` (department code), ``area`` (a grid code at any
    level): one value or several, any of which may match; different filters must all match. ``None`` or an
    empty sequence leaves a filter out, as an empty multiselect means "all". ``area_depth``: the level of the
    ``area`` codes, when known (only that level's column is then tested: ~2× faster than testing every level).

    ``count_by``: ``"report"`` (the default: every report) or ``"incident"`` (an incident of several reports
    once, by its lead report: its further reports, ``core.catalog.INCIDENT_TABLE``, are left out).

    ``day_column``: a DATE column of report days to test ``start``/``end`` on (a rollup's ``c.day``) instead
    of ``c.reported_at``; ``duplicate_column``: a column saying a row is a further report (a rollup's
    ``c.duplicate``), instead of looking ``c.case_uid`` up in the incidents. ``cohort``: "reported" (default)
    tests ``start``/``end`` on the report time, "deadline" on the handling deadline (``COHORTS``; ``day_column``
    does not apply to it).
    """
    unknown = sorted(set(filters) - set(FILTER_NAMES))
    if unknown:
        raise ValueError(f"unknown case filters {unknown}; valid filters: {list(FILTER_NAMES)}")
    clauses: list[str] = []
    params: dict[str, Any] = {}
    cohort = _cohort(filters.get("cohort"))
    if cohort != "reported":
        day_column = None
    column = day_column or COHORTS[cohort]
    if filters.get("start") is not None:
        start = _day_start("start", filters["start"])
        clauses.append(f"{column} >= $f_start")
        params["f_start"] = start.date() if day_column else start
    if filters.get("end") is not None:
        after = _day_start("end", filters["end"]) + dt.timedelta(days=1)
        clauses.append(f"{column} < $f_end")
        params["f_end"] = after.date() if day_column else after
    for name, expression in _LIST_FILTERS.items():
        if filters.get(name) is None:
            continue
        values = _values(name, filters[name])
        if values:
            clauses.append(f"list_contains($f_{name}, {expression})")
            params[f"f_{name}"] = values
    depth = _area_depth(filters.get("area_depth"))
    if filters.get("area") is not None:
        values = _values("area", filters["area"])
        if values:
            # one test per level column: building a five-element list per row (list_has_any) is 2× slower
            columns = area_columns(area=values, area_depth=depth)
            levels = " OR ".join(f"list_contains($f_area, c.{column})" for column in columns)
            clauses.append(f"({levels})")
            params["f_area"] = values
    if by_incident(**filters):
        clauses.append(f"NOT {duplicate_column}" if duplicate_column else f"NOT ({DUPLICATE_SQL})")
    return (" AND ".join(clauses) or "TRUE"), params

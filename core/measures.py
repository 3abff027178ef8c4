"""The measures: one registry of every figure OneMap counts or rates, and how each is computed, read and shown.

Queries take their SQL from here, legends and tables their labels (``label_key`` in ``views.i18n``) and number
formats (``kind``, ``decimals``), rankings their direction (``higher_is_better``). A rule is written once:

* **counts over cases** (``fold``: an aggregate over ``cases`` aliased ``c``). None depends on the current state,
  so the ETL's daily rollups (``core.catalog``) hold each of them per state and sum them at read time;
* **state folds**: a count summed over some current states only (closed, awaiting closure, closed on time),
  folded after grouping by state, so the same SQL reads ``cases`` or a rollup;
* **clock counts** (pending, overdue): states at a moment (``as_of``), counted from the pending cases, never
  rolled up;
* **dispatches** (``source`` "dispatch"): counts over the dispatches of cases (table ``case_dispatch``, one row
  per dispatch to a department, aliased ``d``), and the median time a department held a case;
* **whistles** (``source`` "whistle"): counts over the departments summoned by whistles (社区吹哨、部门报到: a
  response row ``r`` joined to its whistle ``w``);
* **ratios**: a sum of counts over a sum of counts (or an area attribute), NULL when the denominator is 0.

Definitions (domain guide, applied everywhere): a case is *in* a period when it was reported in it; *closed* =
current state in ``CLOSED_STATES``; *awaiting closure* = current state open; *closed on time* = closed, and
handled no later than the handling deadline; *overdue* = pending (open, not handled) and past the handling
deadline at ``as_of``; *satisfied* = a follow-up answer in ``SATISFIED``; *due* (to be handled) = every case of
the period's cohort but those rejected or voided (``NOT_DUE_STATES``): the cohort is the cases reported in the
period, or those whose handling deadline falls in it (``settings.due_cohort``, ``queries.filters``); *handled on
time* = handled no later than the handling deadline; *accurately dispatched* = dispatched, and neither returned
nor reworked; *extended* = granted an extension (延期).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from .states import CLOSED_STATES, NOT_DUE_STATES, SATISFIED

#: count: a whole number; rate: a fraction (shown as a percentage); density: per unit of area or population;
#: value: any other number (a median in hours, a mean score, a composite score).
Kind = Literal["count", "rate", "density", "value"]
Source = Literal["cases", "states", "clock", "ratio", "dispatch", "whistle", "ranking"]


@dataclass(frozen=True)
class Measure:
    """One figure. ``fold``: for ``cases`` the aggregate over ``c``; for ``states`` the condition over the
    state row ``s`` and the grouped row ``b`` that selects what is summed of ``base``; unused otherwise.
    ``numerator``/``denominator``: for ratios, the counts (or area attributes) summed above and below the line,
    times ``scale``. ``decimals``: places kept in exports (rates as fractions)."""

    name: str
    kind: Kind
    source: Source
    higher_is_better: bool | None
    decimals: int
    fold: str = ""
    base: str = ""
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    scale: float = 1.0
    params: tuple[str, ...] = field(default=())

    @property
    def label_key(self) -> str:
        """Its name's key in the label table (``views.i18n``)."""
        return f"measure.{self.name}"


def _count(name: str, fold: str, *, better: bool | None = None, params: tuple[str, ...] = ()) -> Measure:
    return Measure(name, "count", "cases", better, 0, fold=fold, params=params)


_CLOSED = "list_contains($closed_states, b.status)"

REGISTRY: dict[str, Measure] = {
    m.name: m
    for m in (
        # counts over cases: what the rollups hold per state
        _count("cases", "count(*)"),
        _count("handled", "count(c.handled_at)", better=True),
        _count("handled_on_time", "count(*) FILTER (WHERE c.handled_at <= c.handle_deadline)", better=True),
        _count("overdue_flagged", "count(*) FILTER (WHERE c.is_overdue)", better=False),
        _count("urgent", "count(*) FILTER (WHERE c.is_urgent)"),
        _count("returned", "count(*) FILTER (WHERE c.return_count > 0)", better=False),
        _count("reworked", "count(*) FILTER (WHERE c.rework_count > 0)", better=False),
        _count("followups", "count(c.satisfaction)"),
        _count(
            "satisfied",
            "count(*) FILTER (WHERE list_contains($satisfied, c.satisfaction))",
            better=True,
            params=("satisfied",),
        ),
        _count("located", "count(*) FILTER (WHERE c.lon IS NOT NULL AND c.lat IS NOT NULL)"),
        # 12345 calls whose request nature is a complaint (投诉): a sentiment figure of the area panel
        _count("complaints", "count(*) FILTER (WHERE c.request_nature = '投诉')", better=False),
        # counts folded over the current states
        Measure("closed", "count", "states", True, 0, fold=_CLOSED, base="cases", params=("closed_states",)),
        Measure("awaiting_closure", "count", "states", False, 0, fold="s.is_open", base="cases"),
        Measure(
            "closed_on_time",
            "count",
            "states",
            True,
            0,
            fold=_CLOSED,
            base="handled_on_time",
            params=("closed_states",),
        ),
        # states at a moment
        Measure("pending", "count", "clock", False, 0),
        Measure("overdue", "count", "clock", False, 0),
        # ratios
        Measure(
            "closure_rate", "rate", "ratio", True, 4, numerator=("closed",), denominator=("closed", "awaiting_closure")
        ),
        Measure(
            "on_time_closure_rate",
            "rate",
            "ratio",
            True,
            4,
            numerator=("closed_on_time",),
            denominator=("closed", "awaiting_closure"),
        ),
        Measure("satisfaction_rate", "rate", "ratio", True, 4, numerator=("satisfied",), denominator=("followups",)),
        Measure("per_1000", "density", "ratio", None, 2, numerator=("cases",), denominator=("population",), scale=1000),
        Measure("per_km2", "density", "ratio", None, 2, numerator=("cases",), denominator=("area_km2",)),
        # dispatch (调度): counts over cases
        _count("dispatched", "count(c.dispatched_at)"),
        _count(
            "dispatched_accurately",
            "count(*) FILTER (WHERE c.dispatched_at IS NOT NULL AND c.return_count = 0 AND c.rework_count = 0)",
            better=True,
        ),
        _count("extended", "count(*) FILTER (WHERE c.extension_hours > 0)", better=False),
        # … folded over the current states: due to be handled
        Measure(
            "due",
            "count",
            "states",
            None,
            0,
            fold="NOT list_contains($not_due_states, b.status)",
            base="cases",
            params=("not_due_states",),
        ),
        # … at a moment (the open cases' lights at ``as_of``: ``analytics.sla``)
        Measure("due_soon", "count", "clock", False, 0),
        Measure("urgent_pending", "count", "clock", False, 0),
        Measure("supervised_pending", "count", "clock", False, 0),
        Measure("handled_today", "count", "clock", True, 0),
        # … over the dispatches (case_dispatch d)
        Measure("dispatches", "count", "dispatch", None, 0, fold="count(*)"),
        Measure("returns", "count", "dispatch", False, 0, fold="count(*) FILTER (WHERE d.returned)"),
        Measure(
            "median_hours_in_dept",
            "value",
            "dispatch",
            False,
            1,
            fold="median(d.minutes) / 60.0",  # whole minutes: half the time of a median of doubles at 10M
        ),
        # … over the departments whistles summoned (whistle_response r, whistle w)
        Measure("summons", "count", "whistle", None, 0, fold="count(r.dept_code)"),
        Measure(
            "arrived_on_time",
            "count",
            "whistle",
            True,
            0,
            fold="count(*) FILTER (WHERE r.arrived_at <= w.blown_at + to_minutes(CAST(w.required_minutes AS BIGINT)))",
        ),
        Measure("whistles", "count", "whistle", None, 0, fold="count(DISTINCT w.whistle_id)"),
        Measure(
            "whistles_resolved",
            "count",
            "whistle",
            True,
            0,
            fold="count(DISTINCT w.whistle_id) FILTER (WHERE w.resolved_at IS NOT NULL)",
        ),
        Measure("score_sum", "value", "whistle", None, 1, fold="sum(r.score)"),
        Measure("scored", "count", "whistle", None, 0, fold="count(r.score)"),
        # … ratios of them
        Measure("handling_rate", "rate", "ratio", True, 4, numerator=("handled",), denominator=("due",)),
        Measure(
            "on_time_handling_rate", "rate", "ratio", True, 4, numerator=("handled_on_time",), denominator=("due",)
        ),
        Measure("overdue_pending_rate", "rate", "ratio", False, 4, numerator=("overdue",), denominator=("due",)),
        Measure(
            "rework_rate",
            "rate",
            "ratio",
            False,
            4,
            numerator=("reworked",),
            denominator=("closed", "awaiting_closure"),
        ),
        Measure("rework_rate_handled", "rate", "ratio", False, 4, numerator=("reworked",), denominator=("handled",)),
        Measure("extension_rate", "rate", "ratio", False, 4, numerator=("extended",), denominator=("due",)),
        Measure(
            "accurate_dispatch_rate",
            "rate",
            "ratio",
            True,
            4,
            numerator=("dispatched_accurately",),
            denominator=("dispatched",),
        ),
        Measure("return_rate", "rate", "ratio", False, 4, numerator=("returns",), denominator=("dispatches",)),
        Measure("arrival_rate", "rate", "ratio", True, 4, numerator=("arrived_on_time",), denominator=("summons",)),
        Measure(
            "whistle_resolution_rate",
            "rate",
            "ratio",
            True,
            4,
            numerator=("whistles_resolved",),
            denominator=("whistles",),
        ),
        Measure("whistle_score", "value", "ratio", True, 1, numerator=("score_sum",), denominator=("scored",)),
        # the red/black list's composite (analytics.ranking)
        Measure("score", "value", "ranking", True, 1),
    )
}

#: Counts over cases, by name: the aggregate of each (the rollups hold every one of them).
CASE_COUNTS: dict[str, str] = {m.name: m.fold for m in REGISTRY.values() if m.source == "cases"}
#: Values of the constants the folds bind (``$closed_states``, ``$satisfied``, ``$not_due_states``).
CONSTANTS: dict[str, list[str]] = {
    "closed_states": list(CLOSED_STATES),
    "satisfied": list(SATISFIED),
    "not_due_states": list(NOT_DUE_STATES),
}
#: The measures an area can be shaded by on the map, in the order offered.
AREA_MEASURES: tuple[str, ...] = (
    "cases",
    "per_1000",
    "per_km2",
    "closure_rate",
    "on_time_closure_rate",
    "overdue",
    "satisfaction_rate",
)
#: The figures given per area (``queries.area_measures``, the area table's export): every measure a map can shade
#: areas by, and the closed count.
AREA_FIGURES: tuple[str, ...] = (
    "cases",
    "per_1000",
    "per_km2",
    "closed",
    "closure_rate",
    "on_time_closure_rate",
    "overdue",
    "satisfaction_rate",
)
#: What counts and rates count (the ``count_by`` filter): every report, or every incident once by its first report
#: (its further reports, ``core.catalog.INCIDENT_TABLE``, left out). The first is the default.
COUNT_UNITS: tuple[str, ...] = ("report", "incident")
#: Attributes of an area that ratios may divide by (columns of ``grid``).
AREA_ATTRIBUTES: tuple[str, ...] = ("population", "area_km2")


def measure(name: str) -> Measure:
    """The measure called ``name``; a ValueError listing the valid names otherwise."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown measure {name!r}; valid measures: {sorted(REGISTRY)}") from None


def counts_of(names: Iterable[str]) -> tuple[str, ...]:
    """The counts ``names`` need, in order, without repeats: a count itself, a ratio's numerator and denominator
    counts (area attributes left out)."""
    needed: list[str] = []
    for name in names:
        m = measure(name)
        parts = (*m.numerator, *m.denominator) if m.source == "ratio" else (name,)
        needed += [part for part in parts if part not in AREA_ATTRIBUTES]
    return tuple(dict.fromkeys(needed))


def ratio_sql(name: str, column: Callable[[str], str]) -> str:
    """SQL of ratio ``name`` over the columns ``column(part)`` names (counts coalesced to 0, NULL when the
    denominator is 0)."""
    m = measure(name)
    if m.source != "ratio":
        raise ValueError(f"{name!r} is a {m.source} measure, not a ratio")

    def total(parts: tuple[str, ...]) -> str:
        return " + ".join(column(p) if p in AREA_ATTRIBUTES else f"coalesce({column(p)}, 0)" for p in parts)

    scale = f" * {m.scale!r}" if m.scale != 1 else ""
    return f"CAST({total(m.numerator)} AS DOUBLE){scale} / nullif({total(m.denominator)}, 0)"


def select_sql(names: Iterable[str], column: Callable[[str], str]) -> str:
    """``expr AS name, …`` for ``names``: counts as their (coalesced) columns, ratios by ``ratio_sql``."""
    parts = []
    for name in names:
        m = measure(name)
        expr = ratio_sql(name, column) if m.source == "ratio" else f"coalesce({column(name)}, 0)"
        parts.append(f"{expr} AS {name}")
    return ", ".join(parts)


#: The denominators of the rework rate a city may choose (``settings.rework_denominator``) and the measure of each.
REWORK_MEASURES: dict[str, str] = {"due_to_close": "rework_rate", "handled": "rework_rate_handled"}


def rework_rate_measure(denominator: str) -> str:
    """The rework-rate measure dividing by ``denominator`` ("due_to_close": closed + awaiting closure, the domain's
    default; "handled"); a ValueError naming the choices otherwise."""
    try:
        return REWORK_MEASURES[denominator]
    except KeyError:
        raise ValueError(f"rework_denominator must be one of {list(REWORK_MEASURES)}, got {denominator!r}") from None


def ratio_of(counts: pd.DataFrame, name: str) -> pd.Series:
    """Ratio ``name`` of every row of ``counts`` (a frame with its numerator and denominator columns): the
    pandas twin of ``ratio_sql`` for figures combined in Python (counts missing or NA count 0; NaN when the
    denominator is 0)."""
    m = measure(name)
    if m.source != "ratio":
        raise ValueError(f"{name!r} is a {m.source} measure, not a ratio")
    missing = [part for part in (*m.numerator, *m.denominator) if part not in counts.columns]
    if missing:
        raise ValueError(f"ratio {name!r} needs columns {missing}; the frame has {list(counts.columns)}")

    def total(parts: tuple[str, ...]) -> pd.Series:
        return sum((pd.to_numeric(counts[p], errors="coerce").fillna(0).astype(float) for p in parts), start=0.0)

    denominator = total(m.denominator)
    return (total(m.numerator) * m.scale / denominator.where(denominator != 0)).astype(float)

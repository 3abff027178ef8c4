"""What one reader may see: the one rule that confines every query call to the reader's area and role.

``Access`` is a signed-in user as the views see them: their permissions (``core.access``) and the area they are
bound to, with every grid code under it. Every ``QueryCall`` a page, the wall screen, a report or an export runs
goes through ``Access.confine`` (``Access.runner`` wraps any runner; ``resolve`` wraps the one it is given and
the dashboard's cache confines each call it runs):

* a case query (one taking ``case_filters``) without an area gets the user's area; with an area outside it, it
  is refused (``AccessDeniedError``): a URL, a filter, a drill-down, an export and a cached query all end here;
* queries of places take ``within``: only the bound area and the grids under it exist for the user (the tree,
  the outlines, the level counts, the map's areas), so the user's area is the top of their world;
* cameras and facilities take ``area`` like the case queries;
* single cases (map points, deadline alerts) need ``case_details``, the export query ``export``: a role without
  them is refused, and ``layers`` drops the map layers that would show them.

``CONFINEMENT`` names how each query of ``queries.QUERIES`` is confined; a query missing there is refused, so a
new query cannot reach a page before someone decides what it may show (a test checks the table is complete).
Readers that run on the server without a user (a command line, a report an operator runs with the database
file in hand) use ``Access.everything()``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import queries
from core.access import PERMISSIONS, Principal

from .calls import QueryCall, Runner
from .state import LAYERS

#: How each query is confined: ``cases`` (its ``area`` case filter), ``area`` (an ``area`` parameter of places),
#: ``within`` (grids at or under an area), ``code`` (the one grid it reads, which must be the reader's or under it),
#: or ``free`` (no data about places or cases: dictionaries).
CONFINEMENT: dict[str, frozenset[str]] = {
    "area_category_days": frozenset({"cases"}),
    "area_category_weeks": frozenset({"cases"}),
    "area_figures": frozenset({"cases"}),
    "area_land": frozenset({"area"}),
    "area_land_use": frozenset({"area"}),
    "area_measures": frozenset({"cases", "within"}),
    "area_neighbours": frozenset({"within"}),
    "area_organisations": frozenset({"cases"}),
    "area_people": frozenset({"area"}),
    "area_period_counts": frozenset({"cases"}),
    "area_sentiment": frozenset({"cases"}),
    "area_things": frozenset({"cases"}),
    "area_tree": frozenset({"within"}),
    "area_week_counts": frozenset({"cases"}),
    "areas_within": frozenset({"area"}),
    "bounced_cases": frozenset({"cases"}),
    "camera_alarm_cases": frozenset({"cases"}),
    "camera_daily": frozenset({"cases"}),
    "camera_event_scenes": frozenset({"cases"}),
    "camera_funnel": frozenset({"cases"}),
    "camera_rates": frozenset({"cases"}),
    "cameras": frozenset({"area"}),
    "case_count": frozenset({"cases"}),
    "case_detail": frozenset({"cases"}),
    # the warnings: case ids and points, no text or contact. Not in NEEDS, as open_case_rows (the rows they were
    # computed from before) is not: the wall screen shows their counts and latest lines (rule, class, time)
    "case_warnings": frozenset({"cases"}),
    "case_export": frozenset({"cases"}),
    "case_points": frozenset({"cases"}),
    "case_timeline": frozenset({"cases"}),
    "cases_by_channel": frozenset({"cases"}),
    "cases_by_level": frozenset({"cases", "within"}),
    "cases_by_status": frozenset({"cases"}),
    "category_coverage": frozenset({"cases"}),
    "category_names": frozenset({"free"}),
    "channel_names": frozenset({"free"}),
    "chronic_places": frozenset({"cases"}),
    "daily_counts": frozenset({"cases"}),
    "data_end": frozenset({"free"}),  # the day the data reach: the presets' anchor, the same for every reader
    "data_extent": frozenset({"cases"}),
    "data_version": frozenset({"free"}),  # the last load and the latest report: when the data were last refreshed
    "dataset_facts": frozenset({"free"}),  # whether the database is the demo
    "deadline_alerts": frozenset({"cases"}),
    "deliberation_items": frozenset({"cases"}),
    "deliberation_summary": frozenset({"cases"}),
    "department_names": frozenset({"free"}),
    "departments": frozenset({"free"}),
    "dispatch_counts": frozenset({"cases"}),
    "disputed_categories": frozenset({"cases"}),
    "facilities": frozenset({"area"}),
    "false_positive_outliers": frozenset({"cases"}),
    "find_cases": frozenset({"cases"}),
    "grid_basic": frozenset({"code"}),
    "grid_level_counts": frozenset({"within"}),
    "grid_polygons": frozenset({"within"}),
    "grid_workers_of": frozenset({"cases"}),
    "handled_on_day": frozenset({"cases"}),
    "handoff_chains": frozenset({"cases"}),
    "handoff_flows": frozenset({"cases"}),
    "handoff_summary": frozenset({"cases"}),
    "heat_cells": frozenset({"cases"}),
    "hex_bins": frozenset({"cases"}),
    "hour_weekday": frozenset({"cases"}),
    "incident_list": frozenset({"cases"}),
    "incident_reports": frozenset({"cases"}),
    "incident_summary": frozenset({"cases"}),
    "iot_devices": frozenset({"cases"}),
    "iot_kpis": frozenset({"cases"}),
    "iot_summary": frozenset({"cases"}),
    "iot_unanswered": frozenset({"cases"}),
    "kpi_counts": frozenset({"cases"}),
    # the wall's ticker: class, channel, street and minute of the latest cases; no id, place, text or contact
    "latest_cases": frozenset({"cases"}),
    "level_areas": frozenset({"area"}),
    "level_names": frozenset({"free"}),
    "life_circle_gaps": frozenset({"area"}),
    "life_circles": frozenset({"area"}),
    "light_cases": frozenset({"cases"}),
    "light_counts": frozenset({"cases"}),
    "open_case_rows": frozenset({"cases"}),
    "overdue_counts": frozenset({"cases"}),
    "overdue_pending": frozenset({"cases"}),
    "recent_clusters": frozenset({"cases"}),
    "repeat_points": frozenset({"cases"}),
    "rising_topics": frozenset({"cases"}),
    "scene_coverage": frozenset({"area"}),
    "sent_back_cases": frozenset({"cases"}),
    "silent_cameras": frozenset({"cases"}),
    "spike_counts": frozenset({"cases"}),
    "state_names": frozenset({"free"}),
    "summary_counts": frozenset({"cases"}),
    "time_limits": frozenset({"free"}),
    "time_series": frozenset({"cases"}),
    "top_categories": frozenset({"cases"}),
    "warning_rules": frozenset({"free"}),
    "whistle_counts": frozenset({"cases"}),
    "whistle_list": frozenset({"cases"}),
    "whistle_responses": frozenset({"cases"}),
    "work_calendar_days": frozenset({"free"}),
    "worker_ledger": frozenset({"cases"}),
}
#: Queries that return single cases, and the permission each needs.
NEEDS: dict[str, str] = {
    "case_points": "case_details",
    "deadline_alerts": "case_details",
    "case_export": "export",
    "chronic_places": "case_details",  # addresses
    "camera_alarm_cases": "case_details",
    "incident_list": "case_details",
    "incident_reports": "case_details",
    "deliberation_items": "case_details",
    "bounced_cases": "case_details",
    "find_cases": "case_details",
    "case_detail": "case_details",
    "case_timeline": "case_details",
    "whistle_list": "case_details",
    "light_cases": "case_details",  # single open cases: ids, places, deadlines
    "sent_back_cases": "case_details",  # single cases' addresses and places
    "repeat_points": "case_details",  # single cases' places and times
}
#: Map layers that show single cases (``views.state.LAYERS``).
CASE_LAYERS: tuple[str, ...] = ("points", "alerts")


class AccessDeniedError(PermissionError):
    """A call asked for what its reader may not see (another area, single cases without the permission)."""


@dataclass(frozen=True)
class Access:
    """A reader's ``permissions`` and the ``area`` they are bound to (``None``: everywhere), at depth
    ``area_depth``, with ``codes``: the area and every grid under it, of any version. ``username`` and ``role``
    name them in messages and the audit."""

    permissions: frozenset[str]
    area: str | None = None
    area_depth: int | None = None
    codes: frozenset[str] = frozenset()
    username: str | None = None
    role: str | None = None

    def __post_init__(self) -> None:
        unknown = set(self.permissions) - set(PERMISSIONS)
        if unknown:
            raise ValueError(f"unknown permissions {sorted(unknown)}; permissions: {list(PERMISSIONS)}")
        if self.area is not None and self.area not in self.codes:
            raise ValueError(f"the codes of area {self.area!r} must include it")

    @classmethod
    def everything(cls) -> Access:
        """Every permission, everywhere: for readers on the server without a user (command lines, tests)."""
        return cls(permissions=frozenset(PERMISSIONS))

    @classmethod
    def of(cls, principal: Principal, run: Runner) -> Access:
        """``principal``'s access, the codes under their area read through ``run`` (an area no grid has leaves
        them bound to nothing but that code: they see nothing, never everything)."""
        area, depth, codes = principal.area, None, frozenset[str]()
        if area is not None:
            under = run(QueryCall.of(queries.areas_within, area=area))
            codes = frozenset(str(code) for code in under["code"]) | {area}
            own = under.loc[under["code"] == area, "depth"]
            depth = int(own.iloc[0]) if len(own) else None
        return cls(
            permissions=principal.permissions,
            area=area,
            area_depth=depth,
            codes=codes,
            username=principal.username,
            role=principal.role,
        )

    @property
    def bound(self) -> bool:
        return self.area is not None

    def can(self, permission: str) -> bool:
        if permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}; permissions: {list(PERMISSIONS)}")
        return permission in self.permissions

    def allows(self, area: str | None) -> bool:
        """Whether the reader may see ``area`` (``None``: everything, which only an unbound reader may)."""
        return not self.bound if area is None else not self.bound or area in self.codes

    def layers(self, layers: Iterable[str]) -> tuple[str, ...]:
        """``layers`` without those that show single cases, unless the reader may see case details."""
        allowed = LAYERS if self.can("case_details") else tuple(name for name in LAYERS if name not in CASE_LAYERS)
        return tuple(name for name in layers if name in allowed)

    def _denied(self, what: str) -> AccessDeniedError:
        who = f"{self.username or 'this reader'} ({self.role or 'no role'})"
        return AccessDeniedError(f"{who} is bound to area {self.area}; {what} is outside it")

    def _area(self, kwargs: dict[str, Any], key: str, *, depth: bool) -> None:
        value = kwargs.get(key)
        codes = [value] if isinstance(value, str) else list(value or ())
        if not codes:
            kwargs[key] = self.area
            if depth:
                kwargs.pop("area_depth", None)
                if self.area_depth is not None:
                    kwargs["area_depth"] = self.area_depth
            return
        outside = [code for code in codes if code not in self.codes]
        if outside:
            raise self._denied(f"{key} {', '.join(map(str, outside))}")

    def confine(self, call: QueryCall) -> QueryCall:
        """``call`` as this reader may run it: confined to their area, or ``AccessDeniedError``."""
        if call.query not in CONFINEMENT:
            raise AccessDeniedError(f"query {call.query!r} has no confinement rule; add it to views.access.CONFINEMENT")
        needed = NEEDS.get(call.query)
        if needed is not None and not self.can(needed):
            who = f"{self.username or 'this reader'} ({self.role})"
            raise AccessDeniedError(f"{who} may not run {call.query}: needs {needed}")
        kinds = CONFINEMENT[call.query]
        if not self.bound or kinds == {"free"}:
            return call
        kwargs = dict(call.kwargs)
        if "cases" in kinds:
            self._area(kwargs, "area", depth=True)
        if "area" in kinds:
            self._area(kwargs, "area", depth=False)
        if "within" in kinds:
            self._area(kwargs, "within", depth=False)
        if "code" in kinds:
            self._area(kwargs, "code", depth=False)
        return QueryCall(call.query, tuple(sorted(kwargs.items())))

    def runner(self, run: Runner) -> Runner:
        """``run`` with every call confined first."""
        return lambda call: run(self.confine(call))


EVERYTHING = Access.everything()

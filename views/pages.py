"""What each page shows, without Streamlit: the query calls a ``Scope`` needs, and the frames composed into what
is drawn. The dashboard runs the calls through its cache; the wall screen and a report can run the same calls and
compose the same map, figures and charts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

import queries
from settings import Settings

from .calls import QueryCall, Runner
from .i18n import name_column, t
from .maps import MapView
from .scope import Scope


def level_label(levels: pd.DataFrame, depth: int, lang: str) -> str:
    """The name of grid level ``depth`` in ``lang`` from a ``level_names`` frame (a fallback when unnamed)."""
    named = levels.set_index("depth")[name_column(lang)]
    return str(named.get(depth, t("level.fallback", lang, depth=depth)))


def shown_levels(levels: pd.DataFrame) -> pd.DataFrame:
    """The grid levels worth a figure (a ``grid_level_counts`` frame): every level of the city's chain, and the
    city outline (depth 0) only when one is loaded."""
    return levels[(levels["depth"] > 0) | (levels["grids"] > 0)].reset_index(drop=True)


# ---------------------------------------------------------------- the map page
def map_calls(scope: Scope, *, settings: Settings, now: dt.datetime) -> dict[str, QueryCall]:
    """Every query the map page runs for ``scope`` at ``now``, but the case points (``points_call``); the
    deadline alerts (single cases) only for a reader who may see case details."""
    cases, as_of = scope.case_filters(), scope.as_of(now)
    level = {"depth": scope.map_depth, "parent": scope.map_parent, "at": scope.at, "as_of": as_of}
    calls = {
        # the areas drawn are the children of the chosen area (for a leaf: it and its siblings)
        "areas": QueryCall.of(queries.area_measures, **level, **scope.case_filters(area=False)),
        "points_total": QueryCall.of(queries.case_count, **cases),
        "bins": QueryCall.of(queries.hex_bins, size_m=settings.hex_size_m, **cases),
        "heat": QueryCall.of(queries.heat_cells, cell_m=settings.heat_cell_m, **cases),
        "cameras": QueryCall.of(queries.cameras, area=scope.area),
        "camera_events": QueryCall.of(queries.camera_event_scenes, lang=scope.lang, **cases),
        "facilities": QueryCall.of(queries.facilities, area=scope.area),
        "alerts": QueryCall.of(
            queries.deadline_alerts,
            as_of=as_of,
            warn_fraction=settings.warn_fraction,
            limit=settings.max_points,
            work_periods=settings.work_periods,
            lang=scope.lang,
            **scope.case_filters(dates=False),
        ),
        "figures": QueryCall.of(queries.area_figures, as_of=as_of, **cases),
        # overdue is a state at as_of, whenever the case was reported: the panel's figure and the alerts' legend
        "overdue": QueryCall.of(queries.overdue_pending, as_of=as_of, **scope.case_filters(dates=False)),
        "top": QueryCall.of(queries.top_categories, limit=5, **cases),
        "coverage": QueryCall.of(queries.category_coverage, **cases),
        "trend": QueryCall.of(queries.daily_counts, **cases),
        "levels": QueryCall.of(queries.level_names),
    }
    if not scope.access.can("case_details"):
        del calls["alerts"]
    return calls


def points_call(scope: Scope, *, total: int, settings: Settings) -> QueryCall | None:
    """The case points to draw when there are at most ``settings.max_points`` of them (``total``) and the
    reader may see case details, else None."""
    if total > settings.max_points or not scope.access.can("case_details"):
        return None
    return QueryCall.of(queries.case_points, limit=total, lang=scope.lang, **scope.case_filters())


@dataclass(frozen=True)
class MapPage:
    """The map page's content: the ``view`` to draw, the area's ``figures`` (an ``area_figures`` row), its
    ``top`` categories, how many of its cases have no GB/T class (``unclassified``), its daily ``trend``,
    whether the points were over the cap, and how many of its cases are ``overdue`` (pending past their deadline
    at the period's end or now, whenever reported: the number the alerts' legend shows)."""

    view: MapView
    figures: pd.Series
    top: pd.DataFrame
    trend: pd.DataFrame
    points_capped: bool
    unclassified: int = 0
    overdue: int = 0


def map_page(scope: Scope, run: Runner, *, settings: Settings, now: dt.datetime, basemap: str | None = None) -> MapPage:
    """The map page of ``scope`` at ``now``, its frames read through ``run``, on ``basemap`` (one of
    ``views.maps.offered_basemaps``; None: the configured one)."""
    calls = map_calls(scope, settings=settings, now=now)
    frames = {name: run(call) for name, call in calls.items()}
    total = int(frames["points_total"].iloc[0]["cases"])
    points = points_call(scope, total=total, settings=settings)
    view = MapView(
        areas=frames["areas"],
        measure=scope.state.measure,
        points=pd.DataFrame() if points is None else run(points),
        points_total=total,
        bins=frames["bins"],
        heat=frames["heat"],
        cameras=frames["cameras"],
        camera_events=frames["camera_events"],
        facilities=frames["facilities"],
        alerts=frames.get("alerts", pd.DataFrame()),
        overdue_total=int(frames["overdue"].iloc[0]["overdue"]),
        lang=scope.lang,
        level_label=level_label(frames["levels"], scope.map_depth, scope.lang),
        layers=scope.state.layers,
        bin_size_m=settings.hex_size_m,
        basemap=basemap,
    )
    return MapPage(
        view=view,
        figures=frames["figures"].iloc[0],
        top=frames["top"],
        trend=frames["trend"],
        points_capped=points is None and scope.access.can("case_details"),
        unclassified=int(frames["coverage"].iloc[0]["unclassified"]),
        overdue=int(frames["overdue"].iloc[0]["overdue"]),
    )


# ---------------------------------------------------------------- the overview
def overview_depth(scope: Scope, settings: Settings) -> int:
    """The level of the overview map: ``settings.overview_map_depth``, or the reader's own area's level when
    they are bound to one below it (only their area exists for them)."""
    return max(settings.overview_map_depth, scope.access.area_depth or 0)


def overview_calls(scope: Scope, *, settings: Settings, now: dt.datetime) -> dict[str, QueryCall]:
    """Every query the overview runs for ``scope`` at ``now``: what came in, what is overdue now (whenever
    reported), the grid levels, channels, states and the boundaries of the overview level."""
    cases = scope.case_filters()
    return {
        "summary": QueryCall.of(queries.summary_counts, **cases),
        "overdue": QueryCall.of(queries.overdue_pending, as_of=now, **scope.case_filters(dates=False)),
        "levels": QueryCall.of(queries.grid_level_counts, at=scope.at),
        "channels": QueryCall.of(queries.cases_by_channel, **cases),
        "states": QueryCall.of(queries.cases_by_status, **cases),
        "grids": QueryCall.of(queries.grid_polygons, depth=overview_depth(scope, settings), at=scope.at),
    }

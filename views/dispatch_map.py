"""The dispatch page's map: the area outlines, the open cases by their step light, the warnings by level, the
whistles by how the summoned departments reported, and, on top, the chosen department's open cases and the
chosen case. Frames arrive in WGS-84 and are shifted to the basemap's system here, at the edge, as on the map page
(``views.maps``); at most ``settings.max_points`` points per layer (the most pressing first).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import folium
import numpy as np
import pandas as pd

from core.warning_rules import LEVEL_COLOURS
from layers import grid_boundaries, layer_control, shift_frame, simplify_frame, status_markers
from layers import grids as grid_layer
from settings import Settings

from .i18n import labels, t
from .maps import map_crs, new_map

#: Step lights' colours, the most pressing first (drawn on top).
LIGHT_COLOURS: dict[str, str] = {"red": "#d7301f", "yellow": "#f5c400", "green": "#31a354"}
#: How the departments a whistle summoned reported: one absent makes it red, one late orange.
WHISTLE_COLOURS: dict[str, str] = {"absent": "#d7301f", "late": "#f16913", "on_time": "#31a354"}
#: The chosen department's cases, by their handling deadline.
HANDLE_COLOURS: dict[str, str] = {"overdue": "#7a0177", "due_soon": "#c51b8a", "on_time": "#6a51a3"}


def _empty() -> pd.DataFrame:
    return pd.DataFrame()


@dataclass
class DispatchMapView:
    """What the dispatch map shows (frames in WGS-84): ``areas`` (``grid_polygons`` rows to outline), ``lights``
    (open cases with ``step_light`` and the popup columns ``case_uid``, ``step_name``, ``dept_name``,
    ``category_name``, ``handle_deadline``), ``warnings`` (with ``level``, ``rule_name``, ``figures``), ``whistles``
    (``whistle_list`` rows with ``status`` and ``initiator``), the chosen department's cases (``chosen``: lights
    rows) and the chosen ``case`` (one lights or case row)."""

    areas: pd.DataFrame
    lights: pd.DataFrame = field(default_factory=_empty)
    lights_total: int = 0  # how many open cases have a light (``lights`` may hold only the most pressing)
    warnings: pd.DataFrame = field(default_factory=_empty)
    whistles: pd.DataFrame = field(default_factory=_empty)
    chosen: pd.DataFrame = field(default_factory=_empty)
    case: pd.DataFrame = field(default_factory=_empty)
    lang: str = "zh"
    level_label: str = ""


def most_pressing(frame: pd.DataFrame, column: str, order: list[str], cap: int) -> pd.DataFrame:
    """At most ``cap`` located rows of ``frame``, those whose ``column`` comes first in ``order`` first."""
    located = frame[frame["lon"].notna() & frame["lat"].notna()] if not frame.empty else frame
    if len(located) <= cap:
        return located
    rank = located[column].map({value: i for i, value in enumerate(order)}).fillna(len(order))
    return located.iloc[np.argsort(rank.to_numpy(), kind="stable")[:cap]]


def whistle_status(listed: pd.DataFrame) -> pd.Series:
    """Each whistle's status on the map: "absent" when a summoned department did not arrive, else "late" when one
    arrived late, else "on_time"."""
    return pd.Series(
        np.where(listed["not_arrived"] > 0, "absent", np.where(listed["arrived_late"] > 0, "late", "on_time")),
        index=listed.index,
    )


def dispatch_map(view: DispatchMapView, *, settings: Settings) -> folium.Map:
    """The map of ``view``: outlines, then the layers that have rows, in a layer control, fitted to the areas."""
    lang, cap, crs = view.lang, settings.max_points, map_crs(settings)
    m = new_map(settings)
    areas = simplify_frame(shift_frame(view.areas, crs))
    outline = None
    if not areas.empty:
        outline = grid_boundaries(
            areas,
            name=t("layer.boundaries", lang, level=view.level_label),
            level_label=view.level_label,
            labels=labels(lang, "layer.grids", grid_layer.LABELS),
            line_colour=settings.grid_line_colour,
            fill_colour=settings.grid_fill_colour,
            fill_opacity=settings.grid_fill_opacity,
        ).add_to(m)
    popup = {
        t("layer.status.step", lang): "step_name",
        t("layer.status.dept", lang): "dept_name",
        t("layer.status.category", lang): "category_name",
        t("layer.status.deadline", lang): "handle_deadline",
    }
    if not view.lights.empty:
        shown = shift_frame(most_pressing(view.lights, "step_light", list(LIGHT_COLOURS), cap), crs)
        total = max(view.lights_total, int(view.lights["step_light"].isin(list(LIGHT_COLOURS)).sum()))
        name = (
            t("layer.lights", lang)
            if len(shown) >= total
            else t("layer.lights_of", lang, shown=len(shown), total=total)
        )
        status_markers(
            shown,
            status="step_light",
            colours=LIGHT_COLOURS,
            status_labels={key: t(f"light.{key}", lang) for key in LIGHT_COLOURS},
            name=name,
            legend=t("lights.chart", lang),
            popup=popup,
            title="case_uid",
            radius=4,
        ).add_to(m)
    if not view.warnings.empty:
        levels = {str(level): colour for level, colour in LEVEL_COLOURS.items()}
        shown = shift_frame(
            most_pressing(view.warnings.assign(level=view.warnings["level"].astype(str)), "level", list(levels), cap),
            crs,
        )
        status_markers(
            shown,
            status="level",
            colours=levels,
            status_labels={key: t(f"warning.level.{key}", lang) for key in levels},
            name=t("layer.warnings", lang),
            legend=t("layer.warnings", lang),
            popup={t("layer.status.rule", lang): "rule_name", t("layer.status.figures", lang): "figures"},
            title="subject_name",
            radius=6,
            show=False,
        ).add_to(m)
    if not view.whistles.empty:
        shown = shift_frame(most_pressing(view.whistles, "status", list(WHISTLE_COLOURS), cap), crs)
        status_markers(
            shown,
            status="status",
            colours=WHISTLE_COLOURS,
            status_labels={key: t(f"whistle.status.{key}", lang) for key in WHISTLE_COLOURS},
            name=t("layer.whistles", lang),
            legend=t("layer.whistles", lang),
            popup={t("layer.status.initiator", lang): "initiator", t("layer.status.arrivals", lang): "arrivals"},
            title="whistle_id",
            radius=7,
            show=False,
        ).add_to(m)
    if not view.chosen.empty:
        shown = shift_frame(most_pressing(view.chosen, "handle_light", list(HANDLE_COLOURS), cap), crs)
        status_markers(
            shown,
            status="handle_light",
            colours=HANDLE_COLOURS,
            status_labels={key: t(f"handle.{key}", lang) for key in HANDLE_COLOURS},
            name=t("layer.dept_cases", lang),
            legend=t("layer.dept_cases", lang),
            popup=popup,
            title="case_uid",
            radius=7,
        ).add_to(m)
    if not view.case.empty and view.case[["lon", "lat"]].notna().all(axis=None):
        point = shift_frame(view.case, crs).iloc[0]
        folium.CircleMarker(  # a ring, not a pin: Leaflet's default pin loads its image by URL
            [float(point["lat"]), float(point["lon"])],
            radius=12,
            color="#08306b",
            weight=3,
            fill=False,
            tooltip=html.escape(str(point["case_uid"])),
        ).add_to(m)
    layer_control().add_to(m)
    if outline is not None:
        (south, west), (north, east) = outline.get_bounds()
        if south is not None and west is not None and north is not None and east is not None:
            m.fit_bounds([[south, west], [north, east]])
    return m


def case_at(view: DispatchMapView, *, lat: float, lon: float, settings: Settings) -> str | None:
    """The case drawn at the clicked point (``lat``/``lon`` as the map reports them, in the basemap's system):
    the chosen department's cases first, then the lights layer; None when no case is drawn there."""
    crs = map_crs(settings)
    for frame in (view.chosen, view.lights):
        if frame.empty:
            continue
        shown = shift_frame(frame[frame["lon"].notna() & frame["lat"].notna()], crs)
        hit = shown[(shown["lat"].round(6) == round(lat, 6)) & (shown["lon"].round(6) == round(lon, 6))]
        if not hit.empty:
            return str(hit.iloc[0]["case_uid"])
    return None

"""The 视频 page without Streamlit: the query calls a ``Scope`` needs, and the frames composed into the funnel, the
flagged cameras, scene coverage, the map of cameras coloured by rate, and one camera's history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import folium
import pandas as pd
import plotly.graph_objects as go

import layers
import queries
from layers import camera_rate_markers, layer_control, shift_frame, simplify_frame
from queries.camera_loop import STEPS
from settings import Settings

from .calls import QueryCall, Runner
from .i18n import labels, t
from .maps import _boundaries, _fit, map_crs, new_map
from .pages import level_label
from .scope import Scope

#: The funnel's groupings offered on the page (``queries.camera_loop.FUNNEL_GROUPS`` but the total).
GROUPS: tuple[str, ...] = ("scene", "camera", "algo", "area")
#: What the cameras are coloured by (``layers.camera_rates.MEASURES``).
COLOUR_BY: tuple[str, ...] = layers.camera_rates.MEASURES
#: Columns of the funnel table, in order (shown and exported).
FUNNEL_COLUMNS: tuple[str, ...] = (
    "key",
    "label",
    *STEPS,
    "false_positives",
    "push_rate",
    "dispatch_rate",
    "handle_rate",
    "close_rate",
    "false_positive_rate",
    "push_minutes",
    "dispatch_minutes",
    "handle_minutes",
    "close_minutes",
)
#: Most alarms listed for one camera.
CAMERA_ALARMS = 50


@dataclass(frozen=True)
class VideoChoice:
    """What the page's own widgets chose: the funnel's grouping, the cameras' colour, one camera (or None)."""

    by: str = "scene"
    colour_by: str = "alarm_rate"
    camera: str | None = None

    def __post_init__(self) -> None:
        if self.by not in GROUPS:
            raise ValueError(f"by must be one of {list(GROUPS)}, got {self.by!r}")
        if self.colour_by not in COLOUR_BY:
            raise ValueError(f"colour_by must be one of {list(COLOUR_BY)}, got {self.colour_by!r}")


def street_depth(levels: pd.DataFrame) -> int:
    """The depth of the level called ``street`` in a ``level_names`` frame (2 when none is)."""
    streets = levels.loc[levels["level_key"] == "street", "depth"]
    return int(streets.iloc[0]) if len(streets) else 2


def group_label(by: str, levels: pd.DataFrame, lang: str) -> str:
    """How grouping ``by`` is named in ``lang`` (the area grouping by its level's name, e.g. 街道)."""
    return level_label(levels, street_depth(levels), lang) if by == "area" else t(f"video.by.{by}", lang)


def video_calls(
    scope: Scope, *, settings: Settings, now: dt.datetime, choice: VideoChoice, depth: int
) -> dict[str, QueryCall]:
    """Every query the page runs for ``scope`` at ``now``; ``depth``: the level alarms are grouped by (streets)."""
    alarms = scope.case_filters()
    area = {"area": scope.area, "area_depth": scope.area_depth}
    calls = {
        "total": QueryCall.of(queries.camera_funnel, by="all", lang=scope.lang, **alarms),
        "funnel": QueryCall.of(queries.camera_funnel, by=choice.by, depth=depth, lang=scope.lang, **alarms),
        "rates": QueryCall.of(queries.camera_rates, **alarms),
        "silent": QueryCall.of(
            queries.silent_cameras,
            as_of=scope.as_of(now),
            days=settings.camera_silent_days,
            history_days=settings.camera_history_days,
            max_chance=settings.camera_silent_chance,
            **area,
        ),
        "noisy": QueryCall.of(
            queries.false_positive_outliers,
            min_events=settings.camera_fp_min_events,
            z=settings.camera_fp_z,
            **alarms,
        ),
        "coverage": QueryCall.of(queries.scene_coverage, at=scope.at, depth=depth, lang=scope.lang, area=scope.area),
        "areas": QueryCall.of(queries.grid_polygons, depth=scope.map_depth, at=scope.at),
        "levels": QueryCall.of(queries.level_names),
    }
    if choice.camera is not None:
        calls["camera_daily"] = QueryCall.of(queries.camera_daily, camera_id=choice.camera, **alarms)
    if choice.camera is not None and scope.access.can("case_details"):
        calls["camera_alarms"] = QueryCall.of(
            queries.camera_alarm_cases, camera_id=choice.camera, limit=CAMERA_ALARMS, lang=scope.lang, **alarms
        )
    return calls


@dataclass(frozen=True)
class VideoPage:
    """The page's frames: the ``total`` row and the ``funnel`` by the chosen grouping (``camera_funnel``), every
    camera's ``rates``, the ``silent`` and ``noisy`` cameras, ``coverage`` (areas × scenes), the map's ``areas``,
    and the chosen camera's ``camera_daily`` and ``camera_alarms`` (empty without one)."""

    total: pd.Series
    funnel: pd.DataFrame
    rates: pd.DataFrame
    silent: pd.DataFrame
    noisy: pd.DataFrame
    coverage: pd.DataFrame
    areas: pd.DataFrame
    level: str
    map_level: str
    camera_daily: pd.DataFrame
    camera_alarms: pd.DataFrame

    @property
    def flagged(self) -> set[str]:
        """Cameras to look at: silent, or crying wolf."""
        return set(self.silent["camera_id"]) | set(self.noisy["camera_id"])


def video_page(scope: Scope, run: Runner, *, settings: Settings, now: dt.datetime, choice: VideoChoice) -> VideoPage:
    """The 视频 page of ``scope`` at ``now`` with the page's own ``choice``, its frames read through ``run``."""
    levels = run(QueryCall.of(queries.level_names))
    depth = street_depth(levels)
    frames = {name: run(call) for name, call in video_calls(scope, settings=settings, now=now, choice=choice,
                                                             depth=depth).items()}  # fmt: skip
    areas = frames["areas"]
    if scope.map_parent is not None:
        areas = areas[areas["parent_code"] == scope.map_parent]
    return VideoPage(
        total=frames["total"].iloc[0] if len(frames["total"]) else pd.Series(dtype=object),
        funnel=frames["funnel"],
        rates=frames["rates"],
        silent=frames["silent"],
        noisy=frames["noisy"],
        coverage=frames["coverage"],
        areas=areas,
        level=level_label(levels, depth, scope.lang),
        map_level=level_label(levels, scope.map_depth, scope.lang),
        camera_daily=frames.get("camera_daily", pd.DataFrame()),
        camera_alarms=frames.get("camera_alarms", pd.DataFrame()),
    )


# ---------------------------------------------------------------- composition
def rate_text(value: object) -> str:
    """A rate as a percentage, "—" when undefined."""
    return "—" if value is None or pd.isna(value) else f"{float(value):.1%}"  # type: ignore[arg-type]


def funnel_figure(total: pd.Series, *, lang: str, colour: str = "#2c5f8a") -> go.Figure:
    """The loop's steps as a funnel, each with its share of the alarms."""
    values = [int(total.get(step, 0) or 0) for step in STEPS]
    figure = go.Figure(
        go.Funnel(
            y=[t(f"video.step.{step}", lang) for step in STEPS],
            x=values,
            texttemplate=t("video.funnel_text", lang),
            marker={"color": colour},
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    figure.update_layout(
        template="plotly_white",
        height=320,
        margin={"l": 8, "r": 8, "t": 8, "b": 8},
        font={"family": "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif", "size": 13},
    )
    return figure


def funnel_table(funnel: pd.DataFrame) -> pd.DataFrame:
    """The funnel's columns in order (``FUNNEL_COLUMNS``), rates and minutes rounded for reading."""
    table = funnel.loc[:, [column for column in FUNNEL_COLUMNS if column in funnel.columns]].copy()
    rates = [c for c in table.columns if c.endswith("_rate")]
    minutes = [c for c in table.columns if c.endswith("_minutes")]
    return table.round({**dict.fromkeys(rates, 4), **dict.fromkeys(minutes, 1)})


def coverage_matrix(coverage: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """Scene coverage as a table: one row per area (its name), one column per scene (its name), cameras in each."""
    if coverage.empty:
        return pd.DataFrame()
    matrix = coverage.pivot_table(index="name", columns="scene_name", values="cameras", aggfunc="sum", sort=False)
    matrix = matrix.fillna(0).astype(int)
    matrix.index.name, matrix.columns.name = t("col.street", lang), None
    return matrix


def rate_columns(table: pd.DataFrame) -> list[str]:
    """The columns of a funnel or camera table that hold rates (shown as percentages)."""
    return [column for column in table.columns if str(column).endswith("_rate")]


def uncovered_scenes(coverage: pd.DataFrame) -> dict[str, list[str]]:
    """Per area name, the scenes no camera there watches."""
    empty = coverage[coverage["cameras"] == 0]
    return {str(name): list(group["scene_name"]) for name, group in empty.groupby("name", sort=False)}


def video_map(page: VideoPage, *, choice: VideoChoice, lang: str, settings: Settings) -> folium.Map:
    """The areas' outlines and every camera coloured by ``choice.colour_by``, the flagged ones ringed."""
    crs = map_crs(settings)
    m = new_map(settings)
    fitted = []
    if not page.areas.empty:
        areas = simplify_frame(shift_frame(page.areas, crs))
        fitted.append(_boundaries(areas, level=page.map_level, lang=lang, settings=settings, filled=True).add_to(m))
    cameras = shift_frame(page.rates, crs)
    if not cameras.empty:
        measure = t(f"video.measure.{choice.colour_by}", lang)
        group = camera_rate_markers(
            cameras,
            measure=choice.colour_by,
            name=t("layer.camera_rates", lang, measure=measure),
            labels=labels(lang, "layer.camera_rates", layers.camera_rates.LABELS),
            flagged=page.flagged,
        ).add_to(m)
        fitted.append(group)
    layer_control().add_to(m)
    if fitted:
        _fit(m, fitted[0])
    return m

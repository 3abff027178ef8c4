"""The 物联感知 page without Streamlit: the sensors in the homes of elderly people living alone, their alarms'
response times per area, the alarms nobody has answered, and the map of sensors by state."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import folium
import pandas as pd

import layers
import queries
from layers import iot_device_markers, layer_control, shift_frame, shown_devices, simplify_frame
from settings import Settings

from .calls import QueryCall, Runner
from .i18n import labels, t
from .maps import _boundaries, _fit, map_crs, new_map
from .pages import level_label
from .scope import Scope


def iot_calls(scope: Scope, *, settings: Settings, now: dt.datetime) -> dict[str, QueryCall]:
    """Every query the page runs for ``scope`` at ``now``: KPIs per area one level below the chosen one."""
    alarms, as_of = scope.case_filters(), scope.as_of(now)
    minutes = {"minutes": settings.iot_unanswered_minutes}
    target = {"target_minutes": settings.iot_arrival_target_minutes}
    return {
        "summary": QueryCall.of(queries.iot_summary, as_of=as_of, **minutes, **target, **alarms),
        "kpis": QueryCall.of(queries.iot_kpis, depth=scope.map_depth, as_of=as_of, **minutes, **target, **alarms),
        # unanswered now, whenever raised: a state at a moment
        "unanswered": QueryCall.of(queries.iot_unanswered, as_of=as_of, **minutes, **scope.case_filters(dates=False)),
        "devices": QueryCall.of(queries.iot_devices, as_of=as_of, area=scope.area, area_depth=scope.area_depth),
        "areas": QueryCall.of(queries.grid_polygons, depth=scope.map_depth, at=scope.at),
        "levels": QueryCall.of(queries.level_names),
    }


@dataclass(frozen=True)
class IotPage:
    """The page's frames: the ``summary`` row, ``kpis`` per area, the ``unanswered`` alarms, the ``devices`` and
    the map's ``areas`` (named ``level``)."""

    summary: pd.Series
    kpis: pd.DataFrame
    unanswered: pd.DataFrame
    devices: pd.DataFrame
    areas: pd.DataFrame
    level: str

    @property
    def loaded(self) -> bool:
        """Whether the city has loaded any sensor."""
        return bool(self.summary.get("loaded", False))


def iot_page(scope: Scope, run: Runner, *, settings: Settings, now: dt.datetime) -> IotPage:
    """The 物联感知 page of ``scope`` at ``now``, its frames read through ``run``."""
    frames = {name: run(call) for name, call in iot_calls(scope, settings=settings, now=now).items()}
    areas = frames["areas"]
    if scope.map_parent is not None:
        areas = areas[areas["parent_code"] == scope.map_parent]
    return IotPage(
        summary=frames["summary"].iloc[0],
        kpis=frames["kpis"],
        unanswered=frames["unanswered"],
        devices=frames["devices"],
        areas=areas,
        level=level_label(frames["levels"], scope.map_depth, scope.lang),
    )


def minutes_text(value: object, lang: str) -> str:
    """A number of minutes as text ("—" when undefined)."""
    if value is None or pd.isna(value):
        return "—"
    return t("iot.minutes", lang, value=f"{float(value):,.1f}")  # type: ignore[arg-type]


def iot_map(page: IotPage, *, lang: str, settings: Settings) -> tuple[folium.Map, int]:
    """The areas and the sensors by state (at most ``settings.max_points``, the urgent first); also how many
    sensors are drawn."""
    crs = map_crs(settings)
    m = new_map(settings)
    fitted = []
    if not page.areas.empty:
        areas = simplify_frame(shift_frame(page.areas, crs))
        fitted.append(_boundaries(areas, level=page.level, lang=lang, settings=settings, filled=True).add_to(m))
    shown = shown_devices(page.devices, settings.max_points)
    if not shown.empty:
        iot_device_markers(
            shift_frame(shown, crs),
            name=t("layer.iot_devices", lang),
            labels=labels(lang, "layer.iot_devices", layers.iot_devices.LABELS),
        ).add_to(m)
    layer_control().add_to(m)
    if fitted:
        _fit(m, fitted[0])
    return m, len(shown)

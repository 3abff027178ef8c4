"""Cameras (雪亮工程 video AI): the ``cameras`` and ``camera_event_scenes`` frames in, one FeatureGroup out.

Each camera is a circle marker coloured by its number of alarms in the period (grey without any), with a
tooltip (name, alarms) and a popup listing its alarms by scene, false positives and pushed cases. Every text
is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import folium
import numpy as np
import pandas as pd

from ._classes import ALARM_SEQUENTIAL, classify
from ._labels import required
from ._legend import Legend
from ._points import PointMarkers
from .cases import text_of

REQUIRED_COLUMNS: tuple[str, ...] = ("camera_id", "name", "lon", "lat")
EVENT_COLUMNS: tuple[str, ...] = ("camera_id", "scene_name", "events", "false_positives", "pushed")
#: The texts the layer needs (``labels``): popup fields, legend title and "no alarms".
LABELS: tuple[str, ...] = (
    "events",
    "false_positives",
    "pushed",
    "address",
    "vendor",
    "status",
    "scenes",
    "legend",
    "no_events",
)
#: Scenes listed in a camera's popup, most alarms first.
POPUP_SCENES = 5
NO_EVENTS_COLOUR = "#9e9e9e"
# Per-camera totals, under names that cannot clash with the camera frame's columns.
_TOTALS = {"events": "_events", "false_positives": "_false_positives", "pushed": "_pushed"}


def _per_camera(events: pd.DataFrame) -> pd.DataFrame:
    """Totals per camera, and its top scenes as "name n" text (escaped), from the per-scene rows."""
    if events.empty:
        return pd.DataFrame(columns=[*_TOTALS.values(), "_scenes"]).rename_axis("camera_id")
    totals = events.groupby("camera_id")[list(_TOTALS)].sum().rename(columns=_TOTALS)
    ranked = events.sort_values(["camera_id", "events"], ascending=[True, False])
    top = ranked.groupby("camera_id").head(POPUP_SCENES)
    scene_text = (top["scene_name"].map(text_of).map(html.escape) + " " + top["events"].astype(str)).groupby(
        top["camera_id"]
    )
    totals["_scenes"] = scene_text.agg("、".join)
    return totals


def camera_markers(
    cameras: pd.DataFrame,
    events: pd.DataFrame,
    *,
    name: str,
    labels: Mapping[str, str],
    palette: Sequence[str] = ALARM_SEQUENTIAL,
    k: int = 4,
    show: bool = True,
) -> folium.FeatureGroup:
    """The cameras of ``cameras`` (``camera_id``, ``name``, ``lon``, ``lat``; optionally ``address``,
    ``vendor``, ``status``) coloured by their alarms in ``events`` (a ``camera_event_scenes`` frame), with a
    legend, as a FeatureGroup named ``name``. An empty ``events`` frame (of any columns) means no alarms.
    """
    checks = [(cameras, REQUIRED_COLUMNS, "camera")] + (
        [] if events.empty else [(events, EVENT_COLUMNS, "camera event")]
    )
    for frame, columns, what in checks:
        missing = [column for column in columns if column not in frame.columns]
        if missing:
            raise ValueError(f"{what} frame lacks columns {missing}; it has {list(frame.columns)}")
    text = required(labels, LABELS, layer="cameras")
    located = cameras[cameras["lon"].notna() & cameras["lat"].notna()]
    joined = located.join(_per_camera(events), on="camera_id")
    counts = pd.to_numeric(joined["_events"]).fillna(0).to_numpy(np.float64)
    active = counts > 0
    classes = classify(np.where(active, counts, np.nan), k=k, palette=palette)
    palette_used = [*classes.colours, NO_EVENTS_COLOUR]
    colour = np.where(classes.index >= 0, classes.index, len(classes.colours))

    label = {key: html.escape(value) for key, value in text.items()}
    popups, tooltips = [], []
    for row, n in zip(joined.to_dict("records"), counts, strict=True):
        title = html.escape(text_of(row["name"]))
        tooltips.append(f"{title}<br>{label['events']} {int(n):,}")
        lines = [f"<b>{title}</b>"]
        for field in ("address", "vendor", "status"):
            value = text_of(row.get(field))
            if value:
                lines.append(f"<b>{label[field]}</b> {html.escape(value)}")
        lines.append(f"<b>{label['events']}</b> {int(n):,}")
        if n:
            lines.append(f"<b>{label['false_positives']}</b> {int(row['_false_positives']):,}")
            lines.append(f"<b>{label['pushed']}</b> {int(row['_pushed']):,}")
            lines.append(f"<b>{label['scenes']}</b> {row['_scenes']}")  # escaped in _per_camera
        popups.append("<br>".join(lines))

    group = folium.FeatureGroup(name=name, show=show)
    PointMarkers(
        joined["lat"].to_numpy(np.float64),
        joined["lon"].to_numpy(np.float64),
        colour=colour,
        palette=palette_used,
        popups=popups,
        tooltips=tooltips,
        radius=6,
    ).add_to(group)
    items = list(zip(classes.colours, classes.labels, strict=True))
    if not active.all():
        items.append((NO_EVENTS_COLOUR, text["no_events"]))
    Legend(text["legend"], items, dots=True).add_to(group)
    return group

"""Deadline alerts: a ``deadline_alerts`` frame in, one FeatureGroup of red and yellow markers out.

Red: open, unhandled and past the handling deadline (已超期). Yellow: the elapsed share of the handling limit
has reached the warning fraction (即将超期). The popup gives category, status, department, deadline and
the share of the limit used; texts are HTML-escaped and no contact data is shown.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import folium
import numpy as np
import pandas as pd

from ._labels import required
from ._legend import Legend
from ._points import PointMarkers
from .cases import text_of

REQUIRED_COLUMNS: tuple[str, ...] = ("lon", "lat", "level")
#: Alert level → marker colour (red, amber), in legend order.
LEVEL_COLOURS: dict[str, str] = {"overdue": "#d7301f", "warning": "#f5a400"}
_POPUP_COLUMNS = {"category": "category_name", "status": "status_name", "dept": "dept_name"}
#: The texts the layer needs (``labels``): the levels, the legend title and the popup fields.
LABELS: tuple[str, ...] = (*LEVEL_COLOURS, "legend", "not_drawn", *_POPUP_COLUMNS, "deadline", "elapsed")


def alert_markers(
    frame: pd.DataFrame,
    *,
    name: str,
    labels: Mapping[str, str],
    colours: Mapping[str, str] = LEVEL_COLOURS,
    overdue_total: int | None = None,
    show: bool = True,
) -> folium.FeatureGroup:
    """The alerts of ``frame`` (``lon``, ``lat``, ``level``; optionally ``category_name``, ``status_name``,
    ``dept_name``, ``handle_deadline``, ``elapsed_fraction``), red and yellow with a legend counting each.

    ``overdue_total``: every overdue case of the view, drawn or not (without coordinates, or beyond the point
    cap): the legend counts them all, as the figures beside the map do, and says how many are not drawn
    (label ``not_drawn`` with ``{n}``).
    """
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"alert frame lacks columns {missing}; it has {list(frame.columns)}")
    unknown = sorted(set(frame["level"]) - set(colours))
    if unknown:
        raise ValueError(f"unknown alert levels {unknown}; known levels: {list(colours)}")
    text = required(labels, LABELS, layer="alerts")
    label = {key: html.escape(value) for key, value in text.items()}
    levels = list(colours)
    located = frame[frame["lon"].notna() & frame["lat"].notna()]
    # Red on top: Leaflet draws later markers above earlier ones.
    located = located.iloc[np.argsort([-levels.index(level) for level in located["level"]], kind="stable")]

    fields = ["", *(text[field] for field in _POPUP_COLUMNS), text["deadline"], text["elapsed"]]
    popups, tooltips = [], []
    for row in located.to_dict("records"):
        level_text = label[row["level"]]
        tooltips.append(level_text)
        fraction = row.get("elapsed_fraction")
        elapsed = f"{fraction:.0%}" if fraction is not None and np.isfinite(fraction) else ""
        values = [text_of(row.get(column)) for column in _POPUP_COLUMNS.values()]
        values += [text_of(row.get("handle_deadline")), elapsed]
        popups.append([level_text, *(html.escape(value) for value in values)])

    group = folium.FeatureGroup(name=name, show=show)
    PointMarkers(
        located["lat"].to_numpy(np.float64),
        located["lon"].to_numpy(np.float64),
        colour=[levels.index(level) for level in located["level"]],
        palette=list(colours.values()),
        popups=popups,
        fields=fields,
        tooltips=tooltips,
        radius=5,
        weight=1,
        fill_opacity=0.9,
    ).add_to(group)
    counts = {level: int(n) for level, n in located["level"].value_counts().items()}
    drawn = counts.get("overdue", 0)
    if overdue_total is not None:
        counts["overdue"] = max(overdue_total, drawn)
    items = [(colours[level], f"{text[level]} {counts.get(level, 0):,}") for level in levels]
    note = text["not_drawn"].format(n=f"{counts['overdue'] - drawn:,}") if counts.get("overdue", 0) > drawn else None
    Legend(text["legend"], items, dots=True, note=note).add_to(group)
    return group

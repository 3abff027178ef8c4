"""Points coloured by a status: a frame in, one FeatureGroup of circle markers with a legend out.

What the dispatch page draws: open cases by their step light (red, yellow, green), warnings by level, whistles by
how the summoned departments reported. The caller names the status column, the colour and legend text of each
status (in legend order: the first is drawn on top) and the popup's fields; every text is HTML-escaped here and
only the named fields reach a popup (never contact data).
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import folium
import numpy as np
import pandas as pd

from ._legend import Legend
from ._points import PointMarkers
from .cases import text_of


def status_markers(
    frame: pd.DataFrame,
    *,
    status: str,
    colours: Mapping[str, str],
    status_labels: Mapping[str, str],
    name: str,
    legend: str,
    popup: Mapping[str, str] | None = None,
    title: str | None = None,
    radius: float = 5.0,
    show: bool = True,
) -> folium.FeatureGroup:
    """The located rows of ``frame`` (``lon``, ``lat``, ``status``) as markers coloured by ``colours[status]``,
    with a legend titled ``legend`` counting each status (``status_labels``); rows whose status has no colour
    are left out. ``popup``: field label → column, shown as "label value" lines under ``title`` (a column whose
    value is the popup's bold first line and the tooltip)."""
    missing = [column for column in ("lon", "lat", status, *(popup or {}).values()) if column not in frame.columns]
    if title is not None and title not in frame.columns:
        missing.append(title)
    if missing:
        raise ValueError(f"status frame lacks columns {missing}; it has {list(frame.columns)}")
    unlabelled = [key for key in colours if key not in status_labels]
    if unlabelled:
        raise ValueError(f"statuses {unlabelled} have no label; labels: {list(status_labels)}")
    order = list(colours)
    shown = frame[frame["lon"].notna() & frame["lat"].notna() & frame[status].isin(order)]
    # the first status on top: Leaflet draws later markers above earlier ones
    shown = shown.iloc[np.argsort([-order.index(value) for value in shown[status]], kind="stable")]
    fields = {label: column for label, column in (popup or {}).items()}
    popups, tooltips = [], []
    for row in shown.to_dict("records"):
        head = text_of(row.get(title)) if title else status_labels[row[status]]
        tooltips.append(html.escape(head))
        popups.append([html.escape(head), *(html.escape(text_of(row.get(column))) for column in fields.values())])
    group = folium.FeatureGroup(name=name, show=show)
    PointMarkers(
        shown["lat"].to_numpy(np.float64),
        shown["lon"].to_numpy(np.float64),
        colour=[order.index(value) for value in shown[status]],
        palette=list(colours.values()),
        popups=popups,
        fields=["", *fields],
        tooltips=tooltips,
        radius=radius,
        weight=1,
        fill_opacity=0.9,
    ).add_to(group)
    counts = shown[status].value_counts()
    items = [(colours[key], f"{status_labels[key]} {int(counts.get(key, 0)):,}") for key in order]
    Legend(legend, items, dots=True).add_to(group)
    return group

"""Facilities (service stations, police posts, schools …) and their service circles: one FeatureGroup out.

Each facility is a circle marker coloured by kind with its service area drawn as a circle of
``service_radius_m`` metres (the "15-minute service circle"); tooltip and popup texts are HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import folium
import numpy as np
import pandas as pd

from ._classes import CATEGORICAL, categorise
from ._labels import required
from ._legend import Legend
from ._points import PointMarkers
from .cases import text_of

REQUIRED_COLUMNS: tuple[str, ...] = ("kind", "name", "lon", "lat")
#: The texts the layer needs (``labels``): popup fields, legend title and "other".
LABELS: tuple[str, ...] = ("kind", "address", "radius", "legend", "other")


def facility_markers(
    frame: pd.DataFrame,
    *,
    name: str,
    labels: Mapping[str, str],
    kind_labels: Mapping[str, str] | None = None,
    palette: Sequence[str] = CATEGORICAL,
    circles: bool = True,
    show: bool = True,
) -> folium.FeatureGroup:
    """The facilities of ``frame`` (``kind``, ``name``, ``lon``, ``lat``; optionally ``address`` and
    ``service_radius_m``) coloured by kind, with their service circles when ``circles``, and a legend; texts
    from ``labels`` (the keys of ``LABELS``), kinds named by ``kind_labels`` (a kind it lacks shows its code).
    """
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"facility frame lacks columns {missing}; it has {list(frame.columns)}")
    kinds = dict(kind_labels or {})
    text = required(labels, LABELS, layer="facilities")
    located = frame[frame["lon"].notna() & frame["lat"].notna()]
    kind_names = [kinds.get(str(kind), str(kind)) for kind in located["kind"]]
    categories = categorise(kind_names, palette=palette, other_label=text["other"])
    radius = (
        located["service_radius_m"].to_numpy(np.float64)
        if circles and "service_radius_m" in located.columns
        else np.zeros(len(located))
    )

    label = {key: html.escape(value) for key, value in text.items()}
    popups, tooltips = [], []
    for row, kind_name, metres in zip(located.to_dict("records"), kind_names, radius, strict=True):
        title = html.escape(text_of(row["name"]))
        kind_text = html.escape(kind_name)
        tooltips.append(f"{title}（{kind_text}）")
        lines = [f"<b>{title}</b>", f"<b>{label['kind']}</b> {kind_text}"]
        address = text_of(row.get("address"))
        if address:
            lines.append(f"<b>{label['address']}</b> {html.escape(address)}")
        if np.isfinite(metres) and metres > 0:
            lines.append(f"<b>{label['radius']}</b> {metres:,.0f}")
        popups.append("<br>".join(lines))

    group = folium.FeatureGroup(name=name, show=show)
    PointMarkers(
        located["lat"].to_numpy(np.float64),
        located["lon"].to_numpy(np.float64),
        colour=categories.index,
        palette=categories.colours or palette[:1],
        popups=popups,
        tooltips=tooltips,
        circles_m=radius,
        radius=6,
        weight=2,
    ).add_to(group)
    Legend(text["legend"], list(zip(categories.colours, categories.labels, strict=True)), dots=True).add_to(group)
    return group

"""Cameras coloured by how they alarm: a ``camera_rates`` frame in, one FeatureGroup out.

``measure`` chooses the colour: ``alarm_rate`` (alarms a day in the period) or ``false_positive_rate`` (share of
alarms that were false; cameras without alarms have none and are grey). Cameras flagged by the 视频 page
(``flagged``: silent, or crying wolf) get a dark ring. Tooltip: name and the measure; popup: the figures. Every
text is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping, Sequence

import folium
import numpy as np
import pandas as pd

from ._classes import SEQUENTIAL, classify, number_text
from ._labels import required
from ._legend import Legend
from ._points import PointMarkers
from .cases import text_of

MEASURES: tuple[str, ...] = ("alarm_rate", "false_positive_rate")
REQUIRED_COLUMNS: tuple[str, ...] = ("camera_id", "name", "lon", "lat", "events", "false_positives", *MEASURES)
#: The texts the layer needs: popup fields, the two legends' titles, "no alarms" and "flagged".
LABELS: tuple[str, ...] = (
    "events",
    "alarm_rate",
    "false_positive_rate",
    "false_positives",
    "vendor",
    "status",
    "no_events",
    "flagged",
)
NO_DATA_COLOUR = "#9e9e9e"
FLAGGED_COLOUR = "#1f2d3d"


def _measure_text(measure: str, value: float) -> str:
    if pd.isna(value):
        return "—"
    return f"{value:.1%}" if measure == "false_positive_rate" else number_text(round(float(value), 2))


def camera_rate_markers(
    cameras: pd.DataFrame,
    *,
    measure: str,
    name: str,
    labels: Mapping[str, str],
    flagged: Collection[str] = (),
    palette: Sequence[str] = SEQUENTIAL,
    k: int = 5,
    show: bool = True,
) -> folium.FeatureGroup:
    """The located cameras of ``cameras`` coloured by ``measure`` (``MEASURES``) in classes, with a legend; the
    ``camera_id``s in ``flagged`` ringed."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {list(MEASURES)}, got {measure!r}")
    missing = [column for column in REQUIRED_COLUMNS if column not in cameras.columns]
    if missing:
        raise ValueError(f"camera frame lacks columns {missing}; it has {list(cameras.columns)}")
    text = required(labels, LABELS, layer="camera_rates")
    located = cameras[cameras["lon"].notna() & cameras["lat"].notna()].reset_index(drop=True)
    values = pd.to_numeric(located[measure]).to_numpy(np.float64)
    classes = classify(values, k=k, palette=palette, value_format=lambda v: _measure_text(measure, v))
    colours = [*classes.colours, NO_DATA_COLOUR]
    colour = np.where(classes.index >= 0, classes.index, len(classes.colours))
    ringed = located["camera_id"].isin(list(flagged)).to_numpy()
    label = {key: html.escape(value) for key, value in text.items()}
    popups, tooltips = [], []
    for row in located.to_dict("records"):
        title = html.escape(text_of(row["name"]))
        shown = _measure_text(measure, row[measure])
        tooltips.append(f"{title}<br>{label[measure]} {html.escape(shown)}")
        lines = [f"<b>{title}</b>"]
        if row["camera_id"] in flagged:
            lines.append(f"<b>{label['flagged']}</b>")
        for field in ("vendor", "status"):
            value = text_of(row.get(field))
            if value:
                lines.append(f"<b>{label[field]}</b> {html.escape(value)}")
        lines.append(f"<b>{label['events']}</b> {int(row['events']):,}")
        lines.append(f"<b>{label['alarm_rate']}</b> {html.escape(_measure_text('alarm_rate', row['alarm_rate']))}")
        lines.append(
            f"<b>{label['false_positive_rate']}</b> "
            f"{html.escape(_measure_text('false_positive_rate', row['false_positive_rate']))}"
            f" ({int(row['false_positives']):,})"
        )
        popups.append("<br>".join(lines))
    group = folium.FeatureGroup(name=name, show=show)
    for ring in (True, False):  # the rings first, under the coloured dots
        rows = np.flatnonzero(ringed) if ring else np.arange(len(located))
        PointMarkers(
            located["lat"].to_numpy(np.float64)[rows],
            located["lon"].to_numpy(np.float64)[rows],
            colour=np.zeros(len(rows), int) if ring else colour[rows],
            palette=[FLAGGED_COLOUR] if ring else colours,
            popups=None if ring else popups,
            tooltips=None if ring else tooltips,
            radius=10 if ring else 6,
        ).add_to(group)
    items = list(zip(classes.colours, classes.labels, strict=True))
    if (classes.index < 0).any():
        items.append((NO_DATA_COLOUR, text["no_events"]))
    if ringed.any():
        items.append((FLAGGED_COLOUR, text["flagged"]))
    Legend(text[measure], items, dots=True).add_to(group)
    return group

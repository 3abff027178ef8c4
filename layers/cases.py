"""Case points: a ``case_points`` frame in, one layer of circle markers out (clustered when there are many).

Markers are coloured by GB/T category major or by status, with a legend. The popup shows category,
status, report time, address, the start of the description and the department: only the fields in
``POPUP_FIELDS``, every text HTML-escaped. A report of an incident reported several times says so:
"1 / N (channels)" (``incident_reports``, ``incident_channels``). Reporter contact never reaches the map,
whatever the frame holds.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import folium
import folium.plugins
import numpy as np
import pandas as pd

from ._classes import CATEGORICAL, categorise
from ._labels import required
from ._legend import Legend
from ._points import PointMarkers

#: Popup field → the frame column it shows, in popup order. Nothing else is ever put in a popup.
POPUP_FIELDS: dict[str, str] = {
    "category": "category_name",
    "status": "status_name",
    "reported_at": "reported_at",
    "address": "address",
    "description": "description",
    "dept": "dept_name",
    "incident": "incident_text",
}
#: The texts the layer needs (``labels``): popup fields, legend titles and "other".
LABELS: tuple[str, ...] = (*POPUP_FIELDS, "legend_category", "legend_status", "other")
#: ``colour_by`` → the column whose values get the colours.
COLOUR_COLUMNS: dict[str, str] = {"category": "major_name", "status": "status_name"}
#: Above this many points the markers are clustered (leaflet.markercluster).
CLUSTER_THRESHOLD = 200
#: Characters of the description shown in a popup.
DESCRIPTION_CHARS = 60


def text_of(value: object) -> str:
    """A cell as display text: "" for missing, minutes for times."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d %H:%M}"
    return str(value)


def _incident_text(frame: pd.DataFrame) -> list[str]:
    """ "1 / N (channels)" for a report of an incident of N > 1 reports, else empty (the line is left out)."""
    channels = frame["incident_channels"] if "incident_channels" in frame.columns else pd.Series("", frame.index)
    return [
        f"1 / {int(n)}" + (f" ({text_of(c)})" if text_of(c) else "") if pd.notna(n) and int(n) > 1 else ""
        for n, c in zip(frame["incident_reports"], channels, strict=True)
    ]


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def case_markers(
    frame: pd.DataFrame,
    *,
    name: str,
    labels: Mapping[str, str],
    colour_by: str = "category",
    palette: Sequence[str] = CATEGORICAL,
    cluster_threshold: int = CLUSTER_THRESHOLD,
    description_chars: int = DESCRIPTION_CHARS,
    show: bool = True,
) -> folium.FeatureGroup | folium.plugins.MarkerCluster:
    """The cases of ``frame`` (``lon``, ``lat``, the ``COLOUR_COLUMNS`` column and any ``POPUP_FIELDS`` columns)
    as circle markers coloured by ``colour_by`` ("category" or "status"), in a layer named ``name``, with the
    texts of ``labels`` (the keys of ``LABELS``): a
    MarkerCluster (itself a FeatureGroup) above ``cluster_threshold`` points, else a FeatureGroup.
    Rows without coordinates are left out.
    """
    if colour_by not in COLOUR_COLUMNS:
        raise ValueError(f"colour_by must be one of {list(COLOUR_COLUMNS)}, got {colour_by!r}")
    needed = ["lon", "lat", COLOUR_COLUMNS[colour_by]]
    missing = [column for column in needed if column not in frame.columns]
    if missing:
        raise ValueError(f"case frame lacks columns {missing}; it has {list(frame.columns)}")
    text = required(labels, LABELS, layer="cases")
    located = frame[frame["lon"].notna() & frame["lat"].notna()]
    if "incident_reports" in located.columns:
        located = located.assign(incident_text=_incident_text(located))
    categories = categorise(located[COLOUR_COLUMNS[colour_by]].tolist(), palette=palette, other_label=text["other"])

    fields = [field for field, column in POPUP_FIELDS.items() if column in located.columns]
    columns = [[text_of(value) for value in located[POPUP_FIELDS[field]]] for field in fields]
    rows = [dict(zip(fields, values, strict=True)) for values in zip(*columns, strict=True)] or [{}] * len(located)
    for row in rows:
        if "description" in row:
            row["description"] = _truncate(row["description"], description_chars)

    if len(located) > cluster_threshold:
        layer: folium.FeatureGroup | folium.plugins.MarkerCluster = folium.plugins.MarkerCluster(
            name=name, show=show, options={"chunkedLoading": True, "disableClusteringAtZoom": 17}
        )
    else:
        layer = folium.FeatureGroup(name=name, show=show)
    PointMarkers(
        located["lat"].to_numpy(np.float64),
        located["lon"].to_numpy(np.float64),
        colour=categories.index,
        palette=categories.colours or palette[:1],
        popups=[[html.escape(row[field]) for field in fields] for row in rows],
        fields=[text[field] for field in fields],
    ).add_to(layer)
    Legend(
        text[f"legend_{colour_by}"], list(zip(categories.colours, categories.labels, strict=True)), dots=True
    ).add_to(layer)
    return layer

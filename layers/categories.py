"""Areas coloured by a class, not a number: hot and cold spots, clusters and outliers, emerging patterns. A frame
of areas in, one ``folium.FeatureGroup`` out, with its legend (only the classes present, in the given order).

Each class has its colour and label from the caller (``colours``, ``labels``: the label table's texts); an area
whose class the caller did not name is drawn in ``other_colour``. Hovering shows the area's name and the texts of
``details`` (already formatted; escaped here).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import folium
import pandas as pd

from ._areas import AreaFeatures, AreaLayer
from ._legend import Legend

REQUIRED_COLUMNS: tuple[str, ...] = ("code", "name", "geom_wkb")


def area_categories(
    frame: pd.DataFrame,
    *,
    column: str,
    colours: Mapping[str, str],
    labels: Mapping[str, str],
    name: str,
    title: str,
    level_label: str,
    details: Mapping[str, Sequence[str]] | None = None,
    other_colour: str = "#eeeeee",
    line_colour: str = "#7a8a99",
    fill_opacity: float = 0.75,
    show: bool = True,
    features: AreaFeatures | None = None,
) -> folium.FeatureGroup:
    """The areas of ``frame`` (``code``, ``name``, ``geom_wkb`` in display lon/lat, and ``column``) filled by the
    colour of their class, in a FeatureGroup named ``name`` with a legend titled ``title``. ``details``: label →
    one text per area, shown on hover below the area's name (under ``level_label``)."""
    missing = [c for c in (*REQUIRED_COLUMNS, column) if c not in frame.columns]
    if missing:
        raise ValueError(f"area frame lacks columns {missing}; it has {list(frame.columns)}")
    unlabelled = [key for key in colours if key not in labels]
    if unlabelled:
        raise ValueError(f"classes {unlabelled} have a colour but no label")
    if features is None:
        features = AreaFeatures(frame)
    elif features.size != len(frame):
        raise ValueError(f"features hold {features.size} areas but the frame has {len(frame)} rows")
    order = list(colours)
    values = frame[column].astype(object).tolist()
    palette = [*colours.values(), other_colour]
    fills = [order.index(v) if v in colours else len(order) for v in values]
    fields = list(details or {})
    texts = [list(texts) for texts in (details or {}).values()]
    for field, column_texts in zip(fields, texts, strict=True):
        if len(column_texts) != len(frame):
            raise ValueError(f"details {field!r} has {len(column_texts)} texts for {len(frame)} areas")
    rows = [[html.escape(str(t[i])) for t in texts] for i in range(len(frame))]
    group = folium.FeatureGroup(name=name, show=show)
    AreaLayer(
        features,
        name=name,
        control=False,
        style={"color": line_colour, "weight": 0.8, "fillOpacity": fill_opacity},
        highlight={"weight": 3, "color": "#333333"},
        heading=level_label,
        fields=fields,
        rows=rows,
        details="tooltip",
        palette=palette,
        fills=fills,
    ).add_to(group)
    present = set(values)
    Legend(title, [(colours[key], labels[key]) for key in order if key in present]).add_to(group)
    return group

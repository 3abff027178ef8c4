"""Areas coloured by a measure (专题图): a frame of areas in, one ``folium.FeatureGroup`` out.

The group holds the coloured areas and their ``Legend`` (plain HTML: title, class ranges, colours), so the
legend goes on and off with the layer in the layer control. Class breaks come from mapclassify
(``layers._classes.classify``); areas whose value is NaN are grey and listed as no data. Each feature carries
its area's ``code`` in its properties, so a click can drill down (``dashboard.maps.show_map``).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import folium
import numpy as np
import pandas as pd

from ._areas import AreaFeatures, AreaLayer
from ._classes import SEQUENTIAL, classify, number_text
from ._legend import Legend

#: Columns an area frame must have besides the measure.
REQUIRED_COLUMNS: tuple[str, ...] = ("code", "name", "geom_wkb")


def area_choropleth(
    frame: pd.DataFrame,
    *,
    measure: str,
    title: str,
    name: str,
    level_label: str,
    no_data_label: str,
    value_format: Callable[[float], str] = number_text,
    scheme: str = "auto",
    k: int = 5,
    palette: Sequence[str] = SEQUENTIAL,
    no_data_colour: str = "#cccccc",
    zero_colour: str | None = None,
    line_colour: str = "#ffffff",
    fill_opacity: float = 0.75,
    show: bool = True,
    features: AreaFeatures | None = None,
) -> folium.FeatureGroup:
    """The areas of ``frame`` (``code``, ``name``, ``geom_wkb`` in display lon/lat, and ``measure``) coloured
    by ``measure`` in at most ``k`` classes (``scheme``, see ``layers._classes``), as a FeatureGroup named
    ``name`` holding the areas and a legend titled ``title``. Hovering shows the area's name (under
    ``level_label``) and its value. ``features``: the ``AreaFeatures`` of this frame when shared.
    ``zero_colour``: for a count, the colour of the areas where it is 0 (nothing happened: not the worst class).
    """
    missing = [column for column in (*REQUIRED_COLUMNS, measure) if column not in frame.columns]
    if missing:
        raise ValueError(f"area frame lacks columns {missing}; it has {list(frame.columns)}")
    if features is None:
        features = AreaFeatures(frame)
    elif features.size != len(frame):
        raise ValueError(f"features hold {features.size} areas but the frame has {len(frame)} rows")
    values = pd.to_numeric(frame[measure], errors="coerce").to_numpy(dtype=np.float64)
    classes = classify(values, k=k, scheme=scheme, palette=palette, value_format=value_format, zero_colour=zero_colour)
    texts = [html.escape(value_format(v) if np.isfinite(v) else no_data_label) for v in values]
    colours = [*classes.colours, no_data_colour]  # class -1 (no data) is the last colour
    fills = [int(i) if i >= 0 else len(colours) - 1 for i in classes.index]

    group = folium.FeatureGroup(name=name, show=show)
    AreaLayer(
        features,
        name=name,
        control=False,
        style={"color": line_colour, "weight": 1, "fillOpacity": fill_opacity},
        highlight={"weight": 3, "color": "#333333"},
        heading=level_label,
        fields=[title],
        rows=[[text] for text in texts],
        details="tooltip",
        palette=colours,
        fills=fills,
    ).add_to(group)
    items = list(zip(classes.colours, classes.labels, strict=True))
    if not np.isfinite(values).all():
        items.append((no_data_colour, no_data_label))
    Legend(title, items).add_to(group)
    return group

"""Grid boundaries: a frame of grid polygons in, one layer of outlines with the grids' names out.

Every string that reaches the map is HTML-escaped, because Leaflet tooltips and popups insert it as HTML.
Only the columns in ``DETAIL_COLUMNS`` are ever put on the map: grid workers' names and other personal data
stay in the database. The polygons can be shared with the choropleth (``AreaFeatures``): the page then
carries them once.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import pandas as pd

from ._areas import AreaFeatures, AreaLayer
from ._labels import required

#: Columns a grid frame must have.
REQUIRED_COLUMNS: tuple[str, ...] = ("code", "name", "geom_wkb")
#: Optional columns shown in the details, in order.
DETAIL_COLUMNS: tuple[str, ...] = ("population", "households", "area_km2")
#: The texts the layer needs (``labels``): the code's and each detail's label.
LABELS: tuple[str, ...] = ("code", *DETAIL_COLUMNS)


def _detail_texts(column: str, values: pd.Series) -> list[str]:
    pattern = "{:,.2f}" if column == "area_km2" else "{:,.0f}"
    return ["—" if pd.isna(value) else pattern.format(float(value)) for value in values]


def grid_boundaries(
    frame: pd.DataFrame,
    *,
    name: str,
    level_label: str,
    labels: Mapping[str, str],
    show_names: bool = True,
    line_colour: str = "#2c5f8a",
    fill_colour: str = "#7fb3d5",
    fill_opacity: float = 0.12,
    weight: float = 1.5,
    show: bool = True,
    features: AreaFeatures | None = None,
) -> AreaLayer:
    """The outlines of the grids in ``frame`` (columns ``code``, ``name``, ``geom_wkb`` in display lon/lat,
    optionally ``population``, ``households``, ``area_km2``), as a layer called ``name``.

    With ``show_names`` each grid's name is written at its centre and the details open on click; without,
    the details show on hover. ``level_label`` names the level in the details (e.g. 街道), ``labels`` the
    code and the details (the keys of ``LABELS``). ``features``:
    the ``AreaFeatures`` of this same frame when another layer draws them too.
    """
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"grid frame lacks columns {missing}; it has {list(frame.columns)}")
    if features is None:
        features = AreaFeatures(frame)
    elif features.size != len(frame):
        raise ValueError(f"features hold {features.size} areas but the frame has {len(frame)} rows")
    names = required(labels, LABELS, layer="grids")
    details = [column for column in DETAIL_COLUMNS if column in frame.columns]
    columns = [[html.escape(str(code)) for code in frame["code"]]]
    columns += [_detail_texts(column, frame[column]) for column in details]
    rows = [list(row) for row in zip(*columns, strict=True)]
    return AreaLayer(
        features,
        name=name,
        show=show,
        style={"color": line_colour, "weight": weight, "fillColor": fill_colour, "fillOpacity": fill_opacity},
        highlight={"weight": weight * 2, "fillOpacity": min(1.0, max(fill_opacity, 0.05) * 2.5)},
        heading=level_label,
        fields=[names["code"], *(names[column] for column in details)],
        rows=rows,
        details="popup" if show_names else "tooltip",
        labels=show_names,
    )

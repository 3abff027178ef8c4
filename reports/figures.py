"""The report's charts and map as static SVG, drawn offline by matplotlib: no JavaScript, nothing fetched.

Reproducible byte for byte: a fixed hash salt for the element ids, no creation date in the metadata, and text
drawn as paths (the SVG needs no font, so a PDF of it is the same on every machine that has the CJK font
matplotlib draws the labels with: Noto Sans CJK, Debian's ``fonts-noto-cjk``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib.pyplot as plt  # Agg: matplotlib's own choice without a display
import numpy as np
import pandas as pd
import shapely
from matplotlib.collections import PatchCollection
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

THIS, LAST = "#2c5f8a", "#b8c7d6"  # this week, last week (blues: red means overdue only)
_STYLE: dict[str, Any] = {
    "svg.hashsalt": "onemap-weekly",
    "svg.fonttype": "path",
    "font.family": ["Noto Sans CJK SC", "DejaVu Sans"],
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
}


@contextmanager
def _figure(width_cm: float, height_cm: float) -> Iterator[tuple[plt.Figure, plt.Axes]]:
    with plt.rc_context(_STYLE):  # type: ignore[arg-type]  # keys checked by matplotlib at run time
        figure, axes = plt.subplots(figsize=(width_cm / 2.54, height_cm / 2.54), layout="constrained")
        try:
            yield figure, axes
        finally:
            plt.close(figure)


def _svg(figure: plt.Figure) -> str:
    with plt.rc_context(_STYLE):  # type: ignore[arg-type]  # keys checked by matplotlib at run time
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = out.getvalue()
    return text[text.index("<svg") :]  # inline in HTML: without the XML declaration and doctype


def week_bars(
    labels: Sequence[str], this: Sequence[float], last: Sequence[float], *, names: tuple[str, str], horizontal: bool
) -> str:
    """Paired bars of this week and last per label (days of the week, channels), as SVG."""
    rows = np.arange(len(labels))
    size = 0.38
    with _figure(16, 6 if not horizontal else max(4.0, 0.7 * len(labels) + 1.5)) as (figure, axes):
        if horizontal:
            axes.barh(rows - size / 2, this, size, color=THIS, label=names[0])
            axes.barh(rows + size / 2, last, size, color=LAST, label=names[1])
            axes.set_yticks(rows, labels)
            axes.invert_yaxis()
        else:
            axes.bar(rows - size / 2, this, size, color=THIS, label=names[0])
            axes.bar(rows + size / 2, last, size, color=LAST, label=names[1])
            axes.set_xticks(rows, labels)
        axes.legend(frameon=False, loc="best")
        return _svg(figure)


def _rings(geometry: shapely.Geometry) -> Iterator[np.ndarray]:
    for polygon in getattr(geometry, "geoms", [geometry]):
        if isinstance(polygon, shapely.Polygon):
            yield np.asarray(polygon.exterior.coords)
            for hole in polygon.interiors:
                yield np.asarray(hole.coords)


def _patch(geometry: shapely.Geometry) -> PathPatch | None:
    rings = list(_rings(geometry))
    if not rings:
        return None
    codes = []
    for ring in rings:
        codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 2) + [MplPath.CLOSEPOLY]
    return PathPatch(MplPath(np.concatenate(rings), codes))


def area_map(
    polygons: pd.DataFrame, classes: Mapping[str, str], colours: Mapping[str, str], legend: Mapping[str, str]
) -> str:
    """The ``polygons`` (``code``, ``geom_wkb``) filled by the colour of their class (``classes``: code → class;
    ``colours`` and ``legend``: class → colour, its label), outlined, with a legend of the classes present."""
    shapes = shapely.from_wkb([bytes(wkb) for wkb in polygons["geom_wkb"]]) if len(polygons) else []
    with _figure(16, 12) as (figure, axes):
        patches, fills = [], []
        for code, shape in zip(polygons["code"], shapes, strict=True):
            patch = _patch(shape)
            if patch is not None:
                patches.append(patch)
                fills.append(colours.get(classes.get(code, ""), "#f2f2f2"))
        axes.add_collection(PatchCollection(patches, facecolors=fills, edgecolors="#555555", linewidths=0.4))
        if len(polygons):
            x0, y0, x1, y1 = shapely.total_bounds(shapes)
            axes.set_xlim(x0, x1)
            axes.set_ylim(y0, y1)
            axes.set_aspect(1 / np.cos(np.radians((y0 + y1) / 2)))  # lon/lat drawn to scale at the middle
        axes.set_axis_off()
        shown = [name for name in colours if name in set(classes.values())]
        handles = [plt.Rectangle((0, 0), 1, 1, color=colours[name]) for name in shown]
        if handles:
            axes.legend(handles, [legend[name] for name in shown], frameon=False, loc="lower left", fontsize=8)
        return _svg(figure)

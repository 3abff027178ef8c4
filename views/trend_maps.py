"""The maps of the trend page: the areas of a level coloured by hot/cold class, cluster or emerging pattern, and
the time playback. Colours here; texts from the label table; polygons shifted and simplified for display as on
the one map (``views.maps``)."""

from __future__ import annotations

import folium
import numpy as np
import pandas as pd

from analytics.emerging import PATTERNS
from analytics.hotspots import CLASSES
from layers import area_categories, area_playback, layer_control, shift_frame, simplify_frame
from layers import playback as playback_layer
from settings import Settings

from .formats import value_format
from .i18n import labels, t
from .maps import map_crs, new_map

#: Hot and cold spots (ColorBrewer RdBu, 7 classes).
CLASS_COLOURS: dict[str, str] = dict(
    zip(CLASSES, ("#b2182b", "#ef8a62", "#fddbc7", "#e3e3e3", "#d1e5f0", "#67a9cf", "#2166ac"), strict=True)
)
#: Local Moran's I: clusters strong, outliers light.
CLUSTER_COLOURS: dict[str, str] = {"HH": "#d7191c", "HL": "#fdae61", "LH": "#abd9e9", "LL": "#2c7bb6", "ns": "#e3e3e3"}
_HOT = ("#67000d", "#a50f15", "#cb181d", "#ef3b2c", "#fb6a4a", "#fc9272", "#fcbba1", "#fee0d2")
_COLD = ("#08306b", "#08519c", "#2171b5", "#4292c6", "#6baed6", "#9ecae1", "#c6dbef", "#deebf7")
#: Emerging patterns: hot ones in reds, cold ones in blues, strongest (new, consecutive, intensifying) darkest.
PATTERN_COLOURS: dict[str, str] = {
    **dict(zip([p for p in PATTERNS if p.endswith("_hot")], _HOT, strict=True)),
    **dict(zip([p for p in PATTERNS if p.endswith("_cold")], _COLD, strict=True)),
    "none": "#e3e3e3",
}
#: What each kind of class map shows: the table column, its colours and the label prefix of its classes.
KINDS: dict[str, tuple[str, dict[str, str], str, str]] = {
    "gi": ("class", CLASS_COLOURS, "trends.class", "trends.map.gi"),
    "moran": ("cluster", CLUSTER_COLOURS, "trends.cluster", "trends.map.moran"),
    "emerging": ("pattern", PATTERN_COLOURS, "trends.pattern", "trends.map.emerging"),
}


def _shown(polygons: pd.DataFrame, codes: pd.Series, settings: Settings) -> pd.DataFrame:
    """The polygons of ``codes`` in their order, shifted to the basemap's system and simplified for display."""
    frame = polygons.set_index("code").reindex(codes.astype(str)).reset_index()
    frame = frame[frame["geom_wkb"].notna()]
    return simplify_frame(shift_frame(frame, map_crs(settings)))


def class_map(
    table: pd.DataFrame, polygons: pd.DataFrame, *, kind: str, level_label: str, lang: str, settings: Settings
) -> folium.Map:
    """The areas of ``table`` (a hotspot or emerging table: ``code``, ``name`` and the kind's column) coloured by
    class; ``kind``: gi, moran or emerging; ``polygons``: a ``grid_polygons`` frame of their level."""
    column, colours, prefix, title_key = KINDS[kind]
    shown = _shown(polygons[["code", "geom_wkb"]], table["code"], settings).merge(
        table.drop(columns=["geom_wkb"], errors="ignore"), on="code"
    )
    m = new_map(settings)
    if shown.empty:
        return m
    names = labels(lang, prefix, tuple(colours))
    details = {t("trends.col.cases", lang): [f"{int(n):,}" for n in shown["cases"]]}
    if "z" in shown.columns:
        details["z"] = [f"{z:.2f}" for z in shown["z"]]
    details[t(f"trends.col.{column}" if column != "class" else "trends.col.class", lang)] = [
        names.get(str(v), str(v)) for v in shown[column]
    ]
    layer = area_categories(
        shown,
        column=column,
        colours=colours,
        labels=names,
        name=t(title_key, lang),
        title=t(title_key, lang),
        level_label=level_label,
        details=details,
    ).add_to(m)
    layer_control().add_to(m)
    (south, west), (north, east) = layer.get_bounds()
    if south is not None and west is not None and north is not None and east is not None:
        m.fit_bounds([[south, west], [north, east]])
    return m


def playback_map(
    counts: pd.DataFrame,
    polygons: pd.DataFrame,
    *,
    steps: list[pd.Timestamp],
    step_names: list[str],
    level_label: str,
    lang: str,
    settings: Settings,
) -> folium.Map:
    """The areas of ``polygons`` coloured period by period by ``counts`` (``code``, ``week`` or ``period``,
    ``cases``), one period per ``steps`` entry (named by ``step_names``), with a player."""
    period = "week" if "week" in counts.columns else "period"
    shown = _shown(polygons[["code", "name", "geom_wkb"]], polygons["code"], settings)
    m = new_map(settings)
    if shown.empty:
        return m
    matrix = (
        counts.pivot_table(index="code", columns=period, values="cases", aggfunc="sum", fill_value=0)
        .reindex(index=shown["code"], columns=steps, fill_value=0)
        .to_numpy(dtype=np.float64)
    )
    layer = area_playback(
        shown,
        matrix,
        steps=step_names,
        name=t("trends.map.playback", lang),
        title=t("trends.map.playback", lang),
        level_label=level_label,
        labels=labels(lang, "trends", playback_layer.LABELS),
        value_format=value_format("cases"),
    ).add_to(m)
    (south, west), (north, east) = layer.get_bounds()
    if south is not None and west is not None and north is not None and east is not None:
        m.fit_bounds([[south, west], [north, east]])
    return m

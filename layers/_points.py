"""Many circle markers from one compact array: what the point layers (cases, cameras, facilities, alerts) share.

A ``folium.CircleMarker`` with a ``folium.Popup`` per point writes its options and popup scaffolding again for
every point (about 1 KB each), so 2,000 cases would take 2 MB of HTML. ``PointMarkers`` writes the points as
one JSON array — position, colour index, popup and tooltip — and a loop that makes the same
``L.circleMarker`` (and, optionally, ``L.circle`` service areas in metres). Popup and tooltip strings are
HTML that the caller has built with every text HTML-escaped; this module only serialises them safely into
the script.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from branca.element import MacroElement
from jinja2 import Template

from ._script import render_script, script_json

_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]+")


class PointMarkers(MacroElement):
    """Circle markers at ``lat``/``lon`` drawn into the parent layer (a FeatureGroup or a MarkerCluster).

    ``colour`` gives each point an index into ``palette``. ``popups`` per point: escaped HTML, or — with
    ``fields`` (labels, escaped here) — a list of escaped values, one per field, shown as "label value" lines
    (the labels are then written once, not once per point; a field labelled "" is a bold title line); "" or
    an empty list for none. ``tooltips``:
    escaped HTML per point. ``circles_m`` draws a non-interactive circle of that radius in metres around
    each point.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var parent = {{ this._parent.get_name() }};
            var palette = {{ this.palette_json }};
            var fields = {{ this.fields_json }};
            var style = {{ this.style_json }};
            var circleStyle = {{ this.circle_style_json }};
            var rows = {{ this.rows_json }};
            function popup(p) {
                if (typeof p === "string") { return p; }
                var lines = [];
                for (var j = 0; j < fields.length; j++) {
                    if (!p[j]) { continue; }
                    lines.push(fields[j] ? "<b>" + fields[j] + "</b> " + p[j] : "<b>" + p[j] + "</b>");
                }
                return lines.join("<br>");
            }
            var layers = [];
            for (var i = 0; i < rows.length; i++) {
                var r = rows[i];
                if (r[5]) {
                    layers.push(L.circle([r[0], r[1]], Object.assign(
                        {radius: r[5], color: palette[r[2]], fillColor: palette[r[2]], interactive: false},
                        circleStyle)));
                }
                var marker = L.circleMarker([r[0], r[1]],
                    Object.assign({color: palette[r[2]], fillColor: palette[r[2]]}, style));
                if (r[3] && r[3].length) { marker.bindPopup(popup(r[3]), {maxWidth: 320}); }
                if (r[4]) { marker.bindTooltip(r[4]); }
                layers.push(marker);
            }
            if (typeof parent.addLayers === "function") {
                parent.addLayers(layers);
            } else {
                layers.forEach(function (layer) { parent.addLayer(layer); });
            }
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        *,
        colour: npt.ArrayLike,
        palette: Sequence[str],
        popups: Sequence[str | Sequence[str]] | None = None,
        fields: Sequence[str] = (),
        tooltips: Sequence[str] | None = None,
        circles_m: npt.ArrayLike | None = None,
        radius: float = 5.0,
        weight: float = 1.0,
        fill_opacity: float = 0.85,
        circle_opacity: float = 0.08,
    ) -> None:
        super().__init__()
        self._name = "PointMarkers"
        lat_a = np.round(np.asarray(lat, dtype=np.float64), 6)
        lon_a = np.round(np.asarray(lon, dtype=np.float64), 6)
        n = len(lat_a)
        colour_a = np.asarray(colour, dtype=np.int64)
        if len(lon_a) != n or len(colour_a) != n:
            raise ValueError(f"lat, lon and colour must have the same length, got {n}, {len(lon_a)}, {len(colour_a)}")
        if not (np.isfinite(lat_a).all() and np.isfinite(lon_a).all()):
            raise ValueError("point coordinates may not contain NaNs; drop unlocated rows first")
        bad = [c for c in palette if not _COLOUR.fullmatch(c)]
        if bad:
            raise ValueError(f"palette colours must be CSS colours like '#e34a33', got {bad}")
        if n and (colour_a.min() < 0 or colour_a.max() >= len(palette)):
            raise ValueError(f"colour indexes must lie in 0 … {len(palette) - 1}")
        popup_l = [p if isinstance(p, str) else list(p) for p in popups] if popups is not None else [""] * n
        tooltip_l = list(tooltips) if tooltips is not None else [""] * n
        circles = np.zeros(n) if circles_m is None else np.asarray(circles_m, dtype=np.float64)
        if len(popup_l) != n or len(tooltip_l) != n or len(circles) != n:
            raise ValueError(f"popups, tooltips and circles_m need one entry per point ({n})")
        circle_list = [round(c, 1) if math.isfinite(c) and c > 0 else 0 for c in circles.tolist()]
        self.rows = [
            list(row)
            for row in zip(
                lat_a.tolist(), lon_a.tolist(), colour_a.tolist(), popup_l, tooltip_l, circle_list, strict=True
            )
        ]
        self.palette_json = script_json(list(palette))
        self.fields_json = script_json([html.escape(field) for field in fields])
        self.style_json = script_json({"radius": radius, "weight": weight, "fillOpacity": fill_opacity})
        self.circle_style_json = script_json({"weight": 1, "opacity": 0.5, "fillOpacity": circle_opacity})
        self.rows_json = script_json(self.rows)

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # branca: Element.render -> str
        render_script(self, **kwargs)

    def _get_self_bounds(self) -> list[list[float | None]]:
        if not self.rows:
            return [[None, None], [None, None]]
        lats = [row[0] for row in self.rows]
        lons = [row[1] for row in self.rows]
        return [[min(lats), min(lons)], [max(lats), max(lons)]]

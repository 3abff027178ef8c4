"""A legend in plain HTML and CSS (branca colormaps would make streamlit-folium fetch d3 from a CDN).

Add a ``Legend`` to a layer (a FeatureGroup, MarkerCluster or GeoJson): it is shown while that layer is on
the map and hidden when the layer is switched off in the layer control. The title and labels are text:
they are HTML-escaped here.

Legends of points (dots) stack in the bottom-left corner, those of areas in the bottom-right one, under the
layer control (top right). A corner's legends never reach the controls above them: the corner is given the
map's height less theirs, and scrolls when its legends are taller (every layer on, a small map).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

import folium
from branca.element import MacroElement
from jinja2 import Template

from ._script import figure, script_json

_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]+")
_POSITIONS = ("topleft", "topright", "bottomleft", "bottomright")
_CSS = """<style>
.onemap-legend { background: rgba(255, 255, 255, 0.9); padding: 6px 8px; border-radius: 4px;
    box-shadow: 0 1px 4px rgba(0, 0, 0, 0.3); font-size: 12px; line-height: 18px; color: #1f2d3d; }
.onemap-legend-title { font-weight: 600; margin-bottom: 2px; }
.onemap-legend i { display: inline-block; width: 14px; height: 12px; margin-right: 6px; vertical-align: -1px;
    border: 1px solid rgba(0, 0, 0, 0.25); }
.onemap-legend i.onemap-dot { border-radius: 50%; width: 11px; height: 11px; }
.onemap-legend-note { color: #5a6b7d; font-size: 11px; line-height: 14px; max-width: 160px; }
</style>"""


def legend_html(title: str, items: Sequence[tuple[str, str]], *, dots: bool = False, note: str | None = None) -> str:
    """The legend's inner HTML: ``title``, one swatch per (colour, label) and a ``note`` below, text escaped."""
    rows = [f'<div class="onemap-legend-title">{html.escape(title)}</div>']
    shape = ' class="onemap-dot"' if dots else ""
    for colour, label in items:
        if not _COLOUR.fullmatch(colour):
            raise ValueError(f"legend colour must be a CSS colour like '#e34a33', got {colour!r}")
        rows.append(f'<div><i{shape} style="background:{colour}"></i>{html.escape(label)}</div>')
    if note:
        rows.append(f'<div class="onemap-legend-note">{html.escape(note)}</div>')
    return "".join(rows)


class Legend(MacroElement):
    """A legend box that follows its parent layer on and off the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var layer = {{ this._parent.get_name() }};
            var legend = L.control({position: {{ this.position|tojson }}});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "onemap-legend");
                div.innerHTML = {{ this.html_json }};
                return div;
            };
            // The corner of the legends may not reach the controls above it (the layer control, the zoom).
            function fit(map) {
                ["left", "right"].forEach(function (side) {
                    var top = map._controlCorners["top" + side], bottom = map._controlCorners["bottom" + side];
                    var room = map.getSize().y - top.offsetHeight - 10;
                    bottom.style.maxHeight = Math.max(room, 60) + "px";
                    bottom.style.overflowY = "auto";
                    bottom.style.overflowX = "hidden";
                });
            }
            function show(map) {
                legend.addTo(map);
                fit(map);
                setTimeout(function () { fit(map); }, 0);  // once the controls added after it are there
                if (!map._onemapFitsLegends) {
                    map._onemapFitsLegends = true;
                    map.on("resize overlayadd overlayremove", function () { fit(map); });
                }
            }
            layer.on("add", function () { show(layer._map); });
            layer.on("remove", function () { var map = legend._map; legend.remove(); if (map) { fit(map); } });
            if (layer._map) { show(layer._map); }
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        title: str,
        items: Sequence[tuple[str, str]],
        *,
        dots: bool = False,
        note: str | None = None,
        position: str | None = None,
    ) -> None:
        super().__init__()
        position = position or ("bottomleft" if dots else "bottomright")
        if position not in _POSITIONS:
            raise ValueError(f"legend position must be one of {list(_POSITIONS)}, got {position!r}")
        self._name = "Legend"
        self.position = position
        self.html = legend_html(title, items, dots=dots, note=note)
        self.html_json = script_json(self.html)

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # branca: Element.render -> str
        figure(self).header.add_child(folium.Element(_CSS), name="onemap_legend_css")
        super().render(**kwargs)

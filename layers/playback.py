"""Time playback: the areas coloured by their count in each period of a range, played period by period with a
play/pause button and a slider in the map's corner (plain Leaflet and JavaScript: nothing fetched, offline).

One set of class breaks spans every period (``layers._classes.classify`` over all values), so a colour means the
same count throughout, and the legend holds for the whole playback.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import folium
import numpy as np
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from ._areas import AreaFeatures, AreaLayer
from ._classes import SEQUENTIAL, classify, number_text
from ._legend import Legend
from ._script import render_script, script_json

#: The texts the layer needs (``labels``): the buttons' titles.
LABELS: tuple[str, ...] = ("play", "pause")


class _Player(MacroElement):
    """The control that steps its parent ``AreaLayer`` through the periods."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var layer = {{ this._parent.get_name() }};
            var steps = {{ this.steps_json }};
            var fills = {{ this.fills_json }};
            var palette = {{ this.palette_json }};
            var labels = {{ this.labels_json }};
            var control = L.control({position: "bottomleft"});
            var step = steps.length - 1, timer = null;
            control.onAdd = function () {
                var div = L.DomUtil.create("div", "onemap-legend onemap-player");
                div.innerHTML = '<button type="button" title="' + labels.play + '">&#9654;</button> '
                    + '<input type="range" min="0" max="' + (steps.length - 1) + '" value="' + step + '"> '
                    + '<span></span>';
                L.DomEvent.disableClickPropagation(div);
                var button = div.querySelector("button"), slider = div.querySelector("input"),
                    label = div.querySelector("span");
                function show(k) {
                    step = k; slider.value = k; label.textContent = steps[k];
                    layer.eachLayer(function (sub) {
                        sub.setStyle({fillColor: palette[fills[k][sub.feature.properties.i]]});
                    });
                }
                function stop() {
                    if (timer) { clearInterval(timer); timer = null; }
                    button.innerHTML = "&#9654;"; button.title = labels.play;
                }
                button.onclick = function () {
                    if (timer) { stop(); return; }
                    if (step >= steps.length - 1) { show(0); }
                    button.innerHTML = "&#10074;&#10074;"; button.title = labels.pause;
                    timer = setInterval(function () {
                        if (step >= steps.length - 1) { stop(); } else { show(step + 1); }
                    }, {{ this.interval_ms }});
                };
                slider.oninput = function () { stop(); show(parseInt(slider.value, 10)); };
                setTimeout(function () { show(step); }, 0);
                return div;
            };
            layer.on("add", function () { control.addTo(layer._map); });
            layer.on("remove", function () { control.remove(); });
            if (layer._map) { control.addTo(layer._map); }
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self, steps: Sequence[str], fills: np.ndarray, palette: Sequence[str], labels: dict[str, str], interval_ms: int
    ) -> None:
        super().__init__()
        self._name = "Player"
        self.steps_json = script_json([html.escape(step) for step in steps])
        self.fills_json = script_json(fills.tolist())
        self.palette_json = script_json(list(palette))
        self.labels_json = script_json({key: html.escape(text) for key, text in labels.items()})
        self.interval_ms = int(interval_ms)

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # branca: Element.render -> str
        render_script(self, **kwargs)


def area_playback(
    frame: pd.DataFrame,
    values: np.ndarray,
    *,
    steps: Sequence[str],
    name: str,
    title: str,
    level_label: str,
    labels: dict[str, str],
    value_format: Callable[[float], str] = number_text,
    k: int = 5,
    palette: Sequence[str] = SEQUENTIAL,
    interval_ms: int = 800,
    show: bool = True,
    features: AreaFeatures | None = None,
) -> folium.FeatureGroup:
    """The areas of ``frame`` (``code``, ``name``, ``geom_wkb``) coloured by ``values`` (areas × periods, in the
    order of ``steps``, the periods' names), starting at the last period, with a player and a legend."""
    missing = [c for c in ("code", "name", "geom_wkb") if c not in frame.columns]
    if missing:
        raise ValueError(f"area frame lacks columns {missing}; it has {list(frame.columns)}")
    matrix = np.asarray(values, dtype=np.float64)
    if matrix.shape != (len(frame), len(steps)) or not len(steps):
        raise ValueError(f"values must be areas × periods ({len(frame)} × {len(steps)}), got shape {matrix.shape}")
    text = {key: str(labels[key]) for key in LABELS if key in labels}
    if len(text) != len(LABELS):
        raise ValueError(f"playback labels lack {[key for key in LABELS if key not in labels]}")
    classes = classify(matrix.ravel(), k=k, palette=palette, value_format=value_format)
    colours = [*classes.colours, "#cccccc"]
    index = classes.index.reshape(matrix.shape)
    fills = np.where(index >= 0, index, len(colours) - 1).T  # periods × areas
    features = features or AreaFeatures(frame)
    group = folium.FeatureGroup(name=name, show=show)
    layer = AreaLayer(
        features,
        name=name,
        control=False,
        style={"color": "#ffffff", "weight": 1, "fillOpacity": 0.75},
        highlight={"weight": 3, "color": "#333333"},
        heading=level_label,
        details="tooltip",
        palette=colours,
        fills=fills[-1].tolist(),
    ).add_to(group)
    _Player(steps, fills, colours, text, interval_ms).add_to(layer)
    Legend(title, list(zip(classes.colours, classes.labels, strict=True))).add_to(group)
    return group

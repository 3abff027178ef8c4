"""The dispatch page's charts: a frame in, one plotly figure out (no SQL, no Streamlit; labels in ``lang``)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .dispatch_map import LIGHT_COLOURS
from .i18n import t

_FONT = {"family": "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif", "size": 13}
#: Flows shown in the Sankey: the largest ones (the rest would be hairlines).
SANKEY_FLOWS = 40


def _check(frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"chart frame lacks columns {missing}; it has {list(frame.columns)}")


def handoff_sankey(flows: pd.DataFrame, departments: pd.DataFrame, *, lang: str = "zh") -> go.Figure:
    """First-dispatched → last department of the dispatched cases (``handoff_flows``: ``first_dept``,
    ``last_dept``, ``cases``), the ``SANKEY_FLOWS`` largest flows, departments named from ``department_names``."""
    _check(flows, ("first_dept", "last_dept", "cases"))
    names = dict(zip(departments["dept_code"], departments["label"], strict=True))
    top = flows.nlargest(SANKEY_FLOWS, "cases")
    firsts = list(dict.fromkeys(top["first_dept"].fillna("?")))
    lasts = list(dict.fromkeys(top["last_dept"].fillna("?")))
    labels = [t("handoffs.first", lang, dept=names.get(d, d)) for d in firsts]
    labels += [t("handoffs.last", lang, dept=names.get(d, d)) for d in lasts]
    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={"label": labels, "pad": 8, "thickness": 12, "color": "#2c5f8a"},
            link={
                "source": [firsts.index(d) for d in top["first_dept"].fillna("?")],
                "target": [len(firsts) + lasts.index(d) for d in top["last_dept"].fillna("?")],
                "value": top["cases"].tolist(),
                "color": [
                    "rgba(215,48,31,0.45)" if a != b else "rgba(44,95,138,0.25)"
                    for a, b in zip(top["first_dept"], top["last_dept"], strict=True)
                ],
            },
        )
    )
    figure.update_layout(
        title=t("handoffs.sankey", lang),
        height=max(360, 18 * len(firsts)),
        font=_FONT,
        margin={"l": 8, "r": 8, "t": 36, "b": 8},
    )
    return figure


def step_light_bars(counts: pd.DataFrame, *, lang: str = "zh") -> go.Figure:
    """Open cases per step (``views.dispatch.step_light_counts``: steps as rows, lights as columns), stacked by
    light, steps in workflow order."""
    figure = go.Figure()
    steps = [t(f"step.{key}", lang) for key in counts.index]
    for light, colour in LIGHT_COLOURS.items():
        values = counts[light] if light in counts.columns else pd.Series(0, index=counts.index)
        figure.add_trace(
            go.Bar(
                x=steps,
                y=values,
                name=t(f"light.{light}", lang),
                marker_color=colour,
                hovertemplate="%{x}: %{y:,}<extra></extra>",
            )
        )
    figure.update_layout(
        title=t("lights.chart", lang),
        barmode="stack",
        height=320,
        font=_FONT,
        template="plotly_white",
        margin={"l": 8, "r": 8, "t": 36, "b": 8},
        yaxis={"tickformat": ",d", "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.15},
    )
    return figure

"""Charts: a query's frame in, one plotly figure out. No SQL and no Streamlit here; labels are Chinese."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

_LAYOUT = {
    "template": "plotly_white",
    "height": 380,
    "margin": {"l": 8, "r": 40, "t": 36, "b": 8},
    "font": {"family": "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif", "size": 13},
    "showlegend": False,
}


def _check(frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"chart frame lacks columns {missing}; it has {list(frame.columns)}")


def _finish(figure: go.Figure, counts: pd.Series, *, axis: str) -> go.Figure:
    # Counts are whole numbers: no 0.5 ticks when they are small.
    figure.update_layout({f"{axis}axis": {"tickformat": ",d", "rangemode": "tozero"}})
    if counts.empty or counts.max() <= 8:
        figure.update_layout({f"{axis}axis": {"dtick": 1}})
    if counts.empty:
        figure.add_annotation(text="所选日期内没有案件", showarrow=False, font={"size": 15, "color": "#888"})
    return figure


def _horizontal_bar(frame: pd.DataFrame, colours: str | list[str], *, title: str) -> go.Figure:
    figure = go.Figure(
        go.Bar(
            x=frame["cases"],
            y=frame["name_zh"],
            orientation="h",
            marker_color=colours,
            texttemplate="%{x:,}",
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}：%{x:,} 件<extra></extra>",
        )
    )
    figure.update_layout(title=title, xaxis_title="案件数", yaxis_title=None, **_LAYOUT)
    figure.update_yaxes(autorange="reversed")  # first row on top
    return _finish(figure, frame["cases"], axis="x")


def channel_bar(frame: pd.DataFrame, *, colour: str = "#2c5f8a") -> go.Figure:
    """Cases per channel, most on top, from ``cases_by_channel`` (``name_zh``, ``cases``)."""
    _check(frame, ("name_zh", "cases"))
    return _horizontal_bar(frame.sort_values("cases", ascending=False), colour, title="按来源渠道")


def status_bar(frame: pd.DataFrame, *, open_colour: str = "#d9822b", done_colour: str = "#2c5f8a") -> go.Figure:
    """Cases per current state in workflow order (first on top), from ``cases_by_status`` (``name_zh``,
    ``is_open``, ``cases``); states that still need work in ``open_colour``.
    """
    _check(frame, ("name_zh", "is_open", "cases"))
    colours = [open_colour if pd.notna(is_open) and bool(is_open) else done_colour for is_open in frame["is_open"]]
    return _horizontal_bar(frame, colours, title="按当前状态（橙色：仍需办理）")

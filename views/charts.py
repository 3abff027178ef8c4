"""Charts: a query's frame in, one plotly figure out. No SQL and no Streamlit here; labels in ``lang``."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .i18n import name_column, t

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


def _finish(figure: go.Figure, counts: pd.Series, *, axis: str, lang: str) -> go.Figure:
    # Counts are whole numbers: no 0.5 ticks when they are small.
    figure.update_layout({f"{axis}axis": {"tickformat": ",d", "rangemode": "tozero"}})
    if counts.empty or counts.max() <= 8:
        figure.update_layout({f"{axis}axis": {"dtick": 1}})
    if counts.empty:
        figure.add_annotation(text=t("chart.empty", lang), showarrow=False, font={"size": 15, "color": "#888"})
    return figure


def _horizontal_bar(frame: pd.DataFrame, colours: str | list[str], *, title: str, lang: str) -> go.Figure:
    figure = go.Figure(
        go.Bar(
            x=frame["cases"],
            y=frame[name_column(lang)],
            orientation="h",
            marker_color=colours,
            texttemplate="%{x:,}",
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    figure.update_layout(title=title, xaxis_title=t("chart.cases", lang), yaxis_title=None, **_LAYOUT)
    figure.update_yaxes(autorange="reversed")  # first row on top
    return _finish(figure, frame["cases"], axis="x", lang=lang)


def channel_bar(frame: pd.DataFrame, *, colour: str = "#2c5f8a", lang: str = "zh") -> go.Figure:
    """Cases per channel, most on top, from ``cases_by_channel`` (``name_zh``/``name_en``, ``cases``)."""
    _check(frame, (name_column(lang), "cases"))
    return _horizontal_bar(
        frame.sort_values("cases", ascending=False), colour, title=t("chart.by_channel", lang), lang=lang
    )


def status_bar(
    frame: pd.DataFrame, *, open_colour: str = "#d9822b", done_colour: str = "#2c5f8a", lang: str = "zh"
) -> go.Figure:
    """Cases per current state in workflow order (first on top), from ``cases_by_status`` (``name_zh``/
    ``name_en``, ``is_open``, ``cases``); states that still need work in ``open_colour``.
    """
    _check(frame, (name_column(lang), "is_open", "cases"))
    colours = [open_colour if pd.notna(is_open) and bool(is_open) else done_colour for is_open in frame["is_open"]]
    return _horizontal_bar(frame, colours, title=t("chart.by_status", lang), lang=lang)


def sparkline(frame: pd.DataFrame, *, colour: str = "#2c5f8a", height: int = 70) -> go.Figure:
    """Cases per day from ``daily_counts`` (``day``, ``cases``) as a tiny line without axes or margins."""
    _check(frame, ("day", "cases"))
    figure = go.Figure(
        go.Scatter(
            x=frame["day"],
            y=frame["cases"],
            mode="lines" if len(frame) > 7 else "lines+markers",  # one day is a dot, not nothing
            line={"color": colour, "width": 1.5},
            marker={"size": 5},
            fill="tozeroy",
            fillcolor="rgba(44, 95, 138, 0.12)",
            hovertemplate="%{x|%Y-%m-%d}: %{y:,}<extra></extra>",
        )
    )
    figure.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 0, "r": 0, "t": 4, "b": 0},
        showlegend=False,
        xaxis={"visible": False},
        yaxis={"visible": False, "rangemode": "tozero"},
    )
    return figure


def series_chart(
    frame: pd.DataFrame, *, names: dict[str, str] | None = None, lang: str = "zh", top: int = 8
) -> go.Figure:
    """Cases per period from ``queries.time_series`` (``period``, ``key``, ``cases``), one line per key: the
    ``top`` largest keys, the rest summed as "other". ``names``: a display name per key."""
    _check(frame, ("period", "key", "cases"))
    totals = frame.groupby("key")["cases"].sum().sort_values(ascending=False)
    kept = list(totals.index[:top])
    other = t("layer.cases.other", lang)
    grouped = frame.assign(key=frame["key"].where(frame["key"].isin(kept), other))
    grouped = grouped.groupby(["period", "key"], as_index=False)["cases"].sum()
    figure = go.Figure()
    for key in [*kept, other] if other in set(grouped["key"]) else kept:
        rows = grouped[grouped["key"] == key]
        label = (names or {}).get(key, key) if key != "all" else t("chart.cases", lang)
        figure.add_trace(
            go.Scatter(
                x=rows["period"],
                y=rows["cases"],
                mode="lines+markers" if len(rows) <= 31 else "lines",
                name=label,
                hovertemplate=f"{label} %{{x|%Y-%m-%d}}: %{{y:,}}<extra></extra>",
            )
        )
    figure.update_layout(**{**_LAYOUT, "showlegend": len(kept) > 1}, yaxis_title=t("chart.cases", lang))
    return _finish(figure, frame["cases"], axis="y", lang=lang)


def hour_weekday_chart(frame: pd.DataFrame, *, lang: str = "zh") -> go.Figure:
    """Cases by weekday (rows, Monday first) and hour (columns) from ``queries.hour_weekday``, as a heat table."""
    _check(frame, ("weekday", "hour", "cases"))
    grid = frame.pivot_table(index="weekday", columns="hour", values="cases", aggfunc="sum", fill_value=0)
    grid = grid.reindex(index=range(1, 8), columns=range(24), fill_value=0)
    figure = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=[f"{h:02d}" for h in range(24)],
            y=t("trends.weekdays", lang).split(","),
            colorscale="OrRd",
            hovertemplate="%{y} %{x}:00 — %{z:,}<extra></extra>",
        )
    )
    figure.update_layout(
        **{**_LAYOUT, "height": 300}, title=t("trends.hour_weekday", lang), xaxis_title=t("trends.hour", lang)
    )
    figure.update_yaxes(autorange="reversed")
    return figure

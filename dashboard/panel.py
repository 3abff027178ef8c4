"""The panel beside the map: the chosen area's figures (``queries.panel``), its top categories and daily trend,
and the download buttons for what the screen shows (``views.exports``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

import queries
from settings import Settings
from views import charts, exports
from views.calls import QueryCall
from views.formats import measure_text
from views.i18n import name_column, translator

from . import cache


def show_figures(
    figures: pd.Series,
    top: pd.DataFrame,
    trend: pd.DataFrame,
    *,
    lang: str,
    as_of: dt.datetime,
    colour: str,
    unclassified: int = 0,
    overdue: int | None = None,
) -> None:
    """Four figures (an ``area_figures`` row), the top categories (``top_categories``), how many cases have no
    GB/T class (``unclassified``, always said when any) and a sparkline of the daily counts (``daily_counts``).
    ``overdue``: the pending cases past their deadline whenever reported (``overdue_pending``), the same number as
    the alerts' legend on the map; else the figures' own (of the cases reported in the period).
    """
    t = translator(lang)
    closed, awaiting = int(figures["closed"]), int(figures["awaiting_closure"])
    left, right = st.columns(2)
    left.metric(t("panel.cases"), f"{int(figures['cases']):,}")
    right.metric(
        t("panel.overdue"),
        f"{int(figures['overdue'] if overdue is None else overdue):,}",
        help=t("panel.overdue_help" if overdue is None else "panel.overdue_now_help", as_of=f"{as_of:%Y-%m-%d %H:%M}"),
    )
    left.metric(
        t("panel.closure_rate"),
        measure_text("closure_rate", figures["closure_rate"]),
        help=t("panel.closure_help", closed=f"{closed:,}", awaiting=f"{awaiting:,}"),
    )
    right.metric(
        t("panel.on_time_closure_rate"),
        measure_text("on_time_closure_rate", figures["on_time_closure_rate"]),
        help=t("panel.on_time_help", on_time=f"{int(figures['closed_on_time']):,}"),
    )
    st.markdown(f"**{t('panel.trend')}**")
    st.plotly_chart(charts.sparkline(trend, colour=colour), config={"displayModeBar": False}, key="sparkline")
    if len(trend) > 1 and trend["cases"].max() > 0:
        peak = trend.loc[trend["cases"].idxmax()]
        mean, day = f"{trend['cases'].mean():,.0f}", f"{pd.Timestamp(peak['day']):%m-%d}"
        st.caption(t("panel.trend_note", mean=mean, peak=f"{int(peak['cases']):,}", day=day))
    st.markdown(f"**{t('panel.top')}**")
    if top.empty:
        st.caption(t("panel.none"))
        return
    table = pd.DataFrame(
        {
            "name": top[name_column(lang)].fillna(t("panel.unmapped")),
            "cases": top["cases"].astype(int),
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "name": st.column_config.TextColumn(t("col.category_name")),
            "cases": st.column_config.ProgressColumn(
                t("measure.cases"), min_value=0, max_value=int(table["cases"].max()), format="%d", color=colour
            ),
        },
    )
    if unclassified:  # kept in sight when it is not among the top classes
        share = f"{unclassified / max(int(figures['cases']), 1):.1%}"
        st.caption(t("panel.unclassified", cases=f"{unclassified:,}", share=share))


def show_downloads(
    *, areas: pd.DataFrame, filters: dict[str, Any], total: int, lang: str, settings: Settings, stem: str
) -> None:
    """Download buttons: the cases matching ``filters`` (all ``total`` of them, up to ``settings.max_export_rows``)
    and the ``areas`` table, each as CSV and GeoJSON. Case files are built when a button is pressed.
    """
    t = translator(lang)
    cap = settings.max_export_rows

    def case_rows() -> pd.DataFrame:
        return cache.fresh_frame(settings, QueryCall.of(queries.case_export, limit=cap, **filters))

    builders: dict[str, tuple[Callable[[], bytes], str, str]] = {
        "cases_csv": (lambda: exports.cases_csv(case_rows(), lang=lang), "cases.csv", "text/csv"),
        "cases_geojson": (
            lambda: exports.cases_geojson(case_rows(), lang=lang),
            "cases.geojson",
            "application/geo+json",
        ),
        "areas_csv": (lambda: exports.areas_csv(areas, lang=lang), "areas.csv", "text/csv"),
        "areas_geojson": (
            lambda: exports.areas_geojson(areas, lang=lang),
            "areas.geojson",
            "application/geo+json",
        ),
    }
    st.markdown(f"**{t('export.title')}**")
    if total > cap:
        st.warning(t("export.capped", total=f"{total:,}", cap=f"{cap:,}"))
    with st.container(horizontal=True, gap="small"):
        for key, (build, suffix, mime) in builders.items():
            st.download_button(
                t(f"export.{key}"),
                data=build,
                file_name=f"onemap_{stem}_{suffix}",
                mime=mime,
                key=f"onemap_download_{key}",
                help=(
                    t("export.geojson_help" if key == "cases_geojson" else "export.help", rows=f"{min(total, cap):,}")
                    if key.startswith("cases")
                    else None
                ),
                on_click="ignore",
                icon=":material/download:",
            )

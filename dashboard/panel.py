"""The panel beside the map: the chosen area's figures (``queries.panel``), its top categories and daily trend,
and the download buttons for what the screen shows (``views.exports``), each download confined to the user's
area and written to the audit log when it is built.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import streamlit as st

import queries
from settings import Settings
from views import audit, charts, exports
from views.calls import QueryCall
from views.formats import measure_text
from views.i18n import name_column, translator
from views.scope import Scope

from . import auth, cache


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


def _audited(
    build: Callable[[pd.DataFrame], bytes], rows: Callable[[], pd.DataFrame], record: Callable[[int], None]
) -> Callable[[], bytes]:
    """A download's callable: reads ``rows``, writes the audit row (with their number), builds the file."""

    def built() -> bytes:
        frame = rows()
        record(len(frame))
        return build(frame)

    return built


def show_downloads(*, areas: pd.DataFrame, scope: Scope, total: int, settings: Settings, stem: str) -> None:
    """Download buttons: the cases of ``scope`` (all ``total`` of them, up to ``settings.max_export_rows``) and
    the ``areas`` table, each as CSV and GeoJSON, for a user who may export. Files are built when a button is
    pressed (outside the script run: what they need is captured here), confined to the user's area, and each
    build is written to the audit log with its rows.
    """
    access, lang = scope.access, scope.lang
    if not access.can("export"):
        return
    t = translator(lang)
    cap = settings.max_export_rows
    store, client = auth.store(settings), auth.client()
    call = QueryCall.of(queries.case_export, limit=cap, **scope.case_filters())

    def case_rows() -> pd.DataFrame:
        return cache.fresh_frame(settings, call, access=access)

    def recorder(file_name: str) -> Callable[[int], None]:
        def record(rows: int) -> None:
            event = audit.event(
                "export",
                access,
                scope=scope,
                default_lang=settings.language,
                rows=rows,
                detail=file_name,
                client=client,
            )
            store.record(event)

        return record

    files: dict[str, tuple[Callable[[pd.DataFrame], bytes], Callable[[], pd.DataFrame], str, str]] = {
        "cases_csv": (lambda f: exports.cases_csv(f, lang=lang), case_rows, "cases.csv", "text/csv"),
        "cases_geojson": (
            lambda f: exports.cases_geojson(f, lang=lang),
            case_rows,
            "cases.geojson",
            "application/geo+json",
        ),
        "areas_csv": (lambda f: exports.areas_csv(f, lang=lang), lambda: areas, "areas.csv", "text/csv"),
        "areas_geojson": (
            lambda f: exports.areas_geojson(f, lang=lang),
            lambda: areas,
            "areas.geojson",
            "application/geo+json",
        ),
    }
    builders: dict[str, tuple[Callable[[], bytes], str, str]] = {
        key: (_audited(build, rows, recorder(f"onemap_{stem}_{suffix}")), suffix, mime)
        for key, (build, rows, suffix, mime) in files.items()
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

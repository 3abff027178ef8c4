"""一张图: the areas under the chosen one shaded by a measure, with the cases, cameras, facilities and deadline
alerts on top; the area's figures and the exports beside it. Redraws itself every ``refresh_seconds``."""

import streamlit as st

from core.clock import local_minute
from dashboard import audit_log, auth, cache, context, panel, sidebar
from dashboard.map_widget import show_map
from views.i18n import translator
from views.maps import build_map, offered_basemaps
from views.pages import map_page

settings = context.settings()


@st.fragment(run_every=settings.refresh_seconds)
def one_map() -> None:
    scope, run = context.scope(), cache.runner(settings)
    now = local_minute(settings.timezone)
    if not auth.still_signed_in(settings) or sidebar.period_moved(scope, run, today=now.date()):
        st.rerun(scope="app")  # signed out (idle), midnight passed, or newer data: the whole app runs again
    t = translator(scope.lang)
    st.subheader(" › ".join(area.name for area in scope.chain) or t("area.all"))
    st.caption(
        f"{t('period.range', start=scope.start, end=scope.end)} · {t(f'count.statement.{scope.state.count_by}')}"
    )
    map_column, panel_column = st.columns([3, 1], gap="medium")
    with map_column:
        choice = len(offered_basemaps(settings)) > 1  # a basemap box only when there is a choice
        pick, *base, note = st.columns([1, 1, 2] if choice else [1, 2], vertical_alignment="bottom")
        scope = sidebar.draw_measure(scope, settings, t, pick)
        basemap = sidebar.draw_basemap(settings, t, base[0], lang=scope.lang) if base else None
        page = map_page(scope, run, settings=settings, now=now, basemap=basemap)
        total, shown = page.view.points_total, len(page.view.points)
        if not scope.access.can("case_details"):
            note.caption(t("access.no_details"))
        elif page.points_capped:
            note.caption(t("map.points_over", total=f"{total:,}", cap=f"{settings.max_points:,}"))
        else:
            note.caption(t("map.points_shown", shown=f"{shown:,}", total=f"{total:,}"))
            audit_log.case_view(settings, scope, rows=shown)
        clicked = show_map(
            build_map(page.view, settings=settings), settings=settings, key=f"map_{scope.area}", clickable=True
        )
        if clicked in set(page.view.areas["code"]) - {scope.area}:
            sidebar.go_to(clicked)
            st.rerun(scope="app")  # the sidebar's breadcrumb and pick list follow
    with panel_column:
        as_of = scope.as_of(now)
        panel.show_figures(
            page.figures,
            page.top,
            page.trend,
            lang=scope.lang,
            as_of=as_of,
            colour=settings.chart_colour,
            unclassified=page.unclassified,
            overdue=page.overdue,
        )
        stem = f"{scope.area or 'all'}_{scope.start:%Y%m%d}-{scope.end:%Y%m%d}"
        panel.show_downloads(
            areas=page.view.areas, scope=scope, total=int(page.figures["cases"]), settings=settings, stem=stem
        )


one_map()

"""一张图: the areas under the chosen one shaded by a measure, with the cases, cameras, facilities and deadline
alerts on top; the area's figures and the exports beside it. Redraws itself every ``refresh_seconds``.
"""

import pandas as pd
import streamlit as st

from dashboard import cache, drill, panel, queries, sidebar
from dashboard.clock import local_now
from dashboard.i18n import map_labels, name_column, translator
from dashboard.maps import MEASURE_FORMATS, MapView, build_map, show_map
from settings import load_settings

settings = load_settings()
MEASURES = ("cases", "per_1000", "per_km2", "closure_rate", "on_time_closure_rate", "overdue", "satisfaction_rate")
assert set(MEASURES) <= set(MEASURE_FORMATS), "a measure the map cannot draw"


@st.fragment(run_every=settings.refresh_seconds)
def one_map() -> None:
    filters = sidebar.current_filters()
    now = local_now(settings.timezone)
    if sidebar.period_moved(filters, today=now.date()):
        st.rerun(scope="app")  # midnight passed, or newer data arrived: the period itself moves
    t, lang, as_of = translator(filters.lang), filters.lang, min(filters.at, now)
    cases = filters.query_kwargs()
    chain = drill.parent_chain(cache.frame(queries.area_tree, at=filters.at), filters.area)
    levels = cache.frame(queries.level_names).set_index("depth")[name_column(lang)]
    st.subheader(" › ".join(area.name for area in chain) or t("area.all"))
    st.caption(t("period.range", start=filters.start, end=filters.end))
    map_column, panel_column = st.columns([3, 1], gap="medium")
    with map_column:
        pick, note = st.columns([1, 2], vertical_alignment="bottom")
        start = sidebar.url_index("measure", MEASURES, "cases")
        measure = pick.selectbox(t("measure.label"), MEASURES, start, lambda m: t(f"measure.{m}"), key="measure")
        sidebar.to_url("measure", measure, "cases")
        # The areas drawn are the children of the chosen area (for a leaf: it and its siblings).
        level = {"depth": filters.depth, "parent": filters.map_parent, "at": filters.at, "as_of": as_of}
        areas = cache.frame(queries.area_measures, **level, **filters.query_kwargs(area=False))
        total = int(cache.frame(queries.case_count, **cases).iloc[0]["cases"])
        capped = total > settings.max_points
        points = pd.DataFrame() if capped else cache.frame(queries.case_points, limit=total, lang=lang, **cases)
        note.caption(
            t("map.points_over", total=f"{total:,}", cap=f"{settings.max_points:,}")
            if capped
            else t("map.points_shown", shown=f"{len(points):,}", total=f"{total:,}")
        )
        alerting = {"as_of": as_of, "warn_fraction": settings.warn_fraction, "limit": settings.max_points, "lang": lang}
        view = MapView(
            areas=areas,
            measure=measure,
            points=points,
            points_total=total,
            bins=cache.frame(queries.hex_bins, size_m=settings.hex_size_m, **cases),
            heat=cache.frame(queries.heat_cells, cell_m=settings.heat_cell_m, **cases),
            cameras=cache.frame(queries.cameras, area=filters.area),
            camera_events=cache.frame(queries.camera_event_scenes, lang=lang, **cases),
            facilities=cache.frame(queries.facilities, area=filters.area),
            alerts=cache.frame(queries.deadline_alerts, **alerting, **filters.query_kwargs(dates=False)),
            labels=map_labels(lang, level=str(levels.get(filters.depth, t("level.fallback", depth=filters.depth)))),
            bin_size_m=settings.hex_size_m,
        )
        clicked = show_map(
            build_map(view, settings=settings), settings=settings, key=f"map_{filters.area}", clickable=True
        )
        if clicked in set(areas["code"]) - {filters.area}:
            drill.go_to(clicked)
            st.rerun(scope="app")  # the sidebar's breadcrumb and pick list follow
    with panel_column:
        figures = cache.frame(queries.area_figures, as_of=as_of, **cases).iloc[0]
        top = cache.frame(queries.top_categories, limit=5, **cases)
        trend = cache.frame(queries.daily_counts, **cases)
        panel.show_figures(figures, top, trend, lang=lang, as_of=as_of, colour=settings.chart_colour)
        stem = f"{filters.area or 'all'}_{filters.start:%Y%m%d}-{filters.end:%Y%m%d}"
        panel.show_downloads(
            areas=areas, filters=cases, total=int(figures["cases"]), lang=lang, settings=settings, stem=stem
        )


one_map()

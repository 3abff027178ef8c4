"""研判: what is rising, where it concentrates, what keeps coming back, for the chosen area, period and filters."""

import streamlit as st

import queries
from dashboard import cache, context, trends
from views.calls import QueryCall
from views.i18n import translator
from views.pages import level_label

settings, scope = context.settings(), context.scope()
run, t = cache.runner(settings), translator(scope.lang)
st.header(t("page.trends"))
st.caption(t("period.range", start=scope.start, end=scope.end))

levels = run(QueryCall.of(queries.level_names))
deeper = [int(d) for d in levels["depth"] if d > (scope.area_depth or 0)]
if not deeper:
    st.info(t("area.no_grids", day=scope.end))
    st.stop()
depth = st.selectbox(
    t("trends.level"),
    deeper,
    # one level below the map's: communities for the whole city, grids for a street
    index=deeper.index(min(scope.map_depth + 1, deeper[-1])) if scope.map_depth in deeper else 0,
    format_func=lambda d: level_label(levels, d, scope.lang),
    key="trends_level",
)
label = level_label(levels, depth, scope.lang)
# One analysis a run (a segmented control, not tabs: tabs would run every analysis on every change).
sections = ("series", "rising", "spikes", "hotspots", "emerging", "recurrence", "playback")
if not scope.access.can("case_details"):  # recurrence lists addresses and single reports
    sections = tuple(s for s in sections if s != "recurrence")
section = (
    st.segmented_control(
        t("page.trends"),
        sections,
        default="series",
        format_func=lambda s: t(f"trends.tab.{s}"),
        key="trends_section",
        label_visibility="collapsed",
    )
    or "series"
)
try:
    if section == "series":
        trends.series(scope, run)
    elif section == "rising":
        trends.rising(scope, run, depth=depth)
    elif section == "spikes":
        trends.spikes(scope, run, depth=depth)
    elif section == "hotspots":
        trends.hotspots(scope, run, settings, depth=depth, level_label=label)
    elif section == "emerging":
        trends.emerging(scope, run, settings, depth=depth, level_label=label)
    elif section == "recurrence":
        trends.recurrence(scope, run, settings)
    else:
        trends.playback(scope, run, settings, depth=depth, level_label=label)
except LookupError as exc:  # an older database: the grids' neighbours are not derived yet
    st.error(str(exc))

"""总览: what came in during the chosen days, how much of it is closed, what is overdue now, and the grids."""

import streamlit as st

from dashboard import cache, charts, maps, queries
from dashboard.clock import local_now
from dashboard.i18n import name_column, translator
from dashboard.panel import rate_text
from dashboard.sidebar import current_filters
from settings import load_settings

settings = load_settings()
filters = current_filters()
t, lang = translator(filters.lang), filters.lang
as_of = local_now(settings.timezone)

st.header(t("page.overview"))
st.caption(t("period.range", start=filters.start, end=filters.end))

summary = cache.frame(queries.summary_counts, **filters.query_kwargs()).to_dict("records")[0]
overdue = cache.frame(queries.overdue_pending, as_of=as_of, **filters.query_kwargs(dates=False)).to_dict("records")[0]

kpis = st.columns(4)
kpis[0].metric(t("panel.cases"), f"{summary['cases']:,}", help=t("overview.cases_help"))
kpis[1].metric(t("overview.closed"), f"{summary['closed']:,}", help=t("overview.closed_help"))
kpis[2].metric(
    t("panel.closure_rate"),
    rate_text(summary["closure_rate"]),
    help=t("overview.closure_help", awaiting=f"{summary['awaiting_closure']:,}"),
)
kpis[3].metric(
    t("overview.overdue"),
    f"{overdue['overdue']:,}",
    help=t("overview.overdue_help", as_of=f"{as_of:%Y-%m-%d %H:%M}", pending=f"{overdue['pending']:,}"),
)

levels = cache.frame(queries.grid_level_counts, at=filters.at)
st.subheader(t("overview.levels"))
for column, level in zip(st.columns(len(levels) or 1), levels.to_dict("records"), strict=False):
    column.metric(level[name_column(lang)], f"{level['grids']:,}")

left, right = st.columns(2)
channels = cache.frame(queries.cases_by_channel, **filters.query_kwargs())
left.plotly_chart(charts.channel_bar(channels, colour=settings.chart_colour, lang=lang), width="stretch")
states = cache.frame(queries.cases_by_status, **filters.query_kwargs())
right.plotly_chart(
    charts.status_bar(states, open_colour=settings.chart_open_colour, done_colour=settings.chart_colour, lang=lang),
    width="stretch",
)

depth = settings.overview_map_depth
level_label = str(levels.set_index("depth")[name_column(lang)].get(depth, t("level.fallback", depth=depth)))
grids = cache.frame(queries.grid_polygons, depth=depth, at=filters.at)
st.subheader(t("overview.boundaries", level=level_label))
if grids.empty:
    st.info(t("area.no_grids", day=filters.end))
else:
    maps.show_map(maps.grid_map(grids, level_label=level_label, settings=settings), settings=settings, key="overview")

"""总览: what came in during the chosen days, how much of it is closed, what is overdue now, and the grids."""

import streamlit as st

from core.clock import local_minute
from dashboard import cache, context
from dashboard.map_widget import show_map
from dashboard.report_button import show_report_buttons
from views import charts
from views.formats import measure_text
from views.i18n import translator
from views.maps import grid_map
from views.pages import level_label, overview_calls, overview_depth, shown_levels

settings, scope = context.settings(), context.scope()
t, lang = translator(scope.lang), scope.lang
now = local_minute(settings.timezone)
run = cache.runner(settings)
frames = {name: run(call) for name, call in overview_calls(scope, settings=settings, now=now).items()}

st.header(t("page.overview"))
st.caption(f"{t('period.range', start=scope.start, end=scope.end)} · {t(f'count.statement.{scope.state.count_by}')}")
show_report_buttons(scope, settings=settings)  # the weekly review of the week the period ends in

summary = frames["summary"].to_dict("records")[0]
overdue = frames["overdue"].to_dict("records")[0]
kpis = st.columns(4)
kpis[0].metric(t("panel.cases"), f"{summary['cases']:,}", help=t("overview.cases_help"))
kpis[1].metric(t("overview.closed"), f"{summary['closed']:,}", help=t("overview.closed_help"))
kpis[2].metric(
    t("panel.closure_rate"),
    measure_text("closure_rate", summary["closure_rate"]),
    help=t("overview.closure_help", awaiting=f"{summary['awaiting_closure']:,}"),
)
kpis[3].metric(
    t("overview.overdue"),
    f"{overdue['overdue']:,}",
    help=t("overview.overdue_help", as_of=f"{now:%Y-%m-%d %H:%M}", pending=f"{overdue['pending']:,}"),
)

levels = shown_levels(frames["levels"])
st.subheader(t("overview.levels"))
for column, level in zip(st.columns(len(levels) or 1), levels.to_dict("records"), strict=False):
    column.metric(level[f"name_{lang}"], f"{level['grids']:,}")

left, right = st.columns(2)
left.plotly_chart(charts.channel_bar(frames["channels"], colour=settings.chart_colour, lang=lang), width="stretch")
right.plotly_chart(
    charts.status_bar(
        frames["states"], open_colour=settings.chart_open_colour, done_colour=settings.chart_colour, lang=lang
    ),
    width="stretch",
)

label = level_label(levels, overview_depth(scope, settings), lang)
st.subheader(t("overview.boundaries", level=label))
if frames["grids"].empty:
    st.info(t("area.no_grids", day=scope.end))
else:
    show_map(
        grid_map(frames["grids"], level_label=label, lang=lang, settings=settings), settings=settings, key="overview"
    )

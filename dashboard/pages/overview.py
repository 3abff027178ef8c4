"""总览: what came in during the chosen days, how much of it is closed, what is overdue now, and the grids."""

import pandas as pd
import streamlit as st

from dashboard import cache, charts, maps, queries
from dashboard.clock import local_now
from dashboard.sidebar import current_filters
from settings import load_settings

settings = load_settings()
filters = current_filters()
as_of = local_now(settings.timezone)

st.header("总览")
st.caption(f"上报日期 {filters.start} 至 {filters.end}")

summary = cache.frame(queries.summary_counts, **filters.query_kwargs()).to_dict("records")[0]
overdue = cache.frame(queries.overdue_pending, as_of=as_of, **filters.query_kwargs(dates=False)).to_dict("records")[0]
rate = summary["closure_rate"]

kpis = st.columns(4)
kpis[0].metric("上报案件", f"{summary['cases']:,}", help="所选日期内上报的案件数")
kpis[1].metric("已结案", f"{summary['closed']:,}", help="其中当前状态为已结案或已评价的案件")
kpis[2].metric(
    "结案率",
    "—" if pd.isna(rate) else f"{rate:.1%}",  # NaN when nothing is closed or awaiting closure
    help=f"已结案 ÷（已结案 + 待结案 {summary['awaiting_closure']:,} 件）；不予受理、作废、自行处置的案件不计入",
)
kpis[3].metric(
    "当前超期待处置",
    f"{overdue['overdue']:,}",
    help=f"截至 {as_of:%Y-%m-%d %H:%M} 仍未处置且已过处置时限的案件，不限上报日期"
    f"（待处置共 {overdue['pending']:,} 件）",
)

levels = cache.frame(queries.grid_level_counts, at=filters.at)
st.subheader("网格体系")
for column, level in zip(st.columns(len(levels) or 1), levels.itertuples(), strict=False):
    column.metric(level.name_zh, f"{level.grids:,}")

left, right = st.columns(2)
left.plotly_chart(
    charts.channel_bar(cache.frame(queries.cases_by_channel, **filters.query_kwargs()), colour=settings.chart_colour),
    width="stretch",
)
right.plotly_chart(
    charts.status_bar(
        cache.frame(queries.cases_by_status, **filters.query_kwargs()),
        open_colour=settings.chart_open_colour,
        done_colour=settings.chart_colour,
    ),
    width="stretch",
)

depth = settings.overview_map_depth
level_label = str(levels.set_index("depth")["name_zh"].get(depth, f"第 {depth} 级"))
grids = cache.frame(queries.grid_polygons, depth=depth, at=filters.at)
st.subheader(f"{level_label}边界")
if grids.empty:
    st.info(f"{filters.end} 时没有有效的{level_label}网格")
else:
    maps.show_map(maps.grid_map(grids, level_label=level_label, settings=settings), settings=settings, key="overview")

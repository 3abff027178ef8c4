"""视频: the camera closed loop (抓拍 → 推送 → 派单 → 处置 → 结案) as a funnel per scene, camera, vendor algorithm or
street; the cameras on the map coloured by alarm or false-positive rate; silent and noisy cameras; scene coverage;
one camera's alarms and the cases they became."""

import streamlit as st

import queries
from core.clock import local_minute
from dashboard import cache, context
from dashboard.map_widget import show_map
from views import exports, video
from views.calls import QueryCall
from views.i18n import translator
from views.tables import headed, header

settings, scope = context.settings(), context.scope()
t, lang = translator(scope.lang), scope.lang
now = local_minute(settings.timezone)
run = cache.runner(settings)

st.header(t("video.title"))
st.caption(f"{t('period.range', start=scope.start, end=scope.end)} · {t('video.lead')}")
levels = run(QueryCall.of(queries.level_names))
cameras = run(QueryCall.of(queries.camera_rates, **scope.case_filters()))
names = dict(zip(cameras["camera_id"], cameras["name"], strict=True))
pick = st.columns(3)
choice = video.VideoChoice(
    pick[0].selectbox(t("video.by"), video.GROUPS, format_func=lambda g: video.group_label(g, levels, lang)),
    pick[1].radio(
        t("video.colour_by"), video.COLOUR_BY, format_func=lambda m: t(f"video.measure.{m}"), horizontal=True
    ),
    pick[2].selectbox(
        t("video.camera_pick"), list(names), index=None, format_func=names.get, placeholder=t("video.camera_pick_hint")
    ),
)
page = video.video_page(scope, run, settings=settings, now=now, choice=choice)

if page.total.empty or not int(page.total["events"]):
    st.info(t("video.none"))
figures, chart = st.columns([1, 2])
for step in ("events", "pushed", "closed"):
    figures.metric(t(f"video.step.{step}"), f"{int(page.total.get(step, 0) or 0):,}")
figures.metric(t("video.false_positive_rate"), video.rate_text(page.total.get("false_positive_rate")))
chart.plotly_chart(video.funnel_figure(page.total, lang=lang, colour=settings.chart_colour), key="video_funnel")
st.subheader(t("video.funnel"), help=t("video.funnel_help"))
table = video.funnel_table(page.funnel)
percent = {header(c, lang): st.column_config.NumberColumn(format="percent") for c in video.rate_columns(table)}
st.dataframe(headed(table, lang=lang), hide_index=True, column_config=percent)
st.download_button(t("export.funnel_csv"), exports.csv_bytes(table, lang=lang), f"onemap_video_{choice.by}.csv")

st.subheader(t("video.map"))
show_map(video.video_map(page, choice=choice, lang=lang, settings=settings), settings=settings, key="video_map")
silent, noisy = st.columns(2)
as_of = f"{scope.as_of(now):%Y-%m-%d %H:%M}"
chance = f"{settings.camera_silent_chance:.0%}"
silent.subheader(t("video.silent"), help=t("video.silent_help", as_of=as_of, days=settings.camera_silent_days,
                 history=settings.camera_history_days, chance=chance, level=page.level))  # fmt: skip
noisy.subheader(t("video.noisy"), help=t("video.noisy_help", min_events=settings.camera_fp_min_events,
                z=f"{settings.camera_fp_z:g}"))  # fmt: skip
for column, frame, none in ((silent, page.silent, "video.silent_none"), (noisy, page.noisy, "video.noisy_none")):
    if frame.empty:
        column.caption(t(none))
    else:
        percent = {header(c, lang): st.column_config.NumberColumn(format="percent") for c in video.rate_columns(frame)}
        column.dataframe(headed(frame, lang=lang), hide_index=True, column_config=percent)

st.subheader(t("video.coverage"), help=t("video.coverage_help", level=page.level))
uncovered = video.uncovered_scenes(page.coverage)
for area, scenes in uncovered.items():
    st.caption(f"{area}：{t('video.uncovered', scenes='、'.join(scenes))}")
if not uncovered:
    st.caption(t("video.all_covered"))
matrix = video.coverage_matrix(page.coverage, lang=lang)
st.dataframe(matrix.style.map(lambda n: "background-color: #f4cccc" if n == 0 else ""))
if choice.camera is not None:
    st.subheader(f"{t('video.camera')} · {names[choice.camera]}")
    st.caption(t("video.camera_daily"))
    st.bar_chart(page.camera_daily.set_index("day")[["events", "false_positives", "pushed", "closed"]], height=220)
    st.caption(t("video.camera_cases"))
    st.dataframe(headed(page.camera_alarms, lang=lang), hide_index=True)

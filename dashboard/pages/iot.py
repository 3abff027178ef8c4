"""物联感知: smoke, gas, water and door sensors in the homes of elderly people living alone; how fast their alarms
are answered and a grid worker is on site, per area; the alarms nobody has answered (level I of the warnings)."""

import streamlit as st

from core.clock import local_minute
from dashboard import cache, context, place_panel
from dashboard.map_widget import show_map
from views import iot
from views.i18n import translator

settings, scope = context.settings(), context.scope()
t, lang = translator(scope.lang), scope.lang
now = local_minute(settings.timezone)
run = cache.runner(settings)

st.header(t("iot.title"))
st.caption(f"{t('period.range', start=scope.start, end=scope.end)} · "
           f"{t('iot.lead', target=settings.iot_arrival_target_minutes)}")  # fmt: skip
page = iot.iot_page(scope, run, settings=settings, now=now)
if not page.loaded:
    st.info(t("iot.none"))
    st.stop()
s = page.summary
figures = st.columns(7)
figures[0].metric(t("iot.devices"), f"{int(s['devices']):,}")
figures[1].metric(t("iot.online"), f"{int(s['online']):,}")
figures[2].metric(t("iot.active"), f"{int(s['active']):,}")
figures[3].metric(t("iot.alarms"), f"{int(s['alarms']):,}")
figures[4].metric(t("iot.ack_minutes"), iot.minutes_text(s["ack_minutes"], lang))
figures[5].metric(t("iot.arrive_minutes"), iot.minutes_text(s["arrive_minutes"], lang))
on_time = s["arrived_on_time"] / s["alarms"] if s["alarms"] else None
figures[6].metric(t("iot.on_time_rate"), "—" if on_time is None else f"{on_time:.1%}")

as_of = f"{scope.as_of(now):%Y-%m-%d %H:%M}"
minutes = settings.iot_unanswered_minutes
st.subheader(t("iot.unanswered", minutes=minutes), help=t("iot.unanswered_help", as_of=as_of, minutes=minutes))
if page.unanswered.empty:
    st.caption(t("iot.unanswered_none"))
else:
    unanswered = page.unanswered.assign(kind=page.unanswered["kind"].map(lambda k: t(f"iot.kind.{k}")))
    place_panel.show_table(st, unanswered.drop(columns=["source", "lon", "lat"]), lang=lang)
left, right = st.columns([1, 1])
with left:
    st.subheader(t("iot.kpis", level=page.level))
    place_panel.show_table(st, page.kpis.drop(columns=["code"]), lang=lang)
with right:
    built, shown = iot.iot_map(page, lang=lang, settings=settings)
    st.caption(t("iot.map_shown", shown=f"{shown:,}", total=f"{len(page.devices):,}"))
    show_map(built, settings=settings, key="iot_map")

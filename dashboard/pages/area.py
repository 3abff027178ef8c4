"""区域画像: the six elements of the chosen area (人·地·事·物·情·组织), what the city has not loaded shown as absent;
its 15-minute life circles with the places out of reach; incidents reported more than once; a grid's 一表一账;
the weekend deliberation hall."""

import streamlit as st

from core.clock import local_minute
from dashboard import cache, context, place_panel
from dashboard.map_widget import show_map
from views import area
from views.i18n import prefixed, translator
from views.tables import headed

settings, scope = context.settings(), context.scope()
t, lang = translator(scope.lang), scope.lang
now = local_minute(settings.timezone)
run = cache.runner(settings)

name = " › ".join(a.name for a in scope.chain) or t("area.all")
st.header(t("area.title", area=name))
st.caption(f"{t('period.range', start=scope.start, end=scope.end)} · {t(f'count.statement.{scope.state.count_by}')}")
kinds = prefixed(lang, "layer.facility_kinds")
circle_kind = st.session_state.setdefault("area_circle_kind", "service_station")
page = area.area_page(scope, run, settings=settings, now=now, circle_kind=circle_kind)
place_panel.show_elements(page.elements, lang=lang)

st.subheader(t("circle.title"))
radius = area.circle_radius(settings)
st.caption(t("circle.proxy", radius=f"{radius:,.0f}", minutes=f"{settings.life_circle_minutes:g}",
             speed=f"{settings.walk_speed_m_per_min:g}", detour=f"{settings.walk_detour:g}"))  # fmt: skip
table, chart = st.columns([1, 1])
place_panel.show_table(table, page.circles.assign(kind=page.circles["kind"].map(lambda k: kinds.get(k, k))), lang=lang)
with chart:
    st.radio(t("circle.kind"), list(page.circles["kind"]), format_func=lambda k: kinds.get(k, k),
             horizontal=True, key="area_circle_kind")  # fmt: skip
show_map(area.area_map(page, circle_kind=circle_kind, lang=lang, settings=settings), settings=settings, key="area_map")

place_panel.show_incidents(page, run, lang=lang)
if page.basic.empty:
    st.caption(t("ledger.pick"))
else:
    st.subheader(t("ledger.title"))
    basic, workers = st.columns([2, 1])
    basic.markdown(f"**{t('ledger.basic')}**")
    basic.dataframe(headed(area.basic_rows(page.basic, lang=lang), lang=lang), hide_index=True)
    workers.markdown(f"**{t('ledger.workers')}**")
    workers.dataframe(headed(page.workers.drop(columns=["grid_code"]), lang=lang), hide_index=True)
    st.markdown(f"**{t('ledger.book')}**")
    st.dataframe(headed(page.ledger, lang=lang), hide_index=True)
st.subheader(t("deliberation.title"), help=t("deliberation.help", days=settings.deliberation_days))
if page.items.empty:
    st.caption(t("deliberation.none"))
else:
    place_panel.show_table(st, page.deliberation.drop(columns=["code"]), lang=lang)
    items = page.items.assign(outcome=page.items["outcome"].map(lambda o: t(f"outcome.{o}") if o else ""))
    place_panel.show_table(st, items, lang=lang)

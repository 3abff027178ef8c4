"""OneMap (智慧一张图): the frame. Settings once per run, page config, the demo database on first start, the shared
sidebar, navigation."""

import streamlit as st

from core.clock import local_minute
from dashboard import context
from dashboard.first_start import ensure_database
from dashboard.sidebar import draw_language, draw_sidebar
from settings import load_settings
from views.i18n import translator

st.set_page_config(page_title="智慧一张图 OneMap", page_icon="🗺️", layout="wide", initial_sidebar_state="expanded")
settings = load_settings()
context.begin(settings)
st.sidebar.title("智慧一张图 OneMap")
lang = draw_language(settings)
t = translator(lang)

if not settings.db_path.exists():
    with st.spinner(t("app.first_start")):
        ensure_database(settings)

page = st.navigation(
    [
        st.Page("dashboard/pages/map.py", title=t("page.map"), icon=":material/map:", default=True),
        st.Page("dashboard/pages/overview.py", title=t("page.overview"), icon=":material/dashboard:"),
        st.Page("dashboard/pages/dispatch.py", title=t("page.dispatch"), icon=":material/assignment_ind:"),
    ]
)
st.set_page_config(page_title=f"{page.title} · {t('app.title')}")
context.set_scope(draw_sidebar(settings, lang=lang, today=local_minute(settings.timezone).date()))
page.run()

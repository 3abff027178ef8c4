"""OneMap (智慧一张图): the frame. Page config, the demo database on first start, the shared sidebar, navigation."""

import streamlit as st

from dashboard.clock import local_now
from dashboard.db import ensure_database
from dashboard.i18n import translator
from dashboard.sidebar import draw_language, draw_sidebar
from settings import load_settings

st.set_page_config(page_title="智慧一张图 OneMap", page_icon="🗺️", layout="wide", initial_sidebar_state="expanded")
settings = load_settings()
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
    ]
)
st.set_page_config(page_title=f"{page.title} · {t('app.title')}")
draw_sidebar(settings, lang=lang, today=local_now(settings.timezone).date())
page.run()

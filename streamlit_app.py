"""OneMap (智慧一张图): the frame. Page config, the demo database on first start, the shared sidebar, navigation."""

import streamlit as st

from dashboard import cache, queries
from dashboard.clock import local_now
from dashboard.db import ensure_database
from dashboard.sidebar import draw_sidebar
from settings import load_settings

st.set_page_config(page_title="智慧一张图 OneMap", page_icon="🗺️", layout="wide", initial_sidebar_state="expanded")
settings = load_settings()

if not settings.db_path.exists():
    with st.spinner("首次启动，正在生成演示数据…"):
        ensure_database(settings)

page = st.navigation([st.Page("dashboard/pages/overview.py", title="总览", icon=":material/dashboard:", default=True)])
st.sidebar.title("智慧一张图 OneMap")
extent = cache.frame(queries.data_extent).iloc[0]
draw_sidebar(extent, days=settings.default_range_days, today=local_now(settings.timezone).date())
page.run()

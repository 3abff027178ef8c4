"""OneMap (智慧一张图): the frame. Settings once per run, page config, the login (nothing past it without a signed-in
user), the demo database on first start, what the user may see, the pages their role allows, the shared sidebar,
navigation."""

import streamlit as st

from core.clock import local_minute
from dashboard import auth, cache, context, navigation
from dashboard.first_start import NoDatabaseError, draw_dataset_label, ensure_database
from dashboard.sidebar import area_name, draw_language, draw_sidebar
from settings import load_settings
from views import wall
from views.access import EVERYTHING, Access
from views.i18n import translator

wall_mode = wall.requested(st.query_params.to_dict())  # ?mode=wall: the wall screen alone, no sidebar
sidebar_state = "collapsed" if wall_mode else "expanded"
st.set_page_config(page_title="智慧一张图 OneMap", page_icon="🗺️", layout="wide", initial_sidebar_state=sidebar_state)
settings = load_settings()
context.begin(settings)
st.sidebar.title("智慧一张图 OneMap")
lang = draw_language(settings)
context.set_language(lang)
t = translator(lang)
# the login page, and the run stops, until someone signs in (every page declared, so a link's page is kept)
principal = auth.require(settings, lang=lang, pages=navigation.every_page(t))

try:
    if not settings.db_path.is_file():
        with st.spinner(t("app.first_start")):
            ensure_database(settings)
except NoDatabaseError as problem:
    st.error(t("dataset.missing", problem=problem, path=settings.db_path))
    st.stop()

access = Access.of(principal, cache.runner(settings, EVERYTHING))
context.set_access(principal, access)
data_pages, own_pages = navigation.reader_pages(t, access)
wall_page = navigation.wall_page(t)
if wall_mode:  # the wall screen alone
    page = st.navigation([wall_page], position="hidden")
else:
    page = st.navigation([*data_pages, wall_page, *own_pages])
on_wall = page.url_path == wall_page.url_path
demo = draw_dataset_label(settings, t) if not on_wall else False  # the wall says it in its head
st.set_page_config(page_title=" · ".join([page.title, t("app.title"), *([t("dataset.demo")] if demo else [])]))
if page in data_pages:
    context.set_scope(draw_sidebar(settings, lang=lang, today=local_minute(settings.timezone).date(), access=access))
if not on_wall:
    auth.draw_account(settings, principal, area_name=area_name(settings, access), lang=lang)
page.run()

"""大屏: the wall screen (``?mode=wall`` or this page's URL). Dark, full screen, no chrome; its panels redraw every
``wall_refresh_seconds`` in a fragment, the map updates in place; it keeps its last result through a failed read."""

import streamlit as st

from core.clock import local_minute
from dashboard import cache, context
from dashboard import wall as draw
from dashboard.auth import still_signed_in
from dashboard.wall_map import show_wall_map
from views import wall
from views.i18n import translator
from views.scope import resolve

settings = context.settings()
options = wall.WallOptions.from_settings(settings)
_TURN, _LAST = "onemap_wall_turn", "onemap_wall_last"
draw.style()


@st.fragment(run_every=settings.wall_refresh_seconds)
def wall_screen() -> None:
    if not still_signed_in(settings):  # signed out elsewhere, or disabled: the whole app shows the login
        st.rerun()
    now, run = local_minute(settings.timezone), draw.retrying(cache.runner(settings))
    state = wall.wall_state(st.query_params.to_dict(), lang=context.language())
    t, turn = translator(state.lang), st.session_state.get(_TURN, 0)
    failed = None
    try:
        scope = resolve(state, run, today=now.date(), days=settings.default_range_days,
                        overview_depth=settings.overview_map_depth, access=context.access())  # fmt: skip
        shown = wall.wall(scope, run, settings=settings, now=now, options=options, turn=turn)
        st.session_state[_LAST] = shown
    except draw.READ_ERRORS:
        if _LAST not in st.session_state:
            raise
        shown, failed = st.session_state[_LAST], t("wall.read_failed")
    st.session_state[_TURN] = turn + 1
    draw.head(shown, clock=t("wall.clock", time=f"{now:%H:%M}"), failed=failed, demo=t("dataset.demo"))
    draw.kpis(shown)
    left, centre, right = st.columns([1, 2.1, 1])
    with left:
        draw.lines_panel(t("wall.panel.intake"), shown.intake, empty=t("wall.no_cases"), height=40)
        draw.tiles(t("wall.panel.cameras"), shown.cameras, height=32.2)
    with centre:
        draw.map_title(shown.map_title)
        show_wall_map(shown.map, settings=settings, stamp=f"{turn}")
    with right:
        draw.lines_panel(t("wall.panel.warnings"), shown.warnings, empty=t("wall.no_warnings"), height=40)
        if shown.ranking_shown:
            titles = (t("wall.panel.red"), t("wall.panel.black"))
            draw.ranking(shown, titles=titles, empty=t("wall.no_ranking"), height=32.2)
    draw.ticker(t("wall.panel.ticker"), shown.ticker, empty=t("wall.no_cases"))


wall_screen()

"""调度: who must act now (department board, step lights, warnings), where hand-offs stall, how the summoned
departments reported to whistles, who is best and worst (红黑榜); a click on a department shows its open cases on
the map and as a list, a click on a case (table or map) its timeline. Redraws itself every ``refresh_seconds``."""

import streamlit as st

from core.clock import local_minute
from dashboard import cache, context
from dashboard import dispatch_case as case
from dashboard import dispatch_panel as panel
from views import dispatch
from views.i18n import translator

settings = context.settings()


@st.fragment(run_every=settings.refresh_seconds)
def dispatch_page() -> None:
    scope, run = context.scope(), cache.runner(settings)
    now = local_minute(settings.timezone)
    t, lang = translator(scope.lang), scope.lang
    opts = dispatch.options(settings)
    st.header(t("page.dispatch"))
    st.caption(
        " · ".join(
            [
                t("period.range", start=scope.start, end=scope.end),
                t(f"dispatch.cohort.{opts.due_cohort}"),
                t(f"dispatch.rework.{opts.rework_measure}"),
                t("dispatch.now", now=f"{now:%Y-%m-%d %H:%M}"),
            ]
        )
    )
    counts = dispatch.light_counts(scope, run, settings=settings, now=now)
    warnings = dispatch.warning_overview(scope, run, settings=settings, now=now, latest=settings.dispatch_warning_rows)
    panel.headline(warnings.counts, counts, now=now, t=t)
    panel.seed(panel.SECTION_KEY, "board", lang)
    # the red/black list is for those who may see rankings (core.access)
    sections = [key for key in panel.SECTIONS if key != "ranking" or scope.access.can("rankings")]
    section = panel.kept(
        panel.SECTION_KEY,
        st.segmented_control(
            t("dispatch.section"),
            sections,
            format_func=lambda key: t(f"dispatch.section.{key}"),
            key=panel.SECTION_KEY,
        ),
        lang,
    )
    left, right = st.columns([3, 2], gap="medium")
    with left:
        if section == "lights":
            panel.lights_section(scope, run, settings=settings, now=now, counts=counts)
        elif section == "handoffs":
            panel.handoffs_section(scope, run)
        elif section == "warnings":
            panel.warnings_section(scope, run, warnings=warnings, now=now)
        elif section == "whistles":
            panel.whistles_section(scope, run)
        elif section == "ranking":
            panel.ranking_section(scope, run, settings=settings, now=now)
        else:
            panel.board_section(scope, run, settings=settings, now=now, counts=counts)
    with right:
        view = case.map_view(scope, run, settings=settings, now=now, counts=counts, warnings=warnings.latest)
        case.show_dispatch_map(view, settings=settings)
        case.case_finder(run, t)
        case.timeline(run, settings=settings, now=now, lang=lang)


dispatch_page()

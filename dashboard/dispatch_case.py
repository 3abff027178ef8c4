"""One case and the map on the dispatch page: the case finder, the chosen case's timeline, and the map of the open
cases, warnings, whistles and the chosen department's cases (a click on a case chooses it)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

import queries
from settings import Settings
from views import dispatch, dispatch_tables
from views.calls import QueryCall, Runner
from views.dispatch_map import LIGHT_COLOURS, DispatchMapView, case_at, dispatch_map, whistle_status
from views.i18n import Translate, name_column, translator
from views.scope import Scope

from .dispatch_panel import choose_case, chosen_case, chosen_dept, columns, held_cases, lights_table, table
from .map_widget import show_points_map


def case_finder(run: Runner, t: Translate) -> None:
    text = st.text_input(t("timeline.find"), key="onemap_dispatch_find", help=t("timeline.find_help"))
    if text and text != st.session_state.get("onemap_dispatch_find_seen"):
        st.session_state["onemap_dispatch_find_seen"] = text
        found = dispatch.find_case(text, run)
        if found is None:
            st.warning(t("timeline.not_found", text=text))
        choose_case(found)


def timeline(run: Runner, *, settings: Settings, now: dt.datetime, lang: str) -> None:
    case_uid, t = chosen_case(), translator(lang)
    if case_uid is None:
        return
    found = dispatch.timeline(case_uid, run, settings=settings, now=now)
    if found is None:
        st.warning(t("timeline.not_found", text=case_uid))
        return
    st.markdown(f"**{t('timeline.title', case=case_uid)}**")
    if isinstance(found.case["contact_masked"], str):
        st.caption(t("timeline.contact", contact=found.case["contact_masked"]))
    st.markdown(t("timeline.steps"))
    table(dispatch_tables.steps_table(found.steps, lang=lang), lang=lang)
    st.markdown(t("timeline.flow"))
    flow = dispatch_tables.flow_table(
        found.flow,
        lang=lang,
        states=run(QueryCall.of(queries.state_names)),
        departments=run(QueryCall.of(queries.department_names)),
    )
    styled = flow.style.apply(
        lambda row: ["color: #d7301f; font-weight: 600" if found.flow["handoff"].iloc[row.name] else ""] * len(row),
        axis=1,
    )
    st.dataframe(styled, hide_index=True, column_config=columns(flow, lang))


def map_view(
    scope: Scope,
    run: Runner,
    *,
    settings: Settings,
    now: dt.datetime,
    counts: pd.DataFrame,
    warnings: pd.DataFrame,
) -> DispatchMapView:
    lang = scope.lang
    t = translator(lang)
    # the map draws at most max_points open cases, the most pressing: only those leave the database, and are named
    shown = named(
        dispatch.light_cases(scope, run, settings=settings, now=now, pick="pressing", limit=settings.max_points),
        run,
        lang,
    )
    dept = chosen_dept()  # and the chosen department's, as its list shows them
    chosen = named(held_cases(scope, run, settings=settings, now=now, dept=dept), run, lang) if dept else pd.DataFrame()
    warnings = warnings.head(settings.max_points)
    if not warnings.empty:
        areas = run(QueryCall.of(queries.area_tree, at=scope.at))
        rules = run(QueryCall.of(queries.warning_rules))
        warnings = warnings.assign(
            rule_name=warnings[name_column(lang)],
            figures=dispatch_tables.figure_texts(warnings, rules, lang),
            subject_name=warnings["case_uid"].fillna(dispatch_tables.names_of(warnings["area"], areas, "code", "name")),
        )
    listed = dispatch.whistles(scope, run).whistles
    if not listed.empty:
        depts = run(QueryCall.of(queries.department_names))
        listed = listed.assign(
            status=whistle_status(listed),
            initiator=dispatch_tables.names_of(listed["initiator_code"], depts, "dept_code", "label"),
            arrivals=listed["arrived_on_time"].astype(str) + " / " + listed["summoned"].astype(str),
        )
    uid = chosen_case()
    case = run(QueryCall.of(queries.case_detail, case_uid=uid)) if uid else pd.DataFrame()
    levels = run(QueryCall.of(queries.level_names)).set_index("depth")[name_column(lang)]
    return DispatchMapView(
        areas=run(QueryCall.of(queries.grid_polygons, depth=scope.map_depth, at=scope.at)),
        lights=shown,
        lights_total=dispatch.counted(counts, step_lights=tuple(LIGHT_COLOURS)),
        warnings=warnings,
        whistles=listed,
        chosen=chosen,
        case=case,
        lang=lang,
        level_label=str(levels.get(scope.map_depth, t("level.default"))),
    )


def named(cases: pd.DataFrame, run: Runner, lang: str) -> pd.DataFrame:
    """``cases`` (``light_cases`` rows) with the names the map's popups show: ``step_name``, ``dept_name``,
    ``category_name``."""
    if cases.empty:
        return cases
    names = lights_table(cases, run, lang)
    return cases.assign(
        step_name=names["step"].to_numpy(),
        dept_name=names["dept_name"].to_numpy(),
        category_name=names["category_name"].to_numpy(),
    )


def show_dispatch_map(view: DispatchMapView, *, settings: Settings) -> None:
    clicked = show_points_map(dispatch_map(view, settings=settings), settings=settings, key="dispatch_map")
    if clicked is not None:
        case = case_at(view, lat=clicked[0], lon=clicked[1], settings=settings)
        if case is not None:
            choose_case(case)
            st.rerun()

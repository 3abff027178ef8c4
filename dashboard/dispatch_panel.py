"""The dispatch page's parts in Streamlit: the headline figures and each section's table with its download (the
case finder, the timeline and the map: ``dashboard.dispatch_case``). What each shows comes from ``views.dispatch``
(frames) and ``views.dispatch_tables`` (the tables as shown); this module only draws them and keeps what was clicked
(the department, the case) in the session.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

import queries
from analytics.board import DEFAULT_KINDS
from analytics.ranking import LEVELS as RANKING_LEVELS
from analytics.warnings import usable_rules
from core.measures import REGISTRY
from core.warning_rules import LEVEL_NUMERALS, LEVELS
from settings import Settings
from views import dispatch, dispatch_tables
from views.calls import QueryCall, Runner
from views.dispatch_charts import handoff_sankey, step_light_bars
from views.i18n import Translate, name_column, translator
from views.scope import Scope

DEPT_KEY, CASE_KEY, SECTION_KEY = "onemap_dispatch_dept", "onemap_dispatch_case", "onemap_dispatch_section"
SECTIONS = ("board", "lights", "handoffs", "warnings", "whistles", "ranking")
KINDS = ("functional", "street", "community", "enterprise", "property")


def seed(key: str, value: Any, lang: str) -> None:
    """Start widget ``key`` at ``value``, or at what it last held when it was drawn in another language (its label
    changed, so Streamlit takes it for a new widget and would start it over: not ``default=``). Call ``kept``
    with its value after drawing it."""
    memory = st.session_state.get(f"{key}_kept")
    if key not in st.session_state:
        st.session_state[key] = value if memory is None else memory[1]
    elif memory is not None and memory[0] != lang:
        st.session_state[key] = memory[1]


def kept(key: str, value: Any, lang: str) -> Any:
    """Remember what widget ``key`` holds in ``lang`` (for ``seed``); returns ``value``."""
    st.session_state[f"{key}_kept"] = (lang, value)
    return value


def chosen_dept() -> str | None:
    return st.session_state.get(DEPT_KEY)


def chosen_case() -> str | None:
    return st.session_state.get(CASE_KEY)


def choose_case(case_uid: str | None) -> None:
    st.session_state[CASE_KEY] = case_uid


def columns(table: pd.DataFrame, lang: str) -> dict[str, Any]:
    """Headers in ``lang`` and number formats from the measure registry."""
    config: dict[str, Any] = {}
    for column in table.columns:
        label = dispatch_tables.column_label(column, lang)
        m = REGISTRY.get(column)
        if (m is not None and m.kind == "rate") or column in ("step_fraction", "fraction", "return_share"):
            config[column] = st.column_config.NumberColumn(label, format="percent")
        elif (m is not None and m.kind == "value") or column in ("hours_left", "hours", "score_mean", "value"):
            config[column] = st.column_config.NumberColumn(label, format="%.1f")
        else:
            config[column] = st.column_config.Column(label)
    return config


def table(frame: pd.DataFrame, *, lang: str, key: str | None = None, download: str | None = None) -> Any:
    """``frame`` as a dataframe (rows selectable when ``key`` is given) and, with ``download`` (a file stem), its
    CSV in ``lang``; returns the selection event (None without ``key``)."""
    event = st.dataframe(
        frame,
        hide_index=True,
        column_config=columns(frame, lang),
        key=key,
        on_select="rerun" if key else "ignore",
        selection_mode="single-row",
    )
    if download:
        st.download_button(
            translator(lang)("dispatch.download"),
            data=dispatch_tables.csv(frame, lang=lang),
            file_name=f"onemap_{download}.csv",
            mime="text/csv",
            key=f"onemap_download_{key or download}",
            icon=":material/download:",
        )
    return event if key else None


def picked(event: Any, frame: pd.DataFrame, column: str, *, key: str) -> str | None:
    """The ``column`` value of the row just selected in a table (None when the selection did not change)."""
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    seen = f"{key}_seen"
    if rows == st.session_state.get(seen):
        return None
    st.session_state[seen] = rows
    if not rows or rows[0] >= len(frame):
        return None
    value = frame.iloc[rows[0]][column]
    return None if pd.isna(value) else str(value)


# ---------------------------------------------------------------- the headline
def headline(levels: pd.DataFrame, lights: pd.DataFrame, *, now: dt.datetime, t: Translate) -> None:
    """The warnings per level (``levels``: ``level``, ``warnings``), and the pending, due soon and overdue cases
    (``lights``: the light counts, ``views.dispatch.light_counts``)."""
    counts = levels.set_index("level")["warnings"]
    pending = dispatch.pending_totals(lights)
    cells = st.columns(6)
    for cell, level in zip(cells[:3], LEVELS, strict=True):
        numeral = LEVEL_NUMERALS[level]
        cell.metric(
            t("dispatch.metric.level", level=numeral),
            f"{int(counts.get(level, 0)):,}",
            help=t("dispatch.metric.level_help", level=numeral, now=f"{now:%Y-%m-%d %H:%M}"),
        )
    cells[3].metric(t("dispatch.metric.pending"), f"{int(pending['pending']):,}")
    cells[4].metric(t("dispatch.metric.due_soon"), f"{int(pending['due_soon']):,}")
    cells[5].metric(t("dispatch.metric.overdue"), f"{int(pending['overdue']):,}")


# ---------------------------------------------------------------- the sections
def board_section(scope: Scope, run: Runner, *, settings: Settings, now: dt.datetime, counts: pd.DataFrame) -> None:
    lang, t = scope.lang, translator(scope.lang)
    seed("onemap_dispatch_kinds", list(DEFAULT_KINDS), lang)
    kinds = st.multiselect(
        t("board.kinds"),
        KINDS,
        format_func=lambda k: t(f"dept_kind.{k}"),
        placeholder=t("filter.all"),
        key="onemap_dispatch_kinds",
    )
    kept("onemap_dispatch_kinds", kinds, lang)
    st.caption(t("board.help", warn=f"{dispatch.options(settings).warn:.0%}"))
    board = dispatch.board(scope, run, settings=settings, now=now, kinds=tuple(kinds) or None)
    shown = dispatch_tables.board_table(board, lang=lang)
    event = table(shown, lang=lang, key="onemap_dispatch_board", download=f"departments_{scope.start:%Y%m%d}")
    dept = picked(event, board, "dept_code", key="onemap_dispatch_board")
    if dept is not None:
        st.session_state[DEPT_KEY] = dept
    dept = chosen_dept()
    if dept is None:
        st.caption(t("dispatch.pick_row"))
        return
    cases = held_cases(scope, run, settings=settings, now=now, dept=dept)
    total = dispatch.counted(counts, dept_code=dept)
    name = dict(zip(board["dept_code"], board["name"], strict=True)).get(dept, dept)
    st.markdown(f"**{t('board.cases_of', dept=name, count=f'{total:,}')}**")
    first_of(cases, total, t)
    listed = lights_table(cases, run, lang)
    case = picked(
        table(listed, lang=lang, key="onemap_dispatch_dept_cases"), listed, "case_uid", key="onemap_dispatch_dept_cases"
    )
    if case is not None:
        choose_case(case)


def held_cases(scope: Scope, run: Runner, *, settings: Settings, now: dt.datetime, dept: str) -> pd.DataFrame:
    """The open cases ``dept`` holds, overdue and least time left first: the first ``dispatch_case_rows``."""
    return dispatch.light_cases(
        scope, run, settings=settings, now=now, pick="held", dept_code=dept, limit=settings.dispatch_case_rows
    )


def first_of(cases: pd.DataFrame, total: int, t: Translate) -> None:
    """Say that a list shows only the first of its ``total`` cases, when it does."""
    if len(cases) < total:
        st.caption(t("dispatch.cases_first", shown=f"{len(cases):,}", total=f"{total:,}"))


def lights_table(lit: pd.DataFrame, run: Runner, lang: str) -> pd.DataFrame:
    return dispatch_tables.lights_table(
        lit,
        lang=lang,
        categories=run(QueryCall.of(queries.category_names)),
        departments=run(QueryCall.of(queries.department_names)),
    )


def lights_section(scope: Scope, run: Runner, *, settings: Settings, now: dt.datetime, counts: pd.DataFrame) -> None:
    lang, t = scope.lang, translator(scope.lang)
    st.caption(t("lights.help", warn=f"{dispatch.options(settings).warn:.0%}"))
    st.plotly_chart(step_light_bars(dispatch.step_light_counts(counts), lang=lang), width="stretch")
    late = dispatch.light_cases(scope, run, settings=settings, now=now, pick="late", limit=settings.dispatch_case_rows)
    first_of(late, dispatch.counted(counts, step_lights=dispatch.LATE), t)
    listed = lights_table(late, run, lang)
    event = table(listed, lang=lang, key="onemap_dispatch_lights", download="lights")
    case = picked(event, listed, "case_uid", key="onemap_dispatch_lights")
    if case is not None:
        choose_case(case)


def handoffs_section(scope: Scope, run: Runner) -> None:
    lang, t = scope.lang, translator(scope.lang)
    found = dispatch.handoffs(scope, run)
    s = found.summary
    depts = run(QueryCall.of(queries.department_names))
    st.caption(
        t(
            "handoffs.summary",
            cases=f"{int(s['dispatched']):,}",
            dispatches=f"{int(s['dispatches']):,}",
            returns=f"{int(s['returns']):,}",
            redispatched=f"{int(s['redispatched']):,}",
            ping_pong=f"{int(s['ping_pong']):,}",
            disputed=f"{int(s['disputed']):,}",
        )
    )
    rate = s["accurate_dispatch_rate"]
    st.metric(
        t("measure.accurate_dispatch_rate"),
        "—" if pd.isna(rate) else f"{rate:.1%}",
        help=t(
            "handoffs.accuracy_help",
            accurate=f"{int(s['dispatched_accurately']):,}",
            dispatched=f"{int(s['dispatched']):,}",
        ),
    )
    st.plotly_chart(handoff_sankey(found.flows, depts, lang=lang), width="stretch")
    st.markdown(f"**{t('handoffs.chains')}**")
    chains = found.chains.assign(chain=dispatch_tables.chain_names(found.chains["chain"], depts))
    table(chains, lang=lang, download="chains")
    st.markdown(f"**{t('handoffs.categories')}**")
    categories = found.categories.assign(
        category_code=dispatch_tables.names_of(
            found.categories["category_code"], run(QueryCall.of(queries.category_names)), "code", name_column(lang)
        )
    )
    table(categories, lang=lang, download="disputed_categories")
    st.markdown(f"**{t('handoffs.cases')}**")
    cases = found.cases.assign(chain=dispatch_tables.chain_names(found.cases["chain"], depts))
    case = picked(
        table(cases, lang=lang, key="onemap_dispatch_bounced"), cases, "case_uid", key="onemap_dispatch_bounced"
    )
    if case is not None:
        choose_case(case)


def warnings_section(scope: Scope, run: Runner, *, warnings: dispatch.WarningOverview, now: dt.datetime) -> None:
    lang, t = scope.lang, translator(scope.lang)
    found = warnings.latest
    if len(found) < warnings.total:
        st.caption(t("warning.first", shown=f"{len(found):,}", total=f"{warnings.total:,}"))
    rules = run(QueryCall.of(queries.warning_rules))
    shown = dispatch_tables.warnings_table(
        found,
        lang=lang,
        rules=rules,
        categories=run(QueryCall.of(queries.category_names)),
        departments=run(QueryCall.of(queries.department_names)),
        areas=run(QueryCall.of(queries.area_tree, at=scope.at)),
    )
    event = table(shown, lang=lang, key="onemap_dispatch_warnings", download=f"warnings_{now:%Y%m%d%H%M}")
    case = picked(event, shown, "case_uid", key="onemap_dispatch_warnings")
    if case is not None:
        choose_case(case)
    bad = usable_rules(rules)[1]
    if bad:
        st.warning(t("warning.bad_rules", rules="; ".join(f"{k}: {v}" for k, v in bad.items())))
    with st.expander(t("warning.rules")):
        st.dataframe(rules, hide_index=True)


def whistles_section(scope: Scope, run: Runner) -> None:
    lang, t = scope.lang, translator(scope.lang)
    found = dispatch.whistles(scope, run)
    depts = run(QueryCall.of(queries.department_names))
    total = found.total
    if not total.empty:
        st.caption(
            t(
                "whistle.summary",
                whistles=f"{int(total['whistles']):,}",
                summons=f"{int(total['summons']):,}",
                on_time=f"{int(total['arrived_on_time']):,}",
                resolved=f"{int(total['whistles_resolved']):,}",
            )
        )
    st.markdown(f"**{t('whistle.by_dept')}**")
    by_dept = found.by_dept.rename(columns={"unit": "dept_code"})
    by_dept.insert(1, "name", dispatch_tables.names_of(by_dept["dept_code"], depts, "dept_code", "label"))
    table(by_dept, lang=lang, download="whistles_by_dept")
    st.markdown(f"**{t('whistle.list')}**")
    listed = dispatch_tables.whistle_table(found.whistles, lang=lang, departments=depts)
    case = picked(
        table(listed, lang=lang, key="onemap_dispatch_whistles", download="whistles"),
        listed,
        "case_uid",
        key="onemap_dispatch_whistles",
    )
    if case is not None:
        choose_case(case)


def ranking_section(scope: Scope, run: Runner, *, settings: Settings, now: dt.datetime) -> None:
    lang, t = scope.lang, translator(scope.lang)
    seed("onemap_dispatch_ranking_level", "department", lang)
    level = (
        st.segmented_control(
            t("ranking.level"),
            list(RANKING_LEVELS),
            format_func=lambda k: t(f"ranking.level.{k}"),
            key="onemap_dispatch_ranking_level",
        )
        or "department"
    )
    kept("onemap_dispatch_ranking_level", level, lang)
    opts = dispatch.options(settings)
    formula = " + ".join(
        f"{t(REGISTRY[name].label_key)}×{weight:g}"
        if REGISTRY[name].higher_is_better
        else f"(1−{t(REGISTRY[name].label_key)})×{weight:g}"
        for name, weight in opts.weights.items()
    )
    st.caption(t("ranking.formula", formula=formula, min_cases=opts.min_cases))
    ranked = dispatch.ranking(scope, run, settings=settings, now=now, level=level)
    if ranked.empty:
        st.info(t("ranking.none"))
        return
    table(dispatch_tables.ranking_table(ranked, lang=lang), lang=lang, download=f"ranking_{level}_{scope.start:%Y%m%d}")

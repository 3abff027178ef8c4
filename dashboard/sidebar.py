"""The shared sidebar, drawn once per run by the frame: the widgets of a ``ViewState`` and the URL that mirrors it.

The state is the source of truth (``st.session_state[VIEW_KEY]``); a new session starts from the URL
(``ViewState.from_query``), so a wall screen's browser can be pointed at one view and reloaded without losing
it. Each run the widgets start from the state (a widget's key is filled from it when the widget has none, e.g.
after a page that does not draw it), their values make the next state, and the URL is rewritten from it
(``ViewState.to_query``). The state is resolved against the data (``views.scope.resolve``) into the ``Scope``
the pages read (``dashboard.context``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

import queries
from core.clock import local_minute
from core.measures import AREA_MEASURES, COUNT_UNITS
from settings import Settings
from views import drill
from views.access import Access
from views.calls import QueryCall, Runner
from views.i18n import LANGUAGE_NAMES, LANGUAGES, Translate, name_column, translator
from views.maps import offered_basemaps
from views.periods import DEFAULT_PRESET, PRESETS, anchor_day, preset_range
from views.scope import Scope, last_report_day, resolve
from views.state import ViewState

from . import cache

#: Session-state key of the current ``ViewState``.
VIEW_KEY = "onemap_view"
LANG_KEY, PERIOD_KEY, DATES_KEY, PICK_KEY, MEASURE_KEY = "lang", "period", "onemap_dates", "onemap_area_pick", "measure"
COUNT_KEY = "onemap_count_by"
#: The multiselect of each list filter.
FILTER_KEYS: dict[str, str] = {
    name: f"onemap_{name}" for name in ("channel", "category_major", "category", "status", "dept")
}


# ---------------------------------------------------------------- the state and the URL
def current_state(settings: Settings) -> ViewState:
    """This session's view: the one the widgets last made, or, in a new session, the one the URL names."""
    if VIEW_KEY not in st.session_state:
        st.session_state[VIEW_KEY] = ViewState.from_query(st.query_params.to_dict(), lang=settings.language)
    return st.session_state[VIEW_KEY]


def commit(state: ViewState, settings: Settings) -> None:
    """Make ``state`` this session's view and mirror it in the URL (defaults left out)."""
    st.session_state[VIEW_KEY] = state
    query = state.to_query(lang=settings.language)
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


def go_to(code: str | None) -> None:
    """Drill to ``code`` (``None`` = everything): a widget callback, or call and ``st.rerun()``."""
    st.session_state[VIEW_KEY] = st.session_state[VIEW_KEY].replace(area=code)


def widget_key(name: str, lang: str) -> str:
    """The key of widget ``name`` (e.g. ``PERIOD_KEY``) while the interface is in ``lang``.

    A widget whose options read in one language is another widget in the other: Streamlit keeps the option
    texts a keyed widget showed when only its ``format_func`` changes, so after a switch to English the period
    and measure boxes went on reading in Chinese. Its value is carried over through the ``ViewState``.
    """
    return f"{name}.{lang}"


def _language_key(name: str, lang: str) -> str:
    """``widget_key(name, lang)``, the other languages' keys of the widget dropped (seeded anew on return)."""
    for other in LANGUAGES:
        if other != lang:
            st.session_state.pop(widget_key(name, other), None)
    return widget_key(name, lang)


def _seed(key: str, value: Any) -> None:
    """Start widget ``key`` at ``value`` unless it holds a value of its own (set before the widget is drawn)."""
    if key not in st.session_state:
        st.session_state[key] = value


# ---------------------------------------------------------------- the widgets
def draw_language(settings: Settings) -> str:
    """The language switch, first in the sidebar; returns ``"zh"`` or ``"en"``."""
    _seed(LANG_KEY, current_state(settings).lang)
    return st.sidebar.radio(
        "语言 / Language",
        LANGUAGES,
        format_func=LANGUAGE_NAMES.__getitem__,
        horizontal=True,
        key=LANG_KEY,
        label_visibility="collapsed",
    )


def _period(
    state: ViewState, extent: pd.DataFrame, end: pd.DataFrame, settings: Settings, t: Translate, *, today: dt.date
) -> ViewState:
    first, last = extent.iloc[0]["first"], last_report_day(end)
    first = None if pd.isna(first) else pd.Timestamp(first).date()
    anchor = anchor_day(today, last)  # from the data's end (``data_end``), as ``resolve`` counts
    days = settings.default_range_days
    labels = {preset: t(f"period.{preset}", days=days) for preset in PRESETS}
    key = _language_key(PERIOD_KEY, state.lang)
    _seed(key, state.preset)
    preset = st.selectbox(t("period.label"), PRESETS, format_func=labels.__getitem__, key=key)
    if preset != "custom":
        start, end = preset_range(preset, anchor, days=days)
        st.caption(t("period.range", start=start, end=end))
        return state.replace(preset=preset, start=None, end=None)
    default = preset_range(DEFAULT_PRESET, anchor, days=days)
    _seed(DATES_KEY, (state.start, state.end) if state.start and state.end else default)
    # A URL may name days outside the data's span: the widget's bounds take them in rather than refuse them.
    named = [day for day in (state.start, state.end) if day is not None]
    picked = st.date_input(
        t("period.dates"),
        min_value=min(first or anchor, default[0], *named),
        max_value=max(last or anchor, today, *named),
        format="YYYY-MM-DD",
        key=DATES_KEY,
    )
    # While a range is being picked the widget holds only its first day.
    start, end = (picked[0], picked[-1]) if picked else default
    return state.replace(preset=preset, start=start, end=end)


def _extent_captions(extent: pd.DataFrame, scope: Scope, t: Translate) -> None:
    if scope.anchor != scope.today:
        st.caption(t("period.anchored", last=scope.anchor, today=scope.today))
    row = extent.iloc[0]
    if row["cases"]:
        first, last = pd.Timestamp(row["first"]).date(), pd.Timestamp(row["last"]).date()
        st.caption(t("extent.cases", first=first, last=last, cases=f"{int(row['cases']):,}"))
    else:
        st.caption(t("extent.none"))


def _multiselect(
    label: str, frame: pd.DataFrame, code: str, name: str, *, key: str, start: tuple[str, ...], t: Translate
) -> tuple[str, ...]:
    """A multiselect of ``frame``'s codes named by ``name``, starting at ``start`` (codes it does not offer, e.g.
    from a hand-typed URL, are dropped)."""
    names = dict(zip(frame[code], frame[name], strict=True))
    held = st.session_state.get(key, list(start))
    offered = [value for value in held if value in names]
    if key not in st.session_state or offered != held:
        st.session_state[key] = offered
    # "Select all" (English in every language) is no use here: an empty filter is all of them
    picked = st.multiselect(
        label, list(names), format_func=names.__getitem__, placeholder=t("filter.all"), key=key, select_all=False
    )
    return tuple(picked)


def _filters(state: ViewState, run: Runner, lang: str, t: Translate) -> ViewState:
    name = name_column(lang)
    keys = {field: _language_key(key, lang) for field, key in FILTER_KEYS.items()}
    channels = run(QueryCall.of(queries.channel_names))
    categories = run(QueryCall.of(queries.category_names))
    majors = categories.drop_duplicates("major_code")
    majors = majors.assign(label=majors["major_code"] + " " + majors[name_column(lang, "major_name")])
    chosen: dict[str, tuple[str, ...]] = {
        "channel": _multiselect(
            t("filter.channel"), channels, "channel", name, key=keys["channel"], start=state.channel, t=t
        ),
        "category_major": _multiselect(
            t("filter.category_major"),
            majors,
            "major_code",
            "label",
            key=keys["category_major"],
            start=state.category_major,
            t=t,
        ),
    }
    minors = categories[categories["major_code"].isin(chosen["category_major"])]
    minors = minors.assign(label=minors["code"] + " " + minors[name])
    if chosen["category_major"]:
        chosen["category"] = _multiselect(
            t("filter.category"), minors, "code", "label", key=keys["category"], start=state.category, t=t
        )
    else:
        st.multiselect(t("filter.category"), [], placeholder=t("filter.category_hint"), disabled=True, select_all=False)
        chosen["category"] = ()
    states = run(QueryCall.of(queries.state_names))
    chosen["status"] = _multiselect(
        t("filter.status"), states, "state", name, key=keys["status"], start=state.status, t=t
    )
    departments = run(QueryCall.of(queries.department_names))
    chosen["dept"] = _multiselect(
        t("filter.dept"), departments, "dept_code", "label", key=keys["dept"], start=state.dept, t=t
    )
    return state.replace(**chosen)


def _count_by(state: ViewState, settings: Settings, t: Translate) -> ViewState:
    """By report or by incident: what every count and rate on every page counts."""
    _seed(COUNT_KEY, state.count_by)
    count_by = st.radio(
        t("count.label"),
        COUNT_UNITS,
        format_func=lambda unit: t(f"count.{unit}"),
        horizontal=True,
        key=COUNT_KEY,
        help=t("count.help", radius=f"{settings.duplicate_radius_m:g}", window=f"{settings.duplicate_window_hours:g}"),
    )
    return state.replace(count_by=count_by)


def escape_markdown(text: str) -> str:
    """``text`` shown literally by ``st.markdown`` (area names are data: ``*`` or ``_`` must not format)."""
    return "".join(f"\\{c}" if c in "\\`*_{}[]()#+-.!|<>~" else c for c in text)


def _pick_area() -> None:
    go_to(st.session_state[PICK_KEY])
    st.session_state[PICK_KEY] = None


def _area(scope: Scope, run: Runner, lang: str, t: Translate) -> None:
    """The breadcrumb up to the scope's area and the pick list of the areas below it."""
    tree = run(QueryCall.of(queries.area_tree, at=scope.at))
    levels = run(QueryCall.of(queries.level_names)).set_index("depth")[name_column(lang)]
    if scope.area_denied:
        st.caption(t("access.area_denied", area=scope.chain[0].name if scope.chain else scope.access.area))
    elif scope.area_reset:
        st.caption(t("area.reset", day=scope.end))
    st.subheader(t("area.label"))
    # The breadcrumb: every step up is a link-like button, the area itself plain bold text.
    crumbs = ([] if drill.implicit_root(tree) else [None]) + list(scope.chain)
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        for i, step in enumerate(crumbs):
            label = t("area.all") if step is None else step.name
            if i == len(crumbs) - 1:
                st.markdown(f"**{escape_markdown(label)}**", width="content")
                break
            target = None if step is None else drill.normalise_area(tree, step.code)
            st.button(label, key=f"onemap_crumb_{i}", on_click=go_to, args=(target,), type="tertiary")
            st.markdown("›", width="content")
    below = drill.children(tree, scope.area)
    if not below.empty:
        depth = int(below["depth"].min())
        level = levels.get(depth, t("level.fallback", depth=depth))
        names = dict(zip(below["code"], below["name"], strict=True))
        st.selectbox(
            t("area.pick", level=level),
            list(names),
            index=None,
            format_func=names.__getitem__,
            placeholder=t("area.pick_hint"),
            key=PICK_KEY,
            on_change=_pick_area,
        )
    elif tree.empty:
        st.caption(t("area.no_grids", day=scope.end))


def draw_sidebar(settings: Settings, *, lang: str, today: dt.date, access: Access) -> Scope:
    """Draw the view's widgets in the sidebar (after ``draw_language``), commit the state they make, and
    return its ``Scope`` for the pages: resolved for ``access`` (a bound user's area is the top of the tree, an
    area outside it in the URL falls back to it, and the URL is rewritten)."""
    t, run = translator(lang), cache.runner(settings, access)
    state = current_state(settings).replace(lang=lang)
    with st.sidebar:
        extent = run(QueryCall.of(queries.data_extent))
        state = _period(state, extent, run(QueryCall.of(queries.data_end)), settings, t, today=today)
        scope = resolve(
            state,
            run,
            today=today,
            days=settings.default_range_days,
            overview_depth=settings.overview_map_depth,
            access=access,
        )
        _extent_captions(extent, scope, t)
        _area(scope, run, lang, t)
        st.subheader(t("sidebar.filters"))
        state = _count_by(scope.state.replace(area=scope.area), settings, t)
        state = _filters(state, run, lang, t)
    commit(state, settings)
    return dataclasses.replace(scope, state=state)


def area_name(settings: Settings, access: Access) -> str | None:
    """The name of the area ``access`` is bound to (None: unbound, or no grid has the code now)."""
    if not access.bound:
        return None
    tree = cache.runner(settings, access)(QueryCall.of(queries.area_tree, at=local_minute(settings.timezone)))
    names = tree.loc[tree["code"] == access.area, "name"]
    return str(names.iloc[0]) if len(names) else None


def draw_measure(scope: Scope, settings: Settings, t: Translate, container: Any) -> Scope:
    """The measure the map shades areas by (drawn on the map page): the scope with the one chosen."""
    key = _language_key(MEASURE_KEY, scope.lang)
    _seed(key, scope.state.measure)
    measure = container.selectbox(t("measure.label"), AREA_MEASURES, format_func=lambda m: t(f"measure.{m}"), key=key)
    state = scope.state.replace(measure=measure)
    if state != scope.state:
        commit(state, settings)
    return dataclasses.replace(scope, state=state)


BASEMAP_KEY = "onemap_basemap"


def draw_basemap(settings: Settings, t: Translate, container: Any, *, lang: str) -> str:
    """The basemap the map is drawn on, chosen among those configured (``views.maps.offered_basemaps``); no box
    when there is only the one."""
    offered = offered_basemaps(settings)
    if len(offered) == 1:
        return offered[0]
    key = _language_key(BASEMAP_KEY, lang)
    _seed(key, st.session_state.get(BASEMAP_KEY, settings.basemap))
    chosen = container.selectbox(t("map.basemap"), offered, format_func=lambda b: t(f"basemap.{b}"), key=key)
    st.session_state[BASEMAP_KEY] = chosen  # kept across a language switch
    return chosen


def period_moved(scope: Scope, run: Runner, *, today: dt.date) -> bool:
    """Whether the presets' anchor day moved since the scope was resolved (midnight passed, or a load brought
    newer data): a self-refreshing page then reruns the whole app so the period follows."""
    if scope.state.preset == "custom":
        return False
    return anchor_day(today, last_report_day(run(QueryCall.of(queries.data_end)))) != scope.anchor

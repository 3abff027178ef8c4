"""The shared sidebar: drawn once by the entrypoint; pages read its choices with ``current_filters()``.

The period presets are pure (``anchor_day``, ``preset_range``) and count back from "today" in the data's
time zone, or from the data's last report day when the data end before today (a demo database, or a feed
that stopped): a wall screen showing "today" should show the last day there is, and say so.

The language, the period and the drilled area are mirrored in the URL (``?lang=en&period=last_week&area=…``),
codes rather than labels: a wall screen's browser can be pointed at one view and reloaded without losing it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from settings import Settings

from . import cache, drill, queries
from .i18n import LANGUAGE_NAMES, LANGUAGES, Translate, name_column, translator

#: Period presets, in the order offered; ``last_n_days`` spans ``settings.default_range_days``.
PRESETS: tuple[str, ...] = (
    "today",
    "last_7_days",
    "last_n_days",
    "this_week",
    "last_week",
    "this_month",
    "last_month",
    "custom",
)
DEFAULT_PRESET = "last_n_days"
LANG_KEY, PERIOD_KEY, DATES_KEY, PICK_KEY = "lang", "period", "onemap_dates", "onemap_area_pick"
_STATE_KEY = "onemap_filters"


@dataclass(frozen=True)
class Filters:
    """What the user picked in the sidebar: report days ``start`` to ``end`` (both inclusive), the multiselects
    (empty = all), the drilled-down ``area`` (``None`` = everything) and what the map draws for it: the grids
    at ``depth`` under ``map_parent`` (the area's children; for a grid without any, its siblings).
    """

    start: dt.date
    end: dt.date
    preset: str = "custom"
    channel: tuple[str, ...] = ()
    category_major: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    dept: tuple[str, ...] = ()
    area: str | None = None
    #: The level of ``area`` (1 = top), when known: the case filters then test that level's column only.
    area_depth: int | None = None
    depth: int = 1
    map_parent: str | None = None
    lang: str = "zh"
    #: The day the presets counted back from (see ``anchor_day``).
    anchor: dt.date | None = None

    def query_kwargs(self, *, dates: bool = True, area: bool = True) -> dict[str, Any]:
        """Keyword filters for the case queries (``case_filters``), the filters in use only.

        ``dates=False`` for states at a moment (e.g. overdue now); ``area=False`` where the area is given
        another way (the map's ``parent``).
        """
        kwargs: dict[str, Any] = {"start": self.start, "end": self.end} if dates else {}
        for name in ("channel", "category_major", "category", "status", "dept"):
            if getattr(self, name):
                kwargs[name] = getattr(self, name)
        if area and self.area is not None:
            kwargs["area"] = self.area
            if self.area_depth is not None:
                kwargs["area_depth"] = self.area_depth
        return kwargs

    @property
    def at(self) -> dt.datetime:
        """The last moment of the range: grids are drawn as they were then."""
        return dt.datetime.combine(self.end, dt.time.max)


# ---------------------------------------------------------------- periods (pure)
def anchor_day(today: dt.date, last_data_day: dt.date | None) -> dt.date:
    """The day the presets count back from: ``today``, or the data's last day when the data end before it."""
    return last_data_day if last_data_day is not None and last_data_day < today else today


def preset_range(preset: str, anchor: dt.date, *, days: int = 30) -> tuple[dt.date, dt.date]:
    """Report days ``(start, end)``, both inclusive, of ``preset`` counted back from ``anchor``.

    Weeks start on Monday; "this week" and "this month" run to ``anchor``, not to their last day.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    monday = anchor - dt.timedelta(days=anchor.weekday())
    first_of_month = anchor.replace(day=1)
    last_of_previous = first_of_month - dt.timedelta(days=1)
    ranges = {
        "today": (anchor, anchor),
        "last_7_days": (anchor - dt.timedelta(days=6), anchor),
        "last_n_days": (anchor - dt.timedelta(days=days - 1), anchor),
        "this_week": (monday, anchor),
        "last_week": (monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)),
        "this_month": (first_of_month, anchor),
        "last_month": (last_of_previous.replace(day=1), last_of_previous),
    }
    try:
        return ranges[preset]
    except KeyError:
        raise ValueError(f"preset {preset!r} has no range of its own; presets with one: {list(ranges)}") from None


def _day(value: Any) -> dt.date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


# ---------------------------------------------------------------- the URL
def url_index(key: str, options: Sequence[str], default: str) -> int:
    """The index a choice widget ``key`` starts at: the URL's ``?key=`` when it names one of ``options``,
    else ``default``. Fixed for the session (a keyed widget whose index changed would be a new widget).
    """
    start = f"_onemap_start_{key}"
    if start not in st.session_state:
        wanted = st.query_params.get(key)
        st.session_state[start] = options.index(wanted if wanted in options else default)
    return st.session_state[start]


def to_url(key: str, value: str | None, default: str | None) -> None:
    """Mirror a choice in the URL as ``?key=value``; the default is left out."""
    if value is None or value == default:
        st.query_params.pop(key, None)
    elif st.query_params.get(key) != value:
        st.query_params[key] = value


# ---------------------------------------------------------------- the widgets
def draw_language(settings: Settings) -> str:
    """The language switch, first in the sidebar; returns ``"zh"`` or ``"en"``."""
    default = settings.language if settings.language in LANGUAGES else LANGUAGES[0]
    lang = st.sidebar.radio(
        "语言 / Language",
        LANGUAGES,
        index=url_index(LANG_KEY, LANGUAGES, default),
        format_func=LANGUAGE_NAMES.__getitem__,
        horizontal=True,
        key=LANG_KEY,
        label_visibility="collapsed",
    )
    to_url(LANG_KEY, lang, default)
    return lang


def _period(settings: Settings, t: Translate, *, today: dt.date) -> tuple[str, dt.date, dt.date, dt.date]:
    extent = cache.frame(queries.data_extent).iloc[0]
    first, last = _day(extent["first"]), _day(extent["last"])
    anchor = anchor_day(today, last)
    days = settings.default_range_days
    labels = {preset: t(f"period.{preset}", days=days) for preset in PRESETS}
    preset = st.selectbox(
        t("period.label"),
        PRESETS,
        index=url_index(PERIOD_KEY, PRESETS, DEFAULT_PRESET),
        format_func=labels.__getitem__,
        key=PERIOD_KEY,
    )
    to_url(PERIOD_KEY, preset, DEFAULT_PRESET)
    if preset == "custom":
        default = preset_range(DEFAULT_PRESET, anchor, days=days)
        picked = st.date_input(
            t("period.dates"),
            value=default,
            min_value=min(first or anchor, default[0]),
            max_value=max(last or anchor, today),
            format="YYYY-MM-DD",
            key=DATES_KEY,
            persist_state="session",
        )
        # While a range is being picked the widget holds only its first day.
        start, end = (picked[0], picked[-1]) if picked else default
    else:
        start, end = preset_range(preset, anchor, days=days)
        st.caption(t("period.range", start=start, end=end))
    if anchor != today:
        st.caption(t("period.anchored", last=anchor, today=today))
    if extent["cases"]:
        st.caption(t("extent.cases", first=first, last=last, cases=f"{int(extent['cases']):,}"))
    else:
        st.caption(t("extent.none"))
    return preset, start, end, anchor


def _multiselect(label: str, frame: pd.DataFrame, code: str, name: str, *, key: str, t: Translate) -> tuple:
    names = dict(zip(frame[code], frame[name], strict=True))
    picked = st.multiselect(label, list(names), format_func=names.__getitem__, placeholder=t("filter.all"), key=key)
    return tuple(picked)


def _dictionaries(lang: str, t: Translate) -> dict[str, tuple[str, ...]]:
    name = name_column(lang)
    channels = cache.frame(queries.channel_names)
    categories = cache.frame(queries.category_names)
    majors = categories.drop_duplicates("major_code")
    majors = majors.assign(label=majors["major_code"] + " " + majors[name_column(lang, "major_name")])
    chosen: dict[str, tuple[str, ...]] = {
        "channel": _multiselect(t("filter.channel"), channels, "channel", name, key="onemap_channel", t=t),
        "category_major": _multiselect(
            t("filter.category_major"), majors, "major_code", "label", key="onemap_category_major", t=t
        ),
    }
    minors = categories[categories["major_code"].isin(chosen["category_major"])]
    minors = minors.assign(label=minors["code"] + " " + minors[name])
    if chosen["category_major"]:
        chosen["category"] = _multiselect(t("filter.category"), minors, "code", "label", key="onemap_category", t=t)
    else:
        st.multiselect(t("filter.category"), [], placeholder=t("filter.category_hint"), disabled=True)
        chosen["category"] = ()
    states = cache.frame(queries.state_names)
    chosen["status"] = _multiselect(t("filter.status"), states, "state", name, key="onemap_status", t=t)
    departments = cache.frame(queries.department_names)
    chosen["dept"] = _multiselect(t("filter.dept"), departments, "dept_code", "label", key="onemap_dept", t=t)
    return chosen


def escape_markdown(text: str) -> str:
    """``text`` shown literally by ``st.markdown`` (area names are data: ``*`` or ``_`` must not format)."""
    return "".join(f"\\{c}" if c in "\\`*_{}[]()#+-.!|<>~" else c for c in text)


def _pick_area() -> None:
    drill.go_to(st.session_state[PICK_KEY])
    st.session_state[PICK_KEY] = None


def _area(
    settings: Settings, lang: str, t: Translate, *, at: dt.datetime
) -> tuple[str | None, int | None, drill.MapLevel]:
    tree = cache.frame(queries.area_tree, at=at)
    levels = cache.frame(queries.level_names).set_index("depth")[name_column(lang)]
    wanted = drill.current_area()
    area = drill.normalise_area(tree, wanted)
    if area != wanted:
        if wanted is not None and not (tree["code"] == wanted).any():
            st.caption(t("area.reset", day=at.date()))
        drill.go_to(area)
    st.subheader(t("area.label"))
    chain = drill.parent_chain(tree, area)
    # The breadcrumb: every step up is a link-like button, the area itself plain bold text.
    crumbs = ([] if drill.implicit_root(tree) else [None]) + chain
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        for i, step in enumerate(crumbs):
            label = t("area.all") if step is None else step.name
            if i == len(crumbs) - 1:
                st.markdown(f"**{escape_markdown(label)}**", width="content")
                break
            target = None if step is None else drill.normalise_area(tree, step.code)
            st.button(label, key=f"onemap_crumb_{i}", on_click=drill.go_to, args=(target,), type="tertiary")
            st.markdown("›", width="content")
    below = drill.children(tree, area)
    if not below.empty:
        level = levels.get(int(below["depth"].min()), t("level.fallback", depth=int(below["depth"].min())))
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
        st.caption(t("area.no_grids", day=at.date()))
    fallback = drill.MapLevel(depth=settings.overview_map_depth, parent=None)
    depth = chain[-1].depth if area is not None and chain else None
    return area, depth, drill.map_level(tree, area) or fallback


def draw_sidebar(settings: Settings, *, lang: str, today: dt.date) -> Filters:
    """Draw the filters in the sidebar (after ``draw_language``) and remember the choice for the pages."""
    t = translator(lang)
    with st.sidebar:
        preset, start, end, anchor = _period(settings, t, today=today)
        area, area_depth, level = _area(settings, lang, t, at=dt.datetime.combine(end, dt.time.max))
        st.subheader(t("sidebar.filters"))
        chosen = _dictionaries(lang, t)
    filters = Filters(
        start=start,
        end=end,
        preset=preset,
        area=area,
        area_depth=area_depth,
        depth=level.depth,
        map_parent=level.parent,
        lang=lang,
        anchor=anchor,
        **chosen,
    )
    st.session_state[_STATE_KEY] = filters
    return filters


def current_filters() -> Filters:
    """The sidebar's choice in this run (the entrypoint draws the sidebar before the page runs)."""
    try:
        return st.session_state[_STATE_KEY]
    except KeyError:
        raise RuntimeError("no sidebar filters yet: run the app through streamlit_app.py") from None


def period_moved(filters: Filters, *, today: dt.date) -> bool:
    """Whether the presets' anchor day moved since the sidebar was drawn (midnight passed, or a load brought
    newer data): a self-refreshing page then reruns the whole app so the period follows.
    """
    if filters.preset == "custom":
        return False
    last = _day(cache.frame(queries.data_extent).iloc[0]["last"])
    return anchor_day(today, last) != filters.anchor

"""The wall screen (大屏) without Streamlit: everything it shows for a ``Scope`` at a moment, composed into texts
and a GeoJSON map, read through a runner (the dashboard's cache, or a cursor: ``views.calls.on``).

A public screen: no single case is shown but as a ticker line (class, channel, street, minute: no id, address,
coordinates, text or contact), and an area whose count is below ``settings.wall_min_count`` shows "<N". The
figures are those of the other pages (the same queries and ``views.dispatch``), for the day the presets
anchor on (today, or the data's last day).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import pandas as pd

import queries
from analytics.ranking import LEVELS as RANKING_LEVELS
from core.warning_rules import LEVELS as WARNING_LEVELS
from layers.wall_areas import WallAreas, wall_areas
from settings import Settings

from . import dispatch
from .calls import QueryCall, Runner
from .i18n import name_column, t
from .maps import map_crs
from .pages import level_label
from .scope import Scope
from .state import ViewState
from .video import street_depth

#: The views a wall can turn through (``settings.wall_rotate``): the whole area by cases, its busiest street,
#: the overdue cases per area, and this week's cases.
ROTATIONS: tuple[str, ...] = ("city", "street", "dispatch", "trends")


@dataclass(frozen=True)
class WallOptions:
    """The city's wall choices (``settings.wall_*``), checked."""

    min_count: int = 5
    stale_minutes: int = 120
    ticker_size: int = 12
    latest_warnings: int = 5
    ranking_level: str = "street"
    public_ranking: bool = True
    rotate: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("min_count", "stale_minutes", "ticker_size", "latest_warnings"):
            if getattr(self, name) < 1:
                raise ValueError(f"wall_{name} must be at least 1, got {getattr(self, name)}")
        if self.ranking_level not in RANKING_LEVELS:
            raise ValueError(f"wall_ranking_level must be one of {list(RANKING_LEVELS)}, got {self.ranking_level!r}")
        unknown = [name for name in self.rotate if name not in ROTATIONS]
        if unknown:
            raise ValueError(f"wall_rotate names unknown views {unknown}; views: {list(ROTATIONS)}")

    @classmethod
    def from_settings(cls, settings: Settings) -> WallOptions:
        return cls(
            min_count=settings.wall_min_count,
            stale_minutes=settings.wall_stale_minutes,
            ticker_size=settings.wall_ticker_size,
            latest_warnings=settings.wall_latest_warnings,
            ranking_level=settings.wall_ranking_level,
            public_ranking=settings.wall_public_ranking,
            rotate=tuple(settings.wall_rotate),
        )


def rotation(options: WallOptions, turn: int) -> str:
    """The view of refresh number ``turn``: the rotation's views in turn, or "city" without one."""
    return options.rotate[turn % len(options.rotate)] if options.rotate else "city"


@dataclass(frozen=True)
class Kpi:
    """One figure: its ``label``, the ``value`` as shown, and an optional ``note`` (e.g. a change)."""

    label: str
    value: str
    note: str = ""
    tone: str = ""  # "", "up", "down", "alarm"


@dataclass(frozen=True)
class Line:
    """A line of a list: a ``lead`` (a level, a rank, a time), the ``text`` and a ``value`` on the right."""

    lead: str
    text: str
    value: str = ""
    tone: str = ""


@dataclass(frozen=True)
class Wall:
    """What the wall shows: ``title``, ``view`` (of ``ROTATIONS``), whether the data are the ``demo``, the
    data's ``as_of`` text and whether it is ``stale``, the ``kpis``
    (intake today, pending, overdue, this week), ``intake`` per channel, ``warning_levels`` (I, II, III counts),
    the ``warnings``, ``red`` and ``black`` lists (empty when not shown), ``cameras``, the ``ticker`` and the
    ``map`` with its ``map_title``."""

    title: str
    view: str
    demo: bool
    as_of: str
    stale: str | None
    kpis: tuple[Kpi, ...]
    intake: tuple[Line, ...]
    warning_levels: tuple[Kpi, ...]
    warnings: tuple[Line, ...]
    red: tuple[Line, ...]
    black: tuple[Line, ...]
    ranking_shown: bool
    cameras: tuple[Kpi, ...]
    ticker: tuple[Line, ...]
    map: WallAreas
    map_title: str


# ---------------------------------------------------------------- periods
def day_scope(scope: Scope) -> Scope:
    """``scope`` narrowed to its anchor day (today, or the data's last day)."""
    return dataclasses.replace(scope, start=scope.anchor, end=scope.anchor)


def week_scopes(scope: Scope) -> tuple[Scope, Scope]:
    """This week up to the anchor day, and the same days of last week (like for like)."""
    monday = scope.anchor - dt.timedelta(days=scope.anchor.weekday())
    week = dt.timedelta(days=7)
    return (
        dataclasses.replace(scope, start=monday, end=scope.anchor),
        dataclasses.replace(scope, start=monday - week, end=scope.anchor - week),
    )


# ---------------------------------------------------------------- texts
def count_text(value: object) -> str:
    return f"{int(value):,}" if value is not None and not pd.isna(value) else "—"  # type: ignore[call-overload]


def change_text(now: int, before: int, lang: str) -> tuple[str, str]:
    """The change from ``before`` to ``now`` as a text and a tone ("up", "down" or "")."""
    if before == 0:
        return (t("wall.change_new", lang) if now else t("wall.change_none", lang)), ("up" if now else "")
    change = (now - before) / before
    return (f"{change:+.0%}" if change else "0%"), "up" if change > 0 else "down" if change < 0 else ""


def as_of_text(version: pd.Series, lang: str) -> str:
    """ "数据截至 …": the last load's finish time and run, else the latest report."""
    finished, run_id, last = version.get("finished_at"), version.get("run_id"), version.get("last_report")
    if finished is not None and not pd.isna(finished):
        return t("wall.as_of", lang, time=pd.Timestamp(finished).strftime("%Y-%m-%d %H:%M"), run=int(run_id))
    if last is not None and not pd.isna(last):
        return t("wall.as_of_report", lang, time=pd.Timestamp(last).strftime("%Y-%m-%d %H:%M"))
    return t("wall.as_of_none", lang)


def stale_text(version: pd.Series, *, now: dt.datetime, minutes: int, lang: str) -> str | None:
    """A warning when the last load finished more than ``minutes`` before ``now`` (or there was none)."""
    finished = version.get("finished_at")
    if finished is None or pd.isna(finished):
        return t("wall.stale_never", lang)
    age = (pd.Timestamp(now) - pd.Timestamp(finished)).total_seconds() / 60
    return t("wall.stale", lang, minutes=int(age)) if age > minutes else None


# ---------------------------------------------------------------- panels
def _kpis(scope: Scope, run: Runner, *, now: dt.datetime) -> tuple[Kpi, ...]:
    lang, today = scope.lang, day_scope(scope)
    intake = int(run(QueryCall.of(queries.summary_counts, **today.case_filters())).iloc[0]["cases"])
    moment = run(QueryCall.of(queries.overdue_pending, as_of=today.as_of(now), **scope.case_filters(dates=False)))
    pending, overdue = int(moment.iloc[0]["pending"]), int(moment.iloc[0]["overdue"])
    this_week, last_week = (
        int(run(QueryCall.of(queries.summary_counts, **week.case_filters())).iloc[0]["cases"])
        for week in week_scopes(scope)
    )
    note, tone = change_text(this_week, last_week, lang)
    return (
        Kpi(t("wall.intake_today", lang), count_text(intake)),
        Kpi(t("wall.pending", lang), count_text(pending)),
        Kpi(t("wall.overdue", lang), count_text(overdue), tone="alarm" if overdue else ""),
        Kpi(t("wall.this_week", lang), count_text(this_week), t("wall.vs_last_week", lang, n=count_text(last_week))),
        Kpi(t("wall.week_change", lang), note, tone=tone),
    )


def _intake(scope: Scope, run: Runner) -> tuple[Line, ...]:
    channels = run(QueryCall.of(queries.cases_by_channel, **day_scope(scope).case_filters()))
    names = name_column(scope.lang)
    return tuple(Line("", str(row[names]), count_text(row["cases"])) for _, row in channels.iterrows())


def _warnings(
    scope: Scope, run: Runner, *, settings: Settings, now: dt.datetime, options: WallOptions, areas: dict[str, str]
) -> tuple[tuple[Kpi, ...], tuple[Line, ...]]:
    lang = scope.lang
    overview = dispatch.warning_overview(scope, run, settings=settings, now=now, latest=options.latest_warnings)
    counts = overview.counts.set_index("level")["warnings"]
    levels = tuple(
        Kpi(t(f"wall.level.{level}", lang), count_text(counts.get(level, 0)), tone=f"level{level}")
        for level in WARNING_LEVELS
    )
    categories = run(QueryCall.of(queries.category_names)).set_index("code")[name_column(lang)]
    lines = []
    for _, warning in overview.latest.iterrows():
        category = categories.get(warning["category_code"], warning["category_code"])
        place = areas.get(str(warning["area"]), "") if pd.notna(warning["area"]) else ""
        what = " · ".join(
            str(part) for part in (warning[name_column(lang)], category, place) if part and pd.notna(part)
        )
        fired = pd.Timestamp(warning["fired_at"]).strftime("%m-%d %H:%M") if pd.notna(warning["fired_at"]) else ""
        lines.append(
            Line(t(f"wall.level_short.{int(warning['level'])}", lang), what, fired, f"level{warning['level']}")
        )
    return levels, tuple(lines)


def _ranking(
    scope: Scope, run: Runner, *, settings: Settings, now: dt.datetime, options: WallOptions
) -> tuple[tuple[Line, ...], tuple[Line, ...]]:
    red, black = dispatch.red_black(scope, run, settings=settings, now=now, level=options.ranking_level)

    def lines(table: pd.DataFrame) -> tuple[Line, ...]:
        return tuple(
            Line(str(int(row["rank"])), str(row["name"]), f"{row['score']:.1f}") for _, row in table.iterrows()
        )

    return lines(red), lines(black)


def _cameras(scope: Scope, run: Runner) -> tuple[Kpi, ...]:
    lang = scope.lang
    total = run(QueryCall.of(queries.camera_funnel, by="all", lang=lang, **day_scope(scope).case_filters()))
    row = total.iloc[0] if len(total) else pd.Series(dtype=object)
    rate = row.get("false_positive_rate")
    return (
        Kpi(t("wall.camera_alarms", lang), count_text(row.get("events", 0))),
        Kpi(t("wall.camera_pushed", lang), count_text(row.get("pushed", 0))),
        Kpi(t("wall.camera_closed", lang), count_text(row.get("closed", 0))),
        Kpi(t("wall.camera_false", lang), "—" if rate is None or pd.isna(rate) else f"{float(rate):.0%}"),
    )


def _ticker(scope: Scope, run: Runner, *, options: WallOptions, depth: int) -> tuple[Line, ...]:
    latest = run(
        QueryCall.of(
            queries.latest_cases, limit=options.ticker_size, depth=depth, lang=scope.lang, **scope.case_filters()
        )
    )
    outside, unclassified = t("wall.outside", scope.lang), t("wall.unclassified", scope.lang)
    return tuple(
        Line(
            pd.Timestamp(row["reported_at"]).strftime("%m-%d %H:%M"),
            f"{row['category_name'] if pd.notna(row['category_name']) else unclassified} · "
            f"{row['area_name'] if pd.notna(row['area_name']) else outside}",
            str(row["channel_name"]),
        )
        for _, row in latest.iterrows()
    )


# ---------------------------------------------------------------- the map and the rotation
def view_scope(scope: Scope, view: str, run: Runner) -> tuple[Scope, str, str]:
    """The scope the map of ``view`` draws, the column it shades the areas by, and the view it really is ("city"
    when there is no street to show: no case in the period, or the scope is inside a street already)."""
    if view == "trends":
        return week_scopes(scope)[0], "cases", view
    if view == "dispatch":
        return scope, "overdue", view
    if view == "street":
        street = _busiest_street(scope, run)
        if street is not None:
            return dataclasses.replace(scope, map_depth=street[1] + 1, map_parent=street[0]), "cases", view
    return scope, "cases", "city"


def _busiest_street(scope: Scope, run: Runner) -> tuple[str, int] | None:
    """The street with the most cases in the scope's period (its code and depth), or None."""
    depth = street_depth(run(QueryCall.of(queries.level_names)))
    if scope.map_depth > depth:  # already inside a street
        return None
    counts = run(QueryCall.of(queries.cases_by_level, depth=depth, **scope.case_filters()))
    counts = counts[counts["cases"] > 0].sort_values(["cases", "code"], ascending=[False, True])
    return (str(counts.iloc[0]["code"]), depth) if len(counts) else None


def _map(
    scope: Scope, run: Runner, *, settings: Settings, now: dt.datetime, view: str, options: WallOptions
) -> tuple[WallAreas, str, str]:
    shown, value, view = view_scope(scope, view, run)
    level = {"depth": shown.map_depth, "parent": shown.map_parent, "at": shown.at, "as_of": shown.as_of(now)}
    areas = run(QueryCall.of(queries.area_measures, **level, **shown.case_filters(area=False)))
    levels = run(QueryCall.of(queries.level_names))
    title = t(
        f"wall.map.{view}",  # the view drawn
        scope.lang,
        level=level_label(levels, shown.map_depth, scope.lang),
        start=shown.start.strftime("%m-%d"),
        end=shown.end.strftime("%m-%d"),
    )
    drawn = wall_areas(
        areas, value=value, crs=map_crs(settings), min_count=options.min_count, zero_text=t("wall.none", scope.lang)
    )
    return drawn, title, view


def wall(
    scope: Scope, run: Runner, *, settings: Settings, now: dt.datetime, options: WallOptions, turn: int = 0
) -> Wall:
    """The wall of ``scope`` at ``now`` (refresh number ``turn`` picks the rotation's view)."""
    lang, view = scope.lang, rotation(options, turn)
    version = run(QueryCall.of(queries.data_version)).iloc[0]
    drawn, map_title, view = _map(scope, run, settings=settings, now=now, view=view, options=options)
    tree = run(QueryCall.of(queries.area_tree, at=scope.at))
    names = dict(zip(tree["code"].astype(str), tree["name"].astype(str), strict=True))
    levels, latest = _warnings(scope, run, settings=settings, now=now, options=options, areas=names)
    ranking_shown = options.public_ranking or scope.access.can("rankings")
    red, black = _ranking(scope, run, settings=settings, now=now, options=options) if ranking_shown else ((), ())
    depth = street_depth(run(QueryCall.of(queries.level_names)))
    place = scope.chain[-1].name if scope.chain else t("wall.everywhere", lang)
    return Wall(
        title=t("wall.title", lang, place=place),
        view=view,
        demo=bool(run(QueryCall.of(queries.dataset_facts))["demo"].iloc[0]),
        as_of=as_of_text(version, lang),
        stale=stale_text(version, now=now, minutes=options.stale_minutes, lang=lang),
        kpis=_kpis(scope, run, now=now),
        intake=_intake(scope, run),
        warning_levels=levels,
        warnings=latest,
        red=red,
        black=black,
        ranking_shown=ranking_shown,
        cameras=_cameras(scope, run),
        ticker=_ticker(scope, run, options=options, depth=depth),
        map=drawn,
        map_title=map_title,
    )


def wall_state(query: dict[str, str], *, lang: str) -> ViewState:
    """The view a wall URL names (``ViewState.from_query``), over the last seven days when it names no period."""
    state = ViewState.from_query(query, lang=lang)
    return state if "period" in query else state.replace(preset="last_7_days")


def requested(query: dict[str, str]) -> bool:
    """Whether a URL query asks for the wall (``mode=wall``)."""
    return query.get("mode") == "wall"

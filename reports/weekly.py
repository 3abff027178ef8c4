"""The weekly leadership report of one area, as values: what ``reports.render`` writes as HTML and PDF.

Every figure comes from the views the dashboard shows (``views``), read through a ``Runner``: the dashboard's
cache (confined to the signed-in user) or a cursor (the command line, with ``views.access.EVERYTHING``). Clock
figures (overdue, warnings) are taken at the end of the week, or at the data's last report when the data stop
before it, never at the wall clock: the same database and week give the same report.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from dataclasses import dataclass

import pandas as pd

import queries
from core.measures import measure
from settings import Settings
from views import dispatch, trends
from views.access import EVERYTHING, Access
from views.calls import QueryCall, Runner
from views.pages import level_label
from views.scope import Scope, resolve
from views.state import ViewState

from .week import Week

#: The figures of the KPI table, in order: each a measure of ``core.measures`` (its direction decides the colour).
KPIS: tuple[str, ...] = (
    "cases",
    "closed",
    "closure_rate",
    "on_time_closure_rate",
    "overdue",
    "satisfaction_rate",
)
#: Rows of the overdue list, the rising list and the category comparison.
OVERDUE_ROWS, RISING_ROWS, CATEGORY_ROWS = 10, 8, 10
#: Fewest areas a hot spot map is drawn for (Gi* compares an area with its neighbours).
MIN_HOTSPOT_AREAS = 3
#: The report's sections, in order, and the dashboard page each link reopens.
SECTION_PAGES: dict[str, str] = {
    "kpis": "",
    "intake": "overview",
    "trends": "trends",
    "overdue": "",
    "ranking": "dispatch",
    "handoffs": "dispatch",
    "cameras": "video",
}


@dataclass(frozen=True)
class Kpi:
    """One row of the KPI table: measure ``name`` this week and last, and whether the change is for the better
    (``None``: the measure has no direction, or nothing changed)."""

    name: str
    this: float
    last: float

    @property
    def change(self) -> float:
        return self.this - self.last

    @property
    def better(self) -> bool | None:
        up = measure(self.name).higher_is_better
        shown = round(self.change * 100, 1) if measure(self.name).kind == "rate" else self.change  # as printed
        if up is None or pd.isna(self.change) or shown == 0:
            return None
        return (self.change > 0) == up


@dataclass(frozen=True)
class WeeklyReport:
    """The report of ``week`` for ``scope`` (its area and language), as of ``as_of``."""

    week: Week
    scope: Scope
    area_name: str
    as_of: dt.datetime
    version: pd.Series
    kpis: tuple[Kpi, ...]
    daily: pd.DataFrame
    channels: pd.DataFrame
    categories: pd.DataFrame
    rising: pd.DataFrame
    hotspots: pd.DataFrame | None
    hotspot_level: str
    polygons: pd.DataFrame
    warnings: pd.DataFrame
    overdue: pd.DataFrame | None
    red: pd.DataFrame | None
    black: pd.DataFrame | None
    handoffs: pd.Series
    chains: pd.DataFrame
    cameras: pd.DataFrame
    links: dict[str, str]

    @property
    def lang(self) -> str:
        return self.scope.lang


def week_scope(
    week: Week, run: Runner, *, area: str | None, lang: str, settings: Settings, access: Access = EVERYTHING
) -> Scope:
    """The dashboard's scope of ``week`` (a custom range, Monday to Sunday) over ``area`` in ``lang``."""
    state = ViewState(preset="custom", start=week.start, end=week.end, area=area, lang=lang)
    scope = resolve(
        state, run, today=week.end, days=settings.default_range_days, overview_depth=settings.overview_map_depth,
        access=access,
    )  # fmt: skip
    if area is not None and scope.area != area and area != access.area:  # the reader's own area is their top
        raise ValueError(f"area {area!r} is not a grid valid in {week} (or the reader may not see it)")
    return scope


def _compare(this: pd.DataFrame, last: pd.DataFrame, key: str, name: str) -> pd.DataFrame:
    """``key``, ``name``, ``this`` and ``last`` week's cases and the ``change``, most this week first."""
    joined = this[[key, name, "cases"]].merge(
        last[[key, name, "cases"]], on=[key, name], how="outer", suffixes=("_this", "_last")
    )
    joined = joined.fillna({"cases_this": 0, "cases_last": 0}).rename(
        columns={name: "name", "cases_this": "this", "cases_last": "last"}
    )
    joined[["this", "last"]] = joined[["this", "last"]].astype("int64")
    joined["change"] = joined["this"] - joined["last"]
    return joined.sort_values(["this", "last", key], ascending=[False, False, True], na_position="last").reset_index(
        drop=True
    )


def _hotspot_level(scope: Scope, run: Runner, levels: pd.DataFrame) -> tuple[int, pd.DataFrame]:
    """The level the hot spots are mapped at, and its areas: one below the map's (as the trend page starts) when
    the scope's area has enough areas there, else the map's own."""
    deeper = sorted(int(d) for d in levels["depth"] if d > scope.map_depth)
    polygons = pd.DataFrame()
    for depth in [*deeper[:1], scope.map_depth]:
        polygons = run(QueryCall.of(queries.grid_polygons, depth=depth, at=scope.at, within=scope.area))
        if len(polygons) >= MIN_HOTSPOT_AREAS:
            return depth, polygons
    return scope.map_depth, polygons


def _area_name(scope: Scope, run: Runner) -> str:
    """The name of the scope's area, or of the reader's own when they see all of theirs ("" for everything)."""
    if scope.area is not None and scope.chain:
        return scope.chain[-1].name
    if scope.access.area is None:
        return ""
    tree = run(QueryCall.of(queries.area_tree, at=scope.at))
    named = tree.loc[tree["code"] == scope.access.area, "name"]
    return str(named.iloc[0]) if len(named) else scope.access.area


def _names(codes: list[str], names: pd.Series) -> list[str]:
    return [str(names.get(code, code)) for code in codes]


def _link(settings: Settings, page: str, state: ViewState) -> str:
    query = urllib.parse.urlencode(state.to_query(lang=settings.language))
    return f"{settings.public_url.rstrip('/')}/{page}" + (f"?{query}" if query else "")


def build(
    week: Week,
    run: Runner,
    *,
    settings: Settings,
    area: str | None = None,
    lang: str = "zh",
    access: Access = EVERYTHING,
) -> WeeklyReport:
    """The report of ``week`` over ``area`` (None: everything ``access`` may see) in ``lang``, read by ``run``."""
    area = area or access.area  # a reader bound to an area reports on it, named
    scope = week_scope(week, run, area=area, lang=lang, settings=settings, access=access)
    run = access.runner(run)
    last_scope = week_scope(week.previous, run, area=scope.area, lang=lang, settings=settings, access=access)
    version = run(QueryCall.of(queries.data_version)).iloc[0]
    latest = pd.Timestamp(version["last_report"]) if pd.notna(version["last_report"]) else None
    as_of = min(scope.at, latest.to_pydatetime()) if latest is not None else scope.at
    previous_as_of = min(last_scope.at, as_of)

    this_filters, last_filters = scope.case_filters(), last_scope.case_filters()
    figures = run(QueryCall.of(queries.area_figures, as_of=as_of, **this_filters)).iloc[0]
    before = run(QueryCall.of(queries.area_figures, as_of=previous_as_of, **last_filters)).iloc[0]
    kpis = tuple(Kpi(name, float(figures[name]), float(before[name])) for name in KPIS)

    names = f"name_{lang}"
    channels = _compare(
        run(QueryCall.of(queries.cases_by_channel, **this_filters)),
        run(QueryCall.of(queries.cases_by_channel, **last_filters)),
        "channel",
        names,
    )
    top = {"limit": CATEGORY_ROWS}
    categories = _compare(
        run(QueryCall.of(queries.top_categories, **top, **this_filters)),
        run(QueryCall.of(queries.top_categories, **top, **last_filters)),
        "category_code",
        names,
    ).head(CATEGORY_ROWS)
    daily = pd.DataFrame(
        {
            "weekday": range(1, 8),
            "this": run(QueryCall.of(queries.daily_counts, **this_filters))["cases"].to_numpy(),
            "last": run(QueryCall.of(queries.daily_counts, **last_filters))["cases"].to_numpy(),
        }
    )

    levels = run(QueryCall.of(queries.level_names))
    depth, polygons = _hotspot_level(scope, run, levels)
    rising, _ = trends.rising_table(scope, run, depth=depth, weeks=12)
    rising = rising[rising["direction"] == "rising"].head(RISING_ROWS)
    category_names = run(QueryCall.of(queries.category_names)).set_index("code")[names]
    rising = rising.assign(category=category_names.reindex(rising["category_code"]).fillna("—").to_numpy())
    spots: pd.DataFrame | None = None
    if len(polygons) >= MIN_HOTSPOT_AREAS:
        try:
            spots = trends.hotspots(scope, run, depth=depth, permutations=99, seed=0).table
        except LookupError:  # a database whose grids' neighbours were never derived (before its next load or init)
            spots = None

    now = dispatch.warning_overview(scope, run, settings=settings, now=as_of, latest=0).counts
    overdue = None
    if access.can("case_details"):
        alerts = run(
            QueryCall.of(
                queries.deadline_alerts,
                as_of=as_of,
                warn_fraction=settings.warn_fraction,
                limit=OVERDUE_ROWS * 5,
                work_periods=settings.work_periods,
                lang=lang,
                **scope.case_filters(dates=False),
            )
        )
        overdue = alerts[alerts["level"] == "overdue"].head(OVERDUE_ROWS).reset_index(drop=True)
    red = black = None
    if access.can("rankings"):
        red, black = dispatch.red_black(scope, run, settings=settings, now=as_of)
    chains = run(QueryCall.of(queries.handoff_chains, limit=5, **this_filters))
    departments = run(QueryCall.of(queries.department_names)).set_index("dept_code")["label"]
    chains = chains.assign(chain=chains["chain"].map(lambda chain: " → ".join(_names(chain.split(">"), departments))))
    handoffs = run(QueryCall.of(queries.handoff_summary, **this_filters)).iloc[0]
    cameras = run(QueryCall.of(queries.camera_funnel, by="scene", lang=lang, **this_filters))

    return WeeklyReport(
        week=week,
        scope=scope,
        area_name=_area_name(scope, run),
        as_of=as_of,
        version=version,
        kpis=kpis,
        daily=daily,
        channels=channels,
        categories=categories,
        rising=rising.reset_index(drop=True),
        hotspots=spots,
        hotspot_level=level_label(levels, depth, lang),
        polygons=polygons,
        warnings=now,
        overdue=overdue,
        red=red,
        black=black,
        handoffs=handoffs,
        chains=chains,
        cameras=cameras,
        links={section: _link(settings, page, scope.state) for section, page in SECTION_PAGES.items()},
    )

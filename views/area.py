"""The area page without Streamlit: the six elements of any area (人·地·事·物·情·组织), its 15-minute life circles
with the places out of reach on a map, the incidents reported more than once, a grid's 一表一账 and the weekend
deliberation hall. Whatever the city has not loaded is shown as absent (``Figure.absent``), never as zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import folium
import pandas as pd

import layers
import queries
from layers import facility_markers, grid_boundaries, layer_control, shift_frame, simplify_frame
from queries.area_profile import PEOPLE
from settings import Settings

from .calls import QueryCall, Runner
from .i18n import STRINGS, labels, prefixed, t
from .maps import _fit, map_crs, new_map
from .pages import level_label
from .scope import Scope
from .tables import header

#: The six elements, in the panel's order.
ELEMENTS: tuple[str, ...] = ("people", "land", "events", "things", "sentiment", "organisations")
#: Incidents of several reports listed, and rising topics shown.
INCIDENTS_LISTED, TOPICS_SHOWN, ITEMS_LISTED = 50, 3, 30
#: Colour of the places out of reach of a life circle.
GAP_COLOUR = "#d7191c"


@dataclass(frozen=True)
class Figure:
    """One figure of the panel: its label ``key``, ``value`` (None: nothing to show), ``kind`` (count, rate,
    km2, text), ``text`` for text figures, a ``note`` (partial coverage, another source) and ``absent`` (the city
    has not loaded it)."""

    key: str
    value: float | None = None
    kind: str = "count"
    text: str = ""
    note: str = ""
    absent: bool = False


def circle_radius(settings: Settings) -> float:
    """The straight-line stand-in for a life circle's walk: minutes × speed ÷ detour factor (metres)."""
    return settings.life_circle_minutes * settings.walk_speed_m_per_min / settings.walk_detour


def grid_depth(levels: pd.DataFrame) -> int:
    """The level whose grids keep a 一表一账, from a ``grid_level_counts`` frame: the level called ``grid``, or the
    deepest level that has grids when the city's grids stop above it."""
    present = levels.loc[levels["grids"] > 0, "depth"]
    deepest = int(present.max()) if len(present) else int(levels["depth"].max())
    named = levels.loc[levels["level_key"] == "grid", "depth"]
    return min(int(named.iloc[0]), deepest) if len(named) else deepest


def area_calls(
    scope: Scope, *, settings: Settings, now: dt.datetime, circle_kind: str | None, ledger: bool
) -> dict[str, QueryCall]:
    """Every query the page runs for ``scope`` at ``now``; ``circle_kind``: the facility kind whose gaps are drawn;
    ``ledger``: the area is a grid, with its 一表一账."""
    cases, as_of, at = scope.case_filters(), scope.as_of(now), scope.at
    area = {"area": scope.area, "area_depth": scope.area_depth}
    radius = circle_radius(settings)
    calls = {
        "levels": QueryCall.of(queries.level_names),
        "people": QueryCall.of(queries.area_people, area=scope.area, at=at),
        "land": QueryCall.of(queries.area_land, area=scope.area, at=at, lang=scope.lang),
        "land_use": QueryCall.of(queries.area_land_use, area=scope.area, at=at),
        "figures": QueryCall.of(queries.area_figures, as_of=as_of, **cases),
        "trend": QueryCall.of(queries.daily_counts, **cases),
        "incidents": QueryCall.of(queries.incident_summary, **cases),
        "things": QueryCall.of(queries.area_things, lang=scope.lang, **area),
        "sentiment": QueryCall.of(queries.area_sentiment, **cases),
        "topics": QueryCall.of(queries.rising_topics, limit=TOPICS_SHOWN, **cases),
        "organisations": QueryCall.of(queries.area_organisations, at=at, **area),
        "circles": QueryCall.of(queries.life_circles, radius_m=radius, at=at, area=scope.area),
        "facilities": QueryCall.of(queries.facilities, area=None),
        "areas": QueryCall.of(queries.grid_polygons, depth=scope.map_depth, at=at),
        "deliberation": QueryCall.of(
            queries.deliberation_summary,
            depth=scope.map_depth,
            as_of=as_of,
            overdue_days=settings.deliberation_days,
            **cases,
        ),
    }
    if scope.access.can("case_details"):  # single reports and items, with their addresses and texts
        calls["incident_list"] = QueryCall.of(queries.incident_list, limit=INCIDENTS_LISTED, lang=scope.lang, **cases)
        calls["items"] = QueryCall.of(queries.deliberation_items, limit=ITEMS_LISTED, as_of=as_of, **cases)
    if circle_kind is not None:
        calls["gaps"] = QueryCall.of(
            queries.life_circle_gaps, kind=circle_kind, radius_m=radius, at=at, area=scope.area
        )
    if ledger and scope.area is not None:
        calls["basic"] = QueryCall.of(queries.grid_basic, code=scope.area, at=at, lang=scope.lang)
        calls["ledger"] = QueryCall.of(queries.worker_ledger, **cases)
        calls["workers"] = QueryCall.of(queries.grid_workers_of, area=scope.area, area_depth=scope.area_depth)
    return calls


# ---------------------------------------------------------------- the six elements
def _count(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def _people(people: pd.DataFrame, levels: pd.DataFrame, lang: str) -> list[Figure]:
    out = []
    for row in people.set_index("figure").reindex(list(PEOPLE)).reset_index().to_dict("records"):
        note = ""
        if row["value"] is not None and not pd.isna(row["value"]) and row["covered"] < row["of"]:
            note = t("area.partial", lang, covered=row["covered"], of=row["of"],
                     level=level_label(levels, int(row["depth"]), lang))  # fmt: skip
        elif row["loaded"] and pd.isna(row["value"]):
            note = t("area.none_here", lang)
        absent = not bool(row["loaded"])
        out.append(Figure(f"people.{row['figure']}", _count(row["value"]), note=note, absent=absent))
    return out


def _land(land: pd.DataFrame, land_use: pd.DataFrame, scope: Scope) -> list[Figure]:
    own = land.iloc[0] if len(land) else None
    out = [Figure("land.area_km2", _count(own["area_km2"]) if own is not None else None, kind="km2")]
    for row in land.iloc[0 if scope.area is None else 1 :].to_dict("records"):
        out.append(Figure(f"land.grids|{row['level_name']}", float(row["grids"])))
    if land_use.empty:
        out.append(Figure("land.land_use", kind="text", absent=True))
    else:
        mix = "、".join(f"{r['land_use']} {r['grids']}" for r in land_use.to_dict("records"))
        out.append(Figure("land.land_use", kind="text", text=mix))
    return out


def _events(figures: pd.Series, incidents: pd.Series) -> list[Figure]:
    return [
        Figure("events.cases", _count(figures.get("cases"))),
        Figure("events.overdue", _count(figures.get("overdue"))),
        Figure("events.closure_rate", _count(figures.get("closure_rate")), kind="rate"),
        Figure("events.incidents", _count(incidents.get("incidents"))),
        Figure("events.repeated", _count(incidents.get("repeated"))),
    ]


def _things(things: pd.DataFrame, lang: str) -> list[Figure]:
    out = []
    names = prefixed(lang, "iot.kind") | prefixed(lang, "layer.facility_kinds")
    for thing, rows in things.groupby("thing", sort=False):
        if not rows["loaded"].any():
            out.append(Figure(f"things.{thing}", absent=True))
            continue
        total = float(rows["count"].sum())
        detail = "、".join(
            f"{names.get(str(r['kind']), r['kind_name'] or r['kind'])} {int(r['count'])}"
            for r in rows.to_dict("records")
            if thing != "camera" and r["count"]
        )
        out.append(Figure(f"things.{thing}", total, note=detail))
    return out


def _sentiment(sentiment: pd.Series, topics: pd.DataFrame, lang: str) -> list[Figure]:
    rising = "、".join(f"{r['topic_name']} +{int(r['change'])}" for r in topics.to_dict("records"))
    return [
        Figure("sentiment.hotline", _count(sentiment.get("hotline"))),
        Figure("sentiment.complaints", _count(sentiment.get("complaints"))),
        Figure("sentiment.satisfaction_rate", _count(sentiment.get("satisfaction_rate")), kind="rate"),
        Figure("sentiment.rising", kind="text", text=rising or t("sentiment.rising_none", lang)),
    ]


def _organisations(organisations: pd.DataFrame, lang: str) -> list[Figure]:
    out = []
    for row in organisations.to_dict("records"):
        members = row["members"]
        note = t("org.from_grids", lang) if row["source"] == "grids" else ""
        if members is not None and not pd.isna(members):
            note = t("org.members", lang, count=int(row["count"]), members=f"{int(members):,}")
        out.append(Figure(f"org.{row['kind']}", _count(row["count"]), note=note, absent=not bool(row["loaded"])))
    return out


def six_elements(frames: dict[str, pd.DataFrame], scope: Scope) -> dict[str, list[Figure]]:
    """The panel's figures per element (``ELEMENTS``) from the frames of ``area_calls``."""
    lang, levels = scope.lang, frames["levels"]
    first = lambda name: frames[name].iloc[0] if len(frames[name]) else pd.Series(dtype=object)  # noqa: E731
    return {
        "people": _people(frames["people"], levels, lang),
        "land": _land(frames["land"], frames["land_use"], scope),
        "events": _events(first("figures"), first("incidents")),
        "things": _things(frames["things"], lang),
        "sentiment": _sentiment(first("sentiment"), frames["topics"], lang),
        "organisations": _organisations(frames["organisations"], lang),
    }


def figure_label(figure: Figure, lang: str) -> str:
    """The label of ``figure`` in ``lang`` (a level's count names the level)."""
    key, _, level = figure.key.partition("|")
    if key.startswith("org.") and key not in STRINGS:  # a kind of organisation the label table does not name
        key = "org.other"
    return t(key, lang, level=level) if level else t(key, lang)


def figure_text(figure: Figure, lang: str) -> str:
    """How ``figure`` reads: "未接入" when the city has not loaded it, "—" when undefined, else the value."""
    if figure.absent:
        return t("area.absent", lang)
    if figure.kind == "text":
        return figure.text or "—"
    if figure.value is None:
        return "—"
    if figure.kind == "rate":
        return f"{figure.value:.1%}"
    if figure.kind == "km2":
        return f"{figure.value:,.2f}"
    return f"{figure.value:,.0f}"


def basic_rows(basic: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """A grid's basic table (a ``grid_basic`` row) as rows of ``item`` (the field's label) and ``value`` (text;
    "—" where the city gives nothing)."""
    if basic.empty:
        return pd.DataFrame(columns=["item", "value"])
    return pd.DataFrame(
        {"item": [header(str(c), lang) for c in basic.columns], "value": [_cell(v) for v in basic.iloc[0]]}
    )


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    if isinstance(value, bool | str):
        return str(value)
    if pd.api.types.is_number(value):
        number = float(value)  # type: ignore[arg-type]
        return f"{number:,.0f}" if number.is_integer() else f"{number:,.2f}"
    return str(value)


def percent_columns(frame: pd.DataFrame) -> list[str]:
    """The columns of a table that hold shares (rates and shares, shown as percentages)."""
    return [str(c) for c in frame.columns if str(c).endswith(("_rate", "_share"))]


# ---------------------------------------------------------------- the page
@dataclass(frozen=True)
class AreaPage:
    """The page's content: the ``elements`` panel, the daily ``trend``, the life ``circles`` and ``gaps``, the
    ``incidents`` reported more than once, the ``deliberation`` summary and ``items``, and for an area the
    ``basic`` table, the workers' ``ledger`` and ``workers``; the map's ``areas`` and ``facilities``."""

    elements: dict[str, list[Figure]]
    trend: pd.DataFrame
    circles: pd.DataFrame
    incident_summary: pd.Series
    incidents: pd.DataFrame
    deliberation: pd.DataFrame
    items: pd.DataFrame
    areas: pd.DataFrame
    facilities: pd.DataFrame
    level: str
    grid_depth: int
    gaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    basic: pd.DataFrame = field(default_factory=pd.DataFrame)
    ledger: pd.DataFrame = field(default_factory=pd.DataFrame)
    workers: pd.DataFrame = field(default_factory=pd.DataFrame)


def area_page(scope: Scope, run: Runner, *, settings: Settings, now: dt.datetime, circle_kind: str | None) -> AreaPage:
    """The area page of ``scope`` at ``now``, its frames read through ``run``."""
    levels = run(QueryCall.of(queries.grid_level_counts, at=scope.at))
    ledger = scope.area_depth is not None and scope.area_depth >= grid_depth(levels)
    calls = area_calls(scope, settings=settings, now=now, circle_kind=circle_kind, ledger=ledger)
    frames = {name: run(call) for name, call in calls.items()}
    areas = frames["areas"]
    if scope.map_parent is not None:
        areas = areas[areas["parent_code"] == scope.map_parent]
    return AreaPage(
        elements=six_elements(frames, scope),
        trend=frames["trend"],
        circles=frames["circles"],
        incident_summary=frames["incidents"].iloc[0] if len(frames["incidents"]) else pd.Series(dtype=object),
        incidents=frames.get("incident_list", pd.DataFrame()),
        deliberation=frames["deliberation"],
        items=frames.get("items", pd.DataFrame()),
        areas=areas,
        facilities=frames["facilities"],
        level=level_label(levels, scope.map_depth, scope.lang),
        grid_depth=grid_depth(levels),
        gaps=frames.get("gaps", pd.DataFrame()),
        basic=frames.get("basic", pd.DataFrame()),
        ledger=frames.get("ledger", pd.DataFrame()),
        workers=frames.get("workers", pd.DataFrame()),
    )


def area_map(page: AreaPage, *, circle_kind: str | None, lang: str, settings: Settings) -> folium.Map:
    """The areas below the chosen one; with ``circle_kind``, the places out of its reach in red and its
    facilities with their circles (the straight-line radius)."""
    crs = map_crs(settings)
    m = new_map(settings)
    fitted = []
    grid_labels = labels(lang, "layer.grids", layers.grids.LABELS)
    if not page.areas.empty:
        areas = simplify_frame(shift_frame(page.areas, crs))
        boundaries = grid_boundaries(
            areas,
            name=t("layer.boundaries", lang, level=page.level),
            level_label=page.level,
            labels=grid_labels,
            line_colour=settings.grid_line_colour,
            fill_colour=settings.grid_fill_colour,
            fill_opacity=settings.grid_fill_opacity,
        )
        fitted.append(boundaries.add_to(m))
    if circle_kind is not None:
        kind = prefixed(lang, "layer.facility_kinds").get(circle_kind, circle_kind)
        if not page.gaps.empty:
            grid_boundaries(
                simplify_frame(shift_frame(page.gaps, crs)),
                name=t("circle.gaps", lang, kind=kind),
                level_label=t("circle.gaps", lang, kind=kind),
                labels=grid_labels,
                show_names=False,
                line_colour=GAP_COLOUR,
                fill_colour=GAP_COLOUR,
                fill_opacity=0.35,
                weight=0.5,
            ).add_to(m)
        chosen = page.facilities[page.facilities["kind"] == circle_kind].assign(
            service_radius_m=circle_radius(settings)
        )
        if not chosen.empty:
            facility_markers(
                shift_frame(chosen, crs),
                name=t("circle.facilities", lang, kind=kind),
                labels=labels(lang, "layer.facilities", layers.facilities.LABELS),
                kind_labels=prefixed(lang, "layer.facility_kinds"),
            ).add_to(m)
    layer_control().add_to(m)
    if fitted:
        _fit(m, fitted[0])
    return m

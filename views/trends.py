"""The trend and hotspot analyses of a view (研判), without Streamlit: each reads through a runner (the dashboard's
cache, or a cursor for the command line and reports) and returns the table the page shows and
``python -m analytics`` writes.

The area of a ``Scope`` bounds every analysis (the areas of a level under it); its filters (channel, class,
status, department) apply; its period is the one analysed, and the trend analyses look back from its end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

import queries
from analytics.emerging import emerging_hot_spots
from analytics.hotspots import GlobalMoran, global_moran, hot_spots, local_moran
from analytics.lattice import Lattice
from analytics.recurrence import PAIR_COLUMNS, near_repeats
from analytics.spikes import spikes
from analytics.trends import change, rising

from .calls import QueryCall, Runner
from .scope import Scope

#: What a hotspot analysis may be run on: the count, or a rate per 1,000 residents or per km² (where the grids
#: carry population or area).
VALUES: tuple[str, ...] = ("cases", "per_1000", "per_km2")


def _filters(scope: Scope, *, dates: bool = True) -> dict[str, object]:
    """The scope's case filters without its area (analyses take the areas of a level under it instead)."""
    return {k: v for k, v in scope.case_filters(dates=dates).items() if k not in ("area", "area_depth")}


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_starts(end: dt.date, weeks: int, *, complete: bool = False) -> list[pd.Timestamp]:
    """The Mondays of the ``weeks`` ISO weeks up to and including the one holding ``end``, oldest first; with
    ``complete``, up to the last week that ends on or before ``end`` (a week in progress has fewer cases, which
    a trend test of counts would read as a fall)."""
    last = _monday(end) - dt.timedelta(weeks=1 if complete and end.weekday() != 6 else 0)
    return [pd.Timestamp(last - dt.timedelta(weeks=k)) for k in range(weeks - 1, -1, -1)]


def _in_area(scope: Scope) -> dict[str, object]:
    return {"area": scope.area, "area_depth": scope.area_depth} if scope.area is not None else {}


# ---------------------------------------------------------------- the lattice of a level
def lattice(scope: Scope, run: Runner, *, depth: int) -> tuple[pd.DataFrame, Lattice]:
    """The areas of level ``depth`` under the scope's area valid at its end (``level_areas``), and their
    lattice."""
    areas = run(QueryCall.of(queries.level_areas, depth=depth, at=scope.at, area=scope.area))
    pairs = run(QueryCall.of(queries.area_neighbours, depth=depth, at=scope.at))
    return areas, Lattice.of(areas["code"].astype(str).tolist(), pairs)


def _values(counts: pd.DataFrame, value: str) -> pd.Series:
    if value not in VALUES:
        raise ValueError(f"value must be one of {list(VALUES)}, got {value!r}")
    cases = counts.set_index("code")["cases"].astype(np.float64)
    if value == "cases":
        return cases
    base = counts.set_index("code")["population" if value == "per_1000" else "area_km2"].astype(np.float64)
    scale = 1000.0 if value == "per_1000" else 1.0
    return (cases * scale / base.where(base > 0)).fillna(0.0)


# ---------------------------------------------------------------- hot spots
@dataclass(frozen=True)
class Hotspots:
    """Gi* and local Moran's I of one level for one scope: ``table`` per area (``code``, ``name``, ``cases``,
    ``value``, ``neighbours``, ``z``, ``p``, ``p_fdr``, ``class``, ``moran_i``, ``moran_p``, ``cluster``),
    the global Moran's I, and the islands (areas without a neighbour)."""

    table: pd.DataFrame
    moran: GlobalMoran
    islands: tuple[str, ...]
    depth: int
    value: str


def hotspots(
    scope: Scope, run: Runner, *, depth: int, value: str = "cases", permutations: int = 999, seed: int = 0
) -> Hotspots:
    """Hot and cold spots (Gi*), clusters and outliers (local Moran's I) and global Moran's I of the cases of
    ``scope`` over the areas of level ``depth`` under its area (every one, quiet ones included)."""
    counts = run(
        QueryCall.of(queries.area_period_counts, depth=depth, at=scope.at, **_filters(scope), **_in_area(scope))
    )
    _, grid = lattice(scope, run, depth=depth)
    values = _values(counts, value)
    gi = hot_spots(values, grid)
    moran = local_moran(values, grid, permutations=permutations, seed=seed)
    table = counts[["code", "name", "cases"]].merge(gi.drop(columns="value"), on="code")
    table.insert(3, "value", values.reindex(table["code"]).to_numpy())
    table = table.merge(
        moran[["code", "i", "p_sim", "cluster"]].rename(columns={"i": "moran_i", "p_sim": "moran_p"}), on="code"
    )
    return Hotspots(
        table=table,
        moran=global_moran(values, grid, permutations=permutations, seed=seed),
        islands=grid.islands,
        depth=depth,
        value=value,
    )


#: The columns of the hot spot table a file gets (``python -m analytics hotspots``, the page's download): names
#: outside checks read, kept as they are.
HOTSPOT_COLUMNS: tuple[str, ...] = ("code", "name", "cases", "z", "p", "p_fdr", "class")


def table_csv(table: pd.DataFrame, columns: tuple[str, ...] | None = None) -> bytes:
    """``table`` (its ``columns``) as plain UTF-8 CSV with its own column names and values (class codes, full
    precision): the machine-readable form the command line writes and the page offers."""
    picked = table.loc[:, list(columns)] if columns else table
    return picked.to_csv(index=False, lineterminator="\n").encode("utf-8")


# ---------------------------------------------------------------- emerging hot spots
def emerging(scope: Scope, run: Runner, *, depth: int, weeks: int = 26) -> pd.DataFrame:
    """The emerging hot spot pattern of each area of level ``depth`` under the scope's area over the ``weeks``
    ISO weeks up to the one holding the period's end: ``code``, ``name``, ``pattern``, ``hot_bins``,
    ``cold_bins``, ``trend_z``, ``trend_p``, ``tau``, ``z_last``, ``cases`` (in those weeks)."""
    mondays = week_starts(scope.end, weeks)
    span = {"start": mondays[0].date(), "end": scope.end}
    counts = run(
        QueryCall.of(queries.area_week_counts, depth=depth, **_filters(scope, dates=False), **_in_area(scope), **span)
    )
    areas, grid = lattice(scope, run, depth=depth)
    cube = counts.pivot_table(index="code", columns="week", values="cases", aggfunc="sum", fill_value=0)
    cube = cube.reindex(index=list(grid.codes), columns=mondays, fill_value=0)
    found = emerging_hot_spots(cube.to_numpy(dtype=np.float64), grid)
    found.insert(1, "name", areas.set_index("code")["name"].reindex(found["code"]).to_numpy())
    return found.assign(cases=cube.sum(axis=1).to_numpy().astype(np.int64))


# ---------------------------------------------------------------- rising and falling
def rising_table(
    scope: Scope, run: Runner, *, depth: int, weeks: int = 12, min_cases: int = 10
) -> tuple[pd.DataFrame, int]:
    """The Mann-Kendall trend of every area (of level ``depth`` under the scope's area) × GB/T class over the
    ``weeks`` complete ISO weeks up to the period's end, rising first (``analytics.trends.rising``), with the
    areas' names; and how many series were too thin to test."""
    mondays = week_starts(scope.end, weeks, complete=True)
    span = {"start": mondays[0].date(), "end": (mondays[-1] + pd.Timedelta(days=6)).date()}
    counts = run(
        QueryCall.of(
            queries.area_category_weeks, depth=depth, **_filters(scope, dates=False), **_in_area(scope), **span
        )
    )
    table, thin = rising(counts, keys=["code", "category_code"], weeks=mondays, min_cases=min_cases)
    names = run(QueryCall.of(queries.level_areas, depth=depth, at=scope.at, area=scope.area)).set_index("code")["name"]
    table.insert(1, "name", names.reindex(table["code"]).to_numpy())
    return table, thin


# ---------------------------------------------------------------- spikes
def spike_table(scope: Scope, run: Runner, *, depth: int, unit: str = "day", weeks: int = 8) -> pd.DataFrame:
    """Each area (of level ``depth`` under the scope's area) × GB/T class on the period's last day (``unit``
    "day") or in its week so far ("week") against the same days of the previous ``weeks`` weeks
    (``analytics.spikes``), most surprising first, with the areas' names."""
    first = scope.end - dt.timedelta(weeks=weeks, days=scope.end.weekday() if unit == "week" else 0)
    counts = run(
        QueryCall.of(
            queries.area_category_days,
            depth=depth,
            **_filters(scope, dates=False),
            **_in_area(scope),
            start=first,
            end=scope.end,
            weekdays=tuple(range(1, scope.end.isoweekday() + 1)) if unit == "week" else (scope.end.isoweekday(),),
        )
    )
    found = spikes(counts, day=scope.end, keys=["code", "category_code"], weeks=weeks, unit=unit)
    names = run(QueryCall.of(queries.level_areas, depth=depth, at=scope.at, area=scope.area)).set_index("code")["name"]
    found.insert(1, "name", names.reindex(found["code"]).to_numpy())
    return found


# ---------------------------------------------------------------- recurrence
def chronic_places(
    scope: Scope,
    run: Runner,
    *,
    place: str = "grid_code",
    min_cases: int = 3,
    days: int = 30,
    limit: int | None = None,
) -> pd.DataFrame:
    """Places (the deepest grid, or the address: ``place``) and classes reported at least ``min_cases`` times
    within ``days`` days during the period (``queries.chronic_places``), busiest first (``limit`` of them)."""
    call = QueryCall.of(
        queries.chronic_places, place=place, min_cases=min_cases, days=days, limit=limit, **scope.case_filters()
    )
    return run(call)


def reworked(scope: Scope, run: Runner, *, limit: int = 200) -> pd.DataFrame:
    """The period's cases sent back, reworked (返工) or returned (回退) at least once: the ``limit`` most sent back
    (most reworks, then returns, then the oldest), with ``total``, how many were sent back in all
    (``queries.sent_back_cases``)."""
    return run(QueryCall.of(queries.sent_back_cases, limit=limit, **scope.case_filters()))


@dataclass(frozen=True)
class Repeats:
    """The near-repeats of one class in a scope: the close ``pairs`` and the ``knox`` test
    (``analytics.recurrence.near_repeats``), of its ``reports`` (located reports in the period); ``tested`` is
    False when they were more than the bound (``max_reports``) and nothing was computed."""

    pairs: pd.DataFrame
    knox: dict[str, float]
    reports: int
    tested: bool = True


def repeats(
    scope: Scope,
    run: Runner,
    *,
    category: str,
    distance_m: float = 100.0,
    days: float = 7.0,
    permutations: int = 99,
    seed: int = 0,
    max_reports: int | None = None,
) -> Repeats:
    """Near-repeats among the period's located reports of GB/T class ``category`` (``analytics.recurrence``), in
    a local metric frame around their centre. One class at a time: in a busy city one class of a month holds tens
    of thousands of reports and millions of close pairs, all classes at once would take minutes. With more than
    ``max_reports`` of them (``settings.repeat_max_reports``) the class is not tested and its reports are not read
    (the pairs, and the test's permutations of them, grow with the square of the reports in a dense place)."""
    filters = {name: value for name, value in scope.case_filters().items() if name != "category"}
    if max_reports is not None:
        counted = run(QueryCall.of(queries.case_count, **filters, category=(category,)))
        reports = int(counted["cases"].iloc[0]) if len(counted) else 0
        if reports > max_reports:
            untested = dict.fromkeys(("pairs", "expected", "ratio", "p_sim"), float("nan"))
            return Repeats(pd.DataFrame(columns=list(PAIR_COLUMNS)), untested, reports, tested=False)
    located = run(QueryCall.of(queries.repeat_points, category=category, max_reports=max_reports, **filters))
    pairs, knox = near_repeats(_points(located), distance_m=distance_m, days=days, permutations=permutations, seed=seed)
    return Repeats(pairs, knox, len(located))


def _points(located: pd.DataFrame) -> pd.DataFrame:
    """``located`` reports (``lon``, ``lat``) with ``x``, ``y`` in metres in a local frame around their centre."""
    if located.empty:
        return located.assign(x=pd.Series(dtype=float), y=pd.Series(dtype=float))
    lat0 = float(located["lat"].mean())
    return located.assign(
        x=(located["lon"] - located["lon"].mean()) * 111_320.0 * np.cos(np.radians(lat0)),
        y=(located["lat"] - lat0) * 110_540.0,
    )


# ---------------------------------------------------------------- series and changes
def series(
    scope: Scope, run: Runner, *, grain: str = "day", split: str = "none", depth: int | None = None
) -> pd.DataFrame:
    """The period's cases by ``grain`` and ``split`` (``queries.time_series``); an area split is by the map's
    level unless ``depth`` says otherwise."""
    return run(
        QueryCall.of(
            queries.time_series, grain=grain, split=split, depth=depth or scope.map_depth, **scope.case_filters()
        )
    )


def _total(scope: Scope, run: Runner, start: dt.date, end: dt.date) -> int:
    filters = {**scope.case_filters(dates=False), "start": start, "end": end}
    return int(run(QueryCall.of(queries.summary_counts, **filters)).iloc[0]["cases"])


def changes(scope: Scope, run: Runner) -> pd.DataFrame:
    """Period-on-period changes of the scope's cases: ``kind`` (period: the chosen period against the one as long
    before it, 环比; year: against the same dates a year before, 同比; week: the last 7 days against the 7
    before, 周环比; month: the last 30 days against the 30 before), ``start``, ``end``, ``cases``,
    ``previous``, ``change`` (relative; NaN when nothing was before)."""
    length = (scope.end - scope.start).days + 1
    windows = {
        "period": (
            (scope.start, scope.end),
            (scope.start - dt.timedelta(days=length), scope.start - dt.timedelta(days=1)),
        ),
        "year": ((scope.start, scope.end), (_year_before(scope.start), _year_before(scope.end))),
        "week": (
            (scope.end - dt.timedelta(days=6), scope.end),
            (scope.end - dt.timedelta(days=13), scope.end - dt.timedelta(days=7)),
        ),
        "month": (
            (scope.end - dt.timedelta(days=29), scope.end),
            (scope.end - dt.timedelta(days=59), scope.end - dt.timedelta(days=30)),
        ),
    }
    rows = []
    for kind, ((start, end), (before_start, before_end)) in windows.items():
        now, then = _total(scope, run, start, end), _total(scope, run, before_start, before_end)
        rows.append(
            {"kind": kind, "start": start, "end": end, "cases": now, "previous": then, "change": change(now, then)}
        )
    return pd.DataFrame(rows)


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)

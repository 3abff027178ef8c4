"""The red/black list (红黑榜): units ranked by a weighted score of their handling rates in a period.

Units are departments, streets or communities (areas at the grid level named "street" or "community"), or
property companies (departments of kind "property") where the data names them. The score is Σ weight × value,
where a rate whose lower values are better (``core.measures``' ``higher_is_better``) counts as (1 − rate): with
the default weights (``settings.ranking_weights``) the published district formula 处置率×30 + 按期处置率×20 +
(1−返工率)×20 + (1−超期待处置率)×20 + (1−延期率)×10, 0–100. The rates are of the cases due in the period
(``DispatchOptions.due_cohort``); the overdue-pending rate counts what was pending and overdue at the period's end.

A unit is ranked when at least ``min_cases`` cases were due and every weighted rate is defined; the red list is
the ``list_size`` best, the black list the ``list_size`` worst (never the same unit twice). The rank change
compares with the period of the same length just before (positive: moved up).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from core.catalog import grid_level_column
from core.measures import REGISTRY, ratio_of

from .dispatch import DispatchOptions, Period, Request, Run, fetch

#: What can be ranked: level → department kinds (for departments), or the grid level's key (for areas).
LEVELS: dict[str, tuple[str, tuple[str, ...]]] = {
    "department": ("dept", ("functional", "enterprise")),
    "property": ("dept", ("property",)),
    "street": ("area", ("street",)),
    "community": ("area", ("community",)),
}
#: The counts behind the rates, kept in the table so every rate can be checked.
_COUNTS: tuple[str, ...] = (
    "due",
    "handled",
    "handled_on_time",
    "reworked",
    "closed",
    "awaiting_closure",
    "extended",
    "overdue",
)


def ranking_group(level: str, levels: pd.DataFrame) -> str:
    """The column units of ``level`` are grouped by: ``dept_code``, or the grid-level column of the level whose
    ``level_key`` is ``level`` (from a ``level_names`` frame: the levels are data)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {list(LEVELS)}, got {level!r}")
    kind, keys = LEVELS[level]
    if kind == "dept":
        return "dept_code"
    depths = levels.loc[levels["level_key"] == keys[0], "depth"]
    if depths.empty:
        raise ValueError(f"the grid levels have no {keys[0]!r} level; they are {list(levels['level_key'])}")
    return grid_level_column(int(depths.iloc[0]))


def ranking_requests(period: Period, options: DispatchOptions, *, level: str, group: str) -> dict[str, Request]:
    """The queries ranking ``level`` (grouped by ``group``: ``ranking_group``) needs, for the period and the one
    before. For departments the ``dept`` filter picks the rows shown, not the cases counted."""
    requests: dict[str, Request] = {}
    is_dept = LEVELS[level][0] == "dept"
    for prefix, part in (("", period), ("prev_", period.previous())):
        filters = part.without("dept") if is_dept else dict(part.filters)
        dates = part.dates(options.due_cohort)
        requests[f"{prefix}kpi"] = ("kpi_counts", {"group": group, **filters, **dates})
        requests[f"{prefix}overdue"] = ("overdue_counts", {"group": group, "at": part.as_of, **filters, **dates})
    # areas are named as they were at the period's end
    requests["names"] = ("departments", {}) if is_dept else ("area_tree", {"at": period.at})
    return requests


def scored(kpi: pd.DataFrame, overdue: pd.DataFrame, options: DispatchOptions) -> pd.DataFrame:
    """Per ``unit`` of ``kpi`` (``kpi_counts``) and ``overdue`` (``overdue_counts``): the counts, each weighted rate,
    ``score`` (NaN unless every weighted rate is defined) and ``eligible`` (at least ``min_cases`` due, score
    defined)."""
    table = kpi.merge(overdue[["unit", "overdue"]], on="unit", how="outer")
    table = table[table["unit"].notna()]
    counts = [c for c in table.columns if c != "unit"]
    table[counts] = table[counts].fillna(0).astype("int64")
    score = pd.Series(0.0, index=table.index)
    for name, weight in options.weights.items():
        table[name] = ratio_of(table, name)
        value = table[name] if REGISTRY[name].higher_is_better else 1 - table[name]
        score = score + weight * value
    table["score"] = score
    table["eligible"] = (table["due"] >= options.min_cases) & table["score"].notna()
    return table


def _ranks(table: pd.DataFrame) -> pd.Series:
    """1, 2, … over the eligible rows by score (ties: more due first, then by unit), NaN for the others."""
    eligible = table[table["eligible"]].sort_values(["score", "due", "unit"], ascending=[False, False, True])
    return pd.Series(np.arange(1, len(eligible) + 1), index=eligible.index).reindex(table.index)


def ranking(
    frames: Mapping[str, pd.DataFrame], *, level: str, options: DispatchOptions, chosen: object = None
) -> pd.DataFrame:
    """The ranked table of ``frames`` (those of ``ranking_requests``): ``rank``, ``unit``, ``name``, ``list``
    ("red", "black" or ""), ``score``, the weighted rates, ``previous_rank`` and ``rank_change`` (previous − now:
    positive moved up; NaN when not ranked before), ``eligible`` and the counts; ranked units first by rank, then
    the others by most due. ``chosen``: department codes the ``dept`` filter shows (departments only)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {list(LEVELS)}, got {level!r}")
    kind, keys = LEVELS[level]
    now = scored(frames["kpi"], frames["overdue"], options)
    before = scored(frames["prev_kpi"], frames["prev_overdue"], options)
    names = frames["names"]
    if kind == "dept":
        named = names[["dept_code", "label", "kind"]].rename(columns={"dept_code": "unit", "label": "name"})
        named = named[named["kind"].isin(keys)]
        now = now.merge(named[["unit", "name"]], on="unit", how="inner")
        before = before[before["unit"].isin(named["unit"])]
        if chosen:
            codes = [chosen] if isinstance(chosen, str) else list(chosen)  # type: ignore[call-overload]
            now, before = now[now["unit"].isin(codes)], before[before["unit"].isin(codes)]
    else:
        named = names.drop_duplicates("code").rename(columns={"code": "unit"})
        now = now.merge(named[["unit", "name"]], on="unit", how="left")
        now["name"] = now["name"].fillna(now["unit"])
    now = now.reset_index(drop=True)
    now["rank"] = _ranks(now)
    previous = _ranks(before.reset_index(drop=True))
    previous.index = before["unit"].to_numpy()
    now["previous_rank"] = now["unit"].map(previous.dropna())
    now["rank_change"] = now["previous_rank"] - now["rank"]
    ranked = int(now["rank"].notna().sum())
    size = options.list_size
    now["list"] = np.select([now["rank"] <= size, now["rank"] > max(ranked - size, size)], ["red", "black"], default="")
    now = now.sort_values(["rank", "due", "unit"], ascending=[True, False, True], na_position="last", kind="stable")
    weighted = list(options.weights)
    columns = ["rank", "unit", "name", "list", "score", *weighted, "previous_rank", "rank_change", "eligible"]
    columns += [c for c in _COUNTS if c not in columns]
    out = now.reindex(columns=columns).reset_index(drop=True)
    return out.astype({"rank": "Int64", "previous_rank": "Int64", "rank_change": "Int64"})


def red_black(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The red list (best first) and the black list (worst first) of a ``ranking`` table."""
    red = table[table["list"] == "red"].sort_values("rank")
    black = table[table["list"] == "black"].sort_values("rank", ascending=False)
    return red.reset_index(drop=True), black.reset_index(drop=True)


def ranking_table(run: Run, period: Period, options: DispatchOptions, *, level: str) -> pd.DataFrame:
    """The red/black list of ``level`` for ``period``, its frames read through ``run`` (what the page, a report
    and ``python -m analytics ranking`` all call)."""
    group = ranking_group(level, run("level_names", {}))
    frames = fetch(run, ranking_requests(period, options, level=level, group=group))
    return ranking(frames, level=level, options=options, chosen=period.filters.get("dept"))

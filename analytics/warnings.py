"""The three warning levels (三级预警): the rules of table ``warning_rule`` evaluated at a moment.

Rules are data (``core.warning_rules``): each is a kind of check with its level and parameters. Case rules look at
the open cases and their handling deadlines: the database evaluates and ranks them (``queries.case_warnings``: at
50M cases 55,000 of 170,000 open cases are warned, and a page shows a few thousand at most); area rules at counts
per area and class (a cluster within a window; a spike against the same weekday of previous weeks, tested by
``analytics.spikes.spikes``: the negative-binomial tail, Benjamini–Hochberg across the series). Every warning
names the rule that fired and the figures it fired on (``value`` against ``threshold``; a spike's ``expected`` and
``p_fdr``). A subject (a case, or a class in an area) that several rules fire on is one warning at the most severe
level, the other rules listed in ``also``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from core.warning_rules import KINDS, LEVELS, rule_problems

from .dispatch import DispatchOptions, Period, Request, Run, fetch
from .spikes import spikes

#: The columns of a warnings frame, in order.
WARNING_COLUMNS: tuple[str, ...] = (
    "level",
    "rule_id",
    "kind",
    "name_zh",
    "name_en",
    "subject",
    "case_uid",
    "area",
    "category_code",
    "dept_code",
    "fired_at",
    "value",
    "threshold",
    "expected",
    "p_fdr",
    "lon",
    "lat",
    "also",
)


def usable_rules(rules: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """The enabled rules that can be evaluated (in level, then id order), and why each other enabled rule cannot
    (``core.warning_rules.rule_problems``), by rule id."""
    enabled = rules[rules["enabled"].fillna(False).astype(bool)]
    problems = {row["rule_id"]: "; ".join(found) for row in enabled.to_dict("records") if (found := rule_problems(row))}
    usable = enabled[~enabled["rule_id"].isin(problems)].sort_values(["level", "rule_id"], kind="stable")
    return usable.reset_index(drop=True), problems


def _codes(value: object) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)  # type: ignore[call-overload]


def scoped_filters(filters: Mapping[str, Any], rule: Mapping[str, Any]) -> dict[str, Any] | None:
    """``filters`` narrowed to ``rule``'s channel and class (or major); None when they leave nothing."""
    scoped = dict(filters)
    channel = rule.get("channel")
    if isinstance(channel, str) and channel:
        chosen = _codes(filters.get("channel"))
        if chosen and channel not in chosen:
            return None
        scoped["channel"] = (channel,)
    category = rule.get("category_code")
    if isinstance(category, str) and category:
        name = "category" if len(category) > 2 else "category_major"
        chosen = _codes(filters.get(name))
        if chosen and category not in chosen:
            return None
        scoped[name] = (category,)
    return scoped


def warning_requests(
    period: Period, rules: pd.DataFrame, options: DispatchOptions, *, per_level: int | None = None
) -> dict[str, Request]:
    """What the usable ``rules`` need at ``period.now``: the case warnings of the open cases matching the period's
    filters (``"cases"``: of each level the ``per_level`` fired latest, None: all, with the count of each level),
    and per area rule its counts (``"rule:<id>"``). The period's days do not matter: warnings are now."""
    now = period.now
    usable = usable_rules(rules)[0].to_dict("records")
    case_rules = tuple(rule["rule_id"] for rule in usable if KINDS[rule["kind"]].subject == "case")
    requests: dict[str, Request] = {
        "cases": (
            "case_warnings",
            {
                "rules": case_rules,
                "as_of": now,
                "work_periods": options.work_periods,
                "per_level": per_level,
                **period.filters,
            },
        )
    }
    for rule in usable:
        scoped = scoped_filters(period.filters, rule)
        if scoped is None or KINDS[rule["kind"]].subject != "area":
            continue
        if rule["kind"] == "cluster":
            window = dt.timedelta(hours=float(rule["window_hours"]))
            kwargs = {
                "since": now - window,
                "until": now,
                "depth": int(rule["depth"]),
                "min_cases": int(rule["threshold"]),
            }
            requests[f"rule:{rule['rule_id']}"] = ("recent_clusters", {**kwargs, **scoped})
        else:  # spike
            kwargs = {"day": now.date(), "weeks": int(rule["baseline_weeks"]), "depth": int(rule["depth"])}
            requests[f"rule:{rule['rule_id']}"] = ("spike_counts", {**kwargs, **scoped})
    return requests


def _area_warnings(counts: pd.DataFrame, rule: Mapping[str, Any], now: dt.datetime) -> pd.DataFrame:
    """The classes in areas that ``rule`` (an area rule) fires on, from its counts frame."""
    threshold = float(rule["threshold"])
    if rule["kind"] == "cluster":
        hit = counts[counts["cases"] >= threshold]
        return hit.assign(value=hit["cases"], fired_at=hit["last_reported"])
    found = spikes(counts, day=now.date(), keys=["area", "category_code"], weeks=int(rule["baseline_weeks"]))
    hit = found[(found["p_fdr"] <= threshold) & (found["observed"] >= int(rule["min_cases"]))]
    points = counts.drop_duplicates("area").set_index("area")[["lon", "lat"]]
    start_of_day = dt.datetime.combine(now.date(), dt.time())
    return hit.assign(
        value=hit["observed"],
        lon=hit["area"].map(points["lon"]),
        lat=hit["area"].map(points["lat"]),
        fired_at=pd.Timestamp(start_of_day),
    )


@dataclass(frozen=True)
class Warnings:
    """The warnings at a moment: the ``table`` of the first ``limit`` (``WARNING_COLUMNS``; by level, then latest
    first) and the ``counts`` of all of them per level (``level``, ``warnings``, zeros included)."""

    table: pd.DataFrame
    counts: pd.DataFrame


def evaluate(
    frames: Mapping[str, pd.DataFrame], *, rules: pd.DataFrame, period: Period, limit: int | None = None
) -> Warnings:
    """The warnings at ``period.now``: every usable rule of ``rules`` evaluated on ``frames`` (those of
    ``warning_requests``, whose case warnings are evaluated and ranked already), one warning per subject at its
    most severe level; the first ``limit`` (None: all) by level, then latest first, and the counts of all."""
    cases = frames["cases"]
    found = [cases.assign(subject="case", key=cases["case_uid"])] if not cases.empty else []
    counts = cases.groupby("level")["level_warnings"].first() if not cases.empty else pd.Series(dtype="int64")
    areas = []
    for rule in usable_rules(rules)[0].to_dict("records"):
        counted = frames.get(f"rule:{rule['rule_id']}")
        if KINDS[rule["kind"]].subject != "area" or counted is None:  # None: the filters leave it nothing
            continue
        hits = _area_warnings(counted, rule, period.now)
        hits = hits.assign(subject="area", key=hits["area"].astype(str) + "|" + hits["category_code"].astype(str))
        rule_figures = {name: rule[name] for name in ("level", "rule_id", "kind", "name_zh", "name_en", "threshold")}
        if not hits.empty:
            areas.append(hits.assign(**rule_figures))
    if areas:  # an area is never a case: the areas' keys are apart from the cases'
        every = pd.concat(areas, ignore_index=True).sort_values(["level", "rule_id"], kind="stable")
        first = ~every["key"].duplicated()
        also = every[~first].groupby("key")["rule_id"].agg(",".join)  # the few subjects several rules fired on
        area_warnings = every[first].assign(also=lambda w: w["key"].map(also).fillna(""))
        counts = counts.add(area_warnings["level"].value_counts(), fill_value=0)
        found.append(area_warnings)
    level_table = pd.DataFrame({"level": list(LEVELS), "warnings": [int(counts.get(level, 0)) for level in LEVELS]})
    if not found:
        return Warnings(pd.DataFrame({column: pd.Series(dtype=object) for column in WARNING_COLUMNS}), level_table)
    warnings = pd.concat(found, ignore_index=True)
    warnings = warnings.assign(fired_at=pd.to_datetime(warnings["fired_at"]))
    warnings = warnings.sort_values(["level", "fired_at", "key"], ascending=[True, False, True], kind="stable")
    if limit is not None:
        warnings = warnings.head(limit)
    return Warnings(warnings.reindex(columns=list(WARNING_COLUMNS)).reset_index(drop=True), level_table)


def level_counts(warnings: pd.DataFrame) -> pd.DataFrame:
    """``level`` (1, 2, 3: I, II, III) and ``warnings`` of each, zeros included."""
    counts = warnings["level"].value_counts() if not warnings.empty else pd.Series(dtype="int64")
    return pd.DataFrame({"level": list(LEVELS), "warnings": [int(counts.get(level, 0)) for level in LEVELS]})


def found_warnings(run: Run, period: Period, options: DispatchOptions, *, limit: int | None = None) -> Warnings:
    """The first ``limit`` warnings at ``period.now`` (None: all) and the counts of all, their frames read
    through ``run`` (what the page, the wall screen and ``python -m analytics warnings`` all call)."""
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        raise ValueError(f"limit must be 0 or more, or None, got {limit!r}")
    rules = run("warning_rules", {})
    # per level as many as the table shows (at least one: each level's row carries the level's count)
    frames = fetch(run, warning_requests(period, rules, options, per_level=None if limit is None else max(limit, 1)))
    return evaluate(frames, rules=rules, period=period, limit=limit)


def warnings_table(run: Run, period: Period, options: DispatchOptions) -> pd.DataFrame:
    """Every warning at ``period.now`` (``found_warnings``' table without a limit)."""
    return found_warnings(run, period, options).table

"""The three warning levels (三级预警): the rules of table ``warning_rule`` evaluated at a moment.

Rules are data (``core.warning_rules``): each is a kind of check with its level and parameters. Case rules look at
the open cases and their handling lights (``analytics.sla``); area rules at counts per area and class (a cluster
within a window; a spike against the same weekday of previous weeks, tested by ``analytics.spikes.spikes``: the
negative-binomial tail, Benjamini–Hochberg across the series). Every warning names the rule that fired and the
figures it fired on (``value`` against ``threshold``; a spike's ``expected`` and ``p_fdr``). A subject (a case,
or a class in an area) that several rules fire on is one warning at the most severe level, the other rules
listed in ``also``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from core.warning_rules import IOT_CHANNEL, KINDS, LEVELS, rule_problems
from core.workcal import WorkCalendar

from .dispatch import DispatchOptions, Period, Request, Run, fetch, light_requests, lights
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
_CASE_COLUMNS = ("case_uid", "category_code", "dept_code", "lon", "lat")


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


def warning_requests(period: Period, rules: pd.DataFrame) -> dict[str, Request]:
    """What the usable ``rules`` need at ``period.now``: the lights' inputs (open cases matching the period's
    filters), and per area rule its counts (``"rule:<id>"``). The period's days do not matter: warnings are now."""
    requests = light_requests(period)
    now = period.now
    for rule in usable_rules(rules)[0].to_dict("records"):
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


def _in_scope(cases: pd.DataFrame, rule: Mapping[str, Any]) -> pd.Series:
    keep = pd.Series(True, index=cases.index)
    channel, category = rule.get("channel"), rule.get("category_code")
    if rule["kind"] == "iot_unanswered" and not (isinstance(channel, str) and channel):
        channel = IOT_CHANNEL
    if isinstance(channel, str) and channel:
        keep &= cases["channel"] == channel
    if isinstance(category, str) and category:
        keep &= cases["category_code"].fillna("").str.startswith(category)
    return keep


def _shifted(calendar: WorkCalendar, at: pd.Series, hours: float, working: pd.Series) -> np.ndarray:
    clock = np.where(working.to_numpy(bool), "working_hours", "continuous_hours")
    return calendar.add(at.to_numpy("datetime64[ns]"), hours, clock)


def _case_warnings(
    lit: pd.DataFrame, rule: Mapping[str, Any], calendar: WorkCalendar, now: dt.datetime
) -> pd.DataFrame:
    """The open cases of a lights frame that ``rule`` (a case rule) fires on, with its figures."""
    kind, threshold = rule["kind"], float(rule["threshold"])
    cases = lit[_in_scope(lit, rule)]
    working = cases["handle_clock"].isin(["working_hours", "working_days"])
    if kind == "iot_unanswered":
        unanswered = cases["accepted_at"].isna() & cases["dispatched_at"].isna()
        minutes = (pd.Timestamp(now) - cases["reported_at"]).dt.total_seconds() / 60
        hit = unanswered & (minutes >= threshold)
        fired = cases["reported_at"] + pd.to_timedelta(threshold, unit="min")
        return cases[hit].assign(value=minutes[hit], fired_at=fired[hit])
    if kind == "due_soon":
        hit = (cases["handle_light"] != "overdue") & cases["pending"] & (cases["hours_left"] <= threshold)
        fired = _shifted(calendar, cases["handle_deadline"], -threshold, working)
        return cases[hit].assign(value=cases["hours_left"][hit], fired_at=fired[hit.to_numpy()])
    flags = {"overdue_urgent": "is_urgent", "overdue_supervised": "is_supervised"}
    hit = (cases["handle_light"] == "overdue") & (-cases["hours_left"] >= threshold)
    if kind in flags:
        hit &= cases[flags[kind]].astype(bool)
    fired = _shifted(calendar, cases["handle_deadline"], threshold, working)
    return cases[hit].assign(value=-cases["hours_left"][hit], fired_at=fired[hit.to_numpy()])


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


def evaluate(
    frames: Mapping[str, pd.DataFrame],
    *,
    rules: pd.DataFrame,
    period: Period,
    options: DispatchOptions,
    lit: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The warnings at ``period.now`` (``WARNING_COLUMNS``): every usable rule of ``rules`` evaluated on
    ``frames`` (those of ``warning_requests``), one warning per subject at its most severe level; by level, then
    latest first. ``lit``: the open cases' lights at ``period.now`` when the caller has them already."""
    lit = lights(frames, now=period.now, options=options) if lit is None else lit
    calendar = options.calendar(frames["calendar"])
    found = []
    for rule in usable_rules(rules)[0].to_dict("records"):
        kind = KINDS[rule["kind"]]
        if kind.subject == "case":
            hits = _case_warnings(lit, rule, calendar, period.now)[[*_CASE_COLUMNS, "value", "fired_at"]]
            hits = hits.assign(subject="case", key=hits["case_uid"])
        else:
            counts = frames.get(f"rule:{rule['rule_id']}")
            if counts is None:  # the period's filters leave the rule nothing to look at
                continue
            hits = _area_warnings(counts, rule, period.now)
            hits = hits.assign(subject="area", key=hits["area"].astype(str) + "|" + hits["category_code"].astype(str))
        rule_figures = {name: rule[name] for name in ("level", "rule_id", "kind", "name_zh", "name_en", "threshold")}
        if not hits.empty:
            found.append(hits.assign(**rule_figures))
    if not found:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in WARNING_COLUMNS})
    every = pd.concat(found, ignore_index=True).sort_values(["level", "rule_id"], kind="stable")
    first = ~every["key"].duplicated()
    also = every[~first].groupby("key")["rule_id"].agg(",".join)  # the few subjects several rules fired on
    warnings = every[first].assign(also=lambda w: w["key"].map(also).fillna(""))
    warnings = warnings.assign(fired_at=pd.to_datetime(warnings["fired_at"]))
    warnings = warnings.sort_values(["level", "fired_at", "key"], ascending=[True, False, True], kind="stable")
    return warnings.reindex(columns=list(WARNING_COLUMNS)).reset_index(drop=True)


def level_counts(warnings: pd.DataFrame) -> pd.DataFrame:
    """``level`` (1, 2, 3: I, II, III) and ``warnings`` of each, zeros included."""
    counts = warnings["level"].value_counts() if not warnings.empty else pd.Series(dtype="int64")
    return pd.DataFrame({"level": list(LEVELS), "warnings": [int(counts.get(level, 0)) for level in LEVELS]})


def warnings_table(
    run: Run, period: Period, options: DispatchOptions, *, lit: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The warnings at ``period.now``, their frames read through ``run`` (what the page, the wall screen and
    ``python -m analytics warnings`` all call); ``lit`` as ``evaluate`` takes it."""
    rules = run("warning_rules", {})
    frames = fetch(run, warning_requests(period, rules))
    return evaluate(frames, rules=rules, period=period, options=options, lit=lit)

"""Row preparation for the dispatch entities: whistles (社区吹哨), the departments they summoned (部门报到), and
the warning rules (三级预警). Same rules as every keyed entity (``etl.keyed_load``): documented columns with
Chinese headers (``etl.columns``), every row loaded or rejected with its reason, merge on the key.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from core.warning_rules import IOT_CHANNEL, KINDS, rule_problems

from .entities import _memo, _require, _time
from .keyed_load import Batch, EntitySpec
from .points import column
from .values import STRING, lookup_names, parse_flags, parse_numbers

#: Whistle types: the three situations of 吹哨报到, by code and by the names sources use.
WHISTLE_KINDS = {
    "demand": "demand",
    "群众诉求": "demand",
    "诉求": "demand",
    "居民诉求": "demand",
    "enforcement": "enforcement",
    "联合执法": "enforcement",
    "执法": "enforcement",
    "emergency": "emergency",
    "应急处置": "emergency",
    "应急": "emergency",
    "突发事件": "emergency",
}
#: Warning levels by the names a city writes: 1 = I 红 is the most severe.
LEVEL_NAMES = {
    "1": "1",
    "i": "1",
    "一级": "1",
    "红": "1",
    "红色": "1",
    "2": "2",
    "ii": "2",
    "二级": "2",
    "橙": "2",
    "橙色": "2",
    "3": "3",
    "iii": "3",
    "三级": "3",
    "黄": "3",
    "黄色": "3",
}


def _departments(b: Batch) -> pd.DataFrame:
    return _memo(b, "departments", "SELECT dept_code, name, short_name, kind, area_code FROM department")


def _department_codes(b: Batch, values: pd.Series, what: str) -> pd.Series:
    """Department codes from codes or names (full or short); unknown ones rejected as ``unknown_department``."""
    depts = _departments(b)
    names: dict[str, str] = {}
    for label in ("short_name", "name", "dept_code"):
        known = depts[depts[label].notna()]
        names.update(dict(zip(known[label].astype(str), known["dept_code"].astype(str), strict=True)))
    codes, unknown = lookup_names(values, names)
    b.verdicts.reject(unknown, "unknown_department", lambda: f"unknown {what} " + values.astype(str))
    return codes


def _not_before(b: Batch, later: np.ndarray, earlier: np.ndarray, text: str) -> None:
    """Reject rows whose ``later`` time precedes ``earlier`` (both present)."""
    bad = ~np.isnat(later) & ~np.isnat(earlier) & (later < earlier)
    b.verdicts.reject(bad, "times_out_of_order", text)


def _linked_cases(b: Batch, case_id: pd.Series) -> pd.Series:
    """The ``case_uid`` each row's case id names: a case_uid itself, else ``--case-source``:id, else the one case
    with that source id; ids naming no case, or several, are rejected."""
    ids = case_id.dropna().unique()
    if not len(ids):
        return pd.Series(pd.NA, index=case_id.index, dtype=STRING)
    b.con.register("_ids", pa.table({"id": pa.array(list(ids), type=pa.string())}))
    prefix = b.options.case_source
    found = b.con.execute(
        """
        SELECT i.id, min(c.case_uid) AS case_uid, count(*) AS n
        FROM _ids i JOIN cases c
          ON c.case_uid = i.id OR ($prefix IS NOT NULL AND c.case_uid = $prefix || ':' || i.id)
             OR ($prefix IS NULL AND c.source_id = i.id)
        GROUP BY i.id
        """,
        {"prefix": prefix},
    ).df()
    b.con.unregister("_ids")
    unique = found[found["n"] == 1]
    uid = case_id.map(dict(zip(unique["id"], unique["case_uid"], strict=True))).astype(STRING)
    several = case_id.isin(found.loc[found["n"] > 1, "id"]).to_numpy(bool)
    b.verdicts.reject(
        several,
        "ambiguous_case",
        lambda: "case id " + case_id.astype(str) + " names cases of several sources; give --case-source",
    )
    b.verdicts.reject(
        (case_id.notna() & uid.isna()).to_numpy(bool),
        "unknown_case",
        lambda: "no case " + case_id.astype(str) + " is loaded; load the cases file first",
    )
    return uid


# ------------------------------------------------------------------ whistles
def prepare_whistles(b: Batch) -> pd.DataFrame:
    req = _require(b, "whistle_id", "initiator", "kind")
    blown = _time(b, "blown_at", required=True)
    resolved = _time(b, "resolved_at")
    _not_before(b, resolved, blown, "resolved before the whistle was blown")
    initiator = _department_codes(b, req["initiator"], "initiating street or community")
    depts = _departments(b).set_index("dept_code")
    kind_of = initiator.map(depts["kind"]).astype(STRING)
    b.verdicts.reject(
        (initiator.notna() & ~kind_of.isin(["street", "community"])).to_numpy(bool),
        "bad_value",
        lambda: (
            "whistles are blown by streets and communities; "
            + initiator.astype(str)
            + " is a "
            + kind_of.astype(str)
            + " department"
        ),
    )
    kind, unknown = lookup_names(req["kind"], WHISTLE_KINDS)
    b.verdicts.reject(
        unknown,
        "bad_value",
        lambda: (
            "unknown whistle type " + req["kind"].astype(str) + "; valid: demand 群众诉求, enforcement 联合执法, "
            "emergency 应急处置"
        ),
    )
    minutes, missing, bad = parse_numbers(column(b.raw, b.mapping, "required_minutes"))
    b.verdicts.reject(
        bad | (~missing & ~(minutes > 0)), "bad_value", "required arrival minutes is not a positive number"
    )
    area = column(b.raw, b.mapping, "area_code")
    grids = _memo(b, "grid_codes", "SELECT DISTINCT code FROM grid")["code"]
    b.verdicts.reject(
        (area.notna() & ~area.isin(grids)).to_numpy(bool),
        "unknown_area",
        lambda: "not a grid code: " + area.astype(str),
    )
    return pd.DataFrame(
        {
            "whistle_id": req["whistle_id"],
            "source": b.options.source,
            "initiator_code": initiator,
            "area_code": area.fillna(initiator.map(depts["area_code"]).astype(STRING)),
            "case_uid": _linked_cases(b, column(b.raw, b.mapping, "case_id")),
            "kind": kind,
            "blown_at": blown,
            "required_minutes": np.where(missing, float(b.settings.whistle_arrival_minutes), minutes),
            "resolved_at": resolved,
            "description": column(b.raw, b.mapping, "description"),
        }
    )


def prepare_whistle_responses(b: Batch) -> pd.DataFrame:
    req = _require(b, "whistle_id", "dept")
    arrived = _time(b, "arrived_at")
    finished = _time(b, "finished_at")
    dept = _department_codes(b, req["dept"], "department")
    whistles = _memo(b, "whistles", "SELECT whistle_id, blown_at FROM whistle")
    known = req["whistle_id"].isin(whistles["whistle_id"])
    b.verdicts.reject(
        (req["whistle_id"].notna() & ~known).to_numpy(bool),
        "unknown_whistle",
        lambda: "no whistle " + req["whistle_id"].astype(str) + " is loaded; load the whistles file first",
    )
    blown = req["whistle_id"].map(whistles.set_index("whistle_id")["blown_at"]).to_numpy("datetime64[ns]")
    _not_before(b, arrived, blown, "arrived before the whistle was blown")
    _not_before(b, finished, arrived, "finished before arriving")
    score, missing, bad = parse_numbers(column(b.raw, b.mapping, "score"))
    b.verdicts.reject(bad | (~missing & ((score < 0) | (score > 100))), "bad_value", "score is not a number 0–100")
    return pd.DataFrame(
        {
            "whistle_id": req["whistle_id"],
            "dept_code": dept,
            "arrived_at": arrived,
            "action": column(b.raw, b.mapping, "action"),
            "finished_at": finished,
            "score": score,
        }
    )


# ------------------------------------------------------------------ warning rules
def _numbers(b: Batch, name: str) -> np.ndarray:
    values, _, bad = parse_numbers(column(b.raw, b.mapping, name))
    b.verdicts.reject(bad, "bad_value", f"{b.mapping.get(name, name)} ({name}) is not a number")
    return values


def prepare_warning_rules(b: Batch) -> pd.DataFrame:
    req = _require(b, "rule_id", "level", "kind", "name_zh")
    level, unknown_level = lookup_names(req["level"], LEVEL_NAMES)
    b.verdicts.reject(
        unknown_level,
        "bad_value",
        lambda: (
            "unknown warning level " + req["level"].astype(str) + "; valid: 1/I/一级/红, 2/II/二级/橙, 3/III/三级/黄"
        ),
    )
    kind = req["kind"].str.strip().str.lower()
    enabled_raw = column(b.raw, b.mapping, "enabled")
    enabled, bad_enabled = parse_flags(enabled_raw)
    b.verdicts.reject(bad_enabled, "bad_value", "enabled is not yes/no")
    channel = column(b.raw, b.mapping, "channel")
    channels = _memo(b, "channels", "SELECT channel FROM channel")["channel"]
    b.verdicts.reject(
        (channel.notna() & ~channel.isin(channels)).to_numpy(bool),
        "bad_value",
        lambda: "unknown channel " + channel.astype(str) + f"; valid: {sorted(channels)}",
    )
    rows = pd.DataFrame(
        {
            "rule_id": req["rule_id"],
            "level": pd.to_numeric(level, errors="coerce"),
            "kind": kind,
            "threshold": _numbers(b, "threshold"),
            "window_hours": _numbers(b, "window_hours"),
            "depth": _numbers(b, "depth"),
            "baseline_weeks": _numbers(b, "baseline_weeks"),
            "min_cases": _numbers(b, "min_cases"),
            "channel": channel.where(~(kind == "iot_unanswered") | channel.notna(), IOT_CHANNEL),
            "category_code": column(b.raw, b.mapping, "category_code"),
            # an empty cell means enabled: a rule listed is meant to run unless switched off
            "enabled": np.where(enabled_raw.isna().to_numpy(), True, enabled),
            "name_zh": req["name_zh"],
            "name_en": column(b.raw, b.mapping, "name_en").fillna(req["name_zh"]),
            "note": column(b.raw, b.mapping, "note"),
        }
    )
    problems = [
        "; ".join(rule_problems(row)) if kind_ok else ""
        for row, kind_ok in zip(rows.to_dict("records"), kind.isin(list(KINDS)).fillna(False), strict=True)
    ]
    b.verdicts.reject(
        ~kind.isin(list(KINDS)).fillna(False).to_numpy(bool) & kind.notna().to_numpy(bool),
        "bad_value",
        lambda: "unknown rule kind " + kind.astype(str) + f"; valid: {list(KINDS)}",
    )
    invalid = np.array([bool(p) for p in problems])
    b.verdicts.reject(invalid, "bad_rule", np.array(problems, dtype=object))
    whole = ["level", "depth", "baseline_weeks", "min_cases"]  # a fraction here is rejected above: any value will do
    rows[whole] = rows[whole].where(rows[whole] % 1 == 0)
    return rows.astype(dict.fromkeys(whole, "Int64"))


SPECS = {
    spec.entity: spec
    for spec in (
        EntitySpec("whistles", "whistle", ("whistle_id",), prepare_whistles),
        EntitySpec("whistle_responses", "whistle_response", ("whistle_id", "dept_code"), prepare_whistle_responses),
        EntitySpec("warning_rules", "warning_rule", ("rule_id",), prepare_warning_rules),
    )
}

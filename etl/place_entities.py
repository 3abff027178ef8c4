"""Row preparation for what an area holds besides its cases: IoT sensors and their alarms, grid attributes, grid
workers and their visits, organisations, surveyed components, and the outcomes of deliberation items.

The same rules as every keyed entity (``etl.keyed_load``): a bad value rejects its row with the reason, never
silently; codes are looked up in the dictionaries they name (grids, devices, component classes, cases); names and
phone numbers are masked at load (``core.privacy``). Rows placed by a grid code (attributes, workers, visits,
organisations) carry that grid's chain ``grid_l1`` … ``grid_l5`` from the grid table's explicit parents, so the
``area`` filter finds them at any level; located rows get the grids of their point, like cameras.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.catalog import GRID_COLUMNS
from core.privacy import contact_masked, mask_phones, mask_text_column
from settings import MAX_GRID_LEVELS

from .entities import _located, _memo, _reject_unknown, _require, _time
from .keyed_load import Batch, EntitySpec
from .points import column, locate
from .values import STRING, lookup_names, parse_numbers

IOT_KINDS = {
    **dict.fromkeys(("smoke", "烟感", "烟雾", "烟感报警器", "烟雾报警器", "烟感探测器", "独立式烟感"), "smoke"),
    **dict.fromkeys(("gas", "燃气", "可燃气体", "燃气报警器", "可燃气体探测器", "燃气探测器"), "gas"),
    **dict.fromkeys(("water", "水浸", "漏水", "水浸传感器", "水浸探测器"), "water"),
    **dict.fromkeys(("door", "门磁", "门磁传感器", "门磁报警器", "门窗磁"), "door"),
}
DEVICE_STATES = {
    **dict.fromkeys(("online", "在线", "正常"), "online"),
    **dict.fromkeys(("offline", "离线"), "offline"),
    **dict.fromkeys(("fault", "故障", "异常"), "fault"),
}
ALARM_OUTCOMES = {
    **dict.fromkeys(("real", "真实", "真实告警", "确认", "属实"), "real"),
    **dict.fromkeys(("false_alarm", "误报", "误报警", "不属实"), "false_alarm"),
    **dict.fromkeys(("test", "测试", "设备测试"), "test"),
}
VISIT_KINDS = {
    **dict.fromkeys(("home_visit", "入户走访", "走访", "入户"), "home_visit"),
    **dict.fromkeys(("patrol", "巡查", "日常巡查", "网格巡查"), "patrol"),
    **dict.fromkeys(("safety_check", "安全检查", "安全隐患排查", "隐患排查"), "safety_check"),
    **dict.fromkeys(("publicity", "政策宣传", "宣传"), "publicity"),
    **dict.fromkeys(("mediation", "矛盾调解", "矛盾纠纷调解", "调解"), "mediation"),
}
ORGANISATION_KINDS = {
    **dict.fromkeys(("party_branch", "党支部", "党组织", "党总支", "党委"), "party_branch"),
    **dict.fromkeys(("property_company", "物业公司", "物业服务企业", "物业"), "property_company"),
    **dict.fromkeys(("social_org", "社会组织"), "social_org"),
    **dict.fromkeys(("volunteer_team", "志愿服务队", "志愿者队伍", "志愿队"), "volunteer_team"),
    **dict.fromkeys(("owners_committee", "业主委员会", "业委会"), "owners_committee"),
    **dict.fromkeys(("residents_committee", "居民委员会", "居委会"), "residents_committee"),
    **dict.fromkeys(("association", "商会", "协会", "行业协会"), "association"),
    **dict.fromkeys(("other", "其他"), "other"),
}
DELIBERATION_OUTCOMES = {
    **dict.fromkeys(("solved", "已解决", "解决", "当场解决"), "solved"),
    **dict.fromkeys(("referred", "转办", "已转办", "转交"), "referred"),
    **dict.fromkeys(("explained", "解释说明", "已解释", "已解释说明", "答复解释"), "explained"),
}
#: Figures of ``grid_attribute`` that are counts (NULL when not given, never 0 for "unknown").
ATTRIBUTE_COUNTS = (
    "population",
    "households",
    "elderly",
    "elderly_alone",
    "party_members",
    "disabled",
    "low_income",
    "left_behind_children",
    "buildings",
    "compounds",
)


def _vocabulary(b: Batch, name: str, names: dict[str, str], *, required: bool = False) -> pd.Series:
    """Field ``name`` through ``names`` (codes or Chinese names); unknown values rejected with the valid ones."""
    raw = column(b.raw, b.mapping, name)
    values, unknown = lookup_names(raw, names)
    valid = sorted(set(names.values()))
    b.verdicts.reject(unknown, "bad_value", lambda: f"unknown {name} " + raw.astype(str) + f"; valid: {valid}")
    if required:
        b.verdicts.reject(raw.isna().to_numpy(), "missing_value", f"{b.mapping.get(name, name)} ({name}) is empty")
    return values


def _counts(b: Batch, name: str) -> pd.Series:
    """Field ``name`` as whole non-negative numbers, NA where not given (absent is not zero)."""
    raw = column(b.raw, b.mapping, name)
    number, missing, bad = parse_numbers(raw)
    bad = bad | (~missing & ((number < 0) | (np.nan_to_num(number) % 1 != 0)))
    header = b.mapping.get(name, name)
    b.verdicts.reject(bad, "bad_value", lambda: f"{header} ({name}) is not a whole number ≥ 0: " + raw.astype(str))
    return pd.Series(pd.array(np.where(missing | bad, None, number), dtype="Int64"), index=b.raw.index)


def _grid_chain(b: Batch, codes: pd.Series) -> pd.DataFrame:
    """``grid_l1`` … ``grid_l5`` of each grid code (its latest version's parents); codes in no grid rejected."""
    if "grid_chain" not in b.state:
        tree = _memo(
            b,
            "grid_tree",
            "SELECT code, arg_max(depth, valid_from) AS depth, arg_max(parent_code, valid_from) AS parent "
            "FROM grid GROUP BY code",
        )
        up = dict(zip(tree["code"], zip(tree["depth"], tree["parent"], strict=True), strict=True))
        chains: dict[str, list[str | None]] = {}
        for code in up:
            chain: list[str | None] = [None] * MAX_GRID_LEVELS
            at: str | None = code
            while at is not None and at in up and 1 <= up[at][0] <= MAX_GRID_LEVELS:
                chain[up[at][0] - 1] = at
                parent = up[at][1]
                at = None if parent is None or pd.isna(parent) else str(parent)
            chains[code] = chain
        b.state["grid_chain"] = chains
    chains = b.state["grid_chain"]
    _reject_unknown(b, codes, set(chains), "unknown_area", "grid code")
    rows = [chains.get(code, [None] * MAX_GRID_LEVELS) if isinstance(code, str) else [None] * MAX_GRID_LEVELS
            for code in codes.astype(object).where(codes.notna(), None)]  # fmt: skip
    return pd.DataFrame(rows, columns=list(GRID_COLUMNS), index=b.raw.index).astype(STRING)


def _not_before(b: Batch, later: np.ndarray, earlier: np.ndarray, what: str) -> None:
    bad = ~np.isnat(later) & ~np.isnat(earlier) & (later < earlier)
    b.verdicts.reject(bad, "times_out_of_order", what)


def _linked_case(b: Batch, name: str, default_source: str) -> pd.Series:
    """``source:id`` of the case named in field ``name`` (the source: ``--case-source``, else ``default_source``)."""
    return (b.options.case_source or default_source) + ":" + column(b.raw, b.mapping, name)


# ------------------------------------------------------------------ IoT
def prepare_iot_devices(b: Batch) -> pd.DataFrame:
    req = _require(b, "device_id")
    kind = _vocabulary(b, "kind", IOT_KINDS, required=True)
    status = _vocabulary(b, "status", DEVICE_STATES)
    installed = _time(b, "installed_at")
    points, grids = _located(b)
    household = contact_masked(
        column(b.raw, b.mapping, "household_name"), column(b.raw, b.mapping, "household_phone"), len(b.raw)
    )
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "device_id": req["device_id"],
                    "kind": kind,
                    "name": column(b.raw, b.mapping, "name"),
                    "household_masked": household.set_axis(b.raw.index),
                    "address": mask_text_column(column(b.raw, b.mapping, "address")),
                    "src_crs": b.options.crs,
                    "installed_at": installed,
                    "status": status,
                }
            ),
            points.drop(columns="coords_swapped"),
            grids,
        ],
        axis=1,
    )


def prepare_iot_alarms(b: Batch) -> pd.DataFrame:
    req = _require(b, "alarm_id", "device_id")
    devices = _memo(b, "devices", "SELECT device_id FROM iot_device")["device_id"]
    unknown = req["device_id"].notna() & ~req["device_id"].isin(devices)
    b.verdicts.reject(
        unknown.to_numpy(bool),
        "unknown_device",
        lambda: "no IoT device " + req["device_id"].astype(str) + " is loaded; load the devices file first",
    )
    alarmed = _time(b, "alarmed_at", required=True)
    times = {name: _time(b, name) for name in ("acknowledged_at", "arrived_at", "closed_at")}
    for name, value in times.items():
        _not_before(b, value, alarmed, f"{b.mapping.get(name, name)} ({name}) is before the alarm")
    outcome = _vocabulary(b, "outcome", ALARM_OUTCOMES)
    case_id = column(b.raw, b.mapping, "case_id")
    return pd.DataFrame(
        {
            "source": b.options.source,
            "alarm_id": req["alarm_id"],
            "device_id": req["device_id"],
            "alarm_type": column(b.raw, b.mapping, "alarm_type"),
            "alarmed_at": alarmed,
            **times,
            "outcome": outcome,
            "handler": column(b.raw, b.mapping, "handler"),
            "case_uid": _linked_case(b, "case_id", "iot").where(case_id.notna()),
        }
    )


# ------------------------------------------------------------------ grids: attributes, workers, visits
def prepare_grid_attributes(b: Batch) -> pd.DataFrame:
    req = _require(b, "code")
    as_of = _time(b, "as_of")
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "code": req["code"],
                    **{name: _counts(b, name) for name in ATTRIBUTE_COUNTS},
                    "land_use": column(b.raw, b.mapping, "land_use"),
                    "as_of": pd.to_datetime(as_of).normalize(),
                    "source": b.options.source,
                }
            ),
            _grid_chain(b, req["code"]),
        ],
        axis=1,
    )


def prepare_grid_workers(b: Batch) -> pd.DataFrame:
    req = _require(b, "worker_id", "grid_code", "name")
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "worker_id": req["worker_id"],
                    "grid_code": req["grid_code"],
                    "name": req["name"],
                    "role": column(b.raw, b.mapping, "role"),
                    "phone_masked": mask_phones(column(b.raw, b.mapping, "phone")),
                }
            ),
            _grid_chain(b, req["grid_code"]),
        ],
        axis=1,
    )


def prepare_grid_visits(b: Batch) -> pd.DataFrame:
    req = _require(b, "visit_id", "worker_id", "grid_code")
    visited = _time(b, "visited_at", required=True)
    kind = _vocabulary(b, "kind", VISIT_KINDS, required=True)
    household = contact_masked(
        column(b.raw, b.mapping, "household_name"), column(b.raw, b.mapping, "household_phone"), len(b.raw)
    )
    case_id = column(b.raw, b.mapping, "case_id")
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "source": b.options.source,
                    "visit_id": req["visit_id"],
                    "worker_id": req["worker_id"],
                    "grid_code": req["grid_code"],
                    "visited_at": visited,
                    "kind": kind,
                    "household_masked": household.set_axis(b.raw.index),
                    "note": mask_text_column(column(b.raw, b.mapping, "note")),
                    "case_uid": _linked_case(b, "case_id", b.options.source).where(case_id.notna()),
                }
            ),
            _grid_chain(b, req["grid_code"]),
        ],
        axis=1,
    )


# ------------------------------------------------------------------ organisations, components
def prepare_organisations(b: Batch) -> pd.DataFrame:
    req = _require(b, "org_id", "name", "area_code")
    kind = _vocabulary(b, "kind", ORGANISATION_KINDS, required=True)
    members = _counts(b, "members")
    if {"x", "y"} <= set(b.mapping) or b.chunk.geometry is not None:  # coordinates are optional
        points = locate(b.raw, b.chunk, b.mapping, b.crs, b.settings, b.verdicts, b.flags, False, path=b.path)
    else:
        points = pd.DataFrame({"lon": np.nan, "lat": np.nan}, index=b.raw.index)
    contact = contact_masked(
        column(b.raw, b.mapping, "contact_name"), column(b.raw, b.mapping, "contact_phone"), len(b.raw)
    )
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "org_id": req["org_id"],
                    "name": req["name"],
                    "kind": kind,
                    "area_code": req["area_code"],
                    "address": column(b.raw, b.mapping, "address"),
                    "members": members,
                    "contact_masked": contact.set_axis(b.raw.index),
                }
            ),
            points[["lon", "lat"]],
            _grid_chain(b, req["area_code"]),
        ],
        axis=1,
    )


def prepare_components(b: Batch) -> pd.DataFrame:
    req = _require(b, "component_id", "class_code")
    classes = _memo(b, "component_classes", "SELECT code FROM component_class")["code"]
    _reject_unknown(b, req["class_code"], classes, "unknown_category", "GB/T 47678.5 component class")
    surveyed = _time(b, "surveyed_at")
    points, grids = _located(b)
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "component_id": req["component_id"],
                    "class_code": req["class_code"],
                    "status": column(b.raw, b.mapping, "status"),
                    "src_crs": b.options.crs,
                    "surveyed_at": surveyed,
                }
            ),
            points.drop(columns="coords_swapped"),
            grids,
        ],
        axis=1,
    )


# ------------------------------------------------------------------ deliberation items
def prepare_deliberation_outcomes(b: Batch) -> pd.DataFrame:
    _require(b, "case_id")
    outcome = _vocabulary(b, "outcome", DELIBERATION_OUTCOMES, required=True)
    decided = _time(b, "decided_at", required=True)
    meeting = _time(b, "meeting_at")
    _not_before(b, decided, meeting, "the outcome is dated before the meeting")
    case_uid = _linked_case(b, "case_id", b.options.source)
    known = _memo(
        b,
        "deliberation_cases",
        "SELECT case_uid, reported_at FROM cases WHERE channel = 'deliberation'",
    )
    b.verdicts.reject(
        (case_uid.notna() & ~case_uid.isin(known["case_uid"])).to_numpy(bool),
        "unknown_case",
        lambda: "no deliberation item (a case of channel deliberation) " + case_uid.astype(str) + " is loaded",
    )
    referred = column(b.raw, b.mapping, "referred_case_id")
    departments = _memo(b, "departments", "SELECT dept_code FROM department")["dept_code"]
    dept = column(b.raw, b.mapping, "referred_dept")
    _reject_unknown(b, dept, departments, "unknown_department", "department")
    return pd.DataFrame(
        {
            "case_uid": case_uid,
            "meeting_at": meeting,
            "outcome": outcome,
            "decided_at": decided,
            "referred_dept": dept,
            "referred_case_uid": referred.where(referred.isna() | referred.str.contains(":", regex=False),
                                                (b.options.case_source or b.options.source) + ":" + referred),
            "note": mask_text_column(column(b.raw, b.mapping, "note")),
        }
    )  # fmt: skip


PLACE_SPECS = {
    spec.entity: spec
    for spec in (
        EntitySpec("iot_devices", "iot_device", ("device_id",), prepare_iot_devices),
        EntitySpec("iot_alarms", "iot_alarm", ("source", "alarm_id"), prepare_iot_alarms),
        EntitySpec("grid_attributes", "grid_attribute", ("code",), prepare_grid_attributes),
        EntitySpec("grid_workers", "grid_worker", ("worker_id", "grid_code"), prepare_grid_workers),
        EntitySpec("grid_visits", "grid_visit", ("source", "visit_id"), prepare_grid_visits),
        EntitySpec("organisations", "organisation", ("org_id",), prepare_organisations),
        EntitySpec("components", "component", ("component_id",), prepare_components),
        EntitySpec("deliberation_outcomes", "deliberation_outcome", ("case_uid",), prepare_deliberation_outcomes),
    )
}

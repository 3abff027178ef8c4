"""Row preparation for each keyed entity: dictionaries, cameras, camera events, facilities, case flow."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from core.clock import local_now
from core.privacy import mask_names, mask_text_column

from .assign import GridAssigner
from .keyed_load import Batch, EntitySpec
from .points import column, locate
from .timebounds import TimeBounds
from .timeparse import parse_times
from .values import STRING, lookup_names, parse_counts, parse_flags, parse_numbers, reject_rounded_ids

DEPARTMENT_KINDS = {
    "functional": "functional",
    "职能部门": "functional",
    "部门": "functional",
    "street": "street",
    "街道": "street",
    "community": "community",
    "社区": "community",
    "enterprise": "enterprise",
    "企业": "enterprise",
    "property": "property",
    "物业": "property",
}


def _require(b: Batch, *names: str) -> dict[str, pd.Series]:
    """The named columns; rows with any of them empty are rejected (``missing_value``)."""
    out = {}
    for name in names:
        values = column(b.raw, b.mapping, name)
        b.verdicts.reject(values.isna().to_numpy(), "missing_value", f"{b.mapping.get(name, name)} ({name}) is empty")
        out[name] = values
    return out


def _memo(b: Batch, key: str, sql: str, params: list | None = None) -> pd.DataFrame:
    if key not in b.state:
        b.state[key] = b.con.execute(sql, params or []).df()
    return b.state[key]


def _reject_unknown(b: Batch, values: pd.Series, known: pd.Series | set, code: str, what: str) -> None:
    unknown = values.notna() & ~values.isin(known)
    b.verdicts.reject(unknown.to_numpy(bool), code, lambda: f"unknown {what} " + values.astype(str))


def _time(b: Batch, name: str, *, required: bool = False, event: bool = False) -> np.ndarray:
    """The parsed times of field ``name``; ``event``: the time something happened, which must be plausible."""
    values = column(b.raw, b.mapping, name)
    parsed, bad = parse_times(values)
    header = b.mapping.get(name, name)
    b.verdicts.reject(bad.to_numpy(bool), "bad_time", lambda: f"{header} ({name}) is not a time: " + values.astype(str))
    if required:
        b.verdicts.reject(values.isna().to_numpy(), "missing_time", f"{header} ({name}) is empty")
    times = parsed.to_numpy("datetime64[ns]")
    if event:
        if "time_bounds" not in b.state:
            now = local_now(b.settings.timezone)
            b.state["time_bounds"] = TimeBounds.for_load(b.settings, now=now, as_of=b.options.as_of)
        b.state["time_bounds"].reject(times, b.verdicts, f"{header} ({name})")
    return times


def _ids(b: Batch, name: str, values: pd.Series) -> pd.Series:
    """``values`` (the ids of field ``name``), rejecting those Excel rounded to 15 digits."""
    reject_rounded_ids(b.verdicts, values, b.mapping.get(name, name))
    return values


def _located(b: Batch) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows' WGS-84 points (coordinates required) and their grids now (or at ``as_of``)."""
    points = locate(b.raw, b.chunk, b.mapping, b.crs, b.settings, b.verdicts, b.flags, True, path=b.path)
    at = np.full(len(b.raw), np.datetime64(b.options.as_of or local_now(b.settings.timezone), "ns"))
    return points, _grids(b, points, at)


def _grids(b: Batch, points: pd.DataFrame, at: np.ndarray) -> pd.DataFrame:
    if "assigner" not in b.state:
        b.state["assigner"] = GridAssigner.for_load(b.con)
    grids = b.state["assigner"].assign(points["lon"].to_numpy(), points["lat"].to_numpy(), at)
    b.flags["outside_grid"] += int((grids["outside_grid"].to_numpy() & b.verdicts.ok).sum())
    return grids


# ------------------------------------------------------------------ dictionaries
def prepare_departments(b: Batch) -> pd.DataFrame:
    req = _require(b, "dept_code", "name")
    kind_raw = column(b.raw, b.mapping, "kind").fillna("functional")
    kind, unknown = lookup_names(kind_raw, DEPARTMENT_KINDS)
    b.verdicts.reject(
        unknown,
        "bad_value",
        lambda: (
            "unknown department kind " + kind_raw.astype(str) + f"; valid: {sorted(set(DEPARTMENT_KINDS.values()))}"
        ),
    )
    return pd.DataFrame(
        {
            "dept_code": req["dept_code"],
            "name": req["name"],
            "short_name": column(b.raw, b.mapping, "short_name"),
            "kind": kind,
            "parent_code": column(b.raw, b.mapping, "parent_code"),
            "area_code": column(b.raw, b.mapping, "area_code"),
        }
    )


_CHANNEL_CODE = r"[a-z][a-z0-9_]{0,31}"


def prepare_channels(b: Batch) -> pd.DataFrame:
    """New channels, or new names of shipped ones: a code (lower-case letters, digits, _), Chinese and English names."""
    req = _require(b, "channel", "name_zh")
    code = req["channel"].str.lower()
    b.verdicts.reject(
        (code.notna() & ~code.str.fullmatch(_CHANNEL_CODE).fillna(False)).to_numpy(bool),
        "bad_value",
        lambda: "channel code " + req["channel"].astype(str) + " is not lower-case letters, digits and _ (e.g. drone)",
    )
    return pd.DataFrame(
        {"channel": code, "name_zh": req["name_zh"], "name_en": column(b.raw, b.mapping, "name_en").fillna(code)}
    )


def prepare_channel_aliases(b: Batch) -> pd.DataFrame:
    """More names for channels (雪亮工程 → camera_ai): the channel by its code or a name, the alias not another's."""
    req = _require(b, "alias", "channel")
    channels = _memo(b, "channels", "SELECT channel, name_zh, name_en FROM channel")
    names: dict[str, str] = {}
    for label in ("name_zh", "name_en", "channel"):
        names.update(dict(zip(channels[label], channels["channel"], strict=True)))
    channel, unknown = lookup_names(req["channel"], names)
    b.verdicts.reject(
        unknown,
        "bad_value",
        lambda: "unknown channel " + req["channel"].astype(str) + f"; valid: {sorted(channels['channel'])}",
    )
    taken, _ = lookup_names(req["alias"], names)
    clash = taken.notna() & (taken != channel)
    b.verdicts.reject(
        clash.to_numpy(bool),
        "bad_value",
        lambda: "alias " + req["alias"].astype(str) + " is already a name of channel " + taken.astype(str),
    )
    return pd.DataFrame({"alias": req["alias"], "channel": channel})


def _categories(b: Batch) -> pd.Series:
    return _memo(b, "categories", "SELECT code FROM category")["code"]


def prepare_hotline_topics(b: Batch) -> pd.DataFrame:
    req = _require(b, "topic_code", "major_code", "major_name", "name")
    category = column(b.raw, b.mapping, "category_code")
    _reject_unknown(b, category, _categories(b), "unknown_category", "GB/T 47678.5 class")
    return pd.DataFrame({**req, "category_code": category})


def prepare_category_map(b: Batch) -> pd.DataFrame:
    req = _require(b, "source_code", "category_code")
    _reject_unknown(b, req["category_code"], _categories(b), "unknown_category", "GB/T 47678.5 class")
    scheme = column(b.raw, b.mapping, "scheme").fillna(
        "camera_vendor" if "camera" in b.options.source or "vendor" in b.options.source else "legacy"
    )
    return pd.DataFrame(
        {
            "source_system": b.options.source,
            "source_code": req["source_code"],
            "source_name": column(b.raw, b.mapping, "source_name"),
            "scheme": scheme,
            "category_code": req["category_code"],
        }
    )


def prepare_routing(b: Batch) -> pd.DataFrame:
    req = _require(b, "category_code", "dept_code")
    area = column(b.raw, b.mapping, "area_code").fillna("*")
    category = req["category_code"]
    codes = _categories(b)
    valid_category = (category == "*") | category.isin(codes) | category.isin(codes.str.slice(0, 2))
    b.verdicts.reject(
        (category.notna() & ~valid_category).to_numpy(bool),
        "unknown_category",
        lambda: "not a GB/T class, major or '*': " + category.astype(str),
    )
    departments = _memo(b, "departments", "SELECT dept_code FROM department")["dept_code"]
    _reject_unknown(b, req["dept_code"], departments, "unknown_department", "department")
    grids = _memo(b, "grid_codes", "SELECT DISTINCT code FROM grid")["code"]
    valid_area = (area == "*") | area.isin(grids)
    b.verdicts.reject(~valid_area.to_numpy(bool), "unknown_area", lambda: "not a grid code or '*': " + area.astype(str))
    return pd.DataFrame({"category_code": category, "area_code": area, "dept_code": req["dept_code"]})


# ------------------------------------------------------------------ things on the map
def prepare_cameras(b: Batch) -> pd.DataFrame:
    req = _require(b, "camera_id", "name")
    _ids(b, "camera_id", req["camera_id"])
    installed = _time(b, "installed_at")
    points, grids = _located(b)
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "camera_id": req["camera_id"],
                    "name": req["name"],
                    "vendor": column(b.raw, b.mapping, "vendor"),
                    "address": mask_text_column(column(b.raw, b.mapping, "address")),
                    "src_crs": b.options.crs,
                    "scenes": column(b.raw, b.mapping, "scenes"),
                    "installed_at": installed,
                    "status": column(b.raw, b.mapping, "status"),
                }
            ),
            points.drop(columns="coords_swapped"),
            grids,
        ],
        axis=1,
    )


def prepare_facilities(b: Batch) -> pd.DataFrame:
    req = _require(b, "facility_id", "kind", "name")
    radius, missing, bad = parse_numbers(column(b.raw, b.mapping, "service_radius_m"))
    b.verdicts.reject(bad | (radius <= 0), "bad_value", "service radius is not a positive number of metres")
    radius = np.where(missing, b.settings.service_radius_m, radius)
    points, grids = _located(b)
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "facility_id": req["facility_id"],
                    "kind": req["kind"],
                    "name": req["name"],
                    "address": mask_text_column(column(b.raw, b.mapping, "address")),
                    "service_radius_m": radius,
                }
            ),
            points[["lon", "lat"]],
            grids,
        ],
        axis=1,
    )


def prepare_camera_events(b: Batch) -> pd.DataFrame:
    req = _require(b, "event_id", "camera_id")
    _ids(b, "event_id", req["event_id"])
    captured = _time(b, "captured_at", required=True, event=True)
    scenes = _memo(b, "scenes", "SELECT scene_code, name_zh, name_en, category_code FROM camera_scene")
    names = {
        **dict(zip(scenes["name_zh"], scenes["scene_code"], strict=True)),
        **dict(zip(scenes["name_en"], scenes["scene_code"], strict=True)),
        **dict(zip(scenes["scene_code"], scenes["scene_code"], strict=True)),
    }
    scene_raw = column(b.raw, b.mapping, "scene_code")
    scene, unknown_scene = lookup_names(scene_raw, names)
    algo = column(b.raw, b.mapping, "vendor_algo_code")
    vendor_map = _memo(
        b,
        "vendor_map",
        "SELECT source_code, category_code FROM category_map WHERE source_system = ?",
        [b.options.category_system],
    )
    by_scene = scene.map(dict(zip(scenes["scene_code"], scenes["category_code"], strict=True))).astype(STRING)
    by_algo = algo.map(dict(zip(vendor_map["source_code"], vendor_map["category_code"], strict=True)))
    category = by_scene.fillna(by_algo.astype(STRING))
    b.flags["category_unmapped"] += int((category.isna().to_numpy() & b.verdicts.ok).sum())
    b.flags["unknown_scene"] += int((unknown_scene & b.verdicts.ok).sum())
    confidence, _, bad = parse_numbers(column(b.raw, b.mapping, "confidence"))
    confidence = np.where(confidence > 1, confidence / 100.0, confidence)  # some vendors send percent
    b.verdicts.reject(bad | (confidence < 0) | (confidence > 1), "bad_value", "confidence is not 0–1 or 0–100 %")
    pushed, bad_pushed = parse_flags(column(b.raw, b.mapping, "pushed"))
    b.verdicts.reject(bad_pushed, "bad_value", "pushed is not yes/no")
    fp_raw = column(b.raw, b.mapping, "is_false_positive")
    false_positive, bad_fp = parse_flags(fp_raw)
    b.verdicts.reject(bad_fp, "bad_value", "is_false_positive is not yes/no")
    case_id = _ids(b, "case_id", column(b.raw, b.mapping, "case_id"))
    case_source = b.options.case_source or "camera_ai"
    return pd.DataFrame(
        {
            "source": b.options.source,
            "event_id": req["event_id"],
            "camera_id": req["camera_id"],
            "scene_code": scene.fillna(scene_raw),
            "vendor_algo_code": algo,
            "confidence": confidence,
            "captured_at": captured,
            "category_code": category,
            "category_unmapped": category.isna().to_numpy(),
            "pushed": pushed | case_id.notna().to_numpy(),
            "case_uid": (case_source + ":" + case_id),
            "is_false_positive": pd.array(np.where(fp_raw.isna().to_numpy(), None, false_positive), dtype="boolean"),
        }
    )


# ------------------------------------------------------------------ workflow
def prepare_flow(b: Batch) -> pd.DataFrame:
    req = _require(b, "case_id", "to_state")
    _ids(b, "case_id", req["case_id"])
    at = _time(b, "at", required=True, event=True)
    states = _memo(b, "states", "SELECT state, name_zh, name_en FROM case_state")
    names = {}
    for label in ("name_zh", "name_en", "state"):
        names.update(dict(zip(states[label], states["state"], strict=True)))
    to_state, unknown_to = lookup_names(req["to_state"], names)
    from_raw = column(b.raw, b.mapping, "from_state")
    from_state, unknown_from = lookup_names(from_raw, names)
    b.verdicts.reject(
        unknown_to | unknown_from,
        "bad_value",
        lambda: "unknown state " + req["to_state"].astype(str) + " / " + from_raw.astype(str),
    )
    transitions = _memo(b, "transitions", "SELECT from_state, to_state FROM state_transition")
    allowed = set(transitions["from_state"] + ">" + transitions["to_state"])
    pair = from_state + ">" + to_state
    invalid = from_state.notna() & to_state.notna() & ~pair.isin(allowed)
    b.verdicts.reject(
        invalid.to_numpy(bool),
        "invalid_transition",
        lambda: (
            "transition "
            + from_raw.astype(str)
            + " → "
            + req["to_state"].astype(str)
            + " is not in the state_transition table"
        ),
    )
    case_uid = b.options.source + ":" + req["case_id"]
    b.con.register("_flow_ids", pa.table({"case_uid": pa.array(case_uid.dropna().unique(), type=pa.string())}))
    known = b.con.sql("SELECT case_uid FROM cases WHERE case_uid IN (SELECT case_uid FROM _flow_ids)").to_arrow_table()
    b.con.unregister("_flow_ids")
    known = pd.Series(pd.arrays.ArrowStringArray(known["case_uid"].cast(pa.string())))
    b.verdicts.reject(
        (case_uid.notna() & ~case_uid.isin(known)).to_numpy(bool),
        "unknown_case",
        lambda: "no case " + case_uid.astype(str) + " is loaded; load the cases file first",
    )
    seq, bad_seq = parse_counts(column(b.raw, b.mapping, "seq"))
    b.verdicts.reject(bad_seq, "bad_value", "seq is not a whole number")
    if "seq" not in b.mapping:  # without a sequence column the file order is the order of transitions
        seq = np.arange(len(b.raw)) + b.chunk.first_row
    return pd.DataFrame(
        {
            "case_uid": case_uid,
            "seq": seq,
            "from_state": from_state,
            "to_state": to_state,
            "at_time": at,
            "dept_code": column(b.raw, b.mapping, "dept_code"),
            "operator": _operators(
                column(b.raw, b.mapping, "operator"), from_state if "from_state" in b.mapping else None, to_state
            ),
            "note": mask_text_column(column(b.raw, b.mapping, "note")),
        }
    )


def _operators(operator: pd.Series, from_state: pd.Series | None, to_state: pd.Series) -> pd.Series:
    """Operators as stored: the one who made the report (a step into ``reported``, or the first step: no state
    before it in a file that names them) is often a citizen and is masked as a name (张*); the staff who handled
    the later steps keep their names."""
    report = (to_state == "reported").fillna(False).to_numpy(bool)
    if from_state is not None:
        report |= from_state.isna().to_numpy(bool)
    if not report.any():
        return operator
    out = operator.astype(STRING).copy()
    out[report] = mask_names(out[report]).astype(STRING)
    return out


SPECS = {
    spec.entity: spec
    for spec in (
        EntitySpec("departments", "department", ("dept_code",), prepare_departments),
        EntitySpec("channels", "channel", ("channel",), prepare_channels),
        EntitySpec("channel_aliases", "channel_alias", ("alias",), prepare_channel_aliases),
        EntitySpec("hotline_topics", "hotline_topic", ("topic_code",), prepare_hotline_topics),
        EntitySpec("category_map", "category_map", ("source_system", "source_code"), prepare_category_map),
        EntitySpec("routing", "routing_rule", ("category_code", "area_code"), prepare_routing),
        EntitySpec("cameras", "camera", ("camera_id",), prepare_cameras),
        EntitySpec("facilities", "facility", ("facility_id",), prepare_facilities),
        EntitySpec("camera_events", "camera_event", ("source", "event_id"), prepare_camera_events),
        EntitySpec("flow", "case_flow", ("case_uid", "seq"), prepare_flow),
    )
}

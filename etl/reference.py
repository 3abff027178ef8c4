"""Product dictionaries shipped in ``data/reference``: seeded into an empty database, never over a city's edits."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from core.workcal import calendar_rows
from settings import REFERENCE_DIR

#: table -> (file in data/reference, columns in table order)
_SEEDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "grid_level": ("grid_levels.csv", ("depth", "level_key", "name_zh", "name_en", "code_digits")),
    "case_state": ("case_states.csv", ("state", "name_zh", "name_en", "is_open", "sort_order")),
    "state_transition": ("state_transitions.csv", ("from_state", "to_state")),
    "channel": ("channels.csv", ("channel", "name_zh", "name_en")),
    "channel_alias": ("channel_aliases.csv", ("alias", "channel")),
    "camera_scene": ("camera_scenes.csv", ("scene_code", "name_zh", "name_en", "category_code")),
    "time_limit": ("time_limits.csv", ("category_code", "step", "clock", "amount", "note")),
    "fusion_family": ("fusion_families.csv", ("family", "name_zh", "name_en", "radius_m", "window_hours")),
    "fusion_class": ("fusion_classes.csv", ("category_code", "family")),
    "warning_rule": (
        "warning_rules.csv",
        (
            "rule_id",
            "level",
            "kind",
            "threshold",
            "window_hours",
            "depth",
            "baseline_weeks",
            "min_cases",
            "channel",
            "category_code",
            "enabled",
            "name_zh",
            "name_en",
            "note",
        ),
    ),
}
_GBT_FILE = "gbt47678_5_categories.csv"
#: Years of the working calendar seeded at first use: the package's published years and a margin.
CALENDAR_YEARS = (2015, dt.date.today().year + 1)


def _read_reference(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / name, dtype=str, keep_default_na=False, encoding="utf-8")


def _is_empty(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0] == 0  # table name from _SEEDS keys


def gbt_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The GB/T 47678.5 matters (case classes) and components, as rows of ``category`` and ``component_class``."""
    gbt = _read_reference(_GBT_FILE)
    gbt = gbt.rename(columns={"major_zh": "major_name_zh", "major_en": "major_name_en"})
    columns = ["code", "standard", "major_code", "major_name_zh", "major_name_en", "name_zh", "name_en"]
    matters = gbt[gbt["kind"].str.contains("matter")][columns]
    components = gbt[gbt["kind"].str.contains("component")][columns]
    return matters.reset_index(drop=True), components.reset_index(drop=True)


def seed_reference(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Fill every empty dictionary table from the shipped files; return the tables seeded."""
    seeded: list[str] = []
    for table, (file_name, columns) in _SEEDS.items():
        if _is_empty(con, table):
            frame = _read_reference(file_name)[list(columns)]
            frame = frame.replace({"": None})
            con.register("_seed", frame)
            names = ", ".join(columns)
            con.execute(f'INSERT INTO "{table}" ({names}) SELECT {names} FROM _seed')
            con.unregister("_seed")
            seeded.append(table)
    matters, components = gbt_frames()
    for table, frame in (("category", matters), ("component_class", components)):
        if _is_empty(con, table):
            con.register("_seed", frame)
            con.execute(f'INSERT INTO "{table}" SELECT * FROM _seed')
            con.unregister("_seed")
            seeded.append(table)
    if _is_empty(con, "work_calendar"):
        rows = calendar_rows(*CALENDAR_YEARS)
        con.register("_seed", rows)
        con.execute("INSERT INTO work_calendar SELECT day, is_workday, day_kind, note, source FROM _seed")
        con.unregister("_seed")
        seeded.append("work_calendar")
    return seeded

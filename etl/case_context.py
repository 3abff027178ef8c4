"""The dictionaries a case load consults, read once per load from the database being written."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from core.clock import local_now
from core.workcal import WorkCalendar
from core.workflow import limit_keys
from settings import Settings

from .assign import LEVEL_COLUMNS, GridAssigner
from .crs import ResolvedCrs
from .timebounds import TimeBounds
from .values import STRING

#: Workflow step time fields in their required order.
STEP_FIELDS = (
    "reported_at",
    "accepted_at",
    "registered_at",
    "dispatched_at",
    "signed_at",
    "handled_at",
    "checked_at",
    "closed_at",
    "evaluated_at",
)
SATISFACTION = {
    "满意": "满意",
    "基本满意": "基本满意",
    "不满意": "不满意",
    "非常满意": "满意",
    "satisfied": "满意",
    "basically satisfied": "基本满意",
    "dissatisfied": "不满意",
}


def _names(frame: pd.DataFrame, key: str, *labels: str) -> dict[str, str]:
    """code/name/English name → code."""
    out: dict[str, str] = {}
    for label in (*labels, key):
        out.update(dict(zip(frame[label].astype(str), frame[key].astype(str), strict=True)))
    return out


def _unique_names(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """name (lower case) → code, for the names that name one code only."""
    codes: dict[str, set[str]] = {}
    for name, code in pairs:
        codes.setdefault(str(name).strip().lower(), set()).add(str(code))
    return {name: next(iter(found)) for name, found in codes.items() if len(found) == 1}


@dataclass
class CaseContext:
    settings: Settings
    source: str
    category_system: str
    as_of: dt.datetime
    channels: dict[str, str]
    states: dict[str, str]
    open_states: frozenset[str]
    categories: frozenset[str]
    category_map: dict[str, str]
    #: a category name (lower case) → the load's category system's code: a GB/T class by its Chinese or English
    #: name, a hotline topic by its name (names shared by two topics left out), a map's source code by its name
    category_names: dict[str, str]
    topics: pd.DataFrame
    departments: dict[str, str]
    routing: pd.DataFrame
    limits: pd.DataFrame
    calendar: WorkCalendar
    assigner: GridAssigner
    time_bounds: TimeBounds
    timings: Counter[str] = field(default_factory=Counter)
    #: the coordinate system of the file being loaded, and the file (set by ``load_cases``)
    crs: ResolvedCrs = field(default_factory=lambda: ResolvedCrs("EPSG:4326", "option"))
    path: Path = Path()

    @classmethod
    def from_db(
        cls,
        con: duckdb.DuckDBPyConnection,
        settings: Settings,
        *,
        source: str,
        category_system: str,
        as_of: dt.datetime,
    ) -> CaseContext:
        q = con.execute
        channels = q("SELECT channel, name_zh, name_en FROM channel").df()
        aliases = dict(q("SELECT alias, channel FROM channel_alias").fetchall())
        states = q("SELECT state, name_zh, name_en, is_open FROM case_state").df()
        departments = q("SELECT dept_code, name, coalesce(short_name, name) AS short_name FROM department").df()
        systems = {r[0] for r in q("SELECT DISTINCT source_system FROM category_map").fetchall()}
        if category_system not in {"gbt", "hotline", *systems}:
            raise ValueError(
                f"unknown category system {category_system!r}; valid: 'gbt', 'hotline'"
                + (f" or a loaded category map: {sorted(systems)}" if systems else " (no category map loaded yet)")
            )
        mapping = q(
            "SELECT source_code, category_code FROM category_map WHERE source_system = ?", [category_system]
        ).fetchall()
        if category_system == "gbt":
            named = q("SELECT name_zh, code FROM category UNION ALL SELECT name_en, code FROM category").fetchall()
        elif category_system == "hotline":
            named = q("SELECT name, topic_code FROM hotline_topic").fetchall()
        else:
            named = q(
                "SELECT source_name, source_code FROM category_map WHERE source_system = ? AND source_name IS NOT NULL",
                [category_system],
            ).fetchall()
        calendar_days = q("SELECT day, is_workday FROM work_calendar ORDER BY day").df()
        return cls(
            settings=settings,
            source=source,
            category_system=category_system,
            as_of=as_of,
            channels={**aliases, **_names(channels, "channel", "name_zh", "name_en")},
            states=_names(states, "state", "name_zh", "name_en"),
            open_states=frozenset(states.loc[states["is_open"], "state"]),
            categories=frozenset(r[0] for r in q("SELECT code FROM category").fetchall()),
            category_map=dict(mapping),
            category_names=_unique_names(named),
            topics=q("SELECT topic_code, category_code FROM hotline_topic").df(),
            departments=_names(departments, "dept_code", "name", "short_name"),
            routing=q("SELECT category_code, area_code, dept_code FROM routing_rule").df(),
            limits=q("SELECT category_code, step, clock, amount FROM time_limit").df(),
            calendar=WorkCalendar.from_frame(calendar_days, settings.work_periods),
            assigner=GridAssigner.for_load(con),
            time_bounds=TimeBounds.for_load(settings, now=local_now(settings.timezone), as_of=as_of),
        )

    @property
    def hours_per_workday(self) -> float:
        return sum(end - start for start, end in self.settings.work_periods) / 60.0

    def route(self, category_code: pd.Series, grids: pd.DataFrame) -> pd.Series:
        """Default department by the 权责清单: the most specific area, then class before major before '*'."""
        n = len(category_code)
        dept = pd.Series(pd.NA, index=range(n), dtype=STRING)
        if self.routing.empty:
            return dept
        rules = dict(
            zip(self.routing["category_code"] + "|" + self.routing["area_code"], self.routing["dept_code"], strict=True)
        )
        cat = category_code.reset_index(drop=True).astype(STRING)
        keys = [cat, cat.str.slice(0, 2), pd.Series("*", index=range(n), dtype=STRING)]
        areas = [grids[col].reset_index(drop=True).astype(STRING) for col in reversed(LEVEL_COLUMNS)]
        areas.append(pd.Series("*", index=range(n), dtype=STRING))
        for area in areas:
            for key in keys:
                todo = dept.isna() & key.notna() & area.notna()
                if not todo.any():
                    continue
                dept[todo] = (key[todo] + "|" + area[todo]).map(rules).astype(STRING)
        return dept

    def handle_limits(self, channel: pd.Series, category_code: pd.Series, urgent: np.ndarray) -> pd.DataFrame:
        """Clock and amount of the handling limit per case, most specific rule first.

        Resolved once per distinct (channel, class, urgent) combination and spread back to the rows: ``clock``
        (categorical, NaN where no rule applies) and ``amount`` (float, NaN likewise).
        """
        key = pd.DataFrame(
            {
                "channel": channel.reset_index(drop=True).astype(STRING),
                "category": category_code.reset_index(drop=True).astype(STRING),
                "urgent": np.asarray(urgent, dtype=bool),
            }
        )
        # one integer per (channel, class, urgent): factorising each column is cheap, joining strings is not
        channel_codes = pd.factorize(key["channel"])[0].astype(np.int64) + 1
        category_codes = pd.factorize(key["category"])[0].astype(np.int64) + 1
        combined = (channel_codes * (category_codes.max(initial=0) + 1) + category_codes) * 2 + key["urgent"]
        _, first, codes = np.unique(combined.to_numpy(np.int64), return_index=True, return_inverse=True)
        resolved = self._resolve_limits(key.iloc[first].reset_index(drop=True))
        # spread back as a categorical (a take of small codes), not a million string objects
        clock = pd.Categorical(resolved["clock"].astype(object).where(resolved["clock"].notna(), None))
        return pd.DataFrame(
            {
                "clock": pd.Categorical.from_codes(clock.codes[codes], dtype=clock.dtype),
                "amount": resolved["amount"].to_numpy()[codes],
            }
        )

    def _resolve_limits(self, key: pd.DataFrame) -> pd.DataFrame:
        """The limit of each (channel, category, urgent) row of ``key``: a few dozen rows, so plain Python."""
        rules = {
            (step, code): (clock, float(amount))
            for step, code, clock, amount in self.limits[["step", "category_code", "clock", "amount"]].itertuples(
                index=False
            )
        }
        clocks: list[str | None] = []
        amounts: list[float] = []
        for channel, category, urgent in key[["channel", "category", "urgent"]].itertuples(index=False):
            channel = None if pd.isna(channel) else channel
            category = None if pd.isna(category) else category
            candidates = limit_keys(channel, category)
            found = None
            for step in ("urgent_handle", "handle") if urgent else ("handle",):
                found = next((rules[(step, k)] for k in candidates if (step, k) in rules), None)
                if found is not None:
                    break
            clocks.append(found[0] if found else None)
            amounts.append(found[1] if found else np.nan)
        return pd.DataFrame({"clock": pd.Series(clocks, dtype=STRING), "amount": np.array(amounts, dtype=float)})

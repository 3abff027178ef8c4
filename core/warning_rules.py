"""The three warning levels (三级预警) and the kinds of rule: what each kind checks and which parameters it needs.

The rules themselves are data (table ``warning_rule``, defaults in ``data/reference/warning_rules.csv``): a rule
is one kind with its level and parameters, so a city changes a threshold, a level or a scope by editing a row.
Both the loader (``etl``) and the evaluation (``analytics.warnings``) check a rule with ``rule_problems``, so a
row a city typed wrong is refused at load with the same words the evaluation would use.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from .catalog import GRID_LEVEL_COLUMNS

#: Warning levels, most severe first: 1 = I 红 (red), 2 = II 橙 (orange), 3 = III 黄 (yellow).
LEVELS: tuple[int, ...] = (1, 2, 3)
#: Roman numerals and colours of the levels.
LEVEL_NUMERALS: dict[int, str] = {1: "I", 2: "II", 3: "III"}
LEVEL_COLOURS: dict[int, str] = {1: "#d7301f", 2: "#f16913", 3: "#f5c400"}


@dataclass(frozen=True)
class RuleKind:
    """A kind of rule: what its subject is ("case": one case; "area": a class in one area), the parameters it
    needs, and the unit of its ``threshold``."""

    key: str
    subject: str
    needs: tuple[str, ...]
    unit: str


KINDS: dict[str, RuleKind] = {
    k.key: k
    for k in (
        RuleKind("due_soon", "case", ("threshold",), "hours"),
        RuleKind("overdue", "case", ("threshold",), "hours"),
        RuleKind("overdue_urgent", "case", ("threshold",), "hours"),
        RuleKind("overdue_supervised", "case", ("threshold",), "hours"),
        RuleKind("cluster", "area", ("threshold", "window_hours", "depth"), "cases"),
        RuleKind("spike", "area", ("threshold", "depth", "baseline_weeks", "min_cases"), "fdr"),
        RuleKind("iot_unanswered", "case", ("threshold",), "minutes"),
    )
}
#: The channel an ``iot_unanswered`` rule watches when its row names none.
IOT_CHANNEL = "iot"


def _number(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def rule_problems(rule: Mapping[str, object]) -> list[str]:
    """What is wrong with one rule (a row of ``warning_rule`` as a mapping); empty when it can be evaluated."""
    problems: list[str] = []
    kind = KINDS.get(str(rule.get("kind")))
    if kind is None:
        return [f"unknown rule kind {rule.get('kind')!r}; valid kinds: {list(KINDS)}"]
    level = _number(rule.get("level"))
    if level not in LEVELS:
        problems.append(f"level must be 1 (I 红), 2 (II 橙) or 3 (III 黄), got {rule.get('level')!r}")
    values = {name: _number(rule.get(name)) for name in kind.needs}
    missing = [name for name, value in values.items() if value is None]
    if missing:
        problems.append(f"a {kind.key} rule needs {', '.join(missing)}")
        return problems
    threshold = values["threshold"]
    assert threshold is not None
    limits = {
        "hours": (threshold >= 0, "threshold (hours) must be 0 or more"),
        "minutes": (threshold > 0, "threshold (minutes) must be more than 0"),
        "cases": (threshold >= 2 and threshold.is_integer(), "threshold (cases) must be a whole number of 2 or more"),
        "fdr": (0 < threshold <= 1, "threshold (the false discovery rate) must be in (0, 1]"),
    }
    ok, message = limits[kind.unit]
    if not ok:
        problems.append(f"{message}, got {threshold:g}")
    if "window_hours" in values and not (values["window_hours"] or 0) > 0:
        problems.append(f"window_hours must be more than 0, got {rule.get('window_hours')!r}")
    if "depth" in values and values["depth"] not in GRID_LEVEL_COLUMNS:
        problems.append(f"depth must be a grid level {sorted(GRID_LEVEL_COLUMNS)}, got {rule.get('depth')!r}")
    for name in ("baseline_weeks", "min_cases"):
        value = values.get(name)
        if name in values and not (value is not None and value >= 1 and value.is_integer()):
            problems.append(f"{name} must be a whole number of 1 or more, got {rule.get(name)!r}")
    return problems

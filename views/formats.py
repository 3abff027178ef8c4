"""How figures read on screen: the measure registry's ``kind`` decides (counts and densities as short numbers,
rates as percentages), and "—" stands for a value that is undefined (a rate with nothing due)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from core.measures import measure
from layers import number_text


def percent(value: float) -> str:
    """A rate (a fraction) as a percentage with one decimal."""
    return f"{value:.1%}"


def value_format(name: str) -> Callable[[float], str]:
    """How a defined value of measure ``name`` reads (for legends and tooltips, which mark undefined ones)."""
    return percent if measure(name).kind == "rate" else number_text


def measure_text(name: str, value: Any) -> str:
    """``value`` of measure ``name`` as text; "—" when it is undefined (None or NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    try:
        if math.isnan(float(value)):
            return "—"
    except (TypeError, ValueError):
        return str(value)
    return value_format(name)(float(value))

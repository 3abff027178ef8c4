"""The one measure registry: its SQL, and the places that read it (exports, formats, the map's choices)."""

from __future__ import annotations

import duckdb
import pytest

from core.measures import AREA_MEASURES, CASE_COUNTS, REGISTRY, counts_of, measure, ratio_sql, select_sql
from views import exports
from views.formats import measure_text


def test_ratios_are_sums_over_sums_and_undefined_without_a_denominator() -> None:
    rows = "(3, 4, 2, 0, 0, 1000, 2.5, 5), (0, 0, 0, 0, 0, 0, 0.0, 0)"
    columns = "closed, awaiting_closure, closed_on_time, satisfied, followups, population, area_km2, cases"
    table = f"(VALUES {rows}) AS k({columns})"
    names = ("closure_rate", "on_time_closure_rate", "satisfaction_rate")
    with duckdb.connect() as con:
        got = con.execute(f"SELECT {select_sql(names, column=lambda n: f'k.{n}')} FROM {table}").fetchall()
        density = con.execute(f"SELECT {ratio_sql('per_km2', lambda n: f'k.{n}')} FROM {table}").fetchall()
    assert got == [(3 / 7, 2 / 7, None), (None, None, None)]
    assert density == [(2.0,), (None,)]


def test_counts_of_a_ratio_are_its_parts_and_never_an_area_attribute() -> None:
    assert counts_of(["closure_rate", "cases", "per_1000"]) == ("closed", "awaiting_closure", "cases")
    assert set(counts_of(AREA_MEASURES)) <= set(REGISTRY)
    with pytest.raises(ValueError, match="unknown measure 'rate'; valid measures:"):
        measure("rate")
    with pytest.raises(ValueError, match="'cases' is a cases measure, not a ratio"):
        ratio_sql("cases", str)


def test_every_count_the_rollups_hold_is_a_registered_count() -> None:
    assert all(REGISTRY[name].kind == "count" and REGISTRY[name].fold for name in CASE_COUNTS)
    folded = [m for m in REGISTRY.values() if m.source == "states"]
    assert all(m.base in CASE_COUNTS for m in folded)


def test_exports_and_formats_take_decimals_and_kinds_from_the_registry() -> None:
    for name in ("closure_rate", "on_time_closure_rate", "satisfaction_rate", "per_1000", "per_km2"):
        assert exports.AREA_DECIMALS[name] == REGISTRY[name].decimals
    assert measure_text("closure_rate", 0.4286) == "42.9%"
    assert measure_text("per_1000", 6.99479) == "6.99"
    assert measure_text("cases", 12345) == "12,345"
    assert measure_text("satisfaction_rate", float("nan")) == "—"

"""The views' pure parts: period presets by a table of days, the filters a scope hands to the queries (the
5-digit category filter included), and the one label table in both languages.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path

import pytest
from tiny_db import EAST, MAY, build_tiny_db

import queries
from core.measures import REGISTRY
from queries import case_filters
from queries.db import LiveDatabase
from views.drill import Area
from views.i18n import LANGUAGES, STRINGS, labels, name_column, prefixed, t, translator
from views.periods import PRESETS, anchor_day, preset_range
from views.scope import Scope
from views.state import ViewState

D = dt.date
ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- presets
@pytest.mark.parametrize(
    ("preset", "anchor", "expected"),
    [
        # Thursday 2024-05-30
        ("today", D(2024, 5, 30), (D(2024, 5, 30), D(2024, 5, 30))),
        ("last_7_days", D(2024, 5, 30), (D(2024, 5, 24), D(2024, 5, 30))),
        ("last_n_days", D(2024, 5, 30), (D(2024, 5, 1), D(2024, 5, 30))),
        ("this_week", D(2024, 5, 30), (D(2024, 5, 27), D(2024, 5, 30))),
        ("last_week", D(2024, 5, 30), (D(2024, 5, 20), D(2024, 5, 26))),
        ("this_month", D(2024, 5, 30), (D(2024, 5, 1), D(2024, 5, 30))),
        ("last_month", D(2024, 5, 30), (D(2024, 4, 1), D(2024, 4, 30))),
        # Monday 2024-05-27: this week is one day; last week the full Monday–Sunday before
        ("this_week", D(2024, 5, 27), (D(2024, 5, 27), D(2024, 5, 27))),
        ("last_week", D(2024, 5, 27), (D(2024, 5, 20), D(2024, 5, 26))),
        # Sunday 2024-06-02: still the week that began on Monday 05-27, across the month boundary
        ("this_week", D(2024, 6, 2), (D(2024, 5, 27), D(2024, 6, 2))),
        ("last_week", D(2024, 6, 2), (D(2024, 5, 20), D(2024, 5, 26))),
        ("this_month", D(2024, 6, 2), (D(2024, 6, 1), D(2024, 6, 2))),
        # 1 March of a leap year: the last 7 days and last month reach into February's 29th
        ("last_7_days", D(2024, 3, 1), (D(2024, 2, 24), D(2024, 3, 1))),
        ("last_month", D(2024, 3, 1), (D(2024, 2, 1), D(2024, 2, 29))),
        ("this_month", D(2024, 3, 1), (D(2024, 3, 1), D(2024, 3, 1))),
        # New Year's Day 2025 (a Wednesday): last month and last week lie in 2024
        ("last_month", D(2025, 1, 1), (D(2024, 12, 1), D(2024, 12, 31))),
        ("last_week", D(2025, 1, 1), (D(2024, 12, 23), D(2024, 12, 29))),
        ("this_week", D(2025, 1, 1), (D(2024, 12, 30), D(2025, 1, 1))),
        ("last_n_days", D(2025, 1, 1), (D(2024, 12, 3), D(2025, 1, 1))),
    ],
)
def test_preset_range(preset: str, anchor: dt.date, expected: tuple[dt.date, dt.date]) -> None:
    assert preset_range(preset, anchor, days=30) == expected


def test_preset_range_other_lengths_and_errors() -> None:
    assert preset_range("last_n_days", D(2024, 5, 30), days=1) == (D(2024, 5, 30), D(2024, 5, 30))
    assert preset_range("last_n_days", D(2024, 5, 30), days=90) == (D(2024, 3, 2), D(2024, 5, 30))
    with pytest.raises(ValueError, match=r"preset 'custom' has no range of its own; presets with one: \['today'"):
        preset_range("custom", D(2024, 5, 30))
    with pytest.raises(ValueError, match=r"preset 'yesterday' has no range"):
        preset_range("yesterday", D(2024, 5, 30))
    with pytest.raises(ValueError, match="days must be at least 1, got 0"):
        preset_range("last_n_days", D(2024, 5, 30), days=0)


@pytest.mark.parametrize(
    ("today", "last", "expected"),
    [
        (D(2024, 6, 15), D(2024, 5, 30), D(2024, 5, 30)),  # demo data end before today: count from their end
        (D(2024, 5, 30), D(2024, 5, 30), D(2024, 5, 30)),
        (D(2024, 5, 30), D(2024, 6, 2), D(2024, 5, 30)),  # data "from the future" (a clock skew): today
        (D(2024, 5, 30), None, D(2024, 5, 30)),  # no cases yet
    ],
)
def test_anchor_day(today: dt.date, last: dt.date | None, expected: dt.date) -> None:
    assert anchor_day(today, last) == expected


def test_every_preset_has_a_label_in_both_languages() -> None:
    for preset in PRESETS:
        assert t(f"period.{preset}", "zh", days=30) and t(f"period.{preset}", "en", days=30)
    assert t("period.last_n_days", "zh", days=30) == "近30天"


# ---------------------------------------------------------------- filters → query keyword arguments
def _scope(state: ViewState, *, area: str | None = None) -> Scope:
    chain = (Area(EAST, "东街道", 2),) if area else ()
    return Scope(
        state=state,
        today=D(2024, 6, 1),
        anchor=D(2024, 5, 31),
        start=D(2024, 5, 1),
        end=D(2024, 5, 31),
        area=area,
        area_depth=2 if area else None,
        chain=chain,
        map_depth=3 if area else 2,
        map_parent=area,
    )


def test_case_filters_hold_only_the_filters_in_use() -> None:
    plain = _scope(ViewState())
    assert plain.case_filters() == {"start": D(2024, 5, 1), "end": D(2024, 5, 31)}
    assert plain.case_filters(dates=False) == {}
    assert plain.at == dt.datetime(2024, 5, 31, 23, 59, 59, 999999)
    state = ViewState().replace(
        channel=("patrol",), category_major=("06",), category=("06010",), status=("handling", "handled"), dept=("A",)
    )
    full = _scope(state, area=EAST)
    assert full.case_filters(dates=False) == {
        "channel": ("patrol",),
        "category_major": ("06",),
        "category": ("06010",),
        "status": ("handled", "handling"),
        "dept": ("A",),
        "area": EAST,
        "area_depth": 2,
    }
    assert "area" not in full.case_filters(area=False)


@pytest.mark.parametrize(
    ("filters", "sql", "params"),
    [
        ({"category": "06010"}, "list_contains($f_category, c.category_code)", {"f_category": ["06010"]}),
        (
            {"category_major": ("06",), "category": ("06010", "06042")},
            "list_contains($f_category_major, left(c.category_code, 2))"
            " AND list_contains($f_category, c.category_code)",
            {"f_category_major": ["06"], "f_category": ["06010", "06042"]},
        ),
        ({"category": ()}, "TRUE", {}),
        (
            {"category": ["x') OR TRUE --"]},
            "list_contains($f_category, c.category_code)",
            {"f_category": ["x') OR TRUE --"]},
        ),
    ],
)
def test_case_filters_category(filters: dict, sql: str, params: dict) -> None:
    assert case_filters(**filters) == (sql, params)


@pytest.mark.parametrize(
    ("filters", "cases"),
    [
        ({"category": "06010"}, 3),  # t:1 t:3 t:9 (t:7 is April)
        ({"category": ("06010", "06042")}, 4),
        ({"category": "09009", "channel": "citizen_app"}, 1),  # t:5
        ({"category_major": "09", "category": "06010"}, 0),  # a class outside the chosen major
    ],
)
def test_category_filter_counts(tmp_path: Path, filters: dict, cases: int) -> None:
    with LiveDatabase(build_tiny_db(tmp_path / "onemap.duckdb")).cursor() as con:
        assert queries.summary_counts(con, **MAY, **filters).iloc[0]["cases"] == cases


# ---------------------------------------------------------------- interface strings
def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_every_string_has_both_languages_with_the_same_fields(key: str) -> None:
    texts = STRINGS[key]
    assert set(texts) == set(LANGUAGES)
    assert all(text.strip() for text in texts.values())
    assert _fields(texts["zh"]) == _fields(texts["en"])


def test_every_key_the_code_uses_exists() -> None:
    sources = [*ROOT.glob("dashboard/**/*.py"), *ROOT.glob("views/*.py"), ROOT / "streamlit_app.py"]
    used = {
        key
        for path in sources
        for key in re.findall(r"""\bt\(\s*["']([a-z0-9_]+\.[a-z0-9_.]+)["']""", path.read_text())
    }
    assert used, "no t(...) calls found"
    assert sorted(used - set(STRINGS)) == []


def test_lookup() -> None:
    assert t("period.range", "zh", start="2024-05-01", end="2024-05-31") == "上报日期 2024-05-01 至 2024-05-31"
    assert translator("en")("map.points_shown", shown="2,000", total="9,876").startswith("Showing 2,000 of 9,876 cases")
    assert name_column("en") == "name_en" and name_column("zh", "major_name") == "major_name_zh"
    with pytest.raises(KeyError, match="no interface string 'nope'"):
        t("nope", "zh")
    with pytest.raises(ValueError, match=r"unknown language 'fr'; choose one of \['zh', 'en'\]"):
        translator("fr")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_a_layer_or_measure_needs_is_in_the_table(lang: str) -> None:
    import layers

    for name, layer in [
        ("cases", layers.cases),
        ("alerts", layers.alerts),
        ("cameras", layers.cameras),
        ("facilities", layers.facilities),
        ("grids", layers.grids),
        ("camera_rates", layers.camera_rates),
        ("iot_devices", layers.iot_devices),
    ]:
        assert sorted(f"layer.{name}.{key}" for key in layer.LABELS if f"layer.{name}.{key}" not in STRINGS) == []
        assert set(labels(lang, f"layer.{name}", layer.LABELS)) == set(layer.LABELS)
    assert sorted(m.label_key for m in REGISTRY.values() if m.label_key not in STRINGS) == []
    assert prefixed(lang, "layer.facility_kinds")["service_station"] in ("党群服务中心", "Service station")
    assert t("layer.boundaries", lang, level="街道" if lang == "zh" else "Street") in ("街道边界", "Street boundaries")
    assert t("layer.points_of", lang, shown=2000, total=9876) in ("案件点位（2,000 / 9,876）", "Cases (2,000 of 9,876)")


def test_the_label_table_refuses_a_key_defined_twice() -> None:
    from views.texts import join

    assert join([{"a.b": {"zh": "甲", "en": "A"}}, {"a.c": {"zh": "乙", "en": "B"}}])["a.c"]["en"] == "B"
    with pytest.raises(ValueError, match=r"label 'a\.b' is defined twice"):
        join([{"a.b": {"zh": "甲", "en": "A"}}, {"a.b": {"zh": "乙", "en": "B"}}])


def test_the_city_level_is_a_figure_only_when_its_outline_is_loaded() -> None:
    import pandas as pd

    from views.pages import shown_levels

    levels = pd.DataFrame({"depth": [0, 1, 2], "name_zh": ["市", "区县", "街道"], "grids": [0, 1, 6]})
    assert shown_levels(levels)["name_zh"].tolist() == ["区县", "街道"]
    assert shown_levels(levels.assign(grids=[1, 3, 6]))["name_zh"].tolist() == ["市", "区县", "街道"]

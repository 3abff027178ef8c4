"""The wall screen's composition on the tiny city (``tests/tiny_db.py``), without Streamlit: every figure checked
by hand, the public-screen threshold, the rotation, and no personal data or single case anywhere in what it shows.

The tiny city's last day is 2024-05-30 (t:8, a patrol case outside every grid); the presets anchor there. Pending
now: t:3 t:4 t:7 t:8, overdue t:3 t:7. The week of 05-27 (Mon) to 05-30 holds t:8 only; 05-20 to 05-23 holds t:4.
The last seven days (05-24 … 05-30): 西街道 t:5 t:6, 东街道 none, t:8 outside.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from tiny_db import build_tiny_db

from settings import Settings
from views.calls import on
from views.scope import resolve
from views.wall import ROTATIONS, Wall, WallOptions, rotation, wall, wall_state

NOW = dt.datetime(2024, 6, 1, 10, 0)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_tiny_db(tmp_path_factory.mktemp("wall") / "onemap.duckdb")
    with duckdb.connect(str(path)) as con:  # personal data and texts that must never reach the wall
        con.execute(
            "UPDATE cases SET address = '长江路88号3栋', description = '张三家门口垃圾 13812345678',"
            " contact_masked = '138****5678', lon = 117.123456, lat = 31.054321 WHERE grid_l2 IS NOT NULL"
        )
    return path


def _wall(path: Path, options: WallOptions | None = None, *, turn: int = 0, **query: str) -> Wall:
    with duckdb.connect(str(path), read_only=True) as con:
        run = on(con)
        state = wall_state(query, lang="zh")
        scope = resolve(state, run, today=NOW.date(), days=30, overview_depth=2)
        return wall(scope, run, settings=Settings(), now=NOW, options=options or WallOptions(), turn=turn)


def _texts(shown: Wall) -> str:
    return json.dumps(dataclasses.asdict(shown), ensure_ascii=False, default=str)


def test_the_figures_of_the_day_and_the_week(tiny: Path) -> None:
    shown = _wall(tiny)
    assert [(kpi.label, kpi.value) for kpi in shown.kpis] == [
        ("今日受理", "1"),
        ("待处置", "4"),
        ("超期", "2"),
        ("本周案件", "1"),
        ("周环比", "0%"),
    ]
    assert shown.kpis[3].note == "上周同期 1"
    assert [(line.text, line.value) for line in shown.intake] == [("网格巡查", "1")]
    assert shown.title == "测试区 · 社会治理一张图"
    assert shown.as_of == "数据截至 2024-05-30 09:00（最新上报）" and shown.stale == "⚠ 无导入记录"
    assert shown.map_title == "各街道案件 05-24～05-30"


def test_small_counts_are_hidden_on_the_map(tiny: Path) -> None:
    areas = {f["properties"]["name"]: f["properties"] for f in _wall(tiny).map.collection["features"]}
    assert areas["西街道"]["text"] == "&lt;5" and areas["东街道"]["text"] == "无"
    assert areas["西街道"]["colour"] != areas["东街道"]["colour"]
    shown = _wall(tiny, WallOptions(min_count=1)).map
    areas = {f["properties"]["name"]: f["properties"]["text"] for f in shown.collection["features"]}
    assert areas == {"西街道": "2", "东街道": "无"}
    legend = _wall(tiny).map.legend
    assert ("#34495e", "<5") in legend and all(text != "2" for _, text in legend)  # no class of hidden counts


def test_the_ticker_names_class_street_and_minute_only(tiny: Path) -> None:
    ticker = _wall(tiny).ticker
    assert [(line.lead, line.value) for line in ticker[:3]] == [
        ("05-30 09:00", "网格巡查"),
        ("05-26 09:00", "视频智能发现"),
        ("05-25 09:00", "随手拍"),
    ]
    assert ticker[0].text == "未分类 · 网格外" and ticker[1].text.endswith("· 西街道")


def test_nothing_personal_or_single_reaches_the_wall(tiny: Path) -> None:
    for options in (WallOptions(), WallOptions(rotate=ROTATIONS)):
        for turn in range(len(ROTATIONS)):
            text = _texts(_wall(tiny, options, turn=turn, period="last_month"))
            for secret in ("长江路", "88号", "张三", "1381234", "138****", "t:", "117.123", "31.054"):
                assert secret not in text, (secret, turn)


def test_the_rotation_turns_through_its_views(tiny: Path) -> None:
    options = WallOptions(rotate=("city", "street", "dispatch"))
    assert [rotation(options, turn) for turn in range(4)] == ["city", "street", "dispatch", "city"]
    assert rotation(WallOptions(), 7) == "city"
    street = _wall(tiny, options, turn=1)
    assert street.view == "street" and [f["properties"]["name"] for f in street.map.collection["features"]] == [
        "三社区"
    ]
    assert _wall(tiny, options, turn=2).map_title == "各街道超期待处置"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"min_count": 0}, "wall_min_count must be at least 1"),
        ({"ranking_level": "city"}, "wall_ranking_level must be one of"),
        ({"rotate": ("city", "moon")}, "wall_rotate names unknown views ['moon']"),
    ],
)
def test_bad_options_are_named(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        WallOptions(**options)


def test_a_street_view_without_cases_is_the_city(tiny: Path) -> None:
    options = WallOptions(rotate=("street",))
    quiet = _wall(tiny, options, period="custom", start="2023-01-02", end="2023-01-08")
    assert quiet.view == "city" and quiet.map_title.startswith("各街道案件")

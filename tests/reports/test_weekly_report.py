"""The weekly report on the tiny city (tests/tiny_db.py), figures checked by hand: ISO weeks, the KPI table this
week against last, the comparisons, what a reader may see, the links, the HTML byte for byte, the command line."""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from pathlib import Path

import duckdb
import pytest
from tiny_db import EAST, WEST, build_tiny_db

from core.access import Principal
from etl.adjacency import store_adjacency
from reports import cli, files, render, weekly
from reports.week import Week
from settings import Settings
from views.access import Access
from views.calls import on
from views.state import ViewState

W19 = Week(2024, 19)  # 6–12 May 2024: t:3 (05-10, overdue pending) and t:9 (05-12, handled late)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_tiny_db(tmp_path_factory.mktemp("weekly") / "onemap.duckdb")
    with duckdb.connect(str(path)) as con:
        store_adjacency(con, tolerance_m=0.5)
    return path


def build(db: Path, week: Week = W19, **kwargs) -> weekly.WeeklyReport:
    with duckdb.connect(str(db), read_only=True) as con:
        return weekly.build(week, on(con), settings=Settings(db_path=db), **kwargs)


@pytest.mark.parametrize(
    ("text", "week", "start"),
    [("2024-W19", Week(2024, 19), dt.date(2024, 5, 6)), ("2026w1", Week(2026, 1), dt.date(2025, 12, 29))],
)
def test_weeks_are_iso_weeks(text: str, week: Week, start: dt.date) -> None:
    parsed = Week.parse(text)
    assert parsed == week and parsed.start == start and parsed.end == start + dt.timedelta(days=6)
    assert Week.of(parsed.end) == parsed and parsed.previous.end == start - dt.timedelta(days=1)


@pytest.mark.parametrize(("text", "said"), [("2024-19", "written like"), ("2025-W53", "weeks 1–52"), ("x", "like")])
def test_a_bad_week_says_what_a_week_looks_like(text: str, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        Week.parse(text)


def test_the_kpis_this_week_against_last(db: Path) -> None:
    report = build(db)
    kpis = {k.name: k for k in report.kpis}
    # this week t:3, t:9 (neither closed); last week (29 Apr – 5 May) t:1 closed, t:2 evaluated
    assert (kpis["cases"].this, kpis["cases"].last) == (2, 2)
    assert (kpis["closed"].this, kpis["closed"].last, kpis["closed"].better) == (0, 2, False)
    assert kpis["closure_rate"].this == 0 and kpis["closure_rate"].last == 1 and kpis["closure_rate"].better is False
    assert kpis["cases"].better is None  # more cases is neither better nor worse
    assert kpis["overdue"].this == 1  # t:3: its deadline 05-11 passed by the week's end, still unhandled
    assert report.as_of == dt.datetime.combine(W19.end, dt.time.max)
    assert report.channels.set_index("channel")[["this", "last"]].to_dict("index") == {
        "patrol": {"this": 2, "last": 0},
        "hotline": {"this": 0, "last": 2},
    }


def test_an_area_a_language_and_the_links(db: Path) -> None:
    report = build(db, Week(2024, 21), area=WEST, lang="en")  # 20–26 May: t:4, t:5, t:6 in the west
    assert report.area_name == "西街道" and report.lang == "en"
    assert {k.name: k.this for k in report.kpis}["cases"] == 3
    link = urllib.parse.urlsplit(report.links["trends"])
    assert link.path == "/trends"
    state = ViewState.from_query(urllib.parse.parse_qs(link.query))
    assert (state.preset, state.start, state.end, state.area, state.lang) == (
        "custom",
        dt.date(2024, 5, 20),
        dt.date(2024, 5, 26),
        WEST,
        "en",
    )
    page = render.html(report)
    assert "Weekly review" in page and "西街道" in page and "Key figures" in page


def test_a_reader_sees_their_area_and_what_their_role_allows(db: Path) -> None:
    with duckdb.connect(str(db), read_only=True) as con:
        run = on(con)
        screen = Access.of(Principal("wall", "screen"), run)
        report = weekly.build(W19, run, settings=Settings(db_path=db), access=screen)
        assert report.overdue is None and report.red is None  # no single cases, no rankings
        analyst = Access.of(Principal("wang", "analyst", WEST), run)
        with pytest.raises(ValueError, match="not a grid valid"):
            weekly.build(W19, run, settings=Settings(db_path=db), area=EAST, access=analyst)
        own = weekly.build(Week(2024, 21), run, settings=Settings(db_path=db), access=analyst)
    assert own.area_name == "西街道" and {k.name: k.this for k in own.kpis}["cases"] == 3
    assert own.red is None and own.overdue is not None  # an analyst sees cases, not the rankings
    assert "本账号无权查看此部分" in render.html(report)


def test_the_html_is_the_same_bytes_every_time_and_runs_nothing(db: Path) -> None:
    first, second = files.html_bytes(build(db)), files.html_bytes(build(db))
    assert first == second
    text = first.decode("utf-8")
    assert "<script" not in text and "src=" not in text and "<svg" in text  # every figure inline, nothing run
    links = [link for link in re.findall(r'href="([^"]*)"', text) if not link.startswith("#")]  # not the SVGs' own
    assert links and all(link.startswith("http://127.0.0.1:8501/") for link in links)  # the dashboard's, only
    assert "领导批示" in text


def test_the_command_line_writes_html_and_says_what_is_wrong(db: Path, tmp_path: Path, capsys) -> None:
    assert cli.main(["weekly", "--week", "2024-W19", "--area", "999", "--db", str(db), "--out", str(tmp_path)]) == 2
    assert "area '999' is not a grid valid" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["weekly", "--week", "May", "--db", str(db), "--out", str(tmp_path)])
    assert "a week is written like 2026-W48" in capsys.readouterr().err

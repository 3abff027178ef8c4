"""The dispatch page (调度) in Streamlit's AppTest against the dispatch city, the clock stopped at its "now"
(Sunday 2025-09-28 10:30): the headline figures, every section, a department's open cases, a case's timeline, the
downloads, and the English labels."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from dispatch_city import NOW
from signed_in import signed_in
from streamlit.testing.v1 import AppTest

import core.clock
from dashboard import dispatch_panel
from dashboard.sidebar import widget_key
from settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PAGE = "dashboard/pages/dispatch.py"


@pytest.fixture
def app(dispatch_city: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    monkeypatch.setenv("ONEMAP_DB_PATH", str(dispatch_city.db_path))
    monkeypatch.setenv("ONEMAP_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("ONEMAP_RANKING_MIN_CASES", "2")
    monkeypatch.setenv("ONEMAP_RANKING_LIST_SIZE", "1")
    monkeypatch.setattr(core.clock, "local_minute", lambda timezone: NOW)
    monkeypatch.chdir(ROOT)
    at = signed_in(AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120), dispatch_city.db_path)
    at.run()
    return at.switch_page(PAGE).run()


def metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def week_c(at: AppTest) -> AppTest:
    at.sidebar.selectbox(key=widget_key("period", "zh")).set_value("custom").run()
    return at.sidebar.date_input[0].set_value((dt.date(2025, 9, 15), dt.date(2025, 9, 21))).run()


def section(at: AppTest, name: str) -> AppTest:
    return at.segmented_control(key=dispatch_panel.SECTION_KEY).set_value(name).run()


def test_the_headline_is_what_was_planted(app: AppTest) -> None:
    assert not app.exception
    assert app.header[0].value == "调度"
    shown = metrics(app)
    assert {k: shown[k] for k in ("I级预警", "II级预警", "III级预警")} == {
        "I级预警": "4",
        "II级预警": "3",
        "III级预警": "3",
    }
    # pending: L1-L8, L12, L13; due soon L2, L5; overdue L4, L6, L7, L8
    assert (shown["待处置"], shown["即将超期"], shown["已超期"]) == ("10", "2", "4")
    caption = app.caption[0].value
    assert "应处置案件：所选日期内上报的案件" in caption and "返工率 = 返工案件 ÷（已结案 + 待结案）" in caption


def test_a_department_shows_its_open_cases_and_a_case_its_timeline(app: AppTest) -> None:
    board = app.dataframe[0].value
    assert board["dept_code"].tolist()[:3] == ["CG", "ZJ", "SC"]
    app.session_state[dispatch_panel.DEPT_KEY] = "CG"  # a click on its row (the browser test clicks for real)
    app.run()
    assert not app.exception
    assert any(md.value == "**城管局 的在办案件（6 件）**" for md in app.markdown)  # L2 L4 L5 L6, L9 L10
    cases = app.dataframe[1].value
    # overdue first (least time left first), then due soon, then those handled (the oldest first)
    assert cases["case_uid"].tolist() == ["t:L6", "t:L4", "t:L2", "t:L5", "t:L9", "t:L10"]
    app.text_input(key="onemap_dispatch_find").set_value("R1").run()
    assert not app.exception
    assert any(md.value == "**案件轨迹：t:R1**" for md in app.markdown)


@pytest.mark.parametrize("name", ["lights", "handoffs", "warnings", "whistles", "ranking", "board"])
def test_every_section_runs(app: AppTest, name: str) -> None:
    section(app, name)
    assert not app.exception
    assert app.dataframe or app.info


def test_the_red_black_list_of_a_week(app: AppTest) -> None:
    section(week_c(app), "ranking")
    assert not app.exception
    ranking = app.dataframe[0].value
    assert ranking["unit"].tolist() == ["ZJ", "CG", "SC"] and ranking["list"].tolist() == ["红榜", "", "黑榜"]
    assert any("处置率×30" in caption.value for caption in app.caption)
    app.segmented_control(key="onemap_dispatch_ranking_level").set_value("street").run()
    assert app.dataframe[0].value["unit_name"].tolist()[0] in {"西街道", "东街道"}


def test_in_english(app: AppTest) -> None:
    app.sidebar.radio(key="lang").set_value("en").run()
    assert not app.exception
    assert app.header[0].value == "Dispatch"
    assert {"Level I warnings", "Pending", "Due soon", "Overdue"} <= set(metrics(app))
    assert [button.label for button in app.get("download_button")] == ["Download CSV"]
    section(app, "warnings")
    assert "Fired at" in app.dataframe[0].value.columns or "fired_at" in app.dataframe[0].value.columns


def test_the_warnings_listed_are_the_first_and_the_headline_counts_them_all(
    dispatch_city: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ONEMAP_DISPATCH_WARNING_ROWS", "3")
    monkeypatch.setenv("ONEMAP_DB_PATH", str(dispatch_city.db_path))
    monkeypatch.setenv("ONEMAP_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setattr(core.clock, "local_minute", lambda timezone: NOW)
    monkeypatch.chdir(ROOT)
    at = signed_in(AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120), dispatch_city.db_path)
    at.run()
    at = section(at.switch_page(PAGE).run(), "warnings")
    assert not at.exception
    assert [metrics(at)[k] for k in ("I级预警", "II级预警", "III级预警")] == ["4", "3", "3"]
    assert at.dataframe[0].value["rule_id"].tolist() == ["I-IOT", "I-SPIKE", "I-URGENT"]  # the most severe, latest
    assert any(caption.value.startswith("共 10 条预警，列出最严重、最新的 3 条") for caption in at.caption)


def test_the_case_lists_show_the_most_pressing_first_and_say_how_many(
    dispatch_city: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ONEMAP_DISPATCH_CASE_ROWS", "2")
    monkeypatch.setenv("ONEMAP_DB_PATH", str(dispatch_city.db_path))
    monkeypatch.setenv("ONEMAP_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setattr(core.clock, "local_minute", lambda timezone: NOW)
    monkeypatch.chdir(ROOT)
    at = signed_in(AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120), dispatch_city.db_path)
    at.run()
    at = section(at.switch_page(PAGE).run(), "lights")
    assert not at.exception
    # red and yellow: L1 L2 L4 L5 L6 L7 L8 L10 L11; the most of its limit used: L6 (7.25), L7 (4.375)
    assert at.dataframe[0].value["case_uid"].tolist() == ["t:L6", "t:L7"]
    assert any(caption.value.startswith("共 9 件，列出最紧迫的 2 件") for caption in at.caption)
    assert (metrics(at)["待处置"], metrics(at)["已超期"]) == ("10", "4")  # the headline counts every case
    at = section(at, "board")
    at.session_state[dispatch_panel.DEPT_KEY] = "CG"
    at.run()
    assert any(md.value == "**城管局 的在办案件（6 件）**" for md in at.markdown)
    assert at.dataframe[1].value["case_uid"].tolist() == ["t:L6", "t:L4"]
    assert any(caption.value.startswith("共 6 件，列出最紧迫的 2 件") for caption in at.caption)

"""The wall screen (大屏) in AppTest, signed in as a ``screen`` user on the tiny city: it runs, shows the day's
figures, no Streamlit chrome but its own, no single case and no personal data, and follows the URL's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from signed_in import signed_in
from streamlit.testing.v1 import AppTest
from tiny_db import build_tiny_db

ROOT = Path(__file__).resolve().parents[2]


def _wall(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **query: str) -> AppTest:
    db_path = build_tiny_db(tmp_path / "onemap.duckdb")
    monkeypatch.setenv("ONEMAP_DB_PATH", str(db_path))
    monkeypatch.setenv("ONEMAP_CONFIG", str(tmp_path / "no-such.toml"))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    app.query_params.update({"mode": "wall", **query})
    return signed_in(app, db_path, role="screen", username="wall").run()


def _html(app: AppTest) -> str:
    return "\n".join(str(markdown.value) for markdown in app.markdown)


def test_the_wall_shows_the_days_figures_to_a_screen_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _wall(tmp_path, monkeypatch)
    assert not app.exception
    html = _html(app)
    assert "测试区 · 社会治理一张图" in html
    # the tiny city's last day is 05-30 (one patrol case, outside the grids); pending 4, overdue 2 now
    assert 'data-kpi="今日受理">1<' in html
    assert 'data-kpi="待处置">4<' in html and 'data-kpi="超期">2<' in html
    assert "数据截至 2024-05-30 09:00" in html and "无导入记录" in html
    assert "网格巡查" in html  # intake by channel
    # the map: a component, not a folium iframe; areas below the threshold read "<5"
    (component,) = app.get("component_instance")
    assert "&amp;lt;5" in component.proto.json_args or "&lt;5" in component.proto.json_args
    # no sidebar drawn by the page, no account box, no navigation
    assert not app.sidebar.button


def test_the_wall_shows_no_single_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    html = _html(_wall(tmp_path, monkeypatch))
    assert re.findall(r"\bt:\d\b", html) == []  # no case id (the tiny city's are t:1 … t:9)
    assert "dispatched" not in html and "handling" not in html  # no case's state either


def test_the_wall_follows_the_urls_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    html = _html(_wall(tmp_path, monkeypatch, lang="en"))
    assert "Intake today" in html and "Data as of 2024-05-30 09:00" in html

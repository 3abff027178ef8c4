"""The whole app in Streamlit's AppTest against the tiny database: every page runs and shows its numbers."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import types
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from tiny_db import build_tiny_db

from dashboard.clock import local_now

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["dashboard/pages/overview.py"]


@pytest.fixture
def tiny_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("ONEMAP_DB_PATH", str(build_tiny_db(tmp_path / "onemap.duckdb")))
    monkeypatch.setenv("ONEMAP_CONFIG", str(tmp_path / "no-such.toml"))  # defaults, whatever onemap.toml says
    monkeypatch.chdir(ROOT)  # .streamlit/config.toml: static serving for the map's scripts
    return AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)


def metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def test_overview_shows_the_fixture_numbers(tiny_app: AppTest) -> None:
    tiny_app.run()
    assert not tiny_app.exception
    # The data's last report day is 2024-05-30, so the default range is 2024-05-01 … 2024-05-30 (not today).
    assert tiny_app.sidebar.date_input[0].value == (dt.date(2024, 5, 1), dt.date(2024, 5, 30))
    shown = metrics(tiny_app)
    assert {label: shown[label] for label in ("上报案件", "已结案", "结案率", "当前超期待处置")} == {
        "上报案件": "8",
        "已结案": "3",
        "结案率": "42.9%",
        "当前超期待处置": "2",
    }
    assert {label: shown[label] for label in ("区县", "街道", "社区", "网格", "微网格")} == {
        "区县": "1",
        "街道": "2",
        "社区": "3",
        "网格": "1",
        "微网格": "0",
    }
    assert [chart.proto.spec for chart in tiny_app.get("plotly_chart")]  # both charts drawn
    assert len(tiny_app.get("plotly_chart")) == 2
    assert "智慧一张图 OneMap" in [title.value for title in tiny_app.sidebar.title]


def test_overview_follows_the_date_range(tiny_app: AppTest) -> None:
    tiny_app.run()
    tiny_app.sidebar.date_input[0].set_value((dt.date(2024, 5, 1), dt.date(2024, 5, 5))).run()
    assert not tiny_app.exception
    shown = metrics(tiny_app)
    assert (shown["上报案件"], shown["已结案"], shown["结案率"]) == ("2", "2", "100.0%")
    assert shown["当前超期待处置"] == "2"  # a state now, whatever the range


def test_a_load_that_replaces_the_file_shows_on_the_next_run(tiny_app: AppTest, tmp_path: Path) -> None:
    import duckdb

    tiny_app.run()
    assert metrics(tiny_app)["上报案件"] == "8"
    copy = tmp_path / "onemap.duckdb.loading"
    build_tiny_db(copy)
    with duckdb.connect(str(copy)) as writer:
        writer.execute("DELETE FROM cases WHERE channel = 'hotline'")
    copy.replace(tmp_path / "onemap.duckdb")  # as etl/store.py commits
    tiny_app.run()
    assert not tiny_app.exception
    assert metrics(tiny_app)["上报案件"] == "6"


def test_overview_map_loads_nothing_from_the_internet(tiny_app: AppTest) -> None:
    tiny_app.run()
    (component,) = tiny_app.get("component_instance")
    args = json.loads(component.proto.json_args)
    assert args["js_links"] == [
        "/app/static/vendor/leaflet-1.9.3/leaflet.js",
        "/app/static/vendor/jquery-3.7.1/jquery.min.js",
    ]
    assert args["css_links"] == ["/app/static/vendor/leaflet-1.9.3/leaflet.css"]
    assert re.findall(r"https?://", component.proto.json_args) == []
    assert json.dumps("东街道") in args["script"] and json.dumps("西街道") in args["script"]


def test_an_empty_database_shows_zeros(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import duckdb

    from etl.store import apply_schema

    db_path = tmp_path / "empty.duckdb"
    with duckdb.connect(str(db_path)) as con:
        apply_schema(con)
    monkeypatch.setenv("ONEMAP_DB_PATH", str(db_path))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    assert not app.exception
    assert metrics(app) == {"上报案件": "0", "已结案": "0", "结案率": "—", "当前超期待处置": "0"}
    assert "数据库中还没有案件" in [caption.value for caption in app.sidebar.caption]
    today = local_now("Asia/Shanghai").date()
    assert [info.value for info in app.info] == [f"{today} 时没有有效的第 2 级网格"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs(tiny_app: AppTest, page: str) -> None:
    tiny_app.run()
    tiny_app.switch_page(page).run()
    assert not tiny_app.exception


def test_first_start_builds_the_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db_path = tmp_path / "first" / "onemap.duckdb"
    calls = []

    def build_demo(settings: object, *, out_dir: Path, progress: bool = False) -> list:
        calls.append((settings.db_path, out_dir, progress))  # type: ignore[attr-defined]
        db_path.parent.mkdir()
        build_tiny_db(db_path)
        return []

    # The real demo runs the whole ETL (tested with the ETL); here only the app's first-start path.
    monkeypatch.setitem(sys.modules, "etl.demo_load", types.SimpleNamespace(build_demo=build_demo))
    monkeypatch.setenv("ONEMAP_DB_PATH", str(db_path))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    assert not app.exception
    assert calls == [(db_path, db_path.parent / "demo", False)]
    assert metrics(app)["上报案件"] == "8"

"""The whole app in Streamlit's AppTest against the tiny database, signed in as an administrator (who sees
everything; the roles are ``test_access_app.py``'s): every page runs and shows its numbers, the sidebar's
presets, drill-down and language switch change what the pages show.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import duckdb
import pytest
from signed_in import signed_in
from streamlit.testing.v1 import AppTest
from tiny_db import EAST, WEST, build_tiny_db

from core.clock import local_now
from dashboard.sidebar import widget_key

ROOT = Path(__file__).resolve().parents[2]
MAP, OVERVIEW, DISPATCH = "dashboard/pages/map.py", "dashboard/pages/overview.py", "dashboard/pages/dispatch.py"
AREA, VIDEO, IOT = "dashboard/pages/area.py", "dashboard/pages/video.py", "dashboard/pages/iot.py"
PAGES = [MAP, OVERVIEW, DISPATCH, AREA, VIDEO, IOT]
C1 = "340102001001"
DOWNLOADS = ["案件 CSV", "案件 GeoJSON", "区域汇总 CSV", "区域汇总 GeoJSON"]


def _app(db_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> AppTest:
    monkeypatch.setenv("ONEMAP_DB_PATH", str(db_path))
    monkeypatch.setenv("ONEMAP_CONFIG", str(tmp_path / "no-such.toml"))  # defaults, whatever onemap.toml says
    for name, value in env.items():
        monkeypatch.setenv(f"ONEMAP_{name.upper()}", value)
    monkeypatch.chdir(ROOT)  # .streamlit/config.toml: static serving for the map's scripts
    return signed_in(AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60), db_path)


@pytest.fixture
def tiny_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return _app(build_tiny_db(tmp_path / "onemap.duckdb"), monkeypatch, tmp_path)


def located_db(path: Path) -> Path:
    """The tiny database with every case but t:8 located inside its community."""
    build_tiny_db(path)
    with duckdb.connect(str(path)) as writer:
        writer.execute("UPDATE cases SET lon = 117.12, lat = 31.05 WHERE grid_l3 = '340102001001'")
        writer.execute("UPDATE cases SET lon = 117.17, lat = 31.05 WHERE grid_l3 = '340102001002'")
        writer.execute("UPDATE cases SET lon = 117.05, lat = 31.05 WHERE grid_l3 = '340102002001'")
    return path


def metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def overview(app: AppTest) -> AppTest:
    app.run()
    return app.switch_page(OVERVIEW).run()


def map_names(app: AppTest, *names: str) -> list[bool]:
    """Whether each name is written into the map component (raw UTF-8 or ``\\uXXXX``-escaped)."""
    (component,) = app.get("component_instance")
    text = "\n".join(value for value in json.loads(component.proto.json_args).values() if isinstance(value, str))
    return [name in text or json.dumps(name)[1:-1] in text for name in names]


def crumbs(app: AppTest) -> list[str]:
    """The breadcrumb: the buttons up, then the area itself in bold."""
    ups = [button.label for button in app.sidebar.button if button.key and button.key.startswith("onemap_crumb_")]
    here = [markdown.value.strip("*") for markdown in app.sidebar.markdown if markdown.value.startswith("**")]
    return ups + here


def area_pick(app: AppTest):  # an element-tree Selectbox
    return app.sidebar.selectbox(key="onemap_area_pick")


# ---------------------------------------------------------------- the overview
def test_overview_shows_the_fixture_numbers(tiny_app: AppTest) -> None:
    overview(tiny_app)
    assert not tiny_app.exception
    # The data's last report day is 2024-05-30, so the default "last 30 days" is 2024-05-01 … 2024-05-30.
    assert tiny_app.sidebar.selectbox(key=widget_key("period", "zh")).value == "last_n_days"
    assert "上报日期 2024-05-01 至 2024-05-30" in [caption.value for caption in tiny_app.sidebar.caption]
    assert any("数据截至 2024-05-30" in caption.value for caption in tiny_app.sidebar.caption)
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
    assert "市" not in shown  # no city outline loaded: its level is not a figure
    assert len(tiny_app.get("plotly_chart")) == 2
    assert "智慧一张图 OneMap" in [title.value for title in tiny_app.sidebar.title]


def test_overview_follows_a_custom_range(tiny_app: AppTest) -> None:
    overview(tiny_app)
    tiny_app.sidebar.selectbox(key=widget_key("period", "zh")).set_value("custom").run()
    assert tiny_app.sidebar.date_input[0].value == (dt.date(2024, 5, 1), dt.date(2024, 5, 30))
    tiny_app.sidebar.date_input[0].set_value((dt.date(2024, 5, 1), dt.date(2024, 5, 5))).run()
    assert not tiny_app.exception
    shown = metrics(tiny_app)
    assert (shown["上报案件"], shown["已结案"], shown["结案率"]) == ("2", "2", "100.0%")
    assert shown["当前超期待处置"] == "2"  # a state now, whatever the range


def test_a_load_that_replaces_the_file_shows_on_the_next_run(tiny_app: AppTest, tmp_path: Path) -> None:
    overview(tiny_app)
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
    overview(tiny_app)
    (component,) = tiny_app.get("component_instance")
    args = json.loads(component.proto.json_args)
    assert "/app/static/vendor/leaflet-1.9.3/leaflet.js" in args["js_links"]
    assert re.findall(r"https?://", component.proto.json_args) == []
    assert map_names(tiny_app, "东街道", "西街道") == [True, True]


# ---------------------------------------------------------------- the map page
def test_map_page_is_the_default_and_shows_the_area_figures(tiny_app: AppTest) -> None:
    tiny_app.run()
    assert not tiny_app.exception
    assert tiny_app.subheader[0].value == "测试区"
    shown = metrics(tiny_app)
    # May: 8 cases, closed 3 of 7 due (all on time); overdue at the range's end, whenever reported: t:3, t:7.
    assert {label: shown[label] for label in ("上报案件", "结案率", "按期结案率", "超期待处置")} == {
        "上报案件": "8",
        "结案率": "42.9%",
        "按期结案率": "42.9%",
        "超期待处置": "2",
    }
    assert map_names(tiny_app, "东街道", "西街道", "一社区") == [True, True, False]
    assert tiny_app.selectbox(key=widget_key("measure", "zh")).value == "cases"
    assert [chart.proto.spec for chart in tiny_app.get("plotly_chart")]  # the sparkline
    (top,) = tiny_app.dataframe
    assert top.value["cases"].tolist() == [3, 2, 1, 1, 1]
    # the cases without a GB/T class are said, whether or not they are among the top classes (t:8)
    assert any(c.value.startswith("未归入国标类别 1 件（12.5%）") for c in tiny_app.caption)


@pytest.mark.parametrize(
    ("preset", "cases", "caption"),
    [
        ("last_7_days", "3", "上报日期 2024-05-24 至 2024-05-30"),  # t:5 t:6 t:8
        ("this_week", "1", "上报日期 2024-05-27 至 2024-05-30"),  # t:8 (2024-05-30 is a Thursday)
        ("last_week", "3", "上报日期 2024-05-20 至 2024-05-26"),  # t:4 t:5 t:6
        ("last_month", "1", "上报日期 2024-04-01 至 2024-04-30"),  # t:7
        ("today", "1", "上报日期 2024-05-30 至 2024-05-30"),
    ],
)
def test_a_preset_changes_the_numbers(tiny_app: AppTest, preset: str, cases: str, caption: str) -> None:
    tiny_app.run()
    assert metrics(tiny_app)["上报案件"] == "8"
    tiny_app.sidebar.selectbox(key=widget_key("period", "zh")).set_value(preset).run()
    assert not tiny_app.exception
    assert metrics(tiny_app)["上报案件"] == cases
    assert caption in [c.value for c in tiny_app.sidebar.caption]


def test_drilling_into_a_street_shows_its_communities_and_the_way_back(tiny_app: AppTest) -> None:
    tiny_app.run()
    assert crumbs(tiny_app) == ["测试区"]
    assert area_pick(tiny_app).options == ["东街道", "西街道"]
    area_pick(tiny_app).set_value(EAST).run()
    assert not tiny_app.exception
    assert tiny_app.session_state["onemap_view"].area == EAST
    assert crumbs(tiny_app) == ["测试区", "东街道"]
    assert tiny_app.subheader[0].value == "测试区 › 东街道"
    assert area_pick(tiny_app).options == ["一社区", "二社区"] and area_pick(tiny_app).value is None
    assert map_names(tiny_app, "一社区", "二社区", "三社区") == [True, True, False]
    assert metrics(tiny_app)["上报案件"] == "4"  # t:1 t:2 t:3 t:9

    area_pick(tiny_app).set_value(C1).run()  # a community: its one grid
    assert crumbs(tiny_app) == ["测试区", "东街道", "一社区"]
    assert map_names(tiny_app, "一社区第一网格") == [True]
    assert metrics(tiny_app)["上报案件"] == "3"

    tiny_app.sidebar.button(key="onemap_crumb_1").click().run()  # back to the street
    assert crumbs(tiny_app) == ["测试区", "东街道"]
    tiny_app.sidebar.button(key="onemap_crumb_0").click().run()  # back to everything
    assert crumbs(tiny_app) == ["测试区"]
    assert tiny_app.session_state["onemap_view"].area is None
    assert metrics(tiny_app)["上报案件"] == "8"


def test_the_area_survives_a_page_switch_and_filters_the_overview(tiny_app: AppTest) -> None:
    tiny_app.run()
    area_pick(tiny_app).set_value(WEST).run()
    tiny_app.switch_page(OVERVIEW).run()
    assert not tiny_app.exception
    assert crumbs(tiny_app) == ["测试区", "西街道"]
    assert metrics(tiny_app)["上报案件"] == "3"  # t:4 t:5 t:6


def test_a_wall_screen_url_names_the_view(tiny_app: AppTest) -> None:
    tiny_app.query_params["area"] = EAST
    tiny_app.query_params["period"] = "last_week"
    tiny_app.query_params["lang"] = "en"
    tiny_app.run()
    assert not tiny_app.exception
    assert crumbs(tiny_app) == ["测试区", "东街道"]
    assert tiny_app.sidebar.selectbox(key=widget_key("period", "en")).value == "last_week"
    assert metrics(tiny_app)["Cases"] == "0"  # the east street had nothing reported 05-20 … 05-26


def test_switching_to_english_changes_the_labels(tiny_app: AppTest) -> None:
    tiny_app.run()
    tiny_app.sidebar.radio(key="lang").set_value("en").run()
    assert not tiny_app.exception
    assert set(metrics(tiny_app)) >= {"Cases", "Closure rate", "On-time closure", "Overdue pending"}
    assert tiny_app.sidebar.selectbox(key=widget_key("period", "en")).label == "Period"
    assert tiny_app.selectbox(key=widget_key("measure", "en")).label == "Shade areas by"
    assert "Reported 2024-05-01 to 2024-05-30" in [c.value for c in tiny_app.sidebar.caption]
    assert [button.label for button in tiny_app.get("download_button")] == [
        "Cases CSV",
        "Cases GeoJSON",
        "Areas CSV",
        "Areas GeoJSON",
    ]
    assert tiny_app.sidebar.multiselect(key=widget_key("onemap_status", "en")).options[:2] == ["Reported", "Rejected"]
    tiny_app.switch_page(OVERVIEW).run()
    assert not tiny_app.exception
    assert set(metrics(tiny_app)) >= {"Cases", "Closed", "Closure rate", "Overdue pending now", "District"}


def test_the_filters_narrow_the_map_page(tiny_app: AppTest) -> None:
    tiny_app.run()
    tiny_app.sidebar.multiselect(key=widget_key("onemap_channel", "zh")).set_value(["hotline"]).run()
    assert metrics(tiny_app)["上报案件"] == "2"
    tiny_app.sidebar.multiselect(key=widget_key("onemap_channel", "zh")).set_value([]).run()
    tiny_app.sidebar.multiselect(key=widget_key("onemap_status", "zh")).set_value(["closed", "evaluated"]).run()
    assert metrics(tiny_app)["上报案件"] == "3"
    assert metrics(tiny_app)["结案率"] == "100.0%"


def test_export_buttons_are_there(tiny_app: AppTest) -> None:
    tiny_app.run()
    assert [button.label for button in tiny_app.get("download_button")] == DOWNLOADS
    helps = [button.proto.help for button in tiny_app.get("download_button")]
    assert helps[0] == "当前筛选和区域下的全部 8 件案件（不只地图上的点），联系人已脱敏"
    assert all(button.proto.deferred_file_id for button in tiny_app.get("download_button"))  # built on a click


@pytest.mark.parametrize(
    ("max_points", "caption"),
    [("100", "显示 7 / 共 7 件"), ("3", "有坐标的案件共 7 件，超过 3 件上限")],
)
def test_points_are_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, max_points: str, caption: str) -> None:
    app = _app(located_db(tmp_path / "onemap.duckdb"), monkeypatch, tmp_path, max_points=max_points).run()
    assert not app.exception
    assert any(c.value.startswith(caption) for c in app.caption)


# ---------------------------------------------------------------- every page, empty and first start
def test_an_empty_database_shows_zeros(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from etl.schema import apply_schema

    db_path = tmp_path / "empty.duckdb"
    with duckdb.connect(str(db_path)) as con:
        apply_schema(con)
    app = _app(db_path, monkeypatch, tmp_path).run()
    assert not app.exception
    assert {label: metrics(app)[label] for label in ("上报案件", "结案率", "超期待处置")} == {
        "上报案件": "0",
        "结案率": "—",
        "超期待处置": "0",
    }
    assert "数据库中还没有案件" in [caption.value for caption in app.sidebar.caption]
    today = local_now("Asia/Shanghai").date()
    assert f"{today} 时没有有效的网格" in [caption.value for caption in app.sidebar.caption]
    app.switch_page(OVERVIEW).run()
    assert not app.exception
    assert metrics(app) == {"上报案件": "0", "已结案": "0", "结案率": "—", "当前超期待处置": "0"}
    assert [info.value for info in app.info] == [f"{today} 时没有有效的网格"]
    app.switch_page(DISPATCH).run()
    assert not app.exception
    assert metrics(app)["I级预警"] == "0" and metrics(app)["待处置"] == "0"


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
        db_path.parent.mkdir(exist_ok=True)  # the access store beside it is there already
        build_tiny_db(db_path)
        return []

    # The real demo runs the whole ETL (tested with the ETL); here only the app's first-start path.
    import demo

    monkeypatch.setattr(demo, "build_demo", build_demo)
    app = _app(db_path, monkeypatch, tmp_path, demo_on_first_start="true").run()
    assert not app.exception
    assert calls == [(db_path, db_path.parent / "demo", False)]
    assert metrics(app)["上报案件"] == "8"


def test_a_missing_database_at_a_configured_path_is_named_not_replaced_by_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import demo

    monkeypatch.setattr(demo, "build_demo", lambda *args, **kwargs: pytest.fail("the demo must not be built"))
    db_path = tmp_path / "typo" / "onemap.duckdb"
    app = _app(db_path, monkeypatch, tmp_path).run()
    assert not app.exception
    (error,) = app.error
    assert f"找不到数据库：there is no database at {db_path}" in error.value
    assert "demo_on_first_start" in error.value
    assert not db_path.exists() and not app.metric  # nothing built, nothing drawn


def badges(app: AppTest) -> list[str]:
    return [m.value for m in app.markdown if "badge[" in m.value]


def test_a_demo_database_says_so_on_every_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(build_tiny_db(tmp_path / "real.duckdb"), monkeypatch, tmp_path).run()
    assert badges(app) == []  # a city's own data: no label
    db_path = build_tiny_db(tmp_path / "onemap.duckdb")
    with duckdb.connect(str(db_path)) as con:  # what demo.build_demo writes in the commit that loads the demo
        con.execute("""INSERT INTO schema_meta VALUES ('demo', '{"seed": 42}')""")
    for page in PAGES:
        app = _app(db_path, monkeypatch, tmp_path).run()
        app.switch_page(page).run()
        assert not app.exception
        assert len([b for b in badges(app) if "演示数据" in b]) == 2  # in the sidebar and above the page
        assert any("演示数据" in b for b in (m.value for m in app.sidebar.markdown))


def test_one_overdue_number_on_the_map_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # t:3 and t:7 are overdue at the end of May; t:7 was reported in April (and t:8 has no coordinates)
    app = _app(located_db(tmp_path / "onemap.duckdb"), monkeypatch, tmp_path).run()
    assert not app.exception
    assert metrics(app)["超期待处置"] == "2"  # before: 1, the cases reported in May only
    assert map_names(app, "已超期 2", "即将超期 0") == [True, True]  # the legend counts the same cases
    unlocated = located_db(tmp_path / "other.duckdb")
    with duckdb.connect(str(unlocated)) as con:  # one of them without coordinates
        con.execute("UPDATE cases SET lon = NULL, lat = NULL WHERE case_uid = 't:7'")
    app = _app(unlocated, monkeypatch, tmp_path).run()
    assert metrics(app)["超期待处置"] == "2"
    assert map_names(app, "已超期 2", "其中 1 件无坐标或超出点数上限，未画出") == [True, True]


def test_the_configured_basemaps_are_offered_on_the_map_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(build_tiny_db(tmp_path / "onemap.duckdb"), monkeypatch, tmp_path).run()
    assert not [box for box in app.selectbox if (box.key or "").startswith("onemap_basemap")]  # one: no box
    app = _app(build_tiny_db(tmp_path / "b.duckdb"), monkeypatch, tmp_path, basemaps="osm").run()
    box = app.selectbox(key=widget_key("onemap_basemap", "zh"))
    assert (box.label, box.options, box.value) == ("底图", ["无底图（仅网格）", "OpenStreetMap"], "none")
    assert map_names(app, "tile.openstreetmap.org") == [False]
    box.set_value("osm").run()
    assert not app.exception
    assert map_names(app, "tile.openstreetmap.org") == [True]
    app.sidebar.radio(key="lang").set_value("en").run()  # the choice survives a language switch
    assert app.selectbox(key=widget_key("onemap_basemap", "en")).value == "osm"
    assert map_names(app, "tile.openstreetmap.org") == [True]

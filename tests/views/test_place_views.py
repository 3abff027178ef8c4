"""The place pages composed without Streamlit, on the place city: the 视频 page's funnel, flagged cameras, coverage
and map; the area page's six elements (absent shown as absent), life circles and ledger; the 物联感知 page."""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import pandas as pd
import pytest
from place_db import EAST, WEST_C, build_place_db

from settings import load_settings
from views import area, iot, video
from views.calls import on
from views.scope import resolve
from views.state import ViewState

NOW = dt.datetime(2025, 6, 3, 12, 30)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    path = build_place_db(tmp_path_factory.mktemp("place_views"))
    with duckdb.connect(str(path), read_only=True) as con:
        yield on(con)


@pytest.fixture(scope="module")
def settings():
    return load_settings()


def scope_of(run, **state) -> object:
    view = ViewState(preset="custom", start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 3), **state)
    return resolve(view, run, today=dt.date(2025, 6, 3), days=30, overview_depth=2)


def test_the_video_page(run, settings) -> None:
    scope = scope_of(run)
    page = video.video_page(scope, run, settings=settings, now=NOW, choice=video.VideoChoice(by="area", camera="K1"))
    assert int(page.total["events"]) == 5 and set(page.funnel["key"]) == {"340104001", EAST}
    assert list(video.funnel_table(page.funnel).columns) == list(video.FUNNEL_COLUMNS)
    assert page.camera_daily["events"].tolist() == [3] and len(page.camera_alarms) == 3
    matrix = video.coverage_matrix(page.coverage, lang="zh")
    assert matrix.loc["西街道", "暴露垃圾"] == 1 and matrix.loc["东街道", "道路破损"] == 0
    assert "道路破损" in video.uncovered_scenes(page.coverage)["东街道"]
    figure = video.funnel_figure(page.total, lang="en")
    assert list(figure.data[0].x) == [5, 3, 2, 1, 1] and figure.data[0].y[0] == "Alarms"
    html = video.video_map(page, choice=video.VideoChoice(colour_by="false_positive_rate"), lang="zh",
                           settings=settings).get_root().render()  # fmt: skip
    assert "东口" in html and "误报率" in html
    assert video.group_label("area", run(video.QueryCall.of(video.queries.level_names)), "en") == "Street"
    with pytest.raises(ValueError, match="by must be one of"):
        video.VideoChoice(by="all")


def figures(page: area.AreaPage, element: str) -> dict[str, area.Figure]:
    return {figure.key: figure for figure in page.elements[element]}


def test_the_area_page_shows_absent_as_absent(run, settings) -> None:
    page = area.area_page(scope_of(run), run, settings=settings, now=NOW, circle_kind="service_station")
    assert [element for element in page.elements] == list(area.ELEMENTS)
    components = figures(page, "things")["things.component"]
    assert components.absent and area.figure_text(components, "zh") == "未接入"
    assert area.figure_text(figures(page, "people")["people.disabled"], "en") == "Not loaded"
    cameras = figures(page, "things")["things.camera"]
    assert (cameras.value, cameras.absent) == (3.0, False)
    assert figures(page, "events")["events.repeated"].value == 1.0
    assert page.gaps["code"].tolist() == ["340104002001"]
    assert page.basic.empty  # everything: no grid's ledger
    html = area.area_map(page, circle_kind="service_station", lang="zh", settings=settings).get_root().render()
    assert area.GAP_COLOUR in html and "未覆盖" in html
    assert area.circle_radius(settings) == pytest.approx(960.0)


def test_a_grid_has_its_table_and_ledger(run, settings) -> None:
    page = area.area_page(scope_of(run, area=WEST_C), run, settings=settings, now=NOW, circle_kind=None)
    rows = area.basic_rows(page.basic, lang="zh").set_index("item")["value"]
    assert rows["人口"] == "1,200" and rows["户数"] == "—" and rows["用地性质"] == "居住"
    assert page.ledger["visits"].tolist() == [1]  # the period ends on 06-03
    assert page.workers["worker_name"].tolist() == ["李建国"]
    people = figures(page, "people")
    assert people["people.elderly_alone"].value == 0.0 and not people["people.elderly_alone"].absent


def test_counting_by_incident_reaches_every_query(run) -> None:
    scope = scope_of(run, count_by="incident")
    assert scope.case_filters()["count_by"] == "incident"
    assert "count_by" not in scope_of(run).case_filters()  # the default stays out of the calls' keys
    calls = area.area_calls(scope, settings=load_settings(), now=NOW, circle_kind=None, ledger=False)
    assert dict(calls["figures"].kwargs)["count_by"] == "incident"
    by_incident = run(calls["figures"])["cases"].iloc[0]
    by_report = run(area.area_calls(scope_of(run), settings=load_settings(), now=NOW, circle_kind=None,
                                    ledger=False)["figures"])["cases"].iloc[0]  # fmt: skip
    assert (by_report, by_incident) == (3, 2)


def test_the_iot_page(run, settings) -> None:
    scope = scope_of(run)
    page = iot.iot_page(scope, run, settings=settings, now=NOW)
    assert page.loaded and int(page.summary["alarms"]) == 4
    assert page.unanswered["alarm_id"].tolist() == ["A3"]  # 30 minutes without an answer at 12:30
    built, shown = iot.iot_map(page, lang="en", settings=dataclasses.replace(settings, max_points=1))
    assert shown == 1 and "Alarm" in built.get_root().render()  # the one drawn is the one in alarm
    assert iot.minutes_text(float("nan"), "zh") == "—" and iot.minutes_text(2.5, "en") == "2.5 min"
    assert isinstance(page.kpis, pd.DataFrame) and set(page.kpis["code"]) == {"340104001", EAST}

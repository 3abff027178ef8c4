"""The dispatch page without Streamlit: what the wall screen and the weekly report call (warning counts, the latest
warnings, the red and black lists), the tables as shown in both languages, their CSV, the map and the charts."""

from __future__ import annotations

import re
from collections.abc import Iterator

import duckdb
import pandas as pd
import pytest
from dispatch_city import NOW, WEEK_A, WEEK_C, WEEK_D

import queries
from layers import use_local_assets
from settings import Settings
from views import dispatch, dispatch_tables
from views.calls import QueryCall, Runner, on
from views.dispatch_charts import handoff_sankey, step_light_bars
from views.dispatch_map import DispatchMapView, case_at, dispatch_map, whistle_status
from views.i18n import LANGUAGES
from views.scope import Scope, resolve
from views.state import ViewState


@pytest.fixture(scope="module")
def run(dispatch_city: Settings) -> Iterator[Runner]:
    with duckdb.connect(str(dispatch_city.db_path), read_only=True) as con:
        yield on(con)


def scope_of(run: Runner, days, lang: str = "zh", **filters) -> Scope:
    state = ViewState(preset="custom", start=days[0], end=days[1], lang=lang, **filters)
    return resolve(state, run, today=NOW.date(), days=30, overview_depth=2)


def test_what_other_pages_call(run, dispatch_city: Settings) -> None:
    overview = dispatch.warning_overview(scope_of(run, WEEK_D), run, settings=dispatch_city, now=NOW, latest=3)
    assert overview.counts.to_dict("list") == {"level": [1, 2, 3], "warnings": [4, 3, 3]}
    assert overview.latest["rule_id"].tolist() == ["I-IOT", "I-SPIKE", "I-URGENT"]
    assert overview.bad_rules == {}
    red, black = dispatch.red_black(scope_of(run, WEEK_C), run, settings=dispatch_city, now=NOW)
    assert (red["unit"].tolist(), black["unit"].tolist()) == (["ZJ"], ["SC"])


def test_lights_per_step(run, dispatch_city: Settings) -> None:
    lights = dispatch.light_counts(scope_of(run, WEEK_D), run, settings=dispatch_city, now=NOW)
    counts = dispatch.step_light_counts(lights)
    assert counts.loc["accept"].tolist() == [1, 0, 2, 0]  # red, yellow, green, none: L1; L12, L13
    assert counts.loc["handle"].tolist() == [3, 1, 1, 0]  # L4 L6 L7; L5; L9
    assert counts.loc[["dispatch", "sign", "check", "close"]].values.tolist() == [
        [1, 0, 0, 0],
        [0, 1, 1, 0],
        [0, 1, 0, 0],
        [1, 0, 0, 0],
    ]
    assert counts.loc["register"].sum() == 0
    # pending: L1-L8, L12, L13; due soon L2, L5; overdue L4, L6, L7, L8 (L6 urgent, L7 supervised)
    assert dispatch.pending_totals(lights).to_dict() == {
        "pending": 10,
        "due_soon": 2,
        "overdue": 4,
        "urgent_pending": 1,
        "supervised_pending": 1,
    }
    figure = step_light_bars(counts, lang="en")
    assert [trace.name for trace in figure.data] == ["Red (over the limit)", "Yellow (about to be late)", "Green"]


def test_a_case_timeline_marks_the_hand_offs(run, dispatch_city: Settings) -> None:
    found = dispatch.timeline("t:R1", run, settings=dispatch_city, now=NOW)
    assert found is not None
    # returns (seq 5, 7) and dispatches to another department than the one before (seq 6, 8)
    assert found.flow.loc[found.flow["handoff"], "seq"].tolist() == [5, 6, 7, 8]
    assert found.steps.set_index("step").loc["dispatch", "elapsed"] == pytest.approx(10 / 60)  # to the first
    assert dispatch.timeline("t:nope", run, settings=dispatch_city, now=NOW) is None
    assert dispatch.find_case("R1", run) == "t:R1" and dispatch.find_case("nope", run) is None


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_table_as_shown_has_its_headers_in_both_languages(run, dispatch_city: Settings, lang: str) -> None:
    depts = run(QueryCall.of(queries.department_names))
    categories = run(QueryCall.of(queries.category_names))
    scope_c, scope_d = scope_of(run, WEEK_C, lang), scope_of(run, WEEK_D, lang)
    lit = dispatch.light_cases(scope_d, run, settings=dispatch_city, now=NOW, pick="late")
    found = dispatch.warnings(scope_d, run, settings=dispatch_city, now=NOW)
    hand = dispatch.handoffs(scope_of(run, WEEK_A, lang), run)
    whistles = dispatch.whistles(scope_d, run)
    timeline = dispatch.timeline("t:R1", run, settings=dispatch_city, now=NOW)
    assert timeline is not None
    tables = {
        "board": dispatch_tables.board_table(
            dispatch.board(scope_c, run, settings=dispatch_city, now=NOW, kinds=None), lang=lang
        ),
        "ranking": dispatch_tables.ranking_table(
            dispatch.ranking(scope_c, run, settings=dispatch_city, now=NOW, level="department"), lang=lang
        ),
        "lights": dispatch_tables.lights_table(lit, lang=lang, categories=categories, departments=depts),
        "warnings": dispatch_tables.warnings_table(
            found,
            lang=lang,
            rules=run(QueryCall.of(queries.warning_rules)),
            categories=categories,
            departments=depts,
            areas=run(QueryCall.of(queries.area_tree, at=scope_d.at)),
        ),
        "chains": hand.chains,
        "categories": hand.categories,
        "cases": hand.cases,
        "whistles": dispatch_tables.whistle_table(whistles.whistles, lang=lang, departments=depts),
        "whistles_by_dept": whistles.by_dept,
        "flow": dispatch_tables.flow_table(
            timeline.flow, lang=lang, states=run(QueryCall.of(queries.state_names)), departments=depts
        ),
        "steps": dispatch_tables.steps_table(timeline.steps, lang=lang),
    }
    for name, table in tables.items():
        assert not table.empty, name
        headers = [dispatch_tables.column_label(column, lang) for column in table.columns]  # KeyError when missing
        assert all(headers), name
    board = tables["board"].set_index("dept_code")
    assert board.loc["CG", "kind"] == {"zh": "职能部门", "en": "Functional"}[lang]
    assert (
        tables["ranking"]["list"].tolist() == {"zh": ["红榜", "", "黑榜"], "en": ["Red list", "", "Black list"]}[lang]
    )
    figures = dict(zip(tables["warnings"]["rule_id"], tables["warnings"]["figures"], strict=False))
    assert (
        figures["I-IOT"]
        == {"zh": "上报 40 分钟未受理或派遣 ≥ 30", "en": "unanswered 40 min after the alarm ≥ 30"}[lang]
    )
    assert figures["II-CLUSTER"] == {"zh": "24 小时内同类 5 件 ≥ 5", "en": "5 cases of one class in 24 h ≥ 5"}[lang]
    assert "FDR p = 0.00108" in figures["I-SPIKE"]
    assert tables["steps"].iloc[4]["limit"] == {"zh": "2 工作小时", "en": "2 working h"}[lang]  # R1's handling


def test_the_csv_download_is_the_table_in_the_language(run, dispatch_city: Settings) -> None:
    board = dispatch.board(scope_of(run, WEEK_C), run, settings=dispatch_city, now=NOW, kinds=None)
    text = dispatch_tables.csv(dispatch_tables.board_table(board, lang="zh"), lang="zh").decode("utf-8-sig")
    header, first = text.splitlines()[:2]
    assert header.startswith(
        "部门编码,责任部门,类型,待处置,即将超期,超期待处置,紧急待处置,督办待处置,今日处置,在部门时长中位数（小时）,按期处置率"
    )
    assert first.startswith("CG,城管局,职能部门,4,2,2,1,0,1,23.0,0.6,")
    english = dispatch_tables.csv(dispatch_tables.board_table(board, lang="en"), lang="en").decode("utf-8-sig")
    assert english.splitlines()[0].startswith("Department code,Department,Kind,Pending,Due soon,Overdue pending")


def test_the_map_shows_the_layers_and_finds_a_clicked_case(run, dispatch_city: Settings) -> None:
    scope = scope_of(run, WEEK_D)
    lit = dispatch.light_cases(scope, run, settings=dispatch_city, now=NOW, pick="pressing").assign(
        step_name="s", dept_name="d", category_name="c"
    )
    listed = dispatch.whistles(scope, run).whistles
    listed = listed.assign(status=whistle_status(listed), initiator="i", arrivals="a")
    assert listed.set_index("whistle_id")["status"].to_dict() == {"W1": "late", "W2": "absent"}
    found = dispatch.warnings(scope, run, settings=dispatch_city, now=NOW)
    found = found.assign(rule_name=found["name_zh"], figures="f", subject_name="s")
    view = DispatchMapView(
        areas=run(QueryCall.of(queries.grid_polygons, depth=2, at=scope.at)),
        lights=lit,
        warnings=found,
        whistles=listed,
        chosen=lit[lit["dept_code"] == "CG"],
        case=lit[lit["case_uid"] == "t:L4"],
    )
    m = dispatch_map(view, settings=dispatch_city)
    use_local_assets(m, base_url="/app/static/vendor")  # as the page shows it
    html = m.get_root().render()
    for name in ("在办案件红绿灯", "三级预警", "吹哨报到", "所选部门在办案件", "西街道"):
        assert name in html or name.encode("unicode_escape").decode() in html, name
    assert re.findall(r"https?://", html) == []  # nothing from the internet
    l4 = lit.set_index("case_uid").loc["t:L4"]
    assert case_at(view, lat=float(l4["lat"]), lon=float(l4["lon"]), settings=dispatch_city) in set(lit["case_uid"])
    assert case_at(view, lat=0.0, lon=0.0, settings=dispatch_city) is None


def test_the_sankey_names_first_and_last_departments(run) -> None:
    flows = dispatch.handoffs(scope_of(run, WEEK_A), run).flows
    figure = handoff_sankey(flows, run(QueryCall.of(queries.department_names)), lang="zh")
    assert list(figure.data[0].node.label) == [
        "首派：城管局",
        "首派：市场监管局",
        "首派：住建局",
        "处置：城管局",
        "处置：住建局",
    ]
    assert list(figure.data[0].link.value) == [1, 1, 1]
    # R1 went back to where it started (城管局 → … → 城管局): the others ended elsewhere, drawn in red
    assert pd.Series(figure.data[0].link.color).str.startswith("rgba(215").tolist() == [False, True, True]

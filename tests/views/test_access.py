"""The one rule of who may read what (``views.access``), without Streamlit: a table of calls and how each is
confined; every query has a rule; and a reader bound to the west street who tries to reach the east street's
cases through every entry point a view has (the URL's area, a filter, a drill-down, the map's calls, an export,
a call built by hand) gets the west street or a refusal, never an east case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from tiny_db import EAST, MAY, WEST, build_tiny_db

import queries
from core.access import Principal
from queries.db import LiveDatabase
from settings import Settings
from views.access import CONFINEMENT, EVERYTHING, Access, AccessDeniedError
from views.calls import QueryCall, on
from views.pages import map_calls, map_page, overview_calls, points_call
from views.scope import Scope, resolve
from views.state import ViewState

WEST_COMMUNITY, EAST_COMMUNITY = "340102002001", "340102001001"
TODAY = dt.date(2024, 5, 30)
NOW = dt.datetime(2024, 5, 30, 18, 0)
#: The tiny city's cases by street (tiny_db's table): t:8 lies outside every grid.
EAST_CASES, WEST_CASES = {"t:1", "t:2", "t:3", "t:7", "t:9"}, {"t:4", "t:5", "t:6"}


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path = build_tiny_db(tmp_path_factory.mktemp("access") / "onemap.duckdb")
    with duckdb.connect(str(path)) as writer:  # every case located in its community (t:8 stays outside)
        writer.execute("UPDATE cases SET lon = 117.12, lat = 31.05 WHERE grid_l3 = '340102001001'")
        writer.execute("UPDATE cases SET lon = 117.17, lat = 31.05 WHERE grid_l3 = '340102001002'")
        writer.execute("UPDATE cases SET lon = 117.05, lat = 31.05 WHERE grid_l3 = '340102002001'")
    with LiveDatabase(Path(path)).cursor() as cursor:
        yield cursor


def west(con: duckdb.DuckDBPyConnection, role: str = "analyst") -> Access:
    return Access.of(Principal("wang", role, WEST), on(con))


def test_every_query_has_a_confinement_rule() -> None:
    assert set(CONFINEMENT) == set(queries.QUERIES)


def test_a_bound_readers_access(con: duckdb.DuckDBPyConnection) -> None:
    access = west(con)
    assert (access.area, access.area_depth, access.codes) == (WEST, 2, {WEST, WEST_COMMUNITY})
    assert access.allows(WEST_COMMUNITY) and not access.allows(EAST) and not access.allows(None)
    nowhere = Access.of(Principal("li", "analyst", "999999"), on(con))  # a code no grid has
    assert nowhere.codes == {"999999"} and nowhere.area_depth is None


@pytest.mark.parametrize(
    ("call", "confined"),
    [
        (QueryCall.of(queries.case_count), QueryCall.of(queries.case_count, area=WEST, area_depth=2)),
        (
            QueryCall.of(queries.case_count, area=WEST_COMMUNITY, area_depth=3),
            QueryCall.of(queries.case_count, area=WEST_COMMUNITY, area_depth=3),
        ),
        (
            QueryCall.of(queries.area_tree, at=NOW),
            QueryCall.of(queries.area_tree, at=NOW, within=WEST),
        ),
        (
            QueryCall.of(queries.area_measures, depth=3, parent=None, at=NOW),
            QueryCall.of(queries.area_measures, depth=3, parent=None, at=NOW, area=WEST, area_depth=2, within=WEST),
        ),
        (QueryCall.of(queries.cameras, area=None), QueryCall.of(queries.cameras, area=WEST)),
        (QueryCall.of(queries.category_names), QueryCall.of(queries.category_names)),
    ],
)
def test_calls_are_confined_to_the_readers_area(
    con: duckdb.DuckDBPyConnection, call: QueryCall, confined: QueryCall
) -> None:
    access = west(con)
    assert access.confine(call) == confined
    assert access.confine(confined) == confined  # confining twice changes nothing
    assert EVERYTHING.confine(call) == call


@pytest.mark.parametrize(
    "call",
    [
        QueryCall.of(queries.case_count, area=EAST),
        QueryCall.of(queries.case_export, limit=10, area=[WEST, EAST_COMMUNITY]),
        QueryCall.of(queries.area_tree, at=NOW, within=EAST),
        QueryCall.of(queries.facilities, area=EAST),
        QueryCall.of(queries.areas_within, area=EAST),
    ],
)
def test_calls_outside_the_area_are_refused(con: duckdb.DuckDBPyConnection, call: QueryCall) -> None:
    with pytest.raises(AccessDeniedError, match="wang \\(analyst\\) is bound to area 340102002"):
        west(con).confine(call)


def test_single_cases_need_the_permission(con: duckdb.DuckDBPyConnection) -> None:
    screen = west(con, "screen")
    for call in (
        QueryCall.of(queries.case_points, limit=10),
        QueryCall.of(queries.case_export, limit=10),
        QueryCall.of(queries.deadline_alerts, as_of=NOW, warn_fraction=0.8, limit=5, work_periods=((480, 720),)),
    ):
        with pytest.raises(AccessDeniedError, match=f"may not run {call.query}"):
            screen.confine(call)
    assert screen.layers(("bins", "points", "alerts", "cameras")) == ("bins", "cameras")
    assert west(con).layers(("points", "alerts")) == ("points", "alerts")


def _scope(con: duckdb.DuckDBPyConnection, state: ViewState, access: Access) -> Scope:
    settings = Settings()
    return resolve(state, on(con), today=TODAY, days=30, overview_depth=settings.overview_map_depth, access=access)


def _uids(frame: pd.DataFrame) -> set[str]:
    return set(frame["case_uid"])


def test_no_entry_point_reaches_the_other_street(con: duckdb.DuckDBPyConnection) -> None:
    access, settings = west(con), Settings()
    run = access.runner(on(con))

    # the URL names the east street (and a community of it): the reader's own street is shown, and says so
    for url_area in (EAST, EAST_COMMUNITY):
        scope = _scope(con, ViewState.from_query({"area": url_area, "period": "last_month"}), access)
        assert scope.area is None and scope.area_denied and [a.code for a in scope.chain] == [WEST]
    # the drill-down: the west street is the top of the tree; its community is the only way down
    scope = _scope(con, ViewState(preset="custom", start=MAY["start"], end=MAY["end"]), access)
    tree = run(QueryCall.of(queries.area_tree, at=scope.at))
    assert set(tree["code"]) == {WEST, WEST_COMMUNITY}
    assert scope.map_parent == WEST
    drilled = _scope(con, scope.state.replace(area=WEST_COMMUNITY), access)
    assert drilled.area == WEST_COMMUNITY and not drilled.area_denied
    # every call of the map page and the overview: only west figures
    page = map_page(scope, run, settings=settings, now=NOW)
    assert set(page.view.areas["code"]) == {WEST_COMMUNITY}
    assert int(page.figures["cases"]) == 3
    assert _uids(page.view.points) == WEST_CASES and _uids(page.view.alerts) <= WEST_CASES
    overview = {name: run(call) for name, call in overview_calls(scope, settings=settings, now=NOW).items()}
    assert int(overview["summary"]["cases"].iloc[0]) == 3
    assert set(overview["grids"]["code"]) == {WEST}
    assert run(QueryCall.of(queries.data_extent))["cases"].tolist() == [3]
    # a filter that only the east street's cases match (department A, category 06010): nothing
    filtered = _scope(con, scope.state.replace(dept=("A",), category=("06010",)), access)
    assert run(QueryCall.of(queries.case_export, limit=100, **filtered.case_filters())).empty
    # the export of what the screen shows, and one built by hand without any area: west cases only
    assert _uids(run(QueryCall.of(queries.case_export, limit=100, **scope.case_filters()))) == WEST_CASES
    assert _uids(run(QueryCall.of(queries.case_export, limit=100))) == WEST_CASES
    # a call built by hand for the east street, as a crafted cache key would be: refused
    with pytest.raises(AccessDeniedError):
        run(QueryCall.of(queries.case_points, limit=100, area=EAST))


def test_a_screen_reader_gets_aggregates_only(con: duckdb.DuckDBPyConnection) -> None:
    screen = west(con, "screen")
    state = ViewState(preset="custom", start=MAY["start"], end=MAY["end"], layers=("points", "alerts", "bins"))
    scope = _scope(con, state, screen)
    assert scope.state.layers == ("bins",)
    calls = map_calls(scope, settings=Settings(), now=NOW)
    assert "alerts" not in calls and {c.query for c in calls.values()}.isdisjoint({"case_points", "deadline_alerts"})
    assert points_call(scope, total=3, settings=Settings()) is None
    page = map_page(scope, screen.runner(on(con)), settings=Settings(), now=NOW)
    assert page.view.points.empty and page.view.alerts.empty and int(page.figures["cases"]) == 3


def test_an_unbound_reader_sees_everything(con: duckdb.DuckDBPyConnection) -> None:
    scope = _scope(con, ViewState(preset="custom", start=MAY["start"], end=MAY["end"]), EVERYTHING)
    assert scope.area is None and not scope.area_denied
    everyone = Access.of(Principal("zhao", "supervisor"), on(con))
    assert not everyone.bound
    export = everyone.runner(on(con))(QueryCall.of(queries.case_export, limit=100))
    assert _uids(export) == EAST_CASES | WEST_CASES | {"t:8"}

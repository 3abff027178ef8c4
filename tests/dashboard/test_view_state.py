"""One URL, one view, the same figures: the map page (through Streamlit and its cache) and any other reader of the
views (a wall screen, a report: ``ViewState.from_query`` → ``resolve`` → ``views.pages`` on a cursor of their own)
build the same ``ViewState`` and ``Scope`` from the same query string, issue the same query calls and get identical
frames, for every period preset and a drilled-down area."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from signed_in import signed_in
from streamlit.testing.v1 import AppTest
from tiny_db import EAST, build_tiny_db

import core.clock
from queries.db import LiveDatabase
from settings import Settings
from views.access import Access
from views.calls import QueryCall, on
from views.pages import map_calls, points_call
from views.periods import PRESETS
from views.scope import resolve
from views.state import ViewState

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2024, 6, 1, 10, 0)
COMMUNITY = "340102001001"
QUERIES = [
    *({"period": preset} for preset in PRESETS if preset != "custom"),
    {"period": "custom", "start": "2024-05-03", "end": "2024-05-20"},
    {"period": "last_week", "area": EAST, "lang": "en"},
    {"period": "this_month", "area": COMMUNITY, "channel": "patrol,hotline", "measure": "closure_rate"},
    {"area": EAST, "status": "handling", "layers": "heat,points"},
]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return build_tiny_db(tmp_path / "onemap.duckdb")


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_the_page_and_a_reader_without_streamlit_see_the_same_view(
    query: dict[str, str], db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard import cache

    monkeypatch.setenv("ONEMAP_DB_PATH", str(db_path))
    monkeypatch.setenv("ONEMAP_CONFIG", str(tmp_path / "no-such.toml"))
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(core.clock, "local_minute", lambda timezone: NOW)
    seen: dict[QueryCall, pd.DataFrame] = {}
    original = cache.frame

    def recording(settings: Settings, call: QueryCall, access: Access | None = None) -> pd.DataFrame:
        seen[call] = original(settings, call, access)
        return seen[call]

    monkeypatch.setattr(cache, "frame", recording)
    app = signed_in(AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60), db_path)
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception
    page_state, page_scope = app.session_state["onemap_view"], app.session_state["onemap_scope"]

    state = ViewState.from_query(query)
    assert ViewState.problems(query) == []
    assert page_state == state
    settings = Settings(db_path=db_path)
    with LiveDatabase(db_path).cursor() as con:
        run = on(con)
        scope = resolve(state, run, today=NOW.date(), days=settings.default_range_days, overview_depth=2)
        assert page_scope == scope
        calls = map_calls(scope, settings=settings, now=NOW)
        total = int(run(calls["points_total"]).iloc[0]["cases"])
        points = points_call(scope, total=total, settings=settings)
        for call in [*calls.values(), *([points] if points else [])]:
            assert call in seen, f"the page did not run {call}"
            pd.testing.assert_frame_equal(run(call), seen[call], obj=call.query)
    url = {key: values[-1] if isinstance(values, list) else values for key, values in app.query_params.items()}
    assert url == state.to_query()  # the URL names the same view again

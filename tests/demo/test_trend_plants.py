"""The demo city plants a pattern for each trend and hotspot analysis and records it (``planted_trends.json``): on a
small demo loaded by the real ETL, every analysis finds its pattern and leaves the flat control alone. And the
recurrence section's bounded reads give what it computed from every matching case before."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator

import duckdb
import pandas as pd
import pytest

import queries
from analytics.recurrence import near_repeats
from demo import build_demo
from queries.db import LiveDatabase
from queries.filters import case_filters
from settings import Settings
from views import trends
from views.calls import QueryCall, on
from views.scope import Scope, resolve
from views.state import ViewState

pytestmark = pytest.mark.slow


END = dt.date(2026, 11, 26)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict]:
    root = tmp_path_factory.mktemp("planted")
    settings = dataclasses.replace(Settings(), db_path=root / "onemap.duckdb")
    build_demo(settings, cases=30_000, days=140, seed=7, out_dir=root / "demo", end=END)
    return settings, json.loads((root / "demo" / "planted_trends.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def con(built) -> Iterator[duckdb.DuckDBPyConnection]:
    with LiveDatabase(built[0].db_path).cursor() as cursor:
        yield cursor


@pytest.fixture(scope="module")
def planted(built, con) -> tuple[dict, Scope, object]:
    run = on(con)
    state = ViewState(preset="custom", start=END - dt.timedelta(days=27), end=END)
    return built[1], resolve(state, run, today=END, days=30, overview_depth=2), run


def test_the_rising_class_is_found_and_the_control_is_not(planted) -> None:
    truth, scope, run = planted
    table, _ = trends.rising_table(scope, run, depth=2, weeks=12, min_cases=10)
    found = table.set_index(["code", "category_code"])["direction"]
    assert found[(truth["rising"]["street"], truth["rising"]["category"])] == "rising"
    assert found[(truth["flat"]["street"], truth["flat"]["category"])] == "flat"


def test_the_persistent_and_the_new_hot_spots_emerge(planted) -> None:
    truth, scope, run = planted
    found = trends.emerging(scope, run, depth=4, weeks=16).set_index("code")["pattern"]
    persistent = found[truth["persistent"]]
    assert (persistent == "persistent_hot").sum() >= 3, persistent.to_dict()
    assert set(persistent) <= {"persistent_hot", "intensifying_hot", "diminishing_hot"}
    assert (found[truth["new"]] == "new_hot").sum() >= 3, found[truth["new"]].to_dict()


def test_gi_star_marks_the_persistent_cluster_hot(planted) -> None:
    truth, scope, run = planted
    table = trends.hotspots(scope, run, depth=4, seed=1).table.set_index("code")
    assert table.loc[truth["persistent"], "class"].str.startswith("hot_").all()
    assert table["class"].str.startswith("hot_").sum() <= 40  # the clusters and their neighbourhoods, not the city


def test_the_spike_day_is_the_most_surprising(planted) -> None:
    truth, scope, run = planted
    found = trends.spike_table(scope, run, depth=4, unit="day")
    top = found.iloc[0]
    assert (top["code"], top["category_code"]) == (truth["spike"]["grid"], truth["spike"]["category"])
    assert top["p_fdr"] < 1e-6


def test_the_chronic_addresses_are_listed(planted) -> None:
    truth, scope, run = planted
    found = trends.chronic_places(scope, run, place="address", min_cases=6, days=30)
    listed = set(zip(found["address"], found["category_code"], strict=True))
    assert {(c["address"], c["category"]) for c in truth["chronic"]} <= listed


# ---------------------------------------------------------------- recurrence: the bounded reads against every case
def _every_case(con: duckdb.DuckDBPyConnection, **filters) -> pd.DataFrame:
    """Every matching case with a class, as the recurrence section read them before (``recurrence_cases``)."""
    where, params = case_filters(**filters)
    sql = f"""
        SELECT c.case_uid, c.grid_code, c.address, c.category_code, c.reported_at, c.lon, c.lat, c.status,
               c.rework_count, c.return_count
        FROM cases c WHERE c.category_code IS NOT NULL AND {where}
        ORDER BY c.reported_at, c.case_uid
    """
    return con.execute(sql, params).df()


@pytest.mark.parametrize(
    ("days", "filters"),
    [
        (28, {}),
        (140, {}),
        (28, {"channel": ("patrol",)}),
        (140, {"category_major": ("06",)}),
        (28, {"count_by": "incident"}),
    ],
)
def test_the_recurrence_section_reads_only_what_it_shows_and_finds_what_every_case_gave(con, days, filters) -> None:
    run = on(con)
    state = ViewState(preset="custom", start=END - dt.timedelta(days=days - 1), end=END, **filters)
    scope = resolve(state, run, today=END, days=30, overview_depth=2)
    cases = _every_case(con, **scope.case_filters())
    # the cases sent back, as the page listed them: the 200 most reworked, then returned, then oldest
    sent_back = cases[(cases["rework_count"] > 0) | (cases["return_count"] > 0)]
    expected = sent_back.sort_values(["rework_count", "return_count", "reported_at"], ascending=[False, False, True])
    got = trends.reworked(scope, run, limit=200)
    assert len(expected) > 200 and got["total"].eq(len(expected)).all()
    pd.testing.assert_frame_equal(got.drop(columns="total"), expected.head(200).reset_index(drop=True))
    # the near-repeats of the busiest class: the same pairs and Knox test from its located reports alone
    top = run(QueryCall.of(queries.top_categories, limit=20, **scope.case_filters()))["category_code"].dropna()
    for category in top.iloc[:2]:
        located = cases[cases["category_code"] == category].dropna(subset=["lon", "lat"])
        points = trends._points(located)
        pairs, knox = near_repeats(points, distance_m=100, days=7, permutations=99, seed=0)
        found = trends.repeats(scope, run, category=category, max_reports=len(located))
        assert found.tested and found.reports == len(located) > 100
        assert found.knox == knox and found.knox["pairs"] > 0
        pd.testing.assert_frame_equal(found.pairs, pairs)
        # one report more than the bound: the class is not tested and its reports are not read
        bounded = trends.repeats(scope, run, category=category, max_reports=len(located) - 1)
        assert not bounded.tested and bounded.reports == len(located) and bounded.pairs.empty

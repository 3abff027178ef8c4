"""The demo city plants a pattern for each trend and hotspot analysis and records it (``planted_trends.json``): on a
small demo loaded by the real ETL, every analysis finds its pattern and leaves the flat control alone."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator

import pytest

from demo import build_demo
from queries.db import LiveDatabase
from settings import Settings
from views import trends
from views.calls import on
from views.scope import Scope, resolve
from views.state import ViewState

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict, Scope, object]]:
    root = tmp_path_factory.mktemp("planted")
    settings = dataclasses.replace(Settings(), db_path=root / "onemap.duckdb")
    end = dt.date(2026, 11, 26)
    build_demo(settings, cases=30_000, days=140, seed=7, out_dir=root / "demo", end=end)
    truth = json.loads((root / "demo" / "planted_trends.json").read_text(encoding="utf-8"))
    with LiveDatabase(settings.db_path).cursor() as con:
        run = on(con)
        state = ViewState(preset="custom", start=end - dt.timedelta(days=27), end=end)
        scope = resolve(state, run, today=end, days=30, overview_depth=2)
        yield truth, scope, run


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

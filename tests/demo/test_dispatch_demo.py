"""The dispatch patterns planted in the demo city (demo/dispatch.py, recorded in dispatch_truth.json) are what the
dispatch views find: the ping-pong chain, the disputed class, the slow and the fast department, the department that
arrives late to whistles."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator

import duckdb
import pytest

import queries
from analytics.dispatch import DispatchOptions, Period, Run
from analytics.ranking import ranking_table
from core.measures import ratio_of
from demo.build import build_demo
from demo.dispatch import TRUTH_FILE
from settings import Settings, load_settings

pytestmark = pytest.mark.slow
END, DAYS = dt.date(2026, 11, 20), 90
START = END - dt.timedelta(days=DAYS - 1)
PERIOD = {"start": START, "end": END}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict]:
    folder = tmp_path_factory.mktemp("dispatch_demo")
    settings = dataclasses.replace(load_settings(), db_path=folder / "onemap.duckdb")
    build_demo(settings, cases=20_000, days=DAYS, seed=42, out_dir=folder / "files", end=END)
    return settings, json.loads((folder / "files" / TRUTH_FILE).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def run(demo) -> Iterator[Run]:
    with duckdb.connect(str(demo[0].db_path), read_only=True) as con:
        yield lambda name, kwargs: queries.QUERIES[name](con, **kwargs)


def test_the_planted_ping_pong_is_the_most_frequent_chain(run, demo) -> None:
    truth = demo[1]["ping_pong"]
    chains = run("handoff_chains", PERIOD)
    assert chains.iloc[0]["chain"] == ">".join(truth["chain"]) and bool(chains.iloc[0]["ping_pong"])
    assert chains.iloc[0]["cases"] == truth["cases"]
    # the generator's own returns never go back to a department that had the case: every ping-pong is planted
    assert run("handoff_summary", PERIOD).iloc[0]["ping_pong"] == truth["cases"]


def test_the_planted_disputed_class_is_returned_most(run, demo) -> None:
    truth = demo[1]["disputed_category"]
    categories = run("disputed_categories", PERIOD)
    assert categories.iloc[0]["category_code"] == truth["category"]
    assert categories.iloc[0]["disputed"] >= truth["cases"]


def test_the_slow_and_the_fast_department_are_on_the_black_and_the_red_list(run, demo) -> None:
    settings, truth = demo
    period = Period(START, END, dt.datetime.combine(END, dt.time(18)))
    table = ranking_table(run, period, DispatchOptions.from_settings(settings), level="department").set_index("unit")
    assert table.loc[truth["slow_department"], "list"] == "black"
    assert table.loc[truth["fast_department"], "list"] == "red"
    assert table["score"].nunique() > 10  # the departments differ: the list is not trivial


def test_the_late_department_arrives_late_to_whistles(run, demo) -> None:
    truth = demo[1]
    counts = run("whistle_counts", {"group": "dept_code", **PERIOD})
    assert counts["summons"].sum() == truth["responses"]
    rates = counts.assign(rate=ratio_of(counts, "arrival_rate")).set_index("unit")["rate"]
    assert rates.idxmin() == truth["late_department"]
    assert rates.drop(truth["late_department"]).min() > 0.7
    assert len(run("whistle_list", PERIOD)) == truth["whistles"]

"""What demo.places planted is found, measured on a small demo city built and loaded like any city: incidents of
several reports (pairwise precision ≥ 0.95, recall ≥ 0.9 against ``fusion_truth.csv``), the silent and noisy
cameras, the slow street and the unanswered IoT alarms, the figures left absent (``places_truth.json``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import queries
from analytics.fusion_quality import pair_scores
from demo.build import build_demo
from demo.incidents import TRUTH_FILE
from demo.residents import TRUTH_FILE as PLACES_TRUTH
from settings import load_settings

pytestmark = pytest.mark.slow
END = dt.date(2026, 3, 31)
AS_OF = dt.datetime.combine(END, dt.time(18))
PERIOD = {"start": END - dt.timedelta(days=29), "end": END}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[duckdb.DuckDBPyConnection, Path]:
    tmp = tmp_path_factory.mktemp("places_demo")
    settings = dataclasses.replace(load_settings(), db_path=tmp / "onemap.duckdb")
    build_demo(settings, cases=20_000, days=90, seed=3, out_dir=tmp / "files", end=END)
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        yield con, tmp / "files"


def test_fusion_finds_the_planted_incidents(demo) -> None:
    con, files = demo
    truth = pd.read_csv(files / TRUTH_FILE, dtype=str)
    assert set(truth["kind"]) == {"incident", "distance", "time", "unrelated"}
    incident = con.execute("SELECT case_uid, incident_id FROM case_incident").df().set_index("case_uid")["incident_id"]
    scores = pair_scores(incident, truth.set_index("case_uid")["group"])
    assert scores.true > 500  # enough planted pairs to measure with
    assert scores.precision >= 0.95, scores
    assert scores.recall >= 0.9, scores
    # the near misses stay apart: no planted near-miss pair is one incident
    misses = truth[truth["kind"] != "incident"].assign(incident=lambda t: t["case_uid"].map(incident))
    pairs = misses.assign(pair=misses["group"].str[:-1]).dropna(subset=["incident"])
    assert not pairs.duplicated(["pair", "incident"]).any()
    # and some incidents were reported through several channels, camera alarms among them
    channels = con.execute("SELECT channels FROM case_incident WHERE is_lead").df()["channels"]
    assert channels.str.contains(",").any() and channels.str.contains("camera_ai").any()


def test_counts_by_incident_are_fewer_by_the_further_reports(demo) -> None:
    con, _ = demo
    by_report = queries.summary_counts(con, **PERIOD)["cases"].iloc[0]
    by_incident = queries.summary_counts(con, count_by="incident", **PERIOD)["cases"].iloc[0]
    summary = queries.incident_summary(con, **PERIOD).iloc[0]
    assert by_report - by_incident == summary["further"] > 0
    assert (summary["reports"], summary["incidents"]) == (by_report, by_incident)


def test_the_video_page_finds_the_planted_cameras(demo) -> None:
    con, files = demo
    truth = json.loads((files / PLACES_TRUTH).read_text(encoding="utf-8"))
    silent = queries.silent_cameras(con, as_of=AS_OF, days=7, history_days=30, max_chance=0.01)
    assert set(truth["silent_cameras"]) <= set(silent["camera_id"])
    noisy = queries.false_positive_outliers(con, min_events=20, z=3.0, **PERIOD)
    assert set(truth["noisy_cameras"]) <= set(noisy["camera_id"])
    flagged = set(silent["camera_id"]) | set(noisy["camera_id"])
    assert len(flagged - set(truth["silent_cameras"]) - set(truth["noisy_cameras"])) <= 2  # few false alarms


def test_the_slow_street_and_the_unanswered_alarms(demo) -> None:
    con, files = demo
    truth = json.loads((files / PLACES_TRUTH).read_text(encoding="utf-8"))["iot"]
    kpis = queries.iot_kpis(con, depth=2, as_of=AS_OF, minutes=10, target_minutes=30)
    assert kpis.sort_values("arrive_minutes")["code"].iloc[-1] == truth["slow_street"]
    assert kpis.sort_values("on_time_rate")["code"].iloc[0] == truth["slow_street"]
    waiting = queries.iot_unanswered(con, as_of=AS_OF, minutes=10)
    assert len(waiting) and set(waiting["alarm_id"]) <= set(truth["unanswered"])


def test_what_is_not_loaded_is_absent(demo) -> None:
    con, files = demo
    truth = json.loads((files / PLACES_TRUTH).read_text(encoding="utf-8"))
    at = dt.datetime.combine(END, dt.time.max)
    street = truth["no_left_behind_children_street"]
    people = queries.area_people(con, area=street, at=at).set_index("figure")
    assert pd.isna(people.loc["left_behind_children", "value"]) and people.loc["left_behind_children", "loaded"]
    assert people.loc["elderly_alone", "value"] > 0
    things = queries.area_things(con, area=None)
    assert things.loc[things["thing"] == "component", "loaded"].tolist() == [False]

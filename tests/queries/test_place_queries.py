"""The place queries on a tiny city loaded through the real ETL, every figure computed by hand: the camera loop's
funnel, silent and noisy cameras, scene coverage; IoT response times and unanswered alarms; the six elements
(absent, partial and zero kept apart); life circles; a grid's ledger; deliberation items."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest
from conftest import EAST_POINT, WEST_POINT, write_csv
from place_db import EAST, EAST_C, WEST, WEST_C, build_place_db

import queries
from etl import api
from etl.sources import SourceOptions

JUNE3 = {"start": dt.date(2025, 6, 3), "end": dt.date(2025, 6, 3)}
AT = dt.datetime(2025, 6, 30, 23, 59)


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):
    path = build_place_db(tmp_path_factory.mktemp("places"))
    with duckdb.connect(str(path), read_only=True) as connection:
        yield connection


# ---------------------------------------------------------------- the camera loop
def test_the_funnel_of_every_alarm(con) -> None:
    row = queries.camera_funnel(con, by="all", **JUNE3).iloc[0]
    steps = ("events", "pushed", "dispatched", "handled", "closed", "false_positives")
    assert [int(row[s]) for s in steps] == [5, 3, 2, 1, 1, 2]  # E3 marked false, E4's case rejected
    assert (row["push_rate"], row["dispatch_rate"], row["handle_rate"], row["close_rate"]) == (0.6, 2 / 3, 0.5, 1.0)
    assert row["false_positive_rate"] == 0.4
    # minutes: capture → case 1, 1, 2; case → dispatch 29, 30; dispatch → handled 90; handled → closed 240
    assert (row["push_minutes"], row["dispatch_minutes"], row["handle_minutes"], row["close_minutes"]) == (
        1.0, 29.5, 90.0, 240.0
    )  # fmt: skip


def test_the_funnel_per_scene_camera_and_street(con) -> None:
    scenes = queries.camera_funnel(con, by="scene", **JUNE3).set_index("key")
    assert scenes.loc["exposed_garbage", ["events", "pushed", "false_positives"]].tolist() == [4, 3, 1]
    assert scenes.loc["illegal_parking", ["events", "false_positives"]].tolist() == [1, 1]
    assert scenes.loc["exposed_garbage", "label"] == "暴露垃圾"
    cameras = queries.camera_funnel(con, by="camera", **JUNE3).set_index("key")
    assert cameras["events"].to_dict() == {"K1": 3, "K2": 2} and cameras.loc["K2", "label"] == "东口"
    streets = queries.camera_funnel(con, by="area", depth=2, lang="en", **JUNE3).set_index("key")
    assert streets["events"].to_dict() == {WEST: 3, EAST: 2} and streets.loc[EAST, "label"] == "东街道"
    assert queries.camera_funnel(con, by="all", area=EAST, area_depth=2, **JUNE3)["events"].tolist() == [2]
    with pytest.raises(ValueError, match="by must be one of"):
        queries.camera_funnel(con, by="vendor")


def test_camera_rates_per_day_of_the_period(con) -> None:
    rates = queries.camera_rates(con, start=dt.date(2025, 6, 2), end=dt.date(2025, 6, 3)).set_index("camera_id")
    assert rates["events"].to_dict() == {"K1": 3, "K2": 2, "K3": 0}
    assert rates["alarm_rate"].to_dict() == {"K1": 1.5, "K2": 1.0, "K3": 0.0}  # alarms over two days
    assert rates.loc["K1", "false_positive_rate"] == pytest.approx(1 / 3) and pd.isna(
        rates.loc["K3", "false_positive_rate"]
    )


def test_scene_coverage_counts_cameras_by_code_or_name(con) -> None:
    coverage = queries.scene_coverage(con, at=AT, depth=2).set_index(["code", "scene_code"])["cameras"]
    assert coverage[(WEST, "exposed_garbage")] == 1 and coverage[(WEST, "illegal_parking")] == 1
    assert coverage[(EAST, "exposed_garbage")] == 1  # K2 names the scene in Chinese
    assert coverage[(EAST, "illegal_parking")] == 1 and coverage[(EAST, "road_damage")] == 0
    assert len(coverage) == 2 * 10  # every street × every scene
    assert set(queries.scene_coverage(con, at=AT, depth=2, area=EAST)["code"]) == {EAST}


# ---------------------------------------------------------------- IoT
IOT_AT = dt.datetime(2025, 6, 3, 12, 30)
IOT = {"as_of": IOT_AT, "minutes": 10}


def test_iot_kpis_per_street(con) -> None:
    kpis = queries.iot_kpis(con, depth=2, target_minutes=30, **IOT, **JUNE3).set_index("code")
    west = kpis.loc[WEST]
    counts = ["devices", "alarms", "acknowledged", "arrived", "arrived_on_time", "real", "false_alarms"]
    assert west[counts].tolist() == [1, 2, 2, 2, 1, 1, 1]
    assert (west["on_time_rate"], west["false_alarm_rate"], west["ack_minutes"], west["arrive_minutes"]) == (
        0.5, 0.5, 3.0, 35.0
    )  # fmt: skip
    assert west["arrive_p90_minutes"] == pytest.approx(47.0)  # 20 + 0.9 × (50 − 20)
    east = kpis.loc[EAST]
    assert (east["alarms"], east["acknowledged"], east["unanswered"], east["on_time_rate"]) == (2, 0, 1, 0.0)


def test_iot_unanswered_waits_for_the_minutes(con) -> None:
    waiting = queries.iot_unanswered(con, **IOT)
    assert waiting[["alarm_id", "waited_minutes", "kind"]].values.tolist() == [["A3", 30.0, "door"]]
    assert queries.iot_unanswered(con, as_of=IOT_AT, minutes=3)["alarm_id"].tolist() == ["A3", "A4"]
    assert queries.iot_unanswered(con, area=WEST, area_depth=2, **IOT).empty


def test_iot_devices_show_an_open_alarm_as_their_state(con) -> None:
    devices = queries.iot_devices(con, as_of=IOT_AT).set_index("device_id")
    assert devices["status"].to_dict() == {"D1": "online", "D2": "alarm"}
    assert devices.loc["D2", "alarms_open"] == 2
    assert "household_masked" not in devices.columns  # personal data stays off maps
    summary = queries.iot_summary(con, target_minutes=30, **IOT, **JUNE3).iloc[0]
    assert (summary["loaded"], summary["devices"], summary["online"], summary["active"], summary["alarms"]) == (
        True, 2, 1, 2, 4
    )  # fmt: skip


# ---------------------------------------------------------------- the six elements
def people(con, area: str | None) -> pd.DataFrame:
    return queries.area_people(con, area=area, at=AT).set_index("figure")


def test_people_absent_partial_and_zero_are_apart(con) -> None:
    west = people(con, WEST)
    assert west.loc["population", ["value", "depth", "covered", "of"]].tolist() == [1200.0, 3, 1, 1]
    assert west.loc["elderly_alone", "value"] == 0.0 and west.loc["elderly_alone", "loaded"]  # zero, given
    assert pd.isna(west.loc["disabled", "value"]) and not west.loc["disabled", "loaded"]  # never loaded: absent
    everything = people(con, None)
    # the shallowest level where any grid has it: the east street (900), one of two streets: a partial sum
    assert everything.loc["population", ["value", "depth", "covered", "of"]].tolist() == [900.0, 2, 1, 2]
    east = people(con, EAST)
    assert east.loc["population", ["value", "covered", "source"]].tolist() == [900.0, 1, "attributes"]
    assert pd.isna(east.loc["elderly_alone", "value"]) and east.loc["elderly_alone", "loaded"]  # none given here
    with pytest.raises(ValueError, match="no grid '999' is valid"):
        queries.area_people(con, area="999", at=AT)


def test_land_things_and_organisations(con) -> None:
    land = queries.area_land(con, area=WEST, at=AT)
    assert land[["depth", "grids"]].values.tolist() == [[2, 1], [3, 1]]
    assert queries.area_land_use(con, area=WEST, at=AT)[["land_use", "grids"]].values.tolist() == [["居住", 1]]
    assert queries.area_land_use(con, area=EAST, at=AT).empty
    things = queries.area_things(con, area=EAST, area_depth=2).set_index(["thing", "kind"], drop=False)
    assert things.loc[("camera", "camera"), "count"] == 2 and things.loc[("iot_device", "door"), "count"] == 1
    assert things.loc[("iot_device", "smoke"), "count"] == 0  # loaded, none here
    component = things[things["thing"] == "component"]
    assert component["loaded"].tolist() == [False] and component["count"].isna().all()  # never loaded
    orgs = queries.area_organisations(con, area=WEST, at=AT, area_depth=2).set_index("kind")
    assert orgs.loc["party_branch", ["count", "members"]].tolist() == [1, 40]
    assert orgs.loc["property_company", "count"] == 0 and orgs.loc["grid_workers", "count"] == 1
    assert "grids" not in set(orgs["source"])  # the organisation file names branches: no fallback row


# ---------------------------------------------------------------- life circles, ledgers, deliberation
def test_life_circles_straight_line_proxy(con) -> None:
    circles = queries.life_circles(con, radius_m=960, at=AT).set_index("kind").loc["service_station"]
    # west community centre 473 m from the station, east 5.2 km: one of two grids, 1,200 of 2,200 people
    assert circles[["facilities", "grids", "grids_covered", "population", "population_covered"]].tolist() == [
        1, 2, 1, 2200, 1200
    ]  # fmt: skip
    assert circles["population_share"] == pytest.approx(1200 / 2200)
    gaps = queries.life_circle_gaps(con, kind="service_station", radius_m=960, at=AT)
    assert gaps["code"].tolist() == [EAST_C] and gaps["nearest_m"].iloc[0] == pytest.approx(5200.5, abs=1)
    assert queries.life_circle_gaps(con, kind="school", radius_m=960, at=AT)["nearest_m"].isna().all()


def test_a_grids_table_and_ledger(con) -> None:
    basic = queries.grid_basic(con, code=WEST_C, at=AT).iloc[0]
    assert (basic["population"], basic["land_use"], basic["workers"], basic["organisations"]) == (
        1200, "居住", "李建国（专职网格员）", 1
    )  # fmt: skip
    assert pd.isna(basic["households"])
    ledger = queries.worker_ledger(con, area=WEST_C, area_depth=3, start=dt.date(2025, 6, 1), end=dt.date(2025, 7, 31))
    june, july = ledger.to_dict("records")
    assert (june["visits"], june["home_visit"], june["patrol"], june["households_visited"]) == (2, 1, 1, 1)
    assert (july["visits"], june["iot_attended"]) == (1, 2)
    workers = queries.grid_workers_of(con, area=WEST, area_depth=2)
    assert workers[["worker_id", "phone_masked", "grid_name"]].values.tolist() == [["W1", "138****5678", "西社区"]]


def test_deliberation_items_and_their_outcomes(con) -> None:
    as_of = dt.datetime(2025, 6, 9, 12)  # Y2's outcome comes on the 10th: still undecided here
    summary = queries.deliberation_summary(con, depth=2, as_of=as_of, overdue_days=1, start=dt.date(2025, 6, 1),
                                           end=dt.date(2025, 6, 30)).set_index("code")  # fmt: skip
    assert summary.loc[WEST, ["items", "solved", "referred", "undecided", "late"]].tolist() == [2, 1, 0, 1, 1]
    assert summary.loc[WEST, "median_days"] == pytest.approx(1.0)
    assert summary.loc[EAST, ["items", "undecided"]].tolist() == [1, 1]
    items = queries.deliberation_items(con, limit=10, as_of=dt.datetime(2025, 6, 30), channel="hotline")
    # newest first, Y2 before Y3 at the same minute; its own channel filter set aside
    assert items["case_uid"].tolist() == ["yishiting:Y2", "yishiting:Y3", "yishiting:Y1"]
    assert items["outcome"].tolist() == ["referred", None, "solved"]
    assert items["referred_case_uid"].tolist()[0] == "yishiting:X1"


def test_sentiment_and_incidents_on_the_same_city(con) -> None:
    sentiment = queries.area_sentiment(con, **JUNE3).iloc[0]
    assert (sentiment["hotline"], sentiment["complaints"]) == (0, 0) and pd.isna(sentiment["satisfaction_rate"])
    assert queries.rising_topics(con, limit=3).empty  # no period, no comparison
    # C1 and C2: the same exposed garbage at the west gate an hour apart, one incident
    summary = queries.incident_summary(con, **JUNE3).iloc[0]
    assert summary[["reports", "incidents", "repeated", "further"]].tolist() == [3, 2, 1, 1]
    reports = queries.incident_reports(con, incident_id="camera_ai:C1")
    assert reports[["case_uid", "is_lead"]].values.tolist() == [["camera_ai:C1", True], ["camera_ai:C2", False]]


class _Recording:
    """A connection that keeps every statement and its parameters (to see what a query asks DuckDB)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con, self.statements = con, []

    def execute(self, sql: str, params=None):
        self.statements.append((sql, params))
        return self.con.execute(sql, params)


def test_an_incidents_reports_are_read_within_their_span_passed_as_constants(con) -> None:
    recording = _Recording(con)
    reports = queries.incident_reports(recording, incident_id="camera_ai:C1")
    assert reports["case_uid"].tolist() == ["camera_ai:C1", "camera_ai:C2"]
    sql, params = recording.statements[-1]
    # bound by values, so DuckDB skips the row groups of cases outside them (a subquery's bound it does not)
    where = sql.rsplit("WHERE", 1)[-1]
    assert "(SELECT" not in where and "c.reported_at BETWEEN $first AND $last" in where
    first, last = (pd.Timestamp(reports["reported_at"].iloc[i]).to_pydatetime() for i in (0, -1))
    assert (params["first"], params["last"]) == (first, last)
    lone = queries.incident_reports(recording, incident_id="camera_ai:C3")  # reported once: no span to bound by
    assert lone["case_uid"].tolist() == ["camera_ai:C3"] and "$first" not in recording.statements[-1][0]


# ---------------------------------------------------------------- silent and noisy cameras
def _loaded_alarms(settings, tmp_path, events: list[dict]) -> None:
    cameras = [
        {"设备编码": "K1", "设备名称": "西口", "经度": WEST_POINT[0], "纬度": WEST_POINT[1],
         "算法场景": "exposed_garbage"},
        {"设备编码": "K2", "设备名称": "东口", "经度": EAST_POINT[0], "纬度": EAST_POINT[1],
         "算法场景": "exposed_garbage"},
        {"设备编码": "K3", "设备名称": "东桥", "经度": EAST_POINT[0] + 0.001, "纬度": EAST_POINT[1],
         "算法场景": "暴露垃圾,illegal_parking"},
    ]  # fmt: skip
    api.load("cameras", write_csv(tmp_path / "cameras.csv", cameras), SourceOptions(source="city"), settings=settings)
    path = write_csv(tmp_path / "events.csv", events)
    assert api.load("camera_events", path, SourceOptions(source="vendor"), settings=settings).rejected == 0


def _daily(camera: str, first: dt.date, last: dt.date, **fields: str) -> list[dict]:
    days = pd.date_range(first, last)
    return [
        {"告警编号": f"{camera}-{day:%m%d}", "设备编码": camera, "场景编码": "exposed_garbage",
         "抓拍时间": f"{day:%Y-%m-%d} 09:00", **fields}
        for day in days
    ]  # fmt: skip


def test_a_camera_gone_silent_while_its_neighbour_alarms(city, tmp_path) -> None:
    events = _daily("K2", dt.date(2025, 5, 1), dt.date(2025, 5, 30)) + _daily(
        "K3", dt.date(2025, 5, 1), dt.date(2025, 6, 6)
    )
    events += _daily("K1", dt.date(2025, 5, 28), dt.date(2025, 5, 29))  # quiet but rarely alarms: not unlikely
    _loaded_alarms(city, tmp_path, events)
    with duckdb.connect(str(city.db_path), read_only=True) as con:
        as_of = dt.datetime(2025, 6, 6, 18)
        silent = queries.silent_cameras(con, as_of=as_of, days=7, history_days=30, max_chance=0.01)
        # K2: 30 alarms in the 30 days before the window, none in it (7 expected); K3, same street and scene, alarms
        assert silent[["camera_id", "street", "rate_before", "expected", "comparable_events"]].values.tolist() == [
            ["K2", "东街道", 1.0, 7.0, 7]
        ]
        assert silent["last_event"].tolist() == [pd.Timestamp("2025-05-30 09:00")]
        # a rate that makes silence likely enough is no alarm: K1's two alarms over 30 days
        likely = queries.silent_cameras(con, as_of=as_of, days=7, history_days=30, max_chance=0.5)
        assert likely["camera_id"].tolist() == ["K2"]
        with pytest.raises(ValueError, match="max_chance"):
            queries.silent_cameras(con, as_of=as_of, days=7, history_days=30, max_chance=1.5)


def test_a_camera_crying_wolf(city, tmp_path) -> None:
    june = dt.date(2025, 6, 1), dt.date(2025, 6, 30)
    events = []
    for camera, false in (("K1", 20), ("K2", 3), ("K3", 3)):
        for i, event in enumerate(_daily(camera, *june)):
            events.append({**event, "是否误报": "是" if i < false else "否"})
    _loaded_alarms(city, tmp_path, events)
    with duckdb.connect(str(city.db_path), read_only=True) as con:
        noisy = queries.false_positive_outliers(con, min_events=20, z=3.0, start=june[0], end=june[1])
        # scene rate 26/90; K1 expects 30 × 26/90 = 8.67 false with variance 30 p (1 − p) = 6.16
        p = 26 / 90
        assert noisy["camera_id"].tolist() == ["K1"]
        assert noisy["z"].iloc[0] == pytest.approx((20 - 30 * p) / (30 * p * (1 - p)) ** 0.5)
        assert noisy["expected_rate"].iloc[0] == pytest.approx(p)
        assert queries.false_positive_outliers(con, min_events=31, z=3.0, start=june[0], end=june[1]).empty

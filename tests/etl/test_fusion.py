"""One incident from many reports (``etl.fusion``): the rule at its boundaries, by hand; the incremental update
equals a rebuild whatever order the reports arrive in; counts by incident on ``cases`` and on the rollups."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import WEST_POINT, write_csv
from pyproj import Geod
from test_load_cases import OPTIONS, case, load, query

import queries
from etl import api, fusion, fusion_cells

GEOD = Geod(ellps="WGS84")
US = 1_000_000
HOUR = 3600 * US
T0 = int(pd.Timestamp("2025-06-03 09:00").value // 1000)


def at(distance_m: float, azimuth: float = 0.0, origin: tuple[float, float] = WEST_POINT) -> tuple[float, float]:
    """The point ``distance_m`` geodesic metres from ``origin`` towards ``azimuth`` (degrees from north)."""
    lon, lat, _ = GEOD.fwd(origin[0], origin[1], azimuth, distance_m)
    return float(lon), float(lat)


def frame(rows: list[tuple], *, radius: float = 50.0, window_h: float = 24.0) -> pd.DataFrame:
    """Reports ``(uid, family, (lon, lat), hours after T0)`` in report order, as ``candidate_pairs`` takes them."""
    df = pd.DataFrame(
        {
            "case_uid": [r[0] for r in rows],
            "family": [r[1] for r in rows],
            "lon": [r[2][0] for r in rows],
            "lat": [r[2][1] for r in rows],
            "t": [T0 + round(r[3] * HOUR) for r in rows],
            "radius_m": radius,
            "window_us": int(window_h * HOUR),
            "channel": "patrol",
        }
    )
    return df.sort_values(["t", "case_uid"], kind="stable").reset_index(drop=True)


def incidents(df: pd.DataFrame) -> dict[str, str]:
    incident, _ = fusion.assign(len(df), fusion.candidate_pairs(df))
    return dict(zip(df["case_uid"], df["case_uid"].to_numpy()[incident], strict=True))


@pytest.mark.parametrize(
    ("second", "joined"),
    [
        ((at(50.0), 0.0), True),  # exactly D metres
        ((at(50.0, 90.0), 0.0), True),  # exactly D metres, east (the projection is not what decides)
        ((at(50.01), 0.0), False),  # a centimetre beyond
        ((WEST_POINT, 24.0), True),  # exactly T hours later
        ((WEST_POINT, 24.0 + 1 / 3600), False),  # a second beyond
        ((at(50.0, 225.0), 24.0), True),  # both at their limits
    ],
)
def test_the_rule_at_its_boundaries(second: tuple[tuple[float, float], float], joined: bool) -> None:
    df = frame([("a", "garbage", WEST_POINT, 0.0), ("b", "garbage", *second)])
    assert incidents(df)["b"] == ("a" if joined else "b")


def test_different_families_are_never_one_incident() -> None:
    df = frame([("a", "garbage", WEST_POINT, 0.0), ("b", "class:09009", WEST_POINT, 0.0)])
    assert incidents(df) == {"a": "a", "b": "b"}


def test_a_report_joins_the_earliest_lead_and_an_incident_spans_at_most_t() -> None:
    # a at 0 h; b at 20 h joins a; c at 30 h is 30 h after a (too late) and b is no lead: c leads; d at 40 h
    # joins c (10 h after it), not a (too late). e is 60 m from a but 40 m from f: joins f.
    df = frame(
        [
            ("a", "garbage", WEST_POINT, 0.0),
            ("b", "garbage", at(10.0), 20.0),
            ("c", "garbage", at(20.0), 30.0),
            ("d", "garbage", at(30.0), 40.0),
            ("f", "garbage", at(100.0), 0.5),
            ("e", "garbage", at(60.0), 1.0),
        ]
    )
    assert incidents(df) == {"a": "a", "b": "a", "c": "c", "d": "c", "f": "f", "e": "f"}


def test_same_time_reports_are_ordered_by_case_uid() -> None:
    df = frame([("z", "garbage", WEST_POINT, 0.0), ("y", "garbage", at(5.0), 0.0)])
    assert incidents(df) == {"y": "y", "z": "y"}


def stored(seed: list[bool], new: list[bool], incident: list[int], lead: list[bool]) -> fusion.Stored:
    return fusion.Stored(np.array(seed), np.array(new), np.array(incident), np.array(lead))


def test_a_new_report_is_decided_with_the_reports_linked_after_it() -> None:
    df = frame([("a", "garbage", WEST_POINT, 0.0), ("b", "garbage", at(5.0), 1.0), ("c", "garbage", at(8.0), 2.0)])
    # a is stored as a further report of an incident before the window (-1): no lead. b is new: c, stored as
    # a lead, is decided again and joins b, the earliest lead it links to.
    was = stored([False, True, False], [False, True, False], [-1, 1, 2], [False, True, True])
    incident, lead, decided = fusion.reassign(fusion.candidate_pairs(df), was)
    assert incident.tolist() == [-1, 1, 1] and lead.tolist() == [False, True, False]
    assert decided.tolist() == [False, True, True]


def test_only_reports_linked_to_a_changed_lead_flag_are_decided_again() -> None:
    df = frame([("a", "garbage", WEST_POINT, 0.0), ("b", "garbage", at(5.0), 1.0), ("c", "garbage", at(8.0), 2.0)])
    pairs = fusion.candidate_pairs(df)
    # b (left by an incident, not new) is decided again and stays a further report of a: its flag did not
    # change, so c keeps what was stored, even a result the rule would not give (it proves c is not decided).
    incident, lead, decided = fusion.reassign(
        pairs, stored([False, True, False], [False] * 3, [0, 0, 2], [True, False, True])
    )
    assert incident.tolist() == [0, 0, 2] and lead.tolist() == [True, False, True]
    assert decided.tolist() == [False, True, False]
    # b was stored as a lead: now it joins a, its flag changed, so c is decided again and joins a
    incident, lead, decided = fusion.reassign(
        pairs, stored([False, True, False], [False] * 3, [0, 1, 1], [True, True, False])
    )
    assert incident.tolist() == [0, 0, 0] and lead.tolist() == [True, False, False]
    assert decided.tolist() == [False, True, True]


# ---------------------------------------------------------------- through the loader
def report(n: int, point: tuple[float, float], when: str, **fields: object) -> dict:
    return case(n, 经度=point[0], 纬度=point[1], 上报时间=when, 派遣时间=None, 处置时间=None, 结案时间=None,
                状态="已受理", **fields)  # fmt: skip


def table(settings) -> list[tuple]:
    return query(settings, "SELECT case_uid, incident_id, is_lead, reports, channels FROM case_incident ORDER BY 1")


def test_reports_of_one_incident_across_channels(city, tmp_path: Path) -> None:
    patrol = [
        report(1, WEST_POINT, "2025-06-03 09:00:00"),  # 06010 exposed garbage
        report(2, at(30.0), "2025-06-03 15:00:00", 类别编码="06042"),  # overflowing bin: the garbage family
        report(3, at(30.0), "2025-06-03 15:00:00", 类别编码="09009"),  # parking at the same spot: not fused
        report(4, at(500.0), "2025-06-03 10:00:00"),  # too far
    ]
    load(write_csv(tmp_path / "patrol.csv", patrol), city)
    hotline = [report(7, at(45.0, 90.0), "2025-06-04 08:00:00")]
    options = dataclasses.replace(OPTIONS, source="hotline12345", channel="hotline")
    load(write_csv(tmp_path / "hotline.csv", hotline), city, options)
    assert table(city) == [
        ("dcs:C0001", "dcs:C0001", True, 3, "hotline,patrol"),
        ("dcs:C0002", "dcs:C0001", False, 3, "hotline,patrol"),
        ("hotline12345:C0007", "dcs:C0001", False, 3, "hotline,patrol"),
    ]
    with duckdb.connect(str(city.db_path), read_only=True) as con:
        june = {"start": dt.date(2025, 6, 1), "end": dt.date(2025, 6, 30)}
        assert queries.summary_counts(con, **june)["cases"].tolist() == [5]
        assert queries.summary_counts(con, count_by="incident", **june)["cases"].tolist() == [3]
        with pytest.raises(ValueError, match="count_by"):
            queries.summary_counts(con, count_by="incidents", **june)


def test_an_earlier_report_loaded_later_takes_the_lead(city, tmp_path: Path) -> None:
    load(write_csv(tmp_path / "a.csv", [report(1, WEST_POINT, "2025-06-03 12:00:00")]), city)
    load(write_csv(tmp_path / "b.csv", [report(2, at(20.0), "2025-06-03 14:00:00")]), city)
    assert [row[:3] for row in table(city)] == [("dcs:C0001", "dcs:C0001", True), ("dcs:C0002", "dcs:C0001", False)]
    # a report from the morning arrives late: it leads now; the earlier duplicate day is refreshed in the rollups
    load(write_csv(tmp_path / "c.csv", [report(3, at(10.0), "2025-06-03 08:00:00")]), city)
    assert [row[:3] for row in table(city)] == [
        ("dcs:C0001", "dcs:C0003", False),
        ("dcs:C0002", "dcs:C0003", False),
        ("dcs:C0003", "dcs:C0003", True),
    ]
    rolled = query(city, "SELECT duplicate, sum(cases) FROM case_daily_kind GROUP BY 1 ORDER BY 1")
    assert rolled == [(False, 1), (True, 2)]


def test_a_report_that_moves_away_leaves_its_incident(city, tmp_path: Path) -> None:
    rows = [report(1, WEST_POINT, "2025-06-03 09:00:00"), report(2, at(20.0), "2025-06-03 10:00:00")]
    load(write_csv(tmp_path / "a.csv", rows), city)
    assert len(table(city)) == 2
    rows[0] = report(1, at(900.0), "2025-06-03 09:00:00")  # the lead was misplaced: corrected
    load(write_csv(tmp_path / "b.csv", rows), city)
    assert table(city) == []


def test_a_late_report_reorders_a_chain_across_days_as_a_rebuild_does(city, tmp_path: Path) -> None:
    # Reports 20 h apart at one place (T = 24 h): each links only to the one before, so leads and duplicates
    # alternate. One arriving late before the first flips every one after it, days past the late report's
    # own: the update must read on, day by day, as far as the change goes (and the rollups follow).
    start = pd.Timestamp("2025-06-02 00:00")
    chain = [report(i, at(5.0 * i), f"{start + pd.Timedelta(hours=20 * i):%Y-%m-%d %H:%M:%S}") for i in range(1, 9)]
    load(write_csv(tmp_path / "chain.csv", chain), city)
    before = table(city)
    load(write_csv(tmp_path / "late.csv", [report(0, WEST_POINT, f"{start:%Y-%m-%d %H:%M:%S}")]), city)
    incremental = table(city)
    leads = {row[0] for row in incremental if row[2]}
    assert leads == {f"dcs:C{i:04d}" for i in (0, 2, 4, 6)}  # every lead of the chain has changed (8 leads alone)
    assert {row[0] for row in before if row[2]} == {f"dcs:C{i:04d}" for i in (1, 3, 5, 7)}
    with duckdb.connect(str(city.db_path)) as con:
        fusion.rebuild(con, city)
    assert table(city) == incremental


def test_reports_far_apart_are_updated_in_separate_windows_as_a_rebuild_does(city, tmp_path: Path) -> None:
    # Two crowds three weeks apart, each loaded half first and half late (back-dated reports included): one
    # file's update reads each crowd's days on its own and still equals a rebuild.
    rng = np.random.default_rng(11)
    rows = []
    for k, start in enumerate(("2025-06-02 00:00", "2025-06-25 00:00")):
        for i in range(60):
            when = pd.Timestamp(start) + pd.Timedelta(seconds=int(rng.integers(0, 2 * 86400)))
            rows.append(report(100 * k + i, at(float(rng.uniform(0, 150)), float(rng.uniform(0, 360))), f"{when}"))
    order = rng.permutation(len(rows))
    load(write_csv(tmp_path / "first.csv", [rows[i] for i in order[:60]]), city)
    window = [86_400_000_000] * 4
    assert len(fusion._blocks(pd.DataFrame({"day": [20241, 20243, 20244, 20264], "window_us": window}))) == 2
    chained = [20241 + 3 * k for k in range(6)]  # 3 days apart: one group, until it would span 14 days
    assert [len(b) for b in fusion._blocks(pd.DataFrame({"day": chained, "window_us": window + window[:2]}))] == [5, 1]
    load(write_csv(tmp_path / "late.csv", [rows[i] for i in order[60:]]), city)
    incremental = table(city)
    assert {row[1][:7] for row in incremental} >= {"dcs:C00", "dcs:C01"}  # incidents in both crowds
    with duckdb.connect(str(city.db_path)) as con:
        fusion.rebuild(con, city)
    assert table(city) == incremental


def test_a_late_report_reorders_a_chain_that_walks_across_the_city_as_a_rebuild_does(city, tmp_path: Path) -> None:
    # Each report 45 m east of the one before and 20 h after it: it links only to that one, so leads and
    # duplicates alternate along a street. One arriving late at the start flips every one after it, a dozen
    # cells east of the late report's: the update must widen its window by place as well as by day.
    start = pd.Timestamp("2025-06-02 00:00")
    walk = [
        report(i, at(45.0 * i, 90.0), f"{start + pd.Timedelta(hours=20 * i):%Y-%m-%d %H:%M:%S}") for i in range(1, 13)
    ]
    load(write_csv(tmp_path / "walk.csv", walk), city)
    assert {row[0] for row in table(city) if row[2]} == {f"dcs:C{i:04d}" for i in (1, 3, 5, 7, 9, 11)}
    late = report(0, WEST_POINT, f"{start:%Y-%m-%d %H:%M:%S}")
    load(write_csv(tmp_path / "late.csv", [late]), city)
    incremental = table(city)
    assert {row[0] for row in incremental if row[2]} == {f"dcs:C{i:04d}" for i in (0, 2, 4, 6, 8, 10)}
    assert "dcs:C0012" not in {row[0] for row in incremental}  # it leads an incident of its own now
    with duckdb.connect(str(city.db_path)) as con:
        fusion.rebuild(con, city)
    assert table(city) == incremental


def test_the_update_reads_the_places_around_what_changed(city, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two crowds on the same days, 3 km apart: a new report in one reads that crowd, not the other.
    rng = np.random.default_rng(2)
    rows = []
    for k, origin in enumerate((WEST_POINT, at(3000.0, 90.0))):
        for i in range(40):
            when = pd.Timestamp("2025-06-03 00:00") + pd.Timedelta(seconds=int(rng.integers(0, 86400)))
            point = at(float(rng.uniform(0, 60)), float(rng.uniform(0, 360)), origin)
            rows.append(report(100 * k + i, point, f"{when}"))
    load(write_csv(tmp_path / "crowds.csv", rows), city)
    updates: list[fusion.FusionReport] = []
    real = fusion.update
    monkeypatch.setattr(fusion, "update", lambda con, settings: updates.append(real(con, settings)) or updates[-1])
    load(write_csv(tmp_path / "new.csv", [report(999, at(20.0), "2025-06-03 12:00:00")]), city)
    assert updates[-1].mode == "incremental"
    assert 1 < updates[-1].read <= 41  # the new report and (some of) its own crowd
    incremental = table(city)
    assert "dcs:C0999" in {row[0] for row in incremental}
    with duckdb.connect(str(city.db_path)) as con:
        fusion.rebuild(con, city)
    assert table(city) == incremental


# ---------------------------------------------------------------- incremental equals a rebuild
def _random_cases(rng: np.random.Generator, n: int, spread_m: float = 250.0) -> list[dict]:
    """Reports crowded into ``spread_m`` metres and three days, three classes (two of one family)."""
    rows = []
    for i in range(n):
        point = at(float(rng.uniform(0, spread_m)), float(rng.uniform(0, 360)))
        when = pd.Timestamp("2025-06-02 00:00") + pd.Timedelta(seconds=int(rng.integers(0, 3 * 86400)))
        code = str(rng.choice(["06010", "06042", "09009"]))
        rows.append(report(i, point, f"{when:%Y-%m-%d %H:%M:%S}", 类别编码=code))
    return rows


@pytest.mark.parametrize(("n", "spread_m"), [(240, 250.0), (600, 700.0)])  # one street; a district's streets
def test_incremental_updates_equal_a_rebuild_whatever_the_order(city, tmp_path: Path, n: int, spread_m: float) -> None:
    rng = np.random.default_rng(5)
    rows = _random_cases(rng, n, spread_m)
    for k, part in enumerate(np.array_split(rng.permutation(len(rows)), 6)):  # back-dated reports included
        load(write_csv(tmp_path / f"part{k}.csv", [rows[i] for i in part]), city)
    incremental = table(city)
    assert len(incremental) > 50  # crowded enough for incidents to form, split and merge
    with duckdb.connect(str(city.db_path)) as con:
        assert fusion.rebuild(con, city).mode == "rebuilt"
    assert table(city) == incremental
    # and in another order again, into a fresh database
    other = dataclasses.replace(city, db_path=tmp_path / "other.duckdb")
    api.load("grids", tmp_path / "grids.geojson", dataclasses.replace(OPTIONS, source="survey"), settings=other)
    for k, part in enumerate(np.array_split(rng.permutation(len(rows)), 4)):
        load(write_csv(tmp_path / f"other{k}.csv", [rows[i] for i in part]), other)
    assert table(other) == incremental


def test_windows_read_by_day_alone_equal_a_rebuild(city, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Where the cells would be too many (a big load), a family's window is read by day alone, as before cells.
    monkeypatch.setattr(fusion_cells, "MAX_CELLS", 0)
    rng = np.random.default_rng(8)
    rows = _random_cases(rng, 200, 400.0)
    for k, part in enumerate(np.array_split(rng.permutation(len(rows)), 4)):
        load(write_csv(tmp_path / f"part{k}.csv", [rows[i] for i in part]), city)
    incremental = table(city)
    assert len(incremental) > 20
    with duckdb.connect(str(city.db_path)) as con:
        fusion.rebuild(con, city)
    assert table(city) == incremental


def test_a_change_of_rules_rebuilds(city, tmp_path: Path) -> None:
    load(write_csv(tmp_path / "a.csv", [report(1, WEST_POINT, "2025-06-03 09:00:00"),
                                         report(2, at(80.0), "2025-06-03 10:00:00")]), city)  # fmt: skip
    assert table(city) == []  # 80 m: beyond the garbage family's 50 m
    with duckdb.connect(str(city.db_path)) as con:
        con.execute("UPDATE fusion_family SET radius_m = 100 WHERE family = 'garbage'")
        assert fusion.update(con, city).mode == "rebuilt"
    assert len(table(city)) == 2

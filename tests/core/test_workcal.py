"""The working calendar on the real 2025/2026 Chinese calendar.

Facts used (checked against chinese_calendar 1.11):
- National Day 2025: 10-01 … 10-08 off; make-up working days Sun 09-28 and Sat 10-11.
- Spring Festival 2026: 02-15 … 02-23 off; make-up working days Sat 02-14 and Sat 02-28.
- 2027 is not published yet: the weekday rule applies.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import numpy as np
import pandas as pd
import pytest

from core.workcal import CLOCKS, WorkCalendar, calendar_rows

PERIODS = ((480, 720), (840, 1080))


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.default(2025, 2026, work_periods=PERIODS)


def ts(*values: str) -> np.ndarray:
    return np.array(values, dtype="datetime64[ns]")


def add1(cal: WorkCalendar, start: str, amount: float, clock: str) -> pd.Timestamp:
    return pd.Timestamp(cal.add(ts(start), np.array([amount]), clock)[0])


def test_the_calendar_facts_the_cases_rely_on() -> None:
    makeup = [dt.date(2025, 9, 28), dt.date(2025, 10, 11), dt.date(2026, 2, 14), dt.date(2026, 2, 28)]
    assert all(chinese_calendar.is_workday(d) and d.weekday() >= 5 for d in makeup)
    national_day = [dt.date(2025, 10, d) for d in range(1, 9)]
    spring_festival = [dt.date(2026, 2, d) for d in range(15, 24)]
    assert not any(chinese_calendar.is_workday(d) for d in national_day + spring_festival)
    assert dt.date(2025, 9, 23).weekday() == 1  # Tuesday
    assert dt.date(2025, 9, 26).weekday() == 4  # Friday
    assert not chinese_calendar.is_workday(dt.date(2025, 9, 27))


# ---------------------------------------------------------------- calendar_rows
def test_calendar_rows_day_kinds() -> None:
    rows = calendar_rows(2025, 2026).set_index("day")
    assert list(rows.columns) == ["is_workday", "day_kind", "note", "source"]
    assert len(rows) == 365 + 365

    def row(y: int, m: int, d: int) -> tuple[object, ...]:
        return tuple(rows.loc[dt.date(y, m, d)])

    assert row(2025, 10, 1) == (False, "holiday", "国庆节", "chinesecalendar")
    assert row(2025, 10, 4) == (False, "holiday", "国庆节", "chinesecalendar")  # a Saturday inside the holiday
    assert row(2025, 10, 6) == (False, "holiday", "中秋", "chinesecalendar")
    assert row(2025, 10, 11) == (True, "makeup_workday", "国庆节", "chinesecalendar")  # make-up Saturday
    assert row(2025, 9, 28) == (True, "makeup_workday", "国庆节", "chinesecalendar")  # make-up Sunday
    assert row(2026, 2, 14) == (True, "makeup_workday", "春节", "chinesecalendar")
    assert row(2025, 10, 12) == (False, "weekend", None, "chinesecalendar")
    assert row(2025, 10, 9) == (True, "workday", None, "chinesecalendar")


def test_calendar_rows_agree_with_chinese_calendar_every_day() -> None:
    rows = calendar_rows(2025, 2026)
    assert rows["is_workday"].tolist() == [chinese_calendar.is_workday(d) for d in rows["day"]]
    holiday = [chinese_calendar.get_holiday_detail(d) for d in rows["day"]]
    assert (rows["day_kind"] == "holiday").tolist() == [on and name is not None for on, name in holiday]


def test_calendar_rows_weekday_rule_for_unpublished_years() -> None:
    rows = calendar_rows(2026, 2027).set_index("day")
    assert rows.loc[dt.date(2026, 10, 1), "source"] == "chinesecalendar"
    assert rows.loc[dt.date(2027, 1, 1)].tolist() == [True, "workday", None, "weekday_rule"]  # a Friday
    assert rows.loc[dt.date(2027, 1, 2)].tolist() == [False, "weekend", None, "weekday_rule"]
    assert (rows.loc[dt.date(2027, 1, 1) :, "source"] == "weekday_rule").all()


def test_calendar_rows_rejects_reversed_years() -> None:
    with pytest.raises(ValueError, match="first_year 2027 is after last_year 2025"):
        calendar_rows(2027, 2025)


# ---------------------------------------------------------------- working hours
@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        ("2025-09-23 11:30", 1, "2025-09-23 14:30"),  # Tuesday, across the lunch break
        ("2025-09-23 10:00", 2, "2025-09-23 12:00"),  # exactly at a period's end: 12:00, not 14:00
        ("2025-09-23 10:00", 6, "2025-09-23 18:00"),  # exactly at the day's end: 18:00, not 08:00 next day
        ("2025-09-23 12:30", 1, "2025-09-23 15:00"),  # reported in the lunch break: counts from 14:00
        ("2025-09-23 20:00", 1, "2025-09-24 09:00"),  # reported at night: counts from 08:00 next morning
        ("2025-09-23 06:00", 1, "2025-09-23 09:00"),
        ("2025-09-23 08:00", 8, "2025-09-23 18:00"),
        ("2025-09-23 08:00", 8.5, "2025-09-24 08:30"),
        ("2025-09-26 17:00", 2, "2025-09-28 09:00"),  # Friday -> make-up Sunday, Saturday skipped
        ("2025-09-30 16:00", 4, "2025-10-09 10:00"),  # eve of National Day -> after the holiday
        ("2025-10-03 10:00", 1, "2025-10-09 09:00"),  # reported during the holiday
        ("2025-10-10 17:00", 2, "2025-10-11 09:00"),  # make-up Saturday
        ("2025-10-11 17:30", 1, "2025-10-13 08:30"),  # Sunday 10-12 is a normal weekend
        ("2025-09-23 10:00", 0.25, "2025-09-23 10:15"),
    ],
)
def test_working_hours(cal: WorkCalendar, start: str, hours: float, expected: str) -> None:
    assert add1(cal, start, hours, "working_hours") == pd.Timestamp(expected)


def test_working_days_across_spring_festival_2026(cal: WorkCalendar) -> None:
    # From Mon 02-09 10:00, the working days are 02-10, 11, 12, 13, 14 (make-up Sat), 24, 25, 26, 27,
    # 28 (make-up Sat), 03-02, 03, 04, 05, 06: the 15th ends at 10:00 on 03-06.
    assert add1(cal, "2026-02-09 10:00", 15, "working_days") == pd.Timestamp("2026-03-06 10:00")
    assert add1(cal, "2026-02-13 09:00", 2, "working_days") == pd.Timestamp("2026-02-24 09:00")


def test_working_days(cal: WorkCalendar) -> None:
    assert add1(cal, "2025-09-23 08:00", 1, "working_days") == pd.Timestamp("2025-09-23 18:00")
    assert add1(cal, "2025-09-23 10:00", 1, "working_days") == pd.Timestamp("2025-09-24 10:00")
    assert add1(cal, "2025-09-23 10:00", 0.5, "working_days") == pd.Timestamp("2025-09-23 16:00")
    assert add1(cal, "2025-09-26 19:00", 1, "working_days") == pd.Timestamp("2025-09-28 18:00")


def test_natural_days_and_continuous_hours_ignore_holidays(cal: WorkCalendar) -> None:
    assert add1(cal, "2025-09-30 16:00", 3, "natural_days") == pd.Timestamp("2025-10-03 16:00")
    assert add1(cal, "2025-09-30 16:00", 7, "natural_days") == pd.Timestamp("2025-10-07 16:00")
    assert add1(cal, "2025-09-30 16:00", 24, "continuous_hours") == pd.Timestamp("2025-10-01 16:00")
    assert add1(cal, "2025-09-30 23:00", 2.5, "continuous_hours") == pd.Timestamp("2025-10-01 01:30")


def test_mixed_clocks_per_row(cal: WorkCalendar) -> None:
    start = ts("2025-09-30 16:00", "2025-09-30 16:00", "2025-09-30 16:00", "2025-09-30 16:00")
    clock = np.array(["continuous_hours", "working_hours", "working_days", "natural_days"], dtype=object)
    deadline = cal.add(start, np.array([4.0, 4.0, 1.0, 1.0]), clock)
    expected = ts("2025-09-30 20:00", "2025-10-09 10:00", "2025-10-09 16:00", "2025-10-01 16:00")
    np.testing.assert_array_equal(deadline, expected)
    as_series = cal.add(start, 4.0, pd.Series(["working_hours"] * 4, dtype="string[pyarrow]"))
    np.testing.assert_array_equal(as_series, ts(*["2025-10-09 10:00"] * 4))


def test_missing_values_propagate(cal: WorkCalendar) -> None:
    start = ts("NaT", "2025-09-23 10:00", "2025-09-23 10:00", "NaT")
    clock = np.array(["working_hours", "working_hours", None, "natural_days"], dtype=object)
    deadline = cal.add(start, np.array([1.0, np.nan, 1.0, 1.0]), clock)
    assert np.isnat(deadline).all()
    elapsed = cal.elapsed(start, ts(*["2025-09-24 10:00"] * 4), clock)
    np.testing.assert_array_equal(elapsed, [np.nan, 8.0, np.nan, np.nan])
    assert np.isnan(cal.elapsed(ts("2025-09-23 10:00"), ts("NaT"), "working_days")).all()


def test_zero_amount_is_the_start(cal: WorkCalendar) -> None:
    start = ts("2025-09-27 10:00", "2025-09-23 20:00")
    np.testing.assert_array_equal(cal.add(start, 0.0, "working_hours"), start)


def test_weekday_rule_outside_the_table(cal: WorkCalendar) -> None:
    # 2027-01-01 is a Friday; 2027 is not in the table (nor published), so Monday–Friday work.
    assert add1(cal, "2027-01-01 17:00", 2, "working_hours") == pd.Timestamp("2027-01-04 09:00")
    assert add1(cal, "2027-01-08 10:00", 5, "working_days") == pd.Timestamp("2027-01-15 10:00")
    assert add1(cal, "2024-12-31 17:00", 2, "working_hours") == pd.Timestamp("2025-01-02 09:00")  # 01-01 off


def test_from_frame_overrides_only_its_days() -> None:
    days = pd.DataFrame(
        {
            "day": [dt.date(2030, 6, 3), dt.date(2030, 6, 8)],  # a Monday off, a Saturday worked
            "is_workday": [False, True],
        }
    )
    city = WorkCalendar.from_frame(days, ((540, 720), (780, 1020)))  # 09:00–12:00, 13:00–17:00
    assert city.hours_per_day == 7
    start = ts("2030-05-31 16:00", "2030-06-07 16:00", "2030-06-10 16:00")
    deadline = city.add(start, np.array([2.0, 2.0, 2.0]), "working_hours")
    np.testing.assert_array_equal(deadline, ts("2030-06-04 10:00", "2030-06-08 10:00", "2030-06-11 10:00"))


def test_elapsed(cal: WorkCalendar) -> None:
    start = ts("2025-09-30 16:00", "2025-09-30 16:00", "2025-09-30 16:00", "2025-09-23 20:00")
    end = ts("2025-10-09 10:00", "2025-10-09 10:00", "2025-10-09 10:00", "2025-09-24 08:00")
    clock = np.array(["working_hours", "working_days", "natural_days", "working_hours"], dtype=object)
    np.testing.assert_allclose(cal.elapsed(start, end, clock), [4.0, 0.5, 8.75, 0.0])
    assert cal.elapsed(ts("2025-10-09 10:00"), ts("2025-09-30 16:00"), "working_hours")[0] == -4.0


def test_elapsed_inverts_add_on_random_rows(cal: WorkCalendar) -> None:
    rng = np.random.default_rng(3)
    n = 50_000
    start = np.datetime64("2025-01-01", "ns") + rng.integers(0, 700 * 86_400 * 10**9, n).astype("timedelta64[ns]")
    amount = np.round(rng.uniform(0, 40, n), 3)
    clock = rng.choice(np.array(CLOCKS, dtype=object), n)
    deadline = cal.add(start, amount, clock)
    assert not np.isnat(deadline).any()
    assert (deadline >= start).all()
    np.testing.assert_allclose(cal.elapsed(start, deadline, clock), amount, rtol=0, atol=1e-9)

    # Working-clock deadlines fall in working time: (08:00, 12:00] or (14:00, 18:00] of a working day.
    working = (clock == "working_hours") | (clock == "working_days")
    working &= amount > 0
    moments = pd.DatetimeIndex(deadline[working])
    minute = (moments - moments.normalize()) / pd.Timedelta(minutes=1)
    assert (((minute > 480) & (minute <= 720)) | ((minute > 840) & (minute <= 1080))).all()
    workdays = {d for d in calendar_rows(2025, 2027).query("is_workday")["day"]}
    assert set(moments.date) <= workdays


def test_elapsed_matches_minute_by_minute_count(cal: WorkCalendar) -> None:
    rng = np.random.default_rng(5)
    n = 40
    start = np.datetime64("2025-09-20", "m") + rng.integers(0, 30 * 1440, n).astype("timedelta64[m]")
    end = start + rng.integers(0, 6 * 1440, n).astype("timedelta64[m]")

    def working_minutes(a: np.datetime64, b: np.datetime64) -> int:
        count = 0
        for minute in pd.date_range(pd.Timestamp(a), pd.Timestamp(b), freq="min", inclusive="left"):
            of_day = minute.hour * 60 + minute.minute
            in_period = any(lo <= of_day < hi for lo, hi in PERIODS)
            count += in_period and chinese_calendar.is_workday(minute.date())
        return count

    expected = [working_minutes(a, b) / 60 for a, b in zip(start, end, strict=True)]
    got = cal.elapsed(start.astype("datetime64[ns]"), end.astype("datetime64[ns]"), "working_hours")
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


# ---------------------------------------------------------------- errors
def test_unknown_clock_is_named_with_the_valid_ones(cal: WorkCalendar) -> None:
    message = "Unknown clock 'working_weeks'; valid clocks: continuous_hours, working_hours, working_days"
    with pytest.raises(ValueError, match=message):
        cal.add(ts("2025-09-23 10:00"), 1.0, "working_weeks")
    with pytest.raises(ValueError, match="Unknown clock 'hours'"):
        cal.elapsed(ts("2025-09-23 10:00"), ts("2025-09-23 11:00"), np.array(["hours"], dtype=object))


def test_length_mismatch(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="start has 2 rows but amount has 3"):
        cal.add(ts("2025-09-23 10:00", "2025-09-23 10:00"), np.ones(3), "working_hours")


@pytest.mark.parametrize("periods", [(), ((720, 480),), ((480, 720), (700, 1080)), ((480, 1500),)])
def test_bad_work_periods(periods: tuple[tuple[int, int], ...]) -> None:
    with pytest.raises(ValueError, match="work_periods must be"):
        WorkCalendar.from_frame(pd.DataFrame({"day": [], "is_workday": []}), periods)


def test_frame_without_required_columns() -> None:
    with pytest.raises(ValueError, match=r"lacks columns \['is_workday'\]; columns found: \['day', 'kind'\]"):
        WorkCalendar.from_frame(pd.DataFrame({"day": [dt.date(2025, 1, 1)], "kind": ["x"]}), PERIODS)


def test_empty_frame_is_the_weekday_rule() -> None:
    bare = WorkCalendar.from_frame(pd.DataFrame({"day": [], "is_workday": []}), PERIODS)
    # 2025-10-01 is a holiday in China, but a plain Wednesday by the weekday rule.
    assert add1(bare, "2025-09-30 16:00", 4, "working_hours") == pd.Timestamp("2025-10-01 10:00")


def test_frame_with_a_day_twice() -> None:
    days = pd.DataFrame({"day": [dt.date(2025, 1, 1), dt.date(2025, 1, 1)], "is_workday": [False, True]})
    with pytest.raises(ValueError, match="lists day 2025-01-01 more than once"):
        WorkCalendar.from_frame(days, PERIODS)

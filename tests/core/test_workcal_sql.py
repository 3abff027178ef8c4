"""The working-time model is written twice, in numpy (``WorkCalendar``) and in SQL (``working_seconds_sql``), side by
side in ``core.workcal``: the two must give the same working time between any two instants, 调休 weekends and
holidays included."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from core.workcal import (
    WorkCalendar,
    calendar_days_sql,
    calendar_rows,
    day_seconds,
    working_day_sql,
    working_instant_sql,
    working_seconds_sql,
)

PERIODS = ((8 * 60, 12 * 60), (14 * 60, 18 * 60))


@pytest.mark.parametrize("periods", [PERIODS, ((9 * 60, 17 * 60),), ((0, 24 * 60),)])
def test_sql_and_python_measure_the_same_working_time(periods: tuple) -> None:
    days = calendar_rows(2025, 2026)
    calendar = WorkCalendar.from_frame(days, periods)
    rng = np.random.default_rng(7)
    base = np.datetime64("2025-09-20T00:00")  # the National Day week and its make-up Sundays (2025-09-28, 10-11)
    start = base + rng.integers(0, 40 * 24 * 60, 400).astype("timedelta64[m]")
    end = start + rng.integers(0, 20 * 24 * 60, 400).astype("timedelta64[m]")
    start[:3] = np.array(["2025-09-28T07:59", "2025-10-01T09:00", "2025-09-30T17:30"], dtype="datetime64[m]")
    end[:3] = np.array(["2025-09-28T12:01", "2025-10-08T09:00", "2025-10-11T08:30"], dtype="datetime64[m]")
    expected = calendar.elapsed(start, end, "working_hours") * 3600
    with duckdb.connect() as con:
        con.execute("CREATE TABLE work_calendar AS SELECT * FROM days")
        con.register("pairs", pd.DataFrame({"i": range(len(start)), "s": start, "e": end}))
        w = working_seconds_sql(periods, before="k.before", workday="k.workday", instant="t")
        sql = f"""
            WITH k AS (SELECT * FROM {calendar_days_sql("TIMESTAMP '2025-09-01'", "TIMESTAMP '2025-12-31'")}),
            ends AS (
                SELECT p.i, v.which, {w} AS w
                FROM pairs p, LATERAL (VALUES ('s', p.s), ('e', p.e)) AS v(which, t)
                JOIN k ON k.day = CAST(t AS DATE)
            )
            SELECT a.i, b.w - a.w AS seconds FROM ends a JOIN ends b ON a.i = b.i AND a.which = 's' AND b.which = 'e'
            ORDER BY a.i
        """
        got = con.execute(sql).df()["seconds"].to_numpy()
    np.testing.assert_allclose(got, expected, atol=1e-6)
    if periods == PERIODS:
        assert expected[:2].tolist() == [4 * 3600, 0]  # a make-up Sunday is worked; 10-01 … 10-08 are holidays
    assert day_seconds(periods) == sum(b - a for a, b in periods) * 60


@pytest.mark.parametrize("periods", [PERIODS, ((9 * 60, 17 * 60),), ((0, 24 * 60),)])
def test_sql_and_python_shift_by_the_same_working_time(periods: tuple) -> None:
    """``working_instant_sql`` at W(start) + hours is ``WorkCalendar.add(start, hours, "working_hours")``, backwards
    too, from instants inside and outside working time, across the National Day holidays and make-up days."""
    days = calendar_rows(2025, 2026)
    calendar = WorkCalendar.from_frame(days, periods)
    rng = np.random.default_rng(11)
    start = np.datetime64("2025-09-20T00:00") + rng.integers(0, 40 * 24 * 60, 400).astype("timedelta64[m]")
    hours = rng.choice([-30.0, -8.0, -2.5, -0.25, 0.5, 1.0, 4.0, 7.75, 26.0, 60.0], 400)
    start[:4] = np.array(["2025-09-30T18:00", "2025-10-09T08:00", "2025-09-28T12:00", "2025-09-28T14:00"], "M8[m]")
    hours[:4] = [4.0, -4.0, -4.0, 4.0]  # a period's end is reached at that end, not at the next period's start
    expected = calendar.add(start, hours, "working_hours")
    with duckdb.connect() as con:
        con.execute("CREATE TABLE work_calendar AS SELECT * FROM days")
        con.register("shifts", pd.DataFrame({"i": range(len(start)), "s": start, "h": hours}))
        w = working_seconds_sql(periods, before="k.before", workday="k.workday", instant="p.s")
        target = "(w + h * 3600)"
        sql = f"""
            WITH k AS MATERIALIZED (SELECT * FROM {calendar_days_sql("DATE '2025-08-01'", "DATE '2026-01-31'")}),
            p AS (SELECT p.i, p.h, {w} AS w FROM shifts p JOIN k ON k.day = CAST(p.s AS DATE))
            SELECT p.i, {working_instant_sql(periods, ordinal=target, day="d.day")} AS t
            FROM p JOIN k d ON d.workday AND d.before = {working_day_sql(periods, target)}
            ORDER BY p.i
        """
        got = con.execute(sql).df()
    assert got["i"].tolist() == list(range(len(start)))
    np.testing.assert_array_equal(got["t"].to_numpy("datetime64[ns]"), expected)
    if periods == PERIODS:
        assert [str(t)[:16] for t in expected[:4]] == [
            "2025-10-09T12:00",  # 10-01 … 10-08 are holidays
            "2025-09-30T12:00",  # back from before work: the earliest instant of that working time, not 14:00
            "2025-09-26T18:00",  # the make-up Sunday 09-28 began the working day; Saturday 09-27 is not worked
            "2025-09-28T18:00",
        ]

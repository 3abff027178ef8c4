"""Step lights at a moment, worked out by hand on the dispatch city (tests/dispatch_city.py): the Python rule
(``analytics.sla``) and the same rule in the database (``queries.light_cases``, what the dispatch page reads).

Now is Sunday 2025-09-28 10:30, a make-up working day (调休) before the National Day holiday; work periods
08:00–12:00 and 14:00–18:00; Saturday 09-27 is not worked. Limits: accept 1, register 1, dispatch 1, sign 2,
check 2, close 2 working hours; handling 06010 4, 09xxx 2 working hours, urgent 2 continuous hours, 01013 3
working days.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from dispatch_city import NOW

import queries
from analytics.sla import current_lights, resolve_limits, step_durations, warn_fraction
from core.workcal import WorkCalendar
from settings import Settings

# case: (step, elapsed in the step's clock unit, light, pending, handle fraction, hours left, handle light)
EXPECTED = {
    # reported Fri 17:30: Fri 0.5 h + Sun (worked) 08:00–10:30 2.5 h = 3 h of a 1 h limit
    "t:L1": ("accept", 3.0, "red", True, 3.0 / 4, 1.0, "on_time"),
    # dispatched Sun 08:30: 2 h of the 2 h signing limit: at the limit, not past it (deadline 10:30 = now)
    "t:L2": ("sign", 2.0, "yellow", True, 2.0 / 2, 0.0, "due_soon"),
    "t:L3": ("sign", 1.5, "green", True, 1.5 / 4, 2.5, "on_time"),
    # dispatched Fri 16:00, 4 h: Fri 2 h + Sun 2 h → deadline Sun 10:00, across the make-up weekend
    "t:L4": ("handle", 4.5, "red", True, 4.5 / 4, -0.5, "overdue"),
    "t:L5": ("handle", 1.75, "yellow", True, 1.75 / 2, 0.25, "due_soon"),
    # urgent: 2 continuous hours from Sat 20:00
    "t:L6": ("handle", 14.5, "red", True, 14.5 / 2, -12.5, "overdue"),
    # dispatched Thu 09:00: Thu 7 h + Fri 8 h + Sun 2.5 h; deadline Thu 15:00, 13.5 working hours ago
    "t:L7": ("handle", 17.5, "red", True, 17.5 / 4, -13.5, "overdue"),
    # returned by SC at 09:00: its re-dispatch, 1 h limit, has run 1.5 h; its handling deadline 10:20 passed
    "t:L8": ("dispatch", 1.5, "red", True, (2 + 1 / 6) / 2, -1 / 6, "overdue"),
    # sent back for rework at the check of Sun 09:30: handled again from then, 1 h of 4
    "t:L9": ("handle", 1.0, "green", False, None, None, None),
    # handled Sun 08:50: checking, 1 h 40 of 2 h
    "t:L10": ("check", 5 / 3, "yellow", False, None, None, None),
    # checked Fri 17:30: closing, Fri 0.5 h + Sun 2.5 h of 2 h
    "t:L11": ("close", 3.0, "red", False, None, None, None),
    # IoT alarms: 40 and 20 minutes of the 1 h accept limit
    "t:L12": ("accept", 2 / 3, "green", True, (2 / 3) / 24, 24 - 2 / 3, "on_time"),
    "t:L13": ("accept", 1 / 3, "green", True, (1 / 3) / 24, 24 - 1 / 3, "on_time"),
}


@pytest.fixture(scope="module")
def frames(dispatch_city: Settings) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(dispatch_city.db_path), read_only=True) as con:
        return {
            "open": queries.open_case_rows(con),
            "limits": queries.time_limits(con),
            "calendar": queries.work_calendar_days(con),
        }


def lights(frames: dict[str, pd.DataFrame], *, calendar: pd.DataFrame | None = None, **options) -> pd.DataFrame:
    days = frames["calendar"] if calendar is None else calendar
    cal = WorkCalendar.from_frame(days, Settings().work_periods)
    lit = current_lights(frames["open"], frames["limits"], cal, as_of=NOW, warn=0.8, **options)
    return lit.set_index("case_uid")


def sql_lights(db: Path, **options) -> pd.DataFrame:
    """The same lights from the database (``queries.light_cases``: every open case, by report time)."""
    per_step = tuple(options.pop("per_step", {}).items())
    with duckdb.connect(str(db), read_only=True) as con:
        found = queries.light_cases(
            con, as_of=NOW, work_periods=Settings().work_periods, warn=0.8, step_warn=per_step, **options
        )
    return found.set_index("case_uid")


@pytest.fixture(params=["python", "sql"])
def lit_by(request, frames, dispatch_city: Settings):
    """The lights of the dispatch city at NOW by the Python rule or by the database."""
    if request.param == "python":
        return lambda **options: lights(frames, **options)
    return lambda **options: sql_lights(dispatch_city.db_path, **options)


def test_every_open_case_waits_on_its_step_with_the_light_worked_out_by_hand(lit_by) -> None:
    lit = lit_by()
    assert sorted(lit.index) == sorted(EXPECTED)
    for uid, (step, elapsed, light, pending, fraction, left, handle) in EXPECTED.items():
        row = lit.loc[uid]
        assert (row["step"], row["step_light"], bool(row["pending"])) == (step, light, pending), uid
        assert row["step_elapsed"] == pytest.approx(elapsed, abs=1e-9), uid
        if pending:
            assert row["handle_fraction"] == pytest.approx(fraction, abs=1e-9), uid
            assert row["hours_left"] == pytest.approx(left, abs=1e-9), uid
            assert row["handle_light"] == handle, uid
        else:
            assert row["handle_light"] is None, uid
    assert lit.loc["t:L8", "step_started"] == pd.Timestamp("2025-09-28 09:00")  # the return, from the flow
    assert lit.loc["t:L9", "step_started"] == pd.Timestamp("2025-09-28 09:30")  # the failed check
    assert lit.loc["t:L11", "step_limit"] == 2.0  # the close limit


def test_without_the_make_up_day_the_weekend_case_would_still_be_green(
    frames, dispatch_city: Settings, tmp_path: Path
) -> None:
    days = frames["calendar"].copy()
    days.loc[days["day"] == pd.Timestamp("2025-09-28"), "is_workday"] = False  # as an ordinary Sunday
    copy = tmp_path / "onemap.duckdb"
    shutil.copyfile(dispatch_city.db_path, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("UPDATE work_calendar SET is_workday = false WHERE day = DATE '2025-09-28'")
    for lit in (lights(frames, calendar=days), sql_lights(copy)):
        assert lit.loc["t:L1", "step_elapsed"] == pytest.approx(0.5)  # Friday's half hour only
        assert lit.loc["t:L1", "step_light"] == "green"
        assert lit.loc["t:L4", "step_light"] == "red"  # its deadline is the ETL's, set with the make-up day


def test_a_step_may_warn_earlier_than_the_others(lit_by) -> None:
    lit = lit_by(per_step={"sign": 0.7})
    assert lit.loc["t:L3", "step_light"] == "yellow"  # 0.75 of the signing limit
    assert lit_by().loc["t:L3", "step_light"] == "green"
    with pytest.raises(ValueError, match=r"unknown steps \['signing'\]"):
        warn_fraction("sign", 0.8, {"signing": 0.5})
    with pytest.raises(ValueError, match=r"must be in \(0, 1\], got 1.5"):
        warn_fraction("sign", 1.5, {})


def test_limits_are_found_most_specific_first() -> None:
    limits = pd.DataFrame(
        {
            "category_code": ["*", "06", "06010", "hotline:*", "*"],
            "step": ["accept", "accept", "accept", "accept", "check"],
            "clock": ["working_hours", "working_hours", "continuous_hours", "natural_days", "working_hours"],
            "amount": [1.0, 2.0, 3.0, 1.0, 2.0],
        }
    )
    keys = pd.DataFrame(
        {
            "channel": ["patrol", "patrol", "hotline", "patrol", None],
            "category_code": ["06010", "06011", "06010", "09005", None],
        }
    )
    found = resolve_limits(limits, keys, "accept")
    assert found["clock"].tolist() == [
        "continuous_hours",
        "working_hours",
        "natural_days",
        "working_hours",
        "working_hours",
    ]
    assert found["amount"].tolist() == [3.0, 2.0, 1.0, 1.0, 1.0]
    assert resolve_limits(limits, keys, "register")["amount"].tolist() == [3.0, 2.0, 1.0, 1.0, 1.0]  # accept's
    assert resolve_limits(limits, keys, "close")["amount"].tolist() == [2.0] * 5  # check's
    assert resolve_limits(limits, keys, "sign")["amount"].isna().all()  # none for signing


def test_a_done_case_step_by_step(frames, dispatch_city: Settings) -> None:
    with duckdb.connect(str(dispatch_city.db_path), read_only=True) as con:
        case = queries.case_detail(con, case_uid="t:R1").iloc[0]
    cal = WorkCalendar.from_frame(frames["calendar"], Settings().work_periods)
    steps = step_durations(
        case, frames["limits"], cal, as_of=NOW, warn=0.8, first_dispatch=dt.datetime(2025, 9, 1, 9, 20)
    ).set_index("step")
    # reported 09:00, accepted 09:05, registered 09:10, first dispatch 09:20, last 11:10, signed 11:20,
    # handled 14:30 (09005: 2 working hours), checked 15:00, closed 15:10
    assert list(steps.index) == ["accept", "register", "dispatch", "sign", "handle", "check", "close"]
    expected = {
        "accept": 5 / 60,
        "register": 5 / 60,
        "dispatch": 10 / 60,
        "sign": 10 / 60,
        "handle": (50 + 30) / 60,
        "check": 0.5,
        "close": 10 / 60,
    }
    for step_key, hours in expected.items():
        assert steps.loc[step_key, "elapsed"] == pytest.approx(hours), step_key
    assert steps.loc["handle", "fraction"] == pytest.approx(80 / 60 / 2)
    assert set(steps["light"]) == {"green"} and not steps["running"].any()
    running = step_durations(lights_row(frames, "t:L4"), frames["limits"], cal, as_of=NOW, warn=0.8).set_index("step")
    assert bool(running.loc["handle", "running"]) and running.loc["handle", "light"] == "red"
    assert np.isnat(running.loc["handle", "ended"].to_datetime64())


def lights_row(frames: dict[str, pd.DataFrame], uid: str) -> pd.Series:
    return frames["open"].set_index("case_uid").loc[uid].rename(uid)

"""The dispatch patterns planted in the demo city (demo/dispatch.py, recorded in dispatch_truth.json) are what the
dispatch views find: the ping-pong chain, the disputed class, the slow and the fast department, the department that
arrives late to whistles. And what the database computes for the dispatch page (the case warnings, the step lights)
is what the Python rules compute, case by case."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from collections.abc import Iterator

import duckdb
import numpy as np
import pandas as pd
import pytest

import queries
from analytics.dispatch import DispatchOptions, Period, Run, light_case_request, light_count_request
from analytics.ranking import ranking_table
from analytics.sla import counted as counted_of
from analytics.sla import current_lights
from analytics.warnings import found_warnings, level_counts, usable_rules
from core.catalog import OPEN_TABLE
from core.measures import ratio_of
from core.warning_rules import IOT_CHANNEL, KINDS
from core.workcal import WorkCalendar
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


def python_lights(run: Run, period: Period, options: DispatchOptions) -> pd.DataFrame:
    """Every open case matching the period's filters with its lights at ``period.now`` by the Python rule
    (``analytics.sla.current_lights``), from the open cases, the time limits and the working calendar."""
    return current_lights(
        run("open_case_rows", dict(period.filters)),
        run("time_limits", {}),
        options.calendar(run("work_calendar_days", {})),
        as_of=period.now,
        warn=options.warn,
        per_step=options.step_warn,
    )


# ---------------------------------------------------------------- the case warnings: SQL against the old Python
def _old_case_warnings(lit: pd.DataFrame, rules: pd.DataFrame, calendar: WorkCalendar, now: dt.datetime):
    """The case warnings as ``analytics.warnings`` computed them before the database did (kept here as the
    reference): every case rule on the open cases' lights, one warning per case at its most severe rule."""

    def in_scope(cases: pd.DataFrame, rule) -> pd.Series:
        keep = pd.Series(True, index=cases.index)
        channel, category = rule.get("channel"), rule.get("category_code")
        if rule["kind"] == "iot_unanswered" and not (isinstance(channel, str) and channel):
            channel = IOT_CHANNEL
        if isinstance(channel, str) and channel:
            keep &= cases["channel"] == channel
        if isinstance(category, str) and category:
            keep &= cases["category_code"].fillna("").str.startswith(category)
        return keep

    def shifted(at: pd.Series, hours: float, working: pd.Series) -> np.ndarray:
        clock = np.where(working.to_numpy(bool), "working_hours", "continuous_hours")
        return calendar.add(at.to_numpy("datetime64[ns]"), hours, clock)

    found = []
    for rule in usable_rules(rules)[0].to_dict("records"):
        if KINDS[rule["kind"]].subject != "case":
            continue
        kind, threshold = rule["kind"], float(rule["threshold"])
        cases = lit[in_scope(lit, rule)]
        working = cases["handle_clock"].isin(["working_hours", "working_days"])
        if kind == "iot_unanswered":
            unanswered = cases["accepted_at"].isna() & cases["dispatched_at"].isna()
            minutes = (pd.Timestamp(now) - cases["reported_at"]).dt.total_seconds() / 60
            hit = unanswered & (minutes >= threshold)
            fired = cases["reported_at"] + pd.to_timedelta(threshold, unit="min")
            hits = cases[hit].assign(value=minutes[hit], fired_at=fired[hit])
        elif kind == "due_soon":
            hit = (cases["handle_light"] != "overdue") & cases["pending"] & (cases["hours_left"] <= threshold)
            fired = shifted(cases["handle_deadline"], -threshold, working)
            hits = cases[hit].assign(value=cases["hours_left"][hit], fired_at=fired[hit.to_numpy()])
        else:
            flags = {"overdue_urgent": "is_urgent", "overdue_supervised": "is_supervised"}
            hit = (cases["handle_light"] == "overdue") & (-cases["hours_left"] >= threshold)
            if kind in flags:
                hit &= cases[flags[kind]].astype(bool)
            fired = shifted(cases["handle_deadline"], threshold, working)
            hits = cases[hit].assign(value=-cases["hours_left"][hit], fired_at=fired[hit.to_numpy()])
        figures = {name: rule[name] for name in ("level", "rule_id", "kind", "threshold")}
        found.append(hits[["case_uid", "category_code", "dept_code", "value", "fired_at"]].assign(**figures))
    every = pd.concat(found, ignore_index=True).sort_values(["level", "rule_id"], kind="stable")
    first = ~every["case_uid"].duplicated()
    also = every[~first].groupby("case_uid")["rule_id"].agg(",".join)
    warnings = every[first].assign(also=lambda w: w["case_uid"].map(also).fillna(""))
    warnings = warnings.assign(fired_at=pd.to_datetime(warnings["fired_at"]))
    return warnings.sort_values(["level", "fired_at", "case_uid"], ascending=[True, False, True], kind="stable")


#: Rules besides the city's defaults, so that every shift of a deadline by a threshold (back and forth, on both
#: clocks), a class and a channel scope and a fractional threshold are compared too.
EXTRA_RULES = [
    ("X-DUE", 3, "due_soon", 10.5, None, None),
    ("X-LATE", 2, "overdue", 3.25, None, None),
    ("X-LATE-06", 1, "overdue", 1.0, None, "06"),
    ("X-HOTLINE", 2, "due_soon", 26.0, "hotline", None),
    ("X-IOT", 3, "iot_unanswered", 45.5, None, None),
]


@pytest.fixture(scope="module")
def ruled(demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Run]]:
    settings = dataclasses.replace(demo[0], db_path=tmp_path_factory.mktemp("ruled") / "onemap.duckdb")
    shutil.copyfile(demo[0].db_path, settings.db_path)
    with duckdb.connect(str(settings.db_path)) as con:
        for rule_id, level, kind, threshold, channel, category in EXTRA_RULES:
            con.execute(
                "INSERT INTO warning_rule (rule_id, level, kind, threshold, channel, category_code, enabled, name_zh,"
                " name_en) VALUES (?, ?, ?, ?, ?, ?, true, ?, ?)",
                [rule_id, level, kind, threshold, channel, category, rule_id, rule_id],
            )
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        yield settings, lambda name, kwargs: queries.QUERIES[name](con, **kwargs)


@pytest.mark.parametrize(
    ("now", "filters"),
    [
        (dt.datetime(2026, 11, 20, 18, 0), {}),  # a Friday evening: the demo's last day
        (dt.datetime(2026, 11, 20, 9, 47), {"channel": ("hotline", "iot")}),  # in a work period
        (dt.datetime(2026, 11, 22, 11, 5), {}),  # a Sunday: working clocks stand still
        (dt.datetime(2026, 11, 24, 13, 0), {"category_major": ("06",)}),  # the lunch break, days later
    ],
)
def test_the_case_warnings_computed_in_sql_are_those_python_computed(ruled, now, filters) -> None:
    settings, run = ruled
    options = DispatchOptions.from_settings(settings)
    period = Period(START, END, now, filters=filters)
    rules = run("warning_rules", {})
    lit = python_lights(run, period, options)
    expected = _old_case_warnings(lit, rules, options.calendar(run("work_calendar_days", {})), now)
    found = found_warnings(run, period, options)
    got = found.table[found.table["subject"] == "case"]
    assert len(expected) >= 10 and expected["rule_id"].nunique() >= 4 and (expected["also"] != "").any()
    columns = ["case_uid", "level", "rule_id", "category_code", "dept_code", "also"]
    assert got[columns].values.tolist() == expected[columns].values.tolist()
    np.testing.assert_allclose(got["value"].astype(float), expected["value"].astype(float), rtol=0, atol=1e-6)
    assert (got["fired_at"].to_numpy() == expected["fired_at"].to_numpy("datetime64[ns]")).all()
    # the page's cut: the first rows and the counts of all
    first = found_warnings(run, period, options, limit=25)
    assert first.table.equals(found.table.head(25))
    assert first.counts.equals(level_counts(found.table))


# ---------------------------------------------------------------- the step lights: SQL against the Python rule
#: Time limits besides the shipped ones (every step's is '*' there), so that the most specific key wins over the
#: others (channel:class, channel:major, channel:*, class, major), a step falls back to another's key (立案 to
#: 受理's, 结案 to 核查's), every clock is used, and signing has no limit outside its keys (light "none").
EXTRA_LIMITS = [
    ("hotline:*", "accept", "natural_days", 0.5),
    ("06", "accept", "working_days", 0.25),
    ("patrol:06010", "accept", "continuous_hours", 1.5),
    ("09", "accept", "working_hours", 2.5),
    ("deliberation:09", "register", "natural_days", 0.1),
    ("citizen_app:*", "dispatch", "continuous_hours", 6.0),
    ("06010", "dispatch", "working_days", 0.5),
    ("09", "sign", "natural_days", 1.0),
    ("06", "sign", "working_hours", 3.0),
    ("hotline:09", "check", "continuous_hours", 36.0),
    ("06", "check", "working_days", 0.3),
    ("07", "close", "continuous_hours", 5.0),
]


@pytest.fixture(scope="module")
def limited(demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Run]]:
    settings = dataclasses.replace(demo[0], db_path=tmp_path_factory.mktemp("limited") / "onemap.duckdb")
    shutil.copyfile(demo[0].db_path, settings.db_path)
    with duckdb.connect(str(settings.db_path)) as con:
        con.execute("DELETE FROM time_limit WHERE step = 'sign' AND category_code = '*'")
        con.executemany(
            "INSERT INTO time_limit (category_code, step, clock, amount, note) VALUES (?, ?, ?, ?, 'test')",
            [list(row) for row in EXTRA_LIMITS],
        )
        # the demo leaves no open case returned or sent back for rework: a few made so (with an extension; one
        # without the time of its return or check), so the rule's branches for them are compared too
        con.execute(f"""
            UPDATE {OPEN_TABLE} o SET status = 'rework',
                   checked_at = CASE WHEN p.n > 1 THEN o.dispatched_at + INTERVAL 150 MINUTE END
            FROM (SELECT case_uid, row_number() OVER (ORDER BY case_uid) AS n FROM {OPEN_TABLE}
                  WHERE status = 'extension' AND extension_hours > 0) p
            WHERE o.case_uid = p.case_uid AND p.n <= 5
        """)
        con.execute(f"""
            UPDATE {OPEN_TABLE} o SET status = 'returned',
                   returned_at = CASE WHEN p.n > 1 THEN o.dispatched_at + INTERVAL 40 MINUTE END
            FROM (SELECT case_uid, row_number() OVER (ORDER BY case_uid) AS n FROM {OPEN_TABLE}
                  WHERE status = 'dispatched') p
            WHERE o.case_uid = p.case_uid AND p.n <= 5
        """)
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        yield settings, lambda name, kwargs: queries.QUERIES[name](con, **kwargs)


def _text(values: pd.Series) -> list[object]:
    return values.astype(object).where(values.notna(), None).tolist()


@pytest.mark.parametrize(
    ("now", "filters", "per_step"),
    [
        (dt.datetime(2026, 11, 20, 18, 0), {}, {}),  # a Friday evening: the demo's last day
        (dt.datetime(2026, 11, 20, 9, 47), {"channel": ("hotline", "patrol")}, {"sign": 0.6}),  # in a work period
        (
            dt.datetime(2026, 11, 22, 11, 5),
            {},
            {"handle": 0.5, "accept": 0.05, "register": 0.05, "sign": 0.05},
        ),  # a Sunday: working clocks stop
        (dt.datetime(2026, 11, 24, 13, 0), {"category_major": ("06",)}, {}),  # the lunch break, days later
        (dt.datetime(2026, 12, 30, 8, 0), {}, {"check": 1.0}),  # weeks later: nearly everything red
    ],
)
def test_the_step_lights_computed_in_sql_are_those_python_computes(limited, now, filters, per_step) -> None:
    """Every open case, every light and figure: the database's (what the dispatch page reads) equal the Python
    rule's (``analytics.sla.current_lights``), and the counts and the page's cuts are those of the Python rows."""
    settings, run = limited
    options = dataclasses.replace(DispatchOptions.from_settings(settings), step_warn=per_step)
    period = Period(START, END, now, filters=filters)
    expected = python_lights(run, period, options)
    got = run(*light_case_request(period, options, pick=None))
    assert len(expected) >= 150
    assert got["case_uid"].tolist() == expected["case_uid"].tolist()
    for column in ("step", "step_clock", "step_light", "handle_light"):
        assert _text(got[column]) == _text(expected[column]), column
    assert got["pending"].tolist() == expected["pending"].tolist()
    np.testing.assert_array_equal(got["step_started"].to_numpy("datetime64[ns]"), expected["step_started"])
    for column in ("step_limit", "step_elapsed", "step_fraction", "handle_fraction", "hours_left"):
        np.testing.assert_allclose(got[column].astype(float), expected[column].astype(float), rtol=0, atol=1e-9)
    # not a trivial agreement: several steps, every light and handling light, a step without a limit
    if not filters and now.month == 11:  # not trivial: every step, clock and light, limits by own key and another's
        assert set(expected["step"].dropna()) == {"accept", "register", "dispatch", "sign", "handle", "check", "close"}
        assert set(expected["step_clock"].dropna()) == {
            "working_hours",
            "working_days",
            "continuous_hours",
            "natural_days",
        }
        assert set(expected["step_light"].dropna()) == {"red", "yellow", "green", "none"}
        assert set(expected["handle_light"].dropna()) == {"overdue", "due_soon", "on_time"}
        assert {"returned", "rework"} <= set(expected["status"])
        register = expected.loc[expected["step"] == "register", "step_clock"]
        assert set(register) == {"natural_days", "working_hours"}  # deliberation:09 by its own key, else accept's

    # the counts the page sums, and the rows it shows: the first of each pick and the count of all
    keys = ["dept_code", "step", "step_light", "handle_light"]
    counted = (
        expected.assign(urgent=expected["is_urgent"].astype(bool), supervised=expected["is_supervised"].astype(bool))
        .groupby(keys, dropna=False)
        .agg(cases=("case_uid", "size"), urgent=("urgent", "sum"), supervised=("supervised", "sum"))
        .reset_index()
    )
    counts = run(*light_count_request(period, options)).sort_values(keys, na_position="last", ignore_index=True)
    counted = counted.sort_values(keys, na_position="last", ignore_index=True)
    assert counts[keys].astype(object).where(counts[keys].notna(), None).values.tolist() == (
        counted[keys].astype(object).where(counted[keys].notna(), None).values.tolist()
    )
    assert counts[["cases", "urgent", "supervised"]].values.tolist() == (
        counted[["cases", "urgent", "supervised"]].values.tolist()
    )
    rank = {"red": 0, "yellow": 1, "green": 2}
    located = expected[expected["lon"].notna() & expected["lat"].notna() & expected["step_light"].isin(list(rank))]
    pressing = located.iloc[np.argsort(located["step_light"].map(rank).to_numpy(), kind="stable")]
    late = expected[expected["step_light"].isin(["red", "yellow"])].sort_values(
        "step_fraction", ascending=False, kind="stable"
    )
    dept = expected["dept_code"].value_counts().index[0]
    handling = {"overdue": 0, "due_soon": 1, "on_time": 2}
    mine = expected[expected["dept_code"] == dept]
    held = mine.assign(_order=mine["handle_light"].map(handling).fillna(3)).sort_values(
        ["_order", "hours_left", "reported_at"], kind="stable"
    )
    for pick, rows, chosen in (("pressing", pressing, None), ("late", late, None), ("held", held, dept)):
        cut = run(*light_case_request(period, options, pick=pick, dept_code=chosen, limit=50))
        assert cut["case_uid"].tolist() == rows["case_uid"].head(50).tolist() and len(rows) > 50, pick
    # how many each list was cut from, as the page says it: from the counts
    assert counted_of(counts, step_lights=("red", "yellow")) == len(late)
    assert counted_of(counts, dept_code=dept) == len(held)
    assert counted_of(counts, step_lights=("red", "yellow", "green")) == expected["step_light"].isin(list(rank)).sum()

"""Time-limit lights (时限红绿灯): how much of its limit each step of a case has used, on the working calendar.

A step is green below the warning share of its limit, yellow from it up to the limit, red past it (the domain's
80 % by default; per step in ``settings.step_warn_fractions``). Working time is ``core.workcal``'s
``WorkCalendar`` (the Chinese calendar with its 调休 make-up days, the work periods of the settings); a step's
limit is found in the ``time_limit`` rows by ``core.workflow.limit_keys`` (most specific first), the handling
step's is the case's own (its clock, amount and granted extension, as the ETL set the deadline).

* ``current_lights``: for every open case, the step it waits on now (``core.workflow.STATE_STEP``) and that
  step's light at ``as_of``; and, for the pending ones (not yet handled), the light of the handling deadline:
  ``overdue`` (red) past it, ``due_soon`` (yellow) once the warning share of the handling limit is used.
* ``step_durations``: every step of one case, done or running, against its limit (the case timeline).

The dispatch page evaluates the same rule in the database (``queries.lights``: only the counts and the rows it
shows leave DuckDB; a test compares the two on the demo city, every open case and every light);
``step_light_table`` and ``pending_figures`` sum those counts (``queries.light_counts``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from core.workcal import WorkCalendar
from core.workflow import LIGHTS, STATE_STEP, STEPS, Step, limit_keys, step, warn_fraction

#: Columns ``current_lights`` needs of the open cases (``queries.open_case_rows``).
OPEN_CASE_COLUMNS: tuple[str, ...] = (
    "case_uid",
    "channel",
    "category_code",
    "status",
    "reported_at",
    "accepted_at",
    "registered_at",
    "dispatched_at",
    "signed_at",
    "handled_at",
    "checked_at",
    "returned_at",
    "handle_deadline",
    "handle_clock",
    "handle_limit",
    "extension_hours",
)
#: The columns of the light counts (``queries.light_counts``): per department, step, step light and handling light.
COUNT_COLUMNS: tuple[str, ...] = ("dept_code", "step", "step_light", "handle_light", "cases", "urgent", "supervised")
#: The figures of now of the pending cases (open, not yet handled), from the light counts.
PENDING_FIGURES: tuple[str, ...] = ("pending", "due_soon", "overdue", "urgent_pending", "supervised_pending")
#: Clocks measured in working time (the others in wall-clock time).
_WORKING = ("working_hours", "working_days")


def _require(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{what} frame lacks columns {missing}; it has {list(frame.columns)}")


def resolve_limits(limits: pd.DataFrame, keys: pd.DataFrame, step_key: str) -> pd.DataFrame:
    """The limit of ``step_key`` (``clock``, ``amount``; NA where none applies) for each row of ``keys``
    (``channel``, ``category_code``), from ``time_limit`` rows (``category_code``, ``step``, ``clock``,
    ``amount``): the step's own key first, then its fallbacks (``core.workflow.Step.limits``), each by the most
    specific category key. Resolved once per distinct (channel, class)."""
    _require(limits, ("category_code", "step", "clock", "amount"), "time limit")
    rules = {
        (rule_step, key): (clock, float(amount))
        for rule_step, key, clock, amount in limits[["step", "category_code", "clock", "amount"]].itertuples(
            index=False
        )
    }
    channel = keys["channel"].astype(object).where(keys["channel"].notna(), None).to_numpy()
    category = keys["category_code"].astype(object).where(keys["category_code"].notna(), None).to_numpy()
    # one lookup per distinct (channel, class): a handful, whatever the rows
    codes, _uniques = pd.factorize(pd.Series([f"{a}\x1f{b}" for a, b in zip(channel, category, strict=True)]))
    first = pd.Series(np.arange(len(codes))).groupby(codes).first().to_numpy() if len(codes) else np.array([], int)
    clocks: list[str | None] = []
    amounts: list[float] = []
    for i in first:
        candidates = limit_keys(channel[i], category[i])
        found = next(
            (rules[(limit, key)] for limit in step(step_key).limits for key in candidates if (limit, key) in rules),
            None,
        )
        clocks.append(found[0] if found else None)
        amounts.append(found[1] if found else np.nan)
    return pd.DataFrame(
        {
            "clock": pd.Series(np.array([*clocks, None], dtype=object)[codes], index=keys.index, dtype=object),
            "amount": pd.Series(np.array([*amounts, np.nan], dtype=float)[codes], index=keys.index, dtype=float),
        }
    )


def _times(values: pd.Series) -> pd.Series:
    """``values`` as datetime64[ns] (a no-op for the time columns a query returns; no per-value parsing)."""
    return values if values.dtype == "datetime64[ns]" else values.astype("datetime64[ns]")


def _first_present(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    start = _times(frame[columns[0]])
    for column in columns[1:]:
        start = start.fillna(_times(frame[column]))
    return start


def _light(fraction: np.ndarray, warn: float, red: np.ndarray) -> np.ndarray:
    return np.select([red, fraction >= warn, np.isfinite(fraction)], ["red", "yellow", "green"], default="none")


def _handle_limit_hours(frame: pd.DataFrame, hours_per_day: float) -> tuple[np.ndarray, np.ndarray]:
    """The handling limit in hours of its clock, extensions included (as the ETL set the deadline), and whether
    that clock runs in working time."""
    clock = frame["handle_clock"].astype(object).to_numpy()
    amount = pd.to_numeric(frame["handle_limit"], errors="coerce").to_numpy(dtype=float)
    per_day = np.where(clock == "working_days", hours_per_day, np.where(clock == "natural_days", 24.0, 1.0))
    extension = pd.to_numeric(frame["extension_hours"], errors="coerce").fillna(0).to_numpy(dtype=float)
    working = np.isin(clock, _WORKING)
    return amount * per_day + extension, working


def _elapsed_hours(calendar: WorkCalendar, start: pd.Series, end: np.ndarray, working: np.ndarray) -> np.ndarray:
    clock = np.where(working, "working_hours", "continuous_hours")
    return calendar.elapsed(start.to_numpy("datetime64[ns]"), end, clock)


def current_lights(
    open_cases: pd.DataFrame,
    limits: pd.DataFrame,
    calendar: WorkCalendar,
    *,
    as_of: dt.datetime,
    warn: float,
    per_step: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """``open_cases`` (``OPEN_CASE_COLUMNS`` at least) with, per case at ``as_of``:

    * ``step`` (the step it waits on; None for a state without one), ``step_started`` (when that step began:
      the returned case's return, the reworked case's failed check), ``step_clock``, ``step_limit`` (in the
      clock's unit), ``step_elapsed`` (same unit), ``step_fraction`` and ``step_light`` (red, yellow, green,
      none: ``core.workflow.LIGHTS``);
    * ``pending`` (not yet handled), ``handle_fraction`` (share of the handling limit used), ``hours_left``
      (before the handling deadline, in the hours of its clock: working hours on a working clock; negative
      once overdue) and ``handle_light``: ``overdue`` when pending and past the deadline, ``due_soon`` when
      pending and at least the handling step's warning share is used, else ``on_time``; None when not pending.

    ``warn``: the warning share of a step's limit (``settings.warn_fraction``), ``per_step`` its overrides.
    """
    _require(open_cases, OPEN_CASE_COLUMNS, "open case")
    per_step = dict(per_step or {})
    out = open_cases.copy()
    n = len(out)
    as_of64 = np.full(n, np.datetime64(as_of, "ns"))
    steps = out["status"].map(STATE_STEP).to_numpy(dtype=object)
    started = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    clocks = np.full(n, None, dtype=object)
    limit, elapsed, fraction = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    lights = np.full(n, "none", dtype=object)
    for s in STEPS:
        rows = np.flatnonzero(steps == s.key)
        if not len(rows):
            continue
        part = out.iloc[rows]
        found = _step_light(part, s, limits, calendar, as_of64[: len(rows)], warn_fraction(s.key, warn, per_step))
        started[rows], clocks[rows], limit[rows], elapsed[rows], fraction[rows], lights[rows] = found
    out["step"] = steps
    out["step_started"] = started
    out["step_clock"] = clocks
    out["step_limit"] = limit
    out["step_elapsed"] = elapsed
    out["step_fraction"] = fraction
    lights[pd.isna(steps)] = None  # a state that waits on no limited step has no light
    out["step_light"] = lights
    handle_warn = warn_fraction("handle", warn, per_step)
    limit_hours, working = _handle_limit_hours(out, calendar.hours_per_day)
    clock_start = _first_present(out, step("handle").start)
    spent = _elapsed_hours(calendar, clock_start, as_of64, working)
    share = np.where(limit_hours > 0, spent / np.where(limit_hours > 0, limit_hours, 1), np.nan)
    deadline = _times(out["handle_deadline"]).to_numpy("datetime64[ns]")
    pending = out["handled_at"].isna().to_numpy()
    overdue = pending & ~np.isnat(deadline) & (deadline < as_of64)
    out["pending"] = pending
    out["handle_fraction"] = share
    out["hours_left"] = _elapsed_hours(calendar, pd.Series(as_of64), deadline, working)
    handle = np.select([overdue, share >= handle_warn], ["overdue", "due_soon"], default="on_time").astype(object)
    handle[~pending] = None
    out["handle_light"] = handle
    return out


def _step_light(
    part: pd.DataFrame,
    s: Step,
    limits: pd.DataFrame,
    calendar: WorkCalendar,
    as_of: np.ndarray,
    warn: float,
) -> tuple[np.ndarray, ...]:
    """For open cases waiting on step ``s`` (``part``): when the step started, its clock, limit, time used and
    share of the limit used, and its light, at ``as_of``."""
    start = _first_present(part, s.start)
    if s.key == "dispatch":  # a returned case waits for its re-dispatch, which runs from the return
        start = _times(part["returned_at"]).where(part["status"] == "returned", start).fillna(start)
    if s.key == "handle":
        handled_again = part["status"] == "rework"  # handled again after a failed check: from the check
        start = _times(part["checked_at"]).where(handled_again, start).fillna(start)
        limit_hours, working = _handle_limit_hours(part, calendar.hours_per_day)
        extension = pd.to_numeric(part["extension_hours"], errors="coerce").fillna(0).to_numpy(dtype=float)
        limit = np.where(handled_again.to_numpy(), limit_hours - extension, limit_hours)
        clock = np.where(working, "working_hours", "continuous_hours").astype(object)
        elapsed = calendar.elapsed(start.to_numpy("datetime64[ns]"), as_of, clock)
        deadline = _times(part["handle_deadline"]).to_numpy("datetime64[ns]")
        # red exactly when the deadline has passed (as every "overdue" figure counts it); after rework, by the limit
        red = np.where(handled_again.to_numpy(), elapsed > limit, ~np.isnat(deadline) & (deadline < as_of))
    else:
        found = resolve_limits(limits, part, s.key)
        clock = found["clock"].to_numpy(dtype=object)
        limit = found["amount"].to_numpy(dtype=float)
        elapsed = calendar.elapsed(start.to_numpy("datetime64[ns]"), as_of, pd.Series(clock, dtype=object))
        red = elapsed > limit
    fraction = np.where(limit > 0, elapsed / np.where(limit > 0, limit, 1), np.nan)
    light = _light(fraction, warn, np.asarray(red, dtype=bool) & np.isfinite(fraction))
    return start.to_numpy("datetime64[ns]"), clock, limit, elapsed, fraction, light


def step_durations(
    case: pd.Series,
    limits: pd.DataFrame,
    calendar: WorkCalendar,
    *,
    as_of: dt.datetime,
    warn: float,
    per_step: Mapping[str, float] | None = None,
    first_dispatch: dt.datetime | None = None,
) -> pd.DataFrame:
    """Every step of one ``case`` (a row with the step times, channel, category and handling limit) against its
    limit: ``step``, ``started``, ``ended`` (NaT while running), ``running``, ``clock``, ``limit`` and
    ``elapsed`` (in the clock's unit; a running step up to ``as_of``), ``fraction`` and ``light``. Steps that
    never started are left out. ``first_dispatch``: the first dispatch (from the flow), which ends the dispatch
    step when the case was dispatched more than once (the case's own ``dispatched_at`` is the last)."""
    per_step = dict(per_step or {})
    frame = pd.DataFrame([case])
    rows = []
    for s in STEPS:
        start = _first_present(frame, s.start).iloc[0]
        if pd.isna(start):
            continue
        end = frame[s.end].iloc[0]
        if s.key == "dispatch" and first_dispatch is not None:
            end = first_dispatch
        running = pd.isna(end)
        until = np.datetime64(as_of if running else pd.Timestamp(end).to_pydatetime(), "ns")
        if s.key == "handle":
            limit_hours, working = _handle_limit_hours(frame, calendar.hours_per_day)
            clock = "working_hours" if working[0] else "continuous_hours"
            limit = float(limit_hours[0])
        else:
            found = resolve_limits(limits, frame, s.key).iloc[0]
            clock, limit = found["clock"], float(found["amount"])
        elapsed = float(calendar.elapsed(np.datetime64(start, "ns"), until, clock)[0]) if clock else np.nan
        fraction = elapsed / limit if limit and limit > 0 else np.nan
        warn_at = warn_fraction(s.key, warn, per_step)
        light = _light(np.array([fraction]), warn_at, np.array([np.isfinite(fraction) and fraction > 1]))[0]
        ended = pd.NaT if running else pd.Timestamp(end)
        rows.append((s.key, pd.Timestamp(start), ended, running, clock, limit, elapsed, fraction, light))
    columns = ["step", "started", "ended", "running", "clock", "limit", "elapsed", "fraction", "light"]
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------- the light counts (queries.light_counts)
def step_light_table(counts: pd.DataFrame) -> pd.DataFrame:
    """Open cases per step (rows, in workflow order) and light (columns red, yellow, green, none), zeros included,
    from the light counts."""
    _require(counts, COUNT_COLUMNS, "light count")
    lit = counts[counts["step"].notna() & counts["step_light"].notna()]
    table = lit.pivot_table(index="step", columns="step_light", values="cases", aggfunc="sum") if len(lit) else None
    steps, lights = [s.key for s in STEPS], list(LIGHTS)
    if table is None:
        return pd.DataFrame(0, index=pd.Index(steps, name="step"), columns=pd.Index(lights, name="step_light"))
    return table.reindex(index=steps, columns=lights).fillna(0).astype(int)


def counted(counts: pd.DataFrame, *, step_lights: Sequence[str] | None = None, dept_code: str | None = None) -> int:
    """The open cases of the light counts with one of ``step_lights`` (None: any light or none), of department
    ``dept_code`` when given: how many a list of them (``queries.light_cases``) was cut from."""
    _require(counts, COUNT_COLUMNS, "light count")
    keep = pd.Series(True, index=counts.index)
    if step_lights is not None:
        keep &= counts["step_light"].isin(list(step_lights))
    if dept_code is not None:
        keep &= counts["dept_code"] == dept_code
    return int(counts.loc[keep, "cases"].sum())


def pending_figures(counts: pd.DataFrame, *, by: str | None = "dept_code") -> pd.DataFrame:
    """The pending cases (not yet handled) of the light counts per ``by`` (a department code; None: one row for
    all): ``pending``, ``due_soon`` (at least the handling step's warning share of the limit used), ``overdue``
    (past the handling deadline), ``urgent_pending`` and ``supervised_pending``. Per department, those with
    pending cases (a NULL department among them)."""
    _require(counts, COUNT_COLUMNS, "light count")
    light = counts["handle_light"]
    pending = light.notna()
    figures = pd.DataFrame(
        {
            "pending": counts["cases"].where(pending, 0),
            "due_soon": counts["cases"].where(light == "due_soon", 0),
            "overdue": counts["cases"].where(light == "overdue", 0),
            "urgent_pending": counts["urgent"].where(pending, 0),
            "supervised_pending": counts["supervised"].where(pending, 0),
        },
        index=counts.index,
    ).astype("int64")
    if by is None:
        return figures.sum().to_frame().T.astype("int64")
    return figures[pending].groupby(counts.loc[pending, by], dropna=False).sum().rename_axis(by).reset_index()

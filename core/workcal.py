"""The working calendar: which days are worked, and deadlines and elapsed time on the four clocks.

Working time is the work periods (08:00–12:00 and 14:00–18:00 by default) of the working days of the
Chinese calendar, which moves holidays and adds make-up working weekends (调休) every year. The
``work_calendar`` table holds one row per day; days it does not hold follow the weekday rule (Monday to
Friday).

Deadlines on the working clocks use a working-time ordinal: W(t) is the working time, in nanoseconds,
from a fixed origin up to the instant t. W is non-decreasing and flat outside working time, so the deadline
of ``amount`` working time from ``start`` is the earliest t with W(t) = W(start) + amount. Taking the
earliest such instant returns 12:00, not 14:00, for a deadline exactly at the end of a period. Every working
day holds the same working time, so W and its inverse are integer arithmetic plus one lookup in per-day
arrays (working days before each day; the day of the k-th working day), for a whole array at once and
exact to the nanosecond. The day arrays span every day datetime64[ns] can hold (about 213,000 days, a few
MB), so no input falls outside them.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import TypeAlias

import chinese_calendar
import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["CLOCKS", "WorkCalendar", "calendar_rows", "checked_periods", "working_seconds_sql"]

CLOCKS = ("continuous_hours", "working_hours", "working_days", "natural_days")

_CONTINUOUS_HOURS, _WORKING_HOURS, _WORKING_DAYS, _NATURAL_DAYS = range(len(CLOCKS))
_NS_PER_MINUTE = 60 * 1_000_000_000
_NS_PER_HOUR = 60 * _NS_PER_MINUTE
_NS_PER_DAY = 24 * _NS_PER_HOUR
_NAT = np.iinfo(np.int64).min
# Whole days representable as datetime64[ns], as days since 1970-01-01.
_FIRST_DAY = int(np.datetime64("1677-09-22", "D").astype(np.int64))
_LAST_DAY = int(np.datetime64("2262-04-11", "D").astype(np.int64))
# Bound on |amount| in nanoseconds, so that ordinal + amount cannot overflow int64.
_MAX_DELTA_NS = 4.0e18

#: One clock name for every row, or one per row (NA = no limit, giving NaT / NaN).
_Clock: TypeAlias = str | npt.ArrayLike | pd.Series

_CHINESE_NAMES = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}


def calendar_rows(first_year: int, last_year: int) -> pd.DataFrame:
    """Rows of table ``work_calendar`` for every day of ``first_year`` … ``last_year``.

    ``day_kind`` is workday, weekend, holiday or makeup_workday (a weekend day worked, 调休). Years the
    ``chinesecalendar`` package publishes come from it (source ``chinesecalendar``; ``note`` is the Chinese
    name of the holiday a day belongs to or makes up for); other years follow the weekday rule (source
    ``weekday_rule``).
    """
    if first_year > last_year:
        raise ValueError(f"first_year {first_year} is after last_year {last_year}")
    days = pd.date_range(f"{first_year}-01-01", f"{last_year}-12-31", freq="D")
    dates = pd.Series(days.date)
    weekend = np.asarray(days.dayofweek >= 5)
    published = np.isin(days.year, [y for y in range(first_year, last_year + 1) if _is_published(y)])

    # The package's own tables, the ones get_holiday_detail reads: holiday and make-up day -> English name.
    holiday_name = dates.map(chinese_calendar.holidays).where(published)
    makeup_name = dates.map(chinese_calendar.workdays).where(published)
    is_holiday = holiday_name.notna().to_numpy()
    is_makeup = makeup_name.notna().to_numpy()
    is_workday = is_makeup | (~weekend & ~is_holiday)

    day_kind = np.select(
        [is_workday & weekend, is_workday, is_holiday],
        ["makeup_workday", "workday", "holiday"],
        default="weekend",
    ).astype(object)
    note = makeup_name.fillna(holiday_name).map(_CHINESE_NAMES.get).astype(object)
    return pd.DataFrame(
        {
            "day": dates,
            "is_workday": is_workday,
            "day_kind": day_kind,
            "note": note.where(note.notna(), None),
            "source": np.where(published, "chinesecalendar", "weekday_rule").astype(object),
        }
    )


def _is_published(year: int) -> bool:
    """Whether ``chinesecalendar`` has the holidays of ``year``."""
    try:
        chinese_calendar.get_holiday_detail(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


class WorkCalendar:
    """Working days and work periods, with vectorised deadline and elapsed-time arithmetic.

    Build it with ``from_frame`` (rows of ``work_calendar``) or ``default``. ``days`` and ``is_workday``
    override the weekday rule for those days; ``work_periods`` are (start, end) minutes after midnight,
    ascending and not overlapping.
    """

    def __init__(self, days: npt.ArrayLike, is_workday: npt.ArrayLike, work_periods: Sequence[Sequence[int]]) -> None:
        periods = checked_periods(work_periods)
        self.work_periods: tuple[tuple[int, int], ...] = periods
        bounds = np.array(periods, dtype=np.int64) * _NS_PER_MINUTE
        self._period_start = bounds[:, 0]
        self._period_length = bounds[:, 1] - bounds[:, 0]
        self._period_cum_end = np.cumsum(self._period_length)
        self._day_ns = int(self._period_cum_end[-1])

        day_array = np.asarray(days, dtype="datetime64[D]")
        day_numbers = day_array.astype(np.int64)
        outside = (day_numbers < _FIRST_DAY) | (day_numbers > _LAST_DAY)
        if outside.any():
            raise ValueError(f"Calendar days must lie in 1677-09-22 … 2262-04-11; got {day_array[outside][0]}")
        all_days = np.arange(_FIRST_DAY, _LAST_DAY + 1)
        workday = (all_days + 3) % 7 < 5  # 1970-01-01 was a Thursday; Monday = 0
        workday[day_numbers - _FIRST_DAY] = np.asarray(is_workday, dtype=bool)
        self._workday = workday
        # Every working day holds the same working time, so W(t) = (working days before t's day) × day_ns
        # + time worked on t's day so far, and the k-th working day is where ordinals in
        # (k × day_ns, (k + 1) × day_ns] are reached.
        self._workdays_before: np.ndarray = np.cumsum(workday) - workday
        self._workday_index = np.flatnonzero(workday)

    @classmethod
    def from_frame(cls, days: pd.DataFrame, work_periods: Sequence[Sequence[int]]) -> WorkCalendar:
        """The calendar of ``days``, a frame with columns ``day`` and ``is_workday`` (rows of work_calendar)."""
        missing = [c for c in ("day", "is_workday") if c not in days.columns]
        if missing:
            raise ValueError(f"Calendar frame lacks columns {missing}; columns found: {list(days.columns)}")
        day = pd.to_datetime(days["day"]).to_numpy(dtype="datetime64[D]")
        if np.isnat(day).any():
            raise ValueError("Calendar frame has rows with an empty day")
        duplicated = pd.Series(day).duplicated().to_numpy()
        if duplicated.any():
            raise ValueError(f"Calendar frame lists day {day[duplicated][0]} more than once")
        if days["is_workday"].isna().any():
            raise ValueError("Calendar frame has rows with an empty is_workday")
        return cls(day, days["is_workday"].to_numpy(dtype=bool), work_periods)

    @classmethod
    def default(cls, first_year: int, last_year: int, *, work_periods: Sequence[Sequence[int]]) -> WorkCalendar:
        """The Chinese calendar of ``calendar_rows(first_year, last_year)`` with ``work_periods``
        (``settings.work_periods``)."""
        return cls.from_frame(calendar_rows(first_year, last_year), work_periods)

    @property
    def hours_per_day(self) -> float:
        """Working hours in a working day: the unit of the working_days clock."""
        return self._day_ns / _NS_PER_HOUR

    def add(self, start: npt.ArrayLike, amount: npt.ArrayLike, clock: _Clock) -> np.ndarray:
        """Deadlines: ``amount`` of each row's clock after ``start``, as datetime64[ns].

        ``amount`` is in hours for continuous_hours and working_hours, in days for working_days and
        natural_days. On the working clocks time runs only in working time, so a start outside it counts
        from the next working moment. NaT starts, NaN amounts and missing clocks give NaT, as do deadlines
        past 2262. ``amount`` and ``clock`` may be scalars.
        """
        start_ns = _as_ns(start)
        amounts, codes = self._broadcast(start_ns, amount, clock)
        delta = np.rint(np.clip(amounts * self._unit_ns(codes), -_MAX_DELTA_NS, _MAX_DELTA_NS))
        valid = (start_ns != _NAT) & (codes >= 0) & np.isfinite(amounts)
        delta = np.where(valid, delta, 0).astype(np.int64)
        out = np.full(len(start_ns), _NAT, dtype=np.int64)

        plain = valid & ((codes == _CONTINUOUS_HOURS) | (codes == _NATURAL_DAYS))
        in_range = np.abs(start_ns.astype(np.float64) + delta) < _LAST_DAY * float(_NS_PER_DAY)
        out[plain & in_range] = start_ns[plain & in_range] + delta[plain & in_range]

        working = np.flatnonzero(valid & ~plain)
        if working.size:
            ordinal, known = self._ordinal(start_ns[working])
            deadline = self._instant(ordinal + delta[working])
            # W(start) + 0 is reached at the end of the last working period; the deadline is start itself.
            deadline = np.where(delta[working] == 0, start_ns[working], deadline)
            out[working] = np.where(known, deadline, _NAT)
        return out.view("datetime64[ns]")

    def elapsed(self, start: npt.ArrayLike, end: npt.ArrayLike, clock: _Clock) -> np.ndarray:
        """Time from ``start`` to ``end`` on each row's clock, in its unit (hours or days), as float64.

        The inverse of ``add``: ``elapsed(s, add(s, a, c), c) == a``. Negative when ``end`` precedes
        ``start``; NaN where either is NaT or the clock is missing.
        """
        start_ns, end_ns = _as_ns(start), _as_ns(end)
        if len(end_ns) != len(start_ns):
            raise ValueError(f"start has {len(start_ns)} rows but end has {len(end_ns)}")
        _, codes = self._broadcast(start_ns, 0.0, clock)
        valid = (start_ns != _NAT) & (end_ns != _NAT) & (codes >= 0)
        span = np.where(valid, end_ns - np.where(valid, start_ns, 0), 0).astype(np.float64)

        working = np.flatnonzero(valid & ((codes == _WORKING_HOURS) | (codes == _WORKING_DAYS)))
        if working.size:
            start_ordinal, start_known = self._ordinal(start_ns[working])
            end_ordinal, end_known = self._ordinal(end_ns[working])
            span[working] = np.where(start_known & end_known, end_ordinal - start_ordinal, np.nan)
        return np.where(valid, span / self._unit_ns(codes), np.nan)

    def _broadcast(self, start_ns: np.ndarray, amount: npt.ArrayLike, clock: _Clock) -> tuple[np.ndarray, np.ndarray]:
        """``amount`` as float64 and ``clock`` as indices into CLOCKS (-1 = missing), one per start."""
        n = len(start_ns)
        amounts = np.asarray(amount, dtype=np.float64)
        if amounts.ndim and len(amounts) != n:
            raise ValueError(f"start has {n} rows but amount has {len(amounts)}")
        return np.broadcast_to(amounts, (n,)), _clock_codes(clock, n)

    def _unit_ns(self, codes: np.ndarray) -> np.ndarray:
        """Nanoseconds in one unit of each row's clock (NaN for a missing clock)."""
        units = np.array([_NS_PER_HOUR, _NS_PER_HOUR, self._day_ns, _NS_PER_DAY, np.nan], dtype=np.float64)
        return units[codes]  # code -1 picks the trailing NaN

    def _ordinal(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """W(t): working nanoseconds from the origin up to each instant, and whether t is in range."""
        day = t // _NS_PER_DAY
        index = day - _FIRST_DAY
        known = (index >= 0) & (index < len(self._workday))
        index = np.where(known, index, 0)
        time_of_day = t - day * _NS_PER_DAY
        worked = np.zeros(len(t), dtype=np.int64)
        for period_start, length in zip(self._period_start, self._period_length, strict=True):
            worked += np.clip(time_of_day - period_start, 0, length)
        ordinal = self._workdays_before[index] * self._day_ns + np.where(self._workday[index], worked, 0)
        return ordinal, known

    def _instant(self, ordinal: np.ndarray) -> np.ndarray:
        """W⁻¹: the earliest instant at which each working-time ordinal is reached (NaT out of range)."""
        nth_workday = (ordinal - 1) // self._day_ns  # ordinal in (k × day_ns, (k + 1) × day_ns]
        known = (ordinal > 0) & (nth_workday < len(self._workday_index))
        nth_workday = np.where(known, nth_workday, 0)
        into_day = ordinal - nth_workday * self._day_ns  # in (0, day_ns]
        period = np.zeros(len(ordinal), dtype=np.int64)
        for period_end in self._period_cum_end[:-1]:
            period += into_day > period_end  # "earliest": exactly a period's end stays in that period
        into_period = into_day - (self._period_cum_end[period] - self._period_length[period])
        day = self._workday_index[nth_workday] + _FIRST_DAY
        instant = day * _NS_PER_DAY + self._period_start[period] + into_period
        return np.where(known, instant, _NAT)


def checked_periods(work_periods: Sequence[Sequence[int]]) -> tuple[tuple[int, int], ...]:
    """Work periods as int pairs, or ValueError unless ascending, non-overlapping and within a day."""
    periods = tuple((int(a), int(b)) for a, b in work_periods)
    ordered = all(0 <= a < b <= 24 * 60 for a, b in periods) and all(
        earlier[1] <= later[0] for earlier, later in itertools.pairwise(periods)
    )
    if not periods or not ordered:
        raise ValueError(
            "work_periods must be non-empty (start, end) minutes after midnight, ascending, not overlapping, "
            f"within 0–1440, e.g. ((480, 720), (840, 1080)); got {work_periods!r}"
        )
    return periods


def _as_ns(values: npt.ArrayLike) -> np.ndarray:
    """Timestamps as int64 nanoseconds since the epoch (NaT = int64 min)."""
    return np.asarray(values, dtype="datetime64[ns]").reshape(-1).view(np.int64)


def _clock_codes(clock: _Clock, n: int) -> np.ndarray:
    """Indices into CLOCKS of one clock name or an array of them; -1 where missing."""
    if isinstance(clock, str):
        return np.full(n, _clock_index(clock), dtype=np.int64)
    codes, names = pd.factorize(clock if isinstance(clock, pd.Series) else np.asarray(clock, dtype=object))
    if len(codes) != n:
        raise ValueError(f"start has {n} rows but clock has {len(codes)}")
    lookup = np.array([_clock_index(name) for name in names] + [-1], dtype=np.int64)
    return lookup[codes]  # factorize codes missing values -1: the trailing -1


def _clock_index(name: object) -> int:
    """Position of a clock name in CLOCKS, or ValueError naming it and the valid ones."""
    if name not in CLOCKS:
        raise ValueError(f"Unknown clock {name!r}; valid clocks: {', '.join(CLOCKS)}")
    return CLOCKS.index(name)


# ---------------------------------------------------------------- the same model in SQL
# The dashboard measures working time in DuckDB (deadline alerts rank thousands of open cases without leaving the
# database), so the model above is written here once more as SQL, next to the Python it must agree with
# (tests/core/test_workcal.py compares the two). W(t) in seconds = (working days before t's day) × day length
# + the time worked on t's day so far, on the days of table ``work_calendar`` (weekdays where it is silent).


def day_seconds(work_periods: Sequence[Sequence[int]]) -> int:
    """Seconds of working time in one working day."""
    return sum(end - start for start, end in checked_periods(work_periods)) * 60


def calendar_days_sql(first: str, last: str) -> str:
    """A relation ``(day DATE, workday BOOLEAN, before BIGINT)`` of every day from ``first`` to ``last`` (SQL
    expressions castable to DATE): whether it is worked (table ``work_calendar``, else Monday to Friday) and the
    working days from ``first`` up to, not including, it."""
    return f"""(
        SELECT day, workday, sum(CAST(workday AS INTEGER)) OVER (ORDER BY day) - CAST(workday AS INTEGER) AS before
        FROM (
            SELECT CAST(g.d AS DATE) AS day, coalesce(w.is_workday, isodow(g.d) <= 5) AS workday
            FROM generate_series(CAST({first} AS DATE), CAST({last} AS DATE), INTERVAL 1 DAY) AS g(d)
            LEFT JOIN work_calendar w ON w.day = CAST(g.d AS DATE)
        )
    )"""


def worked_seconds_sql(work_periods: Sequence[Sequence[int]], time_of_day: str) -> str:
    """SQL of the seconds worked on a working day up to ``time_of_day`` (an SQL expression: seconds after
    midnight): each period's part of the day so far, clamped to the period."""
    return " + ".join(
        f"greatest(0, least({(end - start) * 60}, {time_of_day} - {start * 60}))"
        for start, end in checked_periods(work_periods)
    )


def working_seconds_sql(work_periods: Sequence[Sequence[int]], *, before: str, workday: str, instant: str) -> str:
    """SQL of W(``instant``) in seconds, given its day's row of ``calendar_days_sql`` (``before``, ``workday``):
    differences of two such values are working seconds between two instants, the ``elapsed`` of the working
    clocks above."""
    time_of_day = f"(epoch({instant}) - epoch(CAST(CAST({instant} AS DATE) AS TIMESTAMP)))"
    worked = worked_seconds_sql(work_periods, time_of_day)
    return f"({before} * {day_seconds(work_periods)} + CASE WHEN {workday} THEN {worked} ELSE 0 END)"


def working_day_sql(work_periods: Sequence[Sequence[int]], ordinal: str) -> str:
    """SQL of the working day on which W = ``ordinal`` (an SQL expression of working seconds, as
    ``working_seconds_sql`` gives them) is reached, as the ``before`` of its row of ``calendar_days_sql``: ordinals
    in (n × day length, (n + 1) × day length] fall on the working day with n working days before it."""
    return f"(CAST(ceil(({ordinal}) / {day_seconds(work_periods)}) AS BIGINT) - 1)"


def working_instant_sql(work_periods: Sequence[Sequence[int]], *, ordinal: str, day: str) -> str:
    """SQL of W⁻¹(``ordinal``), the earliest instant at which that working time is reached (``WorkCalendar.add``'s
    inverse step), given ``day``: the date of the working day ``working_day_sql`` names (the caller joins the
    calendar on it). Exactly a period's end stays in that period, as in ``WorkCalendar._instant``."""
    periods = checked_periods(work_periods)
    into_day = f"(({ordinal}) - {working_day_sql(periods, ordinal)} * {day_seconds(periods)})"
    # seconds after midnight: the period it falls in (the first whose end it does not pass), and the part of it
    parts, ends, worked = [], [], 0
    for start, end in periods:
        parts.append(f"{start * 60} + {into_day} - {worked}")
        worked += (end - start) * 60
        ends.append(worked)
    whens = " ".join(f"WHEN {into_day} <= {end} THEN {part}" for end, part in zip(ends[:-1], parts[:-1], strict=True))
    seconds = f"CASE {whens} ELSE {parts[-1]} END" if whens else parts[-1]
    return f"(CAST({day} AS TIMESTAMP) + to_microseconds(CAST(round(({seconds}) * 1000000) AS BIGINT)))"

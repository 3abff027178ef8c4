"""The department board (部门看板): per department, what it holds now and how it did in the period.

Now (at ``Period.now``, whenever the cases were reported): ``pending`` (open, not yet handled), ``due_soon``
(pending, at least the warning share of the handling limit used: yellow), ``overdue`` (pending past the handling
deadline: red), urgent and supervised pending, and the cases it handled today. In the period: the median time it
held a case (dispatch to return or handling), the on-time handling rate (of the cases due: ``options.due_cohort``),
the rework rate (``options.rework_measure``), the return rate (dispatches it returned), the satisfaction rate, and
the whistles that summoned it (报到及时率, 问题解决率, the streets' score). Street offices are departments of
kind "street" (named by their street), communities of kind "community".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import pandas as pd

from core.measures import ratio_of

from .dispatch import DispatchOptions, Period, Request, Run, fetch, light_count_request
from .sla import PENDING_FIGURES, pending_figures

#: Department kinds shown unless a caller chooses (communities are many: one click away).
DEFAULT_KINDS: tuple[str, ...] = ("functional", "street", "enterprise", "property")
#: The figures of now, from the open cases' light counts (``queries.light_counts``).
NOW_FIGURES: tuple[str, ...] = PENDING_FIGURES
#: The counts behind the period's rates, kept in the table (and its export) so every rate can be checked.
_COUNTS: tuple[str, ...] = (
    "due",
    "handled",
    "handled_on_time",
    "reworked",
    "closed",
    "awaiting_closure",
    "followups",
    "satisfied",
    "dispatches",
    "returns",
    "whistles",
    "whistles_resolved",
    "arrived_on_time",
    "score_sum",
    "scored",
)


def board_columns(options: DispatchOptions) -> tuple[str, ...]:
    """The board's columns in order: the department, the figures of now, the period's figures, their counts."""
    return (
        "dept_code",
        "name",
        "kind",
        *NOW_FIGURES,
        "handled_today",
        "median_hours_in_dept",
        "on_time_handling_rate",
        options.rework_measure,
        "return_rate",
        "satisfaction_rate",
        "summons",
        "arrival_rate",
        "whistle_resolution_rate",
        "whistle_score",
        *_COUNTS,
    )


def board_requests(period: Period, options: DispatchOptions) -> dict[str, Request]:
    """The queries the board needs. Its figures are per department whatever the ``dept`` filter (the filter picks
    the rows shown); whistles follow only the area filter."""
    rest = period.without("dept")
    area = {name: value for name, value in rest.items() if name in ("area", "area_depth")}
    return {
        "lights": light_count_request(dataclasses.replace(period, filters=rest), options),
        "departments": ("departments", {}),
        "kpi": kpi_request(period, options),
        "today": ("handled_on_day", {"day": period.now.date(), "as_of": period.now, "group": "dept_code", **rest}),
        "dispatch": ("dispatch_counts", {**rest, **period.dates()}),
        "whistles": ("whistle_counts", {"group": "dept_code", **area, **period.dates()}),
    }


def kpi_request(period: Period, options: DispatchOptions, *, group: str = "dept_code") -> Request:
    """The counts per unit of ``group`` of the cases due in the period (``options.due_cohort``)."""
    return ("kpi_counts", {"group": group, **period.without("dept"), **period.dates(options.due_cohort)})


def department_board(
    frames: Mapping[str, pd.DataFrame],
    *,
    period: Period,
    options: DispatchOptions,
    kinds: Sequence[str] | None = DEFAULT_KINDS,
) -> pd.DataFrame:
    """The board of ``frames`` (those of ``board_requests``): one row per department of ``kinds`` (None: every
    kind; a code the department table lacks is kept, named by its code) that has anything to show, restricted to
    the ``dept`` filter when one is set; most overdue first, then most due soon, most pending, by code. Columns:
    ``board_columns``; the figures of now from the light counts (``frames["lights"]``); rates NaN when nothing is
    due."""
    units = [
        pending_figures(frames["lights"]),
        frames["today"].rename(columns={"unit": "dept_code"}),
        frames["kpi"].rename(columns={"unit": "dept_code"}),
        frames["dispatch"].rename(columns={"unit": "dept_code"}),
        frames["whistles"].rename(columns={"unit": "dept_code"}),
    ]
    board = units[0]
    for frame in units[1:]:
        board = board.merge(frame, on="dept_code", how="outer")
    board = board[board["dept_code"].notna()]
    counts = [c for c in board.columns if c not in ("dept_code", "median_hours_in_dept", "score_sum")]
    board[counts] = board[counts].fillna(0).astype("int64")
    board = board[(board[counts] > 0).any(axis=1)]
    depts = frames["departments"][["dept_code", "label", "kind"]].rename(columns={"label": "name"})
    board = depts.merge(board, on="dept_code", how="right")
    board["name"] = board["name"].fillna(board["dept_code"])
    for name in ("on_time_handling_rate", options.rework_measure, "return_rate", "satisfaction_rate"):
        board[name] = ratio_of(board, name)
    for name in ("arrival_rate", "whistle_resolution_rate", "whistle_score"):
        board[name] = ratio_of(board, name)
    if kinds is not None:
        board = board[board["kind"].isin(list(kinds)) | board["kind"].isna()]
    chosen = period.filters.get("dept")
    if chosen:
        board = board[board["dept_code"].isin([chosen] if isinstance(chosen, str) else list(chosen))]
    board = board.sort_values(
        ["overdue", "due_soon", "pending", "dept_code"], ascending=[False, False, False, True], kind="stable"
    )
    return board.reindex(columns=list(board_columns(options))).reset_index(drop=True)


def board_table(
    run: Run,
    period: Period,
    options: DispatchOptions,
    *,
    kinds: Sequence[str] | None = DEFAULT_KINDS,
) -> pd.DataFrame:
    """The department board of ``period``, its frames read through ``run`` (what the page, a report and
    ``python -m analytics departments`` all call)."""
    frames = fetch(run, board_requests(period, options))
    return department_board(frames, period=period, options=options, kinds=kinds)

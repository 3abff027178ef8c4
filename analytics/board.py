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

from .dispatch import DispatchOptions, Period, Request, Run, fetch, light_requests, lights

#: Department kinds shown unless a caller chooses (communities are many: one click away).
DEFAULT_KINDS: tuple[str, ...] = ("functional", "street", "enterprise", "property")
#: The figures of now, from the open cases' lights.
NOW_FIGURES: tuple[str, ...] = ("pending", "due_soon", "overdue", "urgent_pending", "supervised_pending")
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
        **light_requests(dataclasses.replace(period, filters=rest)),
        "departments": ("departments", {}),
        "kpi": kpi_request(period, options),
        "today": ("handled_on_day", {"day": period.now.date(), "as_of": period.now, "group": "dept_code", **rest}),
        "dispatch": ("dispatch_counts", {**rest, **period.dates()}),
        "whistles": ("whistle_counts", {"group": "dept_code", **area, **period.dates()}),
    }


def kpi_request(period: Period, options: DispatchOptions, *, group: str = "dept_code") -> Request:
    """The counts per unit of ``group`` of the cases due in the period (``options.due_cohort``)."""
    return ("kpi_counts", {"group": group, **period.without("dept"), **period.dates(options.due_cohort)})


def _now_figures(lit: pd.DataFrame) -> pd.DataFrame:
    pending = lit[lit["pending"]]
    light = pending["handle_light"]
    return (
        pd.DataFrame(
            {
                "pending": pending.groupby("dept_code", dropna=False).size(),
                "due_soon": (light == "due_soon").groupby(pending["dept_code"], dropna=False).sum(),
                "overdue": (light == "overdue").groupby(pending["dept_code"], dropna=False).sum(),
                "urgent_pending": pending["is_urgent"].astype(bool).groupby(pending["dept_code"], dropna=False).sum(),
                "supervised_pending": pending["is_supervised"]
                .astype(bool)
                .groupby(pending["dept_code"], dropna=False)
                .sum(),
            }
        )
        .rename_axis("dept_code")
        .reset_index()
    )


def department_board(
    frames: Mapping[str, pd.DataFrame],
    *,
    period: Period,
    options: DispatchOptions,
    kinds: Sequence[str] | None = DEFAULT_KINDS,
    lit: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The board of ``frames`` (those of ``board_requests``; ``lit``: the open cases' lights at ``period.now``
    when the caller has them already): one row per
    department of ``kinds`` (None: every kind; a code the department table lacks is kept, named by its code)
    that has anything to show, restricted to the ``dept`` filter when one is set; most overdue first, then most
    due soon, most pending, by code. Columns: ``board_columns``; rates NaN when nothing is due."""
    units = [
        _now_figures(lights(frames, now=period.now, options=options) if lit is None else lit),
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


def department_cases(lit: pd.DataFrame, dept_code: str) -> pd.DataFrame:
    """The open cases department ``dept_code`` holds (rows of a lights frame), the most pressing first: overdue,
    then due soon, then pending, then those handled and waiting to be checked or closed; within each, least
    time left first."""
    rows = lit[lit["dept_code"] == dept_code]
    order = rows["handle_light"].map({"overdue": 0, "due_soon": 1, "on_time": 2}).fillna(3)
    return (
        rows.assign(_order=order)
        .sort_values(["_order", "hours_left", "reported_at"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def board_table(
    run: Run,
    period: Period,
    options: DispatchOptions,
    *,
    kinds: Sequence[str] | None = DEFAULT_KINDS,
    lit: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The department board of ``period``, its frames read through ``run`` (what the page, a report and
    ``python -m analytics departments`` all call); ``lit`` as ``department_board`` takes it."""
    requests = board_requests(period, options)
    if lit is not None:  # the lights' own inputs are not needed again
        requests = {key: request for key, request in requests.items() if key not in ("open", "limits", "calendar")}
    frames = fetch(run, requests)
    return department_board(frames, period=period, options=options, kinds=kinds, lit=lit)

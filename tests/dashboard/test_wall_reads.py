"""The wall's reads while a load swaps the database file: a failed read is tried again, and the last failure is
raised (the page then keeps its last result)."""

from __future__ import annotations

import pandas as pd
import pytest

import queries
from dashboard.wall import retrying
from queries.db import DatabaseMissingError
from views.calls import QueryCall

CALL = QueryCall.of(queries.data_version)


def _flaky(failures: int) -> tuple[list[QueryCall], object]:
    calls: list[QueryCall] = []

    def run(call: QueryCall) -> pd.DataFrame:
        calls.append(call)
        if len(calls) <= failures:
            raise DatabaseMissingError("no OneMap database at /x (being replaced)")
        return pd.DataFrame({"runs": [len(calls)]})

    return calls, run


def test_a_read_during_a_swap_is_tried_again() -> None:
    calls, run = _flaky(2)
    assert retrying(run, pause=0)(CALL)["runs"].tolist() == [3]
    assert calls == [CALL] * 3


def test_the_last_failure_is_raised() -> None:
    calls, run = _flaky(10)
    with pytest.raises(DatabaseMissingError, match="being replaced"):
        retrying(run, attempts=4, pause=0)(CALL)
    assert len(calls) == 4


def test_other_errors_are_not_retried() -> None:
    calls: list[QueryCall] = []

    def run(call: QueryCall) -> pd.DataFrame:
        calls.append(call)
        raise ValueError("a bug, not the file")

    with pytest.raises(ValueError, match="a bug"):
        retrying(run, pause=0)(CALL)
    assert len(calls) == 1

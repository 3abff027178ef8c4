"""A query to run, as a value: ``QueryCall`` names one function of ``queries.QUERIES`` and its keyword arguments.

Views say *what* they need (calls built from a ``Scope``); whoever shows them decides *how* it is run: the
dashboard through its cache (``dashboard.cache``), a report or a command line on a cursor of its own (``run``).
A call is frozen and hashable, so it keys a cache entry, and two callers that build the same call get the same
frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from queries import QUERIES

#: Something that runs a call and returns its frame: ``call.run`` on a cursor, or the dashboard's cache.
Runner = Callable[["QueryCall"], pd.DataFrame]


@dataclass(frozen=True)
class QueryCall:
    """``QUERIES[query](con, **dict(kwargs))``."""

    query: str
    kwargs: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.query not in QUERIES:
            raise ValueError(f"{self.query!r} is not a query; queries: {sorted(QUERIES)}")

    @classmethod
    def of(cls, query: Callable[..., pd.DataFrame], /, **kwargs: Any) -> QueryCall:
        """The call of ``query`` (a function of ``queries``) with ``kwargs``; lists become tuples."""
        name = getattr(query, "__name__", repr(query))
        if QUERIES.get(name) is not query:
            raise ValueError(f"{name} is not a query of the queries package; queries: {sorted(QUERIES)}")
        frozen = {key: tuple(value) if isinstance(value, list) else value for key, value in kwargs.items()}
        return cls(name, tuple(sorted(frozen.items())))

    @classmethod
    def named(cls, query: str, /, **kwargs: Any) -> QueryCall:
        """The call of the query named ``query`` (a key of ``queries.QUERIES``) with ``kwargs``: what an
        ``analytics`` request becomes (``analytics.dispatch.Request``); lists become tuples."""
        frozen = {key: tuple(value) if isinstance(value, list) else value for key, value in kwargs.items()}
        return cls(query, tuple(sorted(frozen.items())))

    def run(self, con: Any) -> pd.DataFrame:
        """The frame of this call on cursor ``con``."""
        return QUERIES[self.query](con, **dict(self.kwargs))


def requests(run: Runner) -> Callable[[str, dict[str, Any]], pd.DataFrame]:
    """``run`` as ``analytics`` takes it (``analytics.dispatch.Run``): a request by query name and keyword
    arguments, run as a ``QueryCall`` (so the dashboard's cache keys it like any other call)."""
    return lambda name, kwargs: run(QueryCall.named(name, **kwargs))


def on(con: Any) -> Runner:
    """A runner that runs every call on ``con`` directly (no cache): for reports and command lines."""
    return lambda call: call.run(con)

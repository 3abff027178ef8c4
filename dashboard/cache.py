"""The one module that uses Streamlit's caches: one live database per path, and query results.

Query results are keyed by the query's name, the database path, the database file's version and the
query's keyword arguments, so a load that replaces the file shows on the next rerun and two databases
never share an entry. Maps and figures are built fresh on every run and never cached.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from settings import load_settings

from .db import LiveDatabase, db_version
from .queries import QUERIES

#: Most query results kept; old versions' entries age out.
MAX_ENTRIES = 512


@st.cache_resource(show_spinner=False)
def live_database(db_path: str) -> LiveDatabase:
    """The process-wide read-only view of the database at ``db_path``."""
    return LiveDatabase(Path(db_path))


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _cached_frame(name: str, db_path: str, version: str, kwargs: dict[str, Any]) -> pd.DataFrame:
    # ``version`` only keys the entry: the cursor reads the file as it is now.
    with live_database(db_path).cursor() as con:
        return QUERIES[name](con, **kwargs)


def frame(query: Callable[..., pd.DataFrame], /, **kwargs: Any) -> pd.DataFrame:
    """The result of ``query(con, **kwargs)`` on the configured database, cached per database version."""
    name = getattr(query, "__name__", repr(query))
    if QUERIES.get(name) is not query:
        raise ValueError(f"{name} is not a dashboard query; cached queries: {sorted(QUERIES)}")
    db_path = load_settings().db_path
    return _cached_frame(name, str(db_path), db_version(db_path), kwargs)


def fresh_frame(query: Callable[..., pd.DataFrame], /, **kwargs: Any) -> pd.DataFrame:
    """The result of ``query(con, **kwargs)`` on the configured database, read now and not cached: for large
    one-off reads (exports) that would crowd the cache. Safe outside a script run (a download's callable).
    """
    name = getattr(query, "__name__", repr(query))
    if QUERIES.get(name) is not query:
        raise ValueError(f"{name} is not a dashboard query; queries: {sorted(QUERIES)}")
    with live_database(str(load_settings().db_path)).cursor() as con:
        return query(con, **kwargs)

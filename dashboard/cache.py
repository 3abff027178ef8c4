"""The one module that uses Streamlit's caches: one live database per path, and query results.

A result is keyed by its ``QueryCall`` (the query's name and frozen keyword arguments, built from the frozen
``ViewState``: ``views.pages``), the database path and the database file's version, so a load that replaces the
file shows on the next rerun and two databases never share an entry. Maps and figures are built fresh on every
run and never cached.

Every call is confined to the signed-in user's area and role first (``views.access``: the session's ``Access``,
or the one a caller outside a script run passes), so the key of a cached frame is always a call its reader was
allowed to make, and no page can read past its user by building a call of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from queries.db import LiveDatabase, db_version
from settings import Settings
from views.access import Access
from views.calls import QueryCall, Runner

from . import context

#: Most query results kept; old versions' entries age out.
MAX_ENTRIES = 512


@st.cache_resource(show_spinner=False)
def live_database(db_path: str, memory_limit: str, spill_dir: str) -> LiveDatabase:
    """The process-wide read-only view of the database at ``db_path``, each version of it read by DuckDB within
    ``memory_limit``, spilling to ``spill_dir`` (``settings.dashboard_memory_limit``, ``dashboard_spill_dir``)."""
    return LiveDatabase(Path(db_path), memory_limit=memory_limit, spill_dir=Path(spill_dir))


def _live(settings: Settings) -> LiveDatabase:
    return live_database(str(settings.db_path), settings.dashboard_memory_limit, str(settings.dashboard_spill_dir))


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _cached_frame(
    query: str, kwargs: tuple[tuple[str, Any], ...], db_path: str, version: str, memory_limit: str, spill_dir: str
) -> pd.DataFrame:
    # ``version`` only keys the entry: the cursor reads the file as it is now.
    with live_database(db_path, memory_limit, spill_dir).cursor() as con:
        return QueryCall(query, kwargs).run(con)


def frame(settings: Settings, call: QueryCall, access: Access | None = None) -> pd.DataFrame:
    """The frame of ``call`` confined to ``access`` (default: the signed-in user's), on the configured database,
    cached per database version."""
    call = (access or context.access()).confine(call)
    db_path = settings.db_path
    limits = (settings.dashboard_memory_limit, str(settings.dashboard_spill_dir))
    return _cached_frame(call.query, call.kwargs, str(db_path), db_version(db_path), *limits)


def runner(settings: Settings, access: Access | None = None) -> Runner:
    """``frame`` bound to ``settings`` (and ``access``, default the signed-in user's): what ``views`` take to read
    the database through this cache."""
    return lambda call: frame(settings, call, access)


def fresh_frame(settings: Settings, call: QueryCall, *, access: Access) -> pd.DataFrame:
    """The frame of ``call`` confined to ``access``, on the configured database, read now and not cached: for
    large one-off reads (exports) that would crowd the cache. Safe outside a script run (a download's callable,
    which is why ``access`` is passed, not read from the session)."""
    call = access.confine(call)
    with _live(settings).cursor() as con:
        return call.run(con)

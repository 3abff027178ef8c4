"""Audit rows written from a page run: the case details a page shows (once per view and session, so a page that
refreshes itself all day writes one row per view, not one per refresh)."""

from __future__ import annotations

import streamlit as st

from settings import Settings
from views import audit
from views.scope import Scope

from . import auth

#: Session-state key of the case views already written for this session.
_SEEN_KEY = "onemap_case_views"


def case_view(settings: Settings, scope: Scope, *, rows: int) -> None:
    """Write that ``rows`` single cases of ``scope`` were shown, unless this session wrote this view already."""
    if rows <= 0:
        return
    event = audit.event(
        "case_view", scope.access, scope=scope, default_lang=settings.language, rows=rows, client=auth.client()
    )
    seen: set[tuple[str | None, int]] = st.session_state.setdefault(_SEEN_KEY, set())
    if (event.view, rows) in seen:
        return
    auth.store(settings).record(event)
    seen.add((event.view, rows))

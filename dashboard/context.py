"""What the frame (``streamlit_app.py``) worked out once per run for the pages: the settings it loaded and the
``Scope`` the sidebar resolved. Pages read them here; nothing re-reads the settings file inside a run."""

from __future__ import annotations

import streamlit as st

from settings import Settings
from views.scope import Scope

_SETTINGS, _SCOPE = "onemap_settings", "onemap_scope"


def begin(settings: Settings) -> None:
    """Remember this run's settings (the frame calls it first)."""
    st.session_state[_SETTINGS] = settings


def settings() -> Settings:
    """This run's settings."""
    try:
        return st.session_state[_SETTINGS]
    except KeyError:
        raise RuntimeError("no settings yet: run the app through streamlit_app.py") from None


def set_scope(scope: Scope) -> None:
    st.session_state[_SCOPE] = scope


def scope() -> Scope:
    """The view this run shows (the sidebar resolves it before the page runs)."""
    try:
        return st.session_state[_SCOPE]
    except KeyError:
        raise RuntimeError("no view yet: run the app through streamlit_app.py") from None

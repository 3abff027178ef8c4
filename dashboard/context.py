"""What the frame (``streamlit_app.py``) worked out once per run for the pages: the settings it loaded, the signed-in
user's ``Access`` (``views.access``) and the ``Scope`` the sidebar resolved. Pages read them here; nothing re-reads
the settings file inside a run."""

from __future__ import annotations

import streamlit as st

from core.access import Principal
from settings import Settings
from views.access import Access
from views.scope import Scope

_SETTINGS, _SCOPE, _ACCESS, _PRINCIPAL = "onemap_settings", "onemap_scope", "onemap_access", "onemap_principal"
_LANG = "onemap_lang"


def begin(settings: Settings) -> None:
    """Remember this run's settings (the frame calls it first)."""
    st.session_state[_SETTINGS] = settings


def set_language(lang: str) -> None:
    """Remember this run's interface language (the sidebar's switch)."""
    st.session_state[_LANG] = lang


def language() -> str:
    """This run's interface language (pages without a view read it here)."""
    return st.session_state.get(_LANG) or settings().language


def settings() -> Settings:
    """This run's settings."""
    try:
        return st.session_state[_SETTINGS]
    except KeyError:
        raise RuntimeError("no settings yet: run the app through streamlit_app.py") from None


def set_access(principal: Principal, access: Access) -> None:
    """Remember this run's signed-in user and what they may see (the frame calls it after the login)."""
    st.session_state[_PRINCIPAL] = principal
    st.session_state[_ACCESS] = access


def access() -> Access:
    """What this run's user may see: every query the cache runs is confined by it."""
    try:
        return st.session_state[_ACCESS]
    except KeyError:
        raise RuntimeError("nobody is signed in: run the app through streamlit_app.py") from None


def principal() -> Principal:
    """This run's signed-in user."""
    try:
        return st.session_state[_PRINCIPAL]
    except KeyError:
        raise RuntimeError("nobody is signed in: run the app through streamlit_app.py") from None


def set_scope(scope: Scope) -> None:
    st.session_state[_SCOPE] = scope


def scope() -> Scope:
    """The view this run shows (the sidebar resolves it before the page runs)."""
    try:
        return st.session_state[_SCOPE]
    except KeyError:
        raise RuntimeError("no view yet: run the app through streamlit_app.py") from None

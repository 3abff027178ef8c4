"""The login: nothing past it shows data until a user has signed in, and every page load reads the user again.

The frame calls ``require`` before anything reads the database. A session holds only the username and when it
was last active (``st.session_state``, in the server's memory: a browser cannot set it); every page load reads
the user's role, area and state from the store again, so a role change, a new area or a disabled account takes
effect at the next page load. A session that has been idle longer than ``settings.session_idle_minutes`` (the
wall screen: ``screen_idle_minutes``, 0 = never) is signed out. Passwords are checked by ``access.sign_in``
(lockout after repeated failures, every attempt audited); with ``settings.auth_provider = "oidc"`` the intranet's
single sign-on signs users in through Streamlit's ``st.login`` and the store still decides their role and area.
A reload of the page starts a new session and asks again (no cookie carries a password session).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from access import (
    FIRST_ADMIN,
    AccessStore,
    AuditEvent,
    Lockout,
    PasswordPolicyError,
    change_password,
    ensure_first_admin,
    sign_in,
)
from core.access import Principal
from core.clock import local_now
from settings import Settings
from views.i18n import Translate, translator

#: Session-state keys: the signed-in session, and a note for the login page (why the last session ended).
SESSION_KEY, NOTE_KEY = "onemap_signed_in", "onemap_login_note"


@dataclass
class Session:
    """Who signed in in this browser session (``via``: ``password`` or ``oidc``) and when they were last active."""

    username: str
    via: str
    last_seen: dt.datetime


@st.cache_resource(show_spinner=False)
def _store(path: str, timezone: str) -> AccessStore:
    return AccessStore(Path(path), timezone=timezone)


def store(settings: Settings) -> AccessStore:
    """The process's user store and audit log (``settings.access_path``)."""
    return _store(str(settings.access_path), settings.timezone)


def client() -> str | None:
    """The browser's address as the server sees it (None in tests and behind some proxies)."""
    try:
        address = st.context.ip_address
    except (AttributeError, RuntimeError):
        return None
    return address if isinstance(address, str) and address else None


def _idle_limit(settings: Settings, role: str) -> int:
    return settings.screen_idle_minutes if role == "screen" else settings.session_idle_minutes


def _end(settings: Settings, session: Session, action: str, detail: str | None, note: str) -> None:
    user = store(settings).user(session.username)
    store(settings).record(
        AuditEvent(
            action,
            username=session.username,
            role=user.role if user else None,
            area=user.area if user else None,
            detail=detail,
            client=client(),
        )
    )
    del st.session_state[SESSION_KEY]
    st.session_state[NOTE_KEY] = note
    if session.via == "oidc" and getattr(st.user, "is_logged_in", False):
        st.logout()


def _current(settings: Settings, *, touch: bool) -> Principal | None:
    """This session's user, read from the store now; None (the session ended and audited) when there is none,
    the account is disabled or removed, or the session was idle too long. ``touch``: count this as activity."""
    session: Session | None = st.session_state.get(SESSION_KEY)
    if session is None:
        return None
    user = store(settings).user(session.username)
    if user is None or not user.enabled:
        _end(settings, session, "logout", "account disabled or removed", "login.ended")
        return None
    now = local_now(settings.timezone)
    limit = _idle_limit(settings, user.role)
    if limit and now - session.last_seen > dt.timedelta(minutes=limit):
        _end(settings, session, "session_expired", f"idle for more than {limit} min", f"login.expired:{limit}")
        return None
    if touch:
        session.last_seen = now
    return user.principal


def still_signed_in(settings: Settings) -> bool:
    """Whether the session is still signed in, without counting as activity: for a page that refreshes itself
    (rerun the whole app when not, and the login page shows)."""
    return _current(settings, touch=False) is not None


def start(settings: Settings, username: str, *, via: str) -> None:
    """Begin a signed-in session for ``username`` (its sign-in already checked and audited)."""
    st.session_state[SESSION_KEY] = Session(username, via, local_now(settings.timezone))
    st.session_state.pop(NOTE_KEY, None)


def sign_out(settings: Settings) -> None:
    session: Session | None = st.session_state.get(SESSION_KEY)
    if session is not None:
        _end(settings, session, "logout", None, "")


# ---------------------------------------------------------------- the login page
def _note(t: Translate) -> None:
    note = st.session_state.get(NOTE_KEY)
    if note and note.startswith("login.expired:"):
        st.warning(t("login.expired", minutes=note.split(":", 1)[1]))
    elif note:
        st.warning(t(note))


def _first_start(settings: Settings, t: Translate) -> None:
    """With no user yet, create the first administrator and print its one-time password for whoever started
    the server; while it has not chosen its own password, the login page says where to find it."""
    password = ensure_first_admin(store(settings))
    if password is not None:
        print(
            f"\nOneMap: first start. Sign in as '{FIRST_ADMIN}' with the one-time password {password} "
            "(you will choose your own). Lost it? python -m access reset admin\n",
            file=sys.stderr,
            flush=True,
        )
    users = store(settings).users()
    if [u.username for u in users] == [FIRST_ADMIN] and users[0].must_change_password:
        st.info(t("login.first_admin"))


def _password_form(settings: Settings, t: Translate) -> None:
    with st.form("onemap_login"):
        username = st.text_input(t("login.username"), key="onemap_login_username")
        password = st.text_input(t("login.password"), type="password", key="onemap_login_password")
        submitted = st.form_submit_button(t("login.submit"), type="primary")
    if not submitted:
        return
    lockout = Lockout(settings.login_max_failures, settings.login_window_minutes)
    result = sign_in(store(settings), username, password, client=client(), lockout=lockout)
    if result.user is None:
        reason = result.reason or "wrong"
        st.error(t(f"login.{reason}", minutes=settings.login_window_minutes))
        return
    start(settings, result.user.username, via="password")
    st.rerun()


def _oidc(settings: Settings, t: Translate) -> None:
    """Single sign-on: Streamlit's ``st.login`` (provider in ``.streamlit/secrets.toml``); the identity claim
    ``settings.oidc_username_claim`` must name an enabled user of the store."""
    if not getattr(st.user, "is_logged_in", False):
        if st.button(t("login.sso"), type="primary"):
            st.login(settings.oidc_provider or None)
        return
    name = str(st.user.get(settings.oidc_username_claim) or "")
    user = store(settings).user(name) if name else None
    if user is None or not user.enabled:
        store(settings).record(
            AuditEvent("login_failed", username=name or "?", detail="single sign-on: no enabled user", client=client())
        )
        st.error(t("login.sso_unknown", name=name or "?"))
        if st.button(t("account.sign_out")):
            st.logout()
        return
    store(settings).record(AuditEvent("login", username=name, role=user.role, area=user.area, client=client()))
    start(settings, name, via="oidc")
    st.rerun()


def require(settings: Settings, *, lang: str, pages: Sequence[StreamlitPage] = ()) -> Principal:
    """The signed-in user of this page load; otherwise the login page is drawn and the run stops here. ``pages``:
    the app's pages, declared hidden on the login page so the page a link names opens after the sign-in."""
    t = translator(lang)
    principal = _current(settings, touch=True)
    if principal is not None:
        user = store(settings).user(principal.username)
        if user is not None and user.must_change_password:
            st.header(t("account.change_title"))
            st.info(t("account.must_change"))
            password_change_form(settings, principal, t)
            st.stop()
        return principal
    if pages:
        st.navigation(list(pages), position="hidden")  # not run: it only keeps the URL's page for after the sign-in
    with st.columns([2, 3])[0]:  # a form of a sensible width
        st.header(t("login.title"))
        st.caption(t("login.intro"))
        _note(t)
        _first_start(settings, t)
        if settings.auth_provider == "oidc":
            _oidc(settings, t)
        elif settings.auth_provider == "password":
            _password_form(settings, t)
        else:
            st.error(f"auth_provider must be 'password' or 'oidc', got {settings.auth_provider!r}")
    st.stop()
    raise AssertionError("st.stop() returned")  # for the type checker: the run ends above


# ---------------------------------------------------------------- the account
def password_change_form(settings: Settings, principal: Principal, t: Translate) -> None:
    """Change one's own password: the current one, the new one twice."""
    with st.form("onemap_password", clear_on_submit=True):
        current = st.text_input(t("account.current"), type="password")
        new = st.text_input(
            t("account.new"), type="password", help=t("account.policy", min=settings.password_min_length)
        )
        repeat = st.text_input(t("account.repeat"), type="password")
        submitted = st.form_submit_button(t("account.change_title"), type="primary")
    if not submitted:
        return
    if new != repeat:
        st.error(t("account.mismatch"))
        return
    try:
        change_password(store(settings), principal.username, current, new, min_length=settings.password_min_length)
    except (PasswordPolicyError, ValueError) as exc:
        st.error(str(exc))
        return
    st.success(t("account.changed"))
    st.rerun()


def draw_account(settings: Settings, principal: Principal, *, area_name: str | None, lang: str) -> None:
    """Who is signed in, their role and area, and the sign-out button (in the sidebar)."""
    t = translator(lang)
    name = principal.display_name or principal.username
    st.sidebar.caption(t("account.signed_in", name=name, role=t(f"role.{principal.role}")))
    st.sidebar.caption(t("account.area", area=area_name or principal.area or t("account.everywhere")))
    if st.sidebar.button(t("account.sign_out"), key="onemap_sign_out", icon=":material/logout:"):
        sign_out(settings)
        st.rerun()

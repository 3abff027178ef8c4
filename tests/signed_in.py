"""Run the app in ``AppTest`` as a signed-in user: the user is added to the access store beside the test's
database and the session starts signed in, as ``dashboard.auth.start`` leaves it after a real sign-in. Nothing in
the app changes for tests: a browser cannot set session state; only code on the server can (the login itself is
tested through the form, in ``tests/dashboard/test_access_app.py`` and the browser test)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from access import AccessStore
from core.clock import local_now
from dashboard.auth import SESSION_KEY, Session


def add_user(
    db_path: Path, username: str, role: str, area: str | None = None, *, password_hash: str | None = None
) -> AccessStore:
    """Add ``username`` to the store beside ``db_path`` (if missing) and return the store."""
    store = AccessStore(Path(db_path).with_name("access.sqlite3"))
    if store.user(username) is None:
        store.create_user(username, role=role, area=area, password_hash=password_hash, must_change_password=False)
    return store


def signed_in(
    app: AppTest, db_path: Path, *, role: str = "admin", area: str | None = None, username: str = ""
) -> AppTest:
    """``app`` with a session signed in as a ``role`` user bound to ``area`` (added to the store when missing)."""
    username = username or f"test_{role}" + (f"_{area}" if area else "")
    add_user(db_path, username, role, area)
    app.session_state[SESSION_KEY] = Session(username, "password", local_now("Asia/Shanghai"))
    return app

"""Accounts: signing in (with the lockout after repeated failures), the first administrator, adding users and
changing or resetting passwords. The admin page and ``python -m access`` both call these; every sign-in, failed
or not, and every change to a user is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .passwords import check_password, hash_password, needs_rehash, one_time_password, verify_password
from .store import AccessStore, AuditEvent, User, UserExistsError

#: The first administrator's username, created with a one-time password when the store has no user.
FIRST_ADMIN = "admin"
#: One client may fail this many times more than one username before it is locked out (a shared workstation).
CLIENT_FACTOR = 4


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the ``user`` signed in, or why not (``reason``: ``wrong`` username or password,
    ``locked`` after too many failures, ``disabled`` account, ``no_password``: single sign-on only)."""

    user: User | None
    reason: str | None = None


@dataclass(frozen=True)
class Lockout:
    """Failed sign-ins lock a username, or a client, for the rest of a window (``settings.login_*``)."""

    max_failures: int = 5
    window_minutes: int = 15

    def __post_init__(self) -> None:
        if self.max_failures < 1 or self.window_minutes < 1:
            raise ValueError(f"a lockout needs max_failures >= 1 and window_minutes >= 1, got {self}")


def _failed(store: AccessStore, username: str, user: User | None, client: str | None, detail: str) -> None:
    store.record(
        AuditEvent(
            "login_failed",
            username=username,
            role=user.role if user else None,
            area=user.area if user else None,
            detail=detail,
            client=client,
        )
    )


def sign_in(store: AccessStore, username: str, password: str, *, client: str | None, lockout: Lockout) -> SignIn:
    """Check ``username`` and ``password``; every outcome is audited. While the username has failed
    ``lockout.max_failures`` times within the window (or the client ``CLIENT_FACTOR`` times that), every attempt
    is refused, right or wrong, and the password is not even checked."""
    username = username.strip()
    since = store.now() - dt.timedelta(minutes=lockout.window_minutes)
    by_user, by_client = store.failures_since(since, username=username, client=client)
    user = store.user(username)
    if by_user >= lockout.max_failures or by_client >= lockout.max_failures * CLIENT_FACTOR:
        who = "username" if by_user >= lockout.max_failures else "client"
        _failed(store, username, user, client, f"locked: the {who} failed too often in {lockout.window_minutes} min")
        return SignIn(None, "locked")
    stored = store.password_hash(username)
    if not verify_password(stored, password) or user is None or stored is None:  # unknown names take as long
        reason = "no_password" if user is not None and stored is None else "wrong"
        _failed(store, username, user, client, "single sign-on only" if reason == "no_password" else "wrong password")
        return SignIn(None, reason)
    if not user.enabled:
        _failed(store, username, user, client, "account disabled")
        return SignIn(None, "disabled")
    if needs_rehash(stored):  # hashed with older parameters: upgrade now that the password is known
        store.set_password_hash(username, hash_password(password), must_change=user.must_change_password)
    store.record(AuditEvent("login", username=username, role=user.role, area=user.area, client=client))
    return SignIn(user)


def ensure_first_admin(store: AccessStore) -> str | None:
    """With no user at all, create ``admin`` with a one-time password (changed at the first sign-in) and return
    the password, to be shown once to whoever started the server; otherwise None. No installation shares it."""
    if store.has_users():
        return None
    password = one_time_password()
    try:
        store.create_user(FIRST_ADMIN, role="admin", password_hash=hash_password(password), must_change_password=True)
    except UserExistsError:  # another session created it a moment ago
        return None
    store.record(AuditEvent("user_change", username=FIRST_ADMIN, role="admin", detail="first administrator created"))
    return password


def _changed(store: AccessStore, by: str, user: User, detail: str) -> User:
    actor = store.user(by)
    store.record(
        AuditEvent(
            "user_change",
            username=by,
            role=actor.role if actor else None,
            area=user.area,
            detail=f"{user.username}: {detail}",
        )
    )
    return user


def add_user(
    store: AccessStore,
    username: str,
    *,
    role: str,
    by: str,
    area: str | None = None,
    display_name: str = "",
    password: str | None = None,
    sso: bool = False,
    min_length: int = 10,
) -> tuple[User, str | None]:
    """Add a user; returns it and the one-time password generated for it (None when ``password`` was given or
    ``sso``: the user signs in through single sign-on and has no password). ``by``: who adds it (audited)."""
    if password is not None and sso:
        raise ValueError("a single sign-on user has no password")
    generated = None if password is not None or sso else one_time_password()
    chosen = password if password is not None else generated
    hashed = None
    if chosen is not None:
        if password is not None:
            check_password(password, username=username, min_length=min_length)
        hashed = hash_password(chosen)
    user = store.create_user(
        username,
        role=role,
        area=area,
        display_name=display_name,
        password_hash=hashed,
        must_change_password=generated is not None,
    )
    _changed(store, by, user, f"created as {role}" + (f" bound to {area}" if area else ""))
    return user, generated


def set_role(store: AccessStore, username: str, role: str, *, by: str) -> User:
    """Change a user's role (it applies at their next page load)."""
    return _changed(store, by, store.set_role(username, role), f"role {role}")


def set_area(store: AccessStore, username: str, area: str | None, *, by: str) -> User:
    """Bind a user to an area (a grid code; None: the whole jurisdiction), from their next page load."""
    return _changed(store, by, store.set_area(username, area), f"area {area or 'all'}")


def set_enabled(store: AccessStore, username: str, enabled: bool, *, by: str) -> User:
    """Enable or disable a user (a disabled user's open session ends at its next page load)."""
    return _changed(store, by, store.set_enabled(username, enabled), "enabled" if enabled else "disabled")


def reset_password(store: AccessStore, username: str, *, by: str) -> str:
    """Give a user a new one-time password (to be changed at the next sign-in) and return it."""
    password = one_time_password()
    user = store.set_password_hash(username, hash_password(password), must_change=True)
    _changed(store, by, user, "password reset")
    return password


def change_password(store: AccessStore, username: str, old: str, new: str, *, min_length: int) -> User:
    """A user's own change: ``old`` must be right (a ``ValueError`` otherwise) and ``new`` meet the policy."""
    if not verify_password(store.password_hash(username), old):
        raise ValueError("the current password is not right")
    if new == old:
        raise ValueError("the new password must differ from the current one")
    check_password(new, username=username, min_length=min_length)
    user = store.set_password_hash(username, hash_password(new), must_change=False)
    return _changed(store, username, user, "password changed")

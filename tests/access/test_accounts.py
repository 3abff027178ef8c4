"""The user store and the sign-in: Argon2id hashes, the lockout, the first administrator, role and area changes,
and an audit log that nothing can edit or delete (and that notices when someone does it behind the app's back)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from access import (
    FIRST_ADMIN,
    AccessStore,
    AuditEvent,
    Lockout,
    PasswordPolicyError,
    UserExistsError,
    add_user,
    change_password,
    ensure_first_admin,
    reset_password,
    set_area,
    set_enabled,
    set_role,
    sign_in,
)
from access.passwords import check_password, hash_password, needs_rehash, verify_password
from core.access import ROLE_PERMISSIONS, Principal

GOOD = "correct horse battery"
LOCKOUT = Lockout(max_failures=3, window_minutes=15)


@pytest.fixture
def store(tmp_path: Path) -> AccessStore:
    return AccessStore(tmp_path / "access.sqlite3")


@pytest.fixture
def alice(store: AccessStore) -> AccessStore:
    add_user(store, "alice", role="analyst", area="340102002", password=GOOD, by="test")
    return store


def test_passwords_are_argon2id_and_checked(store: AccessStore) -> None:
    hashed = hash_password(GOOD)
    assert hashed.startswith("$argon2id$") and GOOD not in hashed
    assert verify_password(hashed, GOOD) and not verify_password(hashed, GOOD + "!")
    assert not verify_password(None, GOOD)  # single sign-on users have none
    assert not needs_rehash(hashed)
    assert needs_rehash("$argon2id$v=19$m=8192,t=1,p=1$c2FsdHNhbHQ$" + "A" * 43)
    with pytest.raises(PasswordPolicyError, match="at least 10 characters, this one has 5"):
        check_password("short", username="alice", min_length=10)
    with pytest.raises(PasswordPolicyError, match="may not contain the username"):
        check_password("alice-in-wonderland", username="alice", min_length=10)
    with pytest.raises(PasswordPolicyError, match="first ones tried"):
        check_password("1234567890", username="alice", min_length=10)


def test_the_hash_is_stored_never_the_password(alice: AccessStore) -> None:
    with sqlite3.connect(alice.path) as con:
        dump = "\n".join(con.iterdump())
    assert GOOD not in dump and "$argon2id$" in dump
    assert oct(alice.path.stat().st_mode & 0o777) == "0o600"


def test_sign_in_and_every_attempt_is_audited(alice: AccessStore) -> None:
    ok = sign_in(alice, "alice", GOOD, client="10.0.0.5", lockout=LOCKOUT)
    assert ok.user is not None and ok.user.principal == Principal("alice", "analyst", "340102002")
    assert sign_in(alice, "alice", "wrong password!", client="10.0.0.5", lockout=LOCKOUT).reason == "wrong"
    assert sign_in(alice, "nobody", GOOD, client="10.0.0.5", lockout=LOCKOUT).reason == "wrong"
    rows = alice.audit(actions=["login", "login_failed"])
    assert rows[["username", "role", "area", "action", "client"]].values.tolist()[::-1] == [
        ["alice", "analyst", "340102002", "login", "10.0.0.5"],
        ["alice", "analyst", "340102002", "login_failed", "10.0.0.5"],
        ["nobody", None, None, "login_failed", "10.0.0.5"],
    ]


def test_repeated_failures_lock_the_username_even_for_the_right_password(alice: AccessStore) -> None:
    for _ in range(3):
        assert sign_in(alice, "alice", "guess guess", client="10.0.0.9", lockout=LOCKOUT).reason == "wrong"
    assert sign_in(alice, "alice", GOOD, client="10.0.0.5", lockout=LOCKOUT).reason == "locked"
    assert alice.audit(limit=1)["detail"].tolist() == ["locked: the username failed too often in 15 min"]
    # after the window the right password works again
    later = alice.now() + dt.timedelta(minutes=16)
    alice.now = lambda: later  # type: ignore[method-assign]
    assert sign_in(alice, "alice", GOOD, client="10.0.0.5", lockout=LOCKOUT).user is not None


def test_a_client_that_fails_across_many_names_is_locked(alice: AccessStore) -> None:
    for i in range(3 * 4):
        sign_in(alice, f"user{i}", "guess guess", client="10.0.0.66", lockout=LOCKOUT)
    assert sign_in(alice, "alice", GOOD, client="10.0.0.66", lockout=LOCKOUT).reason == "locked"
    assert sign_in(alice, "alice", GOOD, client="10.0.0.5", lockout=LOCKOUT).user is not None


def test_disabled_users_and_sso_users_cannot_sign_in_with_a_password(alice: AccessStore) -> None:
    set_enabled(alice, "alice", False, by="admin")
    assert sign_in(alice, "alice", GOOD, client=None, lockout=LOCKOUT).reason == "disabled"
    user, password = add_user(alice, "bob@city.gov.cn", role="screen", sso=True, by="admin")
    assert password is None and not user.has_password
    assert sign_in(alice, "bob@city.gov.cn", "", client=None, lockout=LOCKOUT).reason == "no_password"


def test_the_first_admin_gets_a_one_time_password_of_its_own(tmp_path: Path) -> None:
    one, two = AccessStore(tmp_path / "a.sqlite3"), AccessStore(tmp_path / "b.sqlite3")
    first, second = ensure_first_admin(one), ensure_first_admin(two)
    assert first and second and first != second and len(first) >= 16  # no password shared by installations
    assert ensure_first_admin(one) is None  # only while the store is empty
    admin = one.user(FIRST_ADMIN)
    assert admin is not None and admin.role == "admin" and admin.must_change_password
    signed = sign_in(one, FIRST_ADMIN, first, client=None, lockout=LOCKOUT)
    assert signed.user is not None and signed.user.must_change_password
    change_password(one, FIRST_ADMIN, first, GOOD, min_length=10)
    assert not one.user(FIRST_ADMIN).must_change_password  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="current password is not right"):
        change_password(one, FIRST_ADMIN, first, "another good one", min_length=10)


def test_changes_apply_to_the_stored_user_and_are_audited(alice: AccessStore) -> None:
    set_role(alice, "alice", "supervisor", by="admin")
    set_area(alice, "alice", None, by="admin")
    assert alice.user("alice").principal == Principal("alice", "supervisor", None)  # type: ignore[union-attr]
    password = reset_password(alice, "alice", by="admin")
    assert sign_in(alice, "alice", password, client=None, lockout=LOCKOUT).user.must_change_password  # type: ignore[union-attr]
    details = alice.audit(actions=["user_change"])["detail"].tolist()[::-1]
    assert details == [
        "alice: created as analyst bound to 340102002",
        "alice: role supervisor",
        "alice: area all",
        "alice: password reset",
    ]
    with pytest.raises(UserExistsError):
        add_user(alice, "alice", role="analyst", by="admin")
    with pytest.raises(ValueError, match="unknown role 'boss'"):
        set_role(alice, "alice", "boss", by="admin")


def test_the_audit_log_is_append_only(alice: AccessStore) -> None:
    alice.record(AuditEvent("export", username="alice", role="analyst", area="340102002", view="period=today", rows=8))
    with sqlite3.connect(alice.path) as con:
        for sql in ("DELETE FROM audit", "UPDATE audit SET rows = 0", "DELETE FROM audit WHERE id = 1"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                con.execute(sql)
    assert alice.verify_chain() == []
    with pytest.raises(ValueError, match="unknown audit action 'delete'"):
        AuditEvent("delete", username="alice")


def test_a_row_removed_behind_the_apps_back_breaks_the_chain(alice: AccessStore) -> None:
    for rows in (1, 2, 3):
        alice.record(AuditEvent("export", username="alice", role="analyst", rows=rows))
    with sqlite3.connect(alice.path) as con:  # someone with the file drops the triggers
        con.execute("DROP TRIGGER audit_no_delete")
        con.execute("DROP TRIGGER audit_no_update")
        con.execute("DELETE FROM audit WHERE rows = 2")
        con.execute("UPDATE audit SET rows = 300 WHERE rows = 3")
    problems = alice.verify_chain()
    assert len(problems) == 2
    assert "was removed or changed" in problems[0] and "changed after it was written" in problems[1]


def test_the_audit_lists_by_area_action_user_and_days(alice: AccessStore) -> None:
    alice.record(AuditEvent("export", username="alice", role="analyst", area="340102002", rows=3))
    alice.record(AuditEvent("case_view", username="carol", role="analyst", area="340102001", rows=5))
    assert alice.audit(areas=["340102002"])["action"].tolist() == ["export", "user_change"]
    assert alice.audit(areas=[])["action"].tolist() == []
    assert alice.audit(username="carol")["rows"].tolist() == [5]
    today = alice.now().date()
    assert len(alice.audit(start=today, end=today)) == 3
    assert alice.audit(end=today - dt.timedelta(days=1)).empty


def test_roles_grant_what_the_issue_says() -> None:
    assert ROLE_PERMISSIONS["screen"] == {"aggregates"}
    assert ROLE_PERMISSIONS["analyst"] == {"aggregates", "case_details", "export"}
    assert ROLE_PERMISSIONS["supervisor"] == {"aggregates", "case_details", "export", "rankings", "audit"}
    assert Principal("root", "admin").can("users") and not Principal("wall", "screen").can("export")
    with pytest.raises(ValueError, match="unknown permission 'fly'"):
        Principal("wall", "screen").can("fly")

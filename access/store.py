"""The user store and the audit log: one SQLite file (``settings.access_path``), beside the data, not inside it.

Why not the DuckDB database: a load never writes the live data file, it renames a finished copy over it
(``etl/store.py``). An audit row or a password change written into the live file during a load would be lost
at the rename, and a dashboard holding that file open for writing would lock out the loader and the readers.
The access file has the opposite needs (small transactions from many sessions and a command line at once, never
replaced), which SQLite's locking and write-ahead log serve; it is in the standard library.

* ``app_user``: username, display name, role (``core.access.ROLES``), the area (grid code) the user is bound to,
  the Argon2id hash (NULL: single sign-on only), must-change flag, enabled flag, times.
* ``audit``: append-only. Triggers refuse every UPDATE and DELETE, the app has no code that would issue one, and
  each row carries a SHA-256 chain over the rows before it, so a row removed or edited outside the app (with the
  triggers dropped) breaks the chain that ``verify_chain`` checks.

Every call opens its own connection (Streamlit serves each session from its own thread). Times are naive local
time of ``timezone`` (China Standard Time), as everywhere in OneMap.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from core.access import AUDIT_ACTIONS, ROLES, Principal, check_role
from core.clock import local_now

#: Version of the file's schema (``PRAGMA user_version``).
SCHEMA_VERSION = 1
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS app_user (
    username             TEXT PRIMARY KEY,
    display_name         TEXT NOT NULL DEFAULT '',
    role                 TEXT NOT NULL CHECK (role IN ({", ".join(f"'{r}'" for r in ROLES)})),
    area                 TEXT,               -- grid code the user is bound to; NULL = the whole jurisdiction
    password_hash        TEXT,               -- Argon2id PHC string; NULL = signs in through single sign-on only
    must_change_password INTEGER NOT NULL DEFAULT 0,
    enabled              INTEGER NOT NULL DEFAULT 1,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,                 -- naive local time, ISO 8601
    username  TEXT NOT NULL,                 -- who (as typed, for a failed sign-in)
    role      TEXT,                          -- their role then; NULL for an unknown username
    area      TEXT,                          -- the area the action concerned: the view's, else the user's binding
    action    TEXT NOT NULL,                 -- core.access.AUDIT_ACTIONS
    view      TEXT,                          -- the view as its URL query (ViewState.to_query)
    rows      INTEGER,                       -- rows shown or exported
    detail    TEXT,                          -- the file, the case, the reason a sign-in failed
    client    TEXT,                          -- the client's address, when known
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL                  -- SHA-256 of prev_hash and this row: the chain verify_chain checks
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE INDEX IF NOT EXISTS audit_user_at ON audit (username, at);
CREATE INDEX IF NOT EXISTS audit_client_at ON audit (client, at);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
PRAGMA user_version = {SCHEMA_VERSION};
"""
_GENESIS = "0" * 64
_AUDIT_FIELDS = ("at", "username", "role", "area", "action", "view", "rows", "detail", "client")


class UserExistsError(ValueError):
    """A user with that name exists already."""


class UnknownUserError(KeyError):
    """No user has that name."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown user"


@dataclass(frozen=True)
class User:
    """One row of ``app_user`` (never the hash itself: ``has_password`` says whether there is one)."""

    username: str
    display_name: str
    role: str
    area: str | None
    has_password: bool
    must_change_password: bool
    enabled: bool
    created_at: str
    updated_at: str

    @property
    def principal(self) -> Principal:
        return Principal(username=self.username, role=self.role, area=self.area, display_name=self.display_name)


@dataclass(frozen=True)
class AuditEvent:
    """One audited action (``core.access.AUDIT_ACTIONS``): who, their role, the area, the view, the rows."""

    action: str
    username: str
    role: str | None = None
    area: str | None = None
    view: str | None = None
    rows: int | None = None
    detail: str | None = None
    client: str | None = None

    def __post_init__(self) -> None:
        if self.action not in AUDIT_ACTIONS:
            raise ValueError(f"unknown audit action {self.action!r}; actions: {list(AUDIT_ACTIONS)}")
        if self.rows is not None and self.rows < 0:
            raise ValueError(f"rows must be >= 0, got {self.rows}")


def _chain(prev_hash: str, values: Sequence[object]) -> str:
    payload = json.dumps([prev_hash, *values], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class AccessStore:
    """The users and the audit log in the SQLite file at ``path`` (created with its schema when missing)."""

    def __init__(self, path: Path, *, timezone: str = "Asia/Shanghai") -> None:
        self.path = Path(path)
        self.timezone = timezone
        if self.path.is_dir():
            raise IsADirectoryError(f"the access store {self.path} is a folder; give it a file name")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            version = con.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"the access store {self.path} is at schema version {version}, newer than this OneMap knows "
                    f"({SCHEMA_VERSION})"
                )
            con.executescript(_SCHEMA)
        with contextlib.suppress(OSError):
            self.path.chmod(0o600)  # password hashes and the audit: readable by the server's user alone

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("PRAGMA busy_timeout = 30000")
            yield con
        finally:
            con.close()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def now(self) -> dt.datetime:
        return local_now(self.timezone)

    def _stamp(self) -> str:
        return self.now().isoformat(sep=" ", timespec="seconds")

    # ---------------------------------------------------------------- users
    def has_users(self) -> bool:
        with self._connect() as con:
            return con.execute("SELECT EXISTS (SELECT 1 FROM app_user)").fetchone()[0] == 1

    def user(self, username: str) -> User | None:
        """The user named ``username``, or None."""
        with self._connect() as con:
            row = con.execute(f"SELECT {_USER_COLUMNS} FROM app_user WHERE username = ?", [username]).fetchone()
        return None if row is None else _user(row)

    def password_hash(self, username: str) -> str | None:
        with self._connect() as con:
            row = con.execute("SELECT password_hash FROM app_user WHERE username = ?", [username]).fetchone()
        return None if row is None else row[0]

    def users(self) -> list[User]:
        """Every user, by username."""
        with self._connect() as con:
            rows = con.execute(f"SELECT {_USER_COLUMNS} FROM app_user ORDER BY username").fetchall()
        return [_user(row) for row in rows]

    def create_user(
        self,
        username: str,
        *,
        role: str,
        password_hash: str | None,
        area: str | None = None,
        display_name: str = "",
        must_change_password: bool = True,
    ) -> User:
        """Add a user; a ``UserExistsError`` when the name is taken."""
        username = username.strip()
        if not username or len(username) > 64 or any(c.isspace() for c in username):
            raise ValueError(f"a username is 1–64 characters without spaces, got {username!r}")
        check_role(role)
        stamp = self._stamp()
        try:
            with self._writing() as con:
                con.execute(
                    "INSERT INTO app_user (username, display_name, role, area, password_hash, must_change_password,"
                    " enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
                    [
                        username,
                        display_name,
                        role,
                        area or None,
                        password_hash,
                        int(must_change_password),
                        stamp,
                        stamp,
                    ],
                )
        except sqlite3.IntegrityError as exc:
            raise UserExistsError(f"a user named {username!r} exists already") from exc
        return self._existing(username)

    def _update(self, username: str, **values: object) -> User:
        sets = ", ".join(f"{name} = ?" for name in values)  # names from this module's callers only
        with self._writing() as con:
            changed = con.execute(
                f"UPDATE app_user SET {sets}, updated_at = ? WHERE username = ?",
                [*values.values(), self._stamp(), username],
            ).rowcount
        if not changed:
            raise UnknownUserError(f"no user named {username!r}")
        return self._existing(username)

    def _existing(self, username: str) -> User:
        user = self.user(username)
        if user is None:
            raise UnknownUserError(f"no user named {username!r}")
        return user

    def set_role(self, username: str, role: str) -> User:
        return self._update(username, role=check_role(role))

    def set_area(self, username: str, area: str | None) -> User:
        return self._update(username, area=area or None)

    def set_display_name(self, username: str, display_name: str) -> User:
        return self._update(username, display_name=display_name)

    def set_enabled(self, username: str, enabled: bool) -> User:
        return self._update(username, enabled=int(enabled))

    def set_password_hash(self, username: str, password_hash: str | None, *, must_change: bool) -> User:
        return self._update(username, password_hash=password_hash, must_change_password=int(must_change))

    # ---------------------------------------------------------------- audit
    def record(self, event: AuditEvent) -> int:
        """Append ``event`` to the audit log (now); its id."""
        values = [self._stamp(), *(getattr(event, name) for name in _AUDIT_FIELDS[1:])]
        with self._writing() as con:
            last = con.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
            prev = last[0] if last else _GENESIS
            cursor = con.execute(
                f"INSERT INTO audit ({', '.join(_AUDIT_FIELDS)}, prev_hash, hash) VALUES ({', '.join('?' * 11)})",
                [*values, prev, _chain(prev, values)],
            )
        return int(cursor.lastrowid or 0)

    def failures_since(self, since: dt.datetime, *, username: str, client: str | None) -> tuple[int, int]:
        """Failed sign-ins since ``since``: ``(for username, from client)`` (the second 0 without a client)."""
        stamp = since.isoformat(sep=" ", timespec="seconds")
        with self._connect() as con:
            by_user = con.execute(
                "SELECT count(*) FROM audit WHERE action = 'login_failed' AND username = ? AND at >= ?",
                [username, stamp],
            ).fetchone()[0]
            by_client = 0
            if client:
                by_client = con.execute(
                    "SELECT count(*) FROM audit WHERE action = 'login_failed' AND client = ? AND at >= ?",
                    [client, stamp],
                ).fetchone()[0]
        return int(by_user), int(by_client)

    def audit(
        self,
        *,
        start: dt.date | None = None,
        end: dt.date | None = None,
        areas: Sequence[str] | None = None,
        actions: Sequence[str] | None = None,
        username: str | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Audit rows, newest first: ``id``, ``at``, ``username``, ``role``, ``area``, ``action``, ``view``,
        ``rows``, ``detail``, ``client``. ``start``/``end``: days, both inclusive; ``areas``: only rows about
        these areas (a supervisor's: their area and everything under it); ``actions``, ``username``: as named."""
        clauses, params = ["TRUE"], []
        if start is not None:
            clauses.append("at >= ?")
            params.append(start.isoformat())
        if end is not None:
            clauses.append("at < ?")
            params.append((end + dt.timedelta(days=1)).isoformat())
        for column, values in (("area", areas), ("action", actions)):
            if values is not None:
                clauses.append(f"{column} IN ({', '.join('?' * len(values))})" if values else "FALSE")
                params.extend(values)
        if username:
            clauses.append("username = ?")
            params.append(username)
        sql = f"SELECT id, {', '.join(_AUDIT_FIELDS)} FROM audit WHERE {' AND '.join(clauses)} ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._connect() as con:
            frame = pd.read_sql_query(sql, con, params=params)
        frame["at"] = pd.to_datetime(frame["at"])
        frame["rows"] = frame["rows"].astype("Int64")
        return frame

    def verify_chain(self) -> list[str]:
        """What is wrong with the audit log's hash chain (empty: every row is there, as written)."""
        problems: list[str] = []
        prev = _GENESIS
        previous_id = 0
        with self._connect() as con:
            cursor = con.execute(f"SELECT id, {', '.join(_AUDIT_FIELDS)}, prev_hash, hash FROM audit ORDER BY id")
            for row in cursor:
                row_id, values, prev_hash, stored = row[0], list(row[1:10]), row[10], row[11]
                if prev_hash != prev:
                    problems.append(f"row {row_id}: the row before it (after {previous_id}) was removed or changed")
                if _chain(prev_hash, values) != stored:
                    problems.append(f"row {row_id}: changed after it was written")
                prev, previous_id = stored, row_id
        return problems


_USER_COLUMNS = (
    "username, display_name, role, area, password_hash IS NOT NULL, must_change_password, enabled, created_at,"
    " updated_at"
)


def _user(row: Sequence[object]) -> User:
    return User(
        username=str(row[0]),
        display_name=str(row[1] or ""),
        role=str(row[2]),
        area=None if row[3] is None else str(row[3]),
        has_password=bool(row[4]),
        must_change_password=bool(row[5]),
        enabled=bool(row[6]),
        created_at=str(row[7]),
        updated_at=str(row[8]),
    )

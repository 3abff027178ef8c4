"""Command line: a thin layer over ``access`` (users, roles, areas, passwords, the audit log). Run
``python -m access --help``. Changes made here are audited as made by ``cli:<the shell user>``."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import getpass
import sys
from collections.abc import Sequence
from pathlib import Path

from core.access import AUDIT_ACTIONS, ROLES
from core.clock import local_now
from core.spreadsheet import csv_text
from settings import Settings, load_settings

from . import accounts
from .passwords import PasswordPolicyError
from .store import AccessStore, UnknownUserError, UserExistsError

#: What a command can fail with that is the input's fault: one line on stderr, exit 2.
ERRORS: tuple[type[Exception], ...] = (ValueError, UnknownUserError, UserExistsError, PasswordPolicyError, OSError)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m access", description="OneMap users, roles and audit log.")
    parser.add_argument("--db", type=Path, help="the data database (default: settings db_path); the store is beside")
    parser.add_argument("--store", type=Path, help="the access store file (default: settings access_path)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("users", help="list the users")
    add = sub.add_parser("add", help="add a user; prints a one-time password unless --sso")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--area", help="grid code the user is bound to (default: the whole jurisdiction)")
    add.add_argument("--name", default="", help="display name")
    add.add_argument("--sso", action="store_true", help="signs in through single sign-on only (no password)")
    role = sub.add_parser("role", help="change a user's role (applies at their next page load)")
    role.add_argument("username")
    role.add_argument("role", choices=ROLES)
    area = sub.add_parser("area", help="bind a user to an area (a grid code, or 'all')")
    area.add_argument("username")
    area.add_argument("area")
    for name, text in (("disable", "disable a user"), ("enable", "enable a user"), ("reset", "new one-time password")):
        sub.add_parser(name, help=text).add_argument("username")
    audit = sub.add_parser("audit", help="list the audit log, newest first")
    audit.add_argument("--since", type=dt.date.fromisoformat, help="first day, YYYY-MM-DD")
    audit.add_argument("--action", action="append", choices=AUDIT_ACTIONS, help="only these actions")
    audit.add_argument("--user", help="only this username")
    audit.add_argument("--limit", type=int, default=50)
    audit.add_argument("--csv", type=Path, help="write every matching row to this CSV file instead")
    sub.add_parser("verify", help="check the audit log's hash chain (exit 1 when broken)")
    return parser


def _known_area(settings: Settings, code: str) -> str:
    """``code`` when the data database has a grid with it (or there is no database yet to ask)."""
    if not settings.db_path.exists():
        return code
    import queries
    from queries.db import LiveDatabase

    with LiveDatabase.for_settings(settings).cursor() as con:
        tree = queries.area_tree(con, at=local_now(settings.timezone))
    if not (tree["code"] == code).any():
        raise ValueError(f"no grid {code!r} is valid now in {settings.db_path}; give a code of the grid table")
    return code


def _run(args: argparse.Namespace, settings: Settings, store: AccessStore) -> int:  # noqa: C901 — one branch a command
    actor = f"cli:{getpass.getuser()}"
    if args.command == "users":
        for user in store.users():
            flags = [
                f
                for f, on in (("disabled", not user.enabled), ("must change password", user.must_change_password))
                if on
            ]
            print(f"{user.username:<20} {user.role:<10} {user.area or 'all':<18} {user.display_name} {' '.join(flags)}")
    elif args.command == "add":
        area = _known_area(settings, args.area) if args.area else None
        user, password = accounts.add_user(
            store, args.username, role=args.role, area=area, display_name=args.name, sso=args.sso, by=actor,
            min_length=settings.password_min_length,
        )  # fmt: skip
        print(f"added {user.username} ({user.role}, {user.area or 'all'})")
        if password:
            print(f"one-time password (to be changed at the first sign-in): {password}")
    elif args.command == "role":
        accounts.set_role(store, args.username, args.role, by=actor)
        print(f"{args.username} is now {args.role} (from their next page load)")
    elif args.command == "area":
        code = None if args.area == "all" else _known_area(settings, args.area)
        accounts.set_area(store, args.username, code, by=actor)
        print(f"{args.username} is bound to {code or 'the whole jurisdiction'} (from their next page load)")
    elif args.command in ("disable", "enable"):
        accounts.set_enabled(store, args.username, args.command == "enable", by=actor)
        print(f"{args.username} {args.command}d")
    elif args.command == "reset":
        print(f"one-time password for {args.username}: {accounts.reset_password(store, args.username, by=actor)}")
    elif args.command == "audit":
        rows = store.audit(
            start=args.since, actions=args.action, username=args.user, limit=None if args.csv else args.limit
        )
        if args.csv:  # usernames of failed sign-ins are anyone's text: every cell defused for Excel
            rows.map(csv_text).to_csv(args.csv, index=False, encoding="utf-8-sig")
            print(f"{len(rows)} rows written to {args.csv}")
        else:
            print(rows.drop(columns="id").to_string(index=False) if len(rows) else "(no audit rows)")
    elif args.command == "verify":
        problems = store.verify_chain()
        for problem in problems:
            print(problem, file=sys.stderr)
        print("audit log intact" if not problems else f"audit log broken: {len(problems)} problem(s)")
        return 1 if problems else 0
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = load_settings()
    if args.db:
        settings = dataclasses.replace(settings, db_path=args.db)
    if args.store:
        settings = dataclasses.replace(settings, access_db_path=str(args.store))
    try:
        store = AccessStore(settings.access_path, timezone=settings.timezone)
        return _run(args, settings, store)
    except ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

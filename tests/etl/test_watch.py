"""``python -m etl watch``: files that arrive are loaded once each, also after a restart; unfinished ones wait."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT, write_csv
from test_load_cases import case

from etl.cli import main

PAST = time.time() - 3600  # a file last written an hour ago has settled


def delivered(path: Path, rows: list[dict], *, settled: bool = True) -> Path:
    write_csv(path, rows)
    if settled:
        os.utime(path, (PAST, PAST))
    return path


def published(settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def run_once(settings, folder: Path, capsys) -> str:
    argv = ["--db", str(settings.db_path), "watch", str(folder), "--entity", "cases", "--source", "dcs"]
    argv += ["--channel", "patrol", "--as-of", "2025-06-30T18:00:00", "--once", "--settle", "60"]
    assert main(argv) == 0
    return capsys.readouterr().out


def test_settled_files_are_loaded_once_and_unfinished_ones_wait(city, tmp_path: Path, capsys) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    delivered(inbox / "a.csv", [case(1), case(2)])
    delivered(inbox / "b.csv", [case(3)])
    delivered(inbox / "c.csv", [case(4)], settled=False)  # still being written (modified just now)
    delivered(inbox / "d.csv.part", [case(5)])  # its name says it is not finished
    delivered(inbox / ".e.csv", [case(6)])
    out = run_once(city, inbox, capsys)
    assert "watch: 2 loaded, 0 failed, 0 already loaded, 1 not settled; published" in out
    assert published(city, "SELECT source_id FROM cases ORDER BY 1") == [("C0001",), ("C0002",), ("C0003",)]
    ledger = published(city, "SELECT file_name, outcome, run_id IS NOT NULL FROM watch_file ORDER BY 1")
    assert ledger == [("a.csv", "loaded", True), ("b.csv", "loaded", True)]

    # after a restart: nothing twice, the same bytes under another name neither; a changed file is new
    os.utime(inbox / "c.csv", (PAST, PAST))  # it has settled now
    shutil.copyfile(inbox / "a.csv", inbox / "a_copy.csv")
    os.utime(inbox / "a_copy.csv", (PAST, PAST))
    delivered(inbox / "b.csv", [case(3, 状态="已受理"), case(7)])  # re-exported under the same name
    out = run_once(city, inbox, capsys)
    assert "watch: 2 loaded, 0 failed, 2 already loaded, 0 not settled; published" in out
    assert published(city, "SELECT count(*) FROM cases") == [(5,)]
    assert published(city, "SELECT count(*) FROM watch_file") == [(4,)]
    out = run_once(city, inbox, capsys)
    assert "watch: 0 loaded, 0 failed, 4 already loaded, 0 not settled" in out and "published" not in out


def test_a_file_that_fails_on_its_content_is_recorded_and_not_retried(city, tmp_path: Path, capsys) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    delivered(inbox / "bad.csv", [{"编号": "1", "说明": "no case columns"}])
    delivered(inbox / "good.csv", [case(1)])
    out = run_once(city, inbox, capsys)
    assert "watch: 1 loaded, 1 failed" in out
    assert "failed (not tried again until it changes):" in out and "bad.csv" in out
    rows = published(city, "SELECT file_name, outcome, message FROM watch_file ORDER BY 1")
    assert [(name, outcome) for name, outcome, _ in rows] == [("bad.csv", "failed"), ("good.csv", "loaded")]
    assert rows[0][2].startswith("MissingColumnsError: cases file is missing required column(s) reported_at")
    out = run_once(city, inbox, capsys)
    assert "watch: 0 loaded, 0 failed, 2 already loaded" in out


def test_a_running_watcher_takes_renamed_files_and_stops_safely_on_sigterm(city, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    argv = [sys.executable, "-m", "etl", "--db", str(city.db_path), "watch", str(inbox), "--entity", "cases"]
    argv += ["--source", "dcs", "--channel", "patrol", "--settle", "0.5", "--interval", "0.2"]
    watcher = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        part = delivered(inbox / "a.csv.part", [case(i) for i in range(1, 21)], settled=False)
        part.rename(inbox / "a.csv")  # a delivery renames its file into place when done
        deadline = time.time() + 60
        while time.time() < deadline:
            if city.db_path.exists() and published(city, "SELECT count(*) FROM cases") == [(20,)]:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the watcher did not publish the file within 60 s")
        watcher.send_signal(signal.SIGTERM)
        out, err = watcher.communicate(timeout=60)
    finally:
        watcher.kill()
    assert watcher.returncode == 0, err
    assert "watch: stopped; every file loaded so far is committed and published" in err
    assert "read 20 = loaded 20 + rejected 0" in out


def test_a_watcher_killed_mid_load_loads_the_file_once_on_restart(city, tmp_path: Path, capsys) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    delivered(inbox / "big.csv", [case(i) for i in range(1, 3001)])
    argv = [sys.executable, "-m", "etl", "--db", str(city.db_path), "watch", str(inbox), "--entity", "cases"]
    argv += ["--source", "dcs", "--channel", "patrol", "--as-of", "2025-06-30T18:00:00", "--once"]
    watcher = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2.0)
    watcher.send_signal(signal.SIGKILL)
    watcher.wait()
    run_once(city, inbox, capsys)
    assert published(city, "SELECT count(*) FROM cases") == [(3000,)]
    assert published(city, "SELECT count(*), min(outcome) FROM watch_file") == [(1, "loaded")]
    # a load killed before its commit left no run; one killed after it was published, and not done again
    assert published(city, "SELECT count(*) FROM etl_run WHERE entity = 'cases'") == [(1,)]


def test_a_stop_that_lands_inside_a_duckdb_statement_is_a_stop(city, tmp_path: Path, monkeypatch, capsys) -> None:
    # DuckDB turns a signal that arrives while it runs a statement into "Query interrupted": still a stop
    from etl import cli

    def busy_watch(*args, **kwargs) -> None:
        threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM)).start()
        with duckdb.connect() as con:
            con.execute("SELECT count(*) FROM range(100000000000) WHERE hash(range) = 0").fetchall()
        pytest.fail("the statement was not interrupted")

    monkeypatch.setattr(cli, "watch", busy_watch)
    argv = ["--db", str(city.db_path), "watch", str(tmp_path), "--entity", "cases", "--source", "dcs"]
    assert cli.main(argv) == 0
    assert "watch: stopped; every file loaded so far is committed and published" in capsys.readouterr().err

"""While a load runs, another process keeps reading the live database, and sees the new data after commit."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, write_csv
from test_load_cases import OPTIONS, case

from etl import api, store
from etl.load_cases import load_cases

READER = """
import sys, time, duckdb
db, log, stop = sys.argv[1], sys.argv[2], sys.argv[3]
deadline = time.time() + 60
with open(log, "a", buffering=1) as out:
    while time.time() < deadline:
        try:
            con = duckdb.connect(db, read_only=True)
            n = con.execute("SELECT count(*) FROM cases").fetchall()[0][0]
            con.close()
            out.write(f"ok {n}\\n")
            if str(n) == stop:
                break
        except Exception as exc:  # the test asserts there are none
            out.write(f"error {type(exc).__name__}: {exc}\\n")
        time.sleep(0.02)
"""


def _lines(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def _wait_for(log: Path, predicate, timeout: float = 30.0) -> list[str]:
    end = time.time() + timeout
    while time.time() < end:
        lines = _lines(log)
        if predicate(lines):
            return lines
        time.sleep(0.05)
    pytest.fail(f"reader did not get there in {timeout}s: {_lines(log)[-5:]}")


def test_reader_process_keeps_answering_during_a_load(city, tmp_path: Path) -> None:
    api.load("cases", write_csv(tmp_path / "a.csv", [case(i) for i in range(1, 11)]), OPTIONS, settings=city)
    log = tmp_path / "reader.log"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(city.db_path), str(log), "30"], cwd=ROOT)
    try:
        _wait_for(log, lambda lines: any(line == "ok 10" for line in lines))
        more = write_csv(tmp_path / "b.csv", [case(i) for i in range(11, 31)])
        with store.writing(city.db_path) as con:
            load_cases(con, more, OPTIONS, city)
            # the load has written but not committed: the reader must go on seeing the old data
            seen = len(_lines(log))
            lines = _wait_for(log, lambda ls: len(ls) >= seen + 10)
            assert all(line == "ok 10" for line in lines[seen:]), lines[seen:]
        lines = _wait_for(log, lambda ls: ls and ls[-1] == "ok 30")
        assert reader.wait(timeout=30) == 0
    finally:
        reader.kill()
    assert [line for line in lines if line.startswith("error")] == []


def test_second_writer_waits_or_fails_clearly(city) -> None:
    with (
        store.writing(city.db_path),
        pytest.raises(store.LoadLockedError, match="another load"),
        store.writing(city.db_path, wait=False),
    ):
        pass


def test_a_waiting_load_says_what_it_waits_for(city, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [case(1)])
    said = tmp_path / "stderr.txt"
    command = [sys.executable, "-m", "etl", "--db", str(city.db_path), "cases", str(path)]
    with store.writing(city.db_path, what="cases 12345工单.csv"), said.open("w") as err_file:
        waiting = subprocess.Popen(
            [*command, "--source", "dcs", "--channel", "patrol"],
            cwd=ROOT,
            stderr=err_file,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        deadline = time.monotonic() + 60  # a loaded machine may take a while to start Python and find the lock
        while "waiting for another load" not in said.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert waiting.poll() is None  # it waits
    assert waiting.wait(timeout=60) == 0, said.read_text()
    err = said.read_text()
    assert f"waiting for another load to finish writing {city.db_path}: pid" in err
    assert "cases 12345工单.csv" in err


def test_copies_left_by_killed_loads_are_removed_and_said(city, tmp_path: Path, caplog) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a pid whose process is gone
    copy = city.db_path.with_name(f"{city.db_path.name}.loading-{dead.pid}")
    copy.write_bytes(b"x" * 2_000_000)
    copy.with_name(copy.name + ".wal").write_bytes(b"w")
    spill = city.db_path.with_name(f"{city.db_path.name}.tmp-{dead.pid}")
    spill.mkdir()
    (spill / "block").write_bytes(b"s")
    alive = city.db_path.with_name(f"{city.db_path.name}.loading-1")  # pid 1 runs: not ours to judge
    alive.write_bytes(b"a")
    with caplog.at_level("WARNING", logger="onemap.etl"):
        api.load("cases", write_csv(tmp_path / "a.csv", [case(1)]), OPTIONS, settings=city)
    assert not copy.exists() and not copy.with_name(copy.name + ".wal").exists() and not spill.exists()
    assert alive.exists()
    said = caplog.text
    assert f"removed {copy} (2.0 MB), left behind by load process {dead.pid}, which is no longer running" in said


@pytest.mark.parametrize("where", ["folder", "below a file"])
def test_a_db_path_that_cannot_hold_a_database_is_a_one_line_error(city, tmp_path: Path, capsys, where: str) -> None:
    from etl.cli import main

    if where == "folder":
        db = tmp_path / "a folder"
        db.mkdir()
        expected = f"error: the database path {db} is a folder, not a file"
    else:
        (tmp_path / "plain").write_text("x")
        db = tmp_path / "plain" / "onemap.duckdb"
        expected = f"error: the database path {db} cannot be created: {tmp_path / 'plain'} is a file, not a folder"
    path = write_csv(tmp_path / "a.csv", [case(1)])
    for argv in (["init"], ["cases", str(path), "--source", "dcs"], ["runs"]):
        assert main(["--db", str(db), *argv]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith(expected) and "\n" not in err

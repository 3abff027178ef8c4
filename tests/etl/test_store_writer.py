"""The writer's database: loads commit in place and are published by a rename; a kill anywhere loses nothing."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT, write_csv
from test_load_cases import OPTIONS, case

from etl import api, store


def count(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT count(*) FROM cases").fetchall()[0][0]


def test_an_unpublished_commit_is_published_by_the_next_writer(city, tmp_path: Path) -> None:
    api.load("cases", write_csv(tmp_path / "a.csv", [case(i) for i in range(1, 4)]), OPTIONS, settings=city)
    with store.writing(city.db_path, publish=False) as con:
        con.execute("DELETE FROM cases WHERE source_id = 'C0001'")
    assert count(city.db_path) == 3  # committed, not yet published: readers see the old state
    assert count(store.writer_path(city.db_path)) == 2
    assert store.publish(city.db_path) is True
    assert count(city.db_path) == 2
    assert store.publish(city.db_path) is False  # nothing left to publish: no copy


def test_a_failed_load_leaves_both_files_as_they_were(city, tmp_path: Path) -> None:
    api.load("cases", write_csv(tmp_path / "a.csv", [case(1)]), OPTIONS, settings=city)
    published = city.db_path.read_bytes()
    try:
        with store.writing(city.db_path) as con:
            con.execute("DELETE FROM cases")
            raise RuntimeError("the load fails")
    except RuntimeError:
        pass
    assert city.db_path.read_bytes() == published
    assert count(store.writer_path(city.db_path)) == 1


def test_a_published_file_replaced_by_other_means_starts_a_new_writer(city, tmp_path: Path) -> None:
    api.load("cases", write_csv(tmp_path / "a.csv", [case(1)]), OPTIONS, settings=city)
    backup = tmp_path / "backup.duckdb"
    shutil.copyfile(city.db_path, backup)
    api.load("cases", write_csv(tmp_path / "b.csv", [case(2), case(3)]), OPTIONS, settings=city)
    backup.replace(city.db_path)  # a backup restored over the live file
    api.load("cases", write_csv(tmp_path / "c.csv", [case(4)]), OPTIONS, settings=city)
    assert count(city.db_path) == 2  # the backup's case and the new one, not the writer's older state


LOAD = [sys.executable, "-m", "etl", "--db"]


@pytest.mark.parametrize("mode", ["in place", "big load: a copy renamed"])
def test_kill_9_anywhere_leaves_the_old_or_the_new_state_and_loses_nothing(city, tmp_path: Path, mode: str) -> None:
    api.load("cases", write_csv(tmp_path / "a.csv", [case(i) for i in range(1, 101)]), OPTIONS, settings=city)
    new = write_csv(tmp_path / "b.csv", [case(i) for i in range(101, 4101)])
    argv = [*LOAD, str(city.db_path), "cases", str(new), "--source", "dcs", "--channel", "patrol"]
    argv += ["--as-of", "2025-06-30T18:00:00"]
    env = {**os.environ, "ONEMAP_ETL_IN_PLACE_MAX_BYTES": "0" if mode.startswith("big") else str(10**9)}
    seen = set()
    for delay in (0.3, 0.8, 1.3, 1.8, 2.4, 3.0, 3.6, 4.5):
        loader = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        loader.send_signal(signal.SIGKILL)
        loader.wait()
        published = count(city.db_path)
        assert published in (100, 4100), (delay, published)  # the old state or the new, never half
        seen.add(published)
        if published == 4100:
            break
    # the next load finds what the killed ones left (a commit not published, copies) and ends in the new state
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert count(city.db_path) == 4100
    assert count(store.writer_path(city.db_path)) == 4100
    copies = re.compile(r"\.(?:publish|writer\.new|tmp|loading)-\d+")
    assert [p.name for p in city.db_path.parent.iterdir() if copies.search(p.name)] == []
    assert 100 in seen  # at least one kill fell before the commit


def test_a_database_from_before_the_writer_gets_one_and_keeps_its_commits(city, tmp_path: Path) -> None:
    api.load("cases", write_csv(tmp_path / "a.csv", [case(1)]), OPTIONS, settings=city)
    for path in (store.writer_path(city.db_path), city.db_path.with_name(city.db_path.name + ".writer.published")):
        path.unlink()  # as a database written by the copy-and-rename release
    api.load("cases", write_csv(tmp_path / "b.csv", [case(2)]), OPTIONS, settings=city, publish=False)
    api.load("cases", write_csv(tmp_path / "c.csv", [case(3)]), OPTIONS, settings=city, publish=False)
    assert count(city.db_path) == 1
    assert store.publish(city.db_path) is True
    assert count(city.db_path) == 3


def test_a_big_load_goes_through_a_copy_and_a_failed_one_leaves_the_writer_as_it_was(city, tmp_path: Path) -> None:
    big = dataclasses.replace(city, etl_in_place_max_bytes=0)
    api.load("cases", write_csv(tmp_path / "a.csv", [case(1), case(2)]), OPTIONS, settings=big)
    assert count(city.db_path) == 2 and count(store.writer_path(city.db_path)) == 2
    writer = store.writer_path(city.db_path).read_bytes()
    try:
        with store.writing(city.db_path, in_place=False) as con:
            con.execute("DELETE FROM cases")
            raise RuntimeError("the load fails")
    except RuntimeError:
        pass
    assert store.writer_path(city.db_path).read_bytes() == writer
    assert [p.name for p in city.db_path.parent.iterdir() if ".loading-" in p.name] == []


def test_a_file_system_that_cannot_share_blocks_gets_a_byte_copy(tmp_path: Path, monkeypatch) -> None:
    source = tmp_path / "a.bin"
    source.write_bytes(os.urandom(300_000))

    def no_reflink(fd, request, arg):
        raise OSError(95, "Operation not supported")  # what ext4 answers

    monkeypatch.setattr(store.fcntl, "ioctl", no_reflink)
    assert store.clone_or_copy(source, tmp_path / "b.bin") == "copy"
    assert (tmp_path / "b.bin").read_bytes() == source.read_bytes()


def test_a_clone_has_the_same_bytes_and_diverges_when_written(tmp_path: Path) -> None:
    source = tmp_path / "a.bin"
    data = os.urandom(1 << 20)
    source.write_bytes(data)
    how = store.clone_or_copy(source, tmp_path / "b.bin")  # a clone on XFS or Btrfs, a copy elsewhere
    assert how in ("clone", "copy")
    assert (tmp_path / "b.bin").read_bytes() == data
    with (tmp_path / "b.bin").open("r+b") as f:
        f.write(b"changed")
    assert source.read_bytes() == data


def test_an_unexpected_clone_error_is_raised_not_hidden(tmp_path: Path, monkeypatch) -> None:
    source = tmp_path / "a.bin"
    source.write_bytes(b"x" * 100)

    def broken(fd, request, arg):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(store.fcntl, "ioctl", broken)
    with pytest.raises(OSError, match="Input/output"):
        store.clone_or_copy(source, tmp_path / "b.bin")

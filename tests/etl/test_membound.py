"""etl_max_memory bounds a load's whole process: it sizes the load to fit and stops one that crosses it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import pytest
from conftest import write_csv
from test_load_cases import OPTIONS, case

from etl import api, membound
from etl.cli import main
from etl.membound import MemoryBoundError, parse_bytes, plan


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1GB", 10**9), ("1.5 GB", 1_500_000_000), ("800MB", 800_000_000), ("2GiB", 2 * 1024**3), ("123", 123)],
)
def test_sizes_are_read_like_duckdb_reads_them(text: str, expected: int) -> None:
    assert parse_bytes(text) == expected


def test_a_size_that_is_not_one_is_named() -> None:
    with pytest.raises(ValueError, match=r"not a memory size: '1\.5 gigs'"):
        parse_bytes("1.5 gigs")


def test_without_a_bound_the_settings_are_used_as_they_are(settings, tmp_path: Path) -> None:
    p = plan(settings, [tmp_path / "x.csv"])
    assert (p.chunk_rows, p.write_rows, p.duckdb_limit, p.bound) == (1000, 500_000, "1GB", None)


def test_a_bound_sizes_chunks_inserts_and_duckdb_from_the_rows_of_the_file(settings, tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_bytes(b"a" * 239 + b"\n" + (b"b" * 239 + b"\n") * 5000)  # 240 bytes a row
    big = dataclasses.replace(settings, etl_chunk_rows=250_000, etl_max_memory="1.5GB")
    p = plan(big, [path])
    room = 0.85 * 1.5e9 - membound.BASE_BYTES - membound.DUCKDB_SHARE * 300e6
    assert p.chunk_rows == int(room // (membound.BYTES_PER_RAW_BYTE * 240))
    assert (p.write_rows, p.duckdb_limit, p.bound) == (2 * p.chunk_rows, "300MB", 1_500_000_000)
    assert plan(dataclasses.replace(big, etl_max_memory="8GB"), [path]).chunk_rows == 250_000  # never above
    with pytest.raises(MemoryBoundError, match="etl_max_memory = 500MB is below what a load needs to start"):
        plan(dataclasses.replace(big, etl_max_memory="500MB"), [path])


def test_a_load_that_crosses_the_bound_is_stopped_and_writes_nothing(city, tmp_path: Path, monkeypatch) -> None:
    before = city.db_path.read_bytes()
    monkeypatch.setattr(membound, "resident_bytes", lambda: 3 * 10**9)  # as if a chunk had needed 3 GB
    path = write_csv(tmp_path / "cases.csv", [case(i) for i in range(1, 50)])
    bounded = dataclasses.replace(city, etl_max_memory="2GB")
    with pytest.raises(MemoryBoundError, match=r"stopped at 3\.00 GB resident, over setting etl_max_memory = 2\.00 GB"):
        api.load("cases", path, OPTIONS, settings=bounded)
    assert city.db_path.read_bytes() == before
    monkeypatch.undo()
    report = api.load("cases", path, OPTIONS, settings=bounded)
    assert report.loaded == 49
    with duckdb.connect(str(city.db_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM cases").fetchall() == [(49,)]


def test_the_command_line_says_it_in_one_line(city, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("ONEMAP_ETL_MAX_MEMORY", "300MB")
    path = write_csv(tmp_path / "cases.csv", [case(1)])
    assert main(["--db", str(city.db_path), "cases", str(path), "--source", "dcs", "--channel", "patrol"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: setting etl_max_memory = 300MB is below what a load needs") and "\n" not in err

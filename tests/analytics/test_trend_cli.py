"""``python -m analytics``: the tables on a small database, the hotspot CSV's columns kept as outside checks read
them, every area of the level in it, and one-line errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from tiny_db import build_tiny_db

from analytics.cli import main
from etl.adjacency import store_adjacency

ARGS = ["--start", "2024-05-01", "--end", "2024-05-31"]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = build_tiny_db(tmp_path / "onemap.duckdb")
    with duckdb.connect(str(path)) as con:
        store_adjacency(con, tolerance_m=0.5)
    return path


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_hotspots_csv_has_every_area_and_the_contract_columns(db: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "hotspots", "--db", str(db), "--level", "community", *ARGS)
    assert code == 0
    table = pd.read_csv(io.StringIO(out), dtype={"code": str})
    assert list(table.columns) == ["code", "name", "cases", "z", "p", "p_fdr", "class"]
    assert table["code"].tolist() == ["340102001001", "340102001002", "340102002001"]
    assert table["cases"].tolist() == [3, 1, 3]
    quiet = run(capsys, "hotspots", "--db", str(db), "--level", "4", "--start", "2030-01-01", "--end", "2030-01-31")
    assert pd.read_csv(io.StringIO(quiet[1]))["cases"].tolist() == [0]  # the one grid, with nothing in it


def test_other_tables_and_geojson(db: Path, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    assert run(capsys, "local-moran", "--db", str(db), "--level", "街道", *ARGS)[1].startswith("code,name,cases,value")
    out = tmp_path / "e.geojson"
    assert (
        run(capsys, "emerging", "--db", str(db), "--level", "street", *ARGS, "--format", "geojson", "--out", str(out))[
            0
        ]
        == 0
    )
    features = json.loads(out.read_text())["features"]
    assert [f["properties"]["code"] for f in features] == ["340102001", "340102002"]
    assert features[0]["geometry"]["type"] == "Polygon"
    assert run(capsys, "trends", "--db", str(db), "--level", "street", *ARGS)[1].startswith("code,name,category_code")
    assert run(capsys, "recurrence", "--db", str(db), "--level", "street", *ARGS, "--min-cases", "2")[0] == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["hotspots", "--level", "county", *ARGS], "unknown level 'county'; levels: 1 district"),
        (["hotspots", "--level", "2", "--start", "2024-06-01", "--end", "2024-05-01"], "is after --end"),
        (["hotspots", "--level", "2", "--category", "abc", *ARGS], "--category takes a GB/T class"),
        (["recurrence", "--level", "2", "--format", "geojson", *ARGS], "recurrence has no areas to draw"),
        (["hotspots", "--level", "2", "--area", "999", *ARGS], "--area '999' is not a grid valid"),
    ],
)
def test_bad_arguments_are_one_line_errors(
    db: Path, capsys: pytest.CaptureFixture, argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, argv[0], "--db", str(db), *argv[1:])
    assert code == 2 and message in err and err.count("\n") == 1


def test_a_database_without_neighbours_says_how_to_derive_them(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    db = build_tiny_db(tmp_path / "old.duckdb")
    code, _, err = run(capsys, "hotspots", "--db", str(db), "--level", "2", *ARGS)
    assert code == 2 and "python -m etl --db FILE init" in err

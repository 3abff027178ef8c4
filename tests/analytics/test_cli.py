"""``python -m analytics ranking|departments|warnings`` writes what the dispatch page shows: the same rows and
values as the page's tables (``views.dispatch``) for the same period, filters, settings and moment."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dispatch_city import NOW, WEEK_C

from analytics.cli import main
from analytics.commands import commands
from analytics.dispatch import rounded
from settings import Settings
from views import dispatch
from views.calls import on
from views.scope import resolve
from views.state import ViewState

PERIOD = ["--start", str(WEEK_C[0]), "--end", str(WEEK_C[1]), "--now", NOW.isoformat(sep=" ")]


@pytest.fixture
def cli(dispatch_city: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("ONEMAP_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("ONEMAP_RANKING_MIN_CASES", str(dispatch_city.ranking_min_cases))
    monkeypatch.setenv("ONEMAP_RANKING_LIST_SIZE", str(dispatch_city.ranking_list_size))

    def run(*args: str) -> pd.DataFrame:
        out = tmp_path / "out.csv"
        assert main([*args, "--db", str(dispatch_city.db_path), *PERIOD, "--out", str(out)]) == 0
        return pd.read_csv(out, dtype={"unit": str, "dept_code": str, "area": str, "category_code": str})

    return run


def page(dispatch_city: Settings, name: str, **options) -> pd.DataFrame:
    """The table the page shows for week C at NOW (its scope resolved from a URL-like state)."""
    state = ViewState(preset="custom", start=WEEK_C[0], end=WEEK_C[1])
    with duckdb.connect(str(dispatch_city.db_path), read_only=True) as con:
        run = on(con)
        scope = resolve(state, run, today=NOW.date(), days=30, overview_depth=2)
        table = getattr(dispatch, name)(scope, run, settings=dispatch_city, now=NOW, **options)
    return rounded(table).reset_index(drop=True)


def same(cli_table: pd.DataFrame, page_table: pd.DataFrame) -> None:
    assert list(cli_table.columns) == list(page_table.columns)
    expected = pd.read_csv(io.StringIO(page_table.to_csv(index=False)), dtype=dict(cli_table.dtypes))
    pd.testing.assert_frame_equal(cli_table, expected)


def test_the_ranking_is_the_pages(cli, dispatch_city: Settings) -> None:
    table = cli("ranking")
    same(table, page(dispatch_city, "ranking", level="department"))
    assert table[["unit", "score", "list"]].fillna("").values.tolist() == [
        ["ZJ", 100.0, "red"],
        ["CG", 82.0, ""],
        ["SC", 80.0, "black"],
    ]
    same(cli("ranking", "--level", "street"), page(dispatch_city, "ranking", level="street"))


def test_the_department_board_is_the_pages(cli, dispatch_city: Settings) -> None:
    same(cli("departments"), page(dispatch_city, "board", kinds=("functional", "street", "enterprise", "property")))
    everything = cli("departments", "--level", "all")
    assert set(everything["kind"]) == {"functional", "street"}  # the community has nothing to show
    assert cli("departments", "--dept", "ZJ")["dept_code"].tolist() == ["ZJ"]


def test_the_warnings_are_the_pages(cli, dispatch_city: Settings) -> None:
    table = cli("warnings")
    same(table, page(dispatch_city, "warnings"))
    assert table["level"].value_counts().sort_index().tolist() == [4, 3, 3]
    assert cli("warnings", "--level", "I", "--level", "3")["level"].tolist() == [1, 1, 1, 1, 3, 3, 3]
    assert cli("warnings", "--area", "340104002")["rule_id"].tolist() == ["I-SPIKE"]  # the east street


def test_json_and_errors(dispatch_city: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["warnings", "--db", str(dispatch_city.db_path), "--now", NOW.isoformat(), "--format", "json"]) == 0
    assert '"rule_id":"I-IOT"' in capsys.readouterr().out.replace(" ", "")
    assert main(["ranking", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "no OneMap database at" in capsys.readouterr().err
    assert main(["ranking", "--db", str(dispatch_city.db_path), "--area", "999"]) == 2
    assert "no grid '999' was valid" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["warnings", "--level", "IV"])
    assert "warning level must be I, II, III" in capsys.readouterr().err


def test_each_group_registers_its_own_subcommands() -> None:
    assert {"ranking", "departments", "warnings"} <= set(commands())

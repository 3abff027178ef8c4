"""The schema as numbered migrations: a new database gets them all; a database written by release 1 is migrated in
place by the next init or load, its data untouched but for the personal data release 1 kept, masked now
(``tests/fixtures/release1.duckdb.gz``, made by that release's own ETL: ``tests/fixtures/make_release1_db.py``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import EAST_POINT, write_csv
from test_load_cases import OPTIONS, case

import queries
from core.catalog import derived_tables
from core.privacy import RULE_VERSION
from etl import api, case_delta, schema, store
from etl.cli import main
from etl.remask import MASKING_KEY
from settings import Settings

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "release1.duckdb.gz"
MAY_JUNE = {"start": dt.date(2025, 5, 1), "end": dt.date(2025, 6, 30)}
#: The base tables the migrations after release 1 add (0002 history, 0003 channel aliases, 0004 place elements,
#: 0005 whistles and warning rules).
ADDED_BASE_TABLES = {
    "watch_file",  # 0006: the ledger of python -m etl watch
    "whistle",
    "whistle_response",
    "warning_rule",
    "schema_migration",
    "channel_alias",
    "fusion_family",
    "fusion_class",
    "iot_device",
    "iot_alarm",
    "grid_attribute",
    "grid_worker",
    "grid_visit",
    "organisation",
    "component",
    "deliberation_outcome",
}


@pytest.fixture
def release1(settings: Settings) -> Settings:
    """The release-1 database, copied to the test's database path."""
    with gzip.open(FIXTURE, "rb") as packed, settings.db_path.open("wb") as out:
        shutil.copyfileobj(packed, out)
    return settings


def tables(path: Path) -> dict[str, pd.DataFrame]:
    """Every table of the database at ``path`` with its rows in a fixed order."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = [name for (name,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {name: con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').df() for name in names}


def figures(path: Path) -> list[pd.DataFrame]:
    with duckdb.connect(str(path), read_only=True) as con:
        return [
            queries.summary_counts(con, **MAY_JUNE),
            queries.cases_by_level(con, depth=2, **MAY_JUNE),
            queries.overdue_pending(con, as_of=dt.datetime(2025, 6, 30, 18)),
        ]


def test_the_migrations_are_numbered_without_gaps() -> None:
    found = schema.migrations()
    assert [m.version for m in found] == list(range(1, schema.LATEST + 1))
    assert found[0].name == "base" and found[1].name == "migration_history"


def test_a_new_database_gets_every_migration(settings: Settings) -> None:
    api.init_db(settings)
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert schema.schema_version(con) == schema.LATEST
        history = con.execute(
            "SELECT version, name, applied_at IS NOT NULL FROM schema_migration ORDER BY 1"
        ).fetchall()
    assert history == [(m.version, m.name, True) for m in schema.migrations()]
    api.init_db(settings)  # again: nothing to apply
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM schema_migration").fetchall() == [(schema.LATEST,)]


def test_a_release1_database_is_migrated_in_place_with_its_data_intact(release1: Settings) -> None:
    before, shown = tables(release1.db_path), figures(release1.db_path)
    with duckdb.connect(str(release1.db_path), read_only=True) as con:
        assert schema.schema_version(con) == 1
        assert con.execute("SELECT count(*) FROM cases").fetchall() == [(6,)]
    api.init_db(release1)
    after = tables(release1.db_path)
    derived = set(derived_tables())  # rebuilt from their sources: columns may change (core.catalog)
    assert set(after) - set(before) == ADDED_BASE_TABLES | (derived - set(before))  # nothing else added
    assert set(before) <= set(after)  # nothing dropped
    for name, rows in before.items():
        if name in ("schema_meta", "grid_level") or name in derived:
            continue
        if name == "rejected_row":  # release 1 kept raw personal data there: masked now (etl/remask.py)
            original = rows.pop("original")
            assert "张三" in original[0] and "13812345678" in original[0]
            assert "张三" not in after[name]["original"][0] and '"联系人": "张*"' in after[name]["original"][0]
            pd.testing.assert_frame_equal(after[name].drop(columns="original"), rows, obj=name)
            continue
        if name == "channel":  # 0003 adds the deliberation channel, and nothing else
            added = pd.DataFrame({"channel": ["deliberation"], "name_zh": ["议事厅"], "name_en": ["Deliberation hall"]})
            rows = pd.concat([rows, added]).sort_values(list(rows.columns)).reset_index(drop=True)
        if name == "cases":  # 0007 adds each case's uid_key, from its id
            keys = after[name].pop("uid_key")
            assert keys.notna().all() and keys.nunique() == len(keys)
            with duckdb.connect() as con:
                expected = [
                    con.execute("SELECT (md5_number(?) >> 64)::UBIGINT", [uid]).fetchall()[0][0]
                    for uid in after[name]["case_uid"]
                ]
            assert keys.tolist() == expected
        pd.testing.assert_frame_equal(after[name], rows, obj=name)
    # 0003 adds the city above the levels release 1 had, and changes none of them
    city = pd.DataFrame(
        {"depth": [0], "level_key": ["city"], "name_zh": ["市"], "name_en": ["City"], "code_digits": [6]}
    )
    expected_levels = pd.concat([city, before["grid_level"]], ignore_index=True).astype(before["grid_level"].dtypes)
    pd.testing.assert_frame_equal(after["grid_level"], expected_levels, obj="grid_level")
    assert after["schema_meta"].set_index("key")["value"].to_dict() == {
        "schema_version": str(schema.LATEST),
        MASKING_KEY: str(RULE_VERSION),
        store.GENERATION: "1",  # the writer's commits (etl/store.py)
        case_delta.COUNTED_RUN: str(max(after["etl_run"]["run_id"])),  # the rollups count every run (the upgrade's)
    }
    history = after["schema_migration"]
    assert history["version"].tolist() == list(range(1, schema.LATEST + 1))
    assert history["applied_at"].isna().tolist() == [True] + [False] * (schema.LATEST - 1)  # 0001: before history
    for got, expected in zip(figures(release1.db_path), shown, strict=True):
        pd.testing.assert_frame_equal(got, expected)


def test_a_load_migrates_a_release1_database_and_adds_to_it(release1: Settings, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "more.csv", [case(90, 经度=EAST_POINT[0], 纬度=EAST_POINT[1])])
    report = api.load("cases", path, dataclasses.replace(OPTIONS, source="dcs"), settings=release1)
    assert (report.read, report.inserted) == (1, 1)
    with duckdb.connect(str(release1.db_path), read_only=True) as con:
        assert schema.schema_version(con) == schema.LATEST
        assert con.execute("SELECT count(*) FROM cases").fetchall() == [(7,)]


def test_a_database_from_a_newer_release_is_refused(settings: Settings, capsys: pytest.CaptureFixture) -> None:
    api.init_db(settings)
    with duckdb.connect(str(settings.db_path)) as con:
        con.execute("UPDATE schema_meta SET value = '99' WHERE key = 'schema_version'")
    assert main(["--db", str(settings.db_path), "init"]) == 2
    err = capsys.readouterr().err
    assert f"schema version 99, newer than this OneMap knows ({schema.LATEST})" in err


def test_a_misnamed_or_missing_migration_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "0001_base.sql").write_text("SELECT 1;")
    (tmp_path / "0003_later.sql").write_text("SELECT 1;")
    with pytest.raises(ValueError, match=r"numbered 1, 2, 3 … without gaps; found \[1, 3\]"):
        schema.migrations(tmp_path)
    (tmp_path / "4_bad.sql").write_text("SELECT 1;")
    with pytest.raises(ValueError, match=r"'4_bad\.sql' is not named NNNN_name\.sql"):
        schema.migrations(tmp_path)

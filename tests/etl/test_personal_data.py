"""Personal data never reaches the database: every free-text field, the reporters among flow operators and the
rejected rows' originals are masked at load by the one rule (``core.privacy``); the rejected-row listing masks
again on the way out; a database masked by an older rule is masked again by the next load or init."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from conftest import write_csv
from test_load_cases import case, load, query

from core.privacy import RULE_VERSION
from etl import api
from etl.cli import main
from etl.remask import MASKING_KEY, masked_original
from etl.sources import SourceOptions
from settings import Settings

#: Raw personal data written into the files below; none of it may be found in the database.
RAW = ("13812345678", "13912345678", "139 1234 5678", "65123456", "34010419900101123X", "王建国", "张三", "李秀英")


def raw_hits(settings: Settings) -> list[tuple[str, str, str]]:
    """(table, column, raw value) for every raw value found in any text column of any table."""
    hits = []
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        columns = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE data_type = 'VARCHAR' AND NOT internal"
        ).fetchall()
        for table, column in columns:
            for raw in RAW:
                found = con.execute(f'SELECT count(*) FROM "{table}" WHERE contains("{column}", ?)', [raw]).fetchall()
                if found[0][0]:
                    hits.append((table, column, raw))
    return hits


@pytest.fixture
def loaded(city: Settings, tmp_path: Path) -> Settings:
    rows = [
        case(
            1,
            事件描述="市民王建国来电反映楼下噪声，联系电话139 1234 5678，身份证34010419900101123X",
            事发地址="长江西路1108号翡翠小区5栋302室 王建国 13912345678",
        ),
        case(2, 上报时间="时间不详"),  # rejected: its original keeps 张三 13812345678
        case(3, 联系人="李秀英", 联系电话="+86 139 1234 5678"),
    ]
    load(write_csv(tmp_path / "cases.csv", rows), city)
    flow = write_csv(
        tmp_path / "flow.csv",
        [
            {"事件编号": "C0001", "序号": 1, "新状态": "已上报", "操作时间": "2025-06-03 09:00", "操作人": "张三"},
            {
                "事件编号": "C0001",
                "序号": 2,
                "原状态": "已上报",
                "新状态": "已受理",
                "操作时间": "2025-06-03 09:10",
                "操作人": "赵敏",
                "备注": "已电话联系当事人王建国（13912345678），座机0551-65123456",
            },
            {"事件编号": "C0404", "序号": 1, "新状态": "已上报", "操作时间": "2025-06-03 09:00", "操作人": "李秀英"},
        ],
    )
    api.load("flow", flow, SourceOptions(source="dcs"), settings=city)
    return city


def test_nothing_raw_is_stored(loaded: Settings) -> None:
    assert raw_hits(loaded) == []


def test_the_place_stays_and_the_person_goes(loaded: Settings) -> None:
    (description, address, contact) = query(
        loaded, "SELECT description, address, contact_masked FROM cases WHERE source_id = 'C0001'"
    )[0]
    assert description == "市民王**来电反映楼下噪声，联系电话139 **** 5678，身份证340104********123X"
    assert address == "长江西路1108号翡翠小区5栋302室 王** 139****5678"
    assert contact == "张* 138****5678"
    assert query(loaded, "SELECT contact_masked FROM cases WHERE source_id = 'C0003'") == [("李** 139****5678",)]


def test_reporters_are_masked_and_staff_keep_their_names(loaded: Settings) -> None:
    assert query(loaded, "SELECT seq, operator, note FROM case_flow ORDER BY seq") == [
        (1, "张*", None),
        (2, "赵敏", "已电话联系当事人王**（139****5678），座机0551-****3456"),
    ]


def test_rejected_originals_are_masked_and_keep_what_finds_the_row(loaded: Settings) -> None:
    rows = query(loaded, "SELECT entity, reason_code, original FROM rejected_row ORDER BY entity, row_number")
    originals = {entity: json.loads(original) for entity, _, original in rows}
    assert originals["cases"]["事件编号"] == "C0002"  # the id stays: the row can be found and fixed
    assert originals["cases"]["上报时间"] == "时间不详"
    assert (originals["cases"]["联系人"], originals["cases"]["联系电话"]) == ("张*", "138****5678")
    assert originals["flow"]["操作人"] == "李**" and originals["flow"]["事件编号"] == "C0404"


def test_the_rejects_listing_masks_on_the_way_out(loaded: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    with duckdb.connect(str(loaded.db_path)) as con:  # as a database loaded before originals were masked
        con.execute(
            "UPDATE rejected_row SET original = ? WHERE entity = 'cases'",
            [json.dumps(case(2, 上报时间="时间不详"), ensure_ascii=False)],
        )
    run = query(loaded, "SELECT run_id FROM rejected_row WHERE entity = 'cases'")[0][0]
    assert main(["--db", str(loaded.db_path), "rejects", str(run)]) == 0
    out = capsys.readouterr().out
    assert "时间不详" in out  # the original is listed
    assert "张三" not in out and "13812345678" not in out
    assert '"联系人": "张*"' in out and "C0002" in out


def test_a_database_masked_by_an_older_rule_is_masked_again(loaded: Settings) -> None:
    raw_description = "联系人：王建国，电话0551-65123456"
    with duckdb.connect(str(loaded.db_path)) as con:  # as release 1 left it: raw text, no rule recorded
        con.execute("UPDATE cases SET description = ? WHERE source_id = 'C0003'", [raw_description])
        con.execute("UPDATE case_flow SET operator = '张三' WHERE seq = 1")
        con.execute(
            "UPDATE rejected_row SET original = ? WHERE entity = 'cases'",
            [json.dumps(case(2, 上报时间="时间不详"), ensure_ascii=False)],
        )
        con.execute("DELETE FROM schema_meta WHERE key = ?", [MASKING_KEY])
    assert raw_hits(loaded)
    api.init_db(loaded)
    assert raw_hits(loaded) == []
    assert query(loaded, "SELECT description FROM cases WHERE source_id = 'C0003'") == [
        ("联系人：王**，电话0551-****3456",)
    ]
    assert query(loaded, "SELECT value FROM schema_meta WHERE key = ?", [MASKING_KEY]) == [(str(RULE_VERSION),)]


def test_an_original_of_an_unknown_entity_is_masked_as_free_text() -> None:
    original = json.dumps({"备注": "电话13812345678", "编号": "X1"}, ensure_ascii=False)
    assert json.loads(masked_original(original, "no_such_entity")) == {"备注": "电话138****5678", "编号": "X1"}

"""Case loads: every kind of bad input ends loaded-and-flagged or rejected with its reason, never lost."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import EAST_POINT, OUTSIDE_POINT, WEST_POINT, write_csv

from etl import api
from etl.columns import MissingColumnsError
from etl.readers import SourceFileError
from etl.sources import SourceOptions

OPTIONS = SourceOptions(source="dcs", channel="patrol", as_of=pd.Timestamp("2025-06-30 18:00").to_pydatetime())


def case(n: int, **fields: object) -> dict:
    """A valid case row with Chinese headers; ``fields`` override columns by header."""
    row = {
        "事件编号": f"C{n:04d}",
        "类别编码": "06010",
        "事件描述": "小区门口暴露垃圾",
        "经度": WEST_POINT[0],
        "纬度": WEST_POINT[1],
        "上报时间": "2025-06-03 09:00:00",  # Tuesday
        "派遣时间": "2025-06-03 09:30:00",
        "处置时间": "2025-06-03 11:00:00",
        "结案时间": "2025-06-03 15:00:00",
        "状态": "已结案",
        "处置部门编码": "CG",
        "联系人": "张三",
        "联系电话": "13812345678",
    }
    row.update(fields)
    return row


def load(path: Path, settings, options: SourceOptions = OPTIONS):
    return api.load("cases", path, options, settings=settings)


def query(settings, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def rejects(settings, run_id: int) -> list[tuple]:
    return query(
        settings,
        "SELECT row_number, reason_code, reason FROM rejected_row WHERE run_id = ? ORDER BY row_number",
        [run_id],
    )


def test_valid_rows_load_with_grids_deadline_and_masked_contact(city, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cases.csv", [case(1), case(2, 经度=EAST_POINT[0], 纬度=EAST_POINT[1])])
    report = load(path, city)
    assert (report.read, report.loaded, report.rejected, report.inserted) == (2, 2, 0, 2)
    rows = query(
        city,
        "SELECT source_id, grid_l1, grid_l2, grid_l3, grid_code, outside_grid, handle_deadline, "
        "is_overdue, contact_masked, status, channel FROM cases ORDER BY source_id",
    )
    assert rows[0][:6] == ("C0001", "340104", "340104001", "340104001001", "340104001001", False)
    assert rows[1][2] == "340104002"
    # 暴露垃圾 06010: 4 working hours from dispatch 09:30 → 12:00 is 2.5 h, the rest after 14:00 → 15:30
    assert rows[0][6] == pd.Timestamp("2025-06-03 15:30")
    assert rows[0][7] is False
    assert rows[0][8] == "张* 138****5678"
    assert rows[0][9:] == ("closed", "patrol")
    raw = query(city, "SELECT count(*) FROM cases WHERE contact_masked LIKE '%12345678%'")
    assert raw == [(0,)]


def test_missing_required_columns_names_them_and_changes_nothing(city, tmp_path: Path) -> None:
    before = city.db_path.read_bytes()
    path = write_csv(tmp_path / "cases.csv", [{"编号X": 1, "经度": 117.2, "纬度": 31.8}])
    with pytest.raises(MissingColumnsError) as err:
        load(path, city)
    assert "source_id" in str(err.value) and "reported_at" in str(err.value)
    assert "编号X" in str(err.value)
    assert city.db_path.read_bytes() == before


@pytest.mark.parametrize("content", [b"", b"\n"])
def test_empty_file_is_a_clear_error(city, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "cases.csv"
    path.write_bytes(content)
    with pytest.raises(SourceFileError, match=r"cases\.csv"):
        load(path, city)


def test_unknown_format_is_a_clear_error(city, tmp_path: Path) -> None:
    path = tmp_path / "cases.docx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(SourceFileError, match="docx"):
        load(path, city)


def test_gbk_file_loads_and_undecodable_rows_are_rejected(city, tmp_path: Path) -> None:
    gbk = write_csv(tmp_path / "gbk.csv", [case(1), case(2)], encoding="gbk")
    assert load(gbk, city).loaded == 2
    good = pd.DataFrame([case(3), case(4)]).to_csv(index=False).encode("utf-8")
    broken = good.replace("暴露垃圾".encode(), b"\xff\xfe\xfa", 1)  # only row 1's description
    path = tmp_path / "broken.csv"
    path.write_bytes(broken)
    report = load(path, city)
    assert (report.read, report.loaded, report.rejected) == (2, 1, 1)
    assert [r[:2] for r in rejects(city, report.run_id)] == [(1, "undecodable_text")]


def test_coordinate_problems(city, tmp_path: Path) -> None:
    rows = [
        case(1),
        case(2, 经度=None, 纬度=None),
        case(3, 经度="--", 纬度="31.8"),
        case(4, 经度=WEST_POINT[1], 纬度=WEST_POINT[0]),  # swapped
        case(5, 经度=250.0, 纬度=31.8),
        case(6, 经度=OUTSIDE_POINT[0], 纬度=OUTSIDE_POINT[1]),
        case(7, 经度=0, 纬度=0),
    ]
    report = load(write_csv(tmp_path / "cases.csv", rows), city)
    assert (report.read, report.loaded, report.rejected) == (7, 3, 4)
    assert [r[:2] for r in rejects(city, report.run_id)] == [
        (2, "missing_coordinates"),
        (3, "bad_coordinates"),
        (5, "coordinates_out_of_range"),
        (7, "missing_coordinates"),
    ]
    assert report.flagged["coords_swapped"] == 1
    assert report.flagged["outside_grid"] == 1
    swapped = query(city, "SELECT lon, lat, coords_swapped, grid_l2, src_x, src_y FROM cases WHERE source_id = 'C0004'")
    # put right for the map; the source coordinates stay as the file has them
    assert swapped == [(WEST_POINT[0], WEST_POINT[1], True, "340104001", WEST_POINT[1], WEST_POINT[0])]
    outside = query(city, "SELECT outside_grid, grid_code FROM cases WHERE source_id = 'C0006'")
    assert outside == [(True, None)]


def test_times_chinese_forms_unparseable_and_out_of_order(city, tmp_path: Path) -> None:
    rows = [
        case(1, 上报时间="2025/6/3 9:00", 派遣时间="2025年6月3日 9时30分"),
        case(2, 上报时间="2025/13/45 9:00"),
        case(3, 上报时间=None),
        case(4, 结案时间="2025-06-02 10:00"),  # closed before it was reported
    ]
    report = load(write_csv(tmp_path / "cases.csv", rows), city)
    assert (report.read, report.loaded, report.rejected) == (4, 1, 3)
    got = rejects(city, report.run_id)
    assert [r[:2] for r in got] == [(2, "bad_time"), (3, "missing_time"), (4, "times_out_of_order")]
    assert "2025/13/45" in got[0][2]
    assert got[2][2] == "closed_at 2025-06-02 10:00:00 is before handled_at 2025-06-03 11:00:00"
    assert query(city, "SELECT reported_at, dispatched_at FROM cases") == [
        (pd.Timestamp("2025-06-03 09:00"), pd.Timestamp("2025-06-03 09:30"))
    ]


def test_unknown_category_is_loaded_as_unclassified(city, tmp_path: Path) -> None:
    report = load(write_csv(tmp_path / "cases.csv", [case(1), case(2, 类别编码="0699")]), city)
    assert (report.loaded, report.rejected) == (2, 0)
    assert report.flagged["category_unmapped"] == 1
    assert query(
        city, "SELECT category_src_code, category_code, category_unmapped FROM cases WHERE source_id = 'C0002'"
    ) == [("0699", None, True)]


def test_duplicate_ids_in_file_and_across_loads(city, tmp_path: Path) -> None:
    rows = [case(1, 事件描述="第一次"), case(2), case(1, 事件描述="更正后")]
    report = load(write_csv(tmp_path / "a.csv", rows), city)
    assert (report.read, report.loaded, report.rejected) == (3, 2, 1)
    got = rejects(city, report.run_id)
    assert [r[:2] for r in got] == [(1, "duplicate_id")]
    assert "row 3" in got[0][2]
    original = json.loads(query(city, "SELECT original FROM rejected_row WHERE run_id = ?", [report.run_id])[0][0])
    assert original["事件描述"] == "第一次"
    assert query(city, "SELECT description FROM cases WHERE source_id = 'C0001'") == [("更正后",)]

    again = load(write_csv(tmp_path / "b.csv", [case(1, 事件描述="再次更正"), case(3)]), city)
    assert (again.inserted, again.updated, again.unchanged) == (1, 1, 0)
    assert query(city, "SELECT count(*), count(DISTINCT case_uid) FROM cases") == [(3, 3)]


def test_ids_are_found_by_their_key_and_told_apart_by_the_id_itself(city, tmp_path: Path) -> None:
    """The merge finds stored ids by ``uid_key`` (md5 of the id) and then compares the ids: a stored case whose key
    is another id's (a collision, forged here) is neither that id's earlier version nor touched by its load."""
    load(write_csv(tmp_path / "a.csv", [case(1), case(2)]), city)
    keys = query(city, "SELECT case_uid, uid_key = (md5_number(case_uid) >> 64)::UBIGINT FROM cases ORDER BY 1")
    assert keys == [("dcs:C0001", True), ("dcs:C0002", True)]
    with duckdb.connect(str(city.db_path)) as con:  # C0002 made to share the key of C0003, not loaded yet
        con.execute("UPDATE cases SET uid_key = (md5_number('dcs:C0003') >> 64)::UBIGINT WHERE source_id = 'C0002'")
    again = load(write_csv(tmp_path / "b.csv", [case(3, 事件描述="新的"), case(1, 事件描述="更正后")]), city)
    assert (again.inserted, again.updated, again.unchanged) == (1, 1, 0)
    got = query(city, "SELECT source_id, description FROM cases ORDER BY 1")
    assert got == [("C0001", "更正后"), ("C0002", "小区门口暴露垃圾"), ("C0003", "新的")]


def _snapshot(settings) -> dict[str, list[tuple]]:
    tables = ["cases", "grid", "rejected_row", "case_flow", "category_map"]
    return {t: query(settings, f"SELECT * FROM {t} ORDER BY ALL") for t in tables}


def test_loading_the_same_file_twice_changes_nothing(city, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cases.csv", [case(1), case(2, 上报时间="bad"), case(3)])
    first = load(path, city)
    before = _snapshot(city)
    second = load(path, city)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 2)
    after = _snapshot(city)
    assert after["cases"] == before["cases"]
    # the second run records its own rejects, identical in content to the first run's
    assert [r[1:] for r in after["rejected_row"] if r[0] == second.run_id] == [
        r[1:] for r in before["rejected_row"] if r[0] == first.run_id
    ]


def test_a_failed_load_leaves_the_database_as_it_was(city, tmp_path: Path, monkeypatch) -> None:
    load(write_csv(tmp_path / "a.csv", [case(1)]), city)
    before = city.db_path.read_bytes()
    import etl.load_cases as lc

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(lc, "_merge", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        load(write_csv(tmp_path / "b.csv", [case(2), case(3)]), city)
    assert city.db_path.read_bytes() == before
    assert not list(city.db_path.parent.glob("*.loading-*"))


def test_hotline_topics_gcj02_and_no_location(city, tmp_path: Path) -> None:
    from core.coords import from_wgs84

    topics = write_csv(
        tmp_path / "topics.csv",
        [
            {
                "诉求分类编码": "H0101",
                "大类编码": "H01",
                "大类名称": "城市管理",
                "小类名称": "垃圾清运",
                "国标编码": "06010",
            }
        ],
    )
    api.load("hotline_topics", topics, SourceOptions(source="hotline"), settings=city)
    gx, gy = from_wgs84([EAST_POINT[0]], [EAST_POINT[1]], "GCJ-02")
    rows = [
        {
            "工单编号": "R1",
            "诉求分类编码": "H0101",
            "经度": gx[0],
            "纬度": gy[0],
            "来电时间": "2025-06-03 10:00",
            "诉求性质": "投诉",
            "诉求内容": "请联系13912345678处理",
        },
        {"工单编号": "R2", "诉求分类编码": "H9999", "来电时间": "2025-06-03 10:00"},
    ]
    options = SourceOptions(
        source="hotline12345",
        crs="GCJ-02",
        channel="hotline",
        category_system="hotline",
        require_location=False,
        as_of=OPTIONS.as_of,
    )
    report = load(write_csv(tmp_path / "h.csv", rows, encoding="gb18030"), city, options)
    assert (report.loaded, report.rejected) == (2, 0)
    got = query(
        city,
        "SELECT source_id, topic_code, category_code, category_unmapped, grid_l2, round(lon, 6), "
        "round(lat, 6), description, handle_clock FROM cases ORDER BY source_id",
    )
    assert got[0] == (
        "R1",
        "H0101",
        "06010",
        False,
        "340104002",
        EAST_POINT[0],
        EAST_POINT[1],
        "请联系139****5678处理",
        "natural_days",
    )
    assert got[1][:5] == ("R2", "H9999", None, True, None)


def test_cases_can_be_read_from_excel(city, tmp_path: Path) -> None:
    path = tmp_path / "cases.xlsx"
    pd.DataFrame([case(1), case(2)]).to_excel(path, index=False)
    assert load(path, city).loaded == 2


def test_large_file_is_processed_in_chunks(city, tmp_path: Path) -> None:
    settings = dataclasses.replace(city, etl_chunk_rows=100)
    rows = [case(i) for i in range(1, 451)] + [case(3)]
    report = load(write_csv(tmp_path / "big.csv", rows), settings)
    assert (report.read, report.loaded, report.rejected) == (451, 450, 1)
    assert [r[:2] for r in rejects(settings, report.run_id)] == [(3, "duplicate_id")]


def test_an_id_repeated_across_merges_keeps_only_its_last_row(city, tmp_path: Path) -> None:
    # two rows per chunk and per merge: the three rows of C0001 land in three different merges
    settings = dataclasses.replace(city, etl_chunk_rows=2, etl_write_rows=2)
    rows = [
        case(1, 事件描述="一"),
        case(2),
        case(3),
        case(1, 事件描述="二", 经度=OUTSIDE_POINT[0], 纬度=OUTSIDE_POINT[1]),
        case(4),
        case(1, 事件描述="三"),
    ]
    report = load(write_csv(tmp_path / "a.csv", rows), settings)
    assert (report.read, report.loaded, report.rejected, report.inserted) == (6, 4, 2, 4)
    got = rejects(settings, report.run_id)
    assert [r[:2] for r in got] == [(1, "duplicate_id"), (4, "duplicate_id")]
    assert all("C0001 appears again in row 6" in r[2] for r in got)
    assert report.flagged["outside_grid"] == 0  # only the rejected row was outside
    assert query(settings, "SELECT source_id, description FROM cases ORDER BY source_id") == [
        ("C0001", "三"),
        ("C0002", "小区门口暴露垃圾"),
        ("C0003", "小区门口暴露垃圾"),
        ("C0004", "小区门口暴露垃圾"),
    ]


def test_a_repeated_id_is_judged_against_the_cases_before_the_load(city, tmp_path: Path) -> None:
    settings = dataclasses.replace(city, etl_chunk_rows=2, etl_write_rows=2)
    first = load(write_csv(tmp_path / "a.csv", [case(1), case(2)]), settings)
    # C0001 changes in the first merge, then its last row restores the loaded values: nothing changed
    rows = [case(1, 事件描述="改过"), case(2), case(1)]
    second = load(write_csv(tmp_path / "b.csv", rows), settings)
    assert (second.inserted, second.updated, second.unchanged, second.rejected) == (0, 0, 2, 1)
    assert query(settings, "SELECT source_id, description, run_id FROM cases ORDER BY source_id") == [
        ("C0001", "小区门口暴露垃圾", first.run_id),
        ("C0002", "小区门口暴露垃圾", first.run_id),
    ]
    # and the other way round: the last row differs from the loaded one, an earlier row did not
    third = load(write_csv(tmp_path / "c.csv", [case(1), case(2), case(1, 事件描述="改过")]), settings)
    assert (third.inserted, third.updated, third.unchanged, third.rejected) == (0, 1, 1, 1)
    assert query(settings, "SELECT source_id, description, run_id FROM cases ORDER BY source_id") == [
        ("C0001", "改过", third.run_id),
        ("C0002", "小区门口暴露垃圾", first.run_id),
    ]


def test_handling_limits_take_the_most_specific_rule_and_urgent_first() -> None:
    from types import SimpleNamespace

    from etl.case_context import CaseContext

    limits = pd.DataFrame(
        [
            ("*", "handle", "working_days", 5.0),
            ("06", "handle", "working_hours", 8.0),
            ("06010", "handle", "working_hours", 4.0),
            ("hotline:*", "handle", "natural_days", 7.0),
            ("hotline:06010", "handle", "natural_days", 2.0),
            ("06010", "urgent_handle", "continuous_hours", 2.0),
        ],
        columns=["category_code", "step", "clock", "amount"],
    )
    ctx = SimpleNamespace(limits=limits)
    ctx._resolve_limits = lambda key: CaseContext._resolve_limits(ctx, key)
    channel = pd.Series(["patrol", "patrol", "patrol", "hotline", "hotline", "patrol", "patrol"], dtype="string")
    category = pd.Series(["06010", "06042", "09009", "06010", "06042", None, "06010"], dtype="string")
    urgent = np.array([False, False, False, False, False, False, True])
    got = CaseContext.handle_limits(ctx, channel, category, urgent)
    assert list(zip(got["clock"].astype(str), got["amount"], strict=True)) == [
        ("working_hours", 4.0),  # the class
        ("working_hours", 8.0),  # its major
        ("working_days", 5.0),  # nothing for 09: '*'
        ("natural_days", 2.0),  # channel and class
        ("natural_days", 7.0),  # channel:* before the major
        ("working_days", 5.0),  # no class: '*'
        ("continuous_hours", 2.0),  # urgent: the urgent limit first
    ]


@pytest.mark.parametrize(
    ("block_rows", "stored_order"),
    [
        # a block per row: the rows come out in report-time order
        (1, ["08:00", "09:00", "10:00", "11:00", "12:00", "13:00"]),
        # blocks of two (a row group each, in a real load): the two earliest, then the next two, … each
        # block in file order
        (2, ["09:00", "08:00", "11:00", "10:00", "13:00", "12:00"]),
        # one block: the file's order
        (6, ["13:00", "09:00", "11:00", "08:00", "10:00", "12:00"]),
    ],
)
def test_cases_are_stored_in_blocks_in_report_time_order(
    city, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_rows: int, stored_order: list[str]
) -> None:
    monkeypatch.setattr("etl.load_cases.TIME_BLOCK_ROWS", block_rows)
    no_steps = {"派遣时间": None, "处置时间": None, "结案时间": None, "状态": "已上报"}
    reported = ["13:00", "09:00", "11:00", "08:00", "10:00", "12:00"]
    rows = [case(i + 1, 上报时间=f"2025-06-03 {t}:00", **no_steps) for i, t in enumerate(reported)]
    load(write_csv(tmp_path / "a.csv", rows), city)
    stored = query(city, "SELECT strftime(reported_at, '%H:%M') FROM cases ORDER BY rowid")
    assert [t for (t,) in stored] == stored_order


def test_rows_reported_at_the_same_time_keep_their_file_order(
    city, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("etl.load_cases.TIME_BLOCK_ROWS", 1)
    no_steps = {"派遣时间": None, "处置时间": None, "结案时间": None, "状态": "已上报"}
    reported = ["10:00", "09:00", "10:00", "09:00"]
    rows = [case(i + 1, 上报时间=f"2025-06-03 {t}:00", **no_steps) for i, t in enumerate(reported)]
    load(write_csv(tmp_path / "a.csv", rows), city)
    stored = query(city, "SELECT source_id FROM cases ORDER BY rowid")
    assert [i for (i,) in stored] == ["C0002", "C0004", "C0001", "C0003"]


def test_a_batch_reaches_duckdb_as_one_record_batch_in_time_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow as pa

    from etl import load_cases

    monkeypatch.setattr(load_cases, "TIME_BLOCK_ROWS", 4)
    times = np.array([9, 3, 7, 3, 1, 8, 3, 5, 2, 6], dtype="datetime64[h]").astype("datetime64[ns]")
    rows = pa.table({"_row": np.arange(1, 11), "reported_at": times, "note": [f"r{i}" for i in range(1, 11)]})
    many = pa.Table.from_batches(rows.to_batches(max_chunksize=3))  # like a chunk from the CSV reader
    blocked = load_cases._in_time_blocks(many)
    assert blocked.num_rows == 10 and len(blocked.to_batches()) == 1
    # blocks of about four rows by time, each in file order: the bounds are the 5th and 9th earliest times
    # (03:00, 08:00), and the three rows at 03:00 all go to the block that 03:00 starts
    assert blocked.column("_row").to_pylist() == [5, 9, 2, 3, 4, 7, 8, 10, 1, 6]
    assert blocked.column("note").to_pylist()[:3] == ["r5", "r9", "r2"]
    in_order = pa.Table.from_batches(rows.sort_by("reported_at").to_batches(max_chunksize=3))
    kept = load_cases._in_time_blocks(in_order)
    assert len(kept.to_batches()) == 1
    assert kept.column("_row").to_pylist() == in_order.column("_row").to_pylist()


# ---------------------------------------------------------------- channels are a dictionary with aliases


def test_channels_are_found_by_their_aliases_and_the_dictionary_can_grow(city, tmp_path: Path) -> None:
    rows = [case(i, 来源=name) for i, name in enumerate(["雪亮工程", "天网", "市民热线", "一键报事", "APP", "无人机"])]
    path = write_csv(tmp_path / "cases.csv", rows)
    report = load(path, city, dataclasses.replace(OPTIONS, channel=None))
    assert (report.loaded, report.rejected) == (5, 1)
    assert query(city, "SELECT channel FROM cases ORDER BY source_id") == [
        ("camera_ai",),
        ("camera_ai",),
        ("hotline",),
        ("citizen_app",),
        ("citizen_app",),
    ]
    assert "unknown channel 无人机" in rejects(city, report.run_id)[0][2]

    channels = write_csv(
        tmp_path / "channels.csv", [{"渠道编码": "drone", "渠道名称": "无人机巡查", "英文名称": "Drone"}]
    )
    aliases = write_csv(
        tmp_path / "aliases.csv", [{"别名": "无人机", "渠道编码": "无人机巡查"}, {"别名": "天网", "渠道编码": "drone"}]
    )
    api.load("channels", channels, SourceOptions(source="city"), settings=city)
    alias_report = api.load("channel_aliases", aliases, SourceOptions(source="city"), settings=city)
    assert (alias_report.loaded, alias_report.rejected) == (2, 0)  # 天网 moves to drone: the city's word wins
    report = load(path, city, dataclasses.replace(OPTIONS, channel=None))
    assert (report.loaded, report.rejected, report.inserted, report.unchanged) == (6, 0, 1, 5)
    assert query(city, "SELECT channel, count(*) FROM cases GROUP BY 1 ORDER BY 1") == [
        ("camera_ai", 2),  # a row loaded before is not read again (unchanged): a new one from 天网 is a drone's
        ("citizen_app", 2),
        ("drone", 1),
        ("hotline", 1),
    ]
    bad = write_csv(
        tmp_path / "bad.csv", [{"别名": "12345热线", "渠道编码": "patrol"}, {"别名": "x", "渠道编码": "nope"}]
    )
    report = api.load("channel_aliases", bad, SourceOptions(source="city"), settings=city)
    assert [r[2] for r in rejects(city, report.run_id)] == [
        "alias 12345热线 is already a name of channel hotline",
        "unknown channel nope; valid: ['camera_ai', 'citizen_app', 'deliberation', 'drone', 'hotline', 'iot', "
        "'other', 'patrol', 'rider', 'supervision']",
    ]


# ---------------------------------------------------------------- the headers of real exports


def test_a_digital_city_management_export_loads_by_its_own_headers(city, tmp_path: Path) -> None:
    row = {
        "案卷编号": "AJ2025060300001",
        "问题来源": "监督员上报",
        "事件类型": "暴露垃圾",
        "问题描述": "路口东侧暴露垃圾",
        "事发地址": "西街道1号",
        "经度": WEST_POINT[0],
        "纬度": WEST_POINT[1],
        "发现时间": "2025-06-03 09:00:00",
        "立案时间": "2025-06-03 09:10:00",
        "转办时间": "2025-06-03 09:20:00",
        "处置反馈时间": "2025-06-03 10:00:00",
        "处置单位": "城管局",
        "案卷状态": "已处置",
        "紧急程度": "一般",
    }
    path = write_csv(tmp_path / "数字城管案卷.csv", [row, {**row, "案卷编号": "AJ2", "事件类型": "不存在的类型"}])
    report = load(path, city, dataclasses.replace(OPTIONS, channel=None))
    assert (report.loaded, report.rejected) == (2, 0)
    assert query(
        city,
        "SELECT source_id, channel, category_src_code, category_code, category_unmapped, address, registered_at,"
        " dispatched_at, handled_at, status FROM cases ORDER BY source_id",
    ) == [
        (
            "AJ2",
            "patrol",
            "不存在的类型",
            None,
            True,
            "西街道1号",
            *[pd.Timestamp(f"2025-06-03 {t}") for t in ("09:10", "09:20", "10:00")],
            "handled",
        ),
        (
            "AJ2025060300001",
            "patrol",
            "暴露垃圾",
            "06010",
            False,
            "西街道1号",
            *[pd.Timestamp(f"2025-06-03 {t}") for t in ("09:10", "09:20", "10:00")],
            "handled",
        ),
    ]


def test_a_12345_export_loads_by_its_own_headers(city, tmp_path: Path) -> None:
    topics = write_csv(
        tmp_path / "topics.csv",
        [
            {
                "诉求分类编码": "090001",
                "大类编码": "09",
                "大类名称": "城市管理",
                "小类名称": "占道经营",
                "国标编码": "09006",
            },
            {
                "诉求分类编码": "050001",
                "大类编码": "05",
                "大类名称": "劳动社保",
                "小类名称": "拖欠工资",
                "国标编码": "",
            },
        ],
    )
    api.load("hotline_topics", topics, SourceOptions(source="hotline12345"), settings=city)
    row = {
        "工单编号": "RX1",
        "来电时间": "2025-06-03 09:00:00",
        "诉求类型": "投诉",
        "诉求分类": "占道经营",
        "诉求内容": "早市占道",
        "诉求地址": "东街道",
        "经度": EAST_POINT[0],
        "纬度": EAST_POINT[1],
        "承办单位": "城管局",
        "办结时间": "2025-06-04 09:00:00",
        "回访满意度": "满意",
        "来电号码": "13812345678",
    }
    path = write_csv(tmp_path / "12345.csv", [row, {**row, "工单编号": "RX2", "诉求分类": "拖欠工资"}])
    options = dataclasses.replace(OPTIONS, source="hotline12345", channel="hotline", category_system="hotline")
    report = load(path, city, options)
    assert (report.loaded, report.rejected) == (2, 0)
    assert query(
        city,
        "SELECT source_id, request_nature, topic_code, category_code, category_unmapped, satisfaction, contact_masked"
        " FROM cases ORDER BY source_id",
    ) == [
        ("RX1", "投诉", "090001", "09006", False, "满意", "138****5678"),
        ("RX2", "投诉", "050001", None, False, "满意", "138****5678"),  # a known topic with no GB/T class
    ]


def test_an_id_excel_rounded_to_15_digits_is_rejected_not_stored_as_a_number(city, tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "cases.xlsx"
    workbook = openpyxl.Workbook()
    headers = list(case(1))
    workbook.active.append(headers)
    for source_id in (12345678901234567890.0, 12345678901234567891.0, "12345678901234567892", 42.0):
        workbook.active.append([source_id if h == "事件编号" else v for h, v in case(1).items()])
    workbook.save(path)
    report = load(path, city)
    assert (report.loaded, report.rejected) == (2, 2)  # the two rounded ids would have collided
    assert query(city, "SELECT source_id FROM cases ORDER BY 1") == [("12345678901234567892",), ("42",)]
    reasons = rejects(city, report.run_id)
    assert [r[:2] for r in reasons] == [(1, "bad_id"), (2, "bad_id")]
    assert "Excel keeps 15 digits" in reasons[0][2] and "format the column as text" in reasons[0][2]
    csv_path = write_csv(tmp_path / "cases.csv", [case(1, 事件编号="1.23457E+19")])  # as Excel saves it to CSV
    assert load(csv_path, city).reasons == {"bad_id": 1}


def test_implausible_times_are_rejected(city, tmp_path: Path) -> None:
    rows = [
        case(1),
        case(2, 上报时间="1899-12-30 00:00:00"),  # Excel's day zero: an empty date cell
        case(3, 上报时间="2025-06-03 09:00:00", 结案时间="2099-01-01 00:00:00"),
        case(4, 上报时间="2000-01-01 00:00:00", 派遣时间=None, 处置时间=None, 结案时间=None, 状态=None),
    ]
    report = load(write_csv(tmp_path / "cases.csv", rows), city)
    assert (report.loaded, report.rejected) == (2, 2)
    reasons = rejects(city, report.run_id)
    assert [r[:2] for r in reasons] == [(2, "implausible_time"), (3, "implausible_time")]
    assert "1899-12-30 00:00:00 is before 2000-01-01 (setting earliest_time)" in reasons[0][2]
    assert "2099-01-01 00:00:00 is after" in reasons[1][2] and "future_tolerance_hours" in reasons[1][2]

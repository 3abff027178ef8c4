"""etl.readers: every supported format back to the same frame of raw strings."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely

from etl.readers import STRING_DTYPE, UTF8_REPLACED, RawChunk, SourceFileError, detect_encoding, read_table

HEADERS = ["事件编号", "上报时间", "经度", "纬度", "事件描述"]
ROWS = [
    ["A0001", "2024-05-08 14:30:00", "117.25", "31.85", "暴露垃圾，路口东侧"],
    ["A0002", "2024-05-09 08:05:00", "117.3", "31.9", '井盖缺失"严重"'],
    ["A0003", "2024-05-10 00:00:00", None, None, "占道经营\n早市"],
]


def expected_frame(headers: list[str] = HEADERS, rows: list[list[str | None]] = ROWS) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=headers).astype(STRING_DTYPE)


def write_text(path: Path, encoding: str, *, delimiter: str = ",", rows: list[list[str | None]] = ROWS) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def only_chunk(path: Path, **options: object) -> RawChunk:
    chunks = list(read_table(path, **options))
    assert len(chunks) == 1
    return chunks[0]


# ---------------------------------------------------------------- text encodings


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_text_in_each_encoding_reads_back_to_the_same_frame(tmp_path: Path, encoding: str, detected: str) -> None:
    path = write_text(tmp_path / "cases.csv", encoding)
    chunk = only_chunk(path)
    pd.testing.assert_frame_equal(chunk.frame, expected_frame())
    assert (chunk.first_row, chunk.encoding, chunk.geometry, chunk.crs) == (1, detected, None, None)
    assert detect_encoding(path) == detected


def test_excel_unicode_text_is_utf16_and_tab_separated(tmp_path: Path) -> None:
    path = write_text(tmp_path / "cases.txt", "utf-16", delimiter="\t")
    chunk = only_chunk(path)
    pd.testing.assert_frame_equal(chunk.frame, expected_frame())
    assert chunk.encoding == "utf-16"


def test_explicit_encoding_overrides_detection(tmp_path: Path) -> None:
    path = write_text(tmp_path / "cases.csv", "gbk")
    chunk = only_chunk(path, encoding="GBK")
    pd.testing.assert_frame_equal(chunk.frame, expected_frame())
    assert chunk.encoding == "gbk"
    with pytest.raises(SourceFileError, match=r"cases\.csv is not valid UTF-8: byte \d+"):
        list(read_table(path, encoding="utf-8"))
    with pytest.raises(ValueError, match="Unknown text encoding 'klingon'"):
        list(read_table(path, encoding="klingon"))


def test_undecodable_bytes_become_replacement_characters_in_their_row_only(tmp_path: Path) -> None:
    path = write_text(tmp_path / "cases.csv", "utf-8")
    path.write_bytes(path.read_bytes().replace("井盖".encode(), b"\xff\xfe", 1))
    chunk = only_chunk(path)
    frame = chunk.frame
    assert chunk.encoding == UTF8_REPLACED == detect_encoding(path)
    assert frame.loc[1, "事件描述"] == '\ufffd\ufffd缺失"严重"'
    pd.testing.assert_frame_equal(frame.drop(index=1), expected_frame().drop(index=1))


def test_a_bad_byte_in_a_gbk_file_costs_only_its_row(tmp_path: Path) -> None:
    path = write_text(tmp_path / "cases.csv", "gbk")
    path.write_bytes(path.read_bytes().replace("井盖".encode("gbk"), b"\xff\xff", 1))
    chunk = only_chunk(path)
    assert chunk.encoding == "gb18030" == detect_encoding(path)
    assert chunk.frame.loc[1, "事件描述"] == '\ufffd\ufffd缺失"严重"'
    pd.testing.assert_frame_equal(chunk.frame.drop(index=1), expected_frame().drop(index=1))


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_big_files_are_judged_on_windows_then_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoding: str
) -> None:
    # 4 windows of 64 bytes over ~9 KB of ASCII rows miss the one row with Chinese text, so the whole file decides.
    monkeypatch.setattr("etl.readers._SAMPLE_WINDOWS", 4)
    monkeypatch.setattr("etl.readers._SAMPLE_WINDOW_BYTES", 64)
    rows = [[f"A{i:04d}", "2024-05-08 14:30:00", "117.25", "31.85", "ok"] for i in range(200)]
    rows[101][4] = "井盖缺失"
    path = write_text(tmp_path / "cases.csv", encoding, rows=rows)
    if encoding == "utf-8":
        path.write_bytes(path.read_bytes().replace("缺失".encode(), b"\xff", 1))
    expected = "gb18030" if encoding == "gbk" else UTF8_REPLACED
    assert detect_encoding(path) == expected
    frame = only_chunk(path).frame
    assert frame.loc[101, "事件描述"] == ("井盖缺失" if encoding == "gbk" else "井盖\ufffd")
    assert frame.loc[100, "事件描述"] == "ok"


def test_headers_are_stripped_and_blank_cells_are_na(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_bytes("\ufeff 事件编号 ,\t上报时间\n A1 ,\u3000\n,  \n".encode())
    frame = only_chunk(path).frame
    assert list(frame.columns) == ["事件编号", "上报时间"]
    assert frame["事件编号"].tolist() == [" A1 ", pd.NA]  # values keep their spaces: the validator trims
    assert frame["上报时间"].isna().all()


def test_an_empty_header_cell_gets_a_name(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("编号,,名称\n1,x,甲\n", encoding="utf-8")
    assert list(only_chunk(path).frame.columns) == ["编号", "Unnamed: 1", "名称"]


def test_quoted_header_and_semicolon_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text('"编号;内部";名称\n\n1;"a;b"\n', encoding="utf-8")
    frame = only_chunk(path).frame
    pd.testing.assert_frame_equal(frame, expected_frame(["编号;内部", "名称"], [["1", "a;b"]]))


# ---------------------------------------------------------------- Excel


def write_xlsx(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    first = workbook.active
    first.title = "说明"
    first.append(["本表为示例"])
    sheet = workbook.create_sheet("事件")
    sheet.append(HEADERS)
    for code, reported, lon, lat, text in ROWS:
        sheet.append(
            [
                code,
                dt.datetime.fromisoformat(reported),
                None if lon is None else float(lon),
                None if lat is None else float(lat),
                text,
            ]
        )
    sheet.append([None] * 5)  # a formatted but empty row at the end
    workbook.save(path)
    return path


@pytest.mark.parametrize("sheet", ["事件", 1])
def test_excel_cells_are_read_as_text(tmp_path: Path, sheet: str | int) -> None:
    path = write_xlsx(tmp_path / "cases.xlsx")
    chunk = only_chunk(path, sheet=sheet)
    pd.testing.assert_frame_equal(chunk.frame, expected_frame())
    assert chunk.encoding is None


def test_excel_numbers_dates_and_booleans_become_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "grids.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["code", "day", "flag", "ratio", "at"])
    workbook.active.append([340104001, dt.date(2024, 5, 8), True, 0.5, dt.datetime(2024, 5, 8, 14, 29, 59, 999_700)])
    workbook.save(path)
    frame = only_chunk(path).frame
    assert frame.iloc[0].tolist() == ["340104001", "2024-05-08 00:00:00", "true", "0.5", "2024-05-08 14:30:00"]


def test_excel_value_outside_the_header_is_a_malformed_row(tmp_path: Path) -> None:
    path = tmp_path / "cases.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["编号", "名称"])
    workbook.active.append(["1", "甲"])
    workbook.active.append(["2", "乙", "备注"])
    workbook.active.append(["3", "丙"])
    workbook.save(path)
    chunk = only_chunk(path)
    assert chunk.frame["编号"].tolist() == ["1", pd.NA, "3"]  # the row keeps its place, empty
    reason, original = chunk.malformed[2]
    assert "a value in or after column C" in reason
    assert json.loads(original) == ["2", "乙", "备注"]


def test_excel_numbers_beyond_15_digits_are_not_written_as_exact(tmp_path: Path) -> None:
    # Excel keeps 15 significant digits: a 20-digit id typed into a number cell was rounded when saved.
    path = tmp_path / "cases.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["编号", "小号", "文本"])
    workbook.active.append([12345678901234567890.0, 123456789012345.0, "12345678901234567890"])
    workbook.active.append([1234567890123456.0, 42.0, "x"])
    workbook.save(path)
    frame = only_chunk(path).frame
    assert frame["编号"].str.fullmatch(r"1\.23456789012345\d*e\+19").iloc[0]  # as Excel kept it, not 20 digits
    assert frame["编号"].iloc[1] == "1234567890123456"  # an integer in the file's XML is exact: kept
    assert frame["小号"].tolist() == ["123456789012345", "42"]
    assert frame["文本"].tolist() == ["12345678901234567890", "x"]


def test_excel_default_sheet_and_missing_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "cases.xlsx")
    assert list(only_chunk(path).frame.columns) == ["本表为示例"]
    with pytest.raises(SourceFileError, match=r"no sheet '汇总'; its sheets: '说明', '事件'"):
        list(read_table(path, sheet="汇总"))
    with pytest.raises(SourceFileError, match="no sheet number 5"):
        list(read_table(path, sheet=5))


# ---------------------------------------------------------------- spatial formats

POLYGONS = [shapely.box(117.20, 31.80, 117.25, 31.90), shapely.box(117.25, 31.80, 117.30, 31.90)]


def grids_frame(crs: str = "EPSG:4490") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        # Shapefile field names hold at most 10 bytes: 3 Chinese characters in UTF-8.
        {"编码": [340104001, 340104002], "名称": ["西街道", "东街道"], "人口": [1200.0, 3.5]},
        geometry=POLYGONS,
        crs=crs,
    )


def assert_grids(chunk: RawChunk, crs: str = "EPSG:4490") -> None:
    expected = expected_frame(
        ["编码", "名称", "人口"], [["340104001", "西街道", "1200"], ["340104002", "东街道", "3.5"]]
    )
    pd.testing.assert_frame_equal(chunk.frame, expected)
    assert chunk.crs == crs
    assert chunk.geometry is not None
    assert all(shapely.equals(chunk.geometry, np.array(POLYGONS, dtype=object)))


def test_geojson(tmp_path: Path) -> None:
    path = tmp_path / "grids.geojson"
    grids_frame("EPSG:4326").to_file(path, driver="GeoJSON")
    assert_grids(only_chunk(path), "EPSG:4326")


def test_shapefile_and_zipped_shapefile(tmp_path: Path) -> None:
    path = tmp_path / "grids.shp"
    grids_frame().to_file(path)
    assert_grids(only_chunk(path))
    archive = tmp_path / "grids.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("grids.*"):
            if part.suffix != ".zip":
                z.write(part, f"export/{part.name}")
    assert_grids(only_chunk(archive))


def test_gbk_shapefile_without_cpg_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "grids.shp"
    grids_frame().to_file(path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    assert_grids(only_chunk(path))


def test_zip_must_hold_exactly_one_shapefile(tmp_path: Path) -> None:
    archive = tmp_path / "grids.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.shp", b"")
        z.writestr("b.shp", b"")
    with pytest.raises(SourceFileError, match=r"exactly one \.shp file; found a\.shp, b\.shp"):
        list(read_table(archive))


def test_geopackage_layers(tmp_path: Path) -> None:
    path = tmp_path / "grids.gpkg"
    grids_frame().to_file(path, layer="streets")
    other = grids_frame("EPSG:4326").iloc[:1]
    other.to_file(path, layer="districts")
    assert_grids(only_chunk(path))  # the first layer by default
    districts = only_chunk(path, layer="districts")
    assert (len(districts.frame), districts.crs, districts.frame.loc[0, "编码"]) == (1, "EPSG:4326", "340104001")
    with pytest.raises(SourceFileError, match="no layer 'communities'; its layers: 'streets', 'districts'"):
        list(read_table(path, layer="communities"))


def test_geopackage_integer_code_is_text_without_decimals(tmp_path: Path) -> None:
    path = tmp_path / "grids.gpkg"
    frame = grids_frame()
    frame["上级编码"] = np.array([340104, 340104], dtype=np.int64)
    frame["生效日期"] = pd.to_datetime(["2024-01-01 08:00", None])
    frame.to_file(path)
    chunk = only_chunk(path)
    assert chunk.frame["上级编码"].tolist() == ["340104", "340104"]
    assert chunk.frame["生效日期"].tolist() == ["2024-01-01 08:00:00", pd.NA]


@pytest.mark.parametrize("encoding", ["WKB", "geoarrow"])
def test_geoparquet(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "grids.geoparquet"
    grids_frame().to_parquet(path, geometry_encoding=encoding)
    assert_grids(only_chunk(path))


def test_plain_parquet_is_a_table(tmp_path: Path) -> None:
    path = tmp_path / "cases.parquet"
    pq.write_table(pa.table({"编号": [7, None], "值": [1.5, 2.0], "名称": ["甲", " "]}), path)
    chunk = only_chunk(path)
    pd.testing.assert_frame_equal(
        chunk.frame, expected_frame(["编号", "值", "名称"], [["7", "1.5", "甲"], [None, "2", None]])
    )
    assert (chunk.geometry, chunk.crs) == (None, None)


def test_broken_spatial_file_reports_the_ogr_message(tmp_path: Path) -> None:
    path = tmp_path / "grids.geojson"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(SourceFileError, match=r"Cannot open spatial file .*grids\.geojson: .*not recognized"):
        list(read_table(path))


# ---------------------------------------------------------------- chunking


def numbered_rows(n: int) -> list[list[str | None]]:
    return [[f"A{i:04d}", "2024-05-08 14:30:00", "117.25", "31.85", f"第{i}行"] for i in range(1, n + 1)]


def test_csv_chunks_have_chunk_rows_rows_and_running_row_numbers(tmp_path: Path) -> None:
    path = write_text(tmp_path / "cases.csv", "gbk", rows=numbered_rows(25))
    chunks = list(read_table(path, chunk_rows=10))
    assert [(len(c.frame), c.first_row) for c in chunks] == [(10, 1), (10, 11), (5, 21)]
    assert [c.frame["事件编号"].iloc[0] for c in chunks] == ["A0001", "A0011", "A0021"]
    assert all(c.frame.index.tolist() == list(range(len(c.frame))) for c in chunks)


def test_excel_and_spatial_chunks(tmp_path: Path) -> None:
    xlsx = tmp_path / "cases.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADERS)
    for row in numbered_rows(25):
        workbook.active.append(row)
    workbook.save(xlsx)
    gpkg = tmp_path / "points.gpkg"
    gpd.GeoDataFrame({"n": range(25)}, geometry=shapely.points(np.arange(25), 0), crs="EPSG:4326").to_file(gpkg)
    for path in (xlsx, gpkg):
        chunks = list(read_table(path, chunk_rows=10))
        assert [(len(c.frame), c.first_row) for c in chunks] == [(10, 1), (10, 11), (5, 21)]
    assert [len(c.geometry) for c in chunks] == [10, 10, 5]
    assert chunks[2].frame["n"].tolist() == ["20", "21", "22", "23", "24"]


def test_header_without_rows_is_one_empty_chunk(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("事件编号,上报时间\r\n", encoding="utf-8")
    chunk = only_chunk(path)
    assert (list(chunk.frame.columns), len(chunk.frame), chunk.first_row) == (["事件编号", "上报时间"], 0, 1)
    assert chunk.frame.dtypes.tolist() == [STRING_DTYPE, STRING_DTYPE]


# ---------------------------------------------------------------- file errors


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("cases.csv", b"", r"cases\.csv is empty \(0 bytes\)"),
        ("cases.csv", b"\r\n  \n\n", r"cases\.csv has no header line"),
        ("cases.csv", b'"a,b\n1,2\n', r"cases\.csv has an unclosed quote in its header line"),
        ("cases.xlsx", b"PK not really", r"cases\.xlsx is not a readable \.xlsx workbook"),
        ("cases.docx", b"x", r"unsupported suffix '\.docx'; supported suffixes: \.csv, \.txt, \.xlsx"),
        ("cases.xls", b"x", r"unsupported suffix '\.xls' \(save it as \.xlsx\)"),
        ("cases.csv", "编号,名称,编号 \n1,2,3\n".encode(), r"cases\.csv has duplicate column name\(s\) '编号'"),
    ],
)
def test_bad_files_raise_source_file_error(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SourceFileError, match=message):
        list(read_table(path))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match=r"nope\.csv does not exist"):
        read_table(tmp_path / "nope.csv")


@pytest.mark.parametrize("block", [1, 5, 7, 64])
def test_utf8_is_checked_in_blocks_without_splitting_characters(tmp_path: Path, monkeypatch, block: int) -> None:
    import etl.readers as readers

    monkeypatch.setattr(readers, "_DECODE_BLOCK_BYTES", block)  # blocks end inside multi-byte characters
    path = tmp_path / "cases.csv"
    lines = ["编号,描述", "1,井盖缺失", "2,暴露垃圾", "3,路灯不亮"]
    path.write_bytes("\n".join(lines).encode())
    assert detect_encoding(path) == "utf-8"
    path.write_bytes("\n".join(lines).encode().replace("路灯".encode(), "路".encode() + b"\xe7\x81", 1))
    assert detect_encoding(path) == UTF8_REPLACED


# ---------------------------------------------------------------- rows that do not fit, odd line ends, mixed encodings


@pytest.mark.parametrize("chunk_rows", [2, 1000])
def test_a_ragged_row_is_kept_empty_with_its_reason_and_the_rows_around_it_keep_their_numbers(
    tmp_path: Path, chunk_rows: int
) -> None:
    path = tmp_path / "cases.csv"
    lines = ["编号,地址,描述", '1,"东街\n2号",好', "2,东街,3号,多一个逗号", "3,西街,好", "4", "5,南街,好"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    chunks = list(read_table(path, chunk_rows=chunk_rows))
    frame = pd.concat([c.frame for c in chunks], ignore_index=True)
    assert frame["编号"].tolist() == ["1", pd.NA, "3", pd.NA, "5"]
    assert frame.loc[0, "地址"] == "东街\n2号"
    malformed = {row: value for c in chunks for row, value in c.malformed.items()}
    assert sorted(malformed) == [2, 4]
    for c in chunks:  # each chunk lists its own rows only
        assert all(c.first_row <= row < c.first_row + len(c.frame) for row in c.malformed)
    assert "has 4 fields, more than the header's 3" in malformed[2][0]
    assert json.loads(malformed[2][1]) == ["2", "东街", "3号", "多一个逗号"]
    assert "has 1 fields, fewer than the header's 3" in malformed[4][0]


def test_a_ragged_row_after_many_good_blocks_costs_only_itself(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("etl.readers._CSV_BLOCK_BYTES", 64)  # Arrow reads many blocks before the bad one
    monkeypatch.setattr("etl.readers._PYTHON_BATCH_ROWS", 7)
    rows = [f"{i},街道{i},描述" for i in range(1, 201)]
    rows[149] = "150,街道,1,2"
    path = tmp_path / "cases.csv"
    path.write_text("编号,地址,描述\n" + "\n".join(rows) + "\n", encoding="utf-8")
    chunks = list(read_table(path, chunk_rows=64))
    frame = pd.concat([c.frame for c in chunks], ignore_index=True)
    assert len(frame) == 200
    expected = [str(i) for i in range(1, 201)]
    expected[149] = pd.NA
    assert frame["编号"].tolist() == expected
    assert [row for c in chunks for row in c.malformed] == [150]


@pytest.mark.parametrize("line_end", [b"\r", b"\r\n", b"\n"])
def test_a_carriage_return_ends_the_header_like_any_line(tmp_path: Path, line_end: bytes) -> None:
    path = tmp_path / "cases.csv"
    path.write_bytes(line_end.join(["编号,名称".encode(), "1,甲".encode(), "2,乙".encode()]) + line_end)
    frame = only_chunk(path).frame
    assert list(frame.columns) == ["编号", "名称"]
    assert frame["名称"].tolist() == ["甲", "乙"]


def test_a_bare_carriage_return_inside_the_header_line_is_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_bytes("编号,名称\r,描述\n1,甲,好\n".encode())
    chunk = only_chunk(path)
    assert list(chunk.frame.columns) == ["编号", "名称"]  # the header ends at the carriage return
    assert chunk.frame["名称"].tolist() == ["描述", pd.NA]
    assert sorted(chunk.malformed) == [2]  # "1,甲,好" does not fit it: rejected by the loader with its reason


def test_a_utf8_file_with_a_few_gbk_rows_is_read_as_utf8_and_loses_only_those_rows(tmp_path: Path) -> None:
    good = [f"{i},东街{i}号,暴露垃圾" for i in range(70)]
    pasted = [f"{i},西街{i}号,市民反映小区门口垃圾长期堆放无人清理气味难闻影响出行" for i in range(70, 75)]
    data = "编号,地址,描述\n".encode() + "\n".join(good).encode() + b"\n" + "\n".join(pasted).encode("gbk") + b"\n"
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    assert detect_encoding(path) == UTF8_REPLACED
    frame = only_chunk(path).frame
    assert frame["地址"].iloc[:70].tolist() == [f"东街{i}号" for i in range(70)]
    assert frame["地址"].iloc[70:].str.contains("\ufffd").all()


def test_a_gbk_file_with_a_few_utf8_rows_is_read_as_gbk(tmp_path: Path) -> None:
    data = "编号,地址\n".encode("gbk") + "\n".join(f"{i},西街{i}号" for i in range(40)).encode("gbk")
    data += ("\n" + "\n".join(f"{i},东街" for i in range(40, 42))).encode() + b"\n"
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    assert detect_encoding(path) == "gb18030"
    assert only_chunk(path).frame["地址"].iloc[:40].tolist() == [f"西街{i}号" for i in range(40)]


def test_an_unclosed_ring_costs_its_row_with_the_reason(tmp_path: Path) -> None:
    square = [[117.2, 31.8], [117.3, 31.8], [117.3, 31.9], [117.2, 31.9]]
    features = [
        {"type": "Feature", "properties": {"编码": "A"}, "geometry": {"type": "Polygon", "coordinates": [square]}},
        {
            "type": "Feature",
            "properties": {"编码": "B"},
            "geometry": {"type": "Polygon", "coordinates": [[*square, square[0]]]},
        },
    ]
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    with pytest.warns(RuntimeWarning, match="Non closed ring"):  # GDAL's own word on it
        chunk = only_chunk(path)
    assert chunk.geometry[0] is None and chunk.geometry[1].area > 0
    assert "not form a closed linestring" in chunk.geometry_errors[0]
    assert chunk.geometry_errors[1] is None

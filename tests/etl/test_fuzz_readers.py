"""Random and mangled files: a reader either reads rows or says in one line what is wrong, never a traceback.

Seeded, so a failure names the file that caused it and reproduces; a few seconds in all.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely
from conftest import WEST_POINT, write_csv
from test_load_cases import OPTIONS, case

from etl import api
from etl.cli import LOAD_ERRORS
from etl.readers import SourceFileError, read_table

SEED = 20261204


def _good_files(folder: Path) -> dict[str, bytes]:
    """One small valid file of every format, as bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [case(i) for i in range(1, 30)]
    rows[3]["事件描述"] = '含"引号"，逗号\n和换行'
    files: dict[str, bytes] = {}
    files["utf8.csv"] = write_csv(folder / "utf8.csv", rows).read_bytes()
    files["gbk.csv"] = write_csv(folder / "gbk.csv", rows, encoding="gbk").read_bytes()
    files["tab.txt"] = pd.DataFrame(rows).to_csv(sep="\t", index=False).encode("utf-16")
    workbook = openpyxl.Workbook()
    workbook.active.append(list(rows[0]))
    for row in rows:
        workbook.active.append(list(row.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    files["book.xlsx"] = buffer.getvalue()
    frame = gpd.GeoDataFrame(
        {"code": [f"G{i}" for i in range(5)], "name": ["网格"] * 5, "level": [1] * 5},
        geometry=[shapely.box(117.2 + i / 100, 31.8, 117.21 + i / 100, 31.81) for i in range(5)],
        crs="EPSG:4326",
    )
    frame.to_file(folder / "g.geojson", driver="GeoJSON")
    files["grids.geojson"] = (folder / "g.geojson").read_bytes()
    frame.to_file(folder / "g.gpkg", driver="GPKG")
    files["grids.gpkg"] = (folder / "g.gpkg").read_bytes()
    frame.to_parquet(folder / "g.parquet")
    files["grids.parquet"] = (folder / "g.parquet").read_bytes()
    frame.to_file(folder / "g.shp", engine="pyogrio")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in folder.glob("g.*"):
            if part.suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                archive.write(part, part.name)
    files["grids.zip"] = buffer.getvalue()
    return files


def _mangled(data: bytes, rng: random.Random) -> bytes:
    """``data`` with one or a few of the things that happen to files on the way: cut, bytes flipped, stray
    quotes, delimiters, carriage returns, NULs, a block of another file pasted in."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(7)
        at = rng.randrange(max(len(data), 1))
        if kind == 0:
            del data[at:]
        elif kind == 1:
            for _ in range(rng.randint(1, 20)):
                if data:
                    data[rng.randrange(len(data))] = rng.randrange(256)
        elif kind == 2:
            data[at:at] = rng.choice([b'"', b",", b"\r", b"\x00", b"\t", b";", b"\n\n", "，".encode()])
        elif kind == 3:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 200)))
        elif kind == 4:
            del data[at : at + rng.randint(1, 200)]
        elif kind == 5:
            data[at:at] = data[: rng.randint(1, 100)]
        else:
            data[at:at] = "井盖缺失".encode(rng.choice(["gbk", "utf-8", "utf-16-le"]))
    return bytes(data)


def _read_all(path: Path) -> int:
    rows = 0
    for chunk in read_table(path, chunk_rows=7):
        assert chunk.first_row == rows + 1
        assert all(chunk.first_row <= row < chunk.first_row + len(chunk.frame) for row in chunk.malformed)
        if chunk.geometry is not None:
            assert len(chunk.geometry) == len(chunk.frame)
        rows += len(chunk.frame)
    return rows


def test_random_bytes_under_every_suffix_are_refused_in_one_line(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    for i in range(60):
        suffix = [".csv", ".txt", ".xlsx", ".geojson", ".json", ".gpkg", ".parquet", ".zip", ".shp"][i % 9]
        path = tmp_path / f"random{i}{suffix}"
        path.write_bytes(bytes(rng.randrange(256) for _ in range(rng.choice([1, 50, 20_000]))))
        try:
            _read_all(path)
        except SourceFileError as exc:
            assert "\n" not in str(exc).strip(), (path.name, str(exc))


def test_mangled_files_are_read_or_refused_in_one_line(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    good = _good_files(tmp_path / "good")
    outcomes: dict[str, int] = {"read": 0, "refused": 0}
    for i in range(240):
        name = sorted(good)[i % len(good)]
        path = tmp_path / f"m{i}_{name}"
        path.write_bytes(_mangled(good[name], rng))
        try:
            _read_all(path)
        except SourceFileError as exc:
            outcomes["refused"] += 1
            assert str(exc).strip() and "\n" not in str(exc).strip(), (path.name, str(exc))
        else:
            outcomes["read"] += 1
    assert outcomes["read"] > 50 and outcomes["refused"] > 20  # the mangling reaches both outcomes


@pytest.fixture
def good_cases(tmp_path: Path) -> Path:
    rows = [case(i, 经度=WEST_POINT[0], 纬度=WEST_POINT[1]) for i in range(1, 40)]
    return write_csv(tmp_path / "cases.csv", rows)


def test_mangled_case_files_load_with_every_row_accounted_or_fail_in_one_line(city, tmp_path, good_cases) -> None:
    rng = random.Random(SEED + 1)
    data = good_cases.read_bytes()
    for i in range(12):
        path = tmp_path / f"cases{i}.csv"
        path.write_bytes(_mangled(data, rng))
        try:
            report = api.load("cases", path, OPTIONS, settings=city)
        except LOAD_ERRORS as exc:
            assert "\n" not in str(exc).strip(), (path.name, str(exc))
            continue
        assert report.read == report.loaded + report.rejected, report.summary()
        assert report.read == _read_all(path)


def test_a_geojson_with_broken_features_keeps_the_good_ones(tmp_path: Path) -> None:
    features = [
        {"type": "Feature", "properties": {"code": "A"}, "geometry": {"type": "Point", "coordinates": [1, 2]}},
        {"type": "Feature", "properties": {"code": "B"}, "geometry": {"type": "Polygon", "coordinates": [[[0, 0]]]}},
    ]
    path = tmp_path / "f.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    try:
        assert _read_all(path) == 2
    except SourceFileError as exc:
        assert "\n" not in str(exc)

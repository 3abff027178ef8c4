"""Shared fixtures: a tiny hand-checkable city loaded by the real ETL into a temporary database."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from streamlit.runtime.media_file_manager import MediaFileManager

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from settings import Settings, load_settings  # noqa: E402

# A 0.1° × 0.1° district near Hefei split into a west and an east street, each one community.
WEST = shapely.box(117.20, 31.80, 117.25, 31.90)
EAST = shapely.box(117.25, 31.80, 117.30, 31.90)
DISTRICT = shapely.box(117.20, 31.80, 117.30, 31.90)
WEST_POINT = (117.22, 31.85)
EAST_POINT = (117.28, 31.85)
OUTSIDE_POINT = (117.50, 31.85)


def tiny_grids() -> gpd.GeoDataFrame:
    rows = [
        ("340104", "蜀山区", 1, None, DISTRICT, 2000),
        ("340104001", "西街道", 2, "340104", WEST, 1000),
        ("340104002", "东街道", 2, "340104", EAST, 1000),
        ("340104001001", "西社区", 3, "340104001", WEST, 1000),
        ("340104002001", "东社区", 3, "340104002", EAST, 1000),
    ]
    return gpd.GeoDataFrame(
        [(*r[:4], r[5]) for r in rows],
        columns=["网格编码", "网格名称", "层级", "上级编码", "人口"],
        geometry=[r[4] for r in rows],
        crs="EPSG:4326",
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return dataclasses.replace(load_settings(), db_path=tmp_path / "onemap.duckdb", etl_chunk_rows=1000)


@pytest.fixture
def grids_file(tmp_path: Path) -> Path:
    path = tmp_path / "grids.geojson"
    tiny_grids().to_file(path, driver="GeoJSON")
    return path


@pytest.fixture
def city(settings: Settings, grids_file: Path) -> Settings:
    """A database holding the tiny city's grids."""
    from etl import api
    from etl.sources import SourceOptions

    api.load("grids", grids_file, SourceOptions(source="survey"), settings=settings)
    return settings


def write_csv(path: Path, rows: list[dict], *, encoding: str = "utf-8-sig") -> Path:
    pd.DataFrame(rows).to_csv(path, index=False, encoding=encoding)
    return path


@pytest.fixture(scope="session")
def dispatch_city(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The dispatch city (``tests/dispatch_city.py``), loaded once per run; the settings its figures are for.
    Read it, never write it: tests that change it take a copy."""
    from dispatch_city import build_dispatch_city

    folder = tmp_path_factory.mktemp("dispatch_city")
    settings = dataclasses.replace(load_settings(), db_path=folder / "onemap.duckdb", etl_chunk_rows=1000)
    return build_dispatch_city(settings, folder / "files")


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], bytes]]:
    """The download buttons' callables by file name, as the server would run them on a click."""
    found: dict[str, Callable[[], bytes]] = {}
    original = MediaFileManager.add_deferred

    def recording(self, data, mimetype, coordinates, *, file_name=None, element_id=""):
        found[str(file_name)] = data
        return original(self, data, mimetype, coordinates, file_name=file_name, element_id=element_id)

    monkeypatch.setattr(MediaFileManager, "add_deferred", recording)
    return found

"""The weekly report printed to PDF by headless Chromium: its text (``pdftotext``) holds the figures the dashboard's
panel shows for the same week and area, twice the same; every font is embedded (``pdffonts``); A4 with page
numbers. Needs ``chromium`` and poppler's tools (``scripts/test.sh`` installs both as root): skipped on a
workstation without them, failed in CI (``CI=true``)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from tiny_db import WEST, build_tiny_db

from etl.adjacency import store_adjacency
from reports import files, weekly
from reports.week import Week
from settings import Settings
from views.calls import on
from views.formats import measure_text
from views.pages import map_page
from views.scope import resolve
from views.state import ViewState

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TOOLS = ("chromium", "pdftotext", "pdffonts", "pdfinfo")
WEEK = Week(2024, 21)  # 20–26 May 2024


def _require_tools() -> None:
    missing = [
        tool
        for tool in TOOLS
        if shutil.which(tool) is None and not (tool == "chromium" and shutil.which("chromium-browser"))
    ]
    if missing:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"missing in CI: {missing} (scripts/test.sh installs chromium and poppler-utils)")
        pytest.skip(f"missing: {missing}")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _require_tools()
    path = build_tiny_db(tmp_path_factory.mktemp("pdf") / "onemap.duckdb")
    with duckdb.connect(str(path)) as con:
        store_adjacency(con, tolerance_m=0.5)
    return path


def _pdf(db: Path, out: Path) -> tuple[str, str, str]:
    """The report of WEEK over the west street written to ``out``: its PDF's text, fonts and info."""
    settings = Settings(db_path=db)
    with duckdb.connect(str(db), read_only=True) as con:
        report = weekly.build(WEEK, on(con), settings=settings, area=WEST)
    _, pdf = files.write(report, out)
    run = lambda *command: subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: E731
    return run("pdftotext", "-layout", str(pdf), "-"), run("pdffonts", str(pdf)), run("pdfinfo", str(pdf))


def test_the_pdf_shows_the_dashboards_figures_the_same_twice(db: Path, tmp_path: Path) -> None:
    text, fonts, info = _pdf(db, tmp_path / "first")
    again, _, _ = _pdf(db, tmp_path / "second")
    assert text == again  # the same figures, whatever the PDF's creation time
    settings = Settings(db_path=db)
    with duckdb.connect(str(db), read_only=True) as con:  # what the map page's panel shows for this URL
        run = on(con)
        state = ViewState(preset="custom", start=WEEK.start, end=WEEK.end, area=WEST)
        scope = resolve(state, run, today=dt.date(2024, 6, 30), days=30, overview_depth=2)
        figures = map_page(scope, run, settings=settings, now=dt.datetime(2024, 6, 30, 12)).figures
    shown = [
        f"{int(figures['cases']):,}",
        measure_text("closure_rate", figures["closure_rate"]),
        measure_text("on_time_closure_rate", figures["on_time_closure_rate"]),
    ]
    kpi_rows = {line.split()[0]: line.split()[1] for line in text.splitlines() if len(line.split()) >= 3}
    assert [kpi_rows["案件数"], kpi_rows["结案率"], kpi_rows["按期结案率"]] == shown
    assert "综治中心周报" in text and "西街道" in text and "2024-W21" in text and "领导批示" in text
    assert "第 1 页" in text
    assert "A4" in info or "595.2 x 841.68" in info or "595 x 842" in info
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all(row[-5] == "yes" and row[-3] == "yes" for row in rows)  # embedded, with a ToUnicode map

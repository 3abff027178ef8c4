"""The wall screen in headless Chromium, offline, at 1920×1080 and 3840×2160 (``test_browser.py``'s server,
DevTools client and sign-in): it fills the screen without a scrollbar, its KPI numerals are readable from afar,
nothing leaves the machine, and it updates itself after a load adds cases, the map in place (its document is not
reloaded). Screenshots: ``artifacts/wall-1080.png``, ``artifacts/wall-2160.png``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import WEST_POINT, write_csv
from place_db import build_place_db
from test_browser import (
    DevTools,
    _leaves_machine,
    _poll,
    _save_screenshot,
    _serve,
    _sign_in,
    browser,  # noqa: F401  (a fixture)
)

from etl import api
from etl.sources import SourceOptions
from settings import load_settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]
REFRESH_SECONDS = 3
#: The KPI "intake today" as the page shows it (the place city's last day, 2025-06-07, has three cases).
_INTAKE = "document.querySelector('[data-kpi=\"今日受理\"]')?.innerText"
_MAP = "[...document.querySelectorAll('iframe')].find(f => (f.title || '').includes('wall_map'))"
_FITS = (
    "(() => { const e = document.scrollingElement;"
    " return [e.scrollHeight, innerHeight, e.scrollWidth, innerWidth]; })()"
)


@pytest.fixture
def wall_city(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    db_path = build_place_db(tmp_path)
    env = {"ONEMAP_WALL_REFRESH_SECONDS": str(REFRESH_SECONDS)}
    with _serve(db_path, tmp_path, env) as url:
        yield url, db_path


def _open_wall(tab: DevTools, url: str, width: int, height: int) -> None:
    tab.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
    _sign_in(tab, f"{url}?mode=wall", "wall")
    _poll(lambda: tab.evaluate(_INTAKE), timeout=60, what="the wall's figures")
    _poll(lambda: tab.evaluate(f"{_MAP}?.contentDocument?.body?.dataset?.rendered"), timeout=30, what="the map")


def _check_fits(tab: DevTools, name: str) -> None:
    scroll_height, height, scroll_width, width = tab.evaluate(_FITS)
    assert scroll_height <= height and scroll_width <= width, (scroll_height, height, scroll_width, width)
    # nothing of the page's content hangs below the fold either (hidden overflow would not scroll)
    boxes = tab.evaluate(
        "[...document.querySelectorAll('.wall, iframe')]"
        ".map(e => [e.className || e.title, e.getBoundingClientRect().top, e.getBoundingClientRect().bottom])"
    )
    assert [box for box in boxes if box[2] > height] == [], height
    _save_screenshot(tab, name)


def _more_cases(db_path: Path, n: int) -> None:
    """``n`` more cases on the city's last day, loaded through the ETL (the file is swapped under the server)."""
    settings = dataclasses.replace(load_settings(), db_path=db_path)
    rows = [
        {"事件编号": f"W{i}", "类别编码": "06010", "经度": WEST_POINT[0], "纬度": WEST_POINT[1],
         "上报时间": "2025-06-07 11:00:00"}
        for i in range(n)
    ]  # fmt: skip
    options = SourceOptions(source="wall_test", channel="patrol")
    report = api.load("cases", write_csv(db_path.with_name("more.csv"), rows), options, settings=settings)
    assert report.loaded == n, report.reasons


def test_the_wall_fills_a_1080p_screen_and_updates_itself(
    browser: DevTools,  # noqa: F811
    wall_city: tuple[str, Path],
) -> None:
    url, db_path = wall_city
    browser.record_everything()
    _open_wall(browser, url, 1920, 1080)
    _check_fits(browser, "wall-1080.png")
    size = browser.evaluate("parseFloat(getComputedStyle(document.querySelector('.wall-kpi .value')).fontSize)")
    assert size >= 48, size
    assert browser.evaluate(_INTAKE) == "3"
    browser.evaluate(f"{_MAP}.contentWindow.__born = 'first'")  # gone if the map's document were reloaded
    labels = f"{_MAP}.contentDocument.getElementById('map').innerText"
    assert browser.evaluate(labels).split("\n") == ["西街道", "<5", "东街道", "<5"]  # few cases: hidden
    _more_cases(db_path, 6)
    _poll(lambda: browser.evaluate(_INTAKE) == "9", timeout=10 * REFRESH_SECONDS + 30, what="the wall to refresh")
    # the map shows the new count in place: the same document, its labels restyled
    _poll(lambda: "<5" not in browser.evaluate(labels).split("\n")[:2], timeout=30, what="the map to update")
    assert browser.evaluate(labels).split("\n")[:2] == ["西街道", "10"]
    assert browser.evaluate(f"{_MAP}.contentWindow.__born") == "first"
    assert browser.evaluate("document.querySelector('[data-testid=\"stException\"]')") is None
    _check_fits(browser, "wall-1080-refreshed.png")
    assert [u for u in browser.requested if _leaves_machine(u)] == []
    assert json.dumps(browser.requested).count("leaflet.js") >= 1  # the vendored copy, from this server


def test_the_wall_fills_a_4k_screen(browser: DevTools, wall_city: tuple[str, Path]) -> None:  # noqa: F811
    url, _ = wall_city
    browser.record_everything()
    _open_wall(browser, url, 3840, 2160)
    _check_fits(browser, "wall-2160.png")
    size = browser.evaluate("parseFloat(getComputedStyle(document.querySelector('.wall-kpi .value')).fontSize)")
    assert size >= 96, size  # scaled with the screen
    assert [u for u in browser.requested if _leaves_machine(u)] == []

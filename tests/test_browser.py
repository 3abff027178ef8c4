"""End to end in headless Chromium with every host but localhost unresolvable, as on an intranet:
the overview map's polygons and labels draw, and the page requests nothing from the internet.

Needs the ``chromium`` binary (Debian: ``apt-get install chromium``); skipped without it.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tiny_db import build_tiny_db

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parents[1]

# The streamlit-folium iframe's document, or null before it exists.
_MAP_DOC = "[...document.querySelectorAll('iframe')].find(f => (f.title || '').includes('folium'))?.contentDocument"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _poll(probe: Callable[[], Any], *, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.25)
    raise TimeoutError(f"waited {timeout:.0f} s for {what}")


def _get(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read()
    except OSError:
        return None


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "ONEMAP_DB_PATH": str(build_tiny_db(tmp_path / "onemap.duckdb"))}
    command = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true"]
    server = subprocess.Popen(
        [*command, "--server.port", str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        _poll(lambda: _get(f"http://localhost:{port}/_stcore/health"), timeout=30, what="the Streamlit server")
        yield f"http://localhost:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=10)


class DevTools:
    """Just enough of the Chrome DevTools Protocol: call methods, and record the URLs the page requests."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws
        self._id = 0
        self.requested: list[str] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        self._ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv(timeout=30))
            if message.get("method") == "Network.requestWillBeSent":
                self.requested.append(message["params"]["request"]["url"])
            if message.get("id") == self._id:
                return message.get("result", {})

    def evaluate(self, expression: str) -> Any:
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed")
    websockets_client = pytest.importorskip("websockets.sync.client")
    profile = tmp_path / "chromium-profile"
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1600,1200",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
    ]  # fmt: skip
    process = subprocess.Popen(
        [CHROMIUM, *flags, "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        port = _poll(lambda: port_file.is_file() and port_file.read_text().split("\n")[0], timeout=30, what="Chromium")
        targets = _poll(lambda: _get(f"http://127.0.0.1:{port}/json"), timeout=10, what="DevTools")
        page = next(target for target in json.loads(targets) if target["type"] == "page")
        with websockets_client.connect(page["webSocketDebuggerUrl"], max_size=None) as ws:
            yield DevTools(ws)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_overview_map_draws_offline(app_url: str, browser: DevTools, tmp_path: Path) -> None:
    browser.call("Network.enable")
    browser.call("Page.navigate", url=app_url)
    polygons = _poll(
        lambda: browser.evaluate(f"{_MAP_DOC}?.querySelectorAll('path.leaflet-interactive').length"),
        timeout=60,
        what="the map's polygons",
    )
    assert polygons == 2
    labels = browser.evaluate(f"[...{_MAP_DOC}.querySelectorAll('.leaflet-tooltip')].map(t => t.textContent)")
    assert sorted(labels) == ["东街道", "西街道"]
    external = [url for url in browser.requested if url.startswith(("http://", "https://"))]
    assert [url for url in external if not url.startswith(app_url)] == []
    screenshot = browser.call("Page.captureScreenshot", format="png")["data"]
    (tmp_path / "overview.png").write_bytes(base64.b64decode(screenshot))  # kept by pytest for a look

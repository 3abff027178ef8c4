"""End to end in headless Chromium with every host but localhost unresolvable, as on an intranet: the map page's
vector layers draw, and no request leaves the machine (every URL the page, its frames and workers request is
recorded through the DevTools protocol). The screenshot is kept in ``artifacts/`` for a look.

Needs the ``chromium`` binary: ``scripts/test.sh`` installs Debian's when it runs as root. Without it the test
is skipped on a workstation and fails in CI (``CI=true``), so CI cannot pass without really running it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tiny_db import build_tiny_db

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
#: Hosts a request may go to: this machine.
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}

#: Attach to every frame and worker the page starts, paused until its requests are being recorded.
_AUTO_ATTACH = {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True}
# The streamlit-folium iframe's document, or null before it exists.
_MAP_DOC = "[...document.querySelectorAll('iframe')].find(f => (f.title || '').includes('folium'))?.contentDocument"
# True once the script run is over: no "running" indicator, no element still waiting for its data.
_APP_IDLE = '!document.querySelector(\'[data-testid="stStatusWidget"], [data-testid="stSkeleton"]\')'
# The text of the first exception the app shows, or null.
_APP_ERROR = "document.querySelector('[data-testid=\"stException\"]')?.innerText"
_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1600,1200",
    # Every name but localhost fails to resolve: a request for an internet host cannot succeed.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
]  # fmt: skip


def _missing(what: str) -> None:
    """Skip on a workstation; fail in CI, where the browser test must really run."""
    message = f"{what}; scripts/test.sh installs it when run as root (apt-get install chromium fonts-noto-cjk)"
    if IN_CI:
        pytest.fail(f"CI=true but {message}")
    pytest.skip(message)


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


def _leaves_machine(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme not in {"data", "blob", "about", "chrome", "devtools"} and parts.hostname not in LOCAL_HOSTS


@pytest.mark.parametrize(
    ("url", "leaves"),
    [
        ("http://localhost:8501/app/static/vendor/leaflet.js", False),
        ("ws://127.0.0.1:8501/_stcore/stream", False),
        ("data:image/png;base64,AAAA", False),
        ("https://unpkg.com/leaflet@1.9.3/dist/leaflet.js", True),
        ("http://webrd01.is.autonavi.com/appmaptile?x=1", True),
        ("https://localhost.example.com/x", True),
    ],
)
def test_leaves_machine(url: str, leaves: bool) -> None:
    assert _leaves_machine(url) is leaves


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    with _serve(build_tiny_db(tmp_path / "onemap.duckdb"), tmp_path) as url:
        yield url


@contextlib.contextmanager
def _serve(db_path: Path, tmp_path: Path, **settings: str) -> Iterator[str]:
    """The app on a free port reading ``db_path`` (``settings``: more ``ONEMAP_*`` values); its URL."""
    port = _free_port()
    env = {**os.environ, "ONEMAP_DB_PATH": str(db_path), **{f"ONEMAP_{k.upper()}": v for k, v in settings.items()}}
    command = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true"]
    log = (tmp_path / "streamlit.log").open("wb")  # a file, not a pipe nobody reads: a full pipe blocks the server
    server = subprocess.Popen(
        [*command, "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _poll(lambda: _get(f"http://localhost:{port}/_stcore/health"), timeout=60, what="the Streamlit server")
        yield f"http://localhost:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


class DevTools:
    """Just enough of the Chrome DevTools Protocol: call methods, and record every URL requested by the page and
    by every frame or worker attached to it (out-of-process iframes report through their own sessions)."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws
        self._id = 0
        self.requested: list[str] = []

    def _send(self, method: str, params: dict[str, Any], session: str | None = None) -> int:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self._ws.send(json.dumps(message))
        return self._id

    def _event(self, message: dict[str, Any]) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent":
            self.requested.append(params["request"]["url"])
        elif method == "Network.webSocketCreated":
            self.requested.append(params["url"])
        elif method == "Target.attachedToTarget":
            session = params["sessionId"]
            self._send("Network.enable", {}, session)
            self._send("Target.setAutoAttach", _AUTO_ATTACH, session)
            self._send("Runtime.runIfWaitingForDebugger", {}, session)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        wanted = self._send(method, params)
        while True:
            message = json.loads(self._ws.recv(timeout=30))
            self._event(message)
            if message.get("id") == wanted and "sessionId" not in message:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str) -> Any:
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def record_everything(self) -> None:
        """Record requests of the page and of every frame and worker it starts, each paused until recorded."""
        self.call("Network.enable")
        self.call("Target.setAutoAttach", **_AUTO_ATTACH)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    if CHROMIUM is None:
        _missing("chromium is not installed")
    try:
        from websockets.sync import client as websockets_client
    except ImportError:
        _missing("the websockets package is not installed")
    profile = tmp_path / "chromium-profile"
    process = subprocess.Popen(
        [CHROMIUM, *_FLAGS, "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
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


def _save_screenshot(browser: DevTools, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    path.write_bytes(base64.b64decode(browser.call("Page.captureScreenshot", format="png")["data"]))
    return path


def test_map_page_draws_offline(browser: DevTools, app_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    browser.record_everything()
    browser.call("Page.navigate", url=app_url)  # the map is the app's default page
    # [paths drawn, the app's error] once either shows, else null.
    state = f"(() => {{ const n = {_MAP_DOC}?.querySelectorAll('path.leaflet-interactive').length, e = {_APP_ERROR};"
    state += " return n || e ? [n || 0, e || null] : null; })()"
    try:
        paths, error = _poll(lambda: browser.evaluate(state), timeout=90, what="vector layers in the map")
        assert not error, f"the app failed: {error}"
        # Both streets of the tiny city are drawn and labelled (other layers may add paths of their own).
        assert paths >= 2
        labels = browser.evaluate(f"[...{_MAP_DOC}.querySelectorAll('.leaflet-tooltip')].map(t => t.textContent)")
        assert {"东街道", "西街道"} <= set(labels)
        leaflet = browser.evaluate(f"{_MAP_DOC}.defaultView.L?.version")
        assert leaflet, "Leaflet did not load in the map's frame"
        _poll(lambda: browser.evaluate(_APP_IDLE), timeout=60, what="the page to finish running")
        assert not browser.evaluate(_APP_ERROR)
    finally:
        screenshot = _save_screenshot(browser, "browser-map.png")
        with capsys.disabled():
            print(f"\nscreenshot: {screenshot}")
    assert any(u.startswith(app_url) for u in browser.requested)  # the recording works
    assert [u for u in browser.requested if _leaves_machine(u)] == []


# A data grid's first data row: Streamlit draws tables on a canvas (glide-data-grid), so a row is clicked where it
# is drawn, below the header, in the selection column.
_GRID = "[...document.querySelectorAll('[data-testid=\"stDataFrame\"]')]"
_HEADER_AND_HALF_A_ROW, _SELECTION_COLUMN = 35 + 17, 15


def _texts(browser: DevTools, part: str) -> list[str]:
    """The texts of the app's markdown blocks containing ``part``."""
    script = "[...document.querySelectorAll('[data-testid=\"stMarkdownContainer\"]')].map(e => e.innerText)"
    return [text for text in browser.evaluate(script) if part in text]


def _settled(browser: DevTools) -> None:
    time.sleep(1.0)  # let the click reach the server before asking whether the run is over
    _poll(lambda: browser.evaluate(_APP_IDLE), timeout=90, what="the page to finish running")


def _click_first_row(browser: DevTools, grid: int) -> None:
    """Click the first data row of the ``grid``-th table (negative: from the last), scrolled into view."""
    browser.evaluate(f"{_GRID}.at({grid}).scrollIntoView({{block: 'center'}})")
    time.sleep(0.5)
    left, top = browser.evaluate(
        f"(() => {{ const r = {_GRID}.at({grid}).getBoundingClientRect(); return [r.left, r.top]; }})()"
    )
    x, y = left + _SELECTION_COLUMN, top + _HEADER_AND_HALF_A_ROW
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
        browser.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)


def test_dispatch_page_offline(
    browser: DevTools, dispatch_city, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The dispatch page: switch to English, click a department on the board (its open cases appear), click one of
    them (its timeline appears); nothing is requested from outside the machine."""
    with _serve(dispatch_city.db_path, tmp_path) as app_url:
        browser.record_everything()
        browser.call("Page.navigate", url=f"{app_url}dispatch")
        try:
            _poll(
                lambda: browser.evaluate(_APP_IDLE + " && !!document.querySelector('h2')"), timeout=90, what="the page"
            )
            assert not browser.evaluate(_APP_ERROR)
            switch = "[...document.querySelectorAll('label')].find(l => l.innerText.trim() === 'English')"
            browser.evaluate(f"{switch}.click()")
            _settled(browser)
            assert browser.evaluate("document.querySelector('h2').innerText") == "Dispatch"
            _click_first_row(browser, 0)  # the board: its first row is the most overdue department
            _settled(browser)
            assert _texts(browser, "Open cases of 城管局"), "a click on the board's first row shows 城管局's cases"
            _click_first_row(browser, -1)  # the department's open cases
            _settled(browser)
            assert _texts(browser, "Case timeline: t:L"), "a click on a case shows its timeline"
            paths = browser.evaluate(f"{_MAP_DOC}?.querySelectorAll('path.leaflet-interactive').length")
            assert paths and paths > 2  # the outlines and the cases on the map
            assert not browser.evaluate(_APP_ERROR)
        finally:
            screenshot = _save_screenshot(browser, "browser-dispatch.png")
            with capsys.disabled():
                print(f"\nscreenshot: {screenshot}")
        assert [u for u in browser.requested if _leaves_machine(u)] == []

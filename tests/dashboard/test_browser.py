"""End to end in headless Chromium with every host but localhost unresolvable, as on an intranet: without
credentials only the login page shows, and no data; signed in through the form, each role sees what it allows;
the map page's vector layers draw, and no request leaves the machine (every URL the page, its frames and workers
request is recorded through the DevTools protocol). Screenshots are kept in ``artifacts/`` for a look.

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

import duckdb
import pytest
from place_db import build_place_db
from tiny_db import build_tiny_db

from access import AccessStore
from access.passwords import hash_password

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


#: The users of the browser tests: username → (role, area).
USERS = {
    "wall": ("screen", None),
    "wang": ("analyst", "340102002"),
    "zhou": ("supervisor", None),
    "root": ("admin", None),
}
PASSWORD = "a long enough passphrase"


@pytest.fixture
def app_env() -> dict[str, str]:
    """Settings of the app under test, as ``ONEMAP_*`` environment variables (a test may override it)."""
    return {}


def _located(db: Path) -> Path:
    """The tiny database with its cases placed in their communities (alerts and points need coordinates)."""
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE cases SET lon = 117.12, lat = 31.05 WHERE grid_l3 = '340102001001'")
        con.execute("UPDATE cases SET lon = 117.17, lat = 31.05 WHERE grid_l3 = '340102001002'")
        con.execute("UPDATE cases SET lon = 117.05, lat = 31.05 WHERE grid_l3 = '340102002001'")
    return db


@pytest.fixture
def app_url(tmp_path: Path, app_env: dict[str, str]) -> Iterator[str]:
    db_path = build_tiny_db(tmp_path / "onemap.duckdb")
    if app_env.get("located"):
        db_path = _located(db_path)
    with _serve(db_path, tmp_path, app_env) as url:
        yield url


@pytest.fixture
def place_url(tmp_path: Path) -> Iterator[str]:
    """The app on the place city (cameras and their alarms, sensors, attributes, ledgers: tests/place_db.py)."""
    with _serve(build_place_db(tmp_path), tmp_path) as url:
        yield url


@contextlib.contextmanager
def _serve(db_path: Path, tmp_path: Path, app_env: dict[str, str] | None = None) -> Iterator[str]:
    """The app on a free port reading ``db_path``, the test users in its store (``app_env``: more ``ONEMAP_*``
    settings); its URL."""
    store = AccessStore(db_path.with_name("access.sqlite3"))
    for username, (role, area) in USERS.items():
        store.create_user(
            username, role=role, area=area, password_hash=hash_password(PASSWORD), must_change_password=False
        )
    port = _free_port()
    settings = {name: value for name, value in (app_env or {}).items() if name.startswith("ONEMAP_")}
    env = {**os.environ, "ONEMAP_DB_PATH": str(db_path), "ONEMAP_CONFIG": str(tmp_path / "no-such.toml"), **settings}
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


def _wait_idle(browser: DevTools) -> None:
    _poll(lambda: browser.evaluate(_APP_IDLE), timeout=60, what="the page to finish running")


def _page_text(browser: DevTools) -> str:
    return browser.evaluate("document.body.innerText") or ""


def _sign_in(browser: DevTools, app_url: str, username: str, password: str = PASSWORD) -> None:
    """Open the app and sign in through its form, typing as a person would."""
    browser.call("Page.navigate", url=app_url)
    inputs = "[...document.querySelectorAll('[data-testid=\"stForm\"] input')]"
    _poll(lambda: browser.evaluate(f"{inputs}.length") == 2, timeout=90, what="the login form")
    for index, text in enumerate((username, password)):
        browser.evaluate(f"{inputs}[{index}].focus()")
        browser.call("Input.insertText", text=text)
    browser.evaluate("document.querySelector('[data-testid=\"stFormSubmitButton\"] button').click()")
    _poll(lambda: not browser.evaluate(f"{inputs}.length"), timeout=60, what="the sign-in to finish")
    _wait_idle(browser)


def _save_screenshot(browser: DevTools, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    path.write_bytes(base64.b64decode(browser.call("Page.captureScreenshot", format="png")["data"]))
    return path


def _login_shown(browser: DevTools) -> bool:
    """Whether the whole login form is on the page (its user name and password fields)."""
    return {"用户名", "密码"} <= set(_page_text(browser).split("\n"))


def test_without_credentials_only_the_login_page_shows(browser: DevTools, app_url: str) -> None:
    browser.record_everything()
    for url in (app_url, f"{app_url}?area=340102001&period=last_month", f"{app_url}overview"):
        browser.call("Page.navigate", url=url)
        _poll(lambda: _login_shown(browser) and browser.evaluate(_APP_IDLE), timeout=90, what="the login")
        text = _page_text(browser)
        assert "用户名" in text and "密码" in text
        for data in ("上报案件", "东街道", "西街道", "测试区", "结案率", "导出"):  # no figure, no place, no export
            assert data not in text, (url, data)
        assert browser.evaluate("document.querySelectorAll('iframe, [data-testid=\"stMetric\"]').length") == 0
    _save_screenshot(browser, "browser-login.png")
    assert [u for u in browser.requested if _leaves_machine(u)] == []


@pytest.mark.parametrize(
    ("username", "downloads", "pages", "absent"),
    [
        ("wall", 0, {"一张图", "总览", "我的账号"}, {"审计日志", "用户管理", "系统设置"}),
        ("wang", 4, {"一张图", "总览", "我的账号"}, {"审计日志", "用户管理", "系统设置"}),
        ("zhou", 4, {"审计日志"}, {"用户管理", "系统设置"}),
        ("root", 4, {"审计日志", "用户管理", "系统设置"}, set()),
    ],
)
def test_each_role_sees_what_it_allows(
    browser: DevTools, app_url: str, username: str, downloads: int, pages: set[str], absent: set[str]
) -> None:
    _sign_in(browser, app_url, username)
    _poll(lambda: browser.evaluate(f"{_MAP_DOC}?.querySelectorAll('path').length"), timeout=90, what="the map")
    _wait_idle(browser)
    text = _page_text(browser)
    nav = browser.evaluate("document.querySelector('[data-testid=\"stSidebarNav\"]')?.innerText") or ""
    assert not browser.evaluate(_APP_ERROR)
    assert pages <= set(nav.split("\n")) and not absent & set(nav.split("\n")), nav
    assert browser.evaluate("document.querySelectorAll('[data-testid=\"stDownloadButton\"]').length") == downloads
    assert ("大屏账号只显示汇总，不显示单个案件" in text) is (username == "wall")
    if username == "wang":  # bound to the west street: it is the top of the breadcrumb, the east street absent
        assert "西街道" in text and "东街道" not in text and "限于区域：西街道" in text
    _save_screenshot(browser, f"browser-{USERS[username][0]}.png")


def test_map_page_draws_offline(browser: DevTools, app_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    browser.record_everything()
    _sign_in(browser, app_url, "root")  # the map is the app's default page
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


# Each open name label: [text, its box's centre minus where its area's label point is, in px (x, y)].
_LABEL_OFFSETS = f"""(() => {{ const d = {_MAP_DOC}, w = d?.defaultView;
    const map = w && w.L && Object.values(w).find(v => v instanceof w.L.Map); if (!map) return null;
    const box = map.getContainer().getBoundingClientRect(), out = [];
    map.eachLayer(l => {{ const t = l.getTooltip && l.getTooltip();
        if (!t || !l.isTooltipOpen() || !(t.options.className || '').includes('onemap-grid-label')) return;
        const want = map.latLngToContainerPoint(t.getLatLng()), r = t.getElement().getBoundingClientRect();
        out.push([t.getContent(), r.left + r.width / 2 - box.left - want.x, r.top + r.height / 2 - box.top - want.y]);
    }});
    return out.length ? out : null; }})()"""


@pytest.mark.parametrize("page", ["", "overview"])  # the overview's map is below the fold
def test_area_names_sit_on_their_areas_on_a_full_page_load(browser: DevTools, app_url: str, page: str) -> None:
    _sign_in(browser, app_url, "root")
    if page:
        _open_nav(browser, page)
    labels = _poll(lambda: browser.evaluate(_LABEL_OFFSETS), timeout=90, what="the area names on the map")
    _poll(lambda: browser.evaluate(_APP_IDLE), timeout=60, what="the page to finish running")
    time.sleep(2)  # leaflet.css and the frame's layout have arrived: nothing may move a name after this
    labels = browser.evaluate(_LABEL_OFFSETS)
    assert {name for name, _, _ in labels} == {"东街道", "西街道"}
    for name, dx, dy in labels:
        assert abs(dx) <= 2 and abs(dy) <= 2, f"{name} is drawn {dx:.0f}, {dy:.0f} px off its area"


def _text_of(testid: str, label: str) -> str | None:
    """The text a labelled box (``stSelectbox``) shows, found by its label."""
    return f"""[...document.querySelectorAll('[data-testid="{testid}"]')]
        .find(w => w.querySelector('label')?.innerText.trim() === {json.dumps(label)})
        ?.querySelector('input[role=combobox]')?.value ?? null"""


def _click_language(name: str) -> str:
    return f"[...document.querySelectorAll('label')].find(l => l.innerText.trim() === {json.dumps(name)}).click()"


def _open_nav(browser: DevTools, page: str) -> None:
    """Follow the sidebar's link to ``page`` (in the same session, as a click does)."""
    link = f"[...document.querySelectorAll('[data-testid=\"stSidebarNavLink\"]')].find(a => a.href.endsWith('/{page}'))"
    _poll(lambda: browser.evaluate(f"!!{link}"), timeout=30, what=f"the link to {page}")
    browser.evaluate(f"{link}.click()")
    _wait_idle(browser)


def _open_page(browser: DevTools, app_url: str) -> None:
    _sign_in(browser, app_url, "root")
    _poll(lambda: browser.evaluate(_text_of("stSelectbox", "时间范围")), timeout=90, what="the period box")
    _poll(lambda: browser.evaluate(_APP_IDLE), timeout=60, what="the page to finish running")


def test_a_filter_list_offers_its_values_only(browser: DevTools, app_url: str) -> None:
    _open_page(browser, app_url)
    # no "Select all" (English whatever the language, and no use: an empty filter is all of them)
    box = """[...document.querySelectorAll('[data-testid="stMultiSelect"]')]
        .find(w => w.querySelector('label')?.innerText.trim() === '来源渠道').querySelector('input')"""
    browser.evaluate(f"{box}.scrollIntoView({{block: 'center'}})")  # below the page list in a short sidebar
    time.sleep(0.5)
    browser.evaluate(f"{box}.click()")
    options = _poll(
        lambda: browser.evaluate("[...document.querySelectorAll('[role=option]')].map(o => o.innerText.trim())"),
        timeout=10,
        what="the channel list",
    )
    assert "12345热线" in options and not [o for o in options if "Select all" in o]


def test_the_boxes_follow_the_language(browser: DevTools, app_url: str) -> None:
    _open_page(browser, app_url)
    assert browser.evaluate(_text_of("stSelectbox", "时间范围")) == "近30天"
    assert browser.evaluate(_text_of("stSelectbox", "分级设色指标")) == "案件数"
    browser.evaluate(_click_language("English"))
    _poll(lambda: browser.evaluate(_text_of("stSelectbox", "Period")), timeout=60, what="the English boxes")
    _poll(lambda: browser.evaluate(_APP_IDLE), timeout=60, what="the page to finish running")
    assert browser.evaluate(_text_of("stSelectbox", "Period")) == "Last 30 days"
    assert browser.evaluate(_text_of("stSelectbox", "Shade areas by")) == "Cases"


# Every legend's visible box and every control's box, and which legends meet a control.
_LEGEND_OVERLAPS = f"""(() => {{ const d = {_MAP_DOC};
    const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const controls = [...d.querySelectorAll('.leaflet-control-layers, .leaflet-control-zoom')]
        .map(e => e.getBoundingClientRect());
    const legends = [...d.querySelectorAll('.onemap-legend')].map(e => {{
        const r = e.getBoundingClientRect(), c = e.parentElement.getBoundingClientRect();  // what its corner shows
        return {{left: r.left, right: r.right, top: Math.max(r.top, c.top), bottom: Math.min(r.bottom, c.bottom)}};
    }});
    return [legends.length, legends.filter(l => l.bottom > l.top && controls.some(c => hit(l, c))).length];
}})()"""
_ALL_LAYERS_ON = f"""{_MAP_DOC}.querySelectorAll('.leaflet-control-layers-overlays input[type=checkbox]')
    .forEach(box => {{ if (!box.checked) box.click(); }})"""


# a small map of located cases (alerts, points): the legends would reach the controls
@pytest.mark.parametrize("app_env", [{"ONEMAP_MAP_HEIGHT": "300", "located": "yes"}])
def test_legends_never_cover_the_controls(browser: DevTools, app_url: str) -> None:
    _sign_in(browser, app_url, "root")
    _poll(lambda: browser.evaluate(_LABEL_OFFSETS), timeout=90, what="the map")
    browser.evaluate(_ALL_LAYERS_ON)
    time.sleep(1)
    legends, overlapping = browser.evaluate(_LEGEND_OVERLAPS)
    assert legends >= 2 and overlapping == 0


#: Paths Leaflet drew in the map's frame (areas, markers), or null before the frame exists.
_MAP_PATHS = f"{_MAP_DOC}?.querySelectorAll('path.leaflet-interactive').length"


def _open(browser: DevTools, url: str, *, ready: str, what: str) -> None:
    """Open ``url`` and sign in there (a full page load is a new session), then wait until ``ready`` (a JS
    expression) holds and the app has finished running."""
    _sign_in(browser, url, "root")
    state = f"(() => {{ const ok = {ready}, e = {_APP_ERROR}; return ok || e ? [!!ok, e || null] : null; }})()"
    ok, error = _poll(lambda: browser.evaluate(state), timeout=120, what=what)
    assert not error, f"the app failed: {error}"
    _poll(lambda: browser.evaluate(_APP_IDLE), timeout=60, what="the page to finish running")
    time.sleep(1.0)  # the map frame paints its last layer
    assert ok and not browser.evaluate(_APP_ERROR)


def test_video_and_area_pages_draw_offline(
    browser: DevTools, place_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    browser.record_everything()
    # a tall window: each screenshot shows its whole page
    browser.call("Emulation.setDeviceMetricsOverride", width=1600, height=3200, deviceScaleFactor=1, mobile=False)
    view = "period=custom&start=2025-06-01&end=2025-06-03"
    shots = []
    try:
        # 视频: the funnel chart and the three cameras (with the two streets) on the map
        plot = "document.querySelector('.js-plotly-plot .funnellayer')"
        _open(browser, f"{place_url}video?{view}", ready=f"{plot} && ({_MAP_PATHS} || 0) >= 5", what="the video page")
        text = browser.evaluate("document.body.innerText")
        assert "视频智能发现闭环" in text and "场景覆盖" in text and "闭环漏斗" in text
        legend = browser.evaluate(f"{_MAP_DOC}.querySelector('.onemap-legend')?.innerText")
        assert legend and "日均告警" in legend
        shots.append(_save_screenshot(browser, "browser-video.png"))
        # 区域画像 of the west community: six elements, what is absent says so, its life circle and ledger
        _open(browser, f"{place_url}area?{view}&area=340104001001", ready=f"({_MAP_PATHS} || 0) >= 1",
              what="the area page")  # fmt: skip
        text = browser.evaluate("document.body.innerText")
        for heading in ("人", "地", "事", "物", "情", "组织", "15分钟生活圈", "一表一账"):
            assert heading in text, heading
        assert "未接入" in text  # components: the city surveyed none (tables draw on a canvas, not in the text)
        shots.append(_save_screenshot(browser, "browser-area.png"))
    finally:
        if not shots:
            shots.append(_save_screenshot(browser, "browser-video.png"))
        with capsys.disabled():
            print("\nscreenshots: " + ", ".join(str(shot) for shot in shots))
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
        _sign_in(browser, f"{app_url}dispatch", "root")
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

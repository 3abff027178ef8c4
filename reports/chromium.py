"""Headless Chromium through its DevTools protocol: printing a page to PDF (the weekly report) and taking
screenshots (``scripts/screenshot.py``). Started with the flags an intranet machine needs: no background
networking, no component updates, no sync, nothing fetched but the page itself."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)


class ChromiumMissingError(RuntimeError):
    """No Chromium to print or photograph with."""


def executable() -> str:
    """The Chromium binary on this machine, or ``ChromiumMissingError`` saying how to install it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise ChromiumMissingError("Chromium is not installed: `apt-get install chromium fonts-noto-cjk` (Debian)")
    return found


def _poll(probe: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.1)
    raise TimeoutError(f"waited {timeout:.0f} s for {what}")


class Page:
    """One page of a running Chromium: ``call`` a DevTools method, ``evaluate`` JavaScript."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws
        self._id = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        wanted = self._id
        self._ws.send(json.dumps({"id": wanted, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv(timeout=120))
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str) -> Any:
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def screenshot(self) -> bytes:
        return base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])


@contextmanager
def page(*, width: int = 1600, height: int = 1200, extra: tuple[str, ...] = ()) -> Iterator[Page]:
    """A headless Chromium page of ``width`` × ``height`` CSS pixels, closed afterwards."""
    from websockets.sync import client

    with tempfile.TemporaryDirectory() as profile:
        process = subprocess.Popen(
            [executable(), *FLAGS, *extra, f"--window-size={width},{height}", "--remote-debugging-port=0",
             f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            port = _poll(lambda: port_file.is_file() and port_file.read_text().split("\n")[0], 30, "Chromium")
            targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=5).read())
            target = next(t for t in targets if t["type"] == "page")
            with client.connect(target["webSocketDebuggerUrl"], max_size=None) as ws:
                tab = Page(ws)
                tab.call(
                    "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False
                )
                yield tab
        finally:
            process.terminate()
            process.wait(timeout=10)


def html_to_pdf(html_file: Path, *, footer: str) -> bytes:
    """``html_file`` printed to an A4 PDF with its backgrounds, ``footer`` (HTML, may hold the spans
    ``pageNumber``/``totalPages``) at the bottom of every page. Fonts used are embedded by Chromium."""
    with page() as tab:
        tab.call("Page.enable")
        tab.call("Page.navigate", url=html_file.resolve().as_uri())
        _poll(lambda: tab.evaluate("document.readyState") == "complete", 60, "the report to load")
        result = tab.call(
            "Page.printToPDF",
            paperWidth=8.27,
            paperHeight=11.69,
            marginTop=0.55,
            marginBottom=0.65,
            marginLeft=0.55,
            marginRight=0.55,
            printBackground=True,
            displayHeaderFooter=True,
            headerTemplate="<span></span>",
            footerTemplate=footer,
            preferCSSPageSize=True,
        )
    return base64.b64decode(result["data"])

"""Screenshot a page of the running app in headless Chromium, as a person would see it (a developer's tool).

    .venv/bin/python scripts/screenshot.py http://localhost:8501/trends out.png --size 1600x1200 \\
        --click "研判" --wait 5

Waits until the app has finished running (no "running" indicator, no skeleton), optionally clicks the buttons
whose text is given (in order, waiting after each), and saves a PNG. Chromium runs with the flags an intranet
machine needs (no background networking). Needs Debian's chromium and the websockets package (test tools).
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from websockets.sync import client

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
]
# The app has drawn something in its main area and is not running (no "running" widget, no skeleton).
IDLE = (
    '!!document.querySelector(\'[data-testid="stMain"] [data-testid="stElementContainer"]\')'
    ' && !document.querySelector(\'[data-testid="stStatusWidget"], [data-testid="stSkeleton"]\')'
)


def _settled(evaluate: Any, timeout: float = 120) -> None:
    """Wait until the app is idle on three checks in a row, half a second apart (a rerun may start late)."""
    deadline, streak = time.monotonic() + timeout, 0
    while streak < 3:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the app did not settle in {timeout:.0f} s")
        streak = streak + 1 if evaluate(IDLE) else 0
        time.sleep(0.5)


def _poll(probe: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.25)
    raise TimeoutError(f"waited {timeout:.0f} s")


def shoot(url: str, out: Path, *, width: int, height: int, clicks: list[str], wait: float) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        process = subprocess.Popen(
            [
                chromium,
                *FLAGS,
                f"--window-size={width},{height}",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            port = _poll(lambda: port_file.is_file() and port_file.read_text().split("\n")[0], 30)
            targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=5).read())
            page = next(t for t in targets if t["type"] == "page")
            with client.connect(page["webSocketDebuggerUrl"], max_size=None) as ws:
                ids = iter(range(1, 10**6))

                def call(method: str, **params: Any) -> dict[str, Any]:
                    wanted = next(ids)
                    ws.send(json.dumps({"id": wanted, "method": method, "params": params}))
                    while True:
                        message = json.loads(ws.recv(timeout=60))
                        if message.get("id") == wanted:
                            return message.get("result", {})

                def evaluate(expression: str) -> Any:
                    return call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

                call(
                    "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False
                )
                call("Page.navigate", url=url)
                _settled(evaluate)
                for text in clicks:
                    found = evaluate(
                        f"(() => {{ const b = [...document.querySelectorAll('button, [role=tab], label')]"
                        f".find(e => e.innerText.trim() === {json.dumps(text)}); if (b) {{ b.click(); return true; }}"
                        " return false; })()"
                    )
                    if not found:
                        raise SystemExit(f"no button {text!r} on the page")
                    time.sleep(0.5)
                    _settled(evaluate)
                time.sleep(wait)
                out.write_bytes(base64.b64decode(call("Page.captureScreenshot", format="png")["data"]))
        finally:
            process.terminate()
            process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", default="1600x1200", help="WIDTHxHEIGHT")
    parser.add_argument("--click", action="append", default=[], help="text of a button to click (repeatable)")
    parser.add_argument("--wait", type=float, default=3.0, help="seconds to wait before the shot (maps draw)")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    shoot(args.url, args.out, width=width, height=height, clicks=args.click, wait=args.wait)
    print(args.out)


if __name__ == "__main__":
    main()

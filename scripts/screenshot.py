"""Screenshot a page of the running app in headless Chromium, as a person would see it (a developer's tool).

    ONEMAP_PASSWORD=… .venv/bin/python scripts/screenshot.py http://localhost:8501/trends out.png \\
        --user admin --size 1600x1200 --click "研判" --wait 5

Signs in through the login form when ``--user`` is given (the password from ``ONEMAP_PASSWORD``), waits until the
app has finished running (no "running" indicator, no skeleton), optionally clicks the buttons whose text is given
(in order, waiting after each), and saves a PNG. Chromium runs with the flags an intranet machine needs
(``reports/chromium.py``: no background networking).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reports.chromium import page

# The app has drawn something in its main area and is not running (no "running" widget, no skeleton).
IDLE = (
    '!!document.querySelector(\'[data-testid="stMain"] [data-testid="stElementContainer"]\')'
    ' && !document.querySelector(\'[data-testid="stStatusWidget"], [data-testid="stSkeleton"]\')'
)
LOGIN_INPUTS = "[...document.querySelectorAll('[data-testid=\"stForm\"] input')]"


def _settled(evaluate: Any, timeout: float = 120) -> None:
    """Wait until the app is idle on three checks in a row, half a second apart (a rerun may start late)."""
    deadline, streak = time.monotonic() + timeout, 0
    while streak < 3:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the app did not settle in {timeout:.0f} s")
        streak = streak + 1 if evaluate(IDLE) else 0
        time.sleep(0.5)


def _sign_in(tab: Any, user: str, password: str) -> None:
    deadline = time.monotonic() + 60
    while tab.evaluate(f"{LOGIN_INPUTS}.length") != 2:
        if time.monotonic() > deadline:
            raise SystemExit("no login form on the page")
        time.sleep(0.25)
    for index, text in enumerate((user, password)):
        tab.evaluate(f"{LOGIN_INPUTS}[{index}].focus()")
        tab.call("Input.insertText", text=text)
    tab.evaluate("document.querySelector('[data-testid=\"stFormSubmitButton\"] button').click()")
    time.sleep(1.0)


def shoot(url: str, out: Path, *, width: int, height: int, clicks: list[str], wait: float, user: str | None) -> None:
    with page(width=width, height=height) as tab:
        tab.call("Page.navigate", url=url)
        if user:
            _sign_in(tab, user, os.environ.get("ONEMAP_PASSWORD", ""))
        _settled(tab.evaluate)
        for text in clicks:
            found = tab.evaluate(
                f"(() => {{ const b = [...document.querySelectorAll('button, [role=tab], label')]"
                f".find(e => e.innerText.trim() === {json.dumps(text)}); if (b) {{ b.click(); return true; }}"
                " return false; })()"
            )
            if not found:
                raise SystemExit(f"no button {text!r} on the page")
            time.sleep(0.5)
            _settled(tab.evaluate)
        time.sleep(wait)
        out.write_bytes(tab.screenshot())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", default="1600x1200", help="WIDTHxHEIGHT")
    parser.add_argument("--user", help="sign in as this user (password from ONEMAP_PASSWORD)")
    parser.add_argument("--click", action="append", default=[], help="text of a button to click (repeatable)")
    parser.add_argument("--wait", type=float, default=3.0, help="seconds to wait before the shot (maps draw)")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    shoot(args.url, args.out, width=width, height=height, clicks=args.click, wait=args.wait, user=args.user)
    print(args.out)


if __name__ == "__main__":
    main()

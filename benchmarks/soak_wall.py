"""Soak test of the wall screen: a Streamlit server on this machine's loopback serving ``--db``, one headless
Chromium signed in as a ``screen`` user showing ``?mode=wall``, refreshing every ``--interval`` seconds until
``--refreshes`` refreshes have been drawn (or ``--minutes`` have passed). Prints the server's resident memory
after the warm-up and at the end (growth must stay ≤ 10 %), and every error: an exception on the page, a traceback
in the server's log, a refresh that did not come.

    .venv/bin/python benchmarks/soak_wall.py --db /tmp/soak/onemap.duckdb --refreshes 1000 --interval 0.2

A user ``soak_wall`` (role screen) is added to the access store beside the database when missing.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from access import AccessStore  # noqa: E402
from access.passwords import hash_password  # noqa: E402
from reports.chromium import Page, page  # noqa: E402

USER = "soak_wall"
#: The refresh counter the wall's map writes into its document (``dashboard/wall_map.py``'s stamp).
STAMP = "[...document.querySelectorAll('iframe')].find(f => (f.title || '').includes('wall_map'))" \
        "?.contentDocument?.body?.dataset?.rendered"  # fmt: skip
ERROR = "document.querySelector('[data-testid=\"stException\"]')?.innerText"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    """Resident memory of process ``pid`` (the server), in KiB, from /proc."""
    total = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total += int(line.split()[1])
    return total


def _wait(probe: Callable[[], Any], *, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"waited {timeout:.0f} s for {what}")


def _sign_in(tab: Page, url: str, password: str) -> None:
    tab.call("Page.navigate", url=url)
    inputs = "[...document.querySelectorAll('[data-testid=\"stForm\"] input')]"
    _wait(lambda: tab.evaluate(f"{inputs}.length") == 2, timeout=90, what="the login form")
    for index, text in enumerate((USER, password)):
        tab.evaluate(f"{inputs}[{index}].focus()")
        tab.call("Input.insertText", text=text)
    tab.evaluate("document.querySelector('[data-testid=\"stFormSubmitButton\"] button').click()")
    _wait(lambda: tab.evaluate(STAMP) is not None, timeout=120, what="the wall")


def soak(db: Path, *, refreshes: int, interval: float, minutes: float, warmup: int) -> int:
    password = secrets.token_urlsafe(16)
    store = AccessStore(db.with_name("access.sqlite3"))
    if store.user(USER) is None:
        store.create_user(USER, role="screen", area=None, password_hash=hash_password(password),
                          must_change_password=False)  # fmt: skip
    else:
        store.set_password_hash(USER, hash_password(password), must_change=False)
    port = _free_port()
    env = {**os.environ, "ONEMAP_DB_PATH": str(db), "ONEMAP_WALL_REFRESH_SECONDS": str(interval)}
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "streamlit.log"
        with log_path.open("wb") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
                 "--server.port", str(port), "--server.address", "127.0.0.1"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            try:
                url = f"http://127.0.0.1:{port}/"
                _wait(lambda: _healthy(url), timeout=60, what="the server")
                return _drive(url, server.pid, password, log_path,
                              refreshes=refreshes, minutes=minutes, warmup=warmup)  # fmt: skip
            finally:
                server.terminate()
                server.wait(timeout=20)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}_stcore/health", timeout=2):
            return True
    except OSError:
        return False


def _drive(url: str, pid: int, password: str, log: Path, *, refreshes: int, minutes: float, warmup: int) -> int:
    errors: list[str] = []
    with page(width=1920, height=1080) as tab:
        _sign_in(tab, f"{url}?mode=wall", password)
        start, deadline = time.monotonic(), time.monotonic() + minutes * 60
        first = int(tab.evaluate(STAMP))
        seen, baseline, peak, stalled, report = first, None, 0, time.monotonic(), 100
        while seen - first < refreshes and time.monotonic() < deadline:
            time.sleep(0.05)
            stamp = tab.evaluate(STAMP)
            if stamp is not None and int(stamp) != seen:
                seen, stalled = int(stamp), time.monotonic()
                if baseline is None and seen - first >= warmup:
                    baseline = rss_kib(pid)
                peak = max(peak, rss_kib(pid))
                if seen - first >= report:
                    report += 100
                    mib, spent = rss_kib(pid) / 1024, time.monotonic() - start
                    print(f"{seen - first:5d} refreshes  {spent:6.0f} s  server RSS {mib:7.1f} MiB", flush=True)
            problem = tab.evaluate(ERROR)
            if problem:
                errors.append(f"page: {problem[:200]}")
                break
            if time.monotonic() - stalled > 60:
                errors.append(f"no refresh for 60 s after {seen - first}")
                break
        done, elapsed, end = seen - first, time.monotonic() - start, rss_kib(pid)
    tracebacks = log.read_text(errors="replace").count("Traceback")
    if tracebacks:
        errors.append(f"{tracebacks} tracebacks in the server's log")
    if baseline is None:
        errors.append(f"only {done} refreshes: none after the warm-up of {warmup}")
        baseline = end
    growth = (end - baseline) / baseline
    print(f"refreshes {done} in {elapsed:.0f} s ({elapsed / max(done, 1):.2f} s each)")
    print(f"server RSS after {warmup} refreshes {baseline / 1024:.1f} MiB, at the end {end / 1024:.1f} MiB, "
          f"peak {peak / 1024:.1f} MiB: growth {growth:+.1%}")  # fmt: skip
    print(f"errors: {len(errors)}" + "".join(f"\n  {error}" for error in errors))
    return 0 if not errors and growth <= 0.10 and done >= 1000 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="the database to serve (a demo or a copy)")
    parser.add_argument("--refreshes", type=int, default=1000, help="refreshes to drive (default 1000)")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between refreshes (default 0.2)")
    parser.add_argument("--minutes", type=float, default=20, help="stop after this long whatever the count")
    parser.add_argument("--warmup", type=int, default=50, help="refreshes before the memory baseline")
    args = parser.parse_args(argv)
    if not args.db.is_file():
        parser.error(f"no database at {args.db}; build one with `python -m demo --db {args.db} --cases 20000`")
    return soak(args.db, refreshes=args.refreshes, interval=args.interval, minutes=args.minutes, warmup=args.warmup)


if __name__ == "__main__":
    raise SystemExit(main())

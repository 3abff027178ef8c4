"""The overview's weekly report buttons in AppTest: offered to a reader who may export, the report built on a
click for the page's area and the week its period ends in, confined to the reader's area, and audited; a wall
screen account gets no button."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from signed_in import signed_in
from streamlit.testing.v1 import AppTest
from tiny_db import WEST, build_tiny_db

from access import AccessStore
from etl.adjacency import store_adjacency

ROOT = Path(__file__).resolve().parents[2]
OVERVIEW = "dashboard/pages/overview.py"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = build_tiny_db(tmp_path / "onemap.duckdb")
    with duckdb.connect(str(path)) as con:
        store_adjacency(con, tolerance_m=0.5)
    return path


def overview(db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **who: str | None) -> AppTest:
    monkeypatch.setenv("ONEMAP_DB_PATH", str(db_path))
    monkeypatch.setenv("ONEMAP_CONFIG", str(tmp_path / "no-such.toml"))
    monkeypatch.chdir(ROOT)
    app = signed_in(AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60), db_path, **who)  # type: ignore[arg-type]
    app.query_params.update({"period": "custom", "start": "2024-05-20", "end": "2024-05-26"})
    app.run()
    return app.switch_page(OVERVIEW).run()


def test_an_analyst_downloads_the_report_of_their_area_audited(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, downloads: dict[str, Callable[[], bytes]]
) -> None:
    app = overview(db_path, tmp_path, monkeypatch, role="analyst", area=WEST, username="wang")
    assert not app.exception, [e.message for e in app.exception]
    labels = [b.proto.label for b in app.get("download_button")]
    assert "周报（HTML）" in labels and "周报（PDF）" in labels
    html = downloads["onemap_weekly_2024-W21.html"]().decode("utf-8")
    assert "西街道" in html and "2024-W21（2024-05-20 至 2024-05-26）" in html
    assert "东街道" not in html  # confined to the reader's street
    row = AccessStore(db_path.with_name("access.sqlite3")).audit(actions=["report_download"]).iloc[0]
    assert (row["username"], row["area"], row["detail"]) == ("wang", WEST, "weekly 2024-W21 html")


def test_a_wall_screen_account_gets_no_report(db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = overview(db_path, tmp_path, monkeypatch, role="screen")
    assert not app.exception
    assert not [b for b in app.get("download_button") if "周报" in b.proto.label]

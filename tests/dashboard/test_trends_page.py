"""The 研判 page in AppTest on the tiny database: every section runs in both languages, the hotspot table can be
downloaded in the command line's form, and an older database without neighbours gets a clear message."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from signed_in import signed_in
from streamlit.testing.v1 import AppTest
from tiny_db import EAST, build_tiny_db

from etl.adjacency import store_adjacency

ROOT = Path(__file__).resolve().parents[2]
PAGE = "dashboard/pages/trends.py"
SECTIONS = ("series", "rising", "spikes", "hotspots", "emerging", "recurrence", "playback")


def app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, neighbours: bool = True, sql: tuple[str, ...] = ()
) -> AppTest:
    """The page on the tiny database, after ``sql`` (changes to its rows)."""
    db = build_tiny_db(tmp_path / "onemap.duckdb")
    with duckdb.connect(str(db)) as con:
        if neighbours:
            store_adjacency(con, tolerance_m=0.5)
        for statement in sql:
            con.execute(statement)
    monkeypatch.setenv("ONEMAP_DB_PATH", str(db))
    monkeypatch.setenv("ONEMAP_CONFIG", str(tmp_path / "no-such.toml"))
    monkeypatch.chdir(ROOT)
    test = signed_in(AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60), db)
    test.run()
    return test.switch_page(PAGE).run()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_section_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    test = app(tmp_path, monkeypatch)
    test.sidebar.radio(key="lang").set_value(lang).run()
    assert not test.exception
    assert test.header[0].value == ("研判" if lang == "zh" else "Trends")
    for section in SECTIONS:
        test.session_state["trends_section"] = section
        test.run()
        assert not test.exception, (section, [e.message for e in test.exception])
    test.session_state["trends_section"] = "hotspots"
    test.run()
    (button,) = [b for b in test.get("download_button") if b.proto.label == "CSV"]
    assert button.proto.deferred_file_id or button.proto.url  # the download is there


def test_drilled_into_a_street_the_levels_below_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    test = app(tmp_path, monkeypatch)
    test.session_state["onemap_view"] = test.session_state["onemap_view"].replace(area=EAST)
    test.run()
    assert not test.exception
    assert test.selectbox(key="trends_level").options == ["社区", "网格", "微网格"]


def test_an_older_database_says_how_to_derive_the_neighbours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    test = app(tmp_path, monkeypatch, neighbours=False)
    test.session_state["trends_section"] = "hotspots"
    test.run()
    assert any("python -m etl --db FILE init" in e.value for e in test.error), [e.message for e in test.exception]


def test_the_recurrence_section_lists_the_first_sent_back_and_bounds_the_near_repeat_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONEMAP_REPEAT_MAX_REPORTS", "2")
    located = "UPDATE cases SET lon = 117.12, lat = 31.05 WHERE category_code = '06010'"
    sent_back = "UPDATE cases SET rework_count = 1 WHERE case_uid IN ('t:3', 't:5')"
    test = app(tmp_path, monkeypatch, sql=(located, sent_back))
    test.session_state["trends_section"] = "recurrence"
    test.run()
    assert not test.exception, [e.message for e in test.exception]
    # the last 30 days of the data (05-01 … 05-30): 06010, the busiest class, has t:1 t:3 t:9 located, more than 2
    assert any("3 件有位置的上报，超过近重复检验的上限 2 件" in info.value for info in test.info)
    assert test.dataframe[-1].value["case_uid"].tolist() == ["t:3", "t:5"]

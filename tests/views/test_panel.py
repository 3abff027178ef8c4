"""The panel beside the map: the area figures and top categories on the tiny database, checked by hand and
against the map's own per-area measures; the sparkline and the rate text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from tiny_db import EAST, MAY, SOURCES, WEST, as_read_from, build_tiny_db

import queries
from queries.db import LiveDatabase
from views import charts
from views.formats import measure_text

NOW = dt.datetime(2024, 6, 15, 12, 0)
AT = dt.datetime(2024, 5, 31, 23, 59)
FIGURES = ["cases", "closed", "awaiting_closure", "closed_on_time", "overdue", "followups", "satisfied"]


@pytest.fixture(scope="module", params=SOURCES)
def con(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The tiny database read from ``cases`` alone or with the rollups built: every test runs on both."""
    path = build_tiny_db(tmp_path_factory.mktemp("panel") / "onemap.duckdb")
    with duckdb.connect(str(path)) as writer:  # two follow-up answers, one satisfied
        writer.execute("UPDATE cases SET satisfaction = '基本满意' WHERE case_uid = 't:1'")
        writer.execute("UPDATE cases SET satisfaction = '不满意' WHERE case_uid = 't:2'")
    as_read_from(path, request.param)
    with LiveDatabase(path).cursor() as cursor:
        yield cursor


def figures(con: duckdb.DuckDBPyConnection, **filters: object) -> dict:
    row = queries.area_figures(con, as_of=NOW, **filters).iloc[0]
    return {key: int(row[key]) for key in FIGURES} | {
        key: row[key] for key in ("closure_rate", "on_time_closure_rate", "satisfaction_rate")
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # May: 8 cases; closed t:1 t:2 t:5 (all handled before their deadline); awaiting t:3 t:4 t:8 t:9;
        # overdue at NOW: t:3 only (t:4 due 2099, t:8 has no deadline, t:9 was handled; t:7 is April's).
        (MAY, [8, 3, 4, 3, 1, 2, 1, 3 / 7, 3 / 7, 0.5]),
        ({**MAY, "area": EAST}, [4, 2, 2, 2, 1, 2, 1, 0.5, 0.5, 0.5]),
        ({**MAY, "area": WEST}, [3, 1, 1, 1, 0, 0, 0, 0.5, 0.5, None]),
        ({"area": EAST}, [5, 2, 3, 2, 2, 2, 1, 0.4, 0.4, 0.5]),  # every day: t:7 too, overdue as well
        ({"start": dt.date(2030, 1, 1)}, [0, 0, 0, 0, 0, 0, 0, None, None, None]),
    ],
)
def test_area_figures(con: duckdb.DuckDBPyConnection, filters: dict, expected: list) -> None:
    got = figures(con, **filters)
    counts, rates = expected[:7], expected[7:]
    assert [got[key] for key in FIGURES] == counts
    for key, rate in zip(("closure_rate", "on_time_closure_rate", "satisfaction_rate"), rates, strict=True):
        assert pd.isna(got[key]) if rate is None else got[key] == pytest.approx(rate)


def test_late_closing_is_not_on_time(tmp_path: Path) -> None:
    path = build_tiny_db(tmp_path / "late.duckdb")
    with duckdb.connect(str(path)) as writer:  # t:1 handled a day after its deadline, then closed
        writer.execute("UPDATE cases SET handled_at = TIMESTAMP '2024-05-03 09:00' WHERE case_uid = 't:1'")
    with LiveDatabase(path).cursor() as late:
        row = queries.area_figures(late, as_of=NOW, **MAY).iloc[0]
    assert (row["closed"], row["closed_on_time"]) == (3, 2)
    assert row["on_time_closure_rate"] == pytest.approx(2 / 7)


@pytest.mark.parametrize("depth", [2, 3])
def test_area_figures_agree_with_the_map(con: duckdb.DuckDBPyConnection, depth: int) -> None:
    measures = queries.area_measures(con, depth=depth, at=AT, as_of=NOW, **MAY)
    assert len(measures) > 1
    for row in measures.itertuples():
        mine = queries.area_figures(con, as_of=NOW, area=row.code, **MAY).iloc[0]
        assert (mine["cases"], mine["closed"], mine["overdue"]) == (row.cases, row.closed, row.overdue), row.code
        for rate in ("closure_rate", "on_time_closure_rate", "satisfaction_rate"):
            theirs = getattr(row, rate)
            assert (pd.isna(mine[rate]) and pd.isna(theirs)) or mine[rate] == pytest.approx(theirs), (row.code, rate)


def test_top_categories(con: duckdb.DuckDBPyConnection) -> None:
    top = queries.top_categories(con, limit=5, **MAY)
    # The tiny database has no category dictionary: names fall back to codes; t:8 has no category.
    assert top["category_code"].tolist() == ["06010", "09009", "06042", "09005", None]
    assert top["cases"].tolist() == [3, 2, 1, 1, 1]
    assert top["name_zh"].tolist()[:2] == ["06010", "09009"]
    assert queries.top_categories(con, limit=2, area=WEST, **MAY)[["category_code", "cases"]].values.tolist() == [
        ["09009", 2],
        ["09005", 1],
    ]
    with pytest.raises(ValueError, match="limit must be a positive int, got 0"):
        queries.top_categories(con, limit=0)


def test_the_unclassified_cases_are_counted_for_the_panel(con: duckdb.DuckDBPyConnection) -> None:
    assert queries.category_coverage(con, **MAY).iloc[0].tolist() == [8, 1]  # t:8 has no GB/T class
    assert queries.category_coverage(con, area=WEST, **MAY).iloc[0].tolist() == [3, 0]


def test_sparkline_is_tiny_and_bare() -> None:
    days = pd.DataFrame({"day": pd.date_range("2024-05-01", periods=3), "cases": [1, 0, 4]})
    figure = charts.sparkline(days, colour="#123456", height=60)
    (trace,) = figure.data
    assert list(trace.y) == [1, 0, 4] and trace.line.color == "#123456"
    assert trace.mode == "lines+markers"  # a short range shows its days as dots (one day would show nothing)
    assert charts.sparkline(pd.concat([days] * 3)).data[0].mode == "lines"
    assert figure.layout.height == 60
    assert figure.layout.xaxis.visible is False and figure.layout.yaxis.visible is False
    with pytest.raises(ValueError, match=r"chart frame lacks columns \['day'\]"):
        charts.sparkline(days.drop(columns="day"))


@pytest.mark.parametrize(("value", "text"), [(3 / 7, "42.9%"), (1.0, "100.0%"), (0.0, "0.0%"), (float("nan"), "—")])
def test_rate_text(value: float, text: str) -> None:
    assert measure_text("closure_rate", value) == text

"""No raw personal data anywhere in the demo city: the demo plants phone, ID and card numbers and citizens' names
in the hotline's descriptions, addresses and flow notes (``demo/personal.py``, its truth in
``personal_truth.json``), its files carry reporters' names and numbers in their contact columns and in the rows
they reject on purpose; after the demo is built, every text column of every table, the case and area exports and
the rejected-row listing are scanned for every one of them. And the rule is measured on the demo's free texts."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import re
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import demo
import queries
from demo.cases import FLOW_FILE, SOURCE_ENCODING, SOURCE_FILE
from demo.personal import TRUTH_FILE, measure, read_truth
from etl.cli import main as etl_main
from queries.db import LiveDatabase
from settings import Settings, load_settings
from views import exports

#: Channels whose reporters are citizens (a patrol's reporter is its grid worker).
CITIZEN_CHANNELS = {"12345热线", "随手拍", "骑手上报"}


@dataclasses.dataclass
class Raw:
    """The raw personal data the demo's files hold: national mobile numbers (11 digits), other numbers (digits
    only), citizens' names that no member of staff has, and the names planted in free text."""

    phones: set[str]
    numbers: set[str]
    names: set[str]
    planted_names: set[str]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path]:
    tmp = tmp_path_factory.mktemp("demo_personal")
    settings = dataclasses.replace(load_settings(Path(tmp / "none.toml")), db_path=tmp / "onemap.duckdb")
    demo.build_demo(settings, cases=4000, days=60, out_dir=tmp / "demo", end=dt.date(2026, 11, 20))
    return settings, tmp / "demo"


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@pytest.fixture(scope="module")
def raw(built: tuple[Settings, Path]) -> Raw:
    out = built[1]
    contacts, staff = set(), set()
    phones: set[str] = set()
    for source, name in SOURCE_FILE.items():
        cases = pd.read_csv(out / name, dtype=str, encoding=SOURCE_ENCODING[source])
        if "联系电话" in cases:
            phones |= set(cases["联系电话"].dropna())
        if "联系人" in cases:
            citizen = cases["来源渠道"].isin(CITIZEN_CHANNELS)
            contacts |= set(cases.loc[citizen, "联系人"].dropna())
            staff |= set(cases.loc[~citizen, "联系人"].dropna())  # grid workers report patrols
        flow = pd.read_csv(out / FLOW_FILE[source], dtype=str, encoding=SOURCE_ENCODING[source])
        staff |= set(flow["操作人"].dropna())
    with duckdb.connect(str(built[0].db_path), read_only=True) as con:  # grid workers: staff, named in the grids
        staff |= {w for (w,) in con.execute("SELECT DISTINCT grid_worker FROM grid").fetchall() if w}
        staff |= {w for (w,) in con.execute("SELECT DISTINCT name FROM grid_worker").fetchall() if w}  # their roster
    planted = read_truth(out)
    numbers = {_digits(item) for p in planted for kind, item in p.personal if kind != "name"}
    planted_names = {item for p in planted for kind, item in p.personal if kind == "name"}
    for p in planted:
        phones |= {item for kind, item in p.personal if kind == "mobile"}
    national = {d[-11:] for d in map(_digits, phones) if len(d) >= 11}
    assert len(national) > 500 and len(planted_names) > 50 and contacts - staff  # the scan has something to find
    return Raw(national, numbers, (contacts - staff) | planted_names, planted_names)


def leaks(texts: Iterable[str], raw: Raw) -> list[str]:
    """What of ``raw`` is in ``texts``: a raw number in any digit run (separators ignored), a citizen's name as a
    whole cell or JSON value, a planted name anywhere."""
    found = []
    for text in texts:
        if not isinstance(text, str) or not text:
            continue
        for run in re.findall(r"\d[\d \-]{9,}\d", text):
            digits = _digits(run)
            if any(digits[i : i + 11] in raw.phones for i in range(len(digits) - 10)):
                found.append(f"phone in {text!r}")
            if any(number in digits for number in raw.numbers if len(number) >= 11):
                found.append(f"number in {text!r}")
        values = set(re.findall(r'"([^"]*)"', text)) | {text.strip()}
        if values & raw.names:
            found.append(f"name {sorted(values & raw.names)} in {text!r}")
        found += [f"planted {name} in {text!r}" for name in raw.planted_names if name in text]
    return found


def test_the_truth_is_written_and_the_rule_measured(built: tuple[Settings, Path]) -> None:
    out = built[1]
    assert (out / TRUTH_FILE).exists()
    result = measure(out)
    planted = sum(result.masked.values()) + sum(result.missed.values())
    assert planted > 300 and set(result.masked) == {"name", "mobile", "landline", "id", "card"}
    assert sum(result.missed.values()) == 0, result.missed_examples[:5]
    assert result.over_masked == 0 and result.changed == 0, result.over_masked_examples[:5]
    assert result.texts > 10_000


def test_no_table_holds_raw_personal_data(built: tuple[Settings, Path], raw: Raw) -> None:
    settings = built[0]
    found, scanned = [], 0
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        columns = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE data_type = 'VARCHAR' AND NOT internal"
        ).fetchall()
        for table, column in columns:
            texts = [v for (v,) in con.execute(f'SELECT DISTINCT "{column}" FROM "{table}"').fetchall()]
            scanned += len(texts)
            found += [f"{table}.{column}: {leak}" for leak in leaks(texts, raw)]
        planted_rows = con.execute(
            "SELECT count(*) FROM cases WHERE description LIKE '%联系人：%' OR address LIKE '%业主%'"
        ).fetchall()[0][0]
    assert scanned > 10_000 and planted_rows > 0  # the planted texts were loaded (masked)
    assert found == []


def test_no_export_holds_raw_personal_data(built: tuple[Settings, Path], raw: Raw) -> None:
    settings = built[0]
    with LiveDatabase(settings.db_path).cursor() as con:
        cases = queries.case_export(con, limit=1_000_000)
        areas = queries.area_measures(con, depth=2, at=dt.datetime(2026, 11, 20))
    assert len(cases) > 3000
    texts = []
    for data in (exports.cases_csv(cases, lang="zh"), exports.areas_csv(areas, lang="zh")):
        texts += data.decode("utf-8-sig").splitlines()
    texts += exports.cases_geojson(cases, lang="en").decode("utf-8").split('"properties"')
    assert leaks(texts, raw) == []


def test_the_rejected_row_listing_holds_no_raw_personal_data(built: tuple[Settings, Path], raw: Raw) -> None:
    settings = built[0]
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        runs = [r for (r,) in con.execute("SELECT DISTINCT run_id FROM rejected_row ORDER BY 1").fetchall()]
        originals = [o for (o,) in con.execute("SELECT original FROM rejected_row").fetchall()]
    assert runs and any("联系电话" in o for o in originals)  # rejected hotline rows, with their contact columns
    listing = io.StringIO()
    with contextlib.redirect_stdout(listing):
        for run in runs:
            assert etl_main(["--db", str(settings.db_path), "rejects", str(run), "--limit", "100000"]) == 0
    text = listing.getvalue()
    assert "****" in text and leaks(text.splitlines(), raw) == []

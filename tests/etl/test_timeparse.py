"""parse_times: every accepted shape, the bad ones, blanks, and a large mixed column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etl.timeparse import parse_times


def parse_one(text: str | None) -> tuple[pd.Timestamp, bool]:
    parsed, bad = parse_times(pd.Series([text], dtype="string[pyarrow]"))
    return parsed.iloc[0], bool(bad.iloc[0])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-08 14:30", "2024-05-08 14:30:00"),
        ("2024-05-08 14:30:00", "2024-05-08 14:30:00"),
        ("2024-05-08 14:30:07", "2024-05-08 14:30:07"),
        ("2024-05-08 14:30:00.123", "2024-05-08 14:30:00.123"),
        ("2024-05-08 14:30:00.5", "2024-05-08 14:30:00.5"),
        ("2024-05-08 14:30:00.123456789", "2024-05-08 14:30:00.123456789"),
        ("2024-05-08 14:30:00.000", "2024-05-08 14:30:00"),
        ("2024/05/08 14:30:00.250", "2024-05-08 14:30:00.25"),
        ("2024-05-08T14:30:00.123456", "2024-05-08 14:30:00.123456"),
        ("2024-05-08T14:30:00", "2024-05-08 14:30:00"),
        ("2024-05-08T14:30", "2024-05-08 14:30:00"),
        ("2024-05-08", "2024-05-08 00:00:00"),
        ("2024-5-8 9:05", "2024-05-08 09:05:00"),
        ("2024/5/8 14:30", "2024-05-08 14:30:00"),
        ("2024/05/08", "2024-05-08 00:00:00"),
        ("2024/05/08 14:30:00", "2024-05-08 14:30:00"),
        ("2024/12/31 23:59:59", "2024-12-31 23:59:59"),
        ("2024.5.8 8:05", "2024-05-08 08:05:00"),
        ("2024.05.08", "2024-05-08 00:00:00"),
        ("2024年5月8日 14时30分", "2024-05-08 14:30:00"),
        ("2024年5月8日 14时30分05秒", "2024-05-08 14:30:05"),
        ("2024年05月08日 08时05分", "2024-05-08 08:05:00"),
        ("2024年5月8日14:30", "2024-05-08 14:30:00"),
        ("2024年5月8日 14:30:05", "2024-05-08 14:30:05"),
        ("2024年5月8日", "2024-05-08 00:00:00"),
        ("２０２４年５月８日　１４：３０", "2024-05-08 14:30:00"),  # full-width digits and space
        ("20240508143000", "2024-05-08 14:30:00"),
        ("202405081430", "2024-05-08 14:30:00"),
        ("20240508", "2024-05-08 00:00:00"),
        ("  2024-05-08 14:30:00 ", "2024-05-08 14:30:00"),
        ("\t2024/5/8 14:30\n", "2024-05-08 14:30:00"),
        ("2024-02-29 00:00:00", "2024-02-29 00:00:00"),
        ("2000-02-29", "2000-02-29 00:00:00"),
        ("1999-12-31 23:59:59", "1999-12-31 23:59:59"),
    ],
)
def test_accepted_shapes(text: str, expected: str) -> None:
    assert parse_one(text) == (pd.Timestamp(expected), False)


@pytest.mark.parametrize(
    "text",
    [
        "2024-02-30",
        "2023-02-29 10:00:00",
        "1900-02-29",
        "2024-13-01",
        "2024-00-10",
        "2024-04-31 08:00",
        "2024-05-08 25:00",
        "2024-05-08 24:00:00",
        "2024-05-08 14:60",
        "2024-05-08 14:30:60",
        "20240230",
        "20240508250000",
        "2024年2月30日",
        "2024年5月8日 14时61分",
        "2024-05/08",
        "2024/05-08 14:30",
        "2024-05-08x14:30:00",
        "2024-05-08 14:30:0a",
        "2024-05-08 14:30:00.1a3",
        "2024-05-08 14:30:00,123",
        "2024-05-08 14",
        "24-05-08",
        "2024050",
        "2024-05-08 14:30 +08:00",
        "2024年5月8",
        "yesterday",
        "N/A",
        "1600-01-01",
    ],
)
def test_bad_values_are_nat_and_flagged(text: str) -> None:
    parsed, bad = parse_one(text)
    assert pd.isna(parsed)
    assert bad


@pytest.mark.parametrize("text", [None, "", " ", " \t "])
def test_blanks_are_nat_and_not_bad(text: str | None) -> None:
    parsed, bad = parse_one(text)
    assert pd.isna(parsed)
    assert not bad


def test_object_input_keeps_index_and_name() -> None:
    values = pd.Series(
        ["2024-05-08 14:30", None, np.nan, "bad", 20240508, pd.Timestamp("2024-05-08 14:30:05")],
        index=[10, 11, 12, 13, 14, 15],
        name="上报时间",
        dtype=object,
    )
    parsed, bad = parse_times(values)
    assert parsed.dtype == "datetime64[ns]"
    assert list(parsed.index) == [10, 11, 12, 13, 14, 15]
    assert parsed.name == bad.name == "上报时间"
    assert parsed.tolist()[:1] == [pd.Timestamp("2024-05-08 14:30")]
    assert parsed.isna().tolist() == [False, True, True, True, False, False]
    assert parsed[14] == pd.Timestamp("2024-05-08")
    assert parsed[15] == pd.Timestamp("2024-05-08 14:30:05")
    assert bad.tolist() == [False, False, False, True, False, False]


def test_empty_series() -> None:
    parsed, bad = parse_times(pd.Series([], dtype="string[pyarrow]"))
    assert len(parsed) == len(bad) == 0
    assert parsed.dtype == "datetime64[ns]"


def test_datetime_input_passes_through() -> None:
    values = pd.Series(pd.to_datetime(["2024-05-08 14:30", None]))
    parsed, bad = parse_times(values)
    assert parsed.equals(values)
    assert not bad.any()


def test_large_mixed_column() -> None:
    rng = np.random.default_rng(7)
    n = 200_000
    seconds = rng.integers(0, 3 * 365 * 86_400, n)
    truth = pd.DatetimeIndex(pd.Timestamp("2024-01-01") + pd.to_timedelta(seconds, unit="s"))
    forms = {
        "%Y-%m-%d %H:%M:%S": truth,
        "%Y/%m/%d %H:%M:%S": truth,
        "%Y-%m-%dT%H:%M:%S": truth,
        "%Y年%m月%d日 %H时%M分%S秒": truth,
        "%Y%m%d%H%M%S": truth,
        "%Y-%m-%d %H:%M": truth.floor("min"),
        "%Y年%m月%d日": truth.floor("D"),
        "%Y.%m.%d": truth.floor("D"),
    }
    pick = rng.integers(0, len(forms), n)
    text = np.empty(n, dtype=object)
    expected = np.empty(n, dtype="datetime64[ns]")
    for k, (fmt, values) in enumerate(forms.items()):
        rows = pick == k
        text[rows] = values[rows].strftime(fmt)
        expected[rows] = values[rows].to_numpy()
    blank = rng.random(n) < 0.03
    text[blank] = rng.choice(np.array([None, "", "  "], dtype=object), blank.sum())
    expected[blank] = np.datetime64("NaT")
    broken = ~blank & (rng.random(n) < 0.02)
    text[broken] = rng.choice(np.array(["2024-02-30 10:00:00", "2024/13/01", "n/a"], dtype=object), broken.sum())
    expected[broken] = np.datetime64("NaT")

    parsed, bad = parse_times(pd.Series(text, dtype="string[pyarrow]"))

    np.testing.assert_array_equal(parsed.to_numpy(), expected)
    np.testing.assert_array_equal(bad.to_numpy(), broken)

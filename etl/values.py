"""Vectorised parsing of the small value types sources send: flags, counts, dictionary names, personal data."""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_TRUE = {"是", "1", "true", "t", "y", "yes", "√", "紧急", "督办"}
_FALSE = {"否", "0", "false", "f", "n", "no", "", "非紧急", "一般"}


def _clean(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip()


def parse_flags(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Yes/no values (是/否, 1/0, true/false, y/n; empty = no) -> (bool array, bad mask)."""
    text = _clean(values).str.lower()
    is_true = text.isin(_TRUE).fillna(False).to_numpy(bool)
    is_false = (text.isin(_FALSE) | text.isna()).fillna(False).to_numpy(bool)
    return is_true, ~(is_true | is_false)


def _to_float(text: pd.Series) -> np.ndarray:
    """Strings to floats, NaN where not a number: Arrow's cast when the column is clean, else pandas."""
    try:
        return pc.cast(pa.array(text, type=pa.string()), pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)


def parse_counts(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative integers (empty = 0) -> (int array, bad mask)."""
    text = _clean(values)
    present = (text.notna() & (text != "")).to_numpy(bool)
    if not present.any():
        return np.zeros(len(text), dtype=np.int64), np.zeros(len(text), dtype=bool)
    number = _to_float(text)
    bad = present & (np.isnan(number) | (number < 0) | (number % 1 != 0))
    return np.where(np.isnan(number), 0, number).astype(np.int64), bad


def parse_numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decimal numbers -> (float array with NaN, missing mask, non-numeric mask)."""
    text = _clean(values)
    missing = (text.isna() | (text == "")).to_numpy(bool)
    number = _to_float(text)
    return number, missing, np.isnan(number) & ~missing


def lookup_names(values: pd.Series, names: Mapping[str, str]) -> tuple[pd.Series, np.ndarray]:
    """Map codes or names (case-insensitive) through ``names`` -> (mapped values with NA, unknown mask).

    Missing values map to NA and are not unknown. Each distinct value is looked up once.
    """
    codes, uniques = pd.factorize(_clean(values))
    if len(uniques) == 0:
        return pd.Series(pd.NA, index=values.index, dtype="string"), np.zeros(len(values), dtype=bool)
    folded = {k.lower(): v for k, v in names.items()}
    mapped_uniques = pd.Series(uniques, dtype="string").str.lower().map(folded).astype("string")
    present = (pd.Series(uniques, dtype="string") != "").to_numpy(bool)
    mapped = mapped_uniques.take(np.maximum(codes, 0)).reset_index(drop=True)
    mapped[codes < 0] = pd.NA
    mapped.index = values.index
    unknown = (codes >= 0) & np.take(present & mapped_uniques.isna().to_numpy(bool), np.maximum(codes, 0))
    return mapped, unknown


def _arrow(values: pd.Series) -> pa.Array:
    return pa.array(_clean(values), type=pa.string(), from_pandas=True)


def _series(array: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    return pd.Series(
        pd.arrays.ArrowStringArray(pa.chunked_array([array]) if isinstance(array, pa.Array) else array), index=index
    )


def _masked_names(text: pa.Array) -> pa.Array:
    length = pc.utf8_length(text)
    stars = pc.if_else(pc.less_equal(length, 2), "*", pc.if_else(pc.equal(length, 3), "**", "***"))
    masked = pc.binary_join_element_wise(pc.utf8_slice_codeunits(text, 0, 1), stars, "")
    return pc.if_else(pc.greater(length, 0), masked, pa.scalar(None, pa.string()))


def _masked_phones(text: pa.Array) -> pa.Array:
    all_digits = pc.all(pc.or_kleene(pc.utf8_is_digit(text), pc.equal(text, ""))).as_py() is not False
    digits = text if all_digits else pc.replace_substring_regex(text, r"\D", "")  # most exports are bare digits
    length = pc.utf8_length(digits)
    long = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(digits, 0, 3), "****", pc.utf8_slice_codeunits(digits, -4, 1 << 30), ""
    )
    short = pc.binary_join_element_wise("****", pc.utf8_slice_codeunits(digits, -2, 1 << 30), "")
    masked = pc.if_else(pc.greater_equal(length, 7), long, short)
    return pc.if_else(pc.greater(length, 0), masked, pa.scalar(None, pa.string()))


def mask_names(values: pd.Series) -> pd.Series:
    """张三 -> 张*, 欧阳娜娜 -> 欧***: only the first character is kept (at most three stars)."""
    return _series(_masked_names(_arrow(values)), values.index)


def mask_phones(values: pd.Series) -> pd.Series:
    """13812345678 -> 138****5678; shorter numbers keep only their last two digits."""
    return _series(_masked_phones(_arrow(values)), values.index)


_ID_NUMBER = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_personal_text(values: pd.Series) -> pd.Series:
    """Mask mobile numbers and ID-card numbers that citizens write into free text."""
    text = values.astype("string")
    suspect = text.str.contains(r"\d{11}", regex=True).fillna(False).to_numpy(bool)  # Arrow regex: fast
    if suspect.any():  # the exact masking (with look-arounds) runs only on the few rows with long digit runs
        rows = text[suspect].astype(object)
        rows = rows.map(lambda t: _MOBILE.sub(r"\1****\2", _ID_NUMBER.sub(r"\1********\2", t)))
        text = text.copy()
        text[suspect] = rows.astype("string")
    return text


def contact_masked(names: pd.Series | None, phones: pd.Series | None, n: int) -> pd.Series:
    """One masked contact string per row, e.g. ``张* 138****5678``; NA when there is neither."""
    none = pa.nulls(n, pa.string())
    name_part = _masked_names(_arrow(names)) if names is not None else none
    phone_part = _masked_phones(_arrow(phones)) if phones is not None else none
    joined = pc.utf8_trim_whitespace(
        pc.binary_join_element_wise(pc.fill_null(name_part, ""), pc.fill_null(phone_part, ""), " ")
    )
    joined = pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)
    return _series(joined, pd.RangeIndex(n))

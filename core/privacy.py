"""Personal data (PIPL): the one masking rule, for names, phone numbers and the numbers citizens type into text.

Raw contact data is never stored: the ETL masks at load (``contact_masked``, free text), and anything shown or
exported again (popups, exports) goes through ``mask_text`` too, so a value that reached the database another
way is still masked on its way out. Both read the patterns below: there is no second rule to drift apart.

* names keep their first character: 张三 → 张*, 欧阳娜娜 → 欧*** (at most three stars);
* phone numbers keep the first three and last four digits (13812345678 → 138****5678); numbers shorter than
  seven digits keep their last two;
* in free text, mainland ID numbers (18 characters, the last may be X) keep the first six and last four
  characters, mobile numbers as above.
"""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["contact_masked", "mask_names", "mask_phones", "mask_text", "mask_text_column"]

#: The pandas dtype of masked text: Arrow-backed strings (vectorised kernels on a million rows).
STRING = pd.StringDtype("pyarrow")

ID_NUMBER = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
#: A run of digits long enough to hold a mobile or ID number: only such texts are searched with the rules above.
_SUSPECT = r"\d{11}"


def mask_text(text: str) -> str:
    """``text`` with mainland ID numbers (340104********123X) and mobile numbers (138****5678) masked."""
    return MOBILE.sub(r"\1****\2", ID_NUMBER.sub(r"\1********\2", text))


def mask_text_column(values: pd.Series) -> pd.Series:
    """``mask_text`` of every value (NA stays NA), as Arrow-backed strings."""
    text = values.astype(STRING)
    suspect = text.str.contains(_SUSPECT, regex=True).fillna(False).to_numpy(bool)  # Arrow regex: fast
    if suspect.any():  # the exact masking (with look-arounds) runs only on the few rows with long digit runs
        rows = text[suspect].astype(object).map(mask_text)
        text = text.copy()
        text[suspect] = rows.astype(STRING)
    return text


def _arrow(values: pd.Series) -> pa.Array:
    return pa.array(values.astype(STRING).str.strip(), type=pa.string(), from_pandas=True)


def _series(array: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    chunked = pa.chunked_array([array]) if isinstance(array, pa.Array) else array
    return pd.Series(pd.arrays.ArrowStringArray(chunked), index=index)


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

"""Parse the date-time text of source files into naive China Standard Time timestamps, vectorised.

Source systems write times in a dozen shapes (``2024-05-08 14:30:00``, ``2024/5/8 14:30``,
``2024年5月8日 14时30分``, ``20240508143000`` …). Regular-expression extraction in Arrow costs about a
microsecond a row, too slow for 1M-row chunks with nine time columns, so parsing works on the Arrow
string buffers with numpy instead:

1. Fast path: the fixed-width shapes that dominate real exports (ISO ``YYYY-MM-DD[ HH:MM[:SS[.fff]]]``,
   also with ``/`` or ``.``, and the all-digit ``YYYYMMDD[HHMM[SS]]``). Strings of one byte length lie back
   to back in an Arrow buffer, so each field is a strided integer view of it, decoded a whole column at a
   time.
2. Everything else is checked against one RE2 pattern in match-only mode (a DFA, no captures); rows that
   match are all digit runs in a known order (year, month, day[, hour, minute[, second[, fraction]]]),
   which a scan of the digit bytes extracts.

Both end in one calendar check (no 2024-02-30, no 25:00) that builds nanoseconds since the epoch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["parse_times"]

_NS_PER_SECOND = 1_000_000_000
_NS_PER_DAY = 86_400 * _NS_PER_SECOND
_NAT = np.iinfo(np.int64).min

# Calendar lookup tables for the years whose every instant fits datetime64[ns].
_FIRST_YEAR, _LAST_YEAR = 1678, 2261
_MONTH_STARTS = (
    np.arange(np.datetime64(f"{_FIRST_YEAR}-01"), np.datetime64(f"{_LAST_YEAR + 1}-02"), dtype="datetime64[M]")
    .astype("datetime64[D]")
    .astype(np.int64)
)
# Days since 1970-01-01 of the first of each month, indexed by (year - _FIRST_YEAR) * 12 + month - 1.
_MONTH_FIRST_DAY = _MONTH_STARTS[:-1].astype(np.int32)
_MONTH_LENGTH = np.diff(_MONTH_STARTS).astype(np.int32)

# Fixed-width shapes by byte length: a run of Y, M, D, h, m, s or f (fraction of a second) is one field's
# digits; "/" is a date separator, one of "-", "/", "." and the same throughout; "?" is " " or "T"; any
# other character must appear as is.
_TEMPLATES: dict[int, str] = {
    26: "YYYY/MM/DD?hh:mm:ss.ffffff",
    23: "YYYY/MM/DD?hh:mm:ss.fff",
    19: "YYYY/MM/DD?hh:mm:ss",
    16: "YYYY/MM/DD?hh:mm",
    10: "YYYY/MM/DD",
    14: "YYYYMMDDhhmmss",
    12: "YYYYMMDDhhmm",
    8: "YYYYMMDD",
}
_FIELDS = "YMDhmsf"

# Every accepted shape; one separator throughout the date (2024-05/08 is bad).
_SHAPE = (
    r"^(?:"
    r"\d{4}(?:-\d{1,2}-\d{1,2}|/\d{1,2}/\d{1,2}|\.\d{1,2}\.\d{1,2})"
    r"(?:(?:T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?"
    r"|"
    r"\d{4}年\d{1,2}月\d{1,2}日\s*(?:\d{1,2}[时点]\d{1,2}分(?:\d{1,2}秒)?|\d{1,2}:\d{2}(?::\d{2})?)?"
    r")$"
)
_FRACTION_RUN = 6  # the seventh digit run, present only in "…:SS.fff"


def parse_times(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse source date-time text into timestamps.

    ``values`` is text: ``string[pyarrow]`` as the readers produce it, or object (non-strings go through
    ``str``). Returns the ``datetime64[ns]`` series, NaT where missing or unparseable, and a boolean series
    that is True where a value is present but not an accepted shape or not a real date and time. Missing
    and blank values are NaT and not bad; a date alone is 00:00. Both keep ``values``' index and name.
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.astype("datetime64[ns]"), pd.Series(False, index=values.index, name=values.name)

    text = pc.utf8_trim_whitespace(_to_arrow_text(values))
    lengths = pc.fill_null(pc.binary_length(text), 0).to_numpy(zero_copy_only=False)
    out = np.full(len(text), _NAT, dtype=np.int64)
    todo = lengths > 0

    for width, template in _TEMPLATES.items():
        selected = todo & (lengths == width)
        rows = np.flatnonzero(selected)
        if rows.size:
            ns, ok = _parse_fixed(pc.filter(text, pa.array(selected)), width, template)
            out[rows[ok]] = ns[ok]
            todo[rows[ok]] = False

    rows = np.flatnonzero(todo)
    if rows.size:
        ns, ok = _parse_free(pc.take(text, pa.array(rows)))
        out[rows[ok]] = ns[ok]
        todo[rows[ok]] = False

    parsed = pd.Series(out.view("datetime64[ns]"), index=values.index, name=values.name)
    return parsed, pd.Series(todo, index=values.index, name=values.name)


def _to_arrow_text(values: pd.Series) -> pa.Array:
    """The values as one Arrow string array, null where missing."""
    arr = pa.array(values.astype("string[pyarrow]"))  # a no-op for the readers' output
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (int64, relative to the returned data) and the UTF-8 bytes of a string array."""
    offset_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=offset_type)[arr.offset : arr.offset + len(arr) + 1]
    offsets = offsets.astype(np.int64)
    data = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0] : offsets[-1]]
    return offsets - offsets[0], data


def _parse_fixed(arr: pa.Array, width: int, template: str) -> tuple[np.ndarray, np.ndarray]:
    """Nanoseconds, and whether each row fits ``template``, of strings all ``width`` bytes long."""
    _, data = _buffers(arr)
    n = len(arr)
    ok = np.ones(n, dtype=bool)
    fields: dict[str, np.ndarray] = {}
    date_separators: list[np.ndarray] = []
    pos = 0
    while pos < width:
        char = template[pos]
        size = len(template[pos:]) - len(template[pos:].lstrip(char)) if char in _FIELDS else 1
        if char in _FIELDS:
            fields[char], digits_ok = _read_digits(data, n, width, pos, size)
            ok &= digits_ok
        else:
            raw = np.ndarray((n,), dtype=np.uint8, buffer=data, offset=pos, strides=(width,))
            if char == "/":
                date_separators.append(raw)
            elif char == "?":
                ok &= (raw == ord(" ")) | (raw == ord("T"))
            else:
                ok &= raw == ord(char)
        pos += size
    if date_separators:
        first = date_separators[0]
        ok &= (first == ord("-")) | (first == ord("/")) | (first == ord("."))
        for other in date_separators[1:]:
            ok &= other == first
    zero = np.zeros(n, dtype=np.uint16)
    fraction_digits = template.count("f")
    ns, real = _assemble(
        fields["Y"], fields["M"], fields["D"], fields.get("h", zero), fields.get("m", zero),
        fields.get("s", zero), fields["f"] * 10 ** (9 - fraction_digits) if fraction_digits else None,
    )  # fmt: skip
    return ns, ok & real


def _read_digits(data: np.ndarray, n: int, width: int, pos: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Value and validity of the ``size`` digits at byte ``pos`` of each ``width``-byte row of ``data``."""
    parts: list[tuple[np.ndarray, np.ndarray, int]] = []
    while size:
        piece = 4 if size >= 4 else 2 if size >= 2 else 1
        # `piece` bytes of every row as one little-endian integer: a strided view of the buffer, no copy.
        raw = np.ndarray((n,), dtype=f"<u{piece}", buffer=data, offset=pos, strides=(width,))
        parts.append((*_decode_digits(raw, piece), piece))
        pos += piece
        size -= piece
    value, ok, _ = parts[0]
    for part_value, part_ok, piece in parts[1:]:
        value = value.astype(np.int64) * 10**piece + part_value
        ok = ok & part_ok
    return value, ok


def _decode_digits(raw: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Value and validity of ``size`` ASCII digits packed little-endian in each integer of ``raw``."""
    # Subtract "0" from every byte at once; a byte below "0" wraps to >= 0xD0, so it fails "< 10" (a borrow
    # only ever disturbs the bytes above one that fails already).
    packed = raw - raw.dtype.type(int.from_bytes(b"0" * size, "little"))
    value = packed & 0xFF
    ok = value < 10
    for k in range(1, size):
        digit = (packed >> (8 * k)) & 0xFF
        ok &= digit < 10
        value = value * 10 + digit
    return value, ok


def _parse_free(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Nanoseconds, and whether each row is an accepted shape, of the rows the fast path left."""
    matches = pc.match_substring_regex(arr, _SHAPE).to_numpy(zero_copy_only=False)
    if not matches.all():
        # NFKC folds full-width digits, colons and spaces (２０２４年５月８日　１４：３０) to ASCII; it is
        # slow, so only the rows that failed pay for it.
        failed = np.flatnonzero(~matches)
        folded = pc.utf8_normalize(pc.take(arr, pa.array(failed)), "NFKC")
        refolded = pc.match_substring_regex(folded, _SHAPE).to_numpy(zero_copy_only=False)
        arr = pa.concat_arrays([pc.filter(arr, pa.array(matches)), pc.filter(folded, pa.array(refolded))])
        order = np.concatenate([np.flatnonzero(matches), failed[refolded]])
    else:
        order = np.arange(len(arr))

    ns = np.full(len(matches), _NAT, dtype=np.int64)
    ok = np.zeros(len(matches), dtype=bool)
    if len(arr):
        ns[order], ok[order] = _parse_digit_runs(arr)
    return ns, ok


def _parse_digit_runs(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Nanoseconds and validity of rows that match ``_SHAPE``.

    Such a row starts with its 4-digit year and holds 3, 5, 6 or 7 runs of digits: year, month, day, then
    hour and minute, second, fraction of a second; all but the year and the fraction have 1 or 2 digits.
    """
    offsets, data = _buffers(arr)
    digits = data - np.uint8(ord("0"))
    is_digit = digits < 10
    row_starts, row_ends = offsets[:-1], offsets[1:]

    run_start = is_digit.copy()
    run_start[1:] &= ~is_digit[:-1]
    run_start[row_starts] = True  # even right after a row that ends with a digit
    starts = np.flatnonzero(run_start)
    first = np.searchsorted(starts, row_starts)
    counts = np.diff(np.append(first, len(starts)))

    def digit_at(pos: np.ndarray) -> np.ndarray:
        return np.take(digits, pos, mode="clip")

    def run(k: int) -> np.ndarray:
        """Each row's k-th run of 1 or 2 digits; 0 where the row has fewer runs."""
        start = np.take(starts, first + k, mode="clip")
        tens, units = digit_at(start), digit_at(start + 1)
        two_digits = (units < 10) & (start + 1 < row_ends)
        return np.where(counts > k, np.where(two_digits, tens * np.uint8(10) + units, tens), 0)

    year = starts[first]
    year = (
        digit_at(year).astype(np.int16) * 1000 + digit_at(year + 1).astype(np.int16) * 100
        + digit_at(year + 2) * np.int16(10) + digit_at(year + 3)
    )  # fmt: skip

    fraction = np.zeros(len(first), dtype=np.int64)
    with_fraction = np.flatnonzero(counts > _FRACTION_RUN)
    if with_fraction.size:
        start = starts[first[with_fraction] + _FRACTION_RUN]
        value = np.zeros(len(start), dtype=np.int64)
        scale = np.full(len(start), 10**9, dtype=np.int64)
        for j in range(9):  # the pattern allows 1 to 9 digits, to the row's end
            digit = digit_at(start + j)
            more = (start + j < row_ends[with_fraction]) & (digit < 10)
            value = np.where(more, value * 10 + digit, value)
            scale = np.where(more, scale // 10, scale)
        fraction[with_fraction] = value * scale
    ns, real = _assemble(year, run(1), run(2), run(3), run(4), run(5), fraction)
    return ns, real & (counts >= 3) & (counts <= 7)


def _assemble(
    year: np.ndarray,
    month: np.ndarray,
    day: np.ndarray,
    hour: np.ndarray,
    minute: np.ndarray,
    second: np.ndarray,
    nanosecond: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Nanoseconds since 1970-01-01 of calendar fields, and whether each is a real instant."""
    # Small integer types until the final sum: this runs on every row.
    year_month = (year.astype(np.int32) - _FIRST_YEAR) * 12 + (month.astype(np.int32) - 1)
    real = (month >= 1) & (month <= 12) & (year_month >= 0) & (year_month < len(_MONTH_FIRST_DAY))
    year_month[~real] = 0
    real &= (day >= 1) & (day <= _MONTH_LENGTH[year_month]) & (hour < 24) & (minute < 60) & (second < 60)
    days = _MONTH_FIRST_DAY[year_month] + day.astype(np.int32) - 1
    seconds = hour.astype(np.int32) * 3600 + minute.astype(np.int32) * 60 + second
    ns = days.astype(np.int64) * _NS_PER_DAY + seconds.astype(np.int64) * _NS_PER_SECOND
    if nanosecond is not None:
        ns += nanosecond
    ns[~real] = _NAT
    return ns, real

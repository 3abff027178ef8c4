"""Source files to chunks of raw strings.

`read_table` yields the rows of a CSV/TXT, Excel, GeoJSON, Shapefile, GeoPackage or (Geo)Parquet file as
`RawChunk` objects of at most ``chunk_rows`` rows. Every value is text exactly as the file holds it, NA where the
cell is empty or only whitespace; turning text into numbers, times and codes is the validator's job. Spatial
formats also carry the shapely geometries and the CRS the file declares.

Text files are decoded as UTF-8 (with or without BOM), UTF-16 (with BOM) or GB18030 (the superset of GBK that
Excel uses in China). A file that is not valid UTF-8 is read as whichever of GB18030 and UTF-8 decodes more of
its lines, with U+FFFD in place of the bytes that do not decode, so that the validator rejects just those rows:
one bad byte in a GBK export costs one row, and a few GBK rows pasted into a UTF-8 file cost those rows, not
every row with Chinese text in it. A row that cannot be split into the header's columns is kept as an all-NA
row listed in `RawChunk.malformed`, for the loader to reject with its reason.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import functools
import io
import json
import math
import re
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pyogrio
import pyogrio.errors
import pyproj
import shapely
import shapely.errors
from openpyxl.utils.exceptions import InvalidFileException

#: dtype of every column of `RawChunk.frame`: pandas' Arrow-backed "string[pyarrow]", with vectorised .str kernels.
STRING_DTYPE = pd.StringDtype("pyarrow")
#: How `RawChunk.crs` and `FileCrs` name WGS-84 longitude/latitude.
WGS84_LABEL = "EPSG:4326"
#: `RawChunk.encoding` of a text file that no candidate encoding decodes.
UTF8_REPLACED = "utf-8 (with replacement)"

TEXT_SUFFIXES = (".csv", ".txt")
EXCEL_SUFFIXES = (".xlsx",)
OGR_SUFFIXES = (".geojson", ".json", ".shp", ".zip", ".gpkg")
PARQUET_SUFFIXES = (".parquet", ".geoparquet")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + EXCEL_SUFFIXES + OGR_SUFFIXES + PARQUET_SUFFIXES

# Small CSV blocks parse faster than large ones (they stay in cache); chunks are re-assembled to chunk_rows.
_CSV_BLOCK_BYTES = 1 << 20
_DECODE_BLOCK_BYTES = 8 << 20
_SAMPLE_WINDOWS, _SAMPLE_WINDOW_BYTES = 64, 64 << 10
_HEADER_MAX_BYTES = 64 << 20
_DELIMITERS = (",", "\t", ";", "|")
_MAX_EXACT_FLOAT = 2.0**53
#: Whole numbers below this are exact in an Excel number cell (15 significant digits).
EXCEL_EXACT_LIMIT = 1e15


class SourceFileError(ValueError):
    """A source file cannot be read: missing, empty, of an unsupported kind, or malformed.

    Its message is one line (a library's multi-line message is joined), for the command line to print as is.
    """

    def __init__(self, message: str) -> None:
        super().__init__("; ".join(line.strip() for line in str(message).strip().splitlines() if line.strip()))


#: What GDAL (through pyogrio) raises for a file it cannot open; pyogrio 0.13 raises UnboundLocalError for a
#: coordinate system it cannot read.
_OGR_FAILURES = (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, UnboundLocalError)


@dataclass
class RawChunk:
    """Up to ``chunk_rows`` consecutive data rows of a source file, as text."""

    #: The file's columns (headers stripped), dtype `STRING_DTYPE`; NA = empty or whitespace-only cell.
    frame: pd.DataFrame
    #: 1-based data-row number (header excluded) of ``frame.iloc[0]``.
    first_row: int
    #: Shapely geometries in the file's CRS, one per row (spatial formats), else None.
    geometry: np.ndarray | None = None
    #: CRS the file declares: "EPSG:n" when identifiable, else WKT; None for tables.
    crs: str | None = None
    #: Text encoding used (CSV/TXT), e.g. "utf-8", "gb18030" or `UTF8_REPLACED`.
    encoding: str | None = None
    #: Rows that could not be split into the header's columns (a stray delimiter, a quote left open, a value
    #: beyond the last header): data-row number -> (reason, the row's fields as a JSON array). Such a row is
    #: all NA in ``frame``, so the rows around it keep their numbers; loaders reject it with its reason.
    malformed: dict[int, tuple[str, str]] = field(default_factory=dict)
    #: Per row, why its geometry could not be read (e.g. a ring that is not closed), else None; None when
    #: every geometry was read. The row's ``geometry`` is then None.
    geometry_errors: np.ndarray | None = None


def read_table(
    path: str | Path,
    *,
    encoding: str | None = None,
    sheet: str | int | None = None,
    layer: str | None = None,
    chunk_rows: int = 500_000,
) -> Iterator[RawChunk]:
    """Yield the rows of the file at ``path`` in chunks of ``chunk_rows`` (the last one shorter).

    The format follows the suffix (see `SUPPORTED_SUFFIXES`). ``encoding`` overrides detection for text files
    and sets the attribute encoding of a Shapefile; ``sheet`` (name or 0-based index, default the first) picks
    an Excel worksheet; ``layer`` (default the first) a GeoPackage layer. Options that do not apply to the
    format are ignored. A file with a header and no data rows yields one empty chunk with its columns.

    Raises `SourceFileError` naming the file and the problem; the file is checked before the first chunk.
    """
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be a positive number of rows, got {chunk_rows!r}")
    file = _checked_file(path)
    suffix = file.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return _read_text(file, encoding, chunk_rows)
    if suffix in EXCEL_SUFFIXES:
        return _read_xlsx(file, sheet, chunk_rows)
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(file, chunk_rows)
    return _read_ogr(file, layer, encoding, chunk_rows)


def detect_encoding(path: str | Path) -> str:
    """The encoding of the text file at ``path``: "utf-8-sig", "utf-16", "utf-8", "gb18030" or `UTF8_REPLACED`.

    A byte-order mark decides first, then whether the whole file is valid UTF-8. A file that is not is
    "gb18030" when more of its lines decode as GB18030 only than as UTF-8 (judged on windows spread over the
    file), else `UTF8_REPLACED`; `read_table` replaces undecodable bytes with U+FFFD in both cases.
    """
    file = _checked_file(path, check_suffix=False)
    with file.open("rb") as f:
        head = f.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig" if _is_utf8(file) else UTF8_REPLACED
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _is_utf8(file):
        return "utf-8"
    return "gb18030" if _fits_gb18030_better(file) else UTF8_REPLACED


@dataclass(frozen=True)
class FileCrs:
    """The coordinate system a file states about itself.

    ``declared``: one the file really names ("EPSG:n" or WKT): a Shapefile's .prj, a GeoPackage layer's SRS,
    a GeoParquet column's ``crs``, a GeoJSON ``crs`` member naming anything but WGS-84. ``default``: the one
    its format implies when it names none (GeoJSON, and GeoParquet without a ``crs`` key: WGS-84). Both None
    for tables and for a Shapefile without .prj.
    """

    declared: str | None = None
    default: str | None = None


def file_crs(path: str | Path, *, layer: str | None = None) -> FileCrs:
    """What the file at ``path`` says of its coordinate system (see `FileCrs`), read from its metadata only."""
    file = _checked_file(path)
    suffix = file.suffix.lower()
    if suffix in TEXT_SUFFIXES or suffix in EXCEL_SUFFIXES:
        return FileCrs()
    if suffix in PARQUET_SUFFIXES:
        try:
            metadata = pq.read_schema(file).metadata or {}
        except (pa.ArrowInvalid, OSError) as exc:
            raise SourceFileError(f"Cannot open Parquet file {file}: {exc}") from exc
        geo = json.loads(metadata.get(b"geo", b"null"))
        if geo is None:
            return FileCrs()
        column = geo.get("columns", {}).get(geo.get("primary_column"), {})
        if "crs" not in column:  # GeoParquet: a missing "crs" means OGC:CRS84, an explicit null unknown
            return FileCrs(default=WGS84_LABEL)
        return FileCrs(declared=_crs_label(column["crs"]))
    try:
        info = pyogrio.read_info(_ogr_source(file), layer=layer)
    except (*_OGR_FAILURES, UnicodeDecodeError) as exc:
        raise SourceFileError(f"Cannot open spatial file {file}: {exc}") from exc
    crs = _crs_label(info["crs"])
    # GDAL reports WGS-84 for every GeoJSON without a crs member (RFC 7946: the only CRS GeoJSON has)
    if info.get("driver") == "GeoJSON" and crs in (None, WGS84_LABEL):
        return FileCrs(default=WGS84_LABEL)
    return FileCrs(declared=crs)


# ---------------------------------------------------------------- checks shared by all formats


def _checked_file(path: str | Path, *, check_suffix: bool = True) -> Path:
    file = Path(path)
    if not file.exists():
        raise SourceFileError(f"Source file {file} does not exist")
    if not file.is_file():
        raise SourceFileError(f"Source file {file} is not a file")
    if check_suffix and file.suffix.lower() not in SUPPORTED_SUFFIXES:
        hint = " (save it as .xlsx)" if file.suffix.lower() == ".xls" else ""
        raise SourceFileError(
            f"Source file {file} has unsupported suffix {file.suffix!r}{hint}; "
            f"supported suffixes: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    if file.stat().st_size == 0:
        raise SourceFileError(f"Source file {file} is empty (0 bytes)")
    return file


def _clean_headers(names: Iterable[Any], file: Path) -> list[str]:
    cleaned = []
    for i, name in enumerate(names):
        text = "" if name is None else str(name).replace("\ufeff", "").strip()
        cleaned.append(text or f"Unnamed: {i}")
    duplicates = sorted({name for name in cleaned if cleaned.count(name) > 1})
    if duplicates:
        raise SourceFileError(
            f"Source file {file} has duplicate column name(s) {', '.join(map(repr, duplicates))}; "
            "each column needs a unique header"
        )
    return cleaned


# ---------------------------------------------------------------- Arrow tables to chunks


def _rebatch(batches: Iterable[pa.RecordBatch], schema: pa.Schema, chunk_rows: int) -> Iterator[pa.Table]:
    """Tables of exactly ``chunk_rows`` rows (the last shorter; one empty table if there are no rows)."""
    pending: list[pa.RecordBatch] = []
    count = 0
    emitted = False
    for batch in batches:
        if batch.num_rows == 0:
            continue
        pending.append(batch)
        count += batch.num_rows
        while count >= chunk_rows:
            table = pa.Table.from_batches(pending, schema)
            yield table.slice(0, chunk_rows)
            emitted = True
            rest = table.slice(chunk_rows)
            pending, count = rest.to_batches(), rest.num_rows
    if count or not emitted:
        yield pa.Table.from_batches(pending, schema)


def _blank_to_null(column: pa.ChunkedArray) -> pa.ChunkedArray:
    blank = pc.utf8_is_space(column)  # true only for non-empty all-whitespace values, U+3000 included
    if not pc.any(blank).as_py():
        return column
    return pc.if_else(blank, pa.scalar(None, pa.string()), column)


def _frame(columns: list[pa.ChunkedArray], names: list[str]) -> pd.DataFrame:
    table = pa.Table.from_arrays([_blank_to_null(c) for c in columns], names=names)
    return table.to_pandas(types_mapper={pa.string(): STRING_DTYPE}.get)


def _arrow_batches(batches: Iterable[pa.RecordBatch], file: Path, what: str) -> Iterator[pa.RecordBatch]:
    """The batches of an Arrow reader, with its parse errors raised as `SourceFileError`."""
    iterator = iter(batches)
    rows = 0
    while True:
        try:
            batch = next(iterator)
        except StopIteration:
            return
        except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:  # OSError: Parquet's damaged pages
            raise _unreadable(file, what, rows, exc) from exc
        rows += batch.num_rows
        yield batch


def _unreadable(file: Path, what: str, rows: int, exc: Exception) -> SourceFileError:
    # Arrow parses a block at a time, so it can say which row text failed but not its number.
    return SourceFileError(f"Cannot read {what} {file}, in the rows after data row {rows}: {exc}")


# ---------------------------------------------------------------- CSV / TXT


@dataclass(frozen=True)
class _TextSource:
    path: Path  # the bytes to parse: the file itself or a UTF-8 copy of it
    codec: str  # Python codec of those bytes
    arrow_encoding: str  # "utf8", or a codec pyarrow transcodes from while it reads
    label: str  # RawChunk.encoding


def _read_text(file: Path, encoding: str | None, chunk_rows: int) -> Iterator[RawChunk]:
    # Everything that can fail on the file as a whole happens before the generator starts.
    stack = contextlib.ExitStack()
    try:
        source = _text_source(file, encoding, stack)
        header_end, names, delimiter = _read_header(source, file)
    except BaseException:
        stack.close()
        raise
    return _text_chunks(file, source, header_end, names, delimiter, chunk_rows, stack)


def _text_chunks(
    file: Path,
    source: _TextSource,
    header_end: int,
    names: list[str],
    delimiter: str,
    chunk_rows: int,
    stack: contextlib.ExitStack,
) -> Iterator[RawChunk]:
    with stack:
        schema = pa.schema([(f"f{i}", pa.string()) for i in range(len(names))])
        malformed: dict[int, tuple[str, str]] = {}  # filled by the slow path as it reads, emptied per chunk
        batches = _text_batches(file, source, header_end, len(names), delimiter, malformed)
        first_row = 1
        for table in _rebatch(batches, schema, chunk_rows):
            end = first_row + table.num_rows
            bad = {row: malformed.pop(row) for row in sorted(malformed) if row < end}
            yield RawChunk(_frame(table.columns, names), first_row, encoding=source.label, malformed=bad)
            first_row = end


def _text_batches(
    file: Path,
    source: _TextSource,
    header_end: int,
    width: int,
    delimiter: str,
    malformed: dict[int, tuple[str, str]],
) -> Iterator[pa.RecordBatch]:
    """The data rows as Arrow batches: Arrow's parser while every row has the header's width; from the first
    row that has not, Python's csv module, which puts an all-NA row in place of each bad one (recorded in
    ``malformed``) so that no row is lost and every row keeps its number."""
    ragged: list[Any] = []

    def on_bad_row(row: Any) -> str:
        ragged.append(row)
        return "error"

    rows = 0
    # read(), not a memory map: the pages of a mapped file stay in the process's resident set until it is
    # unmapped, so a 2.4 GB file added 2.4 GB to the peak RSS of its load
    with pa.OSFile(str(source.path)) as data:
        if header_end >= data.size():
            return
        data.seek(header_end)
        try:
            for batch in _open_csv(data, width, delimiter, source.arrow_encoding, on_bad_row):
                rows += batch.num_rows
                yield batch
            return
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            if not ragged:
                raise _unreadable(file, "text file", rows, exc) from exc
    # the batches before the bad row were read whole (Arrow reports a block's error before its rows)
    yield from _python_batches(file, source, header_end, width, delimiter, rows, malformed)


#: Rows per batch of the slow path (`_python_batches`).
_PYTHON_BATCH_ROWS = 65_536


def _python_batches(
    file: Path,
    source: _TextSource,
    header_end: int,
    width: int,
    delimiter: str,
    skip: int,
    malformed: dict[int, tuple[str, str]],
) -> Iterator[pa.RecordBatch]:
    """The data rows after the first ``skip`` ones, by Python's csv module; a row whose field count is not
    ``width`` becomes an all-NA row and an entry of ``malformed`` under its data-row number."""
    with source.path.open("rb") as raw:
        raw.seek(header_end)
        text = io.TextIOWrapper(raw, encoding=source.codec, errors="replace", newline="")
        records = csv.reader(text, delimiter=delimiter, strict=False)
        row = 0
        columns: list[list[str | None]] = [[] for _ in range(width)]
        try:
            for record in records:
                if not record:  # a blank line, which Arrow skips too
                    continue
                row += 1
                if row <= skip:
                    continue
                if len(record) != width:
                    malformed[row] = (
                        _ragged_reason(len(record), width, delimiter),
                        json.dumps(record, ensure_ascii=False),
                    )
                    record = [""] * width
                for values, value in zip(columns, record, strict=True):
                    values.append(value or None)
                if len(columns[0]) == _PYTHON_BATCH_ROWS:
                    yield _python_batch(columns)
                    columns = [[] for _ in range(width)]
        except csv.Error as exc:
            raise SourceFileError(f"Cannot read text file {file}, data row {row + 1}: {exc}") from exc
        if columns[0]:
            yield _python_batch(columns)


def _python_batch(columns: list[list[str | None]]) -> pa.RecordBatch:
    return pa.record_batch(
        [pa.array(values, type=pa.string()) for values in columns], names=[f"f{i}" for i in range(len(columns))]
    )


def _ragged_reason(found: int, width: int, delimiter: str) -> str:
    shape = "more" if found > width else "fewer"
    return (
        f"the row has {found} fields, {shape} than the header's {width} "
        f"(a {delimiter!r} inside a value that is not quoted, or a quote left open?)"
    )


def _open_csv(
    data: pa.NativeFile, width: int, delimiter: str, encoding: str, on_bad_row: Callable[[Any], str]
) -> pacsv.CSVStreamingReader:
    """A streaming reader of headerless CSV rows, every column as nullable text named f0, f1, …"""
    names = [f"f{i}" for i in range(width)]
    return pacsv.open_csv(
        data,
        read_options=pacsv.ReadOptions(column_names=names, block_size=_CSV_BLOCK_BYTES, encoding=encoding),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_bad_row),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=True,
            null_values=[""],
            check_utf8=False,  # validated, or transcoded to UTF-8 by Arrow, beforehand
        ),
    )


def _text_source(file: Path, encoding: str | None, stack: contextlib.ExitStack) -> _TextSource:
    if encoding is None:
        detected = detect_encoding(file)
        if detected in ("utf-8", "utf-8-sig"):
            return _TextSource(file, "utf-8", "utf8", detected)
        if detected == "utf-16":
            return _utf8_copy(file, "utf-16", detected, stack)
        # One pass: Arrow decodes while it parses, with a codec that puts U+FFFD in place of bad bytes.
        codec = "gb18030" if detected == "gb18030" else "utf-8"
        return _TextSource(file, codec, _replacing_codec(codec), detected)

    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise ValueError(f"Unknown text encoding {encoding!r} for {file}; e.g. 'utf-8', 'gbk', 'gb18030'") from None
    if codec in ("utf-8", "utf-8-sig"):
        if not _is_utf8(file):
            raise SourceFileError(f"Source file {file} is not valid UTF-8: {_decode_error(file, 'utf-8')}")
        return _TextSource(file, "utf-8", "utf8", codec)
    if codec.startswith(("utf-16", "utf-32")):  # NUL bytes: not splittable as bytes, so decode up front
        return _utf8_copy(file, codec, codec, stack)
    return _TextSource(file, codec, codec, codec)


def _is_utf8(file: Path) -> bool:
    """Whether the whole file is valid UTF-8, checked by Arrow's vectorised validator block by block.

    Each block is read into one reused buffer and validated in place up to its last newline byte (never part
    of a multi-byte UTF-8 character); only the short tail after it is copied, to be checked with the next
    block's head.
    """
    buffer = bytearray(_DECODE_BLOCK_BYTES)
    view = memoryview(buffer)
    carry = b""
    with file.open("rb", buffering=0) as f:
        while size := f.readinto(buffer):
            first = buffer.find(b"\n", 0, size) + 1
            last = buffer.rfind(b"\n", 0, size) + 1
            if not first:  # no line ends in this block
                carry += bytes(view[:size])
                continue
            if not (_valid_utf8(carry + bytes(view[:first])) and _valid_utf8(view[first:last])):
                return False
            carry = bytes(view[last:size])
    return _valid_utf8(carry)


def _valid_utf8(data: bytes | memoryview) -> bool:
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    text = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _fits_gb18030_better(file: Path) -> bool:
    """Whether more lines of the file decode as GB18030 alone than as UTF-8.

    Lines are judged one by one, because files mix encodings (a UTF-8 export with a few rows pasted from a
    GBK one): a line that is valid UTF-8 counts for UTF-8 only, since most UTF-8 Chinese text is also a valid,
    garbled GB18030 byte sequence, while GBK text is almost never valid UTF-8. ASCII lines count for neither.
    Judged on up to 64 windows of 64 KB spread over the file, each cut to whole lines (a newline byte never
    sits inside a UTF-8 or GB18030 character); on the whole file when no window has a non-ASCII line.
    """
    size = file.stat().st_size
    windows: list[bytes] = []
    with file.open("rb") as f:
        if size <= _SAMPLE_WINDOWS * _SAMPLE_WINDOW_BYTES:
            windows.append(f.read())
        else:
            for k in range(_SAMPLE_WINDOWS):
                f.seek(k * (size // _SAMPLE_WINDOWS))
                window = f.read(_SAMPLE_WINDOW_BYTES)
                start = window.find(b"\n") + 1 if k else 0
                windows.append(window[start : window.rfind(b"\n") + 1])
    utf8, gb18030 = _line_votes(windows)
    if utf8 == gb18030 == 0 and size > _SAMPLE_WINDOWS * _SAMPLE_WINDOW_BYTES:
        utf8, gb18030 = _line_votes(_blocks_of_lines(file))
    return gb18030 > utf8


def _line_votes(blocks: Iterable[bytes]) -> tuple[int, int]:
    """(lines valid as UTF-8, lines valid only as GB18030) among the non-ASCII lines of ``blocks``."""
    utf8 = gb18030 = 0
    for block in blocks:
        for line in block.split(b"\n"):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                utf8 += 1
                continue
            try:
                line.decode("gb18030")
            except UnicodeDecodeError:
                continue
            gb18030 += 1
    return utf8, gb18030


def _blocks_of_lines(file: Path) -> Iterator[bytes]:
    """The file in blocks of whole lines."""
    carry = b""
    with file.open("rb") as f:
        while block := f.read(_DECODE_BLOCK_BYTES):
            block = carry + block
            cut = block.rfind(b"\n") + 1
            carry = block[cut:]
            yield block[:cut]
    yield carry


_REPLACING_CODECS: dict[str, codecs.CodecInfo] = {}


def _replacing_codec(codec: str) -> str:
    """The name of a codec that decodes like ``codec`` but turns undecodable bytes into U+FFFD.

    pyarrow's transcoder always decodes strictly; it finds codecs by name, so this one is registered.
    """
    name = f"onemap_{codec.replace('-', '_')}_replace"
    if not _REPLACING_CODECS:
        codecs.register(_REPLACING_CODECS.get)
    if name not in _REPLACING_CODECS:
        base = codecs.lookup(codec)
        _REPLACING_CODECS[name] = codecs.CodecInfo(
            base.encode,
            functools.partial(base.decode, errors="replace"),
            name=name,
            incrementalencoder=base.incrementalencoder,
            incrementaldecoder=functools.partial(base.incrementaldecoder, errors="replace"),
        )
    return name


def _decode_error(file: Path, codec: str) -> str | None:
    """Where ``codec`` first fails on the file, or None if the whole file decodes."""
    decoder = codecs.getincrementaldecoder(codec)()
    offset = 0
    with file.open("rb") as f:
        while True:
            block = f.read(_DECODE_BLOCK_BYTES)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                return f"byte {offset + exc.start} ({exc.object[exc.start : exc.start + 4]!r}): {exc.reason}"
            if not block:
                return None
            offset += len(block)


def _utf8_copy(file: Path, codec: str, label: str, stack: contextlib.ExitStack) -> _TextSource:
    """Transcode the file to a temporary UTF-8 file that lives as long as ``stack``."""
    target = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="onemap-"))) / "utf8.csv"
    decoder = codecs.getincrementaldecoder(codec)()
    offset = 0
    with file.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while True:
            block = src.read(_DECODE_BLOCK_BYTES)
            try:
                dst.write(decoder.decode(block, final=not block))
            except UnicodeDecodeError as exc:
                raise SourceFileError(
                    f"Source file {file} is not valid {label}: byte {offset + exc.start}: {exc.reason}"
                ) from exc
            if not block:
                break
            offset += len(block)
    return _TextSource(target, "utf-8", "utf8", label)


def _read_header(source: _TextSource, file: Path) -> tuple[int, list[str], str]:
    """(byte offset where the data rows start, cleaned column names, delimiter) of a text source."""
    size = source.path.stat().st_size
    sample, limit = b"", 1 << 20
    with source.path.open("rb") as f:
        while True:
            sample += f.read(limit - len(sample))
            span = _header_span(sample, at_eof=len(sample) >= size)
            if span is not None:
                break
            if limit >= _HEADER_MAX_BYTES:
                raise SourceFileError(
                    f"Source file {file} has no complete header line in its first {_HEADER_MAX_BYTES >> 20} MB "
                    "(is a quote left open?)"
                )
            limit *= 4
    start, end = span
    line = sample[start:end]
    if not line.strip():
        raise SourceFileError(f"Source file {file} has no header line (it holds only blank lines)")
    if line.count(b'"') % 2:
        raise SourceFileError(f"Source file {file} has an unclosed quote in its header line")
    text = line.decode(source.codec, errors="replace").rstrip("\r\n")
    delimiter = max(_DELIMITERS, key=text.count)  # ties go to the comma
    try:
        names = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise SourceFileError(f"Source file {file} has a header line that cannot be split into columns: {exc}") from exc
    return end, _clean_headers(names, file), delimiter


def _header_span(sample: bytes, *, at_eof: bool) -> tuple[int, int] | None:
    """Byte span of the first non-blank record in ``sample`` (its line end included), None if it may go on.

    A record ends at a line feed, a carriage return or both (CR alone: old Mac files, and Arrow's rule for
    the rows after it) outside quotes. Line-end and quote bytes never occur inside a multi-byte UTF-8 or
    GB18030 character, so this works on the undecoded bytes.
    """
    start = len(codecs.BOM_UTF8) if sample.startswith(codecs.BOM_UTF8) else 0
    while True:  # skip blank lines
        end = _line_end(sample, start)
        if end < 0 or sample[start:end].strip():
            break
        start = end + 1
    position, quotes = start, 0
    while True:
        end = _line_end(sample, position)
        if end < 0:
            return (start, len(sample)) if at_eof else None
        quotes += sample.count(b'"', position, end)
        if quotes % 2 == 0:
            if sample[end : end + 1] == b"\r":
                if end + 1 == len(sample) and not at_eof:
                    return None  # a line feed may follow
                if sample[end + 1 : end + 2] == b"\n":
                    end += 1
            return start, end + 1
        position = end + 1


_LINE_END = re.compile(rb"[\r\n]")


def _line_end(sample: bytes, start: int) -> int:
    found = _LINE_END.search(sample, start)
    return -1 if found is None else found.start()


# ---------------------------------------------------------------- Excel


#: What a damaged workbook raises from inside openpyxl (a cut or corrupted zip, broken XML, odd cell values).
_XLSX_DAMAGE = (
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,  # a zip member compressed with a method Python lacks
    InvalidFileException,
    KeyError,
    EOFError,
    OSError,
    ElementTree.ParseError,
    TypeError,
    ValueError,
)


def _xlsx_rows(rows: Iterator[tuple[Any, ...]], file: Path) -> Iterator[tuple[Any, ...]]:
    """The worksheet's rows, damage in the file raised as `SourceFileError`."""
    read = 0
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except SourceFileError:
            raise
        except _XLSX_DAMAGE as exc:
            raise SourceFileError(
                f"Source file {file} is a damaged .xlsx workbook (after sheet row {read}): {type(exc).__name__}: {exc}"
            ) from exc
        read += 1
        yield row


def _read_xlsx(file: Path, sheet: str | int | None, chunk_rows: int) -> Iterator[RawChunk]:
    try:
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except SourceFileError:
        raise
    except _XLSX_DAMAGE as exc:
        problem = f"{type(exc).__name__}: {exc}"
        raise SourceFileError(f"Source file {file} is not a readable .xlsx workbook: {problem}") from exc
    try:
        worksheet = _worksheet(workbook, sheet, file)
        try:
            worksheet.reset_dimensions()  # some writers store a wrong sheet size; read every row there is
            rows = _xlsx_rows(worksheet.iter_rows(values_only=True), file)
        except AttributeError as exc:  # a chartsheet or a sheet openpyxl cannot stream
            raise SourceFileError(f"Sheet {worksheet.title!r} of {file} is not a table of cells: {exc}") from exc
        header: list[str | None] | None = None
        for row in rows:
            cells = [_cell_text(v) for v in row]
            if any(c is not None for c in cells):
                header = cells
                break
        if header is None:
            raise SourceFileError(f"Sheet {worksheet.title!r} of {file} has no header row (it is empty)")
        while header and header[-1] is None:
            header.pop()
        names = _clean_headers(header, file)
    except BaseException:
        workbook.close()
        raise
    return _xlsx_chunks(file, workbook, worksheet.title, rows, names, chunk_rows)


def _xlsx_chunks(
    file: Path, workbook: Any, title: str, rows: Iterator[tuple[Any, ...]], names: list[str], chunk_rows: int
) -> Iterator[RawChunk]:
    width = len(names)
    malformed: dict[int, tuple[str, str]] = {}
    try:
        pending: list[list[str | None]] = []
        first_row = 1
        emitted = False
        for row in rows:
            cells = [_cell_text(v) for v in row]
            if all(c is None for c in cells):
                continue  # Excel keeps formatted but empty rows; they are not data
            if any(c is not None for c in cells[width:]):
                column = openpyxl.utils.get_column_letter(width + 1)
                reason = f"a value in or after column {column} of sheet {title!r}, which has no header"
                malformed[first_row + len(pending)] = (reason, json.dumps(cells, ensure_ascii=False))
                cells = []
            pending.append(cells[:width] + [None] * (width - len(cells)))
            if len(pending) == chunk_rows:
                yield _xlsx_chunk(pending, names, first_row, malformed)
                first_row += len(pending)
                pending, malformed, emitted = [], {}, True
        if pending or not emitted:
            yield _xlsx_chunk(pending, names, first_row, malformed)
    finally:
        workbook.close()


def _xlsx_chunk(
    rows: list[list[str | None]], names: list[str], first_row: int, malformed: dict[int, tuple[str, str]]
) -> RawChunk:
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    arrays = [pa.chunked_array([pa.array(col, type=pa.string())]) for col in columns]
    return RawChunk(_frame(arrays, names), first_row, malformed=malformed)


def _worksheet(workbook: Any, sheet: str | int | None, file: Path) -> Any:
    sheets = workbook.worksheets
    names = ", ".join(repr(s.title) for s in sheets)
    if sheet is None:
        sheet = 0
    if isinstance(sheet, int):
        if not 0 <= sheet < len(sheets):
            raise SourceFileError(f"{file} has no sheet number {sheet} (0-based); its sheets: {names}")
        return sheets[sheet]
    for candidate in sheets:
        if candidate.title == sheet:
            return candidate
    raise SourceFileError(f"{file} has no sheet {sheet!r}; its sheets: {names}")


def _cell_text(value: Any) -> str | None:
    """The text of one Excel cell: numbers without a spurious ".0", times as ISO, blank as None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        # Excel keeps 15 significant digits: a longer number (a 20-digit id typed into a number cell) was
        # rounded when it was saved, so it is not written out as if its digits were known ("1.2345678901234568e+19").
        return str(int(value)) if value.is_integer() and abs(value) < EXCEL_EXACT_LIMIT else repr(value)
    if isinstance(value, dt.datetime):
        # Excel stores times as fractions of a day; round away the float noise (14:29:59.999 → 14:30:00).
        return (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.replace(microsecond=0).isoformat()
    return str(value)


# ---------------------------------------------------------------- spatial formats


def _read_ogr(file: Path, layer: str | None, encoding: str | None, chunk_rows: int) -> Iterator[RawChunk]:
    source = _ogr_source(file)
    try:
        layers = [str(name) for name in pyogrio.list_layers(source)[:, 0]]
    except (*_OGR_FAILURES, UnicodeDecodeError) as exc:
        raise SourceFileError(f"Cannot open spatial file {file}: {exc}") from exc
    if not layers:
        raise SourceFileError(f"Spatial file {file} holds no layers")
    if layer is not None and layer not in layers:
        raise SourceFileError(f"{file} has no layer {layer!r}; its layers: {', '.join(map(repr, layers))}")
    options: dict[str, Any] = {}
    if file.suffix.lower() in (".shp", ".zip"):
        dbf_encoding = encoding or _undeclared_dbf_encoding(file)
        if dbf_encoding:
            options["encoding"] = dbf_encoding
    stack = contextlib.ExitStack()
    try:
        meta, reader = stack.enter_context(
            pyogrio.open_arrow(source, layer=layer or layers[0], batch_size=chunk_rows, use_pyarrow=True, **options)
        )
    except _OGR_FAILURES as exc:
        stack.close()
        raise SourceFileError(f"Cannot open spatial file {file}: {type(exc).__name__}: {exc}") from exc
    except UnicodeDecodeError as exc:
        stack.close()
        raise SourceFileError(
            f"Cannot decode the field names of spatial file {file} (pass its encoding, e.g. 'gbk'): {exc}"
        ) from exc
    return _ogr_chunks(file, stack, meta, reader, chunk_rows)


def _ogr_chunks(
    file: Path, stack: contextlib.ExitStack, meta: dict[str, Any], reader: Any, chunk_rows: int
) -> Iterator[RawChunk]:
    with stack:
        geometry_column = meta["geometry_name"] or "wkb_geometry"
        if geometry_column not in reader.schema.names:
            geometry_column = None
        crs = _crs_label(meta["crs"])
        batches = _ogr_batches(reader, file)
        yield from _spatial_chunks(batches, reader.schema, geometry_column, crs, chunk_rows, file)


def _ogr_batches(reader: Any, file: Path) -> Iterator[pa.RecordBatch]:
    try:
        yield from _arrow_batches(reader, file, "spatial file")
    except (*_OGR_FAILURES, OSError) as exc:
        raise SourceFileError(f"Cannot read spatial file {file}: {exc}") from exc


def _ogr_source(file: Path) -> str:
    if file.suffix.lower() != ".zip":
        return str(file)
    return f"/vsizip/{file.resolve()}/{_zipped_shapefile(file)}"


def _zipped_shapefile(file: Path) -> str:
    """The name of the one .shp inside the zip archive ``file``."""
    try:
        with zipfile.ZipFile(file) as archive:
            members = [m for m in archive.namelist() if m.lower().endswith(".shp") and not m.startswith("__MACOSX/")]
    except zipfile.BadZipFile as exc:
        raise SourceFileError(f"Source file {file} is not a readable zip archive: {exc}") from exc
    if len(members) != 1:
        found = ", ".join(members) if members else "none"
        raise SourceFileError(f"Zip archive {file} must hold exactly one .shp file; found {found}")
    return members[0]


def _undeclared_dbf_encoding(file: Path) -> str | None:
    """The encoding of a Shapefile's attributes when the file does not declare one, else None.

    Without a .cpg file or a code page byte GDAL reads the .dbf as Latin-1, which garbles the GBK that many
    Chinese Shapefiles hold; so check which of UTF-8 and GB18030 decodes the field names and records.
    """
    if file.suffix.lower() == ".zip":
        prefix = _zipped_shapefile(file)[:-4].lower()
        with zipfile.ZipFile(file) as archive:
            members = {m.lower(): m for m in archive.namelist()}
            if prefix + ".cpg" in members or prefix + ".dbf" not in members:
                return None
            dbf = archive.read(members[prefix + ".dbf"])
    else:
        siblings = {p.suffix.lower(): p for p in file.parent.iterdir() if p.stem == file.stem}
        if ".cpg" in siblings or ".dbf" not in siblings:
            return None
        dbf = siblings[".dbf"].read_bytes()
    if len(dbf) < 32 or dbf[29] != 0:
        return None
    header_length = int.from_bytes(dbf[8:10], "little")
    names = b"".join(dbf[i : i + 11].split(b"\0")[0] for i in range(32, header_length - 1, 32))
    text = names + dbf[header_length:]
    for codec in ("UTF-8", "GB18030"):
        try:
            text.decode(codec)
        except UnicodeDecodeError:
            continue
        return codec
    return None


def _read_parquet(file: Path, chunk_rows: int) -> Iterator[RawChunk]:
    try:
        parquet = pq.ParquetFile(file)
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceFileError(f"Cannot open Parquet file {file}: {exc}") from exc
    schema = parquet.schema_arrow
    geo = json.loads((schema.metadata or {}).get(b"geo", b"null"))
    if geo is None:
        batches = _arrow_batches(parquet.iter_batches(batch_size=chunk_rows), file, "Parquet file")
        return _spatial_chunks(batches, schema, None, None, chunk_rows, file)
    primary = geo["primary_column"]
    columns = geo.get("columns", {})
    if any(info.get("encoding", "WKB").upper() != "WKB" for info in columns.values()):
        return _geoparquet_native(file, chunk_rows)
    # GeoParquet: a missing "crs" key means OGC:CRS84, an explicit null means unknown.
    crs = _crs_label(columns.get(primary, {}).get("crs", "OGC:CRS84"))
    batches = _arrow_batches(parquet.iter_batches(batch_size=chunk_rows), file, "Parquet file")
    other = [name for name in columns if name != primary]
    return _spatial_chunks(batches, schema, primary, crs, chunk_rows, file, wkb_columns=other)


def _geoparquet_native(file: Path, chunk_rows: int) -> Iterator[RawChunk]:
    """GeoParquet with GeoArrow-encoded geometry: read whole by geopandas, then cut into chunks."""
    import geopandas  # a heavy import, needed only for this rare encoding

    frame = geopandas.read_parquet(file)
    crs = _crs_label(frame.crs)
    geometry = frame.geometry.name
    is_geometry = [isinstance(frame[c].dtype, geopandas.array.GeometryDtype) for c in frame.columns]
    others = [c for c, flag in zip(frame.columns, is_geometry, strict=True) if flag and c != geometry]
    for name in others:
        frame[name] = frame[name].to_wkt()
    attributes = pa.Table.from_pandas(pd.DataFrame(frame.drop(columns=geometry)), preserve_index=False)
    geometries = frame.geometry.to_numpy()
    names = _clean_headers(attributes.column_names, file)
    for start in range(0, max(len(frame), 1), chunk_rows):
        part = attributes.slice(start, chunk_rows)
        columns = [_as_text(c) for c in part.columns]
        yield RawChunk(_frame(columns, names), start + 1, geometries[start : start + chunk_rows], crs)


def _spatial_chunks(
    batches: Iterable[pa.RecordBatch],
    schema: pa.Schema,
    geometry_column: str | None,
    crs: str | None,
    chunk_rows: int,
    file: Path,
    *,
    wkb_columns: Iterable[str] = (),
) -> Iterator[RawChunk]:
    attribute_names = [n for n in schema.names if n != geometry_column]
    names = _clean_headers(attribute_names, file)
    wkb = set(wkb_columns)
    first_row = 1
    for table in _rebatch(batches, schema, chunk_rows):
        columns = [_wkb_to_wkt(table[n]) if n in wkb else _as_text(table[n]) for n in attribute_names]
        geometry = errors = None
        if geometry_column is not None:
            geometry, errors = _wkb_to_shapely(table[geometry_column])
        yield RawChunk(_frame(columns, names), first_row, geometry, crs, geometry_errors=errors)
        first_row += table.num_rows


def _wkb_to_shapely(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray | None]:
    """Shapely geometries of a WKB column, and per row why one could not be read (None when all could).

    GEOS refuses some geometries GDAL passes on (a ring that is not closed): each becomes None with its
    message, so one bad feature costs its row, not the file.
    """
    if isinstance(column.type, pa.ExtensionType):
        column = pa.chunked_array([c.storage for c in column.chunks], column.type.storage_type)
    blobs = np.asarray(column.to_numpy(zero_copy_only=False), dtype=object)
    try:
        return shapely.from_wkb(blobs), None
    except shapely.errors.GEOSException:
        pass
    geometries = np.full(len(blobs), None, dtype=object)
    errors = np.full(len(blobs), None, dtype=object)
    for i, blob in enumerate(blobs):  # rare: find the rows GEOS refuses
        try:
            geometries[i] = shapely.from_wkb(blob)
        except shapely.errors.GEOSException as exc:
            errors[i] = str(exc).removeprefix("IllegalArgumentException: ")
    return geometries, errors


def _wkb_to_wkt(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pa.chunked_array([pa.array(shapely.to_wkt(_wkb_to_shapely(column)[0]), type=pa.string())])


def _crs_label(crs: Any) -> str | None:
    """The CRS as "EPSG:n" when it has an EPSG code (OGC:CRS84 counts as EPSG:4326), else its WKT, else None."""
    if crs is None or crs == "":
        return None
    try:
        parsed = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError:
        return str(crs)
    if parsed.to_authority() == ("OGC", "CRS84"):  # lon/lat WGS 84: the same coordinates as EPSG:4326 here
        return "EPSG:4326"
    code = parsed.to_epsg()
    return f"EPSG:{code}" if code is not None else parsed.to_wkt()


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Any Arrow column as strings: integers and integral floats without ".0", times as ISO wall-clock text."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        return _as_text(column.cast(kind.value_type))
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return _valid_text(column.cast(pa.string()))
    if pa.types.is_null(kind):
        return pa.chunked_array([pa.nulls(len(column), pa.string())])
    if pa.types.is_integer(kind) or pa.types.is_decimal(kind) or pa.types.is_boolean(kind):
        return column.cast(pa.string())
    if pa.types.is_floating(kind):
        return _float_text(column)
    if pa.types.is_timestamp(kind):
        # Wall-clock time as written: GeoPackage marks naive local times as UTC, so no zone conversion.
        naive = pc.local_timestamp(column) if kind.tz else column
        return pc.strftime(naive.cast(pa.timestamp("s"), safe=False), format="%Y-%m-%d %H:%M:%S")
    if pa.types.is_date(kind):
        return column.cast(pa.string())
    if pa.types.is_time(kind):
        return column.cast(pa.time32("s"), safe=False).cast(pa.string())
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        values = [None if v is None else v.hex() for v in column.to_pylist()]
        return pa.chunked_array([pa.array(values, type=pa.string())])
    values = [None if v is None else str(v) for v in column.to_pylist()]
    return pa.chunked_array([pa.array(values, type=pa.string())])


def _valid_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """The column with any invalid UTF-8 (a .dbf in another encoding than it says) as U+FFFD, so that only
    those rows are rejected (as undecodable) rather than the file."""
    try:
        column.validate(full=True)
    except pa.ArrowInvalid:
        values = column.cast(pa.binary()).to_pylist()
        return pa.chunked_array([pa.array([None if v is None else v.decode("utf-8", "replace") for v in values])])
    return column


def _float_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    values = column.cast(pa.float64())
    integral = pc.and_(pc.equal(pc.floor(values), values), pc.less(pc.abs(values), _MAX_EXACT_FLOAT))
    as_int = pc.if_else(integral, values, 0.0).cast(pa.int64()).cast(pa.string())
    text = pc.if_else(integral, as_int, column.cast(pa.string()))
    return pc.if_else(pc.is_nan(values), pa.scalar(None, pa.string()), text)

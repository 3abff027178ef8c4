"""A bound on a load's whole memory (``settings.etl_max_memory``), not only DuckDB's.

``settings.etl_memory_limit`` is DuckDB's ``memory_limit``: it bounds DuckDB's buffer manager (the tables a load
builds, its hash tables and sort buffers, the cached pages of the private copy), beyond which DuckDB spills to a
temporary folder. It does not bound the rest of the process: the chunks being read and prepared in Python,
numpy and Arrow (``etl_chunk_rows`` rows each, three at a time: one read ahead, two being prepared), the
prepared rows waiting for their insert (``etl_write_rows``), the freed memory glibc keeps for reuse
(``etl.allocator``), and the interpreter and its libraries (~190 MB). A 1M-row case file (243 MB of CSV) peaks
at 1.6–1.7 GB resident with the defaults and a 1 GB ``etl_memory_limit`` (docs/performance.md).

``etl_max_memory`` bounds all of it. A load with it set (a) sizes itself to fit: chunk rows, rows per insert,
DuckDB's limit and glibc's retention are derived from the bound and the file's bytes per row (`plan`); and
(b) is watched: a thread samples the resident size every 20 ms, and a load that crosses the bound anyway is
stopped (DuckDB's running statement interrupted, the loops checked per chunk) with `MemoryBoundError`, the
database left as it was. It stops within one chunk's work of crossing it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from settings import Settings

from .allocator import KEEP_BYTES
from .readers import TEXT_SUFFIXES

_UNITS = {"": 1, "b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "kib": 1024, "mib": 1024**2, "gib": 1024**3}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", re.IGNORECASE)

#: Resident memory of a load before its chunks: the interpreter and libraries, DuckDB's own, the grid index and
#: the rollup refresh at the end (1M rows: 25k-row chunks peaked at 750 MB, 60k-row ones at 926 MB).
BASE_BYTES = 700_000_000
#: Resident bytes per raw byte of a row in a chunk, with the chunks in flight and the insert batch of twice
#: the chunk: 3.2 KB a row measured for the benchmark's 243-byte CSV rows (13 per byte), with a margin.
BYTES_PER_RAW_BYTE = 15
#: Share of DuckDB's limit a case load fills (most of it at the insert and the rollup refresh).
DUCKDB_SHARE = 0.3
#: Bytes per row assumed for a file whose rows cannot be measured from its text (Excel, spatial formats).
ASSUMED_ROW_BYTES = 300
MIN_CHUNK_ROWS = 10_000


class MemoryBoundError(RuntimeError):
    """A load needed more memory than ``settings.etl_max_memory``; it was stopped and nothing was written."""


def parse_bytes(text: str) -> int:
    """``"1.5GB"``, ``"800MB"``, ``"2GiB"`` (DuckDB's units) → bytes; ValueError naming the text otherwise."""
    match = _SIZE.fullmatch(str(text))
    if match is None or match[2].lower() not in _UNITS:
        raise ValueError(f"not a memory size: {text!r}; e.g. '1.5GB', '800MB' or '2GiB'")
    return int(float(match[1]) * _UNITS[match[2].lower()])


def row_bytes(path: Path) -> int:
    """Bytes per row of a text file, from its first megabyte; `ASSUMED_ROW_BYTES` for other formats."""
    if path.suffix.lower() not in TEXT_SUFFIXES or not path.is_file():
        return ASSUMED_ROW_BYTES
    with path.open("rb") as f:
        head = f.read(1 << 20)
    lines = head.count(b"\n")
    return max(len(head) // lines, 50) if lines > 1 else ASSUMED_ROW_BYTES


@dataclass(frozen=True)
class Plan:
    """How a load uses memory: its chunk and insert sizes, DuckDB's limit, glibc's retention, and the bound."""

    chunk_rows: int
    write_rows: int
    duckdb_limit: str
    keep_bytes: int
    bound: int | None  # bytes; None = not bounded

    def settings(self, settings: Settings) -> Settings:
        """``settings`` with this plan's sizes."""
        return dataclasses.replace(
            settings,
            etl_chunk_rows=self.chunk_rows,
            etl_write_rows=self.write_rows,
            etl_memory_limit=self.duckdb_limit,
        )


def plan(settings: Settings, paths: list[Path]) -> Plan:
    """The memory plan of a load of ``paths`` under ``settings`` (see the module docstring)."""
    if not settings.etl_max_memory:
        return Plan(settings.etl_chunk_rows, settings.etl_write_rows, settings.etl_memory_limit, KEEP_BYTES, bound=None)
    bound = parse_bytes(settings.etl_max_memory)
    duckdb_bytes = int(min(parse_bytes(settings.etl_memory_limit), max(100e6, 0.2 * bound)))
    widest = max((row_bytes(p) for p in paths), default=ASSUMED_ROW_BYTES)
    per_row = BYTES_PER_RAW_BYTE * widest
    room = 0.85 * bound - BASE_BYTES - DUCKDB_SHARE * duckdb_bytes
    if room < MIN_CHUNK_ROWS * per_row:
        need = BASE_BYTES + DUCKDB_SHARE * 100e6 + MIN_CHUNK_ROWS * per_row
        raise MemoryBoundError(
            f"setting etl_max_memory = {settings.etl_max_memory} is below what a load needs to start: about "
            f"{need / 1e9:.2f} GB for rows of {widest} bytes ({MIN_CHUNK_ROWS:,}-row chunks)"
        )
    chunk_rows = max(MIN_CHUNK_ROWS, min(settings.etl_chunk_rows, int(room // per_row)))
    return Plan(
        chunk_rows=chunk_rows,
        write_rows=min(settings.etl_write_rows, 2 * chunk_rows),
        duckdb_limit=f"{duckdb_bytes // 1_000_000}MB",
        keep_bytes=int(min(KEEP_BYTES, 0.05 * bound)),
        bound=bound,
    )


def resident_bytes() -> int:
    """This process's resident set size now."""
    with Path("/proc/self/statm").open(encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class MemoryGuard:
    """Watches the process's resident size against ``bound`` while a load runs (`watch`)."""

    def __init__(self, bound: int | None, *, what: str, interval: float = 0.02) -> None:
        self.bound, self.what, self.interval = bound, what, interval
        self.peak = 0
        self.tripped = threading.Event()
        self._stop = threading.Event()
        self._con: duckdb.DuckDBPyConnection | None = None

    def _measure(self) -> None:
        assert self.bound is not None
        rss = resident_bytes()
        self.peak = max(self.peak, rss)
        if rss > self.bound and not self.tripped.is_set():
            self.tripped.set()
            if self._con is not None:
                self._con.interrupt()  # stop DuckDB's statement; the loops stop at their next check

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self._measure()

    def check(self) -> None:
        """Raise `MemoryBoundError` once the bound was crossed (the loaders call it per chunk)."""
        if self.tripped.is_set():
            raise self.error()

    def error(self) -> MemoryBoundError:
        return MemoryBoundError(
            f"the load ({self.what}) was stopped at {self.peak / 1e9:.2f} GB resident, over setting "
            f"etl_max_memory = {self.bound / 1e9 if self.bound else 0:.2f} GB; nothing was written. Raise the "
            "setting, or lower etl_chunk_rows for files with very wide rows"
        )

    @contextlib.contextmanager
    def watch(self, con: duckdb.DuckDBPyConnection) -> Iterator[MemoryGuard]:
        """Watch while the block runs on ``con``; any failure after the bound was crossed is `MemoryBoundError`."""
        if self.bound is None:
            yield self
            return
        self._con = con
        _ACTIVE_GUARDS.append(self)
        sampler = threading.Thread(target=self._sample, name="onemap-memory-guard", daemon=True)
        sampler.start()
        try:
            yield self
            self._measure()  # once more at the end: a short load may finish between two samples
            self.check()
        except MemoryBoundError:
            raise
        except Exception as exc:
            if self.tripped.is_set():
                raise self.error() from exc
            raise
        finally:
            self._stop.set()
            sampler.join()
            _ACTIVE_GUARDS.remove(self)
            self._con = None


_ACTIVE_GUARDS: list[MemoryGuard] = []


def check_memory() -> None:
    """Stop the running load if its memory guard was tripped (called by the loaders once per chunk)."""
    for guard in _ACTIVE_GUARDS:
        guard.check()

"""Bookkeeping shared by every load: per-row verdicts, the rejected-rows table and the run log."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from core.clock import local_now
from core.privacy import mask_record, mask_text

from .readers import RawChunk


class Verdicts:
    """The first reason each row of a chunk is rejected for; rows without one are loaded."""

    def __init__(self, n: int) -> None:
        self.code = np.full(n, None, dtype=object)
        self.text = np.full(n, None, dtype=object)
        self._rejected = np.zeros(n, dtype=bool)  # kept beside ``code``: isna over objects costs ~1 ms per 10k

    @property
    def ok(self) -> np.ndarray:
        return ~self._rejected

    def reject(
        self,
        mask: np.ndarray | pd.Series,
        code: str,
        text: str | pd.Series | np.ndarray | Callable[[], pd.Series | np.ndarray],
    ) -> None:
        """Reject the rows in ``mask`` not rejected already.

        ``text`` is one message, one per row, or a function returning one per row (called only when some
        row is rejected: building messages for a million good rows costs more than the checks).
        """
        mask = np.asarray(mask, dtype=bool) & ~self._rejected
        if not mask.any():
            return
        self._rejected |= mask
        self.code[mask] = code
        if callable(text):
            text = text()
        if isinstance(text, str):
            self.text[mask] = text
        else:
            self.text[mask] = np.asarray(text, dtype=object)[mask]


def originals_json(frame: pd.DataFrame, mapping: dict[str, str]) -> list[str]:
    """Each row's original values as a JSON object (Chinese kept readable), personal data masked by the one rule
    (``core.privacy.mask_record``: names and phone numbers, free text and unmapped columns; the identifiers,
    codes and times the loader maps are kept, so the row can still be found and fixed). ``mapping``: field →
    header, as ``map_columns`` gives it."""
    if frame.empty:
        return []
    fields = {header: field for field, header in mapping.items()}
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return [json.dumps(mask_record(record, fields), ensure_ascii=False, default=str) for record in records]


def rejects_frame(
    raw: pd.DataFrame,
    first_row: int,
    verdicts: Verdicts,
    mapping: dict[str, str],
    malformed: Mapping[int, tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Rows of ``rejected_row`` (without run bookkeeping) for the rejected rows of a chunk (``mapping``: field →
    header, for ``originals_json``).

    ``malformed``: the chunk's rows the reader could not split (`RawChunk.malformed`), whose original is the
    list of their fields rather than the empty row that stands in for them.
    """
    bad = ~verdicts.ok
    rows = raw.loc[bad]
    numbers = np.flatnonzero(bad) + first_row
    originals = originals_json(rows, mapping)
    if malformed:  # the fields of a row that could not be split: masked as free text (no header names them)
        originals = [
            mask_text(malformed[n][1]) if n in malformed else text for n, text in zip(numbers, originals, strict=True)
        ]
    return pd.DataFrame(
        {
            "row_number": numbers,
            "reason_code": verdicts.code[bad].astype(str),
            "reason": verdicts.text[bad].astype(str),
            "original": originals,
        }
    )


def reject_malformed(chunk: RawChunk, verdicts: Verdicts) -> None:
    """Reject the rows the reader could not split into the header's columns, with its reason (first of all)."""
    if not chunk.malformed:
        return
    rows = np.array(sorted(chunk.malformed), dtype=np.int64) - chunk.first_row
    mask = np.zeros(len(chunk.frame), dtype=bool)
    mask[rows] = True
    text = np.full(len(chunk.frame), None, dtype=object)
    text[rows] = [chunk.malformed[n][0] for n in sorted(chunk.malformed)]
    verdicts.reject(mask, "malformed_row", text)


@dataclass
class LoadReport:
    """What one load read, loaded, rejected and flagged. ``read == loaded + rejected`` always."""

    entity: str
    source: str
    source_file: str
    run_id: int = 0
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    flagged: Counter[str] = field(default_factory=Counter)
    message: str = ""
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage, where the loader measures them

    def summary(self) -> str:
        lines = [
            f"{self.entity} from {self.source_file} (source {self.source}, run {self.run_id}): "
            f"read {self.read} = loaded {self.loaded} + rejected {self.rejected}",
            f"  loaded: inserted {self.inserted}, updated {self.updated}, unchanged {self.unchanged}",
        ]
        if self.reasons:
            lines.append("  rejected: " + ", ".join(f"{k} {v}" for k, v in self.reasons.most_common()))
        flagged = {k: v for k, v in self.flagged.items() if v}
        if flagged:
            lines.append("  flagged: " + ", ".join(f"{k} {v}" for k, v in sorted(flagged.items())))
        if self.message:
            lines.append("  " + self.message)
        return "\n".join(lines)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def next_run_id(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM etl_run").fetchall()[0][0])


def create_rejects_stage(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rejects ("
        " row_number BIGINT, reason_code VARCHAR, reason VARCHAR, original VARCHAR)"
    )


def stage_rejects(con: duckdb.DuckDBPyConnection, rejects: pd.DataFrame) -> None:
    if rejects.empty:
        return
    con.register("_rej_chunk", rejects)
    con.execute("INSERT INTO _rejects BY NAME SELECT * FROM _rej_chunk")
    con.unregister("_rej_chunk")


def finish_run(
    con: duckdb.DuckDBPyConnection,
    report: LoadReport,
    *,
    path: Path,
    started_at: dt.datetime,
    timezone: str,
    sha256: str | None = None,
) -> None:
    """Move staged rejects into ``rejected_row``, fill the report's reject counts and write ``etl_run``.

    ``sha256``: the file's digest when the caller has it already (``file_sha256``)."""
    con.execute(
        "INSERT INTO rejected_row SELECT $run, $entity, $file, row_number, reason_code, reason, original "
        "FROM _rejects ORDER BY row_number",
        {"run": report.run_id, "entity": report.entity, "file": str(path)},
    )
    report.reasons = Counter(dict(con.execute("SELECT reason_code, count(*) FROM _rejects GROUP BY ALL").fetchall()))
    report.rejected = sum(report.reasons.values())
    report.loaded = report.read - report.rejected
    if report.loaded != report.inserted + report.updated + report.unchanged:
        raise AssertionError(f"row accounting broken: {report}")
    con.execute(
        "INSERT INTO etl_run VALUES ($run, $entity, $source, $file, $sha, $started, $finished, $read, $loaded,"
        " $rejected, $inserted, $updated, $unchanged, $flagged, $message)",
        {
            "run": report.run_id,
            "entity": report.entity,
            "source": report.source,
            "file": str(path),
            "sha": sha256 or file_sha256(path),
            "started": started_at,
            "finished": local_now(timezone),
            "read": report.read,
            "loaded": report.loaded,
            "rejected": report.rejected,
            "inserted": report.inserted,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "flagged": json.dumps({k: v for k, v in report.flagged.items() if v}, ensure_ascii=False),
            "message": report.message or None,
        },
    )
    con.execute("DROP TABLE _rejects")

"""The load loop shared by every entity but cases: read chunks, prepare rows, reject duplicates, merge on a key.

Merge semantics: a row whose key exists with identical values is left alone (unchanged), a row whose values
differ replaces it (updated), a new key is inserted. Within one file a key may appear once: the last row wins
and earlier ones are rejected with reason ``duplicate_id``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from tqdm import tqdm

from core.clock import local_now
from settings import Settings

from .columns import map_columns
from .crs import ResolvedCrs, resolve_crs
from .membound import check_memory
from .readers import RawChunk, file_crs, read_table
from .runlog import (
    LoadReport,
    Verdicts,
    create_rejects_stage,
    finish_run,
    next_run_id,
    originals_json,
    reject_malformed,
    rejects_frame,
    stage_rejects,
)
from .sources import SourceOptions
from .values import STRING


@dataclass
class Batch:
    """What a prepare function sees: one chunk, its column mapping, verdicts to reject into, flag counters."""

    chunk: RawChunk
    raw: pd.DataFrame
    mapping: dict[str, str]
    verdicts: Verdicts
    flags: Counter[str]
    options: SourceOptions
    settings: Settings
    con: duckdb.DuckDBPyConnection
    run_id: int
    state: dict  # per-load memo for the prepare function (dictionaries read once)
    crs: ResolvedCrs  # the coordinate system of the file's coordinates (``options.crs`` holds its name)
    path: Path  # the file being loaded


#: prepare(batch) -> rows in table columns (one per raw row, any content for rejected rows)
Prepare = Callable[[Batch], pd.DataFrame]


@dataclass(frozen=True)
class EntitySpec:
    entity: str
    table: str
    key: tuple[str, ...]
    prepare: Prepare
    #: required fields a load option can stand in for: (field, option name), e.g. a grid file's level and --level
    optional_by: tuple[tuple[str, str], ...] = ()

    def optional(self, options: SourceOptions) -> tuple[str, ...]:
        """The required fields these options make optional."""
        return tuple(name for name, option in self.optional_by if getattr(options, option) is not None)


def _table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()]  # table from an EntitySpec


def load_keyed(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    spec: EntitySpec,
    options: SourceOptions,
    settings: Settings,
    *,
    progress: bool = False,
) -> LoadReport:
    """Load ``path`` as ``spec.entity`` into ``spec.table`` through ``con`` (a ``store.writing`` connection)."""
    started = local_now(settings.timezone)
    path = Path(path)
    crs = resolve_crs(file_crs(path, layer=options.layer), options.crs, force=options.force_crs, path=path)
    options = options.with_crs(crs.name)
    report = LoadReport(spec.entity, options.source, str(path), run_id=next_run_id(con))
    columns = _table_columns(con, spec.table)
    con.execute(f'CREATE OR REPLACE TEMP TABLE _stage AS SELECT *, 0::BIGINT AS _row FROM "{spec.table}" LIMIT 0')
    create_rejects_stage(con)
    flags: Counter[str] = Counter()
    state: dict = {}
    mapping: dict[str, str] | None = None
    bar = tqdm(desc=f"{spec.entity} {path.name}", unit=" rows", disable=not progress, unit_scale=True)
    for chunk in read_table(
        path, encoding=options.encoding, sheet=options.sheet, layer=options.layer, chunk_rows=settings.etl_chunk_rows
    ):
        if mapping is None:
            mapping = map_columns(
                list(chunk.frame.columns), spec.entity, options.columns, optional=spec.optional(options)
            )
        raw = chunk.frame.reset_index(drop=True)
        report.read += len(raw)
        v = Verdicts(len(raw))
        reject_malformed(chunk, v)
        _reject_undecodable(raw, mapping, chunk, v)
        batch = Batch(chunk, raw, mapping, v, flags, options, settings, con, report.run_id, state, crs, path)
        rows = spec.prepare(batch) if len(raw) else pd.DataFrame(columns=columns)
        stage_rejects(con, rejects_frame(raw, chunk.first_row, v, mapping, chunk.malformed))
        ok = np.flatnonzero(v.ok)
        if len(ok):
            staged = rows.iloc[ok].reset_index(drop=True)
            staged["_row"] = ok + chunk.first_row
            if "run_id" in columns:
                staged["run_id"] = report.run_id
            con.register("_chunk", staged)
            con.execute("INSERT INTO _stage BY NAME SELECT * FROM _chunk")
            con.unregister("_chunk")
        bar.update(len(raw))
        check_memory()
    bar.close()
    _reject_duplicates(con, path, spec, options, mapping or {})
    _merge(con, spec, columns, report)
    report.flagged = flags
    finish_run(con, report, path=path, started_at=started, timezone=settings.timezone)
    con.execute("DROP TABLE _stage")
    return report


def _reject_undecodable(raw: pd.DataFrame, mapping: dict[str, str], chunk: RawChunk, v: Verdicts) -> None:
    bad = np.zeros(len(raw), dtype=bool)
    for header in dict.fromkeys(mapping.values()):
        bad |= raw[header].astype(STRING).str.contains("\ufffd", regex=False).fillna(False).to_numpy(bool)
    v.reject(bad, "undecodable_text", f"text not decodable as UTF-8 or GB18030 ({chunk.encoding})")


def _reject_duplicates(
    con: duckdb.DuckDBPyConnection, path: Path, spec: EntitySpec, options: SourceOptions, mapping: dict[str, str]
) -> None:
    key = ", ".join(spec.key)
    dups = con.execute(
        f"SELECT _row, last_row, concat_ws(' / ', {key}) AS key FROM ("
        f" SELECT _row, {key}, max(_row) OVER (PARTITION BY {key}) AS last_row FROM _stage)"
        " WHERE _row < last_row ORDER BY _row"
    ).df()
    if dups.empty:
        return
    wanted = dups["_row"].to_numpy()
    originals: dict[int, str] = {}
    for chunk in read_table(path, encoding=options.encoding, sheet=options.sheet, layer=options.layer):
        rows = np.arange(len(chunk.frame)) + chunk.first_row
        hit = np.isin(rows, wanted)
        if hit.any():
            originals.update(
                zip(rows[hit].tolist(), originals_json(chunk.frame.iloc[np.flatnonzero(hit)], mapping), strict=True)
            )
    stage_rejects(
        con,
        pd.DataFrame(
            {
                "row_number": dups["_row"],
                "reason_code": "duplicate_id",
                "reason": f"{'/'.join(spec.key)} "
                + dups["key"].astype(str)
                + " appears again in row "
                + dups["last_row"].astype(str)
                + " of the same file; the last row is loaded",
                "original": dups["_row"].map(originals),
            }
        ),
    )
    con.register("_dups", dups[["_row"]])
    con.execute("DELETE FROM _stage WHERE _row IN (SELECT _row FROM _dups)")
    con.unregister("_dups")


def _merge(con: duckdb.DuckDBPyConnection, spec: EntitySpec, columns: list[str], report: LoadReport) -> None:
    values = [c for c in columns if c not in spec.key and c not in {"run_id", "grid_id"}]
    join = " AND ".join(f's."{k}" = t."{k}"' for k in spec.key)
    same = " AND ".join(f's."{c}" IS NOT DISTINCT FROM t."{c}"' for c in values) or "TRUE"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _match AS SELECT s._row, ({same}) AS same "
        f'FROM _stage s JOIN "{spec.table}" t ON {join}'
    )
    count = lambda sql: int(con.execute(sql).fetchall()[0][0])  # noqa: E731
    report.unchanged = count("SELECT count(*) FROM _match WHERE same")
    report.updated = count("SELECT count(*) FROM _match WHERE NOT same")
    report.inserted = count("SELECT count(*) FROM _stage") - report.unchanged - report.updated
    con.execute(
        f'DELETE FROM "{spec.table}" t WHERE EXISTS (SELECT 1 FROM _stage s JOIN _match m USING (_row) '
        f"WHERE NOT m.same AND {join})"
    )
    insert_columns = [c for c in columns if c != "grid_id"]
    names = ", ".join(f'"{c}"' for c in insert_columns)
    extra = ""
    if "grid_id" in columns:
        names = '"grid_id", ' + names
        extra = "(SELECT coalesce(max(grid_id), 0) FROM grid) + row_number() OVER (ORDER BY _row), "
    con.execute(
        f'INSERT INTO "{spec.table}" ({names}) SELECT {extra}'
        + ", ".join(f'"{c}"' for c in insert_columns)
        + " FROM _stage WHERE _row NOT IN (SELECT _row FROM _match WHERE same) ORDER BY _row"
    )
    con.execute("DROP TABLE _match")

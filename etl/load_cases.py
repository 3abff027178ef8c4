"""Load cases: read → validate and normalise → convert coordinates → assign grids → deadlines → merge.

Semantics: merge on (source, source_id). A row whose source values are unchanged is not rewritten, so
loading the same file twice changes nothing. Rows are prepared in chunks (bounded memory) and merged into
``cases`` a batch at a time (``settings.etl_write_rows``), inside the load's private database copy
(``store.writing``): the whole load still becomes visible at once, or not at all.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
from tqdm import tqdm

from core.clock import local_now
from core.privacy import contact_masked, mask_text_column
from settings import Settings

from . import case_delta
from .case_context import SATISFACTION, STEP_FIELDS, CaseContext
from .columns import map_columns
from .crs import resolve_crs
from .membound import check_memory
from .pipeline import Background, in_background
from .points import column as _column
from .points import locate, undecodable_rows
from .readers import RawChunk, file_crs, read_table
from .runlog import (
    LoadReport,
    Verdicts,
    create_rejects_stage,
    file_sha256,
    finish_run,
    next_run_id,
    reject_malformed,
    rejects_frame,
    stage_rejects,
)
from .sources import SourceOptions
from .spark_engine import check_engine
from .timebounds import TimeBounds
from .timeparse import parse_times
from .values import STRING, lookup_names, parse_counts, parse_flags, reject_rounded_ids

_NAT = np.datetime64("NaT", "ns").view(np.int64)


_TIMINGS_LOCK = threading.Lock()


@contextmanager
def _timed(timings: Counter[str] | None, stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    if timings is not None:
        with _TIMINGS_LOCK:  # chunks are prepared in several threads
            timings[stage] += time.perf_counter() - start


def _times(raw: pd.DataFrame, mapping: dict[str, str], v: Verdicts, bounds: TimeBounds) -> pd.DataFrame:
    times = {}
    for name in STEP_FIELDS:
        values = _column(raw, mapping, name)
        parsed, bad = parse_times(values)
        header = mapping.get(name, name)
        v.reject(
            bad.to_numpy(bool),
            "bad_time",
            lambda h=header, f=name, x=values: f"{h} ({f}) is not a time: " + x.astype(str),
        )
        times[name] = parsed.to_numpy("datetime64[ns]")
        bounds.reject(times[name], v, f"{header} ({name})")
    v.reject(
        np.isnat(times["reported_at"]),
        "missing_time",
        f"{mapping.get('reported_at', 'reported_at')} (reported_at) is empty",
    )
    # each present step time must not precede the latest earlier present one; steps × rows, so the running
    # maximum runs along contiguous rows, and NaT is int64's minimum, so it never raises the maximum
    stack = np.stack([times[n].view(np.int64) for n in STEP_FIELDS])
    running = np.maximum.accumulate(stack, axis=0)
    late = np.zeros(stack.shape, dtype=bool)
    late[1:] = (stack[1:] < running[:-1]) & (stack[1:] != _NAT)
    out_of_order = late.any(axis=0)
    rows = np.flatnonzero(out_of_order)
    if len(rows):
        text = np.full(len(raw), None, dtype=object)
        for i in rows:  # rare rows only: name the pair of steps that is out of order
            a = int(np.argmax(late[:, i]))
            b = int(np.argmax(stack[:, i] == running[a - 1, i]))
            text[i] = (
                f"{STEP_FIELDS[a]} {pd.Timestamp(stack[a, i])} is before {STEP_FIELDS[b]} {pd.Timestamp(stack[b, i])}"
            )
        v.reject(out_of_order, "times_out_of_order", text)
    return pd.DataFrame(times)


def _categories(raw: pd.DataFrame, mapping: dict[str, str], ctx: CaseContext) -> pd.DataFrame:
    """The class of each case: from its code, else from its category name (``事件类型: 暴露垃圾``), in the load's
    category system (GB/T codes, the hotline's topics, or a loaded category map's source codes)."""
    src = _column(raw, mapping, "category_code")
    topic = _column(raw, mapping, "topic_code")
    name = _column(raw, mapping, "category_name")
    system = ctx.category_system
    by_name = name.str.lower().map(ctx.category_names).astype(STRING)  # a name → the system's code
    if system == "gbt":
        wanted = src.fillna(by_name)
        code = wanted.where(wanted.isin(ctx.categories))
        unmapped = (src.notna() | name.notna()) & code.isna()
    elif system == "hotline":
        topic = topic.fillna(src).fillna(by_name)
        topics = ctx.topics.set_index("topic_code")["category_code"]
        known = topic.isin(topics.index)
        code = topic.map(topics).astype(STRING)
        unmapped = (topic.notna() | name.notna()) & ~known
        src = src.fillna(topic)
    else:
        code = src.fillna(by_name).map(ctx.category_map).astype(STRING)
        unmapped = (src.notna() | name.notna()) & code.isna()
    unmapped = unmapped | src.isna() & name.isna() & (topic.isna() if system == "hotline" else True)
    return pd.DataFrame(
        {
            "category_src_code": src.fillna(name).reset_index(drop=True),
            "category_code": code.reset_index(drop=True),
            "category_unmapped": unmapped.fillna(True).to_numpy(bool),
            "topic_code": (
                topic if system == "hotline" else pd.Series(pd.NA, index=raw.index, dtype=STRING)
            ).reset_index(drop=True),
        }
    )


def _derived_status(times: pd.DataFrame) -> pd.Series:
    order = [
        ("evaluated_at", "evaluated"),
        ("closed_at", "closed"),
        ("checked_at", "checking"),
        ("handled_at", "handled"),
        ("signed_at", "handling"),
        ("dispatched_at", "dispatched"),
        ("registered_at", "registered"),
        ("accepted_at", "accepted"),
    ]
    status = np.full(len(times), "reported", dtype=object)
    for column, state in reversed(order):
        status = np.where(times[column].notna().to_numpy(), state, status)
    return pd.Series(status, dtype=STRING)


def prepare_chunk(
    chunk: RawChunk,
    mapping: dict[str, str],
    ctx: CaseContext,
    options: SourceOptions,
    run_id: int,
    loaded_at: dt.datetime,
    flags: Counter[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One chunk's rows for the stage table, and its rejected rows."""
    raw = chunk.frame.reset_index(drop=True)
    n = len(raw)
    v = Verdicts(n)
    reject_malformed(chunk, v)
    mapped_headers = list(dict.fromkeys(mapping.values()))
    v.reject(
        undecodable_rows(raw, mapped_headers),
        "undecodable_text",
        f"text not decodable as UTF-8 or GB18030 ({chunk.encoding})",
    )

    source_id = _column(raw, mapping, "source_id")
    v.reject(source_id.isna().to_numpy(), "missing_id", f"{mapping['source_id']} (source_id) is empty")
    reject_rounded_ids(v, source_id, mapping["source_id"])

    channel_raw = _column(raw, mapping, "channel")
    if options.channel:
        channel_raw = channel_raw.fillna(options.channel)
    channel, unknown = lookup_names(channel_raw, ctx.channels)
    v.reject(
        unknown,
        "bad_value",
        lambda: "unknown channel " + channel_raw.astype(str) + f"; valid: {sorted(set(ctx.channels.values()))}",
    )
    v.reject(channel.isna().to_numpy(), "missing_value", "channel is empty and the source declares no default")

    times = _times(raw, mapping, v, ctx.time_bounds)
    coords = locate(raw, chunk, mapping, ctx.crs, ctx.settings, v, flags, options.require_location, path=ctx.path)

    status_raw = _column(raw, mapping, "status")
    status, unknown = lookup_names(status_raw, ctx.states)
    v.reject(
        unknown,
        "bad_value",
        lambda: (
            "unknown status "
            + status_raw.astype(str)
            + f"; valid: {sorted(set(ctx.states.values()))} or their Chinese names"
        ),
    )
    if status.isna().any():  # no status column, or empty cells: the latest step reached tells
        status = status.fillna(_derived_status(times))

    flag_values, counts, satisfaction = _small_values(raw, mapping, v)

    ok = v.ok
    rejects = rejects_frame(raw, chunk.first_row, v, mapping, chunk.malformed)
    if not ok.any():
        return pd.DataFrame(), rejects

    keep = np.flatnonzero(ok)
    kept = _keeper(keep, n)
    raw_ok, times, coords = kept(raw), kept(times), kept(coords)
    out = pd.DataFrame({"_row": keep + chunk.first_row})
    out["source_id"] = kept(source_id)  # source, case_uid, src_crs, run_id, loaded_at: added by _merge
    out["channel"] = kept(channel)
    cats = _categories(raw_ok, mapping, ctx)
    out = pd.concat([out, cats], axis=1)
    out["request_nature"] = _column(raw_ok, mapping, "request_nature")
    for name in ("address", "description"):  # free text: the place stays, the person goes (core.privacy)
        out[name] = mask_text_column(_column(raw_ok, mapping, name))
    out = pd.concat([out, coords], axis=1)
    out = pd.concat([out, times], axis=1)
    with _timed(ctx.timings, "assign_grids"):
        grids = ctx.assigner.assign(
            out["lon"].to_numpy(), out["lat"].to_numpy(), times["reported_at"].to_numpy(), workers=1
        )
    out = pd.concat([out, grids], axis=1)

    dept_code = _column(raw_ok, mapping, "dept_code")
    dept_name = _column(raw_ok, mapping, "dept_name")
    by_name, _ = lookup_names(dept_name, ctx.departments)
    dept = dept_code.fillna(by_name)
    routed = dept.isna()
    if routed.any():
        dept = dept.fillna(ctx.route(out["category_code"], grids))
    out["dept_code"] = dept
    out["status"] = kept(status)
    out["is_urgent"] = kept(flag_values["is_urgent"])
    out["is_supervised"] = kept(flag_values["is_supervised"])
    for name in ("dispatch_count", "return_count", "rework_count"):
        out[name] = kept(counts[name])
    out["satisfaction"] = kept(satisfaction)
    names = _column(raw_ok, mapping, "contact_name") if "contact_name" in mapping else None
    phones = _column(raw_ok, mapping, "contact_phone") if "contact_phone" in mapping else None
    out["contact_masked"] = contact_masked(names, phones, len(out))
    with _timed(ctx.timings, "deadlines"):
        _deadlines(out, kept(counts["extension_days"]), ctx)
    out["row_hash"] = _row_hashes(raw_ok[mapped_headers], options.fingerprint())
    flags["outside_grid"] += int(out["outside_grid"].sum())
    flags["category_unmapped"] += int(out["category_unmapped"].sum())
    flags["no_location"] += int(out["lon"].isna().sum())
    flags["routed_by_rule"] += int(routed.sum())
    return out, rejects


def _small_values(
    raw: pd.DataFrame, mapping: dict[str, str], v: Verdicts
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], pd.Series]:
    """The yes/no flags, the whole-number counts and the follow-up answer of every row, bad values rejected."""
    flag_values = {}
    for name in ("is_urgent", "is_supervised"):
        flag, bad = parse_flags(_column(raw, mapping, name))
        v.reject(
            bad,
            "bad_value",
            lambda f=name: f"{mapping.get(f, f)} ({f}) is not yes/no: " + _column(raw, mapping, f).astype(str),
        )
        flag_values[name] = flag
    counts = {}
    for name in ("dispatch_count", "return_count", "rework_count", "extension_days"):
        count, bad = parse_counts(_column(raw, mapping, name))
        v.reject(
            bad,
            "bad_value",
            lambda f=name: f"{mapping.get(f, f)} ({f}) is not a whole number: " + _column(raw, mapping, f).astype(str),
        )
        counts[name] = count
    sat_raw = _column(raw, mapping, "satisfaction")
    satisfaction, unknown = lookup_names(sat_raw, SATISFACTION)
    v.reject(
        unknown, "bad_value", lambda: "unknown satisfaction " + sat_raw.astype(str) + "; valid: 满意, 基本满意, 不满意"
    )
    return flag_values, counts, satisfaction


def _keeper(keep: np.ndarray, n: int) -> Callable[[Any], Any]:
    """A function taking the rows ``keep`` (of ``n``) of an array, Series or frame: itself when every row is kept
    (the usual case: no copies)."""
    if len(keep) == n:
        return lambda values: values

    def kept(values: Any) -> Any:
        if isinstance(values, np.ndarray):
            return values[keep]
        return values.iloc[keep].reset_index(drop=True)

    return kept


def _row_hashes(frame: pd.DataFrame, salt: str) -> np.ndarray:
    """A 64-bit hash of each row's source values and the load options (DuckDB's vectorised hash)."""
    renamed = frame.set_axis([f"c{i}" for i in range(frame.shape[1])], axis=1)
    with duckdb.connect() as hasher:
        hasher.register("_rows", pa.Table.from_pandas(renamed, preserve_index=False))
        columns = ", ".join(renamed.columns)
        hashes = hasher.execute(f"SELECT hash({columns}, $salt) AS h FROM _rows", {"salt": salt}).fetchnumpy()
    return hashes["h"].astype(np.uint64)


def _deadlines(out: pd.DataFrame, extension_days: np.ndarray, ctx: CaseContext) -> None:
    limits = ctx.handle_limits(out["channel"], out["category_code"], out["is_urgent"].to_numpy(bool))
    clock = limits["clock"].cat.add_categories(
        [c for c in ["working_hours"] if c not in limits["clock"].cat.categories]
    )
    clock = clock.fillna("working_hours")
    amount = limits["amount"].fillna(8.0).to_numpy(dtype=float)
    # per category, then spread by the codes: the clocks are a handful of names
    names = clock.cat.categories.to_numpy(dtype=object)
    codes = clock.cat.codes.to_numpy()
    working = np.isin(names, ["working_hours", "working_days"])[codes]
    days = np.isin(names, ["working_days", "natural_days"])[codes]
    per_day = np.where(working, ctx.hours_per_workday, 24.0)
    hours = np.where(days, amount * per_day, amount)
    extension_hours = extension_days * per_day
    start = out["dispatched_at"].fillna(out["registered_at"]).fillna(out["accepted_at"]).fillna(out["reported_at"])
    kinds = pd.Categorical.from_codes(working.astype(np.int8), categories=["continuous_hours", "working_hours"])
    deadline = ctx.calendar.add(start.to_numpy("datetime64[ns]"), hours + extension_hours, pd.Series(kinds))
    handled = out["handled_at"].to_numpy("datetime64[ns]")
    as_of = np.datetime64(ctx.as_of, "ns")
    is_open = out["status"].isin(ctx.open_states).to_numpy(bool)
    overdue = np.where(np.isnat(handled), is_open & (as_of > deadline), handled > deadline)
    out["handle_clock"] = clock.cat.remove_unused_categories()
    out["handle_limit"] = amount
    out["extension_hours"] = extension_hours
    out["handle_deadline"] = deadline
    out["is_overdue"] = overdue & ~np.isnat(deadline)


def load_cases(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    options: SourceOptions,
    settings: Settings,
    *,
    progress: bool = False,
) -> LoadReport:
    """Load one case file into the database behind ``con`` (a ``store.writing`` connection)."""
    started = local_now(settings.timezone)
    check_engine(settings.engine)
    path = Path(path)
    crs = resolve_crs(file_crs(path, layer=options.layer), options.crs, force=options.force_crs, path=path)
    options = options.with_crs(crs.name)
    report = LoadReport("cases", options.source, str(path), run_id=next_run_id(con))
    timings: Counter[str] = Counter()
    # The file is checked and read ahead in a thread of its own from here on, while the context is built.
    with Background(_timed_chunks(path, options, settings.etl_chunk_rows, timings), name="onemap-reader") as chunks:
        ctx = CaseContext.from_db(
            con,
            settings,
            source=options.source,
            category_system=options.category_system,
            as_of=options.as_of or started,
        )
        ctx.timings, ctx.crs, ctx.path = timings, crs, path
        _load_file(con, path, options, ctx, report, chunks, started, progress=progress)
    # prepare includes assign_grids and deadlines
    report.timings = {k: round(v, 3) for k, v in timings.items()}
    return report


def _load_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    options: SourceOptions,
    ctx: CaseContext,
    report: LoadReport,
    chunks: Iterator[RawChunk],
    started: dt.datetime,
    *,
    progress: bool,
) -> None:
    # which ids this file has written so far (the last row of each), and the earlier rows of repeated ids
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _seen (case_uid VARCHAR, _row BIGINT, outcome VARCHAR, outside_grid BOOLEAN)"
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _dups (case_uid VARCHAR, source_id VARCHAR, _row BIGINT)")
    create_rejects_stage(con)
    # with no earlier rows of this source, no row of the file can match one: skip the lookups
    earlier = con.execute("SELECT EXISTS (SELECT 1 FROM cases WHERE source = ?)", [options.source]).fetchall()[0][0]
    flags: Counter[str] = Counter()
    pending: list[pa.Table] = []  # prepared rows not merged yet (see settings.etl_write_rows)
    pending_rows = 0
    bar = tqdm(desc=f"cases {path.name}", unit=" rows", disable=not progress, unit_scale=True)
    timings = ctx.timings
    _load_constants(con, options, report.run_id, started)
    digest = _HASHER.submit(file_sha256, path)  # for the run log, read meanwhile (hashlib releases the GIL)
    # Worker threads read and prepare the next chunks while this one writes (the stage timings overlap).
    prepared = _prepared_chunks(chunks, options, ctx, report.run_id, started, flags)
    for read, staged, rejects in in_background(prepared, depth=1):
        report.read += read
        with _timed(timings, "write"):
            stage_rejects(con, rejects)
            if staged is not None:
                pending.append(staged)
                pending_rows += len(staged)
            if pending_rows >= ctx.settings.etl_write_rows:
                _merge(con, pa.concat_tables(pending), report.run_id, earlier=earlier)
                pending, pending_rows = [], 0
        bar.update(read)
        check_memory()
    bar.close()
    with _timed(timings, "write"):
        if pending:
            _merge(con, pa.concat_tables(pending), report.run_id, earlier=earlier)
    with _timed(timings, "finish"):
        _reject_duplicates(con, path, options)
        _retire_replaced(con, report)
    report.flagged = flags
    report.flagged["outside_grid"] = _count(con, "SELECT count(*) FROM _seen WHERE outside_grid")
    finish_run(con, report, path=path, started_at=started, timezone=ctx.settings.timezone, sha256=digest.result())
    con.execute("DROP TABLE _seen")
    con.execute("DROP TABLE _dups")


def _timed_chunks(path: Path, options: SourceOptions, chunk_rows: int, timings: Counter[str]) -> Iterator[RawChunk]:
    """The file's raw chunks (`read_table`), the time spent reading them added to ``timings["read"]``."""
    with _timed(timings, "read"):
        chunks = read_table(
            path, encoding=options.encoding, sheet=options.sheet, layer=options.layer, chunk_rows=chunk_rows
        )
    while True:
        with _timed(timings, "read"):
            chunk = next(chunks, None)
        if chunk is None:
            return
        yield chunk


def prepare_one(
    chunk: RawChunk,
    mapping: dict[str, str],
    ctx: CaseContext,
    options: SourceOptions,
    run_id: int,
    loaded_at: dt.datetime,
) -> tuple[int, pa.Table | None, pd.DataFrame, Counter[str]]:
    """One chunk prepared (`prepare_chunk`), as the merge takes it: the rows read, the prepared rows as one Arrow
    table (None: none), the rejects and the chunk's flag counts. The one rule both engines run (``spark_engine``
    runs it on the executors)."""
    counted: Counter[str] = Counter()  # per chunk, added to flags in file order by the one producer thread
    with _timed(ctx.timings, "prepare"):
        staged, rejects = prepare_chunk(chunk, mapping, ctx, options, run_id, loaded_at, counted)
        table = None if staged.empty else pa.Table.from_pandas(staged, preserve_index=False)
    return len(chunk.frame), table, rejects, counted


def _prepared_chunks(
    chunks: Iterator[RawChunk],
    options: SourceOptions,
    ctx: CaseContext,
    run_id: int,
    loaded_at: dt.datetime,
    flags: Counter[str],
) -> Iterator[tuple[int, pa.Table | None, pd.DataFrame]]:
    """Per chunk of the file, in order: the rows read, the rows prepared for ``cases`` (None: none) and the
    rejects. Chunks are prepared ``_PREPARE_THREADS`` at a time: numpy, Arrow and DuckDB release the GIL."""
    if ctx.settings.engine == "spark":
        from .spark_engine import spark_prepared_chunks

        yield from spark_prepared_chunks(chunks, options, ctx, run_id, loaded_at, flags)
        return
    mapping: dict[str, str] | None = None

    def prepare(chunk: RawChunk) -> tuple[int, pa.Table | None, pd.DataFrame, Counter[str]]:
        assert mapping is not None
        return prepare_one(chunk, mapping, ctx, options, run_id, loaded_at)

    with ThreadPoolExecutor(_PREPARE_THREADS, thread_name_prefix="onemap-prepare") as pool:
        running: deque[Future] = deque()
        while True:
            chunk = next(chunks, None)  # read ahead by the reader thread
            if chunk is not None:
                if mapping is None:
                    mapping = map_columns(list(chunk.frame.columns), "cases", options.columns)
                running.append(pool.submit(prepare, chunk))
                if len(running) < _PREPARE_THREADS:
                    continue
            if not running:
                return
            read, table, rejects, counted = running.popleft().result()
            flags.update(counted)
            yield read, table, rejects


#: Hashes the file being loaded while it is read and prepared.
_HASHER = ThreadPoolExecutor(1, thread_name_prefix="onemap-sha256")
#: Gathers half the columns of a batch put in time blocks (`_in_time_blocks`).
_GATHERER = ThreadPoolExecutor(1, thread_name_prefix="onemap-gather")
#: Chunks prepared at once (each in its own thread).
_PREPARE_THREADS = 2


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0])


def _merge(con: duckdb.DuckDBPyConnection, rows: pa.Table, run_id: int, *, earlier: bool) -> None:
    """Merge a batch of prepared rows into ``cases`` on ``case_uid``, as if each id's last row came alone.

    Rows are compared with the cases as they were before this run (``run_id < run``): an unchanged row is
    not written, a changed one is written beside its old version, which `_retire_replaced` deletes at the
    end. An id met again (later in this batch or in a later one) retires its earlier row: that row's
    version is deleted and it is recorded in ``_dups`` to be rejected as ``duplicate_id``.
    """
    con.register("_chunk_rows", _in_time_blocks(rows))
    con.execute(f"CREATE OR REPLACE TEMP VIEW _chunk AS SELECT *, {_CONSTANTS} FROM _chunk_rows")
    skipped: list[str] = []  # rows of the batch not to insert

    def insert() -> None:
        where = f" WHERE {' AND '.join(skipped)}" if skipped else ""
        con.execute(f"INSERT INTO cases BY NAME SELECT * EXCLUDE (_row), {_CONSTANTS} FROM _chunk_rows{where}")

    try:
        repeated = con.execute(
            "SELECT EXISTS (SELECT source_id FROM _chunk_rows GROUP BY source_id HAVING count(*) > 1)"
            " OR EXISTS (SELECT 1 FROM _seen SEMI JOIN _chunk USING (case_uid))"
        ).fetchall()[0][0]
        if repeated:  # rare: keep each id's last row
            con.execute(
                "INSERT INTO _dups SELECT case_uid, source_id, _row FROM ("
                " SELECT case_uid, source_id, _row, max(_row) OVER (PARTITION BY case_uid) AS last_row FROM _chunk)"
                " WHERE _row < last_row"
            )
            con.execute(
                "INSERT INTO _dups SELECT s.case_uid, k.source_id, s._row FROM _seen s"
                " JOIN (SELECT DISTINCT case_uid, source_id FROM _chunk) k USING (case_uid)"
            )
            con.execute(
                "DELETE FROM cases WHERE run_id = $run AND case_uid IN (SELECT case_uid FROM _chunk)", {"run": run_id}
            )
            con.execute("DELETE FROM _seen WHERE case_uid IN (SELECT case_uid FROM _chunk)")
            skipped.append("_row NOT IN (SELECT _row FROM _dups)")
            view = f"SELECT *, {_CONSTANTS} FROM _chunk_rows WHERE {skipped[0]}"
            con.execute(f"CREATE OR REPLACE TEMP VIEW _chunk AS {view}")
        if not earlier:
            insert()
            con.execute("INSERT INTO _seen SELECT case_uid, _row, 'inserted', outside_grid FROM _chunk")
            return
        _match_earlier(con, run_id)
        skipped.append("_row NOT IN (SELECT _row FROM _match WHERE same)")
        insert()
        con.execute(
            "INSERT INTO _seen SELECT k.case_uid, k._row, "
            "CASE WHEN m.same THEN 'unchanged' WHEN m.same IS NOT NULL THEN 'updated' ELSE 'inserted' END, "
            "k.outside_grid FROM _chunk k LEFT JOIN _match m USING (case_uid)"
        )
        con.execute("DROP TABLE _match")
    finally:
        con.execute("DROP VIEW IF EXISTS _chunk")
        con.unregister("_chunk_rows")


def _match_earlier(con: duckdb.DuckDBPyConnection, run_id: int) -> None:
    """``_match``: the batch's rows (``_chunk``) whose id is stored from an earlier run, and whether unchanged.
    The stored versions are found by key (`_old_versions`): a batch of new ids reads no stored id."""
    old = _old_versions(con, run_id, "_chunk")
    con.execute("CREATE OR REPLACE TEMP TABLE _stored (case_uid VARCHAR, row_hash UBIGINT)")
    if old:
        con.execute(
            "INSERT INTO _stored SELECT case_uid, row_hash FROM cases WHERE rowid IN (SELECT unnest($rows::BIGINT[]))",
            {"rows": old},
        )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _match AS SELECT k.case_uid, k._row, (s.row_hash = k.row_hash) AS same"
        " FROM _chunk k JOIN _stored s ON s.case_uid = k.case_uid"
    )
    con.execute("DROP TABLE _stored")


#: A case's ``uid_key`` from its id (SQL over ``{uid}``; migration 0007): the first 64 bits of its md5, which
#: every DuckDB version computes alike. Every writer of ``cases`` sets it with this.
UID_KEY_SQL = "(md5_number({uid}) >> 64)::UBIGINT"

#: The columns with one value per load (bound by `_load_constants`): DuckDB makes them, no Arrow column to scan.
_CASE_UID = "getvariable('onemap_source') || ':' || source_id"
_CONSTANTS = (
    f"{_CASE_UID} AS case_uid, {UID_KEY_SQL.format(uid=_CASE_UID)} AS uid_key,"
    " getvariable('onemap_source') AS source, getvariable('onemap_src_crs') AS src_crs,"
    " getvariable('onemap_run_id') AS run_id, getvariable('onemap_loaded_at') AS loaded_at"
)


def _load_constants(
    con: duckdb.DuckDBPyConnection, options: SourceOptions, run_id: int, loaded_at: dt.datetime
) -> None:
    """Bind the values every row of this load shares, which `_merge` adds to each batch."""
    values = {"source": options.source, "src_crs": options.crs, "run_id": run_id, "loaded_at": loaded_at}
    for name, value in values.items():
        con.execute(f"SET VARIABLE onemap_{name} = $value", {"value": value})


def _in_time_blocks(rows: pa.Table) -> pa.Table:
    """The batch as one Arrow record batch, its rows in blocks of a DuckDB row group in report-time order.

    One record batch: DuckDB writes a batch of 500k rows straight into compressed row groups, but takes ~1.5
    times the CPU for the ~60 batches of a chunk as Arrow's CSV reader made them. Time blocks: the first
    row group holds the earliest rows, the next the next earliest and so on, each in file order, so time
    filters skip whole row groups (DuckDB keeps each row group's minimum and maximum). A batch in time
    order already (most exports) is left as it is. For one in random order this is most of what a full
    sort gives queries, at a third of the cost: the rows are gathered in a few sequential runs.
    """
    reported = rows.column("reported_at").to_numpy().view(np.int64)
    blocks = -(-len(reported) // TIME_BLOCK_ROWS)
    if blocks < 2 or np.all(reported[1:] >= reported[:-1]):
        return rows.combine_chunks()
    # block k: the times from the (k·TIME_BLOCK_ROWS)-th earliest on (ties at a bound go to the later block)
    starts = np.arange(1, blocks) * TIME_BLOCK_ROWS
    bounds = np.partition(reported, starts)[starts]
    block = np.searchsorted(bounds, reported, side="right").astype(np.int16 if blocks < 1 << 15 else np.int32)
    order = pa.array(np.argsort(block, kind="stable"))  # a radix sort for 16-bit keys
    # the columns gathered in two threads (Arrow's take releases the GIL): the last batch has a core to itself
    columns = sorted(range(rows.num_columns), key=lambda i: -rows.column(i).nbytes)
    theirs = _GATHERER.submit(lambda: {i: rows.column(i).take(order) for i in columns[1::2]})
    taken = {i: rows.column(i).take(order) for i in columns[0::2]} | theirs.result()
    return pa.table([taken[i] for i in range(rows.num_columns)], schema=rows.schema)


#: Rows per time block of `_in_time_blocks`: DuckDB's row group size.
TIME_BLOCK_ROWS = 122_880


def _retire_replaced(con: duckdb.DuckDBPyConnection, report: LoadReport) -> None:
    """Delete the old versions of updated cases and count what the run inserted, updated and left alone."""
    counts = dict(con.execute("SELECT outcome, count(*) FROM _seen GROUP BY outcome").fetchall())
    updated = "(SELECT case_uid FROM _seen WHERE outcome = 'updated')"
    old = _old_versions(con, report.run_id, updated) if counts.get("updated") else []  # none: no scan
    case_delta.record_retired(con, report.run_id, old)  # the rollups subtract them (etl/case_delta.py)
    if old:
        con.execute("DELETE FROM cases WHERE rowid IN (SELECT unnest($rows::BIGINT[]))", {"rows": old})
    report.inserted = counts.get("inserted", 0)
    report.updated = counts.get("updated", 0)
    report.unchanged = counts.get("unchanged", 0)


def _old_versions(con: duckdb.DuckDBPyConnection, run_id: int, ids: str) -> list[int]:
    """The row ids of the versions written before run ``run_id`` of the cases ``ids`` (a relation with
    ``case_uid``). Row ids hold until the table is next written: use them at once.

    Found in steps, because a scan of ``case_uid`` decompresses and compares every stored id (1–2 s at 50M cases;
    8–18 s for the two lookups of 300 updated cases): the rows whose ``uid_key`` is one of the ids' (a scan of
    8-byte numbers), then the ids of only those rows, fetched by row id and compared (a key shared by two ids
    matches one of them only). Each step is its own statement: joined in one, DuckDB matched the ids against
    every stored ``case_uid`` first. Measured in docs/performance.md."""
    key = UID_KEY_SQL.format(uid="case_uid")
    found = con.execute(
        f"SELECT rowid FROM cases WHERE run_id < $run AND uid_key IN (SELECT {key} FROM {ids})", {"run": run_id}
    ).fetchall()
    if not found:
        return []
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _versions AS SELECT rowid AS row_id, case_uid FROM cases"
        " WHERE rowid IN (SELECT unnest($rows::BIGINT[]))",
        {"rows": [row for (row,) in found]},
    )
    rows = con.execute(f"SELECT row_id FROM _versions WHERE case_uid IN (SELECT case_uid FROM {ids})").fetchall()
    con.execute("DROP TABLE _versions")
    return [row for (row,) in rows]


def _reject_duplicates(con: duckdb.DuckDBPyConnection, path: Path, options: SourceOptions) -> None:
    """Within one file an id may appear once: the last row wins, earlier ones are rejected."""
    dups = con.execute(
        "SELECT d._row, d.source_id, s._row AS last_row FROM _dups d JOIN _seen s USING (case_uid) ORDER BY d._row"
    ).df()
    if dups.empty:
        return
    wanted = set(dups["_row"].tolist())
    originals: dict[int, str] = {}
    from .runlog import originals_json

    for chunk in read_table(path, encoding=options.encoding, sheet=options.sheet, layer=options.layer):
        rows = np.arange(len(chunk.frame)) + chunk.first_row
        hit = np.isin(rows, list(wanted))
        if hit.any():
            mapping = map_columns(list(chunk.frame.columns), "cases", options.columns)
            originals.update(
                zip(rows[hit].tolist(), originals_json(chunk.frame.iloc[np.flatnonzero(hit)], mapping), strict=True)
            )
    rejects = pd.DataFrame(
        {
            "row_number": dups["_row"],
            "reason_code": "duplicate_id",
            "reason": "id "
            + dups["source_id"]
            + " appears again in row "
            + dups["last_row"].astype(str)
            + " of the same file; the last row is loaded",
            "original": dups["_row"].map(originals),
        }
    )
    stage_rejects(con, rejects)

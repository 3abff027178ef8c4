"""The Python API of the ETL: initialise (or migrate) a database, load files, load a whole manifest in one commit.

Every function takes the ``Settings`` its caller loaded once (``settings.load_settings``): nothing here reads the
settings file or the environment."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from settings import Settings

from . import camera_loop, fusion, membound, rollup_delta, rollups, store
from .adjacency import ensure_adjacency
from .allocator import keep_freed_memory
from .assign import store_indexes
from .dispatch_entities import SPECS as _DISPATCH_SPECS
from .entities import SPECS as _ENTITY_SPECS
from .keyed_load import load_keyed
from .load_cases import load_cases
from .load_grids import GRID_SPEC
from .place_entities import PLACE_SPECS
from .reference import seed_reference
from .runlog import LoadReport
from .sources import SourceOptions
from .spark_engine import counting

#: Every keyed entity but grids: dictionaries, cameras, events, flow (``etl.entities``), whistles, their
#: responses and warning rules (``etl.dispatch_entities``) and what the place views read (``etl.place_entities``).
SPECS = {**_ENTITY_SPECS, **_DISPATCH_SPECS, **PLACE_SPECS}
ENTITIES = ("grids", "cases", *SPECS)


def init_db(settings: Settings) -> list[str]:
    """Create or migrate the schema and seed the shipped dictionaries; return the tables seeded."""
    with store.writing(
        settings.db_path, memory_limit=settings.etl_memory_limit, timezone=settings.timezone, what="init"
    ) as con:
        seeded = seed_reference(con)
        # repairs derived tables an upgrade added or changed
        _refresh_derived(con, [], settings)
        ensure_adjacency(con, tolerance_m=settings.adjacency_tolerance_m)
        return seeded


def _refresh_derived(
    con,
    case_runs: list[int],
    settings: Settings,
    *,
    events_loaded: bool = False,
    cameras_loaded: bool = False,
    flow_runs: list[int] | None = None,
) -> fusion.FusionReport:
    """The derived tables after loads: incidents first (the rollups count their further reports apart), then the
    rollups, then the camera loop."""
    fused = fusion.update(con, settings)
    with counting(settings, settings.db_path) as counter:
        rollup_delta.refresh_after_loads(
            con,
            case_runs,
            rollups.bin_sizes(settings),
            events_loaded=events_loaded,
            flow_runs=flow_runs or [],
            keep=rollups.keep_rule(settings),
            also_days=fused.days,
            counter=counter,
            flips_known=fused.mode != "rebuilt",
        )
    camera_loop.refresh(con, case_runs, whole=events_loaded or cameras_loaded)
    return fused


def _load_one(con, entity: str, path: Path, options: SourceOptions, settings: Settings, progress: bool) -> LoadReport:
    if entity == "cases":
        return load_cases(con, path, options, settings, progress=progress)
    if entity == "grids":
        report = load_keyed(con, path, GRID_SPEC, options, settings, progress=progress)
        store_indexes(con)
        ensure_adjacency(con, tolerance_m=settings.adjacency_tolerance_m)
        return report
    if entity in SPECS:
        return load_keyed(con, path, SPECS[entity], options, settings, progress=progress)
    raise ValueError(f"unknown entity {entity!r}; valid: {', '.join(ENTITIES)}")


def load(
    entity: str,
    path: Path,
    options: SourceOptions,
    *,
    settings: Settings,
    progress: bool = False,
    publish: bool = True,
) -> LoadReport:
    """Load one file atomically: all of it (loaded or rejected with reasons) or, on error, nothing. ``publish``:
    False commits without publishing to readers (``store.publish`` does it later, once for several loads)."""
    return load_many([(entity, Path(path), options)], settings=settings, progress=progress, publish=publish)[0]


def _input_bytes(steps: list[tuple[str, Path, SourceOptions]]) -> int:
    """The size of a load's input files (one missing is the load's to report, with its own message)."""
    return sum(Path(path).stat().st_size for _, path, _ in steps if Path(path).is_file())


def load_many(
    steps: Iterable[tuple[str, Path, SourceOptions]],
    *,
    settings: Settings,
    progress: bool = False,
    meta: Mapping[str, str] | None = None,
    publish: bool = True,
    record: Callable[[Any, list[LoadReport]], None] | None = None,
) -> list[LoadReport]:
    """Load several files in one commit (each is its own run in the run log).

    The case rollups (``etl/rollups.py``) are refreshed once, after the last file, for the days the case
    loads touched: a manifest of several case files rebuilds each day once, in the same commit. Every load
    refreshes them (a grid load moves the bins' frame; a rollup added by an upgrade is built by the next load).
    ``meta``: facts about the database written to ``schema_meta`` in the same commit (e.g. the demo marker).
    ``publish``: as in ``store.writing``. ``record(con, reports)``: called before the commit, to write what the
    caller keeps about the loads in the same transaction (the watcher's ledger).
    """
    reports = []
    steps = list(steps)
    what = "; ".join(f"{entity} {Path(path).name}" for entity, path, _ in steps) or "a load of nothing"
    memory = membound.plan(settings, [Path(path) for _, path, _ in steps])
    settings = memory.settings(settings)
    keep_freed_memory(memory.keep_bytes)
    guard = membound.MemoryGuard(memory.bound, what=what)
    with (
        store.writing(
            settings.db_path,
            memory_limit=settings.etl_memory_limit,
            timezone=settings.timezone,
            what=what,
            publish=publish,
            in_place=_input_bytes(steps) <= settings.etl_in_place_max_bytes,
        ) as con,
        guard.watch(con),
    ):
        seed_reference(con)
        for key, value in (meta or {}).items():
            con.execute("INSERT OR REPLACE INTO schema_meta VALUES ($key, $value)", {"key": key, "value": value})
        for entity, path, options in steps:
            reports.append(_load_one(con, entity, Path(path), options, settings, progress))
        case_reports = [report for report in reports if report.entity == "cases"]
        loaded = {report.entity for report in reports}
        started = time.perf_counter()
        fused = _refresh_derived(
            con,
            [r.run_id for r in case_reports],
            settings,
            events_loaded="camera_events" in loaded,
            cameras_loaded="cameras" in loaded,
            flow_runs=[r.run_id for r in reports if r.entity == "flow"],
        )
        ensure_adjacency(con, tolerance_m=settings.adjacency_tolerance_m)  # an upgrade's first load builds it
        if case_reports:  # the refresh serves them all; its time is told with the last
            case_reports[-1].timings["fusion"] = round(fused.seconds, 3)
            case_reports[-1].timings["rollups"] = round(time.perf_counter() - started - fused.seconds, 3)
        if record is not None:
            record(con, reports)
    return reports


def options_from_manifest(step: Mapping[str, Any], **extra: Any) -> SourceOptions:
    """SourceOptions from one step of a demo or delivery manifest."""
    keys = {
        "source",
        "crs",
        "force_crs",
        "level",
        "channel",
        "category_system",
        "encoding",
        "sheet",
        "layer",
        "require_location",
        "case_source",
        "columns",
    }
    values = {k: v for k, v in step.items() if k in keys}
    if step.get("entity") == "category_map" and "source_system" in step:
        values["source"] = step["source_system"]
    values.setdefault("source", step.get("source_system", step["entity"]))
    values.update(extra)
    return SourceOptions(**values)

"""The Python API of the ETL: initialise (or migrate) a database, load files, load a whole manifest in one commit.

Every function takes the ``Settings`` its caller loaded once (``settings.load_settings``): nothing here reads the
settings file or the environment."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from settings import Settings

from . import rollups, store
from .allocator import keep_freed_memory
from .assign import store_indexes
from .dispatch_entities import SPECS as DISPATCH_SPECS
from .entities import SPECS as ENTITY_SPECS
from .keyed_load import load_keyed
from .load_cases import load_cases
from .load_grids import GRID_SPEC
from .reference import seed_reference
from .runlog import LoadReport
from .sources import SourceOptions

#: The keyed entities (every one but grids and cases), by name.
SPECS = {**ENTITY_SPECS, **DISPATCH_SPECS}
ENTITIES = ("grids", "cases", *SPECS)


def init_db(settings: Settings) -> list[str]:
    """Create or migrate the schema and seed the shipped dictionaries; return the tables seeded."""
    with store.writing(settings.db_path, memory_limit=settings.etl_memory_limit, timezone=settings.timezone) as con:
        seeded = seed_reference(con)
        # repairs rollups an upgrade added
        rollups.refresh_after_loads(con, [], rollups.bin_sizes(settings), keep=rollups.keep_rule(settings))
        return seeded


def _load_one(con, entity: str, path: Path, options: SourceOptions, settings: Settings, progress: bool) -> LoadReport:
    if entity == "cases":
        return load_cases(con, path, options, settings, progress=progress)
    if entity == "grids":
        report = load_keyed(con, path, GRID_SPEC, options, settings, progress=progress)
        store_indexes(con)
        return report
    if entity in SPECS:
        return load_keyed(con, path, SPECS[entity], options, settings, progress=progress)
    raise ValueError(f"unknown entity {entity!r}; valid: {', '.join(ENTITIES)}")


def load(entity: str, path: Path, options: SourceOptions, *, settings: Settings, progress: bool = False) -> LoadReport:
    """Load one file atomically: all of it (loaded or rejected with reasons) or, on error, nothing."""
    return load_many([(entity, Path(path), options)], settings=settings, progress=progress)[0]


def load_many(
    steps: Iterable[tuple[str, Path, SourceOptions]], *, settings: Settings, progress: bool = False
) -> list[LoadReport]:
    """Load several files in one commit (each is its own run in the run log).

    The case rollups (``etl/rollups.py``) are refreshed once, after the last file, for the days the case
    loads touched: a manifest of several case files rebuilds each day once, in the same commit. Every load
    refreshes them (a grid load moves the bins' frame; a rollup added by an upgrade is built by the next load).
    """
    keep_freed_memory()
    reports = []
    with store.writing(settings.db_path, memory_limit=settings.etl_memory_limit, timezone=settings.timezone) as con:
        seed_reference(con)
        for entity, path, options in steps:
            reports.append(_load_one(con, entity, Path(path), options, settings, progress))
        case_reports = [report for report in reports if report.entity == "cases"]
        events = any(report.entity == "camera_events" for report in reports)
        started = time.perf_counter()
        rollups.refresh_after_loads(
            con,
            [r.run_id for r in case_reports],
            rollups.bin_sizes(settings),
            events_loaded=events,
            flow_runs=[r.run_id for r in reports if r.entity == "flow"],
            keep=rollups.keep_rule(settings),
        )
        if case_reports:  # the refresh serves them all; its time is told with the last
            case_reports[-1].timings["rollups"] = round(time.perf_counter() - started, 3)
    return reports


def options_from_manifest(step: Mapping[str, Any], **extra: Any) -> SourceOptions:
    """SourceOptions from one step of a demo or delivery manifest."""
    keys = {
        "source",
        "crs",
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

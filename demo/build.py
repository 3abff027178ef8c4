"""Build the demo database: generate the demo city's source files, then load them like any city's files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from core.catalog import DEMO_MARKER
from core.clock import local_now
from etl.api import load_many, options_from_manifest
from etl.runlog import LoadReport
from etl.store import check_db_path
from settings import ROOT, Settings

from .generate import generate_demo

DEFAULT_OUT = ROOT / "data" / "demo"
#: The ``schema_meta`` key that marks a database as the demo city (its value: how it was generated, JSON).
DEMO_KEY = DEMO_MARKER


def build_demo(
    settings: Settings,
    *,
    cases: int | None = None,
    days: int | None = None,
    seed: int | None = None,
    out_dir: Path | None = None,
    end: dt.date | None = None,
    progress: bool = False,
) -> list[LoadReport]:
    """Generate the demo files (``out_dir``) and load them into ``settings.db_path`` in one commit.

    The demo's last day is ``end`` (default today), so "today" and "last 7 days" show data; the same
    arguments give the same database.
    """
    check_db_path(settings.db_path)  # before a minute of generating, not after
    out_dir = Path(out_dir or DEFAULT_OUT)
    end = end or local_now(settings.timezone).date()
    manifest = generate_demo(
        out_dir,
        cases=cases or settings.demo_cases,
        days=days or settings.demo_days,
        seed=settings.demo_seed if seed is None else seed,
        end=end,
        progress=progress,
    )
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    as_of = dt.datetime.combine(end, dt.time(18, 0))
    steps = [(step["entity"], out_dir / step["path"], options_from_manifest(step, as_of=as_of)) for step in manifest]
    # the database says it holds invented cases (read by queries.dataset_facts, shown on every screen)
    marker = {"cases": cases or settings.demo_cases, "days": days or settings.demo_days, "end": end.isoformat()}
    marker["seed"] = settings.demo_seed if seed is None else seed
    meta = {DEMO_KEY: json.dumps(marker)}
    return load_many(steps, settings=dataclasses.replace(settings), progress=progress, meta=meta)

"""The trend and hotspot subcommands of ``python -m analytics`` (``analytics/cli.py``): the tables of 研判 for any
period, level and class, written as CSV or GeoJSON: the same tables the page shows, computed by the same
functions (``views.trends``) on a database opened read-only.

    python -m analytics hotspots --db data/onemap.duckdb --level community --start 2026-11-01 --end 2026-11-30
    python -m analytics emerging --db … --level grid --start … --end … --weeks 26 --format geojson --out e.geojson

With ``analytics/cli.py``, the one module of ``analytics`` that reads the database (through ``queries`` and
``views``): the statistics themselves take frames.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import shapely

import queries
from queries.db import LiveDatabase
from settings import load_settings
from views import trends
from views.calls import QueryCall, Runner, on
from views.scope import Scope, resolve
from views.state import ViewState

FORMATS: tuple[str, ...] = ("csv", "geojson")


def _hotspots(scope: Scope, run: Runner, args: argparse.Namespace) -> pd.DataFrame:
    found = trends.hotspots(scope, run, depth=args.depth, value=args.value, seed=args.seed)
    return found.table.loc[:, list(trends.HOTSPOT_COLUMNS)]


def _local_moran(scope: Scope, run: Runner, args: argparse.Namespace) -> pd.DataFrame:
    found = trends.hotspots(scope, run, depth=args.depth, value=args.value, seed=args.seed)
    table = found.table.rename(columns={"moran_i": "i", "moran_p": "p_sim"})
    return table.loc[:, ["code", "name", "cases", "value", "neighbours", "i", "p_sim", "cluster"]]


def _trends(scope: Scope, run: Runner, args: argparse.Namespace) -> pd.DataFrame:
    table, _ = trends.rising_table(scope, run, depth=args.depth, weeks=args.weeks, min_cases=args.min_cases)
    return table


def _emerging(scope: Scope, run: Runner, args: argparse.Namespace) -> pd.DataFrame:
    return trends.emerging(scope, run, depth=args.depth, weeks=args.weeks)


def _recurrence(scope: Scope, run: Runner, args: argparse.Namespace) -> pd.DataFrame:
    table = trends.chronic_places(scope, run, place=args.place, min_cases=args.min_cases, days=args.days)
    return table.assign(case_uids=table["case_uids"].map(";".join))


#: Subcommand → (the table it writes, whether its rows are areas that a GeoJSON can draw).
COMMANDS: dict[str, tuple[Callable[[Scope, Runner, argparse.Namespace], pd.DataFrame], bool]] = {
    "hotspots": (_hotspots, True),
    "local-moran": (_local_moran, True),
    "trends": (_trends, True),
    "emerging": (_emerging, True),
    "recurrence": (_recurrence, False),
}


def add_parsers(sub: Any) -> None:
    """Add a subparser per trend command to ``sub`` (the ``add_subparsers`` of ``python -m analytics``)."""
    for name in COMMANDS:
        p = sub.add_parser(name, help=f"the {name} table")
        p.add_argument("--db", type=Path, help="database file (default: settings db_path)")
        p.add_argument("--level", required=True, help="grid level: its depth (1 …), key (street, community …) or name")
        p.add_argument("--start", required=True, type=dt.date.fromisoformat, help="first report day, YYYY-MM-DD")
        p.add_argument("--end", required=True, type=dt.date.fromisoformat, help="last report day, YYYY-MM-DD")
        p.add_argument("--category", help="GB/T class (5 digits) or major (2 digits)")
        p.add_argument("--area", help="a grid code: only the areas under it")
        p.add_argument("--seed", type=int, default=0, help="seed of the permutation tests")
        p.add_argument("--format", choices=FORMATS, default="csv")
        p.add_argument("--out", type=Path, help="file to write (default: standard output)")
        p.add_argument("--value", choices=trends.VALUES, default="cases", help="counts, or rates per 1,000 or km²")
        p.add_argument("--weeks", type=int, default=26 if name == "emerging" else 12, help="weeks looked back")
        p.add_argument("--min-cases", type=int, default=10 if name == "trends" else 3, help="fewest cases")
        p.add_argument("--days", type=int, default=30, help="recurrence: the window in days")
        p.add_argument("--place", choices=("grid_code", "address"), default="grid_code", help="recurrence: per")


def level_depth(levels: pd.DataFrame, level: str) -> int:
    """The depth of ``level`` (a depth, a level key or a name in either language), from a ``level_names`` frame;
    a ValueError listing the levels otherwise."""
    for _, row in levels.iterrows():
        if level.strip().lower() in {
            str(row["depth"]),
            row["level_key"].lower(),
            row["name_zh"],
            row["name_en"].lower(),
        }:
            return int(row["depth"])
    known = ", ".join(f"{r.depth} {r.level_key} {r.name_zh}" for r in levels.itertuples())
    raise ValueError(f"unknown level {level!r}; levels: {known}")


def _state(args: argparse.Namespace) -> ViewState:
    if args.start > args.end:
        raise ValueError(f"--start {args.start} is after --end {args.end}")
    category: dict[str, tuple[str, ...]] = {}
    if args.category:
        code = args.category.strip()
        if not (code.isdigit() and len(code) in (2, 5)):
            raise ValueError(f"--category takes a GB/T class (5 digits) or major (2 digits), got {args.category!r}")
        category = {"category_major" if len(code) == 2 else "category": (code,)}
    return ViewState(preset="custom", start=args.start, end=args.end, area=args.area).replace(**category)


def _geojson(table: pd.DataFrame, polygons: pd.DataFrame) -> bytes:
    shapes = polygons.set_index("code")["geom_wkb"]
    features = []
    for row in table.to_dict("records"):
        wkb = shapes.get(row["code"])
        geometry = json.loads(shapely.to_geojson(shapely.from_wkb(bytes(wkb)))) if wkb is not None else None
        properties = {
            key: (None if pd.isna(value) else value) for key, value in row.items() if not isinstance(value, list)
        }
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, default=str).encode("utf-8")


def main(args: argparse.Namespace) -> int:
    """Run the trend command ``args`` names; 0, or 2 after a one-line error."""
    settings = load_settings()
    if args.db:
        settings = dataclasses.replace(settings, db_path=args.db)
    try:
        state = _state(args)
        with LiveDatabase.for_settings(settings).cursor() as con:
            run = on(con)
            args.depth = level_depth(run(QueryCall.of(queries.level_names)), args.level)
            scope = resolve(state, run, today=args.end, days=settings.default_range_days, overview_depth=args.depth)
            if args.area is not None and scope.area != args.area:
                raise ValueError(f"--area {args.area!r} is not a grid valid on {args.end} (or is the whole city)")
            build, drawable = COMMANDS[args.command]
            table = build(scope, run, args)
            if args.format == "geojson":
                if not drawable:
                    raise ValueError(f"{args.command} has no areas to draw: use --format csv")
                polygons = run(QueryCall.of(queries.grid_polygons, depth=args.depth, at=scope.at))
                payload = _geojson(table, polygons)
            else:
                payload = trends.table_csv(table)
    except (ValueError, LookupError, FileNotFoundError, duckdb.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.out:
        args.out.write_bytes(payload)
    else:
        sys.stdout.buffer.write(payload)
    return 0

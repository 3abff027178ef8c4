"""One incident, many reports: link the reports of the same incident across and within channels.

The rule (``docs/places.md``). Reports are taken in report order (``reported_at``, then ``case_uid``). Each
class belongs to a *family* (table ``fusion_class``; a class not listed is a family of its own) with a distance
D and a window T (table ``fusion_family``; the defaults ``settings.duplicate_radius_m`` and
``duplicate_window_hours`` for a family of one class). A report joins the incident of the earliest *lead* report
of its family that is at most D metres away (geodesic, WGS-84) and at most T hours before it; without one it
leads an incident of its own. So an incident spans at most T from its first report and at most D around it: it
cannot chain a hot spot's reports through a year, and reports of unrelated classes are never one incident.
Only located cases with a GB/T class take part; a report's channel does not matter.

The result is derived: table ``case_incident`` (``core.catalog.INCIDENT_TABLE``) holds the reports of incidents
with two reports or more (a case not there is an incident of one report, its id its own ``case_uid``). Every
load updates it *incrementally* (``update``): a report's status depends only on the lead flags of the reports
before it within D and T, so only the reports a load wrote (and those of the incidents they left) and the reports
linked to one whose flag changed are decided again, reading the days and places around them (``_recompute``); the
others keep their stored status, and the result equals a recomputation from scratch (tests load in different
orders and compare). A change of the rules
(or a table never filled) rebuilds it whole. ``fusion_state`` records the last case run fused and the rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import time
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyproj import Geod
from scipy.spatial import cKDTree

from core.catalog import FUSION_STATE_TABLE, INCIDENT_CASE_COLUMNS, INCIDENT_TABLE
from settings import Settings

from . import case_delta, fusion_cells
from .fusion_cells import Cells

_GEOD = Geod(ellps="WGS84")
#: Mean Earth radius (m) of the local projection the candidate search runs in (exact distances are geodesic).
_RADIUS = 6_371_008.8
#: The candidate search's box is this much wider than D and T: the local projection is off the geodesic by
#: well under 1 % within a city, so no pair within the rule is missed.
_MARGIN = 1.02
#: A geodesic distance counts as within D up to this relative rounding (a pair exactly D apart is within).
_ROUNDING = 1e-9
_US_PER_HOUR = 3_600_000_000
_US_PER_DAY = 24 * _US_PER_HOUR
_EPOCH = dt.datetime(1970, 1, 1)
#: The most days of seeds one window of an incremental update starts from (``_blocks``).
BLOCK_DAYS = 14

#: Which cases take part, as an SQL condition over ``cases`` aliased ``c``.
ELIGIBLE_SQL = "c.lon IS NOT NULL AND c.lat IS NOT NULL AND c.category_code IS NOT NULL"


@dataclass(frozen=True)
class Rules:
    """The defaults for a class listed in no family, and the version of the rule tables (``key``)."""

    radius_m: float
    window_hours: float
    key: str


def rules(con: duckdb.DuckDBPyConnection, settings: Settings) -> Rules:
    """The fusion rules in the database with ``settings``' defaults; ``key`` changes whenever either does."""
    radius, window = float(settings.duplicate_radius_m), float(settings.duplicate_window_hours)
    if radius <= 0 or window <= 0:
        raise ValueError(f"duplicate_radius_m and duplicate_window_hours must be positive, got {radius}, {window}")
    rows = con.execute(
        "SELECT 'f', family, radius_m::VARCHAR, window_hours::VARCHAR FROM fusion_family "
        "UNION ALL SELECT 'c', category_code, family, '' FROM fusion_class ORDER BY ALL"
    ).fetchall()
    digest = hashlib.sha256(repr((radius, window, rows)).encode()).hexdigest()[:16]
    return Rules(radius, window, digest)


def _family_sql(where: str) -> str:
    """Eligible cases matching ``where`` (over ``c``) with their family, D (m) and T (µs), in report order, and
    the columns the incident table copies."""
    copied = ", ".join(f"c.{name}" for name in INCIDENT_CASE_COLUMNS if name not in ("lon", "lat", "channel"))
    return f"""
        SELECT c.case_uid, c.channel, c.lon, c.lat, epoch_us(c.reported_at) AS t, {copied},
               coalesce(fc.family, 'class:' || c.category_code) AS family,
               coalesce(ff.radius_m, $radius) AS radius_m,
               CAST(round(coalesce(ff.window_hours, $window) * {_US_PER_HOUR}) AS BIGINT) AS window_us
        FROM cases c
        LEFT JOIN fusion_class fc ON fc.category_code = c.category_code
        LEFT JOIN fusion_family ff ON ff.family = fc.family
        WHERE {ELIGIBLE_SQL} AND ({where})
        ORDER BY t, c.case_uid
    """


# ---------------------------------------------------------------- the rule, on arrays
def candidate_pairs(frame: pd.DataFrame) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, of rows of ``frame`` (in report order) that the rule links: same family,
    geodesic distance ≤ D and ``0 ≤ t_j − t_i ≤ T``. Columns: ``lon``, ``lat``, ``t`` (µs), ``family``,
    ``radius_m``, ``window_us``. An (m, 2) int64 array, sorted by ``j`` then ``i``."""
    found = []
    groups, codes = pd.factorize(frame["family"])  # hashed: sorting a million strings costs seconds
    order = np.argsort(groups, kind="stable")
    bounds = np.searchsorted(groups[order], np.arange(len(codes) + 1))
    lon, lat = frame["lon"].to_numpy(np.float64), frame["lat"].to_numpy(np.float64)
    t = frame["t"].to_numpy(np.int64)
    radius, window = frame["radius_m"].to_numpy(np.float64), frame["window_us"].to_numpy(np.int64)
    for g in range(len(codes)):
        rows = order[bounds[g] : bounds[g + 1]]  # ascending: report order within the family
        if len(rows) < 2:
            continue
        d, w = radius[rows[0]], window[rows[0]]
        lat0 = np.radians(lat[rows].mean())
        pts = np.c_[
            np.radians(lon[rows]) * _RADIUS * np.cos(lat0),
            np.radians(lat[rows]) * _RADIUS,
            (t[rows] - t[rows[0]]) * (d / w),
        ]
        pairs = cKDTree(pts).query_pairs(d * _MARGIN, p=np.inf, output_type="ndarray")
        if not len(pairs):
            continue
        i, j = rows[pairs.min(axis=1)], rows[pairs.max(axis=1)]
        found.append(np.c_[i, j][t[j] - t[i] <= w])
    if not found:
        return np.empty((0, 2), np.int64)
    pairs = np.concatenate(found)
    _, _, metres = _GEOD.inv(lon[pairs[:, 0]], lat[pairs[:, 0]], lon[pairs[:, 1]], lat[pairs[:, 1]])
    pairs = pairs[metres <= radius[pairs[:, 0]] * (1 + _ROUNDING)]
    return pairs[np.lexsort((pairs[:, 0], pairs[:, 1]))]


def assign(n: int, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(incident, is_lead)`` of ``n`` reports in report order, linked by ``pairs`` (``candidate_pairs``):
    each report joins the earliest lead among its linked earlier reports, else leads its own incident.
    ``incident`` holds the row of the incident's lead."""
    everything = np.ones(n, bool)
    incident, is_lead, _ = reassign(pairs, Stored(everything, everything, np.arange(n), everything))
    return incident, is_lead


@dataclass(frozen=True)
class Stored:
    """What an incremental update starts from, per report of its window: ``seed`` (decided again whatever its
    links: written, or left by an incident), ``new`` (not stored before: its followers are decided again even
    if it stays a lead), and the stored result, ``incident`` (row of the lead; -1: a lead outside the rows)
    and ``lead``."""

    seed: np.ndarray
    new: np.ndarray
    incident: np.ndarray
    lead: np.ndarray


def reassign(pairs: np.ndarray, stored: Stored) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(incident, is_lead, decided)``: the rule (``assign``) applied again to the seeds and to every report
    linked to an earlier one whose lead flag changed (or that is new); the others keep their stored result.

    A report's result depends only on the lead flags of its linked earlier reports (it joins the earliest
    lead, whose incident is its own row), so a report none of whose earlier links changed flag keeps its
    result, whatever their incidents did. ``decided`` marks the reports decided again."""
    n = len(stored.seed)
    seed = np.asarray(stored.seed, bool)
    incident = np.where(seed, np.arange(n), np.asarray(stored.incident, np.int64))
    is_lead = np.where(seed, True, np.asarray(stored.lead, bool))
    dirty = np.asarray(stored.new, bool) | (is_lead != np.asarray(stored.lead, bool))
    if not len(pairs):
        return incident, is_lead, seed.copy()
    later, earlier = pairs[:, 1], pairs[:, 0]
    starts = np.searchsorted(later, np.arange(n + 1))
    linked = np.flatnonzero(starts[1:] > starts[:-1])
    # Sequential by nature (a report's status depends on earlier decisions), but only over reports with an
    # earlier linked report. Plain lists keep the loop cheap.
    lead_flags, incidents, changed = is_lead.tolist(), incident.tolist(), dirty.tolist()
    was_lead, is_new = np.asarray(stored.lead, bool).tolist(), np.asarray(stored.new, bool).tolist()
    is_seed, decided = seed.tolist(), seed.tolist()
    before, start = earlier.tolist(), starts.tolist()
    for j in linked.tolist():
        links = before[start[j] : start[j + 1]]
        if not is_seed[j] and not any(changed[i] for i in links):
            continue
        decided[j] = True
        incidents[j], lead_flags[j] = j, True
        for i in links:  # ascending: the earliest linked report first
            if lead_flags[i]:
                incidents[j], lead_flags[j] = i, False
                break
        changed[j] = is_new[j] or lead_flags[j] != was_lead[j]
    return np.asarray(incidents, np.int64), np.asarray(lead_flags, bool), np.asarray(decided, bool)


# ---------------------------------------------------------------- the derived table
def _read(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> tuple[pa.Table, pd.DataFrame]:
    """The reports of ``sql`` as Arrow (every column, never turned into Python objects: a million rows of
    strings would cost seconds) and the numeric frame the rule reads (``candidate_pairs``)."""
    table = con.sql(sql, params=params).to_arrow_table()
    family = pc.dictionary_encode(table["family"]).combine_chunks()
    frame = pd.DataFrame(
        {name: table[name].to_numpy() for name in ("lon", "lat", "t", "radius_m", "window_us")}
        | {"family": family.indices.to_numpy(zero_copy_only=False)}
    )
    return table, frame


def _incident_rows(table: pa.Table, incident: np.ndarray, is_lead: np.ndarray, keep: np.ndarray | None) -> pa.Table:
    """The reports of the incidents (rows of their leads) in ``keep`` (None: all) that have ≥ 2 reports, with
    their ``channel`` (``_write`` folds the channels per incident)."""
    member = incident >= 0 if keep is None else np.isin(incident, keep)
    sizes = np.bincount(incident[member], minlength=table.num_rows)
    member[member] = sizes[incident[member]] >= 2
    rows, lead = pa.array(np.flatnonzero(member)), incident[member]
    copied = {name: pc.take(table[name], rows) for name in INCIDENT_CASE_COLUMNS if name != "reported_at"}
    return pa.table(
        {
            "case_uid": pc.take(table["case_uid"], rows),
            "incident_id": pc.take(table["case_uid"], pa.array(lead)),
            "is_lead": pa.array(is_lead[member]),
            "family": pc.take(table["family"], rows),
            "reports": pa.array(sizes[lead].astype(np.int32)),
            "reported_at": pa.array(table["t"].to_numpy()[member], pa.timestamp("us")),
            **copied,
        }
    )


def _params(r: Rules) -> dict[str, float]:
    return {"radius": r.radius_m, "window": r.window_hours}


def _cases_run(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT coalesce(max(run_id), 0) FROM etl_run").fetchall()[0][0])


def _state(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute(f"SELECT key, value FROM {FUSION_STATE_TABLE}").fetchall())


def _record(con: duckdb.DuckDBPyConnection, r: Rules) -> None:
    con.execute(f"DELETE FROM {FUSION_STATE_TABLE}")
    con.execute(
        f"INSERT INTO {FUSION_STATE_TABLE} VALUES ('rules', $rules), ('last_run', $run)",
        {"rules": r.key, "run": str(_cases_run(con))},
    )


@dataclass(frozen=True)
class FusionReport:
    """What an update did: ``mode`` (``rebuilt``, ``incremental`` or ``unchanged``), the reports it read and
    recomputed, the incidents of two reports or more it wrote, the seconds it took, and the report days whose
    reports changed between lead and duplicate (``days``: first and last, or None)."""

    mode: str
    read: int
    recomputed: int
    incidents: int
    seconds: float
    days: tuple[dt.date, dt.date] | None = None


def _changed_days(t: np.ndarray, before: np.ndarray, after: np.ndarray) -> tuple[dt.date, dt.date] | None:
    """First and last report day (``t`` in µs) of the reports whose duplicate flag went from ``before`` to
    ``after``."""
    changed = np.asarray(before, bool) != np.asarray(after, bool)
    if not changed.any():
        return None
    first, last = (pd.Timestamp(int(v), unit="us").date() for v in (t[changed].min(), t[changed].max()))
    return first, last


def _write(con: duckdb.DuckDBPyConnection, rows: pa.Table) -> None:
    """Insert ``_incident_rows`` into the incident table, each with the distinct channels of its incident."""
    con.register("_incidents", rows)
    con.execute(
        f"""INSERT INTO {INCIDENT_TABLE} BY NAME
            WITH k AS (
                SELECT incident_id, array_to_string(list_sort(list_distinct(list(channel))), ',') AS channels
                FROM _incidents GROUP BY incident_id
            )
            SELECT i.*, k.channels FROM _incidents i JOIN k USING (incident_id)
            ORDER BY i.reported_at"""
    )
    con.unregister("_incidents")


def _incident_count(incident: np.ndarray, n: int) -> int:
    return int((np.bincount(incident[incident >= 0], minlength=n) >= 2).sum())


def rebuild(con: duckdb.DuckDBPyConnection, settings: Settings) -> FusionReport:
    """Recompute every incident from all cases (after a change of rules, or to repair the table)."""
    started = time.perf_counter()
    r = rules(con, settings)
    table, frame = _read(con, _family_sql("TRUE"), _params(r))
    old = con.sql(f"SELECT case_uid FROM {INCIDENT_TABLE} WHERE NOT is_lead").to_arrow_table()["case_uid"]
    incident, is_lead = assign(len(frame), candidate_pairs(frame))
    con.execute(f"DELETE FROM {INCIDENT_TABLE}")
    _write(con, _incident_rows(table, incident, is_lead, None))
    _record(con, r)
    was = pc.is_in(table["case_uid"], value_set=old).to_numpy(zero_copy_only=False)
    return FusionReport(
        "rebuilt",
        len(frame),
        len(frame),
        _incident_count(incident, len(frame)),
        time.perf_counter() - started,
        _changed_days(frame["t"].to_numpy(), was, ~is_lead),
    )


def _seeds(con: duckdb.DuckDBPyConnection, r: Rules, last: int) -> pd.DataFrame:
    """The seeds: the cases written since the last update (run ``last``) and the reports of the incidents their
    old versions left; each with its family, report day (since the epoch), place, and the family's window T
    (µs) and distance D (m)."""
    sql = f"""
        SELECT family, t // {_US_PER_DAY} AS day, window_us, radius_m, lon, lat FROM (
            SELECT s.family, s.t, s.window_us, s.radius_m, s.lon, s.lat FROM ({_family_sql("c.run_id > $last")}) s
            UNION ALL
            SELECT l.family, epoch_us(l.reported_at),
                   CAST(round(coalesce(ff.window_hours, $window) * {_US_PER_HOUR}) AS BIGINT),
                   coalesce(ff.radius_m, $radius), l.lon, l.lat
            FROM _left l LEFT JOIN fusion_family ff ON ff.family = l.family
        )
    """
    return con.execute(sql, {**_params(r), "last": last}).df()


def _around(days: np.ndarray, reach: int) -> set[int]:
    """``days`` and the ``reach`` days either side of each."""
    return {int(d) + k for d in np.unique(days) for k in range(-reach, reach + 1)}


def _span(days: set[int]) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of the first of ``days`` (since the epoch) and the first moment after the last."""
    return _EPOCH + dt.timedelta(days=min(days)), _EPOCH + dt.timedelta(days=max(days) + 1)


@dataclass
class _Reach:
    """How far one family's window reaches: its ``days`` (since the epoch) and ``cells`` (None: anywhere), with
    the family's T in whole days (``reach``) and how far the next widening goes (``grow_days``, ``rings``)."""

    reach: int
    days: set[int]
    cells: Cells | None
    grow_days: int
    rings: int


#: Rings of cells around a changed report that the window must hold: the reports it links to or that link to
#: it (one ring), the reports those link to and the other reports of its incident (two).
_RINGS = 2


def _reaches(seeds: pd.DataFrame) -> dict[str, _Reach]:
    """Each family's first window: its seeds' days and the days within its T either side, by the cells within
    two rings of its seeds' cells (cells as wide as its D)."""
    out = {}
    for family, group in seeds.groupby("family", sort=True):
        reach = -(-int(group["window_us"].max()) // _US_PER_DAY)  # T in whole days, rounded up
        side = float(group["radius_m"].max()) * _MARGIN
        cells = Cells.around(group["lon"].to_numpy(), group["lat"].to_numpy(), side, _RINGS)
        out[str(family)] = _Reach(reach, _around(group["day"].to_numpy(), reach), cells, reach, _RINGS)
    return out


def _window(con: duckdb.DuckDBPyConnection, r: Rules, reaches: dict[str, _Reach]) -> tuple[pa.Table, pd.DataFrame]:
    """The eligible reports of each family of ``reaches`` reported on its days in its cells, in report order,
    with their stored result (``old_incident``, ``old_lead``), whether each was ``written`` since the last
    update and whether it is a ``seed``, and its cell (``cell``; -1 for a family read anywhere)."""
    by_day = [(family, day) for family, w in reaches.items() for day in sorted(w.days)]
    days = pa.table({"family": [f for f, _ in by_day], "day": pa.array([d for _, d in by_day], pa.int64())})
    con.register("_window_days", days)
    grids = {f: w.cells for f, w in reaches.items()}
    con.register(
        "_window_grid",
        pa.table(
            {
                "family": list(grids),
                "kx": [0.0 if c is None else c.kx for c in grids.values()],
                "ky": [0.0 if c is None else c.ky for c in grids.values()],
                "by_place": [c is not None for c in grids.values()],
            }
        ),
    )
    in_cells = [(f, c.keys) for f, c in grids.items() if c is not None]
    con.register(
        "_window_cells",
        pa.table(
            {
                "family": pa.array([f for f, keys in in_cells for _ in range(len(keys))], pa.string()),
                "cell": pa.array(np.concatenate([keys for _, keys in in_cells]) if in_cells else [], pa.int64()),
            }
        ),
    )
    # the literal bounds let both tables skip the row groups outside the days (they are stored in report order)
    first, after = _span({day for w in reaches.values() for day in w.days})
    in_days = (
        "c.reported_at >= $first AND c.reported_at < $after"
        f" AND epoch_us(c.reported_at) // {_US_PER_DAY} IN (SELECT DISTINCT day FROM _window_days)"
    )
    # every family read by place: the box around all their cells filters the scan first (a load from one city
    # of a province reads that city's reports, not the province's); the cells' own filter follows
    box = _box([c for c in grids.values() if c is not None]) if grids and all(grids.values()) else None
    in_box = "" if box is None else " AND {t}.lon BETWEEN $west AND $east AND {t}.lat BETWEEN $south AND $north"
    in_days += in_box.format(t="c")
    incidents_in = "i.reported_at >= $first AND i.reported_at < $after" + in_box.format(t="i")
    cell = fusion_cells.key_sql("f.lon", "f.lat", "g.kx", "g.ky")
    sql = f"""
        WITH f AS (
            SELECT f.*, g.by_place, CASE WHEN g.by_place THEN {cell} ELSE -1 END AS cell
            FROM ({_family_sql(in_days)}) f
            JOIN _window_grid g ON g.family = f.family
            JOIN _window_days wd ON wd.family = f.family AND wd.day = f.t // {_US_PER_DAY}
        )
        SELECT f.*, i.incident_id AS old_incident, coalesce(i.is_lead, true) AS old_lead,
               f.case_uid IN (SELECT case_uid FROM _written) AS written,
               f.case_uid IN (SELECT case_uid FROM _written) OR f.case_uid IN (SELECT case_uid FROM _left) AS seed
        FROM f
        LEFT JOIN _window_cells wc ON wc.family = f.family AND wc.cell = f.cell
        LEFT JOIN (SELECT * FROM {INCIDENT_TABLE} i WHERE {incidents_in}) i
               ON i.case_uid = f.case_uid AND f.case_uid NOT IN (SELECT case_uid FROM _written)
        WHERE NOT f.by_place OR wc.cell IS NOT NULL
        ORDER BY f.t, f.case_uid
    """
    bounds = {} if box is None else dict(zip(("west", "east", "south", "north"), box, strict=True))
    read = _read(con, sql, {**_params(r), "first": first, "after": after, **bounds})
    for name in ("_window_days", "_window_grid", "_window_cells"):
        con.unregister(name)
    return read


def _box(cells: list[Cells]) -> tuple[float, float, float, float]:
    """The box around every point of the cells (``Cells.bounds``). A report of an unchanged case in the window
    has its incident row where the case is (the row copies its place), so the box filters both tables."""
    bounds = np.array([c.bounds() for c in cells])
    return (float(bounds[:, 0].min()), float(bounds[:, 1].max()), float(bounds[:, 2].min()), float(bounds[:, 3].max()))


@dataclass
class _Recomputed:
    """An update's window (``table``, ``frame``), the results of its reports (``incident``: row of the lead;
    ``is_lead``), the reports decided again and those whose result changed (bool masks; seeds count as
    changed)."""

    table: pa.Table
    frame: pd.DataFrame
    incident: np.ndarray
    is_lead: np.ndarray
    recomputed: np.ndarray
    changed: np.ndarray
    #: the window's first moment and the moment after it (every report read, and every incident row of one)
    first: dt.datetime
    after: dt.datetime


def _recompute(con: duckdb.DuckDBPyConnection, r: Rules, seeds: pd.DataFrame) -> _Recomputed:
    """Decide again the reports a change can reach, reading only the days and places around what changed.

    A report links only to reports of its family at most D away and at most T before it, and its result (lead,
    or the further report of the earliest linked lead) depends only on their lead flags. So a change spreads
    only through reports whose flag changed, at most D and T a step (``reassign``). Each family's window is its
    seeds' days and the days within its T either side, by the cells within two rings of its seeds' cells
    (``etl/fusion_cells.py``; by day alone where that would be too many cells). Where a report changed within T
    of its family's days or two rings of its cells, that window is widened around it (twice as far each time)
    and read again. When none does, every report decided again had all its linked reports in the window, and
    every incident of a changed report lies whole in it. A late file of last year's cases reads the days and
    streets around them, not a year of the city's reports."""
    reaches = _reaches(seeds)
    while True:
        table, frame = _window(con, r, reaches)
        family = table["family"].to_numpy(zero_copy_only=False)
        lat = frame["lat"].to_numpy()
        unheld = [f for f, w in reaches.items() if w.cells is not None and not w.cells.holds(lat[family == f])]
        for f in unheld:  # reports near the latitude the cells were sized for: read by day alone
            reaches[f].cells = None
        if unheld:
            continue
        n = len(frame)
        stored_at = pc.index_in(table["old_incident"], value_set=table["case_uid"]).to_numpy(zero_copy_only=False)
        in_table = table["old_incident"].is_valid().to_numpy(zero_copy_only=False)
        # a stored lead outside the window is -1: such a report is not decided again (its links are unchanged)
        stored_incident = np.where(in_table, np.nan_to_num(stored_at.astype(float), nan=-1), np.arange(n))
        stored = Stored(
            _flags(table, "seed"), _flags(table, "written"), stored_incident.astype(np.int64), _flags(table, "old_lead")
        )
        incident, is_lead, recomputed = reassign(candidate_pairs(frame), stored)
        changed = stored.seed | (is_lead != stored.lead) | (incident != stored.incident)
        if not _widen(reaches, family[changed], frame["t"].to_numpy()[changed], table["cell"].to_numpy()[changed]):
            first, after = _span({day for w in reaches.values() for day in w.days})
            return _Recomputed(table, frame, incident, is_lead, recomputed, changed, first, after)


def _widen(reaches: dict[str, _Reach], family: np.ndarray, t: np.ndarray, cell: np.ndarray) -> bool:
    """Widen each family's window where its changed reports (``family``, ``t``, ``cell``) come within T of its
    days or two rings of its cells; whether any was."""
    widened = False
    for f, w in reaches.items():
        mine = family == f
        if not mine.any():
            continue
        days = t[mine] // _US_PER_DAY
        if not _around(days, w.reach) <= w.days:
            w.days |= _around(days, w.reach) | _around(days, w.grow_days)
            w.grow_days *= 2
            widened = True
        if w.cells is not None and not w.cells.covers(cell[mine], _RINGS):
            w.rings *= 2
            w.cells = w.cells.grown(cell[mine], w.rings)
            widened = True
    return widened


def _flags(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(table[name].to_numpy(zero_copy_only=False), bool)


def update(con: duckdb.DuckDBPyConnection, settings: Settings) -> FusionReport:
    """Bring ``case_incident`` up to date with the cases written since the last update: incrementally, or whole
    when the rules changed or it was never built. Run it inside the load's transaction, before the rollups
    (they count duplicates apart)."""
    state, r = _state(con), rules(con, settings)
    if state.get("rules") != r.key or "last_run" not in state:
        return rebuild(con, settings)
    started = time.perf_counter()
    last = int(state["last_run"])
    written = "CREATE OR REPLACE TEMP TABLE _written AS SELECT case_uid FROM cases WHERE run_id > $last"
    con.execute(written, {"last": last})
    # The incidents a written case belonged to before (its old version): their other reports are seeds too.
    # Only a case replaced can have been in one, and when this commit's loads recorded what they replaced
    # (etl/case_delta.py, counted against the same run) only those are looked up: none, for new cases only.
    had_incident = "SELECT case_uid FROM _written"
    if case_delta.counted_run(con) == last:
        had_incident = f"SELECT case_uid FROM {case_delta.retired_table(con)}"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _left AS
            SELECT case_uid, incident_id, family, reported_at, lon, lat FROM {INCIDENT_TABLE}
            WHERE incident_id IN (
                SELECT incident_id FROM {INCIDENT_TABLE} WHERE case_uid IN ({had_incident}))"""
    )
    seeds = _seeds(con, r, last)
    if seeds.empty:  # nothing written that takes part, and no incident left
        _record(con, r)
        return FusionReport("unchanged", 0, 0, 0, time.perf_counter() - started)
    read = recomputed = incidents = 0
    days: tuple[dt.date, dt.date] | None = None
    for block in _blocks(seeds):  # apart by more than T: independent, read one at a time (memory)
        outcome = _update_block(con, r, block)
        read, recomputed, incidents = read + outcome[0], recomputed + outcome[1], incidents + outcome[2]
        days = outcome[3] if days is None else (days if outcome[3] is None else _union_days(days, outcome[3]))
    _record(con, r)
    return FusionReport("incremental", read, recomputed, incidents, time.perf_counter() - started, days)


def _union_days(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    return min(a[0], b[0]), max(a[1], b[1])


def _blocks(seeds: pd.DataFrame) -> list[pd.DataFrame]:
    """The seeds in groups of nearby days, each read and updated on its own (the memory an update needs follows
    one group's days, not all of them): a new group starts where the seeds' days are more than 2T apart, or
    where a group would span more than ``BLOCK_DAYS``. Any grouping gives the same incidents: the groups are
    updated one after the other, each from the results the ones before it stored, and a group's window grows
    over whatever its changes reach (a seed of another group read in it is recomputed alike)."""
    reach = -(-int(seeds["window_us"].max()) // _US_PER_DAY)
    days = np.unique(seeds["day"].to_numpy()).tolist()
    edges, first, previous = [days[0]], days[0], days[0]
    for day in days[1:]:
        if day - previous > 2 * reach + 1 or day - first >= BLOCK_DAYS:
            edges.append(day)
            first = day
        previous = day
    edges.append(previous + 1)
    return [seeds[(seeds["day"] >= lo) & (seeds["day"] < hi)] for lo, hi in itertools.pairwise(edges)]


def _update_block(
    con: duckdb.DuckDBPyConnection, r: Rules, seeds: pd.DataFrame
) -> tuple[int, int, int, tuple[dt.date, dt.date] | None]:
    """Recompute and rewrite the incidents around one group of seeds; the reports read and recomputed, the
    incidents written, and the first and last day whose reports changed between lead and duplicate."""
    done = _recompute(con, r, seeds)
    table, frame, incident, is_lead, changed = done.table, done.frame, done.incident, done.is_lead, done.changed
    old_lead = table["old_lead"].to_numpy(zero_copy_only=False)
    span = {"first": done.first, "after": done.after}
    # Every incident touched: those of the changed reports now, those they or the written cases left.
    now = pc.take(table["case_uid"], pa.array(incident[changed]))
    before = pc.filter(table["old_incident"], pa.array(changed)).drop_null()
    left_sql = "SELECT DISTINCT incident_id FROM _left WHERE reported_at >= $first AND reported_at < $after"
    left = con.sql(left_sql, params=span).to_arrow_table()["incident_id"]
    touched = pc.unique(pa.chunked_array([*now.chunks, *before.chunks, *left.chunks], pa.string()))
    con.register("_touched", pa.table({"incident_id": touched}))
    # every row replaced lies in the window (an incident's reports are within T of its lead): bound to skip
    # the incidents' row groups outside it
    replaced = (
        "reported_at >= $first AND reported_at < $after"
        " AND (incident_id IN (SELECT incident_id FROM _touched) OR case_uid IN (SELECT case_uid FROM _written))"
    )
    # the further reports among the rows replaced: the rollups move those whose flag the update flips
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _further_before AS"
        f" SELECT case_uid, reported_at FROM {INCIDENT_TABLE} WHERE ({replaced}) AND NOT is_lead",
        span,
    )
    con.execute(f"DELETE FROM {INCIDENT_TABLE} WHERE {replaced}", span)
    con.unregister("_touched")
    in_touched = pc.is_in(table["case_uid"], value_set=touched).to_numpy(zero_copy_only=False)
    rows = _incident_rows(table, incident, is_lead, np.flatnonzero(in_touched & is_lead))
    _write(con, rows)
    con.register("_further_after", rows.filter(pc.invert(rows["is_lead"])).select(["case_uid", "reported_at"]))
    case_delta.record_flips(con, "_further_before", "_further_after")  # the rollups move them (etl/case_delta.py)
    con.unregister("_further_after")
    con.execute("DROP TABLE _further_before")
    return (
        len(frame),
        int(done.recomputed.sum()),
        len(pc.unique(rows["incident_id"])),
        _changed_days(frame["t"].to_numpy(), ~old_lead, ~is_lead),
    )

"""One incident, many reports: link the reports of the same incident across and within channels.

The rule (``docs/fusion.md``). Reports are taken in report order (``reported_at``, then ``case_uid``). Each
class belongs to a *family* (table ``fusion_class``; a class not listed is a family of its own) with a distance
D and a window T (table ``fusion_family``; the defaults ``settings.duplicate_radius_m`` and
``duplicate_window_hours`` for a family of one class). A report joins the incident of the earliest *lead* report
of its family that is at most D metres away (geodesic, WGS-84) and at most T hours before it; without one it
leads an incident of its own. So an incident spans at most T from its first report and at most D around it: it
cannot chain a hot spot's reports through a year, and reports of unrelated classes are never one incident.
Only located cases with a GB/T class take part; a report's channel does not matter.

The result is derived: table ``case_incident`` (``core.catalog.INCIDENT_TABLE``) holds the reports of incidents
with two reports or more (a case not there is an incident of one report, its id its own ``case_uid``). Every
load updates it *incrementally* (``update``): a report's lead status depends only on lead reports before it
within D and T, so the reports a load can change are the forward closure of the reports it wrote (and of the
incidents those left) in that relation; only they are recomputed, the others keep their stored status, and the
result equals a recomputation from scratch (a test loads in different orders and compares). A change of the rules
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
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order
from scipy.spatial import cKDTree

from core.catalog import FUSION_STATE_TABLE, INCIDENT_CASE_COLUMNS, INCIDENT_TABLE
from settings import Settings

from . import case_delta

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


def assign(
    n: int,
    pairs: np.ndarray,
    *,
    fixed: np.ndarray | None = None,
    fixed_incident: np.ndarray | None = None,
    fixed_lead: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``(incident, is_lead)`` of ``n`` reports in report order, linked by ``pairs`` (``candidate_pairs``):
    each report joins the earliest lead among its linked earlier reports, else leads its own incident.
    ``incident`` holds the row of the incident's lead.

    ``fixed`` (bool per row): reports whose result is known and cannot change (``update``'s incremental path),
    with their ``fixed_lead`` flags and ``fixed_incident`` rows (-1: an incident whose lead lies before the
    rows given); only the others are decided.
    """
    is_fixed = np.zeros(n, bool) if fixed is None else np.asarray(fixed, bool)
    incident = np.arange(n, dtype=np.int64)
    is_lead = np.ones(n, bool)
    if is_fixed.any():
        incident[is_fixed] = np.asarray(fixed_incident, np.int64)[is_fixed]
        is_lead[is_fixed] = np.asarray(fixed_lead, bool)[is_fixed]
    if not len(pairs):
        return incident, is_lead
    later, earlier = pairs[:, 1], pairs[:, 0]
    starts = np.searchsorted(later, np.arange(n + 1))
    decide = np.flatnonzero(~is_fixed)
    linked = decide[starts[decide + 1] > starts[decide]]
    # Sequential by nature (a report's status depends on earlier decisions), but only over reports with an
    # earlier linked report: a few per cent of them. Plain lists keep the loop cheap.
    lead_flags = is_lead.tolist()
    incidents = incident.tolist()
    before = earlier.tolist()
    start = starts.tolist()
    for j in linked.tolist():
        for k in range(start[j], start[j + 1]):
            i = before[k]
            if lead_flags[i]:
                incidents[j] = i
                lead_flags[j] = False
                break
    return np.asarray(incidents, np.int64), np.asarray(lead_flags, bool)


def forward_closure(n: int, pairs: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Rows reachable from ``seeds`` (a bool mask) along ``pairs`` from earlier to later: every report whose
    result can depend on a seed's (a bool mask, seeds included)."""
    reached = np.asarray(seeds, bool).copy()
    if not len(pairs) or not reached.any():
        return reached
    # one virtual source (row n) linked to every seed: a single breadth-first search
    src = np.r_[pairs[:, 0], np.full(int(reached.sum()), n)]
    dst = np.r_[pairs[:, 1], np.flatnonzero(reached)]
    graph = csr_matrix((np.ones(len(src), np.int8), (src, dst)), shape=(n + 1, n + 1))
    order = breadth_first_order(graph, n, directed=True, return_predecessors=False)
    reached[order[order < n]] = True
    return reached


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
    """The families and report days (since the epoch) of the seeds: the cases written since the last update
    (run ``last``) and the reports of the incidents their old versions left; with each family's window T (µs)."""
    sql = f"""
        SELECT family, t // {_US_PER_DAY} AS day, max(window_us) AS window_us FROM (
            SELECT s.family, s.t, s.window_us FROM ({_family_sql("c.run_id > $last")}) s
            UNION ALL
            SELECT l.family, epoch_us(l.reported_at),
                   CAST(round(coalesce(ff.window_hours, $window) * {_US_PER_HOUR}) AS BIGINT)
            FROM _left l LEFT JOIN fusion_family ff ON ff.family = l.family
        ) GROUP BY ALL
    """
    return con.execute(sql, {**_params(r), "last": last}).df()


def _around(days: np.ndarray, reach: int) -> set[int]:
    """``days`` and the ``reach`` days either side of each."""
    return {int(d) + k for d in np.unique(days) for k in range(-reach, reach + 1)}


def _span(days: set[int]) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of the first of ``days`` (since the epoch) and the first moment after the last."""
    return _EPOCH + dt.timedelta(days=min(days)), _EPOCH + dt.timedelta(days=max(days) + 1)


def _window(
    con: duckdb.DuckDBPyConnection, r: Rules, families: list[str], days: set[int]
) -> tuple[pa.Table, pd.DataFrame]:
    """The eligible reports of ``families`` reported on ``days`` (since the epoch), in report order, with their
    stored result (``old_incident``, ``old_lead``) and whether each is a seed."""
    con.register("_window_days", pa.table({"day": pa.array(sorted(days), pa.int64())}))
    con.register("_window_families", pa.table({"family": pa.array(families, pa.string())}))
    # the literal bounds let both tables skip the row groups outside the days (they are stored in report order)
    first, after = _span(days)
    in_days = (
        "c.reported_at >= $first AND c.reported_at < $after"
        f" AND epoch_us(c.reported_at) // {_US_PER_DAY} IN (SELECT day FROM _window_days)"
    )
    sql = f"""
        SELECT f.*, i.incident_id AS old_incident, coalesce(i.is_lead, true) AS old_lead,
               f.case_uid IN (SELECT case_uid FROM _written) OR f.case_uid IN (SELECT case_uid FROM _left) AS seed
        FROM ({_family_sql(in_days)}) f
        LEFT JOIN (SELECT * FROM {INCIDENT_TABLE} WHERE reported_at >= $first AND reported_at < $after) i
               ON i.case_uid = f.case_uid AND f.case_uid NOT IN (SELECT case_uid FROM _written)
        WHERE f.family IN (SELECT family FROM _window_families)
        ORDER BY f.t, f.case_uid
    """
    read = _read(con, sql, {**_params(r), "first": first, "after": after})
    con.unregister("_window_days")
    con.unregister("_window_families")
    return read


@dataclass
class _Recomputed:
    """An update's window (``table``, ``frame``), the results of its reports (``incident``: row of the lead;
    ``is_lead``), the reports recomputed and those whose result changed (bool masks; seeds count as changed)."""

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
    """Recompute the reports a change can reach, reading only the days around what changed.

    A report links only to reports at most T before it, and its result (lead, or the further report of the
    earliest linked lead) depends only on theirs. So a change spreads forward only through reports whose
    result changed. The window is read by days: each seed's day and the days within T either side; the
    reports reachable from the seeds in it are recomputed (those before hold their stored results), and where
    a result changed within T of the window's edge, the days after it are added (twice as many each time)
    and the window read again. An incident has its reports within T of its lead, so every incident of a
    changed report lies whole in the window. A late file of last year's cases reads the days around them,
    not a year of reports."""
    reach = -(-int(seeds["window_us"].max()) // _US_PER_DAY)  # T in whole days, rounded up
    families = sorted(seeds["family"].unique())
    days = _around(seeds["day"].to_numpy(), reach)
    grow = reach
    while True:
        table, frame = _window(con, r, families, days)
        n = len(frame)
        pairs = candidate_pairs(frame)
        seed = table["seed"].to_numpy(zero_copy_only=False)
        recomputed = forward_closure(n, pairs, seed)
        # The others keep their stored result. A lead may lie before the window (-1): such a report cannot be
        # linked to a recomputed one, which only links to reports within T before it, all in the window.
        stored = pc.index_in(table["old_incident"], value_set=table["case_uid"]).to_numpy(zero_copy_only=False)
        in_table = table["old_incident"].is_valid().to_numpy(zero_copy_only=False)
        fixed_incident = np.where(in_table, np.nan_to_num(stored.astype(float), nan=-1), np.arange(n)).astype(np.int64)
        old_lead = table["old_lead"].to_numpy(zero_copy_only=False)
        incident, is_lead = assign(n, pairs, fixed=~recomputed, fixed_incident=fixed_incident, fixed_lead=old_lead)
        changed = seed | (is_lead != old_lead) | (incident != fixed_incident)
        needed = _around(frame["t"].to_numpy()[changed] // _US_PER_DAY, reach)
        if needed <= days:
            first, after = _span(days)
            return _Recomputed(table, frame, incident, is_lead, recomputed, changed, first, after)
        days |= needed | _around(frame["t"].to_numpy()[changed] // _US_PER_DAY, grow)
        grow *= 2


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
            SELECT case_uid, incident_id, family, reported_at FROM {INCIDENT_TABLE}
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
    edges, first, previous = [], None, None
    for day in np.unique(seeds["day"].to_numpy()).tolist():
        if first is None or day - previous > 2 * reach + 1 or day - first >= BLOCK_DAYS:
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

"""Where case counts are read from: the smallest rollup (``core.catalog``) holding every column a query filters
and groups on, else ``cases`` itself; and the counts of ``core.measures`` as SQL, written once for every query.

``counts_sql`` writes one relation of counts grouped by some columns, the same from either source: ``cases``
is counted per group and state, a rollup's counts are summed per group and state, and the state-dependent
figures are folded from the states after (closed, awaiting closure, closed on time), so both give the same
numbers (the tests compare them). Case rollups are days, so time filters on report days are exact on them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from core.catalog import (
    BIN_ROLLUPS,
    CASE_ROLLUPS,
    DISPATCH_TABLE,
    HANDOFF_TABLE,
    OPEN_TABLE,
    BinRollup,
    CaseRollup,
    dispatch_rows_sql,
    handoff_rows_sql,
    open_cases_sql,
)
from core.measures import CASE_COUNTS, CONSTANTS, REGISTRY
from core.states import PENDING_SQL

from .filters import case_filters, filter_columns

#: Every count ``counts_sql`` can give: the counts over cases and those folded from the states (``core.measures``).
MEASURES: tuple[str, ...] = tuple(name for name, m in REGISTRY.items() if m.source in ("cases", "states"))


@dataclass(frozen=True)
class Source:
    """A relation of cases to count from: ``cases`` (``rollup`` None) or a rollup table."""

    table: str
    rollup: CaseRollup | None = None

    @property
    def day(self) -> str:
        """The report day, as an expression over the relation aliased ``c``."""
        return "c.day" if self.rollup else "CAST(c.reported_at AS DATE)"

    def column(self, name: str) -> str:
        return self.day if name == "day" else f"c.{name}"

    def count(self, measure: str) -> str:
        return f"sum(c.{measure})" if self.rollup else CASE_COUNTS[measure]

    def filters(self, **filters: Any) -> tuple[str, dict[str, Any]]:
        if self.rollup:
            return case_filters(day_column="c.day", duplicate_column="c.duplicate", **filters)
        return case_filters(**filters)


CASES = Source("cases")


#: The tables a derived table may be refreshed against (``rollup_state.source``: one, or several joined by "+").
_SOURCES = ("cases", "camera_event", "case_flow")


def fresh_rollups(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The rollup tables refreshed against the current rows of their source (``rollup_state``), with their row
    counts: none in a database from before the rollups (until its next load), nor those whose source was written
    without refreshing them. A table derived from several sources ("cases+case_flow") is fresh while their rows
    add up to what it was refreshed against."""
    if not con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'rollup_state'").fetchall():
        return {}
    counts = " UNION ALL ".join(f"SELECT '{table}' AS source, count(*) AS n FROM {table}" for table in _SOURCES)
    sql = f"""
        WITH counts AS ({counts})
        SELECT r.table_name, r.rows FROM rollup_state r
        WHERE r.source_rows = (SELECT sum(k.n) FROM counts k WHERE list_contains(string_split(r.source, '+'), k.source))
    """
    return dict(con.execute(sql).fetchall())


def case_source(con: duckdb.DuckDBPyConnection, columns: Sequence[str], **filters: Any) -> Source:
    """The fresh rollup with the fewest rows holding ``columns`` (besides ``day``) and every column ``filters``
    read, else ``cases``."""
    needed = (set(columns) - {"day"}) | filter_columns(**filters) | {"status"}
    fitting = [rollup for rollup in CASE_ROLLUPS if needed <= set(rollup.dimensions)]
    if not fitting:
        return CASES
    fresh = fresh_rollups(con)
    ranked = sorted((fresh[r.table], r.table, r) for r in fitting if r.table in fresh)
    return Source(ranked[0][1], ranked[0][2]) if ranked else CASES


def counts_sql(
    con: duckdb.DuckDBPyConnection,
    *,
    group: Sequence[str],
    measures: Sequence[str],
    where: str = "TRUE",
    **filters: Any,
) -> tuple[str, dict[str, Any]]:
    """``(sql, params)`` of a relation with the ``group`` columns (``day`` or columns of ``cases``) and the
    ``measures`` (of ``MEASURES``; BIGINT, 0 when nothing counts) of the cases matching ``filters``.

    ``where``: one more condition over ``c``, on ``group`` columns only (so any source can test it). With no
    ``group`` the relation has exactly one row.
    """
    unknown = [m for m in measures if m not in MEASURES]
    if unknown:
        raise ValueError(f"unknown measures {unknown}; valid: {list(MEASURES)}")
    source = case_source(con, group, **filters)
    condition, params = source.filters(**filters)
    folded = {m: REGISTRY[m] for m in measures if REGISTRY[m].source == "states"}
    base = list(dict.fromkeys(folded[m].base if m in folded else m for m in measures))
    inner_group = ", ".join([*(f"{source.column(g)} AS {g}" for g in group), "c.status"])
    inner_counts = ", ".join(f"{source.count(m)} AS {m}" for m in base)
    outer = [
        f"sum(b.{folded[m].base}) FILTER (WHERE {folded[m].fold})" if m in folded else f"sum(b.{m})" for m in measures
    ]
    outer_counts = ", ".join(
        f"CAST(coalesce({sql}, 0) AS BIGINT) AS {m}" for sql, m in zip(outer, measures, strict=True)
    )
    keys = ", ".join(f"b.{g}" for g in group)
    sql = f"""
        SELECT {keys + ", " if keys else ""}{outer_counts}
        FROM (
            SELECT {inner_group}, {inner_counts}
            FROM {source.table} c
            WHERE ({where}) AND {condition}
            GROUP BY ALL
        ) b LEFT JOIN case_state s ON s.state = b.status
        {"GROUP BY " + keys if keys else ""}
    """
    # DuckDB refuses a parameter the SQL does not use: bind the constants this SQL refers to only.
    return sql, {**params, **{name: value for name, value in CONSTANTS.items() if f"${name}" in sql}}


def clock_counts_sql(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: dt.datetime,
    group: Sequence[str] = (),
    where: str = "TRUE",
    **filters: Any,
) -> tuple[str, dict[str, Any]]:
    """``(sql, params)`` of a relation with the ``group`` columns (of ``cases``), ``pending`` (open, not yet
    handled) and ``overdue`` (of those, past the handling deadline at ``as_of``) of the cases matching
    ``filters``: states at a moment, counted from the pending cases, never from a rollup. ``where``: one more
    condition over ``c``. With no ``group`` the relation has exactly one row."""
    condition, params = case_filters(**filters)
    keys = ", ".join(f"c.{g}" for g in group)
    sql = f"""
        SELECT {keys + ", " if keys else ""}count(*) AS pending,
               count(*) FILTER (WHERE c.handle_deadline < $as_of) AS overdue
        FROM {pending_cases(con)} c
        WHERE ({where}) AND {condition}
        {"GROUP BY " + keys if keys else ""}
    """
    return sql, {**params, "as_of": as_of}


def bin_source(
    con: duckdb.DuckDBPyConnection, kind: str, frame: dict[str, float], size_key: str, **filters: Any
) -> BinRollup | None:
    """The bin rollup of ``kind`` with the fewest rows that can answer, or None (bin ``cases``): fresh, built in
    this very ``frame`` (the same size and origin), with every column ``filters`` read among its dimensions,
    and for a month rollup a range of whole months (or running past the last report)."""
    fresh = fresh_rollups(con)
    fitting = [
        r for r in BIN_ROLLUPS if r.kind == kind and r.table in fresh and filter_columns(**filters) <= set(r.dimensions)
    ]
    if any(r.grain == "month" for r in fitting) and not _whole_months(con, filters.get("start"), filters.get("end")):
        fitting = [r for r in fitting if r.grain != "month"]
    if not fitting:
        return None
    rows = con.execute("SELECT size_m, lon0, lat0 FROM case_bin_frame WHERE kind = $kind", {"kind": kind}).fetchall()
    if rows != [(frame[size_key], frame["lon0"], frame["lat0"])]:
        return None
    return min(fitting, key=lambda r: fresh[r.table])


def _whole_months(con: duckdb.DuckDBPyConnection, start: dt.date | None, end: dt.date | None) -> bool:
    """Whether report days ``start``…``end`` cover whole calendar months (an end on or after the last report
    counts as the end of its month: no later case exists)."""
    if start is not None and start.day != 1:
        return False
    if end is None or (end + dt.timedelta(days=1)).day == 1:
        return True
    last = con.execute("SELECT max(reported_at) FROM cases").fetchall()[0][0]
    return last is not None and end >= last.date()


def pending_cases(con: duckdb.DuckDBPyConnection) -> str:
    """A relation (to alias ``c``) of the cases pending at the last load, open and not yet handled, with the
    columns of ``OPEN_TABLE``: the ETL's ``case_open`` when fresh, else those rows of ``cases``."""
    if OPEN_TABLE in fresh_rollups(con):
        return f"(SELECT * FROM {OPEN_TABLE} c WHERE c.handled_at IS NULL)"
    return f"(SELECT * FROM cases c WHERE {PENDING_SQL})"


def open_cases(con: duckdb.DuckDBPyConnection) -> str:
    """A relation (to alias ``c``) of the cases open at the last load (``OPEN_TABLE``'s columns, ``returned_at``
    included): the ETL's ``case_open`` when fresh, else computed from ``cases`` and ``case_flow``."""
    return OPEN_TABLE if OPEN_TABLE in fresh_rollups(con) else f"({open_cases_sql()})"


def dispatches(con: duckdb.DuckDBPyConnection, **filters: Any) -> tuple[str, dict[str, Any]]:
    """``(relation, params)``: the dispatches (``DISPATCH_TABLE``'s rows, to alias ``d``) of the cases matching
    ``filters`` (reported in the period; ``dept``: the department responsible now). From the ETL's
    ``case_dispatch`` when fresh, else computed from ``cases`` and ``case_flow`` for just those cases."""
    filters.pop("cohort", None)  # dispatches belong to the cases reported in the period
    if DISPATCH_TABLE in fresh_rollups(con):
        where, params = case_filters(day_column="c.day", **filters)
        return f"(SELECT * FROM {DISPATCH_TABLE} c WHERE {where})", params
    where, params = case_filters(**filters)
    return f"({dispatch_rows_sql(where)})", params


def handoffs(con: duckdb.DuckDBPyConnection, **filters: Any) -> tuple[str, dict[str, Any]]:
    """``(relation, params)``: the cases that changed hands (``HANDOFF_TABLE``'s rows, to alias ``h``) among the cases
    matching ``filters`` (as ``dispatches``): the ETL's ``case_handoff`` when fresh, else summed from the
    dispatches."""
    filters.pop("cohort", None)
    if HANDOFF_TABLE in fresh_rollups(con):
        where, params = case_filters(day_column="c.day", **filters)
        return f"(SELECT * FROM {HANDOFF_TABLE} c WHERE {where})", params
    relation, params = dispatches(con, **filters)
    return f"({handoff_rows_sql(relation)})", params

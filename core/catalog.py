"""The catalog of derived tables: what the ETL writes from ``cases`` and ``camera_event`` after every load, and
what the dashboard may read instead of scanning them. It is the contract between the writer (``etl.rollups``)
and the readers (``queries.source``): both take table names, columns and meanings from here only.

* ``CASE_ROLLUPS``: one row per report day, ``status`` and distinct combination of a few dimensions (NULLs
  included), holding every count of ``core.measures.CASE_COUNTS``. No count depends on the state, so the
  state-dependent figures (closed, awaiting closure, closed on time) are sums over the right states at read time.
* ``BIN_ROLLUPS``: located cases per report day (or month) and hexagon (``q``, ``r``) or square cell (``i``,
  ``j``) in the frame of ``core.bins``; ``case_bin_frame`` records the size and origin each kind was built with.
* ``OPEN_TABLE``: the cases open at the last load (still needing work), for the figures that depend on the clock
  (pending = open and not yet handled; the step each waits on and its light).
* ``DISPATCH_TABLE``: one row per dispatch of a case to a department (from ``case_flow``): who held it, how it
  ended (returned, or kept), the case's chain of departments: the hand-off analytics and department figures.
* ``EVENT_TABLE``: camera alarms per capture day, camera, scene and class.
* ``ADJACENCY_TABLE``: which grids of a level touch (queen contiguity: a shared boundary or corner), per grid
  epoch (a span of time in which one set of grid versions is valid), for the spatial statistics; rebuilt when the
  grids change (``ADJACENCY_STATE`` holds the fingerprint of the grids it was built from).
* ``INCIDENT_TABLE``: the reports of incidents of two reports or more (``etl.fusion``), and ``FUSION_STATE_TABLE``
  what they were last brought up to date with. Every case rollup counts further reports of an incident apart
  (dimension ``duplicate``), so counts by incident read the rollups too.
* ``CAMERA_LOOP_TABLE``: each camera alarm with the times of the case it became (the closed loop's funnel).
* ``rollup_state``: what each was refreshed against; a reader trusts a table only while its source still holds
  that many rows. ``rollup_dropped``: rollups not kept because they barely aggregate.

Derived tables are rebuilt from their sources alone, so they are not migrated like the base schema
(``etl/migrations``): ``etl.rollups.create_tables`` creates any that is missing, recreates one whose columns
differ from the catalog's (an upgrade added a count), and a refresh fills it.
"""

from __future__ import annotations

from dataclasses import dataclass

from settings import MAX_GRID_LEVELS

from .measures import CASE_COUNTS

#: The ``schema_meta`` key that marks a database as the generated demo city (written by ``demo.build_demo`` in
#: the commit that loads it; read by ``queries.dataset_facts``, so every screen can say 演示数据).
DEMO_MARKER = "demo"

#: Grid-level columns of every located entity, by depth (1 = top level): the only grid identifiers SQL may use.
GRID_LEVEL_COLUMNS: dict[int, str] = {depth: f"grid_l{depth}" for depth in range(1, MAX_GRID_LEVELS + 1)}
GRID_COLUMNS: tuple[str, ...] = tuple(GRID_LEVEL_COLUMNS.values())


def grid_level_column(depth: int) -> str:
    """The column holding the grid code at ``depth`` (an allow-listed identifier)."""
    try:
        return GRID_LEVEL_COLUMNS[depth]
    except KeyError:
        raise ValueError(f"grid depth must be one of {sorted(GRID_LEVEL_COLUMNS)}, got {depth!r}") from None


@dataclass(frozen=True)
class CaseRollup:
    """A rollup table: one row per report ``day`` and distinct combination of ``dimensions`` (columns of
    ``cases``, ``status`` always among them), with every count of ``CASE_COUNTS``. ``source``: a rollup listed
    before it, holding all its dimensions, that it is summed from (cheaper than counting ``cases``)."""

    table: str
    dimensions: tuple[str, ...]
    source: str | None = None


@dataclass(frozen=True)
class BinRollup:
    """Located cases per report ``day``, bin of ``kind`` (``core.bins.BIN_KINDS``, in columns ``keys``) and
    distinct combination of ``dimensions`` (columns of ``cases``)."""

    table: str
    kind: str
    keys: tuple[str, str]
    dimensions: tuple[str, ...] = ()
    #: ``day``: one row per report day; ``month``: per calendar month, ``day`` holding its first day (fewer rows
    #: for more dimensions; read for ranges of whole months only).
    grain: str = "day"


#: Readers take the one with the fewest rows (``rollup_state.rows``) among those holding every column they need.
#: The grid rollups are nested, each summed from the finer one; at 10M cases over a year of the demo city they
#: hold ~0.06M (communities), 0.45M (grids), 1.3M (sub-grids), 1.25M (street × kind), 0.8M (kind) and 0.1M
#: (street × channel) rows.
#: ``duplicate`` (a further report of an incident, ``INCIDENT_TABLE``) is a dimension of every rollup: it splits
#: only the groups holding such reports (a few per cent more rows) and lets counts by incident read rollups.
CASE_ROLLUPS: tuple[CaseRollup, ...] = (
    CaseRollup("case_daily_area", (*GRID_COLUMNS, "status", "duplicate")),
    CaseRollup("case_daily_grid", (*GRID_COLUMNS[:4], "status", "duplicate"), source="case_daily_area"),
    CaseRollup("case_daily_community", (*GRID_COLUMNS[:3], "status", "duplicate"), source="case_daily_grid"),
    CaseRollup(
        "case_daily_street_kind",
        (*GRID_COLUMNS[:2], "channel", "category_code", "status", "dept_code", "duplicate"),
    ),
    CaseRollup(
        "case_daily_kind",
        ("channel", "category_code", "status", "dept_code", "duplicate"),
        source="case_daily_street_kind",
    ),
    CaseRollup(
        "case_daily_street_channel",
        (*GRID_COLUMNS[:2], "channel", "status", "duplicate"),
        source="case_daily_street_kind",
    ),
)
BIN_ROLLUPS: tuple[BinRollup, ...] = (
    # Down to communities, so a drilled-down map of a long range reads them too (+10-30 % rows).
    BinRollup("case_daily_hex", "hex", ("q", "r"), (*GRID_COLUMNS[:3], "duplicate")),
    BinRollup("case_daily_heat", "heat", ("i", "j"), (*GRID_COLUMNS[:3], "duplicate")),
    # By channel, per month: a year of one channel's map (0.4M heat rows at 10M cases; per day: 3.6M).
    BinRollup("case_monthly_hex", "hex", ("q", "r"), ("channel", "duplicate"), grain="month"),
    BinRollup("case_monthly_heat", "heat", ("i", "j"), ("channel", "duplicate"), grain="month"),
)

#: The cases open at the last load (a state with ``case_state.is_open``), with the columns the filters and the
#: clock-dependent views (overdue now, deadline alerts, step lights, warnings) read: ~0.4 % of ``cases`` in the
#: demo. ``returned_at``: for a case waiting to be re-dispatched, when it was returned (from ``case_flow``).
OPEN_TABLE = "case_open"
#: Camera alarms per capture day, camera, scene and class.
EVENT_TABLE = "camera_event_daily"
#: The reports of incidents of two reports or more: ``case_uid``, ``incident_id`` (its lead report's case_uid),
#: ``is_lead``, ``family``, ``reports`` and ``channels`` of the incident (``etl.fusion``), and the report's own
#: columns the case filters read (``INCIDENT_CASE_COLUMNS``), so they apply to it as to ``cases``.
INCIDENT_TABLE = "case_incident"
#: What ``INCIDENT_TABLE`` was last brought up to date with (key ``rules``: their version; ``last_run``).
FUSION_STATE_TABLE = "fusion_state"
#: Each camera alarm with its camera's street and grid and the times of the case it became.
CAMERA_LOOP_TABLE = "camera_loop"
#: An SQL condition over ``cases`` aliased ``c``: the case is a further report of an incident (not its lead).
DUPLICATE_SQL = f"c.case_uid IN (SELECT case_uid FROM {INCIDENT_TABLE} WHERE NOT is_lead)"
#: ``cases`` with a column ``duplicate`` (``DUPLICATE_SQL``): the relation the rollups are counted from.
CASES_WITH_DUPLICATE = f"(SELECT *, {DUPLICATE_SQL} AS duplicate FROM cases c)"

#: Neighbouring grids of one level valid in one epoch, both directions of each pair.
ADJACENCY_TABLE = "grid_adjacency"
#: The fingerprint of the grids the adjacency was built from (one row).
ADJACENCY_STATE = "grid_adjacency_state"
#: SQL of the start of the grid epoch holding ``$at``: the latest moment a grid version began or ended before it.
EPOCH_AT_SQL = """(SELECT max(t) FROM (SELECT valid_from AS t FROM grid UNION ALL
                  SELECT valid_to FROM grid WHERE valid_to IS NOT NULL) WHERE t <= $at)"""

#: The type of each column a derived table copies from ``cases`` (as there).
CASE_COLUMN_TYPES: dict[str, str] = {
    "case_uid": "VARCHAR NOT NULL",
    "reported_at": "TIMESTAMP NOT NULL",
    "channel": "VARCHAR NOT NULL",
    "category_code": "VARCHAR",
    "status": "VARCHAR NOT NULL",
    "dept_code": "VARCHAR",
    **dict.fromkeys(GRID_COLUMNS, "VARCHAR"),
    "lon": "DOUBLE",
    "lat": "DOUBLE",
    "accepted_at": "TIMESTAMP",
    "registered_at": "TIMESTAMP",
    "dispatched_at": "TIMESTAMP",
    "handled_at": "TIMESTAMP",
    "handle_deadline": "TIMESTAMP",
    "handle_clock": "VARCHAR",
    "handle_limit": "DOUBLE",
    "extension_hours": "DOUBLE",
    "signed_at": "TIMESTAMP",
    "checked_at": "TIMESTAMP",
    "is_urgent": "BOOLEAN",
    "is_supervised": "BOOLEAN",
    "grid_code": "VARCHAR",
}
#: The columns of ``cases`` copied into ``INCIDENT_TABLE``.
INCIDENT_CASE_COLUMNS: tuple[str, ...] = (
    "reported_at", "channel", "category_code", "status", "dept_code", *GRID_COLUMNS, "lon", "lat"
)  # fmt: skip
#: The columns ``OPEN_TABLE`` copies from ``cases``, in order (``returned_at`` follows them).
OPEN_COLUMNS: tuple[str, ...] = tuple(CASE_COLUMN_TYPES)
#: The types of the dimensions a rollup may have: columns of ``cases`` and ``duplicate``.
DIMENSION_TYPES: dict[str, str] = {**CASE_COLUMN_TYPES, "duplicate": "BOOLEAN NOT NULL"}

#: One row per dispatch (a ``case_flow`` transition into ``dispatched``) of a case reported on ``day``: the
#: department it went to (``to_dept``), its number among the case's dispatches (``n`` of ``dispatches``), the
#: department before (``prev_dept``), the first and the last department of the case, when it was dispatched and
#: when that department let go of it (``ended_at``: its return, else the case's handling; NULL while it holds it;
#: ``minutes`` between the two, wall-clock, whole minutes), whether it returned the case (``returned``); of the
#: whole case, whether its chain goes back to a department it left (``ping_pong``: A→B→A), how many departments
#: returned it (``returners``), and whether it was reworked; and the case's columns the filters read
#: (``dept_code``: the department responsible now, as in ``cases``). ~0.9 rows per case in the demo.
DISPATCH_TABLE = "case_dispatch"
DISPATCH_COLUMN_TYPES: dict[str, str] = {
    "day": "DATE NOT NULL",
    "case_uid": "VARCHAR NOT NULL",
    "channel": "VARCHAR NOT NULL",
    "category_code": "VARCHAR",
    "status": "VARCHAR NOT NULL",
    "dept_code": "VARCHAR",
    **dict.fromkeys(GRID_COLUMNS, "VARCHAR"),
    "n": "INTEGER NOT NULL",
    "dispatches": "INTEGER NOT NULL",
    "to_dept": "VARCHAR",
    "prev_dept": "VARCHAR",
    "first_dept": "VARCHAR",
    "last_dept": "VARCHAR",
    "dispatched_at": "TIMESTAMP NOT NULL",
    "ended_at": "TIMESTAMP",
    "minutes": "INTEGER",
    "returned": "BOOLEAN NOT NULL",
    "ping_pong": "BOOLEAN NOT NULL",
    "returners": "INTEGER NOT NULL",
    "reworked": "BOOLEAN NOT NULL",
}
#: The cases that changed hands: one row per case of ``DISPATCH_TABLE`` dispatched more than once or returned at
#: least once (~6 % of the dispatched cases in the demo), with its ``chain`` of departments ('A>B>A'), its counts and
#: flags, and the case's columns the filters read: what the hand-off views group, so they do not read every dispatch.
HANDOFF_TABLE = "case_handoff"
HANDOFF_COLUMN_TYPES: dict[str, str] = {
    "day": "DATE NOT NULL",
    "case_uid": "VARCHAR NOT NULL",
    "channel": "VARCHAR NOT NULL",
    "category_code": "VARCHAR",
    "status": "VARCHAR NOT NULL",
    "dept_code": "VARCHAR",
    **dict.fromkeys(GRID_COLUMNS, "VARCHAR"),
    "chain": "VARCHAR NOT NULL",
    "dispatches": "INTEGER NOT NULL",
    "returns": "INTEGER NOT NULL",
    "returners": "INTEGER NOT NULL",
    "ping_pong": "BOOLEAN NOT NULL",
    "first_dept": "VARCHAR",
    "last_dept": "VARCHAR",
    "first_dispatched": "TIMESTAMP NOT NULL",
    "last_dispatched": "TIMESTAMP NOT NULL",
}


def _table(name: str, columns: list[str]) -> str:
    return f"CREATE TABLE IF NOT EXISTS {name} ({', '.join(columns)})"


def table_columns(ddl: str) -> list[tuple[str, str]]:
    """The (name, base type) of each column a ``derived_tables`` DDL creates, in order (constraints left out):
    what a table of that name must have to be read as this catalog defines it."""
    body = ddl[ddl.index("(") + 1 : ddl.rindex(")")]
    columns = []
    for part in body.split(", "):
        words = part.split()
        if words[0].isupper():  # a table constraint (PRIMARY KEY …), not a column
            continue
        columns.append((words[0], words[1]))
    return columns


def _case_rollup_ddl(rollup: CaseRollup) -> str:
    columns = [
        "day DATE NOT NULL",
        *(f"{name} {DIMENSION_TYPES[name]}" for name in rollup.dimensions),
        *(f"{name} BIGINT NOT NULL" for name in CASE_COUNTS),
    ]
    return _table(rollup.table, columns)


def _bin_rollup_ddl(rollup: BinRollup) -> str:
    columns = [
        "day DATE NOT NULL",
        *(f"{name} {DIMENSION_TYPES[name]}" for name in rollup.dimensions),
        *(f"{key} BIGINT NOT NULL" for key in rollup.keys),
        "cases BIGINT NOT NULL",
    ]
    return _table(rollup.table, columns)


def derived_tables() -> dict[str, str]:
    """Every derived table and the DDL creating it when it is missing, in creation order."""
    tables = {r.table: _case_rollup_ddl(r) for r in CASE_ROLLUPS}
    tables |= {r.table: _bin_rollup_ddl(r) for r in BIN_ROLLUPS}
    tables[OPEN_TABLE] = _table(
        OPEN_TABLE, [*(f"{name} {CASE_COLUMN_TYPES[name]}" for name in OPEN_COLUMNS), "returned_at TIMESTAMP"]
    )
    tables[DISPATCH_TABLE] = _table(DISPATCH_TABLE, [f"{name} {kind}" for name, kind in DISPATCH_COLUMN_TYPES.items()])
    tables[HANDOFF_TABLE] = _table(HANDOFF_TABLE, [f"{name} {kind}" for name, kind in HANDOFF_COLUMN_TYPES.items()])
    tables[EVENT_TABLE] = _table(
        EVENT_TABLE,
        [
            "day DATE NOT NULL",
            "camera_id VARCHAR NOT NULL",
            "scene_code VARCHAR",
            "category_code VARCHAR",
            "events BIGINT NOT NULL",
            "false_positives BIGINT NOT NULL",
            "pushed BIGINT NOT NULL",
        ],
    )
    tables[INCIDENT_TABLE] = _table(
        INCIDENT_TABLE,
        [
            "case_uid VARCHAR NOT NULL",
            "incident_id VARCHAR NOT NULL",
            "is_lead BOOLEAN NOT NULL",
            "family VARCHAR NOT NULL",
            "reports INTEGER NOT NULL",
            "channels VARCHAR NOT NULL",
            *(f"{name} {CASE_COLUMN_TYPES[name]}" for name in INCIDENT_CASE_COLUMNS),
        ],
    )
    tables[FUSION_STATE_TABLE] = _table(FUSION_STATE_TABLE, ["key VARCHAR PRIMARY KEY", "value VARCHAR NOT NULL"])
    tables[CAMERA_LOOP_TABLE] = _table(
        CAMERA_LOOP_TABLE,
        [
            "source VARCHAR NOT NULL",
            "event_id VARCHAR NOT NULL",
            "camera_id VARCHAR NOT NULL",
            "vendor VARCHAR",
            "scene_code VARCHAR",
            "vendor_algo_code VARCHAR",
            "category_code VARCHAR",
            *(f"{name} VARCHAR" for name in GRID_COLUMNS),
            "captured_at TIMESTAMP NOT NULL",
            "pushed BOOLEAN NOT NULL",
            "false_positive BOOLEAN NOT NULL",  # marked false, or its case cancelled as invalid
            "case_uid VARCHAR",  # the case it became, when loaded
            "reported_at TIMESTAMP",
            "dispatched_at TIMESTAMP",
            "handled_at TIMESTAMP",
            "closed_at TIMESTAMP",
            "status VARCHAR",
        ],
    )
    tables["case_bin_frame"] = _table(
        "case_bin_frame",
        ["kind VARCHAR PRIMARY KEY", "size_m DOUBLE NOT NULL", "lon0 DOUBLE NOT NULL", "lat0 DOUBLE NOT NULL"],
    )
    tables[ADJACENCY_TABLE] = _table(
        ADJACENCY_TABLE,
        [
            "epoch_start TIMESTAMP NOT NULL",
            "depth INTEGER NOT NULL",
            "code VARCHAR NOT NULL",
            "neighbour VARCHAR NOT NULL",
        ],
    )
    tables[ADJACENCY_STATE] = _table(ADJACENCY_STATE, ["grids_key VARCHAR NOT NULL", "tolerance_m DOUBLE NOT NULL"])
    tables["rollup_state"] = _table(
        "rollup_state",
        [
            "table_name VARCHAR PRIMARY KEY",
            "source VARCHAR NOT NULL",
            "source_rows BIGINT NOT NULL",
            "rows BIGINT NOT NULL",
        ],
    )
    tables["rollup_dropped"] = _table(
        "rollup_dropped", ["table_name VARCHAR PRIMARY KEY", "source_rows BIGINT NOT NULL", "rows BIGINT NOT NULL"]
    )
    return tables


# ---------------------------------------------------------------- how the case tables are derived
# Written once here for the writer (etl.rollups, which stores them) and the readers (queries, which compute them
# on the fly from a database whose tables are not fresh), so both give the same rows.

#: Open: a current state that still needs work (``case_state.is_open``). An SQL condition over ``cases c``.
OPEN_SQL = "c.status IN (SELECT state FROM case_state WHERE is_open)"


def open_cases_sql(where: str = "TRUE", cases: str = "cases") -> str:
    """SQL of the rows of ``OPEN_TABLE`` for the open cases of ``cases c`` matching ``where``: their
    ``OPEN_COLUMNS``, and ``returned_at`` (the latest return in ``case_flow``) for those waiting to be
    re-dispatched. ``cases``: the relation read as ``cases`` (a few of its rows, say)."""
    columns = ", ".join(f"c.{name}" for name in OPEN_COLUMNS)
    return f"""
        SELECT {columns}, r.returned_at
        FROM {cases} c
        LEFT JOIN (
            SELECT f.case_uid, max(f.at_time) AS returned_at
            FROM case_flow f
            WHERE f.to_state = 'returned'
              AND f.case_uid IN (
                  SELECT c.case_uid FROM {cases} c WHERE c.status = 'returned' AND {OPEN_SQL} AND {where})
            GROUP BY f.case_uid
        ) r ON r.case_uid = c.case_uid AND c.status = 'returned'
        WHERE {OPEN_SQL} AND {where}
    """


def dispatch_rows_sql(where: str = "TRUE", cases: str = "cases") -> str:
    """SQL of the rows of ``DISPATCH_TABLE`` (its columns, in order) for the cases of ``cases c`` matching
    ``where``, from their ``case_flow`` transitions into ``dispatched`` and ``returned``. ``cases``: the
    relation read as ``cases``.

    A dispatch ends at the case's next such transition (a return by that department, or a dispatch elsewhere
    without one), else, for the last, at the case's handling (NULL while unhandled). Transitions are ordered by
    ``seq``; a transition into ``dispatched`` names the department dispatched to (``docs/loading.md``).
    """
    grids = ", ".join(f"c.{column}" for column in GRID_COLUMNS)
    return f"""
        WITH c AS MATERIALIZED (
            SELECT c.case_uid, CAST(c.reported_at AS DATE) AS day, c.channel, c.category_code, c.status,
                   c.dept_code, {grids}, c.handled_at, c.rework_count
            FROM {cases} c WHERE {where}
        ), f AS (
            SELECT f.case_uid, f.seq, f.to_state, f.at_time, f.dept_code,
                   lead(f.to_state) OVER w AS next_state, lead(f.at_time) OVER w AS next_at
            FROM case_flow f
            WHERE f.to_state IN ('dispatched', 'returned') AND f.case_uid IN (SELECT case_uid FROM c)
            WINDOW w AS (PARTITION BY f.case_uid ORDER BY f.seq)
        ), d AS (
            SELECT *, row_number() OVER w AS n, lag(dept_code) OVER w AS prev_dept, lag(dept_code, 2) OVER w AS prev2
            FROM f WHERE to_state = 'dispatched'
            WINDOW w AS (PARTITION BY case_uid ORDER BY seq)
        ), k AS (
            SELECT case_uid, count(*) AS dispatches, arg_min(dept_code, n) AS first_dept,
                   arg_max(dept_code, n) AS last_dept, coalesce(bool_or(dept_code = prev2), false) AS ping_pong,
                   count(DISTINCT dept_code) FILTER (WHERE next_state = 'returned') AS returners
            FROM d GROUP BY case_uid
        )
        SELECT c.day, c.case_uid, c.channel, c.category_code, c.status, c.dept_code, {grids},
               CAST(d.n AS INTEGER) AS n, CAST(k.dispatches AS INTEGER) AS dispatches, d.dept_code AS to_dept,
               d.prev_dept,
               k.first_dept, k.last_dept, d.at_time AS dispatched_at,
               CASE WHEN d.next_state IS NOT NULL THEN d.next_at
                    WHEN c.handled_at >= d.at_time THEN c.handled_at END AS ended_at,
               CAST(round((epoch(ended_at) - epoch(d.at_time)) / 60) AS INTEGER) AS minutes,
               coalesce(d.next_state = 'returned', false) AS returned, k.ping_pong,
               CAST(k.returners AS INTEGER) AS returners, c.rework_count > 0 AS reworked
        FROM d JOIN k ON k.case_uid = d.case_uid JOIN c ON c.case_uid = d.case_uid
    """


def handoff_rows_sql(dispatches: str) -> str:
    """SQL of the rows of ``HANDOFF_TABLE`` (its columns, in order) from ``dispatches``, a relation of
    ``DISPATCH_TABLE`` rows: one per case dispatched more than once or returned."""
    grids = ", ".join(f"any_value(d.{column}) AS {column}" for column in GRID_COLUMNS)
    return f"""
        SELECT any_value(d.day) AS day, d.case_uid, any_value(d.channel) AS channel,
               any_value(d.category_code) AS category_code, any_value(d.status) AS status,
               any_value(d.dept_code) AS dept_code, {grids},
               array_to_string(list(coalesce(d.to_dept, '?') ORDER BY d.n), '>') AS chain,
               CAST(count(*) AS INTEGER) AS dispatches, CAST(count(*) FILTER (WHERE d.returned) AS INTEGER) AS returns,
               any_value(d.returners) AS returners, bool_or(d.ping_pong) AS ping_pong,
               any_value(d.first_dept) AS first_dept, any_value(d.last_dept) AS last_dept,
               min(d.dispatched_at) AS first_dispatched, max(d.dispatched_at) AS last_dispatched
        FROM {dispatches} d
        WHERE d.dispatches > 1 OR d.returners > 0  -- per case on every row: the few cases are picked before grouping
        GROUP BY d.case_uid
    """

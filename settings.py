"""Every tunable of OneMap in one place.

Values come from, in increasing priority: the defaults below, a TOML file named by ``ONEMAP_CONFIG``
(default ``onemap.toml`` in the project root, if present), and ``ONEMAP_<NAME>`` environment variables
(JSON for the tables, e.g. ``ranking_weights``). Times everywhere are naive China Standard Time (UTC+8).
"""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
REFERENCE_DIR = ROOT / "data" / "reference"
#: Where the database is unless configured: the one path where the dashboard's first start builds the demo city.
DEFAULT_DB_PATH = ROOT / "data" / "onemap.duckdb"

#: Number of grid-level columns (grid_l1 … grid_l5) on every located entity.
MAX_GRID_LEVELS = 5


@dataclass(frozen=True)
class Settings:
    #: The DuckDB database file the dashboard reads and the ETL writes.
    db_path: Path = DEFAULT_DB_PATH
    #: Build the demo city when the dashboard starts and finds no database at ``db_path``. Always so at the
    #: default path; at a configured one only when this is on (a missing file there is more likely a typo or an
    #: unmounted volume than a wish for invented cases, which later real loads would merge into).
    demo_on_first_start: bool = False
    #: Rows processed per ETL chunk: bounds memory on 10M-row files.
    etl_chunk_rows: int = 250_000
    #: Prepared case rows merged into the database per insert. DuckDB writes an insert of this size straight
    #: to compressed row groups; inserts of 250k rows cost as much again at the checkpoint (docs/performance.md).
    etl_write_rows: int = 500_000
    #: A rollup is kept only while it has at most 1/this of the rows of cases (and fewer than the rollup it is
    #: summed from); one that barely aggregates costs a load as much as cases and saves the dashboard little.
    rollup_min_reduction: float = 3.0
    #: Below this many cases every rollup is kept.
    rollup_min_cases: int = 100_000
    #: DuckDB's memory limit for a load; beyond it DuckDB spills to a temp directory beside the database. It
    #: bounds DuckDB's buffers only, not the chunks Python prepares: see ``etl_max_memory`` and etl/membound.py.
    etl_memory_limit: str = "1GB"
    #: The most resident memory a load's whole process may use, e.g. "1.5GB"; empty = not bounded. A load sizes
    #: its chunks, inserts and DuckDB's limit to fit it, and is stopped (nothing written) if it crosses it.
    etl_max_memory: str = ""
    #: DuckDB's memory limit for each version of the database a reader has open (the dashboard, the reports,
    #: ``python -m analytics``): beyond it a query spills to ``dashboard_temp_dir`` or fails with DuckDB's
    #: out-of-memory error, instead of the process growing until the kernel kills it (DuckDB's own default is
    #: 80 % of the machine's memory). Each version is a DuckDB instance of its own (queries/db.py), so while a
    #: load's new version opens and a query still reads the old one, two such limits apply; pandas' copies of
    #: results come on top. At 50M cases the dashboard's queries ran within 4 GB (all but ``recurrence_cases`` over
    #: all time, which handed pandas every case: since replaced by bounded reads), the benchmark's process peaking at
    #: 7.4 GB (docs/performance.md).
    dashboard_memory_limit: str = "4GB"
    #: Where those readers spill: a folder they can write, created when missing; empty = ``onemap-spill-<uid>`` in
    #: the system's temporary folder (not beside the database, whose folder a reader may not be allowed to write).
    dashboard_temp_dir: str = ""
    #: Where a case load's preparation (read chunks validated, converted, assigned to grids, given deadlines) and
    #: the rollup refresh run: "duckdb" (this process, the default) or "spark" (PySpark: requirements-spark.txt
    #: and a Java runtime; docs/spark.md). ``spark_master``: local[*] (this machine's cores), local[N], or a
    #: cluster's URL (spark://host:7077, yarn).
    engine: str = "duckdb"
    spark_master: str = "local[*]"
    #: Where the Spark engine writes the cases a rollup refresh counts (Parquet by month and district): a folder
    #: the cluster's executors read (shared storage); empty = beside the database, enough for local[N].
    spark_exchange_dir: str = ""
    #: A load whose input files total at most this many bytes commits in place in one transaction (its cost
    #: follows its rows); a bigger one loads into a copy of the writer's database renamed over it at the end
    #: (the copy costs little beside such a load, and DuckDB 2.0 loses rows staged in one transaction past a few
    #: million: etl/store.py).
    etl_in_place_max_bytes: int = 64_000_000
    #: ``python -m etl watch``: a file is taken once it has not changed for this many seconds (a file still being
    #: written or copied keeps changing); the folder is looked at again every ``watch_interval_seconds``.
    watch_settle_seconds: float = 10.0
    watch_interval_seconds: float = 30.0
    #: Times before this day, or later than the load's "now" (or ``--as-of``) plus the tolerance, are rejected as
    #: implausible (an empty Excel date cell reads as 1899-12-30; a typo as 2099).
    earliest_time: str = "2000-01-01"
    future_tolerance_hours: float = 24.0
    #: Working periods of a working day, minutes after midnight (08:00–12:00, 14:00–18:00).
    work_periods: tuple[tuple[int, int], ...] = ((8 * 60, 12 * 60), (14 * 60, 18 * 60))
    #: Fraction of a step's limit after which it shows yellow; red when overdue.
    warn_fraction: float = 0.8
    #: Reports of the same class within this distance and time are one incident.
    duplicate_radius_m: float = 50.0
    duplicate_window_hours: float = 24.0
    #: Per workflow step (core.workflow: accept, register, dispatch, sign, handle, check, close), the fraction of its
    #: limit after which it shows yellow ("about to be overdue"); steps not named use warn_fraction.
    step_warn_fractions: dict[str, float] = field(default_factory=dict)
    #: Rework rate denominator: "due_to_close" (closed + awaiting closure, the domain's) or "handled".
    rework_denominator: str = "due_to_close"
    #: Which cases are due to be handled in a period (the handling KPIs and the red/black list): "reported" (reported
    #: in it) or "deadline" (their handling deadline falls in it). Rejected and voided cases are never due.
    due_cohort: str = "reported"
    #: The red/black list (红黑榜): measure → weight of the composite score. A rate where lower is better counts as
    #: (1 − rate); "rework_rate" is the rate of rework_denominator. Default: the published district formula
    #: 处置率×30 + 按期处置率×20 + (1−返工率)×20 + (1−超期待处置率)×20 + (1−延期率)×10 (0–100).
    ranking_weights: dict[str, float] = field(
        default_factory=lambda: {
            "handling_rate": 30.0,
            "on_time_handling_rate": 20.0,
            "rework_rate": 20.0,
            "overdue_pending_rate": 20.0,
            "extension_rate": 10.0,
        }
    )
    #: The dispatch page lists (and downloads) this many of the most severe, latest warnings; its headline counts
    #: them all, and ``python -m analytics warnings`` writes every one.
    dispatch_warning_rows: int = 2_000
    #: The dispatch page lists (and downloads) this many open cases of a list of lights (the red and yellow ones,
    #: a department's); it says how many there are, and its step lights and board count them all.
    dispatch_case_rows: int = 2_000
    #: The red/black list: cases due in the period a unit needs to be ranked, and the length of each list.
    ranking_min_cases: int = 20
    ranking_list_size: int = 5
    #: 社区吹哨、部门报到: minutes a summoned department has to arrive when the whistle does not say.
    whistle_arrival_minutes: int = 30
    #: Bounding box (lon/lat) of China: GCJ-02/BD-09 shift applies inside it; swapped lat/lon detected by it.
    china_bbox: tuple[float, float, float, float] = (73.0, 3.0, 136.0, 54.0)
    #: Grids closer than this are neighbours for the spatial statistics (surveyed boundaries rarely meet exactly).
    adjacency_tolerance_m: float = 0.5
    #: The trend page's near-repeat test (one class at a time) reads at most this many located reports: its close
    #: pairs and their permutations grow with the square of the reports in a dense place (the busiest class of a
    #: month of the 10M-case demo: 3.5M pairs, 12 s). A class with more in the period is not tested; the page says
    #: so and asks for a shorter period or a smaller area.
    repeat_max_reports: int = 100_000
    #: Service circle of a facility when its file gives none (a "15-minute circle" is about 1 km).
    service_radius_m: float = 1000.0
    #: 15-minute life circles without a road network: a straight line of minutes × walking speed ÷ detour
    #: factor (15 × 80 m/min ÷ 1.25 = 960 m) stands in for the walk.
    life_circle_minutes: float = 15.0
    walk_speed_m_per_min: float = 80.0
    walk_detour: float = 1.25
    #: Video page: a camera is silent when it sent no alarm for this many days although its rate over the
    #: history days before made that less likely than the chance given; a camera cries wolf when, with at least
    #: the minimum alarms, its false positives lie this many standard deviations above its scene mix's expectation.
    camera_silent_days: int = 7
    camera_history_days: int = 30
    camera_silent_chance: float = 0.01
    camera_fp_min_events: int = 20
    camera_fp_z: float = 3.0
    #: IoT alarms of the elderly living alone: unanswered when nobody acknowledged them within this many minutes
    #: (level I of the three warning levels); the grid worker should be on site within the arrival target.
    iot_unanswered_minutes: int = 10
    iot_arrival_target_minutes: int = 30
    #: Deliberation items (周末议事厅) still without an outcome after this many days are overdue.
    deliberation_days: int = 30
    #: Demo city defaults.
    demo_cases: int = 200_000
    demo_days: int = 365
    demo_seed: int = 42
    #: The dashboard's address as its readers open it (a report's links reopen a view there).
    public_url: str = "http://127.0.0.1:8501/"
    #: Dashboard: seconds between automatic refreshes of the map and dispatch pages (the wall's: below).
    refresh_seconds: int = 300
    #: Wall screen (``?mode=wall``, page 大屏; docs/wall.md): seconds between refreshes of its panels (the map
    #: is updated in place, never reloaded); minutes after which the last load is called stale on screen.
    wall_refresh_seconds: float = 60.0
    wall_stale_minutes: int = 120
    #: Wall screen, public-screen safety: an area with fewer cases than this shows "<N", not its count (1: all).
    wall_min_count: int = 5
    #: Wall screen: the views it turns through, one per refresh (city, street, dispatch, trends; empty: it stays
    #: on the URL's view); in the environment comma-separated (``ONEMAP_WALL_ROTATE=city,dispatch``).
    wall_rotate: tuple[str, ...] = ()
    #: Wall screen: cases in the ticker; latest warnings listed; the red/black list's level (department,
    #: property, street, community) and whether it is shown to a role without ``rankings`` (a published 红黑榜).
    wall_ticker_size: int = 12
    wall_latest_warnings: int = 5
    wall_ranking_level: str = "street"
    wall_public_ranking: bool = True
    #: Dashboard: most raw points sent to the browser in one map view.
    max_points: int = 2_000
    #: Dashboard: circumradius of the map's hexagon bins, and side of its heat-map cells, in metres.
    hex_size_m: float = 300.0
    heat_cell_m: float = 150.0
    #: Dashboard: most cases in one export (CSV/GeoJSON); above it the export holds the oldest this many and says so.
    max_export_rows: int = 1_000_000
    #: Time zone of every naive timestamp in the data: the dashboard's "now" (e.g. for overdue) is taken in it,
    #: whatever the server's own time zone.
    timezone: str = "Asia/Shanghai"
    #: Dashboard: days in the default date range, ending on the data's last report day (not today).
    default_range_days: int = 30
    #: Dashboard: depth of the grid level drawn on the overview map (2 = street in the default levels).
    overview_map_depth: int = 2
    #: Dashboard: map height in pixels.
    map_height: int = 640
    #: Dashboard: URL prefix of the vendored Leaflet/jQuery files (``static/vendor``). Empty = the app serves
    #: them itself at ``<server.baseUrlPath>/app/static/vendor``; set it to an intranet web server's copy otherwise.
    asset_url: str = ""
    #: Map styling: background when no basemap is drawn, grid outline and fill.
    map_background: str = "#f4f6f8"
    grid_line_colour: str = "#2c5f8a"
    grid_fill_colour: str = "#7fb3d5"
    grid_fill_opacity: float = 0.12
    #: Chart colours: bars, and states that still need work.
    chart_colour: str = "#2c5f8a"
    chart_open_colour: str = "#d9822b"
    #: Basemap: "none", "osm", "tianditu", "amap" or "custom".
    basemap: str = "none"
    #: The basemaps the map page offers besides ``basemap`` and "none" (those this network can reach), e.g.
    #: ["tianditu", "custom"]; in the environment comma-separated (``ONEMAP_BASEMAPS=tianditu,custom``).
    basemaps: tuple[str, ...] = ()
    tile_url: str = ""
    tile_crs: str = "WGS-84"
    tile_token: str = ""
    tile_attribution: str = ""
    #: Interface language: "zh" or "en".
    language: str = "zh"
    #: Access: the user store and audit log (an SQLite file); empty = ``access.sqlite3`` beside the database.
    access_db_path: str = ""
    #: Access: minutes without a click after which a session signs out (0 = never); the wall screen's own.
    session_idle_minutes: int = 30
    screen_idle_minutes: int = 0
    #: Access: this many failed sign-ins for one username, or from one client, within the window lock it for
    #: the rest of the window (every attempt is in the audit log).
    login_max_failures: int = 5
    login_window_minutes: int = 15
    #: Access: the shortest password accepted.
    password_min_length: int = 10
    #: Access: "password" (the user store) or "oidc" (the intranet's single sign-on through Streamlit's st.login,
    #: configured in .streamlit/secrets.toml); with OIDC the user store still holds each user's role and area.
    auth_provider: str = "password"
    #: Access, OIDC: the provider's name in secrets.toml ([auth.<name>]; empty: [auth] alone) and the claim of
    #: the identity token that is the username in the user store.
    oidc_provider: str = ""
    oidc_username_claim: str = "email"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def dashboard_spill_dir(self) -> Path:
        """The readers' spill folder: ``dashboard_temp_dir``, else one per user in the system's temporary folder."""
        if self.dashboard_temp_dir:
            return Path(self.dashboard_temp_dir)
        # one per user: a folder another user made in a shared /tmp is not writable (Windows' temp is per user)
        user = os.getuid() if hasattr(os, "getuid") else "user"
        return Path(tempfile.gettempdir()) / f"onemap-spill-{user}"

    @property
    def access_path(self) -> Path:
        """The user store's file: ``access_db_path``, else ``access.sqlite3`` beside the database."""
        return Path(self.access_db_path) if self.access_db_path else self.db_path.with_name("access.sqlite3")


def _coerce(value: str, like: Any) -> Any:
    if isinstance(like, dict):  # a table: JSON in the environment, e.g. ONEMAP_STEP_WARN_FRACTIONS='{"sign": 0.5}'
        return json.loads(value)
    if isinstance(like, Path):
        return Path(value)
    if isinstance(like, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(like, int):
        return int(value)
    if isinstance(like, float):
        return float(value)
    return value


def load_settings(config_file: Path | None = None) -> Settings:
    """Build the settings from defaults, the TOML file and ``ONEMAP_*`` environment variables."""
    values: dict[str, Any] = {}
    path = config_file or Path(os.environ.get("ONEMAP_CONFIG", ROOT / "onemap.toml"))
    if path.exists():
        with path.open("rb") as f:
            values.update(tomllib.load(f))
    defaults = Settings()
    known = {f.name for f in fields(Settings)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"Unknown settings in {path}: {sorted(unknown)}; valid names: {sorted(known)}")
    for name in known:
        env = os.environ.get(f"ONEMAP_{name.upper()}")
        if env is not None and name != "extra":
            values[name] = _coerce(env, getattr(defaults, name))
    if "db_path" in values:
        values["db_path"] = Path(values["db_path"])
    for name in ("work_periods", "china_bbox"):
        if name in values:
            values[name] = tuple(tuple(v) if isinstance(v, list) else v for v in values[name])
    for name in ("basemaps", "wall_rotate"):
        if isinstance(values.get(name), str):
            values[name] = tuple(part.strip() for part in values[name].split(",") if part.strip())
        elif name in values:
            values[name] = tuple(values[name])
    return Settings(**values)

-- OneMap DuckDB schema, migration 0001: the base tables as release 1 (schema_version '1') created them.
-- Derived tables (rollups, pending cases, camera alarm counts) are not migrated: core/catalog.py defines them
-- and etl/rollups.py creates and refills them. A migration never changes once released: add the next one.
-- Conventions:
--   * Every TIMESTAMP is naive China Standard Time (UTC+8), as in the source systems; DATE likewise.
--   * Every lon/lat is WGS-84 (EPSG:4326). Original coordinates are kept beside them with their system.
--   * Geometries are WKB (BLOB) in WGS-84 lon/lat, polygons with counter-clockwise exterior rings.
--   * grid_l1 … grid_l5 hold the code of the containing grid at each depth (1 = top level), valid at the
--     event's time; grid_code is the deepest one found. Codes are strings (leading zeros matter).
--   * Dictionary tables (levels, departments, categories, mappings, routing, limits, calendar, states)
--     are data a city edits, never constants in code.

CREATE TABLE IF NOT EXISTS schema_meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

-- ---------------------------------------------------------------- places
CREATE TABLE IF NOT EXISTS grid_level (
    depth       INTEGER PRIMARY KEY CHECK (depth BETWEEN 1 AND 5),
    level_key   VARCHAR NOT NULL UNIQUE,      -- district, street, community, grid, subgrid, …
    name_zh     VARCHAR NOT NULL,
    name_en     VARCHAR NOT NULL,
    code_digits INTEGER                         -- expected code length, NULL = not checked
);

CREATE TABLE IF NOT EXISTS grid (
    grid_id      INTEGER PRIMARY KEY,           -- surrogate id of one version of one grid
    code         VARCHAR NOT NULL,
    name         VARCHAR NOT NULL,
    depth        INTEGER NOT NULL,
    parent_code  VARCHAR,                       -- stored explicitly, never parsed from the code
    valid_from   TIMESTAMP NOT NULL,            -- inclusive
    valid_to     TIMESTAMP,                     -- exclusive; NULL = still valid
    area_km2     DOUBLE NOT NULL,               -- geodesic area
    population   INTEGER,
    households   INTEGER,
    grid_worker  VARCHAR,
    party_branch VARCHAR,
    centroid_lon DOUBLE NOT NULL,
    centroid_lat DOUBLE NOT NULL,
    min_lon DOUBLE NOT NULL, min_lat DOUBLE NOT NULL, max_lon DOUBLE NOT NULL, max_lat DOUBLE NOT NULL,
    geom_wkb     BLOB NOT NULL,
    repaired     VARCHAR,                       -- what the loader repaired (invalid ring, orientation), NULL = none
    source       VARCHAR NOT NULL,
    run_id       INTEGER NOT NULL,
    UNIQUE (code, valid_from)
);

-- Point-in-grid lookup indexes built at grid load (etl/assign.py store_indexes): a cache, rebuilt when stale.
CREATE TABLE IF NOT EXISTS grid_index_cache (
    grids_key   VARCHAR NOT NULL,               -- fingerprint of the grid table the index was built from
    epoch_start TIMESTAMP NOT NULL,             -- start of the period in which one set of grids is valid
    depth       INTEGER NOT NULL,
    payload     BLOB NOT NULL                   -- JSON: offset and length in grid_index_word, bytes, CRC-32
);
-- The indexes' bytes (etl.gridindex.GridIndex.to_bytes) as 64-bit words in insertion order, one index after
-- another: DuckDB reads a numeric column about twice as fast as the same bytes in one BLOB.
CREATE TABLE IF NOT EXISTS grid_index_word (
    word        UBIGINT NOT NULL
);

-- ---------------------------------------------------------------- organisations and dictionaries
CREATE TABLE IF NOT EXISTS department (
    dept_code   VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    short_name  VARCHAR,
    kind        VARCHAR NOT NULL,               -- functional, street, community, enterprise, property
    parent_code VARCHAR,
    area_code   VARCHAR                         -- grid code of the area it answers for, if any
);

-- GB/T 47678.5 management matters (管理事项): the classes cases are filed under. Majors 01–05 are
-- "component abnormal" matters whose codes coincide with the component classes in component_class.
CREATE TABLE IF NOT EXISTS category (
    code          VARCHAR PRIMARY KEY,          -- 5 digits: 2-digit major + 3-digit minor
    standard      VARCHAR NOT NULL,
    major_code    VARCHAR NOT NULL,
    major_name_zh VARCHAR NOT NULL,
    major_name_en VARCHAR NOT NULL,
    name_zh       VARCHAR NOT NULL,
    name_en       VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS component_class (    -- GB/T 47678.5 management components (管理部件)
    code          VARCHAR PRIMARY KEY,
    standard      VARCHAR NOT NULL,
    major_code    VARCHAR NOT NULL,
    major_name_zh VARCHAR NOT NULL,
    major_name_en VARCHAR NOT NULL,
    name_zh       VARCHAR NOT NULL,
    name_en       VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS channel (
    channel VARCHAR PRIMARY KEY,                -- hotline, patrol, citizen_app, camera_ai, iot, supervision, rider, other
    name_zh VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS hotline_topic (      -- the city's 12345 dictionary
    topic_code    VARCHAR PRIMARY KEY,
    major_code    VARCHAR NOT NULL,
    major_name    VARCHAR NOT NULL,
    name          VARCHAR NOT NULL,
    category_code VARCHAR                       -- GB/T class where one fits, else NULL
);

CREATE TABLE IF NOT EXISTS camera_scene (
    scene_code    VARCHAR PRIMARY KEY,          -- e.g. exposed_garbage
    name_zh       VARCHAR NOT NULL,
    name_en       VARCHAR NOT NULL,
    category_code VARCHAR NOT NULL
);

-- Any source code → standard class. scheme: legacy (2+2 city codes), hotline, camera_vendor, camera_scene.
CREATE TABLE IF NOT EXISTS category_map (
    source_system VARCHAR NOT NULL,             -- e.g. hefei_dcs, hotline, vendor_hk
    source_code   VARCHAR NOT NULL,
    source_name   VARCHAR,
    scheme        VARCHAR NOT NULL,
    category_code VARCHAR NOT NULL,
    PRIMARY KEY (source_system, source_code)
);

-- 权责清单: default department per category, overridable per area (area_code = any grid code, '*' = everywhere).
CREATE TABLE IF NOT EXISTS routing_rule (
    category_code VARCHAR NOT NULL,             -- 5-digit class, 2-digit major, or '*'
    area_code     VARCHAR NOT NULL,
    dept_code     VARCHAR NOT NULL,
    PRIMARY KEY (category_code, area_code)
);

-- Time limit per category and workflow step. Keys, most specific first: 'channel:class', 'channel:major',
-- 'channel:*', 'class', 'major', '*' (e.g. 'hotline:*' gives 12345 cases their own limits).
CREATE TABLE IF NOT EXISTS time_limit (
    category_code VARCHAR NOT NULL,
    step          VARCHAR NOT NULL,             -- accept, dispatch, sign, handle, check, followup, urgent_handle
    clock         VARCHAR NOT NULL CHECK (clock IN ('continuous_hours', 'working_hours', 'working_days', 'natural_days')),
    amount        DOUBLE NOT NULL CHECK (amount > 0),
    note          VARCHAR,
    PRIMARY KEY (category_code, step)
);

-- The Chinese working calendar: one row per day, holidays and make-up working days (调休) included.
CREATE TABLE IF NOT EXISTS work_calendar (
    day        DATE PRIMARY KEY,
    is_workday BOOLEAN NOT NULL,
    day_kind   VARCHAR NOT NULL,                -- workday, weekend, holiday, makeup_workday
    note       VARCHAR,
    source     VARCHAR NOT NULL                 -- chinesecalendar, weekday_rule (year not published), file name
);

-- ---------------------------------------------------------------- workflow
CREATE TABLE IF NOT EXISTS case_state (
    state      VARCHAR PRIMARY KEY,
    name_zh    VARCHAR NOT NULL,
    name_en    VARCHAR NOT NULL,
    is_open    BOOLEAN NOT NULL,                -- still needs work
    sort_order INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS state_transition (   -- the one table of allowed transitions
    from_state VARCHAR NOT NULL,
    to_state   VARCHAR NOT NULL,
    PRIMARY KEY (from_state, to_state)
);

-- ---------------------------------------------------------------- cases
CREATE TABLE IF NOT EXISTS cases (
    case_uid           VARCHAR NOT NULL,        -- source || ':' || source_id; unique (kept by the merge, no index)
    source             VARCHAR NOT NULL,        -- source system name, declared per load
    source_id          VARCHAR NOT NULL,
    channel            VARCHAR NOT NULL,        -- hotline, patrol, citizen_app, camera_ai, iot, supervision, rider, other
    category_src_code  VARCHAR,                 -- the code exactly as the source sent it
    category_code      VARCHAR,                 -- GB/T 47678.5 class; NULL when unmapped
    category_unmapped  BOOLEAN NOT NULL,
    topic_code         VARCHAR,                 -- hotline topic, when the source is the hotline
    request_nature     VARCHAR,                 -- 咨询 求助 投诉 举报 建议
    description        VARCHAR,
    address            VARCHAR,
    src_x              DOUBLE,
    src_y              DOUBLE,
    src_crs            VARCHAR,                 -- EPSG:xxxx, GCJ-02 or BD-09
    lon                DOUBLE,                  -- WGS-84
    lat                DOUBLE,
    coords_swapped     BOOLEAN NOT NULL,        -- source had latitude and longitude swapped; corrected
    grid_l1 VARCHAR, grid_l2 VARCHAR, grid_l3 VARCHAR, grid_l4 VARCHAR, grid_l5 VARCHAR,
    grid_code          VARCHAR,
    outside_grid       BOOLEAN NOT NULL,        -- located, but in no grid valid at report time
    reported_at        TIMESTAMP NOT NULL,
    accepted_at        TIMESTAMP,
    registered_at      TIMESTAMP,
    dispatched_at      TIMESTAMP,
    signed_at          TIMESTAMP,
    handled_at         TIMESTAMP,
    checked_at         TIMESTAMP,
    closed_at          TIMESTAMP,
    evaluated_at       TIMESTAMP,
    dept_code          VARCHAR,                 -- department responsible now
    status             VARCHAR NOT NULL,        -- a case_state.state
    handle_clock       VARCHAR,                 -- clock of the handling limit applied
    handle_limit       DOUBLE,                  -- amount in that clock
    extension_hours    DOUBLE NOT NULL,         -- granted extensions and parked time, in the clock's hours
    handle_deadline    TIMESTAMP,               -- from dispatch (or report) by the limit on the working calendar
    is_urgent          BOOLEAN NOT NULL,
    is_supervised      BOOLEAN NOT NULL,
    is_overdue         BOOLEAN NOT NULL,        -- handled after the deadline, or unhandled past it at load time
    dispatch_count     INTEGER NOT NULL,
    return_count       INTEGER NOT NULL,
    rework_count       INTEGER NOT NULL,
    satisfaction       VARCHAR,                 -- 满意 基本满意 不满意
    contact_masked     VARCHAR,                 -- e.g. 张* 138****5678; raw personal data is never stored
    row_hash           UBIGINT NOT NULL,        -- hash of the source values: an unchanged row is not rewritten
    run_id             INTEGER NOT NULL,
    loaded_at          TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS case_flow (          -- append-only: one row per state transition
    case_uid   VARCHAR NOT NULL,
    seq        INTEGER NOT NULL,
    from_state VARCHAR,
    to_state   VARCHAR NOT NULL,
    at_time    TIMESTAMP NOT NULL,
    dept_code  VARCHAR,
    operator   VARCHAR,
    note       VARCHAR,
    run_id     INTEGER NOT NULL                 -- unique on (case_uid, seq), kept by the merge
);

-- ---------------------------------------------------------------- things on the map
CREATE TABLE IF NOT EXISTS camera (
    camera_id    VARCHAR PRIMARY KEY,
    name         VARCHAR NOT NULL,
    vendor       VARCHAR,
    address      VARCHAR,
    src_x DOUBLE, src_y DOUBLE, src_crs VARCHAR,
    lon DOUBLE NOT NULL, lat DOUBLE NOT NULL,
    grid_l1 VARCHAR, grid_l2 VARCHAR, grid_l3 VARCHAR, grid_l4 VARCHAR, grid_l5 VARCHAR,
    grid_code    VARCHAR,
    outside_grid BOOLEAN NOT NULL,
    scenes       VARCHAR,                       -- comma-separated scene codes it is configured for
    installed_at TIMESTAMP,
    status       VARCHAR,
    run_id       INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS camera_event (
    source            VARCHAR NOT NULL,
    event_id          VARCHAR NOT NULL,
    camera_id         VARCHAR NOT NULL,
    scene_code        VARCHAR,
    vendor_algo_code  VARCHAR,
    confidence        DOUBLE,
    captured_at       TIMESTAMP NOT NULL,
    category_code     VARCHAR,
    category_unmapped BOOLEAN NOT NULL,
    pushed            BOOLEAN NOT NULL,         -- pushed to the platform as a case
    case_uid          VARCHAR,
    is_false_positive BOOLEAN,
    run_id            INTEGER NOT NULL        -- unique on (source, event_id), kept by the merge
);

CREATE TABLE IF NOT EXISTS facility (
    facility_id      VARCHAR PRIMARY KEY,
    kind             VARCHAR NOT NULL,          -- service_station, police_post, school, market, …
    name             VARCHAR NOT NULL,
    address          VARCHAR,
    lon DOUBLE NOT NULL, lat DOUBLE NOT NULL,
    grid_l1 VARCHAR, grid_l2 VARCHAR, grid_l3 VARCHAR, grid_l4 VARCHAR, grid_l5 VARCHAR,
    grid_code        VARCHAR,
    outside_grid     BOOLEAN NOT NULL,
    service_radius_m DOUBLE NOT NULL,
    run_id           INTEGER NOT NULL
);

-- ---------------------------------------------------------------- ETL bookkeeping
CREATE TABLE IF NOT EXISTS etl_run (
    run_id         INTEGER PRIMARY KEY,
    entity         VARCHAR NOT NULL,
    source         VARCHAR NOT NULL,
    source_file    VARCHAR NOT NULL,
    file_sha256    VARCHAR NOT NULL,
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP NOT NULL,
    rows_read      BIGINT NOT NULL,
    rows_loaded    BIGINT NOT NULL,             -- rows_read = rows_loaded + rows_rejected
    rows_rejected  BIGINT NOT NULL,
    rows_inserted  BIGINT NOT NULL,
    rows_updated   BIGINT NOT NULL,
    rows_unchanged BIGINT NOT NULL,
    flagged        VARCHAR NOT NULL,            -- JSON object: flag → count (outside_grid, unmapped, swapped, repaired)
    message        VARCHAR
);

CREATE TABLE IF NOT EXISTS rejected_row (
    run_id      INTEGER NOT NULL,
    entity      VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    row_number  BIGINT NOT NULL,                -- 1-based data row (header excluded)
    reason_code VARCHAR NOT NULL,
    reason      VARCHAR NOT NULL,
    original    VARCHAR NOT NULL                -- JSON object of the row's original values
);

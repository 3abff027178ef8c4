-- Migration 0004: what an area holds besides its cases (人·地·事·物·情·组织), and the rules that make one incident of
-- several reports.
--   * fusion_family / fusion_class: which GB/T classes may be one incident, within what distance and time
--     (dictionaries seeded from data/reference; a class not listed is a family of its own with the defaults of
--     settings.duplicate_radius_m / duplicate_window_hours).
--   * iot_device / iot_alarm: the smoke, gas, water and door sensors in the homes of elderly people living alone,
--     and their alarms with the times of acknowledgement and of the grid worker's arrival.
--   * grid_attribute: the figures of a grid at any level (population, households, key groups, land use).
--   * grid_worker: who works which grid; grid_visit: their ledger of visits (一表一账).
--   * organisation: party branches, property companies, social organisations … and the area each serves.
--   * component: the city-management components (部件) surveyed in an area.
--   * deliberation_outcome: the outcome of a deliberation item (周末议事厅), itself a case of channel deliberation.
-- Located rows carry grid_l1 … grid_l5 like cases; rows placed by a grid code carry that code's chain.
-- Personal data is masked at load (core/privacy.py): the *_masked columns never hold raw names or numbers.

CREATE TABLE fusion_family (
    family       VARCHAR PRIMARY KEY,
    name_zh      VARCHAR NOT NULL,
    name_en      VARCHAR NOT NULL,
    radius_m     DOUBLE NOT NULL CHECK (radius_m > 0),      -- reports at most this far apart (geodesic metres)
    window_hours DOUBLE NOT NULL CHECK (window_hours > 0)   -- … and at most this long after the incident's first
);

CREATE TABLE fusion_class (
    category_code VARCHAR PRIMARY KEY,          -- a GB/T 47678.5 class
    family        VARCHAR NOT NULL              -- a fusion_family.family
);

-- ---------------------------------------------------------------- things: IoT sensors of the elderly living alone
CREATE TABLE iot_device (
    device_id        VARCHAR PRIMARY KEY,
    kind             VARCHAR NOT NULL,          -- smoke, gas, water, door
    name             VARCHAR,
    household_masked VARCHAR,                   -- the resident served, masked (张* 138****5678)
    address          VARCHAR,
    src_x DOUBLE, src_y DOUBLE, src_crs VARCHAR,
    lon DOUBLE NOT NULL, lat DOUBLE NOT NULL,
    grid_l1 VARCHAR, grid_l2 VARCHAR, grid_l3 VARCHAR, grid_l4 VARCHAR, grid_l5 VARCHAR,
    grid_code        VARCHAR,
    outside_grid     BOOLEAN NOT NULL,
    installed_at     TIMESTAMP,
    status           VARCHAR,                   -- online, offline, fault (as the platform last reported)
    run_id           INTEGER NOT NULL
);

CREATE TABLE iot_alarm (
    source          VARCHAR NOT NULL,
    alarm_id        VARCHAR NOT NULL,
    device_id       VARCHAR NOT NULL,
    alarm_type      VARCHAR,                    -- e.g. 烟雾报警, 燃气泄漏, 水浸, 门磁长时间未开
    alarmed_at      TIMESTAMP NOT NULL,
    acknowledged_at TIMESTAMP,                  -- the duty operator answered the alarm (响应)
    arrived_at      TIMESTAMP,                  -- the grid worker (or family, police) arrived on site
    closed_at       TIMESTAMP,
    outcome         VARCHAR,                    -- real, false_alarm, test; NULL while open
    handler         VARCHAR,                    -- who went (staff, not the resident)
    case_uid        VARCHAR,                    -- the case it became, if any
    run_id          INTEGER NOT NULL            -- unique on (source, alarm_id), kept by the merge
);

-- ---------------------------------------------------------------- people and land of a grid
CREATE TABLE grid_attribute (
    code                 VARCHAR PRIMARY KEY,   -- a grid code at any level
    grid_l1 VARCHAR, grid_l2 VARCHAR, grid_l3 VARCHAR, grid_l4 VARCHAR, grid_l5 VARCHAR,
    population           INTEGER,               -- NULL = not given (never 0 for "unknown")
    households           INTEGER,
    elderly              INTEGER,               -- aged 60 and over
    elderly_alone        INTEGER,               -- 独居老人
    party_members        INTEGER,
    disabled             INTEGER,
    low_income           INTEGER,               -- 低保
    left_behind_children INTEGER,
    buildings            INTEGER,
    compounds            INTEGER,               -- 小区
    land_use             VARCHAR,               -- 主要用地性质, as the city names it
    as_of                DATE,
    source               VARCHAR NOT NULL,
    run_id               INTEGER NOT NULL
);

CREATE TABLE grid_worker (
    worker_id    VARCHAR NOT NULL,
    grid_code    VARCHAR NOT NULL,              -- one row per grid the worker serves
    grid_l1 VARCHAR, grid_l2 VARCHAR, grid_l3 VARCHAR, grid_l4 VARCHAR, grid_l5 VARCHAR,
    name         VARCHAR NOT NULL,              -- staff name, public on the grid's notice board
    role         VARCHAR,                       -- 专职网格员, 兼职网格员, 网格长 …
    phone_masked VARCHAR,
    run_id       INTEGER NOT NULL               -- unique on (worker_id, grid_code), kept by the merge
);

CREATE TABLE grid_visit (
    source           VARCHAR NOT NULL,
    visit_id         VARCHAR NOT NULL,
    worker_id        VARCHAR NOT NULL,
    grid_code        VARCHAR NOT NULL,
    grid_l1 VARCHAR, grid_l2 VARCHAR, grid_l3 VARCHAR, grid_l4 VARCHAR, grid_l5 VARCHAR,
    visited_at       TIMESTAMP NOT NULL,
    kind             VARCHAR NOT NULL,          -- home_visit, patrol, safety_check, publicity, mediation
    household_masked VARCHAR,
    note             VARCHAR,                   -- free text, numbers masked
    case_uid         VARCHAR,                   -- the case the visit reported, if any
    run_id           INTEGER NOT NULL           -- unique on (source, visit_id), kept by the merge
);

-- ---------------------------------------------------------------- organisations
CREATE TABLE organisation (
    org_id         VARCHAR PRIMARY KEY,
    name           VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,            -- party_branch, property_company, social_org, volunteer_team, …
    area_code      VARCHAR NOT NULL,            -- the grid it serves or belongs to
    grid_l1 VARCHAR, grid_l2 VARCHAR, grid_l3 VARCHAR, grid_l4 VARCHAR, grid_l5 VARCHAR,
    address        VARCHAR,
    lon DOUBLE, lat DOUBLE,                     -- where given (WGS-84)
    members        INTEGER,
    contact_masked VARCHAR,
    run_id         INTEGER NOT NULL
);

-- ---------------------------------------------------------------- things: surveyed components (部件)
CREATE TABLE component (
    component_id VARCHAR PRIMARY KEY,
    class_code   VARCHAR NOT NULL,              -- a GB/T 47678.5 component class (component_class)
    status       VARCHAR,                       -- 完好, 破损, 丢失 … as surveyed
    src_x DOUBLE, src_y DOUBLE, src_crs VARCHAR,
    lon DOUBLE NOT NULL, lat DOUBLE NOT NULL,
    grid_l1 VARCHAR, grid_l2 VARCHAR, grid_l3 VARCHAR, grid_l4 VARCHAR, grid_l5 VARCHAR,
    grid_code    VARCHAR,
    outside_grid BOOLEAN NOT NULL,
    surveyed_at  TIMESTAMP,
    run_id       INTEGER NOT NULL
);

-- ---------------------------------------------------------------- deliberation items (周末议事厅)
CREATE TABLE deliberation_outcome (
    case_uid          VARCHAR PRIMARY KEY,      -- the item, loaded as a case of channel deliberation
    meeting_at        TIMESTAMP,                -- when it was deliberated
    outcome           VARCHAR NOT NULL,         -- solved, referred, explained
    decided_at        TIMESTAMP NOT NULL,
    referred_dept     VARCHAR,                  -- referred items: the department it went to
    referred_case_uid VARCHAR,                  -- … and the case it became there
    note              VARCHAR,
    run_id            INTEGER NOT NULL
);

-- The deliberation channel, for databases seeded before it was shipped (a new one gets it from channels.csv).
INSERT INTO channel
SELECT 'deliberation', '议事厅', 'Deliberation hall'
WHERE EXISTS (SELECT 1 FROM channel) AND NOT EXISTS (SELECT 1 FROM channel WHERE channel = 'deliberation');

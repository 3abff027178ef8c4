-- Migration 0005: cross-department dispatch (调度). The whistles of 社区吹哨、部门报到 and the departments they
-- summoned, and the rules of the three warning levels (三级预警) as data (defaults shipped in
-- data/reference/warning_rules.csv, seeded into an empty table; a city edits them or loads its own with
-- `python -m etl warning_rules`).

-- A street or community "blows the whistle" when it cannot solve something alone; the summoned departments must
-- report on site within required_minutes (default: settings whistle_arrival_minutes, 30).
CREATE TABLE whistle (
    whistle_id       VARCHAR PRIMARY KEY,        -- the whistle system's id
    source           VARCHAR NOT NULL,           -- source system name, declared per load
    initiator_code   VARCHAR NOT NULL,           -- department code of the street office or community that blew it
    area_code        VARCHAR,                    -- grid code of the initiating street or community
    case_uid         VARCHAR,                    -- the linked case (source:id), NULL when none
    kind             VARCHAR NOT NULL CHECK (kind IN ('demand', 'enforcement', 'emergency')),
    blown_at         TIMESTAMP NOT NULL,         -- when it was blown (created)
    required_minutes DOUBLE NOT NULL CHECK (required_minutes > 0),
    resolved_at      TIMESTAMP,                  -- when the problem was solved; NULL = not (yet)
    description      VARCHAR,
    run_id           INTEGER NOT NULL
);

-- One row per department a whistle summoned: when it arrived, what it did, when it finished, and the score the
-- street gave it (0–100).
CREATE TABLE whistle_response (
    whistle_id  VARCHAR NOT NULL,
    dept_code   VARCHAR NOT NULL,
    arrived_at  TIMESTAMP,                       -- NULL = did not report on site
    action      VARCHAR,
    finished_at TIMESTAMP,
    score       DOUBLE CHECK (score BETWEEN 0 AND 100),
    run_id      INTEGER NOT NULL,
    PRIMARY KEY (whistle_id, dept_code)
);

-- 三级预警: each rule is a kind of check (the code knows how to evaluate each kind) with its level and parameters.
-- Kinds and the meaning of threshold (analytics/warnings.py, docs/dispatch.md):
--   due_soon            a pending case with at most `threshold` hours of its handling limit left
--   overdue             a pending case past its handling deadline by at least `threshold` hours
--   overdue_urgent      … and urgent;  overdue_supervised … and supervised (督办)
--   cluster             at least `threshold` cases of one class in one grid at `depth` within `window_hours`
--   spike               today's cases of one class in one area at `depth` against the same weekday of the previous
--                       `baseline_weeks` weeks (analytics.spikes): FDR-corrected p ≤ `threshold`, at least
--                       `min_cases` cases today
--   iot_unanswered      an alarm case (channel `channel`, default iot) neither accepted nor dispatched
--                       `threshold` minutes after its report
-- channel / category_code narrow a rule to one channel and to a class or major (NULL = all).
CREATE TABLE warning_rule (
    rule_id        VARCHAR PRIMARY KEY,
    level          INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),   -- 1 = I 红, 2 = II 橙, 3 = III 黄
    kind           VARCHAR NOT NULL,
    threshold      DOUBLE,
    window_hours   DOUBLE,
    depth          INTEGER,
    baseline_weeks INTEGER,
    min_cases      INTEGER,
    channel        VARCHAR,
    category_code  VARCHAR,
    enabled        BOOLEAN NOT NULL,
    name_zh        VARCHAR NOT NULL,
    name_en        VARCHAR NOT NULL,
    note           VARCHAR
);

-- Migration 0003: the names sources write for a channel, and a level for the whole city above the district.

-- Channels are a dictionary a city extends: every name a source writes for one (雪亮工程, 天网 → camera_ai;
-- 市民热线 → hotline …) is an alias here, besides the channel's code and its names in the channel table.
-- Shipped defaults: data/reference/channel_aliases.csv; more with `python -m etl channel_aliases FILE`.
CREATE TABLE channel_alias (
    alias   VARCHAR PRIMARY KEY,                -- as a source writes it; matched ignoring case and outer spaces
    channel VARCHAR NOT NULL                    -- a channel of the channel table
);

-- grid_level gains depth 0: the outline of the whole city (the whole-city feature of an administrative file),
-- the root of the drill-down above its districts. No case column holds it: every case of the city is in it.
CREATE TABLE grid_level_0003 (
    depth       INTEGER PRIMARY KEY CHECK (depth BETWEEN 0 AND 5),
    level_key   VARCHAR NOT NULL UNIQUE,
    name_zh     VARCHAR NOT NULL,
    name_en     VARCHAR NOT NULL,
    code_digits INTEGER
);
INSERT INTO grid_level_0003 SELECT depth, level_key, name_zh, name_en, code_digits FROM grid_level;
DROP TABLE grid_level;
ALTER TABLE grid_level_0003 RENAME TO grid_level;
-- a database seeded already gets the city level here; a new one from data/reference/grid_levels.csv
INSERT INTO grid_level
SELECT 0, 'city', '市', 'City', 6
WHERE EXISTS (SELECT 1 FROM grid_level)
  AND NOT EXISTS (SELECT 1 FROM grid_level WHERE depth = 0 OR level_key = 'city');

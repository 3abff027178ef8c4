-- Migration 0002: a history of the migrations applied to this database, one row each (etl/schema.py writes it).
-- A database created before this history existed (release 1) has 0001 recorded without a time.
CREATE TABLE schema_migration (
    version    INTEGER PRIMARY KEY,             -- the migration's number (its file name's prefix)
    name       VARCHAR NOT NULL,                -- the rest of its file name, e.g. base
    applied_at TIMESTAMP                        -- naive local time of the load or init that applied it; NULL = before 0002
);

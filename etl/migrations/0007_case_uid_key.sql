-- Migration 0007: a number to find cases by id (issue 18). A load looks up its ids among the stored cases; with
-- no index that is a scan, and a scan of `case_uid` decompresses and compares every string (1–2 s at 50M cases).
-- `uid_key` is the first 64 bits of md5(case_uid) (stable across DuckDB versions, unlike `hash`): the merge scans
-- these 8-byte numbers for its candidates (~0.15 s at 50M) and compares only their ids. An ART index would
-- answer in milliseconds but must be built in memory (over 2 GB at 50M ids; the loads run in 1 GB).
-- Every writer of `cases` sets it from the id (`etl.load_cases.UID_KEY_SQL`); 10 s at 50M cases.
ALTER TABLE cases ADD COLUMN uid_key UBIGINT;
UPDATE cases SET uid_key = (md5_number(case_uid) >> 64)::UBIGINT;

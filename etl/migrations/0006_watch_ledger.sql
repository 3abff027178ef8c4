-- Migration 0006: the ledger of `python -m etl watch` (etl/watch.py). One row per file a watcher took: loaded
-- (with its run, in the load's own transaction) or failed on its content (not tried again until it changes).
-- A file is known by its content: the same bytes under another name, or again after a restart, are not loaded
-- twice; a changed file (a re-export under the same name) is new.
CREATE TABLE watch_file (
    entity      VARCHAR NOT NULL,              -- what the watcher loads (cases, flow, camera_events, …)
    source      VARCHAR NOT NULL,              -- the source system named by --source
    sha256      VARCHAR NOT NULL,              -- of the file's bytes
    file_name   VARCHAR NOT NULL,              -- as it was found (for the log)
    folder      VARCHAR NOT NULL,              -- the watched folder
    size_bytes  BIGINT NOT NULL,
    modified_at TIMESTAMP NOT NULL,            -- the file's modification time, local
    taken_at    TIMESTAMP NOT NULL,            -- when the watcher took it
    outcome     VARCHAR NOT NULL CHECK (outcome IN ('loaded', 'failed')),
    run_id      INTEGER,                       -- the load's run (etl_run) when loaded
    message     VARCHAR,                       -- read = loaded + rejected, or the error that failed it
    PRIMARY KEY (entity, source, sha256)
);

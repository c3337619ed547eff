-- StudyMate Core local database, version 2: the state of the sync engine.

-- Facts the sync engine keeps between runs, one row per key:
--   'pull_cursor'  the server's next_cursor after the last applied pull page (absent: from the start);
--   'acked_seq'    every change-log entry with seq <= this has been decided by the server
--                  (applied, duplicate or rejected): the outbox is the entries after it;
--   'reset_pull'   '1' while a full re-pull after a history reset is in progress.
CREATE TABLE sync_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Changes the server refused for good, for the app to list. seq and change_id are those of the
-- refused change-log entry (the entry itself leaves the outbox).
CREATE TABLE sync_rejections (
    seq         INTEGER PRIMARY KEY,
    change_id   TEXT NOT NULL CHECK (length(change_id) = 36),
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    operation   TEXT NOT NULL CHECK (operation IN ('insert', 'update', 'delete')),
    code        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    rejected_at TEXT NOT NULL
);
CREATE INDEX sync_rejections_entity ON sync_rejections(entity, entity_id);

-- During a full re-pull after a history reset: the server-owned records the re-pull mentioned,
-- so that the records it did not mention can be deleted when it ends. Empty otherwise.
CREATE TABLE sync_reset_seen (
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id)
) WITHOUT ROWID;

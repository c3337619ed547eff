-- The change log's kind and operation checks, written as comparisons instead of IN lists.
-- SQLite evaluates an IN list of more than two constants in a CHECK by building a temporary
-- index on every insert: about 2–3 µs of each logged write, the largest single cost the change
-- log added to a send (docs/benchmarks.md). ORed comparisons refuse exactly the same values and
-- cost a few string compares. SQLite cannot alter a CHECK, so the table is rebuilt; every entry
-- is copied with its seq, so the newest entry stays and no number is ever reused.
CREATE TABLE change_log_v4 (
    seq        INTEGER PRIMARY KEY,
    change_id  TEXT NOT NULL CHECK (length(change_id) = 36),
    entity     TEXT NOT NULL CHECK (entity = 'profile' OR entity = 'user_language'
                   OR entity = 'user_interest' OR entity = 'onboarding' OR entity = 'practice_session'
                   OR entity = 'point_transaction' OR entity = 'user_achievement' OR entity = 'chat_room'
                   OR entity = 'chat_participant' OR entity = 'chat_message' OR entity = 'read_marker'),
    entity_id  TEXT NOT NULL,
    operation  TEXT NOT NULL CHECK (operation = 'insert' OR operation = 'update' OR operation = 'delete'),
    payload    TEXT NOT NULL CHECK (json_valid(payload)),
    created_at TEXT NOT NULL
);
INSERT INTO change_log_v4 (seq, change_id, entity, entity_id, operation, payload, created_at)
    SELECT seq, change_id, entity, entity_id, operation, payload, created_at FROM change_log;
DROP TABLE change_log;
ALTER TABLE change_log_v4 RENAME TO change_log;

-- Account deletion and history retention (docs/privacy.md). Written with IF NOT EXISTS, as V1,
-- because servers built between the privacy work and migrations created these tables at start.
CREATE TABLE IF NOT EXISTS deleted_accounts (user_id TEXT PRIMARY KEY, deleted_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS history_marks (server_seq BIGINT PRIMARY KEY, marked_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS user_feed_seq ON user_feed(server_seq);

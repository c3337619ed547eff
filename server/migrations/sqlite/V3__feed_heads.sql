-- V3: per-user feed positions, so writes of different users need no common lock (docs/scaling.md,
-- "Writes in parallel"). A feed position now counts within one user's feed: `user_feed` is keyed
-- by (user_id, feed_seq), and `feed_heads` holds each user's last given position, which a write
-- locks while it appends to that feed. Existing rows keep their position, so every cursor a
-- device holds means the same place; every head starts at the largest position given so far
-- (of any feed), so no new position can fall at or behind a cursor already handed out, even one
-- past rows of that feed deleted since. SQLite dialect; the PostgreSQL file does the same.
CREATE TABLE user_feed_v3 (
    user_id TEXT NOT NULL, feed_seq INTEGER NOT NULL, server_seq INTEGER NOT NULL,
    PRIMARY KEY (user_id, feed_seq)) WITHOUT ROWID;
INSERT INTO user_feed_v3 (user_id, feed_seq, server_seq)
    SELECT user_id, feed_seq, server_seq FROM user_feed;
DROP TABLE user_feed;
ALTER TABLE user_feed_v3 RENAME TO user_feed;
CREATE INDEX user_feed_seq ON user_feed(server_seq);
CREATE TABLE feed_heads (user_id TEXT PRIMARY KEY, head INTEGER NOT NULL);
INSERT INTO feed_heads (user_id, head)
    SELECT user_id, (SELECT COALESCE(MAX(feed_seq), 0) FROM user_feed) FROM users;

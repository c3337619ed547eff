-- V3: per-user feed positions, so writes of different users need no common lock (docs/scaling.md,
-- "Writes in parallel"). A feed position now counts within one user's feed: `user_feed` is keyed
-- by (user_id, feed_seq), and `feed_heads` holds each user's last given position, which a write
-- locks (FOR UPDATE) while it appends to that feed. Existing rows keep their position, so every
-- cursor a device holds means the same place; every head starts at the largest position given so
-- far (of any feed), so no new position can fall at or behind a cursor already handed out, even
-- one past rows of that feed deleted since. PostgreSQL dialect; the SQLite file does the same.
ALTER TABLE user_feed ALTER COLUMN feed_seq DROP IDENTITY;
ALTER TABLE user_feed DROP CONSTRAINT user_feed_pkey;
ALTER TABLE user_feed ADD PRIMARY KEY (user_id, feed_seq) INCLUDE (server_seq);
DROP INDEX user_feed_user;
CREATE TABLE feed_heads (user_id TEXT PRIMARY KEY, head BIGINT NOT NULL);
INSERT INTO feed_heads (user_id, head)
    SELECT user_id, (SELECT COALESCE(MAX(feed_seq), 0) FROM user_feed) FROM users;

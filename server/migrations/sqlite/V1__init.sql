-- V1: the server's schema as it stood before migrations (written idempotently, with IF NOT EXISTS,
-- so that it is also the baseline: on a database made by a server of that time, which has every
-- table but no refinery_schema_history, it changes nothing and records the history). Later
-- changes go in V2__… and after, never here. The tables are described in server/src/db/schema.rs.
-- SQLite dialect; server/migrations/postgres/V1__init.sql is the same schema for PostgreSQL.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    user_id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
    profile TEXT NOT NULL, profile_seq INTEGER NOT NULL DEFAULT 0, public_seq INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL);
DROP TABLE IF EXISTS tokens;
CREATE TABLE IF NOT EXISTS token_pairs (
    access_hash TEXT PRIMARY KEY, refresh_hash TEXT NOT NULL UNIQUE, family_id TEXT NOT NULL,
    user_id TEXT NOT NULL, parent_hash TEXT, state TEXT NOT NULL, access_used INTEGER NOT NULL DEFAULT 0,
    access_expires_at INTEGER NOT NULL, refresh_expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS token_pairs_family ON token_pairs(family_id, state);
CREATE INDEX IF NOT EXISTS token_pairs_expiry ON token_pairs(refresh_expires_at);
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL, record_id TEXT NOT NULL, owner_id TEXT, room_id TEXT, doc TEXT NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (kind, record_id));
CREATE INDEX IF NOT EXISTS records_owner ON records(owner_id, kind);
CREATE INDEX IF NOT EXISTS records_room ON records(room_id, kind, last_seq);
CREATE TABLE IF NOT EXISTS participants (
    room_id TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL, joined_at TEXT NOT NULL,
    last_read_sort_key INTEGER NOT NULL DEFAULT 0, last_read_message_id TEXT,
    PRIMARY KEY (room_id, user_id));
CREATE INDEX IF NOT EXISTS participants_user ON participants(user_id, room_id);
CREATE TABLE IF NOT EXISTS direct_rooms (direct_key TEXT PRIMARY KEY, room_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger (
    transaction_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, points INTEGER NOT NULL, rule TEXT,
    period_key TEXT, doc TEXT NOT NULL, last_seq INTEGER NOT NULL DEFAULT 0,
    UNIQUE (user_id, rule, period_key));
CREATE INDEX IF NOT EXISTS ledger_user ON ledger(user_id);
CREATE TABLE IF NOT EXISTS applied_changes (
    change_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, device_id TEXT NOT NULL, seq INTEGER NOT NULL,
    status TEXT NOT NULL, code TEXT, reason TEXT, server_seq INTEGER, UNIQUE (device_id, seq));
CREATE TABLE IF NOT EXISTS devices (device_id TEXT PRIMARY KEY, user_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS changes (
    server_seq INTEGER PRIMARY KEY AUTOINCREMENT, entity TEXT NOT NULL, entity_id TEXT NOT NULL,
    operation TEXT NOT NULL, payload TEXT NOT NULL, origin_change_id TEXT);
CREATE TABLE IF NOT EXISTS user_feed (
    feed_seq INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, server_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS practice_days (
    user_id TEXT NOT NULL, local_day TEXT NOT NULL, sessions INTEGER NOT NULL,
    PRIMARY KEY (user_id, local_day));
CREATE TABLE IF NOT EXISTS practice_stats (
    user_id TEXT NOT NULL, situation_id TEXT NOT NULL, category TEXT, completed INTEGER NOT NULL,
    perfect INTEGER NOT NULL, PRIMARY KEY (user_id, situation_id));
CREATE INDEX IF NOT EXISTS user_feed_user ON user_feed(user_id, feed_seq, server_seq);

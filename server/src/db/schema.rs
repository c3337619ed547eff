//! The server's tables, in each database's DDL. Everything after creation is the common dialect.
//!
//! - `users`: account, password hash, the profile as a JSON document, and the server sequences
//!   of the latest own-profile and public-profile changes (copied into feeds on scope growth).
//! - `token_pairs`: hashes of each issued access and refresh token pair, its sign-in (family),
//!   the refresh token redeemed for it, its state and expiries (`crate::auth::tokens`). It
//!   replaced `tokens`, which is dropped: tokens issued before are no longer valid, and their
//!   holders sign in again once.
//! - `records`: every other synced record as a JSON document keyed by (kind, id), with its
//!   owner or room for scoping and `last_seq`, the change that carries its current state.
//! - `participants`: room membership and read markers; `direct_rooms`: one direct room per pair.
//! - `ledger`: point transactions; the balance is their sum, awards unique per (user, rule, period).
//! - `applied_changes`: the decision on every pushed change id, unique per (device, seq).
//! - `practice_days`, `practice_stats`: per user, the practice days and per-situation counts of
//!   the completed sessions the server accepted; awards and achievements are derived from them.
//! - `devices`: the account each device id belongs to (the first that pushed under it).
//! - `changes`: the global history; `user_feed`: which changes each user receives, in order.
//! - Privacy (issue 13, marked below; for a V2 migration): `deleted_accounts`, the ids of deleted
//!   accounts (so their revoked tokens are answered `account_deleted`, and nothing is delivered
//!   to them); `history_marks`, the highest server sequence at each compaction run and when, so
//!   retention can tell how old a change is without a timestamp on every change.

/// SQLite DDL (idempotent).
pub const SQLITE: &str = "
PRAGMA journal_mode = WAL;
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
-- privacy (issue 13): account deletion and history retention. Move into a V2 migration.
CREATE TABLE IF NOT EXISTS deleted_accounts (user_id TEXT PRIMARY KEY, deleted_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS history_marks (server_seq INTEGER PRIMARY KEY, marked_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS user_feed_seq ON user_feed(server_seq);
-- end privacy (issue 13)
";

/// PostgreSQL DDL (idempotent). Same tables, BIGINT columns and identity sequences.
pub const POSTGRES: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    user_id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
    profile TEXT NOT NULL, profile_seq BIGINT NOT NULL DEFAULT 0, public_seq BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL);
DROP TABLE IF EXISTS tokens;
CREATE TABLE IF NOT EXISTS token_pairs (
    access_hash TEXT PRIMARY KEY, refresh_hash TEXT NOT NULL UNIQUE, family_id TEXT NOT NULL,
    user_id TEXT NOT NULL, parent_hash TEXT, state TEXT NOT NULL, access_used BIGINT NOT NULL DEFAULT 0,
    access_expires_at BIGINT NOT NULL, refresh_expires_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS token_pairs_family ON token_pairs(family_id, state);
CREATE INDEX IF NOT EXISTS token_pairs_expiry ON token_pairs(refresh_expires_at);
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL, record_id TEXT NOT NULL, owner_id TEXT, room_id TEXT, doc TEXT NOT NULL,
    last_seq BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (kind, record_id));
CREATE INDEX IF NOT EXISTS records_owner ON records(owner_id, kind);
CREATE INDEX IF NOT EXISTS records_room ON records(room_id, kind, last_seq);
CREATE TABLE IF NOT EXISTS participants (
    room_id TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL, joined_at TEXT NOT NULL,
    last_read_sort_key BIGINT NOT NULL DEFAULT 0, last_read_message_id TEXT,
    PRIMARY KEY (room_id, user_id));
CREATE INDEX IF NOT EXISTS participants_user ON participants(user_id, room_id);
CREATE TABLE IF NOT EXISTS direct_rooms (direct_key TEXT PRIMARY KEY, room_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger (
    transaction_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, points BIGINT NOT NULL, rule TEXT,
    period_key TEXT, doc TEXT NOT NULL, last_seq BIGINT NOT NULL DEFAULT 0,
    UNIQUE (user_id, rule, period_key));
CREATE INDEX IF NOT EXISTS ledger_user ON ledger(user_id);
CREATE TABLE IF NOT EXISTS applied_changes (
    change_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, device_id TEXT NOT NULL, seq BIGINT NOT NULL,
    status TEXT NOT NULL, code TEXT, reason TEXT, server_seq BIGINT, UNIQUE (device_id, seq));
CREATE TABLE IF NOT EXISTS devices (device_id TEXT PRIMARY KEY, user_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS changes (
    server_seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, entity TEXT NOT NULL,
    entity_id TEXT NOT NULL, operation TEXT NOT NULL, payload TEXT NOT NULL, origin_change_id TEXT);
CREATE TABLE IF NOT EXISTS user_feed (
    feed_seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id TEXT NOT NULL,
    server_seq BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS practice_days (
    user_id TEXT NOT NULL, local_day TEXT NOT NULL, sessions BIGINT NOT NULL,
    PRIMARY KEY (user_id, local_day));
CREATE TABLE IF NOT EXISTS practice_stats (
    user_id TEXT NOT NULL, situation_id TEXT NOT NULL, category TEXT, completed BIGINT NOT NULL,
    perfect BIGINT NOT NULL, PRIMARY KEY (user_id, situation_id));
CREATE INDEX IF NOT EXISTS user_feed_user ON user_feed(user_id, feed_seq, server_seq);
-- privacy (issue 13): account deletion and history retention. Move into a V2 migration.
CREATE TABLE IF NOT EXISTS deleted_accounts (user_id TEXT PRIMARY KEY, deleted_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS history_marks (server_seq BIGINT PRIMARY KEY, marked_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS user_feed_seq ON user_feed(server_seq);
-- end privacy (issue 13)
";

//! The server's tables, created and changed by refinery migrations: `server/migrations/sqlite/`
//! and `server/migrations/postgres/` hold the same versions in each database's DDL (everything
//! after creation is the common dialect). `V1__init.sql` is the schema the server had before it
//! used migrations, written with `IF NOT EXISTS`, so it also adopts a database made then: there
//! it creates nothing and only starts the history (the baseline). A change to the schema is a
//! new version in both folders, never an edit of an applied one (refinery refuses a database
//! whose applied migrations differ from these, or that has one this build does not know).
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
//! - `changes`: the global history; `user_feed`: which changes each user receives, keyed by
//!   (user, position in that user's feed) since V3; `feed_heads` (V3): each user's last given
//!   position, locked by a write while it appends to that feed (`crate::feed::settle`).
//! - `deleted_accounts` (V2): the ids of deleted accounts, so their revoked tokens are answered
//!   `account_deleted` and nothing is delivered to them; `history_marks` (V2): the highest server
//!   sequence at each compaction run and when, so retention can tell how old a change is without
//!   a timestamp on every change.

use postgres::Client;
use rusqlite::Connection;

use super::DbError;

mod sqlite_migrations {
    refinery::embed_migrations!("migrations/sqlite");
}

mod postgres_migrations {
    refinery::embed_migrations!("migrations/postgres");
}

/// SQLite, on every new connection: the transaction's feed rows staged by statements
/// (`crate::feed`; the ones the server holds are staged in memory, `super::Staged`), a
/// temporary table of this connection, emptied by `crate::feed::settle` before each commit.
pub const SQLITE_SESSION: &str = "CREATE TEMP TABLE IF NOT EXISTS feed_pending (
    ord INTEGER PRIMARY KEY, user_id TEXT NOT NULL, server_seq INTEGER NOT NULL)";

/// SQLite: how many staged feed rows the transaction still holds, read before each commit.
pub const SQLITE_UNSETTLED: &str = "SELECT count(*) FROM feed_pending";

/// PostgreSQL, on every new connection: the same staging table, and
/// `pg_temp.feed_settled()`, which raises [`UNSETTLED_SQLSTATE`] while the table holds rows.
/// `ON COMMIT DELETE ROWS` also truncates the table at each commit that touched it, so the rows
/// `settle` deleted leave no dead tuples behind (autovacuum never visits temporary tables).
pub const POSTGRES_SESSION: &str = "CREATE TEMP TABLE IF NOT EXISTS feed_pending (
    ord BIGINT GENERATED ALWAYS AS IDENTITY, user_id TEXT NOT NULL, server_seq BIGINT NOT NULL)
    ON COMMIT DELETE ROWS;
    CREATE OR REPLACE FUNCTION pg_temp.feed_settled() RETURNS void LANGUAGE plpgsql AS $$
    DECLARE staged BIGINT;
    BEGIN
        SELECT count(*) INTO staged FROM feed_pending;
        IF staged > 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'SMF01',
                MESSAGE = format('%s staged feed rows were never settled', staged);
        END IF;
    END $$";

/// PostgreSQL: the commit of every transaction, in one round trip. The check's error aborts the
/// transaction before `COMMIT` runs (a failed statement skips the rest of the string).
pub const POSTGRES_COMMIT: &str = "SELECT pg_temp.feed_settled(); COMMIT";

/// The SQLSTATE `pg_temp.feed_settled()` raises.
pub const UNSETTLED_SQLSTATE: &str = "SMF01";

/// The advisory lock held while PostgreSQL is migrated, so servers starting together on one
/// database apply each version once (the second waits, then finds nothing left to do).
const MIGRATION_LOCK: i64 = 0x5354_4d41_4d49;

/// Brings an SQLite database up to the newest version, all pending versions in one transaction.
pub fn migrate_sqlite(conn: &mut Connection) -> Result<(), DbError> {
    sqlite_migrations::migrations::runner()
        .set_grouped(true)
        .run(conn)
        .map(drop)
        .map_err(migration_failed)
}

/// Brings a PostgreSQL database up to the newest version, all pending versions in one
/// transaction, under [`MIGRATION_LOCK`].
pub fn migrate_postgres(client: &mut Client) -> Result<(), DbError> {
    let locked = |e: postgres::Error| DbError::Migration(format!("migration lock: {e}"));
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .map_err(locked)?;
    let outcome = postgres_migrations::migrations::runner()
        .set_grouped(true)
        .run(client)
        .map(drop)
        .map_err(migration_failed);
    // A failed migration's error comes first; the lock also ends with the connection.
    let unlocked = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]);
    outcome?;
    unlocked.map(drop).map_err(locked)
}

fn migration_failed(e: refinery::Error) -> DbError {
    DbError::Migration(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_dialects_have_the_same_versions() {
        let versions = |migrations: Vec<refinery::Migration>| {
            migrations
                .iter()
                .map(|m| (m.version(), m.name().to_owned()))
                .collect::<Vec<_>>()
        };
        let sqlite = versions(
            sqlite_migrations::migrations::runner()
                .get_migrations()
                .clone(),
        );
        let postgres = versions(
            postgres_migrations::migrations::runner()
                .get_migrations()
                .clone(),
        );
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, postgres);
    }
}

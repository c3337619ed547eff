//! Opening a connection: pragmas, migrations, and the refusal to touch a database written by a
//! newer version of the library.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::encryption::{self, DatabaseKey};
use crate::error::{Error, Result};

mod embedded {
    refinery::embed_migrations!("../migrations");
}

/// The highest migration version this build of the library knows.
pub const SCHEMA_VERSION: u32 = 4;

/// Connection-level settings every connection of a store shares.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionSettings {
    /// How long a connection waits for a lock held by another connection before giving up.
    pub busy_timeout: Duration,
    /// `synchronous=FULL` (survives power loss) instead of `NORMAL` (survives an app kill).
    pub full_sync: bool,
    /// The SQLCipher key, applied before anything else on every connection; `None`: plain file.
    pub key: Option<DatabaseKey>,
}

/// Applies the pragmas every connection needs. Fails cleanly on a file that is not a database.
pub(crate) fn configure(conn: &Connection, settings: &ConnectionSettings) -> Result<()> {
    conn.busy_timeout(settings.busy_timeout)?;
    if let Some(key) = &settings.key {
        encryption::unlock(conn, key)?;
    }
    // Two processes switching a new file to WAL at once can deadlock on the file lock; SQLite then
    // fails one with SQLITE_BUSY at once, without waiting. That one holds no lock afterwards, so a
    // retry waits (busy timeout) for the other to finish and finds the file already in WAL.
    let mut attempts = 0;
    let mode: String = loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0)) {
            Err(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && attempts < 3 =>
            {
                attempts += 1;
            }
            other => break other?,
        }
    };
    if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
        return Err(Error::Storage(format!(
            "could not switch the database to WAL (journal mode is {mode})"
        )));
    }
    conn.execute_batch(if settings.full_sync {
        "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;"
    } else {
        "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;"
    })?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Opens a read-only connection to an existing, already migrated database file.
pub(crate) fn open_reader(path: &Path, settings: &ConnectionSettings) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    conn.busy_timeout(settings.busy_timeout)?;
    if let Some(key) = &settings.key {
        encryption::unlock(&conn, key)?;
    }
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Brings the schema up to date, or refuses a database made by a newer library version.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    loop {
        let applied = applied_version(conn)?;
        if applied > SCHEMA_VERSION {
            return Err(Error::NewerDatabase {
                found: applied,
                supported: SCHEMA_VERSION,
            });
        }
        if applied == SCHEMA_VERSION {
            return Ok(());
        }
        match run_migrations(conn) {
            Ok(()) => return Ok(()),
            // Another process opening the same file (an app and its extension on first launch)
            // may have applied the migrations between our check and our run, so ours failed on
            // "table already exists". If the schema moved on meanwhile, look again; each retry
            // needs progress, so this ends.
            Err(e) => {
                if applied_version(conn)? <= applied {
                    return Err(e);
                }
            }
        }
    }
}

fn run_migrations(conn: &mut Connection) -> Result<()> {
    // Grouped: every pending migration and its history row commit in one transaction. Ungrouped,
    // refinery commits a migration's SQL and its history row separately, so a kill between the two
    // leaves a schema the history does not record, and every later open fails re-running it.
    embedded::migrations::runner()
        .set_abort_divergent(true)
        .set_grouped(true)
        .run(conn)
        .map_err(|e| Error::Migration(e.to_string()))?;
    Ok(())
}

/// The highest migration recorded in the file, 0 for a new database.
fn applied_version(conn: &Connection) -> Result<u32> {
    let has_history: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history'",
            [],
            |row| row.get(0),
        )
        .optional()?;
    if has_history.is_none() {
        return Ok(0);
    }
    let version: Option<i64> = conn.query_row(
        "SELECT MAX(version) FROM refinery_schema_history",
        [],
        |row| row.get(0),
    )?;
    u32::try_from(version.unwrap_or(0)).map_err(|_| {
        Error::Storage(format!(
            "schema history holds an impossible version {version:?}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_version_matches_the_embedded_migrations() {
        let newest = embedded::migrations::runner()
            .get_migrations()
            .iter()
            .map(|m| m.version())
            .max();
        assert_eq!(newest, Some(SCHEMA_VERSION as i32));
    }

    /// The bundled SQLite is compiled without memory statistics (`LIBSQLITE3_FLAGS` in
    /// `.cargo/config.toml`): with them on, SQLite counts the memory an open connection holds and
    /// every allocation takes a global mutex.
    #[test]
    fn sqlite_keeps_no_memory_statistics() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute_batch(
            "CREATE TABLE t (x TEXT); INSERT INTO t VALUES (hex(randomblob(4096)));",
        )
        .unwrap();
        // SAFETY: `sqlite3_memory_used` takes no arguments and only reads a counter.
        let counted = unsafe { rusqlite::ffi::sqlite3_memory_used() };
        assert_eq!(counted, 0, "SQLite counts its memory: {counted} bytes");
        drop(conn);
    }
}

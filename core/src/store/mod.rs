//! The SQLite store: one writer connection behind a lock, a small pool of reader connections
//! (WAL lets them read while a write is in progress), and the schema migrations.
//!
//! Every user action runs inside [`Store::write`], one `BEGIN IMMEDIATE` transaction that
//! commits the mirror rows and their change-log entry together or rolls both back.

pub(crate) mod encryption;
mod open;
mod rows;
#[cfg(test)]
mod writers;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use rusqlite::{Connection, Row, Transaction, TransactionBehavior};
use uuid::Uuid;

use crate::error::{Error, Result};

pub use encryption::DatabaseKey;

/// What [`Store::set_commit_hook`] installs.
pub(crate) type CommitHook = Arc<dyn Fn() + Send + Sync>;
pub(crate) use open::ConnectionSettings;
pub use open::SCHEMA_VERSION;
pub(crate) use rows::MultiRow;

/// How many idle reader connections are kept open for reuse.
const MAX_IDLE_READERS: usize = 4;

/// The database of one user: a writer connection and reader connections to the same file.
pub struct Store {
    writer: Mutex<Connection>,
    /// Idle readers, each with the key generation it was opened under.
    readers: Mutex<Vec<(u64, Connection)>>,
    /// `None` for an in-memory database, whose reads go through the writer connection.
    path: Option<PathBuf>,
    /// The settings new connections open with, and how many times the key changed: a reader
    /// opened under an earlier key is closed instead of going back to the pool.
    settings: RwLock<(u64, ConnectionSettings)>,
    /// Called after every committed write (live sync rings its bell from it, so local changes
    /// leave promptly).
    commit_hook: Mutex<Option<CommitHook>>,
}

impl Store {
    /// Opens (creating if needed) the database file at `path` and brings its schema up to date.
    pub(crate) fn open(path: &Path, settings: ConnectionSettings) -> Result<Self> {
        let mut conn = Connection::open(path)?;
        open::configure(&conn, &settings)?;
        open::migrate(&mut conn)?;
        Ok(Store {
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            path: Some(path.to_path_buf()),
            settings: RwLock::new((0, settings)),
            commit_hook: Mutex::new(None),
        })
    }

    /// Opens a private in-memory database with the full schema, for tests and previews.
    pub(crate) fn open_in_memory(settings: ConnectionSettings) -> Result<Self> {
        let mut conn = Connection::open_in_memory()?;
        open::configure(&conn, &settings)?;
        open::migrate(&mut conn)?;
        Ok(Store {
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            path: None,
            settings: RwLock::new((0, settings)),
            commit_hook: Mutex::new(None),
        })
    }

    /// Runs `f` in one immediate write transaction and commits if it returns `Ok`.
    /// An error from `f` rolls everything back, so a failed action writes nothing.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        drop(conn);
        let hook = lock(&self.commit_hook).clone();
        if let Some(hook) = hook {
            hook();
        }
        Ok(value)
    }

    /// Sets (`Some`) or clears (`None`) the hook called after every committed write. Setting
    /// one while another is set is [`Error::Conflict`]: live sync already runs on this store.
    /// (Live sync, part of the `client` feature, is the only caller.)
    #[cfg(feature = "client")]
    pub(crate) fn set_commit_hook(&self, hook: Option<CommitHook>) -> Result<()> {
        let mut slot = lock(&self.commit_hook);
        if hook.is_some() && slot.is_some() {
            return Err(Error::Conflict(
                "live sync already runs for this database".into(),
            ));
        }
        *slot = hook;
        Ok(())
    }

    /// The database file, or `None` for an in-memory store.
    pub(crate) fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Runs `f` on a reader connection inside a read transaction, so it sees one consistent snapshot.
    /// Readers do not wait for the writer (WAL); an in-memory store reads through the writer.
    pub fn read<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let Some(path) = &self.path else {
            let mut conn = lock(&self.writer);
            let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
            return f(&tx);
        };
        let pooled = lock(&self.readers).pop();
        let (generation, mut conn) = match pooled {
            Some(reader) => reader,
            None => {
                let (generation, settings) = self.settings_now();
                (generation, open::open_reader(path, &settings)?)
            }
        };
        let value = {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
            f(&tx)
        };
        // Read before taking the pool's lock: `change_key` holds the settings while it clears
        // the pool, so holding the pool while waiting for the settings could deadlock.
        let current = self.key_generation();
        let mut idle = lock(&self.readers);
        if idle.len() < MAX_IDLE_READERS && generation == current {
            idle.push((generation, conn));
        }
        value
    }

    /// Re-encrypts the database under `key` (it must be encrypted already). Writes wait
    /// meanwhile, and so do new reader connections (they wait for the settings), so none opens
    /// with the old key after the change; idle readers are closed, and readers busy during the
    /// change are closed when they finish, so every later connection opens with the new key.
    pub(crate) fn change_key(&self, key: encryption::DatabaseKey) -> Result<()> {
        let conn = lock(&self.writer);
        let mut settings = self
            .settings
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if settings.1.key.is_none() {
            return Err(Error::Conflict(
                "the database is not encrypted; encrypt it first (privacy::encrypt_database)"
                    .into(),
            ));
        }
        lock(&self.readers).clear();
        encryption::rekey(&conn, &key)?;
        settings.0 = settings.0.wrapping_add(1);
        settings.1.key = Some(key);
        Ok(())
    }

    /// Closes every connection: the writer (checkpointing its WAL) and the idle readers. The
    /// store is unusable afterwards; [`crate::Client::wipe`] deletes its files next.
    pub(crate) fn close(self) -> Result<()> {
        drop(lock(&self.readers).drain(..));
        let conn = self
            .writer
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        conn.close().map_err(|(_, e)| Error::from(e))
    }

    fn key_generation(&self) -> u64 {
        self.settings
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .0
    }

    fn settings_now(&self) -> (u64, ConnectionSettings) {
        self.settings
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

/// Locks a mutex, recovering it if a thread panicked while holding it: SQLite rolls back an
/// unfinished transaction itself, so the connection is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Maps a SQLite constraint failure on caller data to a typed error; other failures stay storage errors.
pub(crate) fn constraint_to_invalid(err: rusqlite::Error, field: &str) -> Error {
    match &err {
        rusqlite::Error::SqliteFailure(e, msg)
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Error::invalid(
                field,
                msg.as_deref().unwrap_or("violates a database constraint"),
            )
        }
        _ => Error::from(err),
    }
}

/// Reads a UUID text column.
pub(crate) fn uuid_col(row: &Row<'_>, idx: usize) -> Result<Uuid> {
    let text: String = row.get(idx)?;
    Uuid::parse_str(&text)
        .map_err(|e| Error::Storage(format!("stored id {text:?} is malformed: {e}")))
}

/// Reads a JSON text column into a typed value.
pub(crate) fn json_col<T: serde::de::DeserializeOwned>(row: &Row<'_>, idx: usize) -> Result<T> {
    let text: String = row.get(idx)?;
    Ok(serde_json::from_str(&text)?)
}

/// Reads a nullable JSON text column into a typed value.
pub(crate) fn json_col_opt<T: serde::de::DeserializeOwned>(
    row: &Row<'_>,
    idx: usize,
) -> Result<Option<T>> {
    let text: Option<String> = row.get(idx)?;
    Ok(text.as_deref().map(serde_json::from_str).transpose()?)
}

//! The client object: one per user database. Apps open it once and share it between threads;
//! the domain modules (profile, catalog, practice, ledger, chat) add their calls to it.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;

use crate::changelog::{self, Change};
use crate::error::{Error, Result};
use crate::store::{ConnectionSettings, DatabaseKey, Store};
use crate::time::{Clock, SystemClock};

/// The display name a new database gives its user until the profile is edited or synced.
pub const DEFAULT_DISPLAY_NAME: &str = "Learner";

/// How to open a user's database.
#[derive(Clone)]
pub struct OpenOptions {
    /// The user this database belongs to. `None` on a brand-new database makes a fresh id
    /// (the server keeps device-made ids); `None` on an existing one uses the stored id.
    /// A different id than the stored one is refused with [`Error::Conflict`].
    pub user_id: Option<Uuid>,
    /// How long a call waits for a lock held by another process before failing.
    pub busy_timeout: Duration,
    /// `true` makes every commit survive power loss (`synchronous=FULL`); the default survives
    /// the app being killed, which is what a phone needs, at a fraction of the cost.
    pub full_sync: bool,
    /// The clock used for timestamps and "today". Tests replace it.
    pub clock: Arc<dyn Clock>,
    /// The key of an encrypted database (SQLCipher, the `encryption` feature); `None` for a
    /// plain file. A new file is created encrypted under it; an existing plain file must be
    /// encrypted first ([`crate::privacy::encrypt_database`]). A key that does not open the
    /// file fails with [`Error::WrongKey`]. In-memory databases ignore it.
    pub key: Option<DatabaseKey>,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            user_id: None,
            busy_timeout: Duration::from_secs(5),
            full_sync: false,
            clock: Arc::new(SystemClock),
            key: None,
        }
    }
}

impl std::fmt::Debug for OpenOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenOptions")
            .field("user_id", &self.user_id)
            .field("busy_timeout", &self.busy_timeout)
            .field("full_sync", &self.full_sync)
            .field("encrypted", &self.key.is_some())
            .finish_non_exhaustive()
    }
}

/// The local database of one user and every call an app makes on it.
///
/// `Client` is `Send + Sync`: share one instance (e.g. in an `Arc`) across threads. Writes are
/// serialised on one connection; reads use their own connections and do not wait for writes.
pub struct Client {
    pub(crate) store: Store,
    pub(crate) user_id: Uuid,
    pub(crate) device_id: Uuid,
    pub(crate) clock: Arc<dyn Clock>,
    /// Held while [`Client::sync`] runs, so two runs never push the same outbox at once (with
    /// a file lock next to the database that also keeps out other clients and processes).
    #[cfg(feature = "client")]
    pub(crate) sync_lock: std::sync::Mutex<()>,
    /// Told about every committed write ([`Client::subscribe`]).
    pub(crate) listeners: Arc<crate::notify::Listeners>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("user_id", &self.user_id)
            .field("device_id", &self.device_id)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Creates or opens the user's database file at `path`, applies pending migrations and
    /// makes sure the signed-in user's profile row exists.
    pub fn open(path: impl AsRef<Path>, options: OpenOptions) -> Result<Self> {
        let path = path.as_ref();
        let opened = Store::open(path, settings(&options))
            .and_then(|store| Self::with_store(store, options));
        match &opened {
            Ok(client) => tracing::info!(
                path = %path.display(),
                user = %client.user_id,
                device = %client.device_id,
                "database opened"
            ),
            Err(e) => tracing::warn!(path = %path.display(), error = %e, "database not opened"),
        }
        opened
    }

    /// Opens a private in-memory database (for tests and previews; gone when dropped).
    pub fn open_in_memory(options: OpenOptions) -> Result<Self> {
        let store = Store::open_in_memory(ConnectionSettings {
            key: None,
            ..settings(&options)
        })?;
        Self::with_store(store, options)
    }

    fn with_store(store: Store, options: OpenOptions) -> Result<Self> {
        let now = options.clock.now();
        let (user_id, device_id) = store.write(|tx| {
            let user_id = identity(tx, "user_id", options.user_id)?;
            let device_id = identity(tx, "device_id", None)?;
            crate::profile::ensure_user(tx, user_id, true, now)?;
            Ok((user_id, device_id))
        })?;
        Ok(Client {
            store,
            user_id,
            device_id,
            clock: options.clock,
            #[cfg(feature = "client")]
            sync_lock: std::sync::Mutex::new(()),
            listeners: Arc::default(),
        })
    }

    /// The id of the user this database belongs to.
    pub fn user_id(&self) -> Uuid {
        self.user_id
    }

    /// The id this installation uses in the change log; made once per database file.
    pub fn device_id(&self) -> Uuid {
        self.device_id
    }

    /// Lists change-log entries after `after_seq` (0 for the start), oldest first, at most `limit`.
    pub fn changes(&self, after_seq: i64, limit: u32) -> Result<Vec<Change>> {
        if limit == 0 {
            return Err(Error::invalid("limit", "must be at least 1"));
        }
        self.store.read(|tx| changelog::list(tx, after_seq, limit))
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

fn settings(options: &OpenOptions) -> ConnectionSettings {
    ConnectionSettings {
        busy_timeout: options.busy_timeout,
        full_sync: options.full_sync,
        key: options.key.clone(),
    }
}

/// Reads the id stored under `key` in `local_meta`, storing `wanted` (or a new id) the first time.
fn identity(tx: &Transaction<'_>, key: &str, wanted: Option<Uuid>) -> Result<Uuid> {
    let stored: Option<String> = tx
        .query_row(
            "SELECT value FROM local_meta WHERE key = ?1",
            [key],
            |row| row.get(0),
        )
        .optional()?;
    match stored {
        Some(text) => {
            let id = Uuid::parse_str(&text)
                .map_err(|e| Error::Storage(format!("stored {key} is malformed: {e}")))?;
            match wanted {
                Some(w) if w != id => Err(Error::Conflict(format!(
                    "this database belongs to {key} {id}, not {w}"
                ))),
                _ => Ok(id),
            }
        }
        None => {
            let id = wanted.unwrap_or_else(Uuid::now_v7);
            tx.execute(
                "INSERT INTO local_meta (key, value) VALUES (?1, ?2)",
                params![key, id.to_string()],
            )?;
            Ok(id)
        }
    }
}

/// Sets `local_meta` entry `key` to `value` unless it holds a greater one (a mark that only
/// moves forward, such as the practice-day high-water mark).
pub(crate) fn raise_meta(tx: &Transaction<'_>, key: &str, value: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO local_meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)",
    )?
    .execute(params![key, value])?;
    Ok(())
}

//! The `StudyMateClient` object: one per user database, opened on a file path, shared by every
//! thread of the app (it is an `Arc` on both sides). Also the change-log read, the data
//! subscriptions, and the helpers the domain modules run their calls with.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use studymate_core::changelog::Change;
use studymate_core::{Client as CoreClient, OpenOptions as CoreOptions, Result as CoreResult};
use uuid::Uuid;

use crate::Result;
use crate::StudyMateError;
use crate::observer::{DataObserver, DataSubscription, Forward};
use crate::offload::{Offloaded, offload};

/// How to open a user's database.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OpenOptions {
    /// The signed-in user. Left out on a new database, a fresh id is made; on an existing one,
    /// the stored id is used. A different id than the stored one is refused with `Conflict`.
    #[uniffi(default = None)]
    pub user_id: Option<Uuid>,
    /// How long a call waits for a lock held by another process before failing, in milliseconds.
    #[uniffi(default = 5000)]
    pub busy_timeout_ms: i32,
    /// `true` makes every commit survive power loss; the default survives the app being killed.
    #[uniffi(default = false)]
    pub full_sync: bool,
}

impl OpenOptions {
    /// The core's options with these values (no key: `openEncrypted` adds one); a negative
    /// busy timeout is refused.
    pub(crate) fn to_core(&self) -> Result<CoreOptions> {
        let busy = u64::try_from(self.busy_timeout_ms)
            .map_err(|_| StudyMateError::invalid("busyTimeoutMs", "must not be negative"))?;
        Ok(CoreOptions {
            user_id: self.user_id,
            busy_timeout: Duration::from_millis(busy),
            full_sync: self.full_sync,
            ..CoreOptions::default()
        })
    }
}

/// The local database of one user and every call an app makes on it.
///
/// Thread-safe: share one instance. Reads return at once (they take milliseconds); every call
/// that writes, and opening, is `suspend` (Kotlin) / `async` (Swift) and runs on a worker
/// thread. See `bindings/README.md` for the threading model.
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct StudyMateClient {
    core: RwLock<Option<Arc<CoreClient>>>,
}

#[uniffi::export]
impl StudyMateClient {
    /// Creates or opens the user's database file at `path` (its folder must exist), applies
    /// pending migrations and makes sure the user's profile exists.
    #[uniffi::constructor]
    pub async fn open(path: String, options: OpenOptions) -> Result<Arc<Self>> {
        let core_options = options.to_core()?;
        offload("open", move || {
            Ok(Self::from_core(CoreClient::open(&path, core_options)?))
        })
        .await
    }

    /// Closes the database now, even while other references to this client exist. Later calls
    /// fail with `Closed`; a call already running finishes first. Closing twice is harmless.
    ///
    /// Not named `close`: Kotlin's generated `close()` (`AutoCloseable`) releases the handle
    /// instead, after which calls throw `IllegalStateException` on the Kotlin side.
    pub fn close_database(&self) {
        self.take_core();
    }

    /// Whether `closeDatabase()` was called.
    pub fn is_closed(&self) -> bool {
        self.core
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none()
    }

    /// Subscribes `observer` to every later committed write, until the returned subscription
    /// is cancelled. Any number of observers may be subscribed. The Kotlin `dataChanges()` flow
    /// and the Swift `dataChanges` sequence are built on it.
    pub fn subscribe(&self, observer: Arc<dyn DataObserver>) -> Result<Arc<DataSubscription>> {
        let subscription = self.core()?.subscribe(Arc::new(Forward(observer)));
        Ok(DataSubscription::new(subscription))
    }

    /// The id of the user this database belongs to.
    pub fn user_id(&self) -> Result<Uuid> {
        Ok(self.core()?.user_id())
    }

    /// The id this installation uses in the change log.
    pub fn device_id(&self) -> Result<Uuid> {
        Ok(self.core()?.device_id())
    }

    /// Change-log entries after `afterSeq` (0 for the start), oldest first, at most `limit`:
    /// what the sync engine will push.
    pub fn changes(&self, after_seq: i64, limit: i32) -> Result<Vec<Change>> {
        Ok(self.core()?.changes(after_seq, count("limit", limit)?)?)
    }
}

impl StudyMateClient {
    /// Wraps an opened core client.
    pub(crate) fn from_core(core: CoreClient) -> Arc<Self> {
        Arc::new(StudyMateClient {
            core: RwLock::new(Some(Arc::new(core))),
        })
    }

    /// Takes the core client out, closing this one for later calls (`None` if already closed).
    pub(crate) fn take_core(&self) -> Option<Arc<CoreClient>> {
        self.core
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// Puts back a core client taken with [`StudyMateClient::take_core`] that could not be used.
    pub(crate) fn restore_core(&self, core: Arc<CoreClient>) {
        *self.core.write().unwrap_or_else(PoisonError::into_inner) = Some(core);
    }

    /// The open core client, or `Closed`.
    pub(crate) fn core(&self) -> Result<Arc<CoreClient>> {
        self.core
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or(StudyMateError::Closed)
    }

    /// Runs `call` on the open core client on a worker thread named `name` (an async export).
    /// Core announces what a write committed to the subscribed observers from that thread, so
    /// they hear of it even when the caller stopped waiting.
    pub(crate) fn background<T, F>(&self, name: &str, call: F) -> Offloaded<T>
    where
        T: Send + 'static,
        F: FnOnce(&CoreClient) -> CoreResult<T> + Send + 'static,
    {
        let core = self.core();
        offload(name, move || Ok(call(&*core?)?))
    }
}

impl std::fmt::Display for StudyMateClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.core() {
            Ok(core) => write!(f, "StudyMateClient(user {})", core.user_id()),
            Err(_) => f.write_str("StudyMateClient(closed)"),
        }
    }
}

/// A count the app passed as a signed number (Kotlin `Int`, Swift `Int32`), checked to be at
/// least 0 and converted for core.
pub(crate) fn count<T: TryFrom<i32>>(field: &str, value: i32) -> Result<T> {
    T::try_from(value)
        .map_err(|_| StudyMateError::invalid(field, format!("must not be negative (got {value})")))
}

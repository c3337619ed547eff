//! The `Client` object: one per user database, opened on a file path, shared by every thread of
//! the app (it is an `Arc` on both sides). Also the change-log read and the observer hook that
//! the domain modules fire after their writes.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use studymate_core::changelog::{Change, Entity, Operation};
use studymate_core::{Client as CoreClient, OpenOptions as CoreOptions, Result as CoreResult};
use uuid::Uuid;

use crate::error::{Result, StudyMateError};
use crate::observer::{self, DataChange, DataObserver};
use crate::types::{Json, Timestamp};

/// How to open a user's database.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OpenOptions {
    /// The signed-in user. `None` on a new database makes a fresh id; on an existing one, uses
    /// the stored id. A different id than the stored one is refused with `Conflict`.
    #[uniffi(default = None)]
    pub user_id: Option<Uuid>,
    /// How long a call waits for a lock held by another process before failing, in milliseconds.
    #[uniffi(default = 5000)]
    pub busy_timeout_ms: u32,
    /// `true` makes every commit survive power loss; the default survives the app being killed.
    #[uniffi(default = false)]
    pub full_sync: bool,
}

impl OpenOptions {
    /// The core's options with these values (no key: `open_encrypted` adds one).
    pub(crate) fn to_core(&self) -> CoreOptions {
        CoreOptions {
            user_id: self.user_id,
            busy_timeout: Duration::from_millis(u64::from(self.busy_timeout_ms)),
            full_sync: self.full_sync,
            ..CoreOptions::default()
        }
    }
}

/// The local database of one user and every call an app makes on it.
///
/// Thread-safe: share one instance. Every call blocks its thread until done (reads take
/// milliseconds); the long ones, `import_catalog` and `complete_practice`, are async and run on
/// a worker thread. See `bindings/README.md` for the threading model.
#[derive(uniffi::Object)]
pub struct Client {
    core: RwLock<Option<Arc<CoreClient>>>,
    observer: Notifier,
}

/// The app's data observer slot. The async calls take a clone to their worker thread and
/// announce a committed write from there, so the observer hears of it even when the caller
/// stopped waiting (a cancelled coroutine or task); whichever observer is set at that moment
/// is told.
#[derive(Clone, Default)]
pub(crate) struct Notifier(Arc<RwLock<Option<Arc<dyn DataObserver>>>>);

impl Notifier {
    /// Tells the observer, if any, what a committed write changed.
    pub(crate) fn changed(&self, change: DataChange) {
        let observer = self
            .0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(observer) = observer {
            observer::notify(&observer, change);
        }
    }
}

#[uniffi::export]
impl Client {
    /// Creates or opens the user's database file at `path` (its directory must exist), applies
    /// pending migrations and makes sure the user's profile exists.
    #[uniffi::constructor]
    pub fn open(path: String, options: OpenOptions) -> Result<Arc<Self>> {
        Ok(Self::from_core(CoreClient::open(&path, options.to_core())?))
    }

    /// Closes the database now, even while other references to this client exist. Later calls
    /// fail with `Closed`; a call already running finishes first. Closing twice is harmless.
    ///
    /// Not named `close`: Kotlin's generated `close()` (`AutoCloseable`) releases the handle
    /// instead, after which calls throw `IllegalStateException` on the Kotlin side.
    pub fn close_database(&self) {
        self.take_core();
    }

    /// Whether [`Client::close_database`] was called.
    pub fn is_closed(&self) -> bool {
        self.core
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none()
    }

    /// Sets (or with `None`, removes) the observer told about each successful write.
    pub fn set_observer(&self, observer: Option<Arc<dyn DataObserver>>) {
        *self
            .observer
            .0
            .write()
            .unwrap_or_else(PoisonError::into_inner) = observer;
    }

    /// The id of the user this database belongs to.
    pub fn user_id(&self) -> Result<Uuid> {
        Ok(self.core()?.user_id())
    }

    /// The id this installation uses in the change log.
    pub fn device_id(&self) -> Result<Uuid> {
        Ok(self.core()?.device_id())
    }

    /// Change-log entries after `after_seq` (0 for the start), oldest first, at most `limit`:
    /// what the sync engine will push.
    pub fn changes(&self, after_seq: i64, limit: u32) -> Result<Vec<Change>> {
        Ok(self.core()?.changes(after_seq, limit)?)
    }
}

impl Client {
    /// Wraps an opened core client.
    pub(crate) fn from_core(core: CoreClient) -> Arc<Self> {
        Arc::new(Client {
            core: RwLock::new(Some(Arc::new(core))),
            observer: Notifier::default(),
        })
    }

    /// Takes the core client out, closing this one for later calls (`None` if already closed).
    pub(crate) fn take_core(&self) -> Option<Arc<CoreClient>> {
        self.core
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// Puts back a core client taken with [`Client::take_core`] that could not be used.
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

    /// Runs a write on the open core client; once it has committed, tells the observer what it
    /// changed (`change` of the result). A failed write tells nobody.
    pub(crate) fn write<T>(
        &self,
        call: impl FnOnce(&CoreClient) -> CoreResult<T>,
        change: impl FnOnce(&T) -> DataChange,
    ) -> Result<T> {
        let out = call(&*self.core()?)?;
        self.changed(change(&out));
        Ok(out)
    }

    /// Tells the observer, if any, what a committed write changed.
    pub(crate) fn changed(&self, change: DataChange) {
        self.observer.changed(change);
    }

    /// The observer slot, for a worker thread to announce what it committed.
    pub(crate) fn notifier(&self) -> Notifier {
        self.observer.clone()
    }
}

#[uniffi::remote(Enum)]
pub enum Entity {
    Profile,
    UserLanguage,
    UserInterest,
    Onboarding,
    PracticeSession,
    PointTransaction,
    UserAchievement,
    ChatRoom,
    ChatParticipant,
    ChatMessage,
    ReadMarker,
}

#[uniffi::remote(Enum)]
pub enum Operation {
    Insert,
    Update,
    Delete,
}

/// One change-log entry, as the sync engine will push it.
#[uniffi::remote(Record)]
pub struct Change {
    /// Local sequence number, increasing.
    pub seq: i64,
    /// Globally unique id of the change (idempotent push).
    pub change_id: Uuid,
    /// The kind of record.
    pub entity: Entity,
    /// The record's key.
    pub entity_id: String,
    /// What happened.
    pub operation: Operation,
    /// The record or the changed fields.
    pub payload: Json,
    /// When the change was made.
    pub created_at: Timestamp,
}

//! The one error type of the library: every fallible call returns [`Error`], whose variants
//! say what the caller can do about it.

use std::fmt;

/// Why a call failed. Match on the variant to decide what to show or retry.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The record the call refers to does not exist (or is not visible to this user).
    #[error("{entity} {id} not found")]
    NotFound {
        /// Kind of record, e.g. `"chat_room"`.
        entity: &'static str,
        /// The id that was looked up.
        id: String,
    },
    /// The caller passed a value the library refuses; nothing was written.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The argument or field that is wrong, e.g. `"content"`.
        field: String,
        /// Why it is wrong, in words a developer can act on.
        reason: String,
    },
    /// The call contradicts the current state in a way no other kind names (a duplicate, a
    /// session or message in the wrong state, the server's 409).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A debit (a purchase, a spend) needs more points than the balance holds; nothing was written.
    #[error("not enough points: the balance is {available}, this needs {needed}")]
    InsufficientPoints {
        /// Points available before the debit.
        available: i64,
        /// Points the debit needs.
        needed: i64,
    },
    /// The learner already holds the most streak freezes allowed.
    #[error("already holding {held} streak freezes, the most allowed is {max}")]
    FreezeLimitReached {
        /// Freezes held now.
        held: u32,
        /// The limit.
        max: u32,
    },
    /// A practice session is still open (in progress or paused): complete or abandon it before
    /// starting another.
    #[error("practice session {session_id} is still open: complete or abandon it first")]
    SessionOpen {
        /// The open session.
        session_id: uuid::Uuid,
    },
    /// Another sync of this database file is running (in this or another client or process).
    #[error("a sync of this database is already running")]
    SyncRunning,
    /// SQLite failed; [`StorageKind`] says how, and the SQLite error is kept as the source.
    #[error("{}", describe_database(*.kind, .source))]
    Database {
        /// What kind of failure it is.
        kind: StorageKind,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// Stored data could not be read back (malformed JSON or ids in the database, a worker
    /// thread that could not start): the database file is damaged or was written by another
    /// program.
    #[error("storage error: {0}")]
    Storage(String),
    /// Applying the schema migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// The database was written by a newer version of the library; this version must not touch it.
    #[error("database schema version {found} is newer than this library supports ({supported})")]
    NewerDatabase {
        /// Highest migration applied to the file.
        found: u32,
        /// Highest migration this library knows.
        supported: u32,
    },
    /// The server could not be reached or did not answer in time, even after the retries
    /// (offline, timeout, connection dropped, 5xx/429 that did not clear). Retryable: nothing
    /// local was lost; sync again later.
    #[error("network error: {0}")]
    Network(String),
    /// The server refused the credentials and a token refresh did not help: the user must sign
    /// in again.
    #[error("authentication failed: {0}")]
    Auth(String),
    /// The server answered something this client cannot accept: malformed JSON, wrong types, an
    /// incompatible protocol version, a cursor going backwards, or rows outside the user's scope.
    /// Nothing of the offending answer was applied.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The database is encrypted and the key given does not open it (or a key was given for a
    /// plain file: encrypt it first with [`crate::privacy::encrypt_database`]). Nothing was
    /// read or written; ask the platform key store again, never guess.
    #[error("the database key is wrong, or the file is not encrypted with it")]
    WrongKey,
    /// The server says this account was deleted. The sync erased every local row of it before
    /// returning this; call [`crate::Client::wipe`] to delete the files and sign the user out.
    #[error("the account was deleted; the local data of it was erased")]
    AccountDeleted,
    /// The caller cancelled the operation; what was committed before stays, and the database
    /// is consistent.
    #[error("cancelled")]
    Cancelled,
}

/// Shorthand used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Builds an [`Error::InvalidInput`] naming the field and the reason.
    pub fn invalid(field: impl Into<String>, reason: impl fmt::Display) -> Self {
        Error::InvalidInput {
            field: field.into(),
            reason: reason.to_string(),
        }
    }

    /// Builds an [`Error::NotFound`].
    pub fn not_found(entity: &'static str, id: impl fmt::Display) -> Self {
        Error::NotFound {
            entity,
            id: id.to_string(),
        }
    }
}

/// How SQLite failed, so the caller can tell a retry (busy) from a full disk, a damaged file or
/// a file it may not write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum StorageKind {
    /// Another connection or process held the database past the busy timeout; retry later.
    Busy,
    /// The disk (or the database's size limit) is full; free space, then retry.
    Full,
    /// The file is not a database or is damaged.
    Corrupt,
    /// The file or its folder cannot be written (permissions, a read-only medium).
    ReadOnly,
    /// Any other SQLite failure (I/O error, a constraint the library did not expect).
    Other,
}

impl StorageKind {
    /// The kind of `err`, from its SQLite result code.
    pub fn of(err: &rusqlite::Error) -> StorageKind {
        use rusqlite::ErrorCode as C;
        match err.sqlite_error_code() {
            Some(C::DatabaseBusy | C::DatabaseLocked) => StorageKind::Busy,
            Some(C::DiskFull) => StorageKind::Full,
            Some(C::DatabaseCorrupt | C::NotADatabase) => StorageKind::Corrupt,
            Some(C::ReadOnly | C::CannotOpen | C::PermissionDenied) => StorageKind::ReadOnly,
            _ => StorageKind::Other,
        }
    }
}

/// The message of [`Error::Database`]: what happened in words, then SQLite's own.
fn describe_database(kind: StorageKind, source: &rusqlite::Error) -> String {
    let what = match kind {
        StorageKind::Busy => "the database is busy (another connection held it too long)",
        StorageKind::Full => "the disk is full",
        StorageKind::Corrupt => {
            "the database file is damaged or is not a database (an encrypted one opens only with its key)"
        }
        StorageKind::ReadOnly => "the database file cannot be written",
        StorageKind::Other => "the database failed",
    };
    format!("{what}: {source}")
}

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        Error::Database {
            kind: StorageKind::of(&err),
            source: err,
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(err: serde_json::Error) -> Self {
        Error::Storage(format!("stored JSON could not be read: {err}"))
    }
}

impl From<crate::rewards::RewardsError> for Error {
    fn from(err: crate::rewards::RewardsError) -> Self {
        use crate::rewards::RewardsError as R;
        match &err {
            R::UnknownTimeZone(_) => Error::invalid("time_zone", &err),
            R::NonPositiveAmount { .. } => Error::invalid("amount", &err),
            R::InsufficientPoints { balance, amount } => Error::InsufficientPoints {
                available: *balance,
                needed: *amount,
            },
            R::FreezeLimitReached { held, max } => Error::FreezeLimitReached {
                held: *held,
                max: *max,
            },
            R::UnknownRequirementType(_) | R::InvalidRequirement(_) => {
                Error::invalid("requirements", &err)
            }
            R::InvalidPeriodKey(_) => Error::Storage(err.to_string()),
        }
    }
}

impl From<crate::scoring::ScoringError> for Error {
    fn from(err: crate::scoring::ScoringError) -> Self {
        use crate::scoring::ScoringError as S;
        match err {
            S::InvalidAnswer { field, reason } => Error::InvalidInput { field, reason },
            S::InvalidReference { field, reason } => Error::Storage(format!(
                "the catalog variation cannot be scored: {field}: {reason}"
            )),
        }
    }
}

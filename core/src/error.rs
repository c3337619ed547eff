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
    /// The call contradicts the current state (a duplicate, a wrong session state, an overdraft).
    #[error("conflict: {0}")]
    Conflict(String),
    /// SQLite failed: disk full, I/O error, a file that is not a database or is corrupt.
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

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        Error::Storage(err.to_string())
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
            R::InsufficientPoints { .. } | R::FreezeLimitReached { .. } => {
                Error::Conflict(err.to_string())
            }
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

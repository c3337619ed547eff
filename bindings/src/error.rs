//! The one error every call throws: a Kotlin sealed exception class (`StudyMateException`) and
//! a Swift `enum StudyMateError: Error` an app can switch on.
//!
//! The variants are the stable list the apps code against. Core's storage and domain errors map
//! one to one, and so do the sync engine's `Network`, `Auth`, `Protocol` and `Cancelled`. `Closed` is this layer's own: a call on a
//! [`crate::Client`] after `close_database()`.

use std::fmt;

use studymate_core::Error as CoreError;

/// Why a call failed. Each variant carries what an app needs to decide what to show or retry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum StudyMateError {
    /// The app passed a value the library refuses; nothing was written.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The argument or field that is wrong, e.g. `"content"`.
        field: String,
        /// Why it is wrong, in words a developer can act on.
        reason: String,
    },
    /// The record the call refers to does not exist (or is not visible to this user).
    #[error("{entity} {id} not found")]
    NotFound {
        /// Kind of record, e.g. `"chat_room"`.
        entity: String,
        /// The id that was looked up.
        id: String,
    },
    /// The call contradicts the current state: a duplicate, a wrong session state, too few points.
    #[error("conflict: {detail}")]
    Conflict {
        /// What conflicts.
        detail: String,
    },
    /// SQLite failed: disk full, I/O error, a file that is not a database or is corrupt.
    #[error("storage error: {detail}")]
    Storage {
        /// SQLite's account of the failure.
        detail: String,
    },
    /// Applying the schema migrations failed.
    #[error("migration failed: {detail}")]
    Migration {
        /// Which migration failed and why.
        detail: String,
    },
    /// The database was written by a newer version of the library; this version must not touch it.
    #[error("database schema version {found} is newer than this library supports ({supported})")]
    NewerDatabase {
        /// Highest migration applied to the file.
        found: u32,
        /// Highest migration this library knows.
        supported: u32,
    },
    /// Sync only: the server could not be reached or the connection broke; retry later.
    #[error("network error: {detail}")]
    Network {
        /// What failed.
        detail: String,
    },
    /// Sync only: the server refused the access token; sign in again.
    #[error("authentication failed: {detail}")]
    Auth {
        /// The server's reason.
        detail: String,
    },
    /// Sync only: the server answered something this library does not understand.
    #[error("protocol error: {detail}")]
    Protocol {
        /// What was unexpected.
        detail: String,
    },
    /// Sync only: the operation was cancelled by the app.
    #[error("cancelled")]
    Cancelled,
    /// The database is encrypted and the key given does not open it (or the file is plain:
    /// encrypt it first with `encryptDatabase`).
    #[error("the database key is wrong, or the file is not encrypted with it")]
    WrongKey,
    /// Sync only: the account was deleted on the server; the local data was erased. Call
    /// `wipe()` and show the sign-in screen.
    #[error("the account was deleted")]
    AccountDeleted,
    /// The client was closed; open a new one.
    #[error("the client is closed")]
    Closed,
}

impl StudyMateError {
    /// Builds an [`StudyMateError::InvalidInput`] naming the field and the reason.
    pub fn invalid(field: impl Into<String>, reason: impl fmt::Display) -> Self {
        StudyMateError::InvalidInput {
            field: field.into(),
            reason: reason.to_string(),
        }
    }
}

impl From<CoreError> for StudyMateError {
    fn from(err: CoreError) -> Self {
        match err {
            CoreError::NotFound { entity, id } => StudyMateError::NotFound {
                entity: entity.to_owned(),
                id,
            },
            CoreError::InvalidInput { field, reason } => {
                StudyMateError::InvalidInput { field, reason }
            }
            CoreError::Conflict(detail) => StudyMateError::Conflict { detail },
            CoreError::Storage(detail) => StudyMateError::Storage { detail },
            CoreError::Migration(detail) => StudyMateError::Migration { detail },
            CoreError::NewerDatabase { found, supported } => {
                StudyMateError::NewerDatabase { found, supported }
            }
            CoreError::Network(detail) => StudyMateError::Network { detail },
            CoreError::Auth(detail) => StudyMateError::Auth { detail },
            CoreError::Protocol(detail) => StudyMateError::Protocol { detail },
            CoreError::Cancelled => StudyMateError::Cancelled,
            CoreError::WrongKey => StudyMateError::WrongKey,
            CoreError::AccountDeleted => StudyMateError::AccountDeleted,
            // Core's error is non-exhaustive: a variant added before this list learns it still
            // reaches the app, as a storage-level failure with its message.
            other => StudyMateError::Storage {
                detail: other.to_string(),
            },
        }
    }
}

/// An exception thrown by the app's [`crate::sync::TokenProvider`] that is not a
/// `StudyMateError`: a failure of the app's own storage or networking, so `Network` (retry
/// later) rather than `Auth` (which would sign the user out).
impl From<uniffi::UnexpectedUniFFICallbackError> for StudyMateError {
    fn from(err: uniffi::UnexpectedUniFFICallbackError) -> Self {
        StudyMateError::Network {
            detail: format!("the app's token provider failed: {}", err.reason),
        }
    }
}

/// Shorthand for the exported calls.
pub type Result<T, E = StudyMateError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_keep_their_kind_and_fields() {
        let cases = [
            (
                CoreError::not_found("chat_room", "r1"),
                StudyMateError::NotFound {
                    entity: "chat_room".into(),
                    id: "r1".into(),
                },
            ),
            (
                CoreError::invalid("limit", "must be at least 1"),
                StudyMateError::invalid("limit", "must be at least 1"),
            ),
            (
                CoreError::Conflict("open session".into()),
                StudyMateError::Conflict {
                    detail: "open session".into(),
                },
            ),
            (
                CoreError::Storage("disk full".into()),
                StudyMateError::Storage {
                    detail: "disk full".into(),
                },
            ),
            (
                CoreError::Migration("V3".into()),
                StudyMateError::Migration {
                    detail: "V3".into(),
                },
            ),
            (
                CoreError::NewerDatabase {
                    found: 9,
                    supported: 4,
                },
                StudyMateError::NewerDatabase {
                    found: 9,
                    supported: 4,
                },
            ),
            (
                CoreError::Network("timed out".into()),
                StudyMateError::Network {
                    detail: "timed out".into(),
                },
            ),
            (
                CoreError::Auth("401".into()),
                StudyMateError::Auth {
                    detail: "401".into(),
                },
            ),
            (
                CoreError::Protocol("bad json".into()),
                StudyMateError::Protocol {
                    detail: "bad json".into(),
                },
            ),
            (CoreError::Cancelled, StudyMateError::Cancelled),
        ];
        for (core, ffi) in cases {
            let message = core.to_string();
            let mapped = StudyMateError::from(core);
            assert_eq!(mapped, ffi);
            assert_eq!(mapped.to_string(), message, "the message reads the same");
        }
    }
}

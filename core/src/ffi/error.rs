//! The one error every foreign call throws: a Kotlin sealed exception class
//! (`StudyMateException`) and a Swift `enum StudyMateError: Error` an app can switch on.
//!
//! It is a *flat* error: on the foreign side each case carries only its message, which is this
//! type's text written for a person (never `field=…, reason=…`, never empty). The fields stay on
//! the Rust side, for the message and for Rust callers. Every [`crate::Error`] maps to it here,
//! once; `Closed` is the bindings' own (a call after the client was closed).

use std::fmt;

use crate::error::{Error, StorageKind};

/// Why a call failed. Each case names what the app can do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum StudyMateError {
    /// The app passed a value the library refuses; nothing was written. Fix the value.
    #[error("{field} is not accepted: {reason}")]
    InvalidInput {
        /// The argument or field that is wrong.
        field: String,
        /// Why it is wrong.
        reason: String,
    },
    /// The record the call refers to does not exist on this device (or belongs to someone else).
    #[error("no {entity} with id {id} on this device")]
    NotFound {
        /// The kind of record, in words.
        entity: String,
        /// The id that was looked up.
        id: String,
    },
    /// The call contradicts the current state (a duplicate, a session or message in the wrong
    /// state, a username already taken).
    #[error("{detail}")]
    Conflict {
        /// What conflicts.
        detail: String,
    },
    /// A purchase or spend needs more points than the balance holds; nothing was written.
    #[error("not enough points: the balance is {available}, this needs {needed}")]
    InsufficientPoints {
        /// Points available.
        available: i64,
        /// Points needed.
        needed: i64,
    },
    /// The learner already holds the most streak freezes allowed.
    #[error("already holding {held} streak freezes, the most allowed is {max}")]
    FreezeLimitReached {
        /// Freezes held.
        held: u32,
        /// The limit.
        max: u32,
    },
    /// Another practice session is still open: resume it, complete it or abandon it first.
    #[error("practice session {session_id} is still open: complete or abandon it first")]
    SessionOpen {
        /// The open session's id.
        session_id: String,
    },
    /// Another sync of this database is running (in this app or another process); wait for it.
    #[error("a sync of this database is already running")]
    SyncRunning,
    /// The database stayed locked by another connection or process past the busy timeout; retry.
    #[error("{detail}")]
    StorageBusy {
        /// What happened.
        detail: String,
    },
    /// The disk is full; ask the user to free space, then retry.
    #[error("{detail}")]
    StorageFull {
        /// What happened.
        detail: String,
    },
    /// The database file is damaged or is not a database.
    #[error("{detail}")]
    StorageCorrupt {
        /// What happened.
        detail: String,
    },
    /// The database file or its folder cannot be written.
    #[error("{detail}")]
    StorageReadOnly {
        /// What happened.
        detail: String,
    },
    /// Any other storage failure (an I/O error, stored data that cannot be read back).
    #[error("{detail}")]
    Storage {
        /// What happened.
        detail: String,
    },
    /// Upgrading the database's schema failed; the file is unchanged.
    #[error("the database could not be upgraded: {detail}")]
    Migration {
        /// Which step failed and why.
        detail: String,
    },
    /// The database was written by a newer version of the app; this version must not touch it.
    #[error(
        "the database was written by a newer version of the app (schema {found}, this version knows up to {supported}); update the app"
    )]
    NewerDatabase {
        /// The file's schema version.
        found: u32,
        /// The newest schema version this library knows.
        supported: u32,
    },
    /// The server could not be reached or the connection broke; retry later.
    #[error("the server could not be reached: {detail}")]
    Network {
        /// What failed.
        detail: String,
    },
    /// The server refused the sign-in; the user must sign in again.
    #[error("signing in is needed again: {detail}")]
    Auth {
        /// The server's reason.
        detail: String,
    },
    /// The server answered something this version does not understand; nothing of it was applied.
    #[error("the server's answer was not understood: {detail}")]
    Protocol {
        /// What was unexpected.
        detail: String,
    },
    /// The app cancelled the operation; what was saved before stays.
    #[error("the operation was cancelled; what was saved before it stays")]
    Cancelled,
    /// The database is encrypted and the key given does not open it, or a key was given for a
    /// plain file (encrypt it first with `encryptDatabase`). Nothing was read or written; ask
    /// the platform key store again, never guess.
    #[error("the database key is wrong, or the file is not encrypted with it")]
    WrongKey,
    /// The server says this account was deleted; the sync erased its local data. Call `wipe()`
    /// and show the sign-in screen.
    #[error("the account was deleted on the server; its data on this device was erased")]
    AccountDeleted,
    /// The client was closed; open a new one.
    #[error("the client is closed: open the database again")]
    Closed,
}

impl StudyMateError {
    /// Builds a [`StudyMateError::InvalidInput`] naming the field and the reason.
    pub fn invalid(field: impl Into<String>, reason: impl fmt::Display) -> Self {
        StudyMateError::InvalidInput {
            field: field.into(),
            reason: reason.to_string(),
        }
    }
}

impl From<Error> for StudyMateError {
    fn from(err: Error) -> Self {
        StudyMateError::from(&err)
    }
}

/// By reference, for errors the caller keeps (live sync reports a failed run and goes on).
impl From<&Error> for StudyMateError {
    fn from(err: &Error) -> Self {
        match err {
            Error::NotFound { entity, id } => StudyMateError::NotFound {
                entity: entity.replace('_', " "),
                id: id.clone(),
            },
            Error::InvalidInput { field, reason } => StudyMateError::InvalidInput {
                field: field.clone(),
                reason: reason.clone(),
            },
            Error::Conflict(detail) => StudyMateError::Conflict {
                detail: detail.clone(),
            },
            Error::InsufficientPoints { available, needed } => StudyMateError::InsufficientPoints {
                available: *available,
                needed: *needed,
            },
            Error::FreezeLimitReached { held, max } => StudyMateError::FreezeLimitReached {
                held: *held,
                max: *max,
            },
            Error::SessionOpen { session_id } => StudyMateError::SessionOpen {
                session_id: session_id.to_string(),
            },
            Error::SyncRunning => StudyMateError::SyncRunning,
            Error::Database { kind, .. } => {
                let detail = err.to_string();
                match kind {
                    StorageKind::Busy => StudyMateError::StorageBusy { detail },
                    StorageKind::Full => StudyMateError::StorageFull { detail },
                    StorageKind::Corrupt => StudyMateError::StorageCorrupt { detail },
                    StorageKind::ReadOnly => StudyMateError::StorageReadOnly { detail },
                    StorageKind::Other => StudyMateError::Storage { detail },
                }
            }
            Error::Storage(detail) => StudyMateError::Storage {
                detail: format!("stored data could not be read: {detail}"),
            },
            Error::Migration(detail) => StudyMateError::Migration {
                detail: detail.clone(),
            },
            Error::NewerDatabase { found, supported } => StudyMateError::NewerDatabase {
                found: *found,
                supported: *supported,
            },
            Error::Network(detail) => StudyMateError::Network {
                detail: detail.clone(),
            },
            Error::Auth(detail) => StudyMateError::Auth {
                detail: detail.clone(),
            },
            Error::Protocol(detail) => StudyMateError::Protocol {
                detail: detail.clone(),
            },
            Error::Cancelled => StudyMateError::Cancelled,
            Error::WrongKey => StudyMateError::WrongKey,
            Error::AccountDeleted => StudyMateError::AccountDeleted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_keeps_its_case_and_reads_as_a_sentence() {
        let busy = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            None,
        );
        let full = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        );
        let cases = [
            (
                Error::not_found("chat_room", "r1"),
                "no chat room with id r1 on this device",
            ),
            (
                Error::invalid("limit", "must be at least 1"),
                "limit is not accepted: must be at least 1",
            ),
            (
                Error::InsufficientPoints {
                    available: 3,
                    needed: 50,
                },
                "not enough points: the balance is 3, this needs 50",
            ),
            (
                Error::SyncRunning,
                "a sync of this database is already running",
            ),
            (Error::from(busy), "the database is busy"),
            (Error::from(full), "the disk is full"),
            (Error::Cancelled, "the operation was cancelled"),
            (Error::WrongKey, "the database key is wrong"),
            (Error::AccountDeleted, "the account was deleted"),
        ];
        for (core, start) in cases {
            let message = StudyMateError::from(core).to_string();
            assert!(
                message.starts_with(start),
                "{message:?} should start with {start:?}"
            );
            assert!(!message.contains("field="), "{message}");
        }
        assert!(!StudyMateError::Closed.to_string().is_empty());
        let full = StudyMateError::from(Error::from(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        )));
        assert!(matches!(full, StudyMateError::StorageFull { .. }));
    }
}

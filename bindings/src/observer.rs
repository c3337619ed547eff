//! The data-change observer: after each successful write, the app is told which parts of the
//! local data changed (and which chat rooms), so a screen showing them can reload.
//!
//! The observer is called after the write's transaction committed: on the thread that made the
//! write, or for the async calls (`importCatalog`, `completePractice`, `sync`) on their worker
//! thread, so it hears of the write even when the caller was cancelled.
//! It must return quickly (post to the UI thread; do not call back into the library
//! synchronously from it). An exception thrown inside it is logged, never turned into a failure
//! of the write that already succeeded.

use std::sync::Arc;

use uuid::Uuid;

use crate::callback::CallbackError;

/// A part of the local data a screen may show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum DataArea {
    /// The user's profile fields.
    Profile,
    /// The user's languages.
    Languages,
    /// The user's interests.
    Interests,
    /// Onboarding progress.
    Onboarding,
    /// Public profiles of the people the user chats with.
    Contacts,
    /// Situations, variations and achievement definitions.
    Catalog,
    /// Practice sessions and their dialogue.
    Practice,
    /// The points ledger (balance, level, streak derive from it).
    Points,
    /// Unlocked achievements.
    Achievements,
    /// Chat rooms and memberships.
    ChatRooms,
    /// Chat messages and read markers (see [`DataChange::rooms`]).
    ChatMessages,
}

/// What one write changed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DataChange {
    /// The changed areas, each once.
    pub areas: Vec<DataArea>,
    /// The chat rooms whose messages, members or read markers changed; empty for other writes.
    pub rooms: Vec<Uuid>,
}

impl DataChange {
    /// A change of `areas` outside chat.
    pub fn of(areas: &[DataArea]) -> Self {
        DataChange {
            areas: areas.to_vec(),
            rooms: Vec::new(),
        }
    }

    /// A change of `areas` in chat room `room`.
    pub fn in_room(areas: &[DataArea], room: Uuid) -> Self {
        DataChange {
            areas: areas.to_vec(),
            rooms: vec![room],
        }
    }
}

/// Implemented by the app to hear about local data changes (Kotlin interface / Swift protocol).
#[uniffi::export(with_foreign)]
pub trait DataObserver: Send + Sync {
    /// Called once after each successful write with what it changed.
    fn on_change(&self, change: DataChange) -> Result<(), CallbackError>;
}

/// Calls `observer` with `change`; its failure is logged, the write stays committed.
pub(crate) fn notify(observer: &Arc<dyn DataObserver>, change: DataChange) {
    if let Err(e) = observer.on_change(change) {
        tracing::warn!(error = %e, "the data observer failed; the change was committed");
    }
}

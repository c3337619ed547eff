//! Change notification: after each write commits, the client tells its listeners which parts of
//! the local data changed (and which chat rooms), so a screen showing them can reload. One
//! mechanism for every write, local or synced; the bindings and the demo subscribe to it.
//!
//! Listeners are called on the thread that made the write, after its transaction committed and
//! before the call returns. They must return quickly and must not call back into the client
//! synchronously (post to the UI thread instead).

use std::sync::{Arc, PoisonError, RwLock, Weak};

use uuid::Uuid;

use crate::client::Client;
use crate::error::Result;
#[cfg(feature = "client")]
use crate::sync::Changed;
use crate::sync::protocol::ServerEntity;

/// A part of the local data a screen may show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
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
    /// The points ledger (balance, level and streak derive from it).
    Points,
    /// Unlocked achievements.
    Achievements,
    /// Chat rooms and memberships.
    ChatRooms,
    /// Chat messages and read markers (the rooms are listed in the change).
    ChatMessages,
}

impl DataArea {
    /// Every area, in declaration order (what a failed sync may have touched).
    pub const ALL: &'static [DataArea] = &[
        DataArea::Profile,
        DataArea::Languages,
        DataArea::Interests,
        DataArea::Onboarding,
        DataArea::Contacts,
        DataArea::Catalog,
        DataArea::Practice,
        DataArea::Points,
        DataArea::Achievements,
        DataArea::ChatRooms,
        DataArea::ChatMessages,
    ];

    /// The area that server changes of `entity` touch.
    pub fn of_entity(entity: ServerEntity) -> DataArea {
        match entity {
            ServerEntity::Situation | ServerEntity::Variation | ServerEntity::Achievement => {
                DataArea::Catalog
            }
            ServerEntity::Profile => DataArea::Profile,
            ServerEntity::PublicProfile => DataArea::Contacts,
            ServerEntity::UserLanguage => DataArea::Languages,
            ServerEntity::UserInterest => DataArea::Interests,
            ServerEntity::Onboarding => DataArea::Onboarding,
            ServerEntity::PracticeSession => DataArea::Practice,
            ServerEntity::PointTransaction => DataArea::Points,
            ServerEntity::UserAchievement => DataArea::Achievements,
            ServerEntity::ChatRoom => DataArea::ChatRooms,
            ServerEntity::ChatMessage | ServerEntity::ReadMarker => DataArea::ChatMessages,
        }
    }
}

/// What one committed write changed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
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

    /// What a sync run changed, if anything.
    #[cfg(feature = "client")]
    pub(crate) fn of_sync(changed: &Changed) -> Option<Self> {
        let mut areas: Vec<DataArea> = Vec::new();
        for area in changed.entities.iter().map(|e| DataArea::of_entity(*e)) {
            if !areas.contains(&area) {
                areas.push(area);
            }
        }
        (!areas.is_empty()).then(|| DataChange {
            areas,
            rooms: changed.rooms.to_vec(),
        })
    }
}

/// Hears of every committed write of a [`Client`].
pub trait ChangeListener: Send + Sync {
    /// Called once after each committed write with what it changed.
    fn changed(&self, change: &DataChange);
}

/// The listeners of one client, each under the id its [`Subscription`] removes it by.
#[derive(Default)]
pub(crate) struct Listeners {
    list: RwLock<ListenerList>,
}

/// The subscribed listeners and the last id handed out.
#[derive(Default)]
struct ListenerList {
    /// The id of the most recent subscription (ids are never reused).
    last_id: u64,
    /// Each listener with its subscription id, in subscription order.
    entries: Vec<(u64, Arc<dyn ChangeListener>)>,
}

impl Listeners {
    /// Tells every listener about `change`.
    fn announce(&self, change: &DataChange) {
        let listeners: Vec<Arc<dyn ChangeListener>> = self
            .list
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .entries
            .iter()
            .map(|(_, l)| Arc::clone(l))
            .collect();
        for listener in listeners {
            listener.changed(change);
        }
    }
}

/// Keeps a listener subscribed; dropping it (or [`Subscription::cancel`]) unsubscribes.
#[must_use = "the listener is unsubscribed when the subscription is dropped"]
pub struct Subscription {
    id: u64,
    listeners: Weak<Listeners>,
}

impl Subscription {
    /// Unsubscribes the listener now (also done on drop). Calling it twice is harmless.
    pub fn cancel(&self) {
        if let Some(listeners) = self.listeners.upgrade() {
            listeners
                .list
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .entries
                .retain(|(id, _)| *id != self.id);
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.cancel();
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .finish()
    }
}

impl Client {
    /// Subscribes `listener` to every later committed write of this client, until the returned
    /// [`Subscription`] is dropped. Any number of listeners may be subscribed.
    pub fn subscribe(&self, listener: Arc<dyn ChangeListener>) -> Subscription {
        let mut list = self
            .listeners
            .list
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        list.last_id = list.last_id.wrapping_add(1);
        let id = list.last_id;
        list.entries.push((id, listener));
        Subscription {
            id,
            listeners: Arc::downgrade(&self.listeners),
        }
    }

    /// Tells the listeners what a committed write changed.
    pub(crate) fn announce(&self, change: &DataChange) {
        self.listeners.announce(change);
    }

    /// Runs `write` in one transaction and, once it committed, announces what `change` says it
    /// changed. A failed write announces nothing.
    pub(crate) fn write_announced<T>(
        &self,
        change: impl FnOnce(&T) -> DataChange,
        write: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let out = self.store.write(write)?;
        self.announce(&change(&out));
        Ok(out)
    }
}

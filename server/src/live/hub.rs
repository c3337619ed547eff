//! Who is listening in this process: one `watch` channel per user with at least one open live
//! connection. A watch channel keeps only its latest value, so a connection's memory is bounded
//! however fast the feed moves or however slowly the device reads: bursts coalesce into the
//! newest head. Users nobody listens to cost nothing (their wakes are dropped).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;
use uuid::Uuid;

/// What a user's live connections are told.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Signal {
    /// The highest feed position known to be committed for the user.
    pub head: i64,
    /// Bumped when the user's tokens changed (a refresh, a logout, a replay) or when wakes may
    /// have been missed (the PostgreSQL listener reconnected): each connection then checks its
    /// token again and reads its head from the store.
    pub recheck: u64,
}

/// Most live channels one user may hold open in one process (a phone, a tablet, a few app
/// restarts whose old connections have not timed out yet fit many times over). A signed-in
/// client opening more is refused, so one account cannot hold unbounded memory and sockets.
pub const MAX_CHANNELS_PER_USER: usize = 128;

/// The listening users of this process.
#[derive(Debug, Default)]
pub struct Hub {
    users: Mutex<HashMap<Uuid, watch::Sender<Signal>>>,
}

/// One connection's view of its user's signal; leaving the hub when dropped.
#[derive(Debug)]
pub struct Subscription {
    hub: Arc<Hub>,
    user: Uuid,
    /// The user's signal.
    pub signal: watch::Receiver<Signal>,
}

impl Hub {
    /// Starts listening for `user`; `None` when the user already holds
    /// [`MAX_CHANNELS_PER_USER`] channels here.
    pub fn subscribe(self: &Arc<Self>, user: Uuid) -> Option<Subscription> {
        let mut users = self.users.lock().unwrap_or_else(PoisonError::into_inner);
        let sender = users
            .entry(user)
            .or_insert_with(|| watch::channel(Signal::default()).0);
        if sender.receiver_count() >= MAX_CHANNELS_PER_USER {
            return None;
        }
        Some(Subscription {
            hub: Arc::clone(self),
            user,
            signal: sender.subscribe(),
        })
    }

    /// The user's feed reached `head` (a committed write).
    pub fn feed_moved(&self, user: Uuid, head: i64) {
        self.update(Some(user), |s| {
            if head > s.head {
                s.head = head;
                true
            } else {
                false
            }
        });
    }

    /// The user's tokens changed: their connections check theirs again.
    pub fn recheck(&self, user: Uuid) {
        self.update(Some(user), bump_recheck);
    }

    /// Every connection checks its token and head again (wakes may have been lost).
    pub fn recheck_everyone(&self) {
        self.update(None, bump_recheck);
    }

    /// The users with a live connection here.
    pub fn listening(&self) -> Vec<Uuid> {
        self.users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .keys()
            .copied()
            .collect()
    }

    /// How many users have a live connection here.
    #[cfg(test)]
    fn listening_users(&self) -> usize {
        self.users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Applies `change` to `user`'s signal (every user's with `None`), waking their connections
    /// when it returns true.
    fn update(&self, user: Option<Uuid>, change: impl Fn(&mut Signal) -> bool) {
        let users = self.users.lock().unwrap_or_else(PoisonError::into_inner);
        match user {
            Some(user) => {
                if let Some(sender) = users.get(&user) {
                    sender.send_if_modified(&change);
                }
            }
            None => {
                for sender in users.values() {
                    sender.send_if_modified(&change);
                }
            }
        }
    }
}

fn bump_recheck(signal: &mut Signal) -> bool {
    signal.recheck = signal.recheck.wrapping_add(1);
    true
}

impl Drop for Subscription {
    /// The last connection of a user takes the user's channel out of the hub.
    fn drop(&mut self) {
        let mut users = self
            .hub
            .users
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // This receiver still counts until the end of `drop`.
        if users
            .get(&self.user)
            .is_some_and(|sender| sender.receiver_count() <= 1)
        {
            users.remove(&self.user);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_subscribed_users_are_kept_and_bursts_coalesce() {
        let hub = Arc::new(Hub::default());
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        hub.feed_moved(a, 5);
        assert_eq!(hub.listening_users(), 0, "a wake for nobody keeps nothing");
        let mut first = hub.subscribe(a).expect("first channel");
        let second = hub.subscribe(a).expect("second channel");
        assert_eq!(hub.listening_users(), 1);
        hub.feed_moved(a, 7);
        hub.feed_moved(a, 9);
        hub.feed_moved(a, 8);
        hub.feed_moved(b, 100);
        assert!(first.signal.has_changed().unwrap());
        assert_eq!(first.signal.borrow_and_update().head, 9);
        hub.recheck_everyone();
        assert_eq!(first.signal.borrow_and_update().recheck, 1);
        drop(second);
        assert_eq!(
            hub.listening_users(),
            1,
            "one connection of a is still open"
        );
        drop(first);
        assert_eq!(hub.listening_users(), 0);
    }

    #[test]
    fn a_user_holds_at_most_the_channel_limit_and_a_closed_one_frees_a_place() {
        let hub = Arc::new(Hub::default());
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let mut open: Vec<_> = (0..MAX_CHANNELS_PER_USER)
            .map(|_| hub.subscribe(a).expect("within the limit"))
            .collect();
        assert!(hub.subscribe(a).is_none(), "one channel over the limit");
        assert!(hub.subscribe(b).is_some(), "another user is not affected");
        open.pop();
        assert!(
            hub.subscribe(a).is_some(),
            "a closed channel frees its place"
        );
    }
}

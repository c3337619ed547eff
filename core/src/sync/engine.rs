//! The sync calls on [`Client`]: run a sync, read its state, and deal with refused messages.

use uuid::Uuid;

use super::control::SyncState;
use super::http::http_client;
use super::protocol::MAX_PULL_LIMIT;
use super::state::{self, RejectedChange, SyncStatus};
use super::transport::Transport;
use super::{MAX_PULL_BYTES_U32, Run, SyncConfig, SyncReport, lock, outbox, pull, rooms};
use crate::changelog::{self, Entity, Operation};
use crate::chat::{self, Message, PENDING_SORT_BASE, SendState};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::notify::{DataArea, DataChange};

impl Client {
    /// Pushes the change log, then pulls and applies the server's changes until it has nothing
    /// more. Safe to call at any time and to repeat: every batch result and every page is one
    /// transaction, and the server applies each change at most once, so a failure, a
    /// cancellation or a killed process loses and doubles nothing; the next run carries on.
    ///
    /// Fails with [`Error::Network`] (retry later), [`Error::Auth`] (sign in again),
    /// [`Error::Protocol`] (the server answered something unacceptable; nothing of it was
    /// applied), [`Error::Cancelled`], or [`Error::SyncRunning`] if another sync of this database
    /// file is running (in this `Client`, another one, or another process).
    pub fn sync(&self, config: &SyncConfig) -> Result<SyncReport> {
        let running = lock::acquire(&self.sync_lock, self.store.path())?;
        if !(1..=MAX_PULL_LIMIT).contains(&config.pull_limit) {
            return Err(Error::invalid(
                "pull_limit",
                format!("must be 1–{MAX_PULL_LIMIT}"),
            ));
        }
        if !(1..=MAX_PULL_BYTES_U32).contains(&config.pull_max_bytes) {
            return Err(Error::invalid(
                "pull_max_bytes",
                format!("must be 1–{MAX_PULL_BYTES_U32}"),
            ));
        }
        let observer = config.observer.as_ref();
        let net = Transport {
            http: http_client(config.connect_timeout, config.request_timeout)?,
            base: config.base_url.trim_end_matches('/').to_owned(),
            retry: config.retry,
            tokens: config.tokens.as_ref(),
            cancel: &config.cancel,
            observer,
        };
        let run = Run {
            client: self,
            observer,
            cancel: &config.cancel,
            pull_limit: config.pull_limit,
            pull_max_bytes: config.pull_max_bytes,
        };
        let mut report = SyncReport::default();
        let outcome = (|| {
            observer.state_changed(SyncState::Pushing);
            outbox::push_all(&run, &net, &mut report)?;
            observer.state_changed(SyncState::Pulling);
            let moved = pull::pull_all(&run, &net, &mut report)?;
            if moved > 0 {
                // Messages of a losing direct room moved into the pair's room: send them there
                // in this same run, and take in what that produced.
                observer.state_changed(SyncState::Pushing);
                outbox::push_all(&run, &net, &mut report)?;
                observer.state_changed(SyncState::Pulling);
                pull::pull_all(&run, &net, &mut report)?;
            }
            Ok(())
        })();
        // The server deleted the account: its data leaves this device before anything else runs.
        let outcome = match outcome {
            Err(Error::AccountDeleted) => {
                crate::privacy::erase_local(self).and(Err(Error::AccountDeleted))
            }
            other => other,
        };
        // Released before the final state is reported: an app that starts the next run when it
        // sees `Idle` must not be refused with `SyncRunning`.
        drop(running);
        // What the run committed, also when it failed or was cancelled after some pages.
        if let Some(change) = DataChange::of_sync(&report.changed) {
            self.announce(&change);
        }
        observer.state_changed(match &outcome {
            Ok(()) | Err(Error::Cancelled) => SyncState::Idle,
            Err(Error::Network(_)) => SyncState::Offline,
            Err(_) => SyncState::Error,
        });
        outcome.map(|()| report)
    }

    /// Where sync stands: the outbox size, the number of refused changes, whether a cursor is held.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        self.store.read(state::status)
    }

    /// The changes the server refused for good, oldest first, with its code and reason.
    pub fn rejected_changes(&self) -> Result<Vec<RejectedChange>> {
        self.store.read(state::rejections)
    }

    /// Sends a `failed` message again: it becomes a pending local echo at the end of its room and
    /// a new change-log entry (a new change id; the refused one is never resent). Its refusal
    /// leaves the rejected list. If the server refused the room itself (e.g. it did not know the
    /// other person yet), the room is sent again first, with a new change id.
    pub fn retry_message(&self, message_id: Uuid) -> Result<Message> {
        let now = self.now();
        self.write_announced(
            |m: &Message| DataChange::in_room(&[DataArea::ChatMessages], m.room_id),
            |tx| {
                let mut msg = failed_message(tx, message_id, self.user_id)?;
                chat::require_member(tx, msg.room_id, self.user_id)?;
                rooms::resend_if_refused(tx, msg.room_id, now)?;
                msg.sort_key = PENDING_SORT_BASE + changelog::next_seq(tx)?;
                msg.send_state = SendState::Pending;
                changelog::append(
                    tx,
                    Entity::ChatMessage,
                    &message_id.to_string(),
                    Operation::Insert,
                    &msg,
                    now,
                )?;
                chat::set_send_state(tx, &message_id.to_string(), msg.send_state, msg.sort_key)?;
                state::clear_rejections(tx, Entity::ChatMessage, &message_id.to_string())?;
                Ok(msg)
            },
        )
    }

    /// Deletes a `failed` message for good (the server never had it) and its refusal; returns
    /// the message as it was, so the app knows which room to refresh. A room the server refused
    /// goes with its last message (and its refusal leaves the list).
    pub fn discard_message(&self, message_id: Uuid) -> Result<Message> {
        self.write_announced(
            |m: &Message| DataChange::in_room(&[DataArea::ChatMessages], m.room_id),
            |tx| {
                let msg = failed_message(tx, message_id, self.user_id)?;
                chat::delete_message(tx, &message_id.to_string())?;
                state::clear_rejections(tx, Entity::ChatMessage, &message_id.to_string())?;
                rooms::drop_if_abandoned(tx, msg.room_id)?;
                Ok(msg)
            },
        )
    }
}

/// The user's own message in the `failed` state, or a typed refusal.
fn failed_message(tx: &rusqlite::Transaction<'_>, id: Uuid, me: Uuid) -> Result<Message> {
    let msg = chat::load_message(tx, id)?;
    if msg.sender_id != me {
        return Err(Error::invalid(
            "message_id",
            "only the sender can retry or discard a message",
        ));
    }
    if msg.send_state != SendState::Failed {
        return Err(Error::Conflict(format!(
            "message {id} is {}, not failed",
            msg.send_state.as_str()
        )));
    }
    Ok(msg)
}

//! What becomes of a chat room the server refused, so that a refusal never deletes what the user
//! wrote (`docs/sync-client.md`, "Refused rooms"):
//!
//! - A refused new room that holds messages stays, its messages `failed` with their text, until
//!   the user discards them ([`drop_if_abandoned`]); retrying one of them sends the room again
//!   first ([`resend_if_refused`]). A refused room with no message is removed.
//! - A direct room refused `duplicate_direct_room` lost to the pair's room another device made
//!   first. When that room arrives in a pull, the user's unsent messages move into it and are
//!   sent there ([`take_losing_direct_room`], [`resend_in`]).

use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::state;
use crate::changelog::{self, Entity, Operation};
use crate::chat::{self, Message, SendState};
use crate::error::Result;

/// After the server refused the insert of room `room_id`: keeps the room while it holds
/// messages (they become `failed` as their own refusals arrive), removes it otherwise. Returns
/// whether it was removed.
pub(crate) fn on_refused(tx: &Transaction<'_>, room_id: &str) -> Result<bool> {
    if holds_messages(tx, room_id)? {
        return Ok(false);
    }
    chat::delete_room(tx, room_id)?;
    Ok(true)
}

/// Before a failed message of `room_id` is sent again: if the server refused the room itself,
/// logs the room's insert again (a new change id, ahead of the message) and forgets its refusal,
/// so the room and the message are decided afresh (the user the room is with may exist now).
pub(crate) fn resend_if_refused(
    tx: &Transaction<'_>,
    room_id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let id = room_id.to_string();
    if !state::is_rejected(tx, Entity::ChatRoom, &id)? {
        return Ok(());
    }
    let room = chat::load_room(tx, room_id)?;
    changelog::append(tx, Entity::ChatRoom, &id, Operation::Insert, &room, now)?;
    state::clear_rejections(tx, Entity::ChatRoom, &id)
}

/// After a failed message of `room_id` was discarded: a refused room left without messages is
/// removed, with its refusal. Returns whether it was removed.
pub(crate) fn drop_if_abandoned(tx: &Transaction<'_>, room_id: Uuid) -> Result<bool> {
    let id = room_id.to_string();
    if !state::is_rejected(tx, Entity::ChatRoom, &id)? || holds_messages(tx, &id)? {
        return Ok(false);
    }
    chat::delete_room(tx, &id)?;
    state::clear_rejections(tx, Entity::ChatRoom, &id)?;
    Ok(true)
}

/// The local direct room of the pair `direct_key` under another id than `winner` (the room the
/// server holds for the pair): removes it and returns its id with the user's messages that were
/// never sent from it, oldest first, for [`resend_in`]. The server refuses such a room
/// (`duplicate_direct_room`) and every message in it, so nothing of it exists there; its refusals
/// are forgotten with it.
pub(crate) fn take_losing_direct_room(
    tx: &Transaction<'_>,
    direct_key: &str,
    winner: Uuid,
    me: Uuid,
) -> Result<Option<(Uuid, Vec<Message>)>> {
    let loser: Option<String> = tx
        .prepare_cached("SELECT room_id FROM chat_rooms WHERE direct_key = ?1 AND room_id <> ?2")?
        .query_row(params![direct_key, winner.to_string()], |r| r.get(0))
        .optional()?;
    let Some(loser) = loser else {
        return Ok(None);
    };
    let loser_id = crate::validate::parse_id("room_id", &loser)?;
    let ids: Vec<String> = tx
        .prepare_cached(
            "SELECT message_id FROM chat_messages
             WHERE room_id = ?1 AND sender_id = ?2 AND send_state <> ?3 AND is_deleted = 0
             ORDER BY sort_key",
        )?
        .query_map(params![loser, me.to_string(), SendState::Sent], |r| {
            r.get(0)
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut unsent = Vec::with_capacity(ids.len());
    for id in &ids {
        unsent.push(chat::load_message(
            tx,
            crate::validate::parse_id("message_id", id)?,
        )?);
        state::clear_rejections(tx, Entity::ChatMessage, id)?;
    }
    state::clear_rejections(tx, Entity::ChatRoom, &loser)?;
    chat::delete_room(tx, &loser)?;
    Ok(Some((loser_id, unsent)))
}

/// Writes `messages` (from [`take_losing_direct_room`]) into room `winner` as pending local
/// echoes at the end of its timeline, each with a new change-log entry (a new change id; the
/// refused one is never resent). Returns how many were moved.
pub(crate) fn resend_in(
    tx: &Transaction<'_>,
    winner: Uuid,
    messages: Vec<Message>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<u64> {
    let moved = messages.len() as u64;
    let ids: Vec<Uuid> = messages.iter().map(|m| m.id).collect();
    for mut msg in messages {
        msg.room_id = winner;
        // A reply keeps its target only if that message moved too (the server wants both in one room).
        msg.reply_to_id = msg.reply_to_id.filter(|target| ids.contains(target));
        chat::queue_pending(tx, &mut msg, now)?;
    }
    Ok(moved)
}

fn holds_messages(tx: &Transaction<'_>, room_id: &str) -> Result<bool> {
    Ok(tx
        .prepare_cached("SELECT 1 FROM chat_messages WHERE room_id = ?1 LIMIT 1")?
        .query_row([room_id], |_| Ok(()))
        .optional()?
        .is_some())
}

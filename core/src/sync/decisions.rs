//! The server's decisions on one pushed batch, recorded on the device: accepted entries leave the
//! outbox (a sent chat message takes the server's order), refused ones are listed for the app and
//! their local row is corrected. The caller records a batch in one transaction with its
//! acknowledgement (see [`super::outbox`]).

use rusqlite::{OptionalExtension, Transaction};
use serde::Deserialize;

use super::protocol::{ChangeResult, ChangeStatus, ServerEntity};
use super::state::{self, RejectedChange};
use super::{SyncReport, rooms};
use crate::changelog::{Entity, LoggedChange, Operation};
use crate::chat;
use crate::error::{Error, Result};
use crate::{ledger, progress};

/// One result per entry, in request order, naming the entry it answers.
pub(crate) fn check_results(changes: &[LoggedChange], results: &[ChangeResult]) -> Result<()> {
    if changes.len() != results.len() {
        return Err(Error::Protocol(format!(
            "push sent {} changes and got {} results",
            changes.len(),
            results.len()
        )));
    }
    for (c, r) in changes.iter().zip(results) {
        if c.change_id != r.change_id || c.seq != r.seq {
            return Err(Error::Protocol(format!(
                "push result for {} (seq {}) answers change {} (seq {})",
                r.change_id, r.seq, c.change_id, c.seq
            )));
        }
    }
    Ok(())
}

/// Applies the server's decisions on `batch` (checked by [`check_results`]) to the local rows,
/// in order. The messages sent are marked together, one statement per chunk; the marks gathered
/// so far are written before a refusal is handled, so every decision sees the ones before it.
pub(crate) fn record_batch(
    tx: &Transaction<'_>,
    batch: &[LoggedChange],
    results: &[ChangeResult],
    now: chrono::DateTime<chrono::Utc>,
    report: &mut SyncReport,
) -> Result<()> {
    let mut sent = Vec::new();
    for (change, result) in batch.iter().zip(results) {
        match result.status {
            ChangeStatus::Applied | ChangeStatus::Duplicate => {
                if result.status == ChangeStatus::Applied {
                    report.applied += 1;
                } else {
                    report.duplicate += 1;
                }
                if let (Entity::ChatMessage, Operation::Insert, Some(server_seq)) =
                    (change.entity, change.operation, result.server_seq)
                {
                    sent.push((change.entity_id.as_str(), server_seq));
                    report
                        .changed
                        .note(ServerEntity::ChatMessage, room_of(change));
                }
            }
            ChangeStatus::Rejected => {
                chat::mark_sent(tx, &sent)?;
                sent.clear();
                record_refusal(tx, change, result, now, report)?;
            }
        }
    }
    chat::mark_sent(tx, &sent)
}

/// Records one refused entry: listed for the app, and its local effect undone.
fn record_refusal(
    tx: &Transaction<'_>,
    change: &LoggedChange,
    result: &ChangeResult,
    now: chrono::DateTime<chrono::Utc>,
    report: &mut SyncReport,
) -> Result<()> {
    report.rejected += 1;
    if superseded(tx, change)? {
        return Ok(());
    }
    state::record_rejection(
        tx,
        &RejectedChange {
            seq: change.seq,
            change_id: change.change_id,
            entity: change.entity,
            entity_id: change.entity_id.clone(),
            operation: change.operation,
            code: result.code.clone().unwrap_or_else(|| "unknown".into()),
            reason: result.reason.clone().unwrap_or_default(),
            rejected_at: now,
        },
    )?;
    if let Some(corrected) = correct_rejected(tx, change, result.code.as_deref())? {
        report.changed.note(corrected, room_of(change));
    }
    Ok(())
}

/// The chat room a message or room change is about, from its payload (read for that one field).
fn room_of(change: &LoggedChange) -> Option<uuid::Uuid> {
    /// The one field of a payload this needs; other fields are skipped unparsed.
    #[derive(Deserialize)]
    struct InRoom<'a> {
        #[serde(borrow)]
        room_id: Option<std::borrow::Cow<'a, str>>,
    }
    match change.entity {
        Entity::ChatRoom => change.entity_id.parse().ok(),
        _ => serde_json::from_str::<InRoom<'_>>(change.payload.get())
            .ok()?
            .room_id?
            .parse()
            .ok(),
    }
}

/// Whether a refused insert no longer concerns anything on the device: a message that has moved
/// to another room since it was logged (out of a direct room that lost to the pair's older one,
/// see [`super::rooms`]) and is sent there under a new change, or a room that is gone. Such a
/// refusal is not listed and corrects nothing.
fn superseded(tx: &Transaction<'_>, change: &LoggedChange) -> Result<bool> {
    if change.operation != Operation::Insert {
        return Ok(false);
    }
    let sql = match change.entity {
        Entity::ChatMessage => "SELECT room_id FROM chat_messages WHERE message_id = ?1",
        Entity::ChatRoom => "SELECT room_id FROM chat_rooms WHERE room_id = ?1",
        _ => return Ok(false),
    };
    let room: Option<String> = tx
        .prepare_cached(sql)?
        .query_row([&change.entity_id], |r| r.get(0))
        .optional()?;
    Ok(match (change.entity, room) {
        (Entity::ChatMessage, Some(room)) => {
            room_of(change).is_some_and(|logged| logged.to_string() != room)
        }
        (Entity::ChatMessage, None) => false,
        (_, room) => room.is_none(),
    })
}

/// Undoes the local effect of a refused insert where the record cannot exist on the server:
/// a refused message is marked `failed`, with its text (the app retries or discards it), a
/// refused ledger entry (an overdraft, an award the server did not derive) is removed, a refused
/// new room is removed unless it holds messages (see [`super::rooms`]: what the user wrote is
/// never deleted by a refusal), and a refused achievement unlock is taken back (the achievement
/// can be unlocked again later). Other refused records are corrected by the pull that follows:
/// the server delivers their current state again with the refusal. Returns the kind of record it
/// corrected, if any.
fn correct_rejected(
    tx: &Transaction<'_>,
    change: &LoggedChange,
    code: Option<&str>,
) -> Result<Option<ServerEntity>> {
    if change.operation != Operation::Insert || code == Some("duplicate_record") {
        return Ok(None);
    }
    let corrected = match change.entity {
        Entity::ChatMessage => {
            chat::mark_failed(tx, &change.entity_id)?;
            ServerEntity::ChatMessage
        }
        Entity::PointTransaction => {
            ledger::delete_entry(tx, &change.entity_id)?;
            ServerEntity::PointTransaction
        }
        Entity::ChatRoom => {
            rooms::on_refused(tx, &change.entity_id)?;
            ServerEntity::ChatRoom
        }
        Entity::UserAchievement => {
            progress::take_back_unlock(tx, &change.entity_id)?;
            ServerEntity::UserAchievement
        }
        _ => return Ok(None),
    };
    Ok(Some(corrected))
}

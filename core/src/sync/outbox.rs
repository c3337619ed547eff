//! Push: sends the change log after the acknowledged mark in `seq` order, in batches bounded by
//! count ([`MAX_PUSH_CHANGES`]) and by bytes ([`MAX_PUSH_BYTES`]), and records the server's
//! decision on every entry in one transaction per batch: accepted entries leave the outbox (a
//! sent chat message takes the server's order), refused ones are listed for the app and their
//! local row is corrected. A batch the server still finds too large (413) is halved and sent
//! again, so no outbox can wedge on its size.

use rusqlite::{OptionalExtension, Transaction};

use super::control::SyncProgress;
use super::protocol::{
    ChangeResult, ChangeStatus, MAX_PUSH_BYTES, MAX_PUSH_CHANGES, PROTOCOL_VERSION, PushRequest,
    PushResponse, ServerEntity, WireChange,
};
use super::state::{self, RejectedChange};
use super::transport::{Reply, Transport, parse};
use super::{Run, SyncReport, rooms};
use crate::changelog::{self, Change, Entity, Operation};
use crate::chat::{self, SendState};
use crate::error::{Error, Result};
use crate::{ledger, progress};
use studymate_protocol::unsigned::to_i64;

/// Pushes the whole outbox; returns when it is empty.
pub(crate) fn push_all(run: &Run<'_>, net: &Transport<'_>, report: &mut SyncReport) -> Result<()> {
    // Most entries per batch; halved whenever the server answers 413, for the rest of this run.
    let mut cap = MAX_PUSH_CHANGES;
    loop {
        run.cancel.check()?;
        let (listed, outbox) = run.client.store.read(|tx| {
            let acked = state::acked_seq(tx)?;
            let listed = changelog::list(tx, acked, cap as u32)?;
            Ok((listed, state::outbox_len(tx, acked)?))
        })?;
        if listed.is_empty() {
            return Ok(());
        }
        let (batch, body) = encode_batch(run, listed)?;
        let Some(last) = batch.last().map(|c| c.seq) else {
            return Ok(());
        };
        run.observer.progress(SyncProgress {
            pushed: report.pushed,
            outbox,
            pulled: report.pulled,
            pull_total: None,
        });
        let reply = net.call(&|http, base| {
            http.post(format!("{base}/v1/sync/push"))
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone())
        })?;
        let bytes = match reply {
            Reply::Body(bytes) => bytes,
            Reply::TooLarge if batch.len() > 1 => {
                cap = batch.len() / 2;
                tracing::info!(
                    entries = batch.len(),
                    cap,
                    "push answered 413: halving the batch"
                );
                continue;
            }
            Reply::TooLarge => {
                return Err(Error::Protocol(format!(
                    "the server refused change {} (seq {}) as too large even alone",
                    batch[0].change_id, batch[0].seq
                )));
            }
            Reply::HistoryReset => return Err(Error::Protocol("push answered 410".into())),
        };
        let response: PushResponse = parse(&bytes, "push")?;
        check_results(&batch, &response.results)?;
        let now = run.client.now();
        run.client.store.write(|tx| {
            for (change, result) in batch.iter().zip(&response.results) {
                record(tx, change, result, now, report)?;
            }
            state::acknowledge_through(tx, last)
        })?;
        report.pushed += to_i64(batch.len());
    }
}

/// Takes the longest prefix of `listed` whose push body stays within [`MAX_PUSH_BYTES`] (at least
/// one entry: the write API never logs one that cannot travel alone) and encodes the request.
fn encode_batch(run: &Run<'_>, listed: Vec<Change>) -> Result<(Vec<Change>, Vec<u8>)> {
    let encode = |changes: &[Change]| {
        let request = PushRequest {
            protocol_version: PROTOCOL_VERSION,
            device_id: run.client.device_id,
            changes: changes.iter().cloned().map(WireChange::from).collect(),
        };
        serde_json::to_vec(&request)
            .map_err(|e| Error::Storage(format!("the push could not be encoded: {e}")))
    };
    let envelope = encode(&[])?.len();
    let mut total = envelope;
    let mut take = 0;
    for change in &listed {
        let size = WireChange::from(change.clone()).wire_len()?;
        // One comma between entries.
        let grown = total + size + usize::from(take > 0);
        if take > 0 && grown > MAX_PUSH_BYTES {
            break;
        }
        total = grown;
        take += 1;
    }
    let mut batch = listed;
    batch.truncate(take);
    let body = encode(&batch)?;
    Ok((batch, body))
}

/// One result per entry, in request order, naming the entry it answers.
fn check_results(changes: &[Change], results: &[ChangeResult]) -> Result<()> {
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

/// Applies the server's decision on one entry to the local rows.
fn record(
    tx: &Transaction<'_>,
    change: &Change,
    result: &ChangeResult,
    now: chrono::DateTime<chrono::Utc>,
    report: &mut SyncReport,
) -> Result<()> {
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
                chat::set_send_state(tx, &change.entity_id, SendState::Sent, server_seq)?;
                report
                    .changed
                    .note(ServerEntity::ChatMessage, room_of(change));
            }
        }
        ChangeStatus::Rejected => {
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
        }
    }
    Ok(())
}

/// The chat room a message or room change is about, from its payload.
fn room_of(change: &Change) -> Option<uuid::Uuid> {
    match change.entity {
        Entity::ChatRoom => change.entity_id.parse().ok(),
        _ => change
            .payload
            .get("room_id")
            .and_then(|v| v.as_str())
            .and_then(|id| id.parse().ok()),
    }
}

/// Whether a refused insert no longer concerns anything on the device: a message that has moved
/// to another room since it was logged (out of a direct room that lost to the pair's older one,
/// see [`super::rooms`]) and is sent there under a new change, or a room that is gone. Such a
/// refusal is not listed and corrects nothing.
fn superseded(tx: &Transaction<'_>, change: &Change) -> Result<bool> {
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
    change: &Change,
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

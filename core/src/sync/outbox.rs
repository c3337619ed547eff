//! Push: sends the change log after the acknowledged mark in `seq` order, in batches of at most
//! [`MAX_PUSH_CHANGES`], and records the server's decision on every entry in one transaction
//! per batch: accepted entries leave the outbox (a sent chat message takes the server's order),
//! refused ones are listed for the app and their local row is corrected.

use rusqlite::{Transaction, params};

use super::control::SyncProgress;
use super::protocol::{
    ChangeResult, ChangeStatus, MAX_PUSH_CHANGES, PROTOCOL_VERSION, PushRequest, PushResponse,
    ServerEntity,
};
use super::state::{self, RejectedChange};
use super::transport::{Reply, Transport, parse};
use super::{Run, SyncReport};
use crate::changelog::{self, Change, Entity, Operation};
use crate::chat::SendState;
use crate::error::{Error, Result};

/// Pushes the whole outbox; returns when it is empty.
pub(crate) fn push_all(run: &Run<'_>, net: &Transport<'_>, report: &mut SyncReport) -> Result<()> {
    loop {
        run.cancel.check()?;
        let (batch, outbox) = run.client.store.read(|tx| {
            let acked = state::acked_seq(tx)?;
            let batch = changelog::list(tx, acked, MAX_PUSH_CHANGES as u32)?;
            Ok((batch, state::outbox_len(tx, acked)?))
        })?;
        let Some(last) = batch.last().map(|c| c.seq) else {
            return Ok(());
        };
        run.observer.progress(SyncProgress {
            pushed: report.pushed,
            outbox,
            pulled: report.pulled,
        });
        let request = PushRequest {
            protocol_version: PROTOCOL_VERSION,
            device_id: run.client.device_id,
            changes: batch,
        };
        let body = serde_json::to_vec(&request)
            .map_err(|e| Error::Storage(format!("the push could not be encoded: {e}")))?;
        let reply = net.call(&|http, base| {
            http.post(format!("{base}/v1/sync/push"))
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone())
        })?;
        let Reply::Body(bytes) = reply else {
            return Err(Error::Protocol("push answered 410".into()));
        };
        let response: PushResponse = parse(&bytes, "push")?;
        check_results(&request.changes, &response.results)?;
        let now = run.client.now();
        run.client.store.write(|tx| {
            for (change, result) in request.changes.iter().zip(&response.results) {
                record(tx, change, result, now, report)?;
            }
            state::acknowledge_through(tx, last)
        })?;
        report.pushed += request.changes.len() as u64;
    }
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
                tx.prepare_cached(
                    "UPDATE chat_messages SET send_state = ?2, sort_key = ?3 WHERE message_id = ?1",
                )?
                .execute(params![
                    change.entity_id,
                    SendState::Sent,
                    server_seq
                ])?;
                report
                    .changed
                    .note(ServerEntity::ChatMessage, room_of(change));
            }
        }
        ChangeStatus::Rejected => {
            report.rejected += 1;
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

/// Undoes the local effect of a refused insert where the record cannot exist on the server:
/// a refused message is marked `failed` (the app retries or discards it), a refused ledger entry
/// (an overdraft, an award the server did not derive) and a refused new room are removed, and a
/// refused achievement unlock is taken back (the achievement can be unlocked again later). Other
/// refused records are corrected by the pull that follows: the server delivers their current state
/// again with the refusal. Returns the kind of record it corrected, if any.
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
            tx.prepare_cached(
                "UPDATE chat_messages SET send_state = ?2 WHERE message_id = ?1 AND send_state = ?3",
            )?
            .execute(params![
                change.entity_id,
                SendState::Failed,
                SendState::Pending
            ])?;
            ServerEntity::ChatMessage
        }
        Entity::PointTransaction => {
            tx.prepare_cached("DELETE FROM point_transactions WHERE transaction_id = ?1")?
                .execute([&change.entity_id])?;
            ServerEntity::PointTransaction
        }
        Entity::ChatRoom => {
            tx.prepare_cached("DELETE FROM chat_rooms WHERE room_id = ?1")?
                .execute([&change.entity_id])?;
            ServerEntity::ChatRoom
        }
        Entity::UserAchievement => {
            tx.prepare_cached(
                "UPDATE user_achievements SET completed_at = NULL, points_earned = 0 WHERE achievement_id = ?1",
            )?
            .execute([&change.entity_id])?;
            ServerEntity::UserAchievement
        }
        _ => return Ok(None),
    };
    Ok(Some(corrected))
}

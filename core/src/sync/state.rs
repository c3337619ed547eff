//! The sync engine's saved state (migration V2): the pull cursor, the acknowledged high-water
//! sequence of the change log, the rejected changes, and the history-reset bookkeeping.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::changelog::{self, Entity, Operation};
use crate::error::{Error, Result};
use crate::profile::ProfilePatch;
use crate::store::uuid_col;
use crate::time;

const CURSOR: &str = "pull_cursor";
const ACKED: &str = "acked_seq";
const RESETTING: &str = "reset_pull";

/// A change the server refused for good, as the app lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RejectedChange {
    /// The refused change-log entry's sequence.
    pub seq: i64,
    /// Its change id.
    pub change_id: Uuid,
    /// Kind of record.
    pub entity: Entity,
    /// The record's id.
    pub entity_id: String,
    /// What the change did.
    pub operation: Operation,
    /// The server's stable code, e.g. `insufficient_points`.
    pub code: String,
    /// The server's explanation, for developers.
    pub reason: String,
    /// When this device learned of the refusal.
    pub rejected_at: DateTime<Utc>,
}

/// Where sync stands, for a status line in the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncStatus {
    /// Change-log entries not yet decided by the server.
    pub outbox: i64,
    /// Changes the server refused (see `rejectedChanges`).
    pub rejected: i64,
    /// Whether this device has pulled before (it holds a cursor).
    pub has_cursor: bool,
}

fn get(tx: &Transaction<'_>, key: &str) -> Result<Option<String>> {
    Ok(tx
        .prepare_cached("SELECT value FROM sync_state WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

fn set(tx: &Transaction<'_>, key: &str, value: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

fn clear(tx: &Transaction<'_>, key: &str) -> Result<()> {
    tx.prepare_cached("DELETE FROM sync_state WHERE key = ?1")?
        .execute([key])?;
    Ok(())
}

/// The cursor to pull from; `None` for the beginning of the feed.
pub(crate) fn cursor(tx: &Transaction<'_>) -> Result<Option<String>> {
    get(tx, CURSOR)
}

/// Saves the cursor after a page (in the page's transaction).
pub(crate) fn set_cursor(tx: &Transaction<'_>, cursor: &str) -> Result<()> {
    set(tx, CURSOR, cursor)
}

/// Every change-log entry with `seq <= acked_seq` has been decided by the server.
pub(crate) fn acked_seq(tx: &Transaction<'_>) -> Result<i64> {
    match get(tx, ACKED)? {
        None => Ok(0),
        Some(text) => text
            .parse()
            .map_err(|_| Error::Storage(format!("stored acked_seq {text:?} is not a number"))),
    }
}

/// Moves the acknowledged high-water mark and drops the decided entries from the change log,
/// except the newest entry of all (its sequence must never be reused).
pub(crate) fn acknowledge_through(tx: &Transaction<'_>, seq: i64) -> Result<()> {
    set(tx, ACKED, &seq.to_string())?;
    changelog::trim_through(tx, seq)
}

/// Whether a full re-pull after a history reset is in progress.
pub(crate) fn resetting(tx: &Transaction<'_>) -> Result<bool> {
    Ok(get(tx, RESETTING)?.is_some())
}

/// Starts a full re-pull: forgets the cursor, keeps the outbox.
pub(crate) fn begin_reset(tx: &Transaction<'_>) -> Result<()> {
    clear(tx, CURSOR)?;
    set(tx, RESETTING, "1")?;
    tx.execute("DELETE FROM sync_reset_seen", [])?;
    Ok(())
}

/// Remembers that a full re-pull mentioned `entity`/`entity_id` (see [`super::apply`]).
pub(crate) fn note_seen(tx: &Transaction<'_>, entity: &str, entity_id: &str) -> Result<()> {
    tx.prepare_cached("INSERT OR IGNORE INTO sync_reset_seen (entity, entity_id) VALUES (?1, ?2)")?
        .execute(params![entity, entity_id])?;
    Ok(())
}

/// Ends a full re-pull (after its cleanup).
pub(crate) fn end_reset(tx: &Transaction<'_>) -> Result<()> {
    clear(tx, RESETTING)?;
    tx.execute("DELETE FROM sync_reset_seen", [])?;
    Ok(())
}

/// Records a refused change for the app to list.
pub(crate) fn record_rejection(tx: &Transaction<'_>, r: &RejectedChange) -> Result<()> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO sync_rejections (seq, change_id, entity, entity_id, operation, code, reason, rejected_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        r.seq,
        r.change_id.to_string(),
        r.entity.as_str(),
        r.entity_id,
        r.operation.as_str(),
        r.code,
        r.reason,
        time::to_db(r.rejected_at)
    ])?;
    Ok(())
}

/// The refused changes, oldest first.
pub(crate) fn rejections(tx: &Transaction<'_>) -> Result<Vec<RejectedChange>> {
    let mut stmt = tx.prepare_cached(
        "SELECT seq, change_id, entity, entity_id, operation, code, reason, rejected_at
         FROM sync_rejections ORDER BY seq",
    )?;
    let rows = stmt.query_map([], |r| Ok(rejection_from_row(r)))?;
    rows.map(|r| r?).collect()
}

fn rejection_from_row(r: &rusqlite::Row<'_>) -> Result<RejectedChange> {
    let at: String = r.get(7)?;
    Ok(RejectedChange {
        seq: r.get(0)?,
        change_id: uuid_col(r, 1)?,
        entity: r.get(2)?,
        entity_id: r.get(3)?,
        operation: r.get(4)?,
        code: r.get(5)?,
        reason: r.get(6)?,
        rejected_at: time::from_db(&at)?,
    })
}

/// Forgets the refusals of one record (the app retried or discarded it).
pub(crate) fn clear_rejections(
    tx: &Transaction<'_>,
    entity: Entity,
    entity_id: &str,
) -> Result<()> {
    tx.prepare_cached("DELETE FROM sync_rejections WHERE entity = ?1 AND entity_id = ?2")?
        .execute(params![entity.as_str(), entity_id])?;
    Ok(())
}

/// Whether the server refused a change about `entity`/`entity_id` that is still listed.
pub(crate) fn is_rejected(tx: &Transaction<'_>, entity: Entity, entity_id: &str) -> Result<bool> {
    Ok(tx
        .prepare_cached(
            "SELECT 1 FROM sync_rejections WHERE entity = ?1 AND entity_id = ?2 LIMIT 1",
        )?
        .query_row(params![entity.as_str(), entity_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// How many change-log entries after `acked` wait to be pushed.
pub(crate) fn outbox_len(tx: &Transaction<'_>, acked: i64) -> Result<i64> {
    let n: i64 = tx
        .prepare_cached("SELECT count(*) FROM change_log WHERE seq > ?1")?
        .query_row([acked], |r| r.get(0))?;
    Ok(n.max(0))
}

/// The current status line.
pub(crate) fn status(tx: &Transaction<'_>) -> Result<SyncStatus> {
    let outbox = outbox_len(tx, acked_seq(tx)?)?;
    let rejected: i64 = tx
        .prepare_cached("SELECT count(*) FROM sync_rejections")?
        .query_row([], |r| r.get(0))?;
    Ok(SyncStatus {
        outbox,
        rejected: rejected.max(0),
        has_cursor: cursor(tx)?.is_some(),
    })
}

/// The profile patches still in the outbox (not yet decided by the server), oldest first: they
/// are re-applied on top of a pulled profile so the user's own edit never vanishes.
pub(crate) fn pending_profile_patches(tx: &Transaction<'_>) -> Result<Vec<ProfilePatch>> {
    let acked = acked_seq(tx)?;
    let mut stmt = tx.prepare_cached(
        "SELECT payload FROM change_log WHERE seq > ?1 AND entity = 'profile' ORDER BY seq",
    )?;
    let rows = stmt.query_map([acked], |r| r.get::<_, String>(0))?;
    let mut patches = Vec::new();
    for row in rows {
        patches.push(serde_json::from_str(&row?)?);
    }
    Ok(patches)
}

/// The user's undecided message edits and deletes, oldest first: (message id, operation,
/// payload).
pub(crate) fn pending_message_changes(
    tx: &Transaction<'_>,
) -> Result<Vec<(String, Operation, serde_json::Value)>> {
    let acked = acked_seq(tx)?;
    let mut stmt = tx.prepare_cached(
        "SELECT entity_id, operation, payload FROM change_log
         WHERE seq > ?1 AND entity = 'chat_message' AND operation IN ('update', 'delete')
         ORDER BY seq",
    )?;
    let rows = stmt.query_map([acked], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Operation>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut changes = Vec::new();
    for row in rows {
        let (id, operation, payload) = row?;
        changes.push((id, operation, serde_json::from_str(&payload)?));
    }
    Ok(changes)
}

/// Whether an undecided change-log entry is about `entity`/`entity_id` (a record the server
/// may not know yet, which a history-reset cleanup must not delete).
pub(crate) fn has_pending(tx: &Transaction<'_>, entity: Entity, entity_id: &str) -> Result<bool> {
    let acked = acked_seq(tx)?;
    Ok(tx
        .prepare_cached(
            "SELECT 1 FROM change_log WHERE seq > ?1 AND entity = ?2 AND entity_id = ?3 LIMIT 1",
        )?
        .query_row(params![acked, entity.as_str(), entity_id], |_| Ok(()))
        .optional()?
        .is_some())
}

//! Synced records stored as JSON documents, and the one way to change them: write the change to
//! the history, deliver it to its audience, and point the record at it (`last_seq`), all in the
//! caller's transaction.

use std::collections::HashMap;

use serde::Serialize;
use serde::de::DeserializeOwned;
use studymate_core::changelog::Operation;
use studymate_protocol::ServerEntity;
use uuid::Uuid;

use crate::db::{Conn, DbError, MAX_ROWS, Value, params, pow2_chunks, value_rows};
use crate::feed::{self, Audience, NewChange};

/// A stored record.
#[derive(Debug, Clone)]
pub struct Record<T> {
    /// The record's state.
    pub doc: T,
    /// The user it belongs to (private records, messages' senders).
    pub owner: Option<String>,
}

/// Where a record lives and who sees its changes.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// Kind of record; also the `kind` column.
    pub kind: ServerEntity,
    /// Storage key, unique within the kind across all users.
    pub record_id: &'a str,
    /// The id clients know the record by (the change's `entity_id`).
    pub entity_id: &'a str,
    /// Owner, for private records.
    pub owner: Option<&'a str>,
    /// Room, for chat records.
    pub room: Option<&'a str>,
    /// Who receives its changes.
    pub audience: Audience<'a>,
    /// The pushed change responsible.
    pub origin: Option<Uuid>,
}

/// Loads a record, or `None` if there is none.
pub fn get<T: DeserializeOwned>(
    conn: &mut dyn Conn,
    kind: ServerEntity,
    record_id: &str,
) -> Result<Option<Record<T>>, DbError> {
    let rows = conn.query(
        "SELECT doc, owner_id FROM records WHERE kind = $1 AND record_id = $2",
        params![kind.as_str(), record_id],
    )?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let doc = serde_json::from_str(&row.text(0)?)
        .map_err(|e| DbError::Decode(format!("{} {record_id}: {e}", kind.as_str())))?;
    Ok(Some(Record {
        doc,
        owner: row.opt_text(1)?,
    }))
}

/// Stores `doc` as the record's new state and publishes it; returns the change's server sequence.
pub fn save(
    conn: &mut dyn Conn,
    target: &Target<'_>,
    operation: Operation,
    doc: &impl Serialize,
) -> Result<i64, DbError> {
    let doc = to_json(doc)?;
    let seq = publish(conn, target, operation, &doc)?;
    store(conn, target, &doc, seq)?;
    Ok(seq)
}

/// Writes a record's state without publishing (the caller has published it already).
pub fn store(
    conn: &mut dyn Conn,
    target: &Target<'_>,
    doc: &serde_json::Value,
    last_seq: i64,
) -> Result<(), DbError> {
    store_many(conn, &[(*target, &doc.to_string(), last_seq)])
}

/// Writes the states of several records without publishing them, with one multi-row statement
/// per chunk: each row is a target, its document as JSON text and the change carrying it. No
/// record may appear twice (PostgreSQL refuses to upsert one row twice in a statement).
pub fn store_many(conn: &mut dyn Conn, rows: &[(Target<'_>, &str, i64)]) -> Result<(), DbError> {
    const COLUMNS: usize = 6;
    for chunk in pow2_chunks(rows, MAX_ROWS) {
        let mut params = Vec::with_capacity(chunk.len() * COLUMNS);
        for (target, doc, last_seq) in chunk {
            params.extend([
                Value::from(target.kind.as_str()),
                Value::from(target.record_id),
                Value::from(target.owner),
                Value::from(target.room),
                Value::from(*doc),
                Value::Int(*last_seq),
            ]);
        }
        let sql = format!(
            "INSERT INTO records (kind, record_id, owner_id, room_id, doc, last_seq) VALUES {}
             ON CONFLICT (kind, record_id) DO UPDATE SET doc = excluded.doc, last_seq = excluded.last_seq",
            value_rows(1, COLUMNS, chunk.len())
        );
        conn.execute(&sql, &params)?;
    }
    Ok(())
}

/// Which of the records `record_ids` of `kind` exist, each with its room (chat records) or
/// `None`: one query per chunk of ids, for deciding many entries at once.
pub fn existing(
    conn: &mut dyn Conn,
    kind: ServerEntity,
    record_ids: &[String],
) -> Result<HashMap<String, Option<String>>, DbError> {
    let mut found = HashMap::new();
    for chunk in pow2_chunks(record_ids, MAX_ROWS) {
        let mut params = Vec::with_capacity(chunk.len() + 1);
        params.push(Value::from(kind.as_str()));
        params.extend(chunk.iter().map(Value::from));
        let sql = format!(
            "SELECT record_id, room_id FROM records WHERE kind = $1 AND record_id IN ({})",
            value_rows(2, 1, chunk.len())
        );
        for row in conn.query(&sql, &params)? {
            found.insert(row.text(0)?, row.opt_text(1)?);
        }
    }
    Ok(found)
}

/// Deletes the record and publishes a delete carrying `payload` (its key or tombstone).
pub fn remove(
    conn: &mut dyn Conn,
    target: &Target<'_>,
    payload: &impl Serialize,
) -> Result<i64, DbError> {
    let seq = publish(conn, target, Operation::Delete, &to_json(payload)?)?;
    conn.execute(
        "DELETE FROM records WHERE kind = $1 AND record_id = $2",
        params![target.kind.as_str(), target.record_id],
    )?;
    Ok(seq)
}

/// Writes a change about the target and delivers it to the target's audience.
pub fn publish(
    conn: &mut dyn Conn,
    target: &Target<'_>,
    operation: Operation,
    payload: &serde_json::Value,
) -> Result<i64, DbError> {
    let seq = feed::append(
        conn,
        NewChange {
            entity: target.kind,
            entity_id: target.entity_id,
            operation,
            payload,
            origin: target.origin,
        },
    )?;
    feed::deliver(conn, seq, target.audience)?;
    Ok(seq)
}

/// Serialises a record for storage.
pub fn to_json(doc: &impl Serialize) -> Result<serde_json::Value, DbError> {
    serde_json::to_value(doc).map_err(|e| DbError::Decode(format!("record not serialisable: {e}")))
}

/// Serialises a record for storage as JSON text, straight from the typed value (no JSON tree
/// in between).
pub fn to_json_text(doc: &impl Serialize) -> Result<String, DbError> {
    serde_json::to_string(doc).map_err(|e| DbError::Decode(format!("record not serialisable: {e}")))
}

//! The change log: every local mutation appends one entry in the same transaction as the rows it
//! changed. The sync engine pushes entries in `seq` order; the change id is the server's
//! idempotency key.

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::validate::string_enum;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::time;
use studymate_protocol::{MAX_CHANGE_BYTES, WireChange};

string_enum! {
    /// The kind of record a change is about.
    #[cfg_attr(feature = "uniffi", uniffi(name = "ChangeEntity"))]
    pub enum Entity {
        /// The signed-in user's profile fields.
        Profile => "profile",
        /// One of the user's languages.
        UserLanguage => "user_language",
        /// One of the user's interests.
        UserInterest => "user_interest",
        /// Onboarding step and step data.
        Onboarding => "onboarding",
        /// A practice session (with its turns and scores).
        PracticeSession => "practice_session",
        /// A point-ledger entry.
        PointTransaction => "point_transaction",
        /// Progress on, or the unlock of, an achievement.
        UserAchievement => "user_achievement",
        /// A chat room.
        ChatRoom => "chat_room",
        /// A chat room membership.
        ChatParticipant => "chat_participant",
        /// A chat message (send, edit, delete).
        ChatMessage => "chat_message",
        /// A chat read marker.
        ReadMarker => "read_marker",
    }
}

string_enum! {
    /// What happened to the record.
    #[cfg_attr(feature = "uniffi", uniffi(name = "ChangeOperation"))]
    pub enum Operation {
        /// A new record.
        Insert => "insert",
        /// A change to an existing record; the payload holds the changed fields.
        Update => "update",
        /// A removal (chat messages become tombstones).
        Delete => "delete",
    }
}

/// One entry of the change log, as the sync engine will push it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "ChangeLogEntry"))]
pub struct Change {
    /// Per-device sequence number; entries leave in this order.
    pub seq: i64,
    /// Idempotency key: the server applies a change id at most once.
    pub change_id: Uuid,
    /// Kind of record.
    pub entity: Entity,
    /// Id of the record (for composite keys, the parts joined by `:`).
    pub entity_id: String,
    /// What happened.
    pub operation: Operation,
    /// The record (insert) or the changed fields (update), as JSON.
    pub payload: serde_json::Value,
    /// When the change was made, by the device clock.
    pub created_at: DateTime<Utc>,
}

impl From<Change> for WireChange {
    fn from(c: Change) -> Self {
        WireChange {
            seq: c.seq,
            change_id: c.change_id,
            entity: c.entity.as_str().to_owned(),
            entity_id: c.entity_id,
            operation: c.operation.as_str().to_owned(),
            payload: c.payload,
            created_at: c.created_at,
        }
    }
}

/// The kind and operation of a pushed entry, when this version knows both (the wire carries them
/// as open strings, see [`WireChange`]); `None` for a kind or operation of a newer version.
pub fn wire_kind<P>(change: &WireChange<P>) -> Option<(Entity, Operation)> {
    Some((
        Entity::parse("entity", &change.entity).ok()?,
        Operation::parse("operation", &change.operation).ok()?,
    ))
}

/// Appends one entry to the change log inside the caller's transaction and returns its sequence.
///
/// An entry that could not travel in a push of its own (over [`MAX_CHANGE_BYTES`] on the wire) is
/// refused with [`Error::InvalidInput`] on `payload`; the caller's transaction then rolls back, so
/// the user's action changes nothing and the outbox never holds an entry no batch can carry.
pub(crate) fn append(
    tx: &Transaction<'_>,
    entity: Entity,
    entity_id: &str,
    operation: Operation,
    payload: &impl Serialize,
    now: DateTime<Utc>,
) -> Result<i64> {
    let encoding =
        |e: serde_json::Error| Error::Storage(format!("change payload could not be encoded: {e}"));
    // The payload is encoded once, straight from its type; its size on the wire is the entry's
    // envelope (with the widest sequence) around it.
    let payload = serde_json::to_string(payload).map_err(encoding)?;
    let size = envelope_len(entity, entity_id, operation, now)
        .map_err(encoding)?
        .saturating_add(payload.len());
    if size > MAX_CHANGE_BYTES {
        return Err(Error::invalid(
            "payload",
            format!(
                "this {entity} change takes {size} bytes; one change may take at most {MAX_CHANGE_BYTES}"
            ),
        ));
    }
    let mut stmt = tx.prepare_cached(
        "INSERT INTO change_log (change_id, entity, entity_id, operation, payload, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    stmt.execute(params![
        Uuid::now_v7().to_string(),
        entity.as_str(),
        entity_id,
        operation.as_str(),
        payload,
        time::to_db(now)
    ])?;
    Ok(tx.last_insert_rowid())
}

/// Bytes an entry takes in a push body besides its payload: the compact JSON of the entry with
/// an empty payload and the widest sequence, less the empty payload's four bytes (`null`).
fn envelope_len(
    entity: Entity,
    entity_id: &str,
    operation: Operation,
    created_at: DateTime<Utc>,
) -> serde_json::Result<usize> {
    let envelope = WireChange {
        seq: i64::MAX,
        change_id: Uuid::nil(),
        entity: entity.as_str().to_owned(),
        entity_id: entity_id.to_owned(),
        operation: operation.as_str().to_owned(),
        payload: serde_json::Value::Null,
        created_at,
    };
    Ok(envelope.wire_len()?.saturating_sub("null".len()))
}

/// The sequence the next [`append`] in this transaction will get: the newest entry is never
/// deleted, so the rowid after it is the next number.
pub(crate) fn next_seq(tx: &Transaction<'_>) -> Result<i64> {
    Ok(tx
        .prepare_cached("SELECT coalesce(max(seq), 0) + 1 FROM change_log")?
        .query_row([], |row| row.get(0))?)
}

/// One entry of the change log as stored, its payload kept as the JSON text it was logged as:
/// the push sends that text as it is, so an entry is neither parsed into a JSON tree nor encoded
/// again on its way out (see `sync::push_body`).
#[derive(Debug)]
pub(crate) struct LoggedChange {
    /// Per-device sequence number.
    pub seq: i64,
    /// Idempotency key.
    pub change_id: Uuid,
    /// Kind of record.
    pub entity: Entity,
    /// Id of the record.
    pub entity_id: String,
    /// What happened.
    pub operation: Operation,
    /// The payload's JSON text (checked to be JSON when read).
    pub payload: Box<RawValue>,
    /// When the change was made, by the device clock.
    pub created_at: DateTime<Utc>,
}

impl LoggedChange {
    /// The entry with its payload parsed, as the app lists it.
    fn parsed(self) -> Result<Change> {
        Ok(Change {
            seq: self.seq,
            change_id: self.change_id,
            entity: self.entity,
            entity_id: self.entity_id,
            operation: self.operation,
            payload: serde_json::from_str(self.payload.get())?,
            created_at: self.created_at,
        })
    }
}

/// Lists up to `limit` entries with a sequence greater than `after_seq`, oldest first.
pub(crate) fn list(tx: &Transaction<'_>, after_seq: i64, limit: u32) -> Result<Vec<Change>> {
    list_logged(tx, after_seq, limit)?
        .into_iter()
        .map(LoggedChange::parsed)
        .collect()
}

/// [`list`] with each payload left as its JSON text.
pub(crate) fn list_logged(
    tx: &Transaction<'_>,
    after_seq: i64,
    limit: u32,
) -> Result<Vec<LoggedChange>> {
    let mut stmt = tx.prepare_cached(
        "SELECT seq, change_id, entity, entity_id, operation, payload, created_at
         FROM change_log WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let mut rows = stmt.query(params![after_seq, limit])?;
    let mut changes = Vec::new();
    while let Some(row) = rows.next()? {
        let text = |column| -> Result<&str> {
            row.get_ref(column)?
                .as_str()
                .map_err(|e| Error::Storage(format!("stored change-log column is not text: {e}")))
        };
        let (change_id, created_at) = (text(1)?, text(6)?);
        changes.push(LoggedChange {
            seq: row.get(0)?,
            change_id: Uuid::parse_str(change_id)
                .map_err(|e| Error::Storage(format!("stored change id is malformed: {e}")))?,
            entity: row.get(2)?,
            entity_id: row.get(3)?,
            operation: row.get(4)?,
            payload: RawValue::from_string(row.get(5)?)?,
            created_at: time::from_db(created_at)?,
        });
    }
    Ok(changes)
}

/// Drops the entries up to `seq` (the server has decided them), except the newest entry of all:
/// its sequence must never be reused.
#[cfg(feature = "client")]
pub(crate) fn trim_through(tx: &Transaction<'_>, seq: i64) -> Result<()> {
    tx.prepare_cached(
        "DELETE FROM change_log WHERE seq <= ?1 AND seq < (SELECT max(seq) FROM change_log)",
    )?
    .execute([seq])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Client, OpenOptions};

    #[test]
    fn an_entry_too_large_for_any_push_is_refused_and_changes_nothing() {
        let client = Client::open_in_memory(OpenOptions::default()).expect("open");
        let now = client.now();
        let huge = serde_json::json!({"content": "가".repeat(MAX_CHANGE_BYTES / 3 + 1)});
        let refused = client.store.write(|tx| {
            tx.execute(
                "UPDATE users SET display_name = 'changed' WHERE is_self = 1",
                [],
            )?;
            append(tx, Entity::ChatMessage, "m", Operation::Insert, &huge, now)
        });
        assert!(
            matches!(&refused, Err(Error::InvalidInput { field, .. }) if field == "payload"),
            "{refused:?}"
        );
        assert!(client.changes(0, 10).expect("changes").is_empty());
        assert_ne!(client.profile().expect("profile").display_name, "changed");

        let fits = serde_json::json!({"content": "가".repeat(MAX_CHANGE_BYTES / 3 - 200)});
        let seq = client
            .store
            .write(|tx| append(tx, Entity::ChatMessage, "m", Operation::Insert, &fits, now))
            .expect("an entry within the limit is logged");
        let logged = client.changes(0, 10).expect("changes");
        assert_eq!(logged.len(), 1);
        assert_eq!(logged[0].seq, seq);
        let wire = WireChange::from(logged[0].clone())
            .wire_len()
            .expect("size");
        assert!(wire <= MAX_CHANGE_BYTES, "{wire}");
    }

    #[test]
    fn the_size_checked_on_append_is_the_entry_s_size_in_a_push() {
        let now = DateTime::UNIX_EPOCH;
        let payload = serde_json::json!({"content": "안녕 \"quoted\"\n", "n": [1, 2.5, null]});
        let encoded = serde_json::to_string(&payload).expect("encode");
        let wire = WireChange {
            seq: i64::MAX,
            change_id: Uuid::now_v7(),
            entity: Entity::ChatMessage.as_str().to_owned(),
            entity_id: "id with \"quotes\" and 한글".to_owned(),
            operation: Operation::Update.as_str().to_owned(),
            payload,
            created_at: now,
        };
        let envelope = envelope_len(Entity::ChatMessage, &wire.entity_id, Operation::Update, now)
            .expect("envelope");
        assert_eq!(envelope + encoded.len(), wire.wire_len().expect("size"));
    }

    #[test]
    fn a_logged_entry_round_trips_through_a_push_request() {
        let request = studymate_protocol::PushRequest {
            protocol_version: studymate_protocol::PROTOCOL_VERSION,
            device_id: Uuid::nil(),
            changes: vec![WireChange::from(Change {
                seq: 1,
                change_id: Uuid::nil(),
                entity: Entity::ChatMessage,
                entity_id: "x".into(),
                operation: Operation::Insert,
                payload: serde_json::json!({"a": 1}),
                created_at: DateTime::UNIX_EPOCH,
            })],
        };
        let text = serde_json::to_string(&request).unwrap();
        assert!(text.contains(r#""entity":"chat_message""#));
        let read = serde_json::from_str::<studymate_protocol::PushRequest>(&text).unwrap();
        assert_eq!(read, request);
        assert_eq!(
            wire_kind(&read.changes[0]),
            Some((Entity::ChatMessage, Operation::Insert))
        );
    }

    #[test]
    fn a_kind_or_operation_of_a_newer_version_has_no_wire_kind() {
        let mut change = WireChange::from(Change {
            seq: 1,
            change_id: Uuid::nil(),
            entity: Entity::ChatMessage,
            entity_id: "x".into(),
            operation: Operation::Insert,
            payload: serde_json::json!({}),
            created_at: DateTime::UNIX_EPOCH,
        });
        change.entity = "voice_note".into();
        assert_eq!(wire_kind(&change), None);
        change.entity = "chat_message".into();
        change.operation = "transcribe".into();
        assert_eq!(wire_kind(&change), None);
    }
}

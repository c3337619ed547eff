//! `POST /v1/sync/push`: a batch of a device's change-log entries and the server's decision on each.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One change-log entry as pushed, with the kind of record and the operation as plain strings.
/// The vocabulary is open on the wire: a server reads a kind or an operation it does not know as
/// one refused entry (`unsupported_operation`), not as a malformed request, so devices of a newer
/// version can still push to it. The device's change log (`studymate_core::changelog`) names the
/// kinds and operations this version knows and parses them.
///
/// `P` is how the payload is held, which does not change the JSON: parsed
/// [`serde_json::Value`] by default; a `&RawValue` for a device sending the text it logged, a
/// `Box<RawValue>` for a server that decodes each payload straight into the type its rule needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireChange<P = serde_json::Value> {
    /// Per-device sequence number.
    pub seq: i64,
    /// Idempotency key.
    pub change_id: Uuid,
    /// Kind of record, e.g. `"chat_message"`.
    pub entity: String,
    /// Id of the record.
    pub entity_id: String,
    /// `"insert"`, `"update"` or `"delete"`, or one a later version adds.
    pub operation: String,
    /// The record or the changed fields.
    pub payload: P,
    /// When the change was made, by the device clock.
    pub created_at: DateTime<Utc>,
}

impl<P: Serialize> WireChange<P> {
    /// Bytes this entry takes in a push body: the length of its compact JSON.
    pub fn wire_len(&self) -> serde_json::Result<usize> {
        crate::json_len(self)
    }
}

/// `POST /v1/sync/push`: an ordered batch of the device's change-log entries, their payloads held
/// as `P` (see [`WireChange`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest<P = serde_json::Value> {
    /// Must be [`crate::PROTOCOL_VERSION`].
    pub protocol_version: u32,
    /// The device that made the changes; with `seq`, the second idempotency key.
    pub device_id: Uuid,
    /// The entries in `seq` order, at most [`crate::MAX_PUSH_CHANGES`].
    pub changes: Vec<WireChange<P>>,
}

/// The answer to a push: one result per entry, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Results in the order of [`PushRequest::changes`].
    pub results: Vec<ChangeResult>,
}

/// What the server decided about one pushed entry. Decisions are final: pushing the same change
/// id again returns the recorded decision (`duplicate` for an applied one, the same rejection otherwise).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeResult {
    /// The entry's change id.
    pub change_id: Uuid,
    /// The entry's device sequence.
    pub seq: i64,
    /// Applied now, applied before, or refused.
    pub status: ChangeStatus,
    /// Why it was refused, in words for a developer (rejected entries only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Machine-readable refusal code such as `insufficient_points` (rejected entries only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The server sequence of the change the entry produced, when it produced one. For a chat
    /// message insert this is the message's order in its room (its `sort_key`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_seq: Option<i64>,
}

/// The fate of one pushed entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeStatus {
    /// Applied by this push.
    Applied,
    /// Applied by an earlier push; nothing was done again.
    Duplicate,
    /// Refused; see `code` and `reason`. Later entries were still processed.
    Rejected,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::value::RawValue;

    #[test]
    fn change_result_omits_empty_fields_and_uses_snake_case_status() {
        let result = ChangeResult {
            change_id: Uuid::nil(),
            seq: 7,
            status: ChangeStatus::Applied,
            reason: None,
            code: None,
            server_seq: Some(42),
        };
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"change_id": Uuid::nil(), "seq": 7, "status": "applied", "server_seq": 42})
        );
    }

    #[test]
    fn an_unknown_kind_or_operation_still_parses_as_a_push_entry() {
        let text = r#"{"protocol_version": 1, "device_id": "00000000-0000-0000-0000-000000000000",
            "changes": [{"seq": 1, "change_id": "00000000-0000-0000-0000-000000000000",
            "entity": "voice_note", "entity_id": "x", "operation": "transcribe",
            "payload": {}, "created_at": "2026-11-23T08:58:35.123Z"}]}"#;
        let read = serde_json::from_str::<PushRequest>(text).unwrap();
        assert_eq!(read.changes[0].entity, "voice_note");
        assert_eq!(read.changes[0].operation, "transcribe");
    }

    #[test]
    fn a_payload_held_as_raw_text_travels_as_the_same_json() {
        let parsed = PushRequest {
            protocol_version: crate::PROTOCOL_VERSION,
            device_id: Uuid::nil(),
            changes: vec![WireChange {
                seq: 9,
                change_id: Uuid::nil(),
                entity: "chat_message".into(),
                entity_id: "id \"9\" 한글".into(),
                operation: "insert".into(),
                payload: serde_json::json!({"content": "안녕 \"quoted\"\n", "n": [1, 2.5, null], "o": {}}),
                created_at: DateTime::UNIX_EPOCH,
            }],
        };
        let text = serde_json::to_string(&parsed).unwrap();
        let raw: PushRequest<Box<RawValue>> = serde_json::from_str(&text).unwrap();
        let payload = &raw.changes[0].payload;
        assert_eq!(
            payload.get(),
            serde_json::to_string(&parsed.changes[0].payload).unwrap()
        );
        assert_eq!(serde_json::to_string(&raw).unwrap(), text, "the same bytes");
        let WireChange {
            seq,
            change_id,
            entity,
            entity_id,
            operation,
            created_at,
            ..
        } = raw.changes[0].clone();
        let borrowed: WireChange<&RawValue> = WireChange {
            seq,
            change_id,
            entity,
            entity_id,
            operation,
            payload,
            created_at,
        };
        assert_eq!(
            serde_json::to_string(&borrowed).unwrap(),
            serde_json::to_string(&parsed.changes[0]).unwrap()
        );
        assert_eq!(
            borrowed.wire_len().unwrap(),
            parsed.changes[0].wire_len().unwrap()
        );
        let back: PushRequest =
            serde_json::from_str(&serde_json::to_string(&raw).unwrap()).unwrap();
        assert_eq!(back, parsed);
    }

    #[test]
    fn wire_len_is_the_length_of_the_compact_json() {
        let change = WireChange {
            seq: 3,
            change_id: Uuid::nil(),
            entity: "chat_message".into(),
            entity_id: "x".into(),
            operation: "insert".into(),
            payload: serde_json::json!({"body": "안녕"}),
            created_at: DateTime::UNIX_EPOCH,
        };
        let text = serde_json::to_string(&change).unwrap();
        assert_eq!(change.wire_len().unwrap(), text.len());
    }
}

//! `POST /v1/sync/push`: a batch of a device's change-log entries and the server's decision on each.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One change-log entry as pushed, with the kind of record and the operation as plain strings.
/// The vocabulary is open on the wire: a server reads a kind or an operation it does not know as
/// one refused entry (`unsupported_operation`), not as a malformed request, so devices of a newer
/// version can still push to it. The device's change log (`studymate_core::changelog`) names the
/// kinds and operations this version knows and parses them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireChange {
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
    pub payload: serde_json::Value,
    /// When the change was made, by the device clock.
    pub created_at: DateTime<Utc>,
}

impl WireChange {
    /// Bytes this entry takes in a push body: the length of its compact JSON.
    pub fn wire_len(&self) -> serde_json::Result<usize> {
        crate::json_len(self)
    }
}

/// `POST /v1/sync/push`: an ordered batch of the device's change-log entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    /// Must be [`crate::PROTOCOL_VERSION`].
    pub protocol_version: u32,
    /// The device that made the changes; with `seq`, the second idempotency key.
    pub device_id: Uuid,
    /// The entries in `seq` order, at most [`crate::MAX_PUSH_CHANGES`].
    pub changes: Vec<WireChange>,
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

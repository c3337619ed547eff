//! The body of one push request, built from logged entries: each entry is encoded once as a
//! [`WireChange`] whose payload is the JSON text it was logged as (never parsed into a tree), its
//! size is read off that encoding, and the body is the request's envelope around the entries that
//! fit within [`MAX_PUSH_BYTES`]. The JSON is the same as serialising a [`PushRequest`] of the
//! entries (`the_body_is_the_push_request_of_the_entries`).
//!
//! [`PushRequest`]: super::protocol::PushRequest

use serde::Serialize;
use serde_json::value::{RawValue, to_raw_value};
use uuid::Uuid;

use super::protocol::{MAX_PUSH_BYTES, PROTOCOL_VERSION, WireChange};
use crate::changelog::LoggedChange;
use crate::error::{Error, Result};

/// A [`super::protocol::PushRequest`] whose entries are already encoded.
#[derive(Serialize)]
struct Body<'a> {
    protocol_version: u32,
    device_id: Uuid,
    changes: &'a [Box<RawValue>],
}

/// A batch ready to send: the entries it carries, in `seq` order, and its request body.
#[derive(Debug)]
pub(crate) struct Batch {
    /// The entries, at least one.
    pub changes: Vec<LoggedChange>,
    /// The encoded request.
    pub body: Vec<u8>,
}

impl Batch {
    /// The sequence of the batch's last entry.
    pub(crate) fn last_seq(&self) -> Option<i64> {
        self.changes.last().map(|c| c.seq)
    }
}

/// Takes the longest prefix of `listed` whose push body stays within [`MAX_PUSH_BYTES`] (at least
/// one entry: the write API never logs one that cannot travel alone) and encodes the request of
/// `device_id`. `None` when `listed` is empty.
pub(crate) fn encode(device_id: Uuid, mut listed: Vec<LoggedChange>) -> Result<Option<Batch>> {
    if listed.is_empty() {
        return Ok(None);
    }
    let envelope = Body {
        protocol_version: PROTOCOL_VERSION,
        device_id,
        changes: &[],
    };
    let mut total = serde_json::to_vec(&envelope).map_err(failed)?.len();
    let mut encoded = Vec::with_capacity(listed.len());
    for change in &listed {
        let entry = to_raw_value(&wire(change)).map_err(failed)?;
        // One comma between entries.
        let grown = total + entry.get().len() + usize::from(!encoded.is_empty());
        if !encoded.is_empty() && grown > MAX_PUSH_BYTES {
            break;
        }
        total = grown;
        encoded.push(entry);
    }
    listed.truncate(encoded.len());
    let mut body = Vec::with_capacity(total);
    serde_json::to_writer(
        &mut body,
        &Body {
            changes: &encoded,
            ..envelope
        },
    )
    .map_err(failed)?;
    Ok(Some(Batch {
        changes: listed,
        body,
    }))
}

/// The logged entry as pushed, its payload the logged text as it is.
fn wire(change: &LoggedChange) -> WireChange<&RawValue> {
    WireChange {
        seq: change.seq,
        change_id: change.change_id,
        entity: change.entity.as_str().to_owned(),
        entity_id: change.entity_id.clone(),
        operation: change.operation.as_str().to_owned(),
        payload: &change.payload,
        created_at: change.created_at,
    }
}

fn failed(e: serde_json::Error) -> Error {
    Error::Storage(format!("the push could not be encoded: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changelog::{Change, Entity, Operation};
    use crate::sync::protocol::PushRequest;
    use chrono::DateTime;

    fn logged(seq: i64, payload: &str) -> LoggedChange {
        LoggedChange {
            seq,
            change_id: Uuid::now_v7(),
            entity: Entity::ChatMessage,
            entity_id: format!("id \"{seq}\" 한글"),
            operation: Operation::Insert,
            payload: RawValue::from_string(payload.to_owned()).expect("json"),
            created_at: DateTime::UNIX_EPOCH + chrono::Duration::milliseconds(seq * 1_001),
        }
    }

    fn wire(c: &LoggedChange) -> WireChange {
        WireChange::from(Change {
            seq: c.seq,
            change_id: c.change_id,
            entity: c.entity,
            entity_id: c.entity_id.clone(),
            operation: c.operation,
            payload: serde_json::from_str(c.payload.get()).expect("payload"),
            created_at: c.created_at,
        })
    }

    #[test]
    fn the_body_is_the_push_request_of_the_entries() {
        let device = Uuid::now_v7();
        let listed = vec![
            logged(1, r#"{"content":"안녕 \"quoted\"\n","n":[1,2.5,null]}"#),
            logged(2, r#"{"a":{"b":[]}}"#),
            logged(3, "null"),
        ];
        let expected = PushRequest {
            protocol_version: PROTOCOL_VERSION,
            device_id: device,
            changes: listed.iter().map(wire).collect(),
        };
        let batch = encode(device, listed).expect("encode").expect("a batch");
        assert_eq!(batch.changes.len(), 3);
        assert_eq!(batch.last_seq(), Some(3));
        let read: PushRequest = serde_json::from_slice(&batch.body).expect("a push request");
        assert_eq!(read, expected);
        assert_eq!(
            batch.body,
            serde_json::to_vec(&expected).expect("encode"),
            "byte for byte what the request's own encoding makes"
        );
    }

    #[test]
    fn a_batch_stops_before_the_byte_limit_and_never_below_one_entry() {
        let device = Uuid::now_v7();
        let filler = "x".repeat(MAX_PUSH_BYTES / 8);
        let listed: Vec<_> = (1..=30)
            .map(|seq| logged(seq, &format!(r#"{{"content":"{filler}"}}"#)))
            .collect();
        let batch = encode(device, listed).expect("encode").expect("a batch");
        let n = batch.changes.len();
        assert!(n > 1 && n < 30, "{n}");
        assert!(batch.body.len() <= MAX_PUSH_BYTES, "{}", batch.body.len());
        // One more entry would not have fitted.
        let next = wire(&logged(
            n as i64 + 1,
            &format!(r#"{{"content":"{filler}"}}"#),
        ));
        let one_more = batch.body.len() + 1 + next.wire_len().expect("size");
        assert!(one_more > MAX_PUSH_BYTES, "{one_more}");

        let huge = format!(r#"{{"content":"{}"}}"#, "y".repeat(MAX_PUSH_BYTES));
        let alone = encode(device, vec![logged(1, &huge), logged(2, "{}")])
            .expect("encode")
            .expect("a batch");
        assert_eq!(alone.changes.len(), 1, "an entry travels alone");

        assert!(encode(device, Vec::new()).expect("encode").is_none());
    }
}

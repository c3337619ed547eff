//! `GET /v1/sync/pull`: one page of a user's feed, and the counts a device checks its rows against.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `GET /v1/sync/pull`: one page of the user's feed. `P` is how payloads are held: parsed
/// [`serde_json::Value`] for clients; the server passes its stored JSON through unparsed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse<P = serde_json::Value> {
    /// Changes in feed order; apply them in this order.
    pub changes: Vec<ServerChange<P>>,
    /// Pass as `cursor` on the next pull (also when `has_more` is false, to get later changes).
    pub next_cursor: String,
    /// Whether another page is ready right now.
    pub has_more: bool,
    /// On the last page (`has_more: false`) only, and only from servers that send it: counts of
    /// the user's records in the server's current state, for the device to compare with the
    /// rows it holds and re-pull if they disagree. Absent from older servers' answers; older
    /// clients ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checks: Option<ScopeChecks>,
    /// Only when the request asked for it (`count=true`) and only from servers that support it:
    /// how many changes of the user's feed follow this page, counted when the page was read (a
    /// progress bar's total). Absent otherwise; older clients ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u64>,
}

/// Per-scope counts of what the server holds for a user (see [`PullResponse::checks`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeChecks {
    /// The user's point ledger.
    pub ledger: LedgerCheck,
    /// How many practice sessions of the user the server holds (every one it accepted).
    pub practice_sessions: u64,
    /// Every room the user is a member of, with its message count.
    pub rooms: Vec<RoomCheck>,
}

/// The count and sum of a user's ledger entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerCheck {
    /// How many point transactions.
    pub count: u64,
    /// The sum of their points (the balance).
    pub points: i64,
}

/// How many messages one room holds, deleted ones (tombstones) included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomCheck {
    /// The room.
    pub room_id: Uuid,
    /// Its messages, live and deleted.
    pub messages: u64,
}

/// One change in a user's feed. The payload is always the whole current state of the record
/// (for a delete, its tombstone or its key), so applying a change is an upsert. `P` as in
/// [`PullResponse`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerChange<P = serde_json::Value> {
    /// The change's place in the server's global history: the record's version. A chat
    /// message's `sort_key` is the `server_seq` of its insert. Changes a user receives when
    /// their scope grows (joining a room) keep their original `server_seq`, so within one feed
    /// it is not always increasing; the cursor, not this number, tracks progress.
    pub server_seq: i64,
    /// Kind of record: a [`crate::ServerEntity`] name, or one this version does not know (a client
    /// skips such a change and goes on; the vocabulary is open so servers can add kinds).
    pub entity: String,
    /// Id of the record, as the client's change log names it.
    pub entity_id: String,
    /// `"insert"`, `"update"` or `"delete"`; an unknown one is skipped like an unknown entity.
    pub operation: String,
    /// The record, in the form [`crate::ServerEntity`] documents.
    pub payload: P,
    /// The pushed change that caused it, so a device can recognise its own changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_change_id: Option<Uuid>,
}

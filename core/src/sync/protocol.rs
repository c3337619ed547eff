//! The wire types of the sync protocol (version [`PROTOCOL_VERSION`]), shared by the sync engine
//! and the reference server so the two cannot drift. `docs/sync-protocol.md` explains the rules;
//! this file only says what travels. It depends on serde, uuid and chrono alone, so the core stays
//! free of HTTP crates.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::changelog::{Change, Entity, Operation};

/// The protocol version this build speaks. Sent in the `StudyMate-Protocol` header and in
/// [`PushRequest::protocol_version`]; a server that speaks another answers 400 `unsupported_protocol`.
pub const PROTOCOL_VERSION: u32 = 1;

/// Name of the HTTP header that carries the protocol version.
pub const PROTOCOL_HEADER: &str = "StudyMate-Protocol";

/// Default number of changes in a pull page.
pub const DEFAULT_PULL_LIMIT: u32 = 500;

/// Largest pull page a client may ask for.
pub const MAX_PULL_LIMIT: u32 = 5000;

/// Most bytes of change payloads in one pull page: the server ends a page early, before the change
/// that would cross this budget (a page always holds at least one change, however large), and
/// answers `has_more: true`.
pub const MAX_PULL_BYTES: usize = 4 * 1024 * 1024;

/// Most change-log entries one push may carry.
pub const MAX_PUSH_CHANGES: usize = 1000;

/// Largest request body a server accepts (a push over it is answered 413 `payload_too_large`).
/// The reference server enforces exactly this; a device sizes its push batches to fit.
pub const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;

/// Bytes a device puts in one push body at most: [`MAX_REQUEST_BYTES`] less a margin, so a
/// proxy that adds a little (or a server that counts a little differently) still lets it through.
pub const MAX_PUSH_BYTES: usize = MAX_REQUEST_BYTES - 16 * 1024;

/// Most bytes one change-log entry may take in a push body ([`WireChange::wire_len`]): what a
/// batch of one entry leaves for it under [`MAX_PUSH_BYTES`] after the request's envelope
/// (`protocol_version`, `device_id`, brackets; under 1 KiB). The device's write API refuses a
/// larger entry (`InvalidInput`) before it reaches the change log, so every logged entry can be
/// pushed.
pub const MAX_CHANGE_BYTES: usize = MAX_PUSH_BYTES - 1024;

/// `POST /v1/auth/signup`: creates an account and signs it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupRequest {
    /// Unique handle, 1–50 characters.
    pub username: String,
    /// At least 8 characters; only a salted hash is stored.
    pub password: String,
    /// The name shown in the app, 1–100 characters.
    pub display_name: String,
    /// The id the device already gave its user; the server keeps it. `None` lets the server make one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Uuid>,
}

/// `POST /v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    /// The handle given at signup.
    pub username: String,
    /// The password.
    pub password: String,
}

/// `POST /v1/auth/refresh`: trades a refresh token (used once) for a new token pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshRequest {
    /// The refresh token from the last signup, login or refresh.
    pub refresh_token: String,
}

/// The answer to signup, login and refresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthResponse {
    /// The signed-in user.
    pub user_id: Uuid,
    /// Bearer token for `Authorization: Bearer …`; expires after `expires_in_seconds`.
    pub access_token: String,
    /// Single-use token for `/v1/auth/refresh`; each refresh returns a new one.
    pub refresh_token: String,
    /// Lifetime of the access token, in seconds from now.
    pub expires_in_seconds: u64,
}

/// One change-log entry as pushed: the device's [`Change`], with the kind of record and the
/// operation as plain strings. The vocabulary is open on the wire: a server reads a kind or an
/// operation it does not know as one refused entry (`unsupported_operation`), not as a malformed
/// request, so devices of a newer version can still push to it. [`WireChange::kind`] parses them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireChange {
    /// Per-device sequence number.
    pub seq: i64,
    /// Idempotency key.
    pub change_id: Uuid,
    /// Kind of record, e.g. `"chat_message"` ([`Entity`] names the ones this version knows).
    pub entity: String,
    /// Id of the record.
    pub entity_id: String,
    /// `"insert"`, `"update"` or `"delete"` ([`Operation`]), or one a later version adds.
    pub operation: String,
    /// The record or the changed fields.
    pub payload: serde_json::Value,
    /// When the change was made, by the device clock.
    pub created_at: DateTime<Utc>,
}

impl WireChange {
    /// Bytes this entry takes in a push body: the length of its compact JSON.
    pub fn wire_len(&self) -> serde_json::Result<usize> {
        let mut counter = ByteCounter(0);
        serde_json::to_writer(&mut counter, self)?;
        Ok(counter.0)
    }

    /// The kind and operation, when this version knows both.
    pub fn kind(&self) -> Option<(Entity, Operation)> {
        Some((
            Entity::parse("entity", &self.entity).ok()?,
            Operation::parse("operation", &self.operation).ok()?,
        ))
    }
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

/// `POST /v1/sync/push`: an ordered batch of the device's change-log entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    /// Must be [`PROTOCOL_VERSION`].
    pub protocol_version: u32,
    /// The device that made the changes; with `seq`, the second idempotency key.
    pub device_id: Uuid,
    /// The entries in `seq` order, at most [`MAX_PUSH_CHANGES`].
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
    /// Kind of record: a [`ServerEntity`] name, or one this version does not know (a client
    /// skips such a change and goes on; the vocabulary is open so servers can add kinds).
    pub entity: String,
    /// Id of the record, as the client's change log names it.
    pub entity_id: String,
    /// `"insert"`, `"update"` or `"delete"` ([`Operation`]); an unknown one is skipped like an
    /// unknown entity.
    pub operation: String,
    /// The record, in the form [`ServerEntity`] documents.
    pub payload: P,
    /// The pushed change that caused it, so a device can recognise its own changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_change_id: Option<Uuid>,
}

/// The kinds of record in the feed and the payload each carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerEntity {
    /// A catalog situation: [`crate::catalog::Situation`].
    Situation,
    /// A catalog variation: [`crate::catalog::Variation`].
    Variation,
    /// An achievement definition: [`crate::catalog::Achievement`].
    Achievement,
    /// The signed-in user's own full profile: [`crate::profile::Profile`].
    Profile,
    /// Someone else's public profile: [`PublicProfile`].
    PublicProfile,
    /// One of the user's languages: [`crate::profile::UserLanguage`]; on delete
    /// `{language_code, role}`.
    UserLanguage,
    /// One of the user's interests: `{interest_tag}`.
    UserInterest,
    /// One onboarding step: `{step, data}`; the client derives progress as on a local save.
    Onboarding,
    /// A practice session: [`crate::practice::PracticeSession`].
    PracticeSession,
    /// A ledger entry: [`crate::ledger::PointTransaction`].
    PointTransaction,
    /// Progress on an achievement: [`UserAchievementRecord`].
    UserAchievement,
    /// A room with its members: [`crate::chat::Room`]. A delete means the user left or was
    /// removed; the payload is `{room_id}`.
    ChatRoom,
    /// A message's full state: [`crate::chat::Message`] with `send_state` `sent` and the
    /// server's `sort_key`.
    ChatMessage,
    /// A member's read marker: [`ReadMarker`]. Markers only move forward.
    ReadMarker,
}

impl ServerEntity {
    /// Every kind, in declaration order.
    pub const ALL: &'static [ServerEntity] = &[
        ServerEntity::Situation,
        ServerEntity::Variation,
        ServerEntity::Achievement,
        ServerEntity::Profile,
        ServerEntity::PublicProfile,
        ServerEntity::UserLanguage,
        ServerEntity::UserInterest,
        ServerEntity::Onboarding,
        ServerEntity::PracticeSession,
        ServerEntity::PointTransaction,
        ServerEntity::UserAchievement,
        ServerEntity::ChatRoom,
        ServerEntity::ChatMessage,
        ServerEntity::ReadMarker,
    ];

    /// The wire name, as serde writes it (`"chat_message"` …).
    pub fn as_str(self) -> &'static str {
        match self {
            ServerEntity::Situation => "situation",
            ServerEntity::Variation => "variation",
            ServerEntity::Achievement => "achievement",
            ServerEntity::Profile => "profile",
            ServerEntity::PublicProfile => "public_profile",
            ServerEntity::UserLanguage => "user_language",
            ServerEntity::UserInterest => "user_interest",
            ServerEntity::Onboarding => "onboarding",
            ServerEntity::PracticeSession => "practice_session",
            ServerEntity::PointTransaction => "point_transaction",
            ServerEntity::UserAchievement => "user_achievement",
            ServerEntity::ChatRoom => "chat_room",
            ServerEntity::ChatMessage => "chat_message",
            ServerEntity::ReadMarker => "read_marker",
        }
    }

    /// Parses a wire name; `None` for a name this version does not know.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|e| e.as_str() == name)
    }
}

/// The part of a profile other members of the user's rooms may see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicProfile {
    /// The user's id.
    pub user_id: Uuid,
    /// Unique handle, if set.
    pub username: Option<String>,
    /// The name shown in the app.
    pub display_name: String,
    /// The name in Korean, if given.
    pub korean_name: Option<String>,
    /// Avatar address.
    pub profile_image_url: Option<String>,
    /// A short self-introduction.
    pub intro: Option<String>,
    /// City of residence.
    pub city: Option<String>,
    /// Overall level.
    pub language_level: crate::profile::Level,
    /// The fluency the learner aims for.
    pub target_fluency_level: Option<crate::profile::FluencyTarget>,
    /// Learning goals.
    pub learning_goals: Vec<String>,
    /// When the profile last changed.
    pub updated_at: DateTime<Utc>,
}

/// The payload of a `user_achievement` insert or update (entity id: the achievement id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserAchievementRecord {
    /// The achievement definition.
    pub achievement_id: Uuid,
    /// Progress towards it, as the rewards engine tracks it (a JSON object).
    pub progress: serde_json::Value,
    /// When it was unlocked; once set, the server keeps the first value.
    #[serde(default)]
    pub completed_at: Option<DateTime<Utc>>,
    /// Points the unlock awarded.
    #[serde(default)]
    pub points_earned: u32,
    /// Shown at the top of the profile.
    #[serde(default)]
    pub is_pinned: bool,
    /// Visible to others.
    #[serde(default = "visible")]
    pub is_public: bool,
    /// When it last changed, by the device clock.
    pub updated_at: DateTime<Utc>,
}

/// A member's read marker in a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadMarker {
    /// The room.
    pub room_id: Uuid,
    /// Whose marker it is.
    pub user_id: Uuid,
    /// The newest message they have read.
    pub message_id: Uuid,
    /// That message's `sort_key`: compare to keep the maximum.
    pub sort_key: i64,
}

/// The payload of a pushed `read_marker` update (entity id: the room id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadMarkerUpdate {
    /// The room.
    pub room_id: Uuid,
    /// The newest message read.
    pub message_id: Uuid,
}

/// The payload of a pushed `chat_participant` insert or delete (entity id `room_id:user_id`): an
/// admin of a group room adds a member; a member leaves, or an admin removes one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantChange {
    /// The room.
    pub room_id: Uuid,
    /// The member added or removed.
    pub user_id: Uuid,
    /// Role of an added member; `MEMBER` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<crate::chat::ParticipantRole>,
}

/// The body of every error answer: a stable machine code and a sentence for developers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable code such as `history_reset` or `token_expired`.
    pub code: String,
    /// What went wrong, for logs and developers.
    pub message: String,
}

/// The live channel's endpoint, `GET` with the bearer token and the protocol header: a
/// server-sent event stream that says when the user's feed moved (never what moved).
pub const LIVE_PATH: &str = "/v1/sync/live";

/// The SSE event name of [`LiveFeed`]: the user's feed has positions up to `cursor`.
pub const LIVE_EVENT_FEED: &str = "feed";

/// The SSE event name of [`LiveClosed`], the last event before the server closes the channel.
pub const LIVE_EVENT_CLOSED: &str = "closed";

/// Data of a `feed` event: the cursor a pull reaching the current end of the user's feed would
/// return (the same opaque form as [`PullResponse::next_cursor`]). Sent once when the channel
/// opens and again whenever the feed grows; a device whose saved cursor differs pulls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveFeed {
    /// The cursor of the feed's current end.
    pub cursor: String,
}

/// Data of a `closed` event: why the server ends the channel (`token_expired`, `unauthorized`
/// for a revoked or rotated token, `shutdown`). The device reconnects; a refused token is then
/// answered 401 as on every endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveClosed {
    /// Stable reason code.
    pub reason: String,
}

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthResponse {
    /// `"ok"` when the store answers.
    pub status: String,
    /// The protocol version the server speaks.
    pub protocol_version: u32,
}

/// Counts the bytes written to it (sizes JSON without keeping it).
struct ByteCounter(usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn visible() -> bool {
    true
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
    fn entity_names_match_serde() {
        for entity in ServerEntity::ALL {
            let json = serde_json::to_value(entity).unwrap();
            assert_eq!(json, serde_json::Value::String(entity.as_str().into()));
            assert_eq!(ServerEntity::parse(entity.as_str()), Some(*entity));
        }
    }

    #[test]
    fn push_request_round_trips_a_change_log_entry() {
        let request = PushRequest {
            protocol_version: PROTOCOL_VERSION,
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
        let read = serde_json::from_str::<PushRequest>(&text).unwrap();
        assert_eq!(read, request);
        assert_eq!(
            read.changes[0].kind(),
            Some((Entity::ChatMessage, Operation::Insert))
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
        assert_eq!(read.changes[0].kind(), None);
    }
}

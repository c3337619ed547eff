//! The wire types of the StudyMate sync protocol (version [`PROTOCOL_VERSION`]), shared by the
//! sync client in `studymate-core` and the reference server, so the two cannot drift.
//! `docs/sync-protocol.md` explains the rules; this crate only says what travels.
//!
//! It depends on serde, uuid and chrono alone: the server links it without the client's HTTP
//! stack or the scheduler. The payloads that are domain records with their own rules (a
//! profile, a practice session, a chat room …) stay with their domain in `studymate-core`; the
//! ones defined here are the protocol's own envelopes and the small records only sync carries.
//! Kinds of record and operations travel as plain strings ([`WireChange::entity`],
//! [`ServerChange::entity`]), so a peer of another version can still read the envelope.

mod auth;
mod entity;
mod http;
mod live;
mod pull;
mod push;
mod records;
pub mod unsigned;

pub use auth::{AuthResponse, LoginRequest, RefreshRequest, SignupRequest};
pub use entity::ServerEntity;
pub use http::{ErrorBody, HealthResponse};
pub use live::{LIVE_EVENT_CLOSED, LIVE_EVENT_FEED, LIVE_PATH, LiveClosed, LiveFeed};
pub use pull::{LedgerCheck, PullResponse, RoomCheck, ScopeChecks, ServerChange};
pub use push::{ChangeResult, ChangeStatus, PushRequest, PushResponse, WireChange};
pub use records::{ReadMarker, ReadMarkerUpdate, UserAchievementRecord};

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

/// The length in bytes of `value`'s compact JSON, what it takes on the wire, counted without
/// building the text. Sizes push batches and entries ([`WireChange::wire_len`]) and the device's
/// limits on free-form JSON fields.
pub fn json_len<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<usize> {
    let mut counter = ByteCounter(0);
    serde_json::to_writer(&mut counter, value)?;
    Ok(counter.0)
}

/// Counts the bytes written to it.
struct ByteCounter(usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 = self.0.saturating_add(buf.len());
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

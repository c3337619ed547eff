//! `GET /v1/sync/live`: the live channel, a server-sent event stream that says when the user's
//! feed moved (never what moved).

use serde::{Deserialize, Serialize};

/// The live channel's endpoint, `GET` with the bearer token and the protocol header.
pub const LIVE_PATH: &str = "/v1/sync/live";

/// The SSE event name of [`LiveFeed`]: the user's feed has positions up to `cursor`.
pub const LIVE_EVENT_FEED: &str = "feed";

/// The SSE event name of [`LiveClosed`], the last event before the server closes the channel.
pub const LIVE_EVENT_CLOSED: &str = "closed";

/// Data of a `feed` event: the cursor a pull reaching the current end of the user's feed would
/// return (the same opaque form as [`crate::PullResponse::next_cursor`]). Sent once when the
/// channel opens and again whenever the feed grows; a device whose saved cursor differs pulls.
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

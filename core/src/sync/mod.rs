//! Sync with the server: the wire protocol shared with the reference server, and the client
//! engine that pushes the change log and pulls the user's feed (`docs/sync-client.md`).
//!
//! One job per module: [`protocol`] (wire types), `transport` (HTTP, TLS, timeouts, 401 and
//! retries), `answer` (an answer read off the wire, and errors describing it), `retry`
//! (backoff), [`auth`] (token provider and session helper), `lock` (one sync per database
//! file), `outbox` (push and acknowledgements), `push_body` (a push batch encoded),
//! `decisions` (the server's decisions on a batch recorded), `pull` (paging and cursor), `feed`
//! (a pull page parsed into typed records), `apply` (one page into the local tables, through the domain
//! modules that own them), `state` (saved sync state), `control` (observer and cancellation),
//! `engine` (the `Client` calls), `live` (live sync: the channel, pokes and prompt pushes).
//!
//! Only [`protocol`] is in every build. The engine is behind the default `client` feature: it
//! is what links the HTTP stack (reqwest), and the reference server, which shares the wire types
//! and the domain's rules but never syncs as a device, builds core without it.

pub mod protocol;

// The engine: only in builds with the `client` feature (the server builds without it).
#[cfg(feature = "client")]
mod answer;
#[cfg(feature = "client")]
mod apply;
#[cfg(feature = "client")]
pub mod auth;
#[cfg(feature = "client")]
mod checks;
#[cfg(feature = "client")]
mod control;
#[cfg(feature = "client")]
mod decisions;
#[cfg(feature = "client")]
mod engine;
#[cfg(feature = "client")]
mod feed;
#[cfg(feature = "client")]
mod http;
#[cfg(feature = "client")]
pub(crate) mod live;
#[cfg(feature = "client")]
mod lock;
#[cfg(feature = "client")]
mod outbox;
#[cfg(feature = "client")]
mod pull;
#[cfg(feature = "client")]
mod push_body;
#[cfg(feature = "client")]
mod retry;
#[cfg(feature = "client")]
mod rooms;
#[cfg(feature = "client")]
mod state;
#[cfg(feature = "client")]
mod transport;

#[cfg(feature = "client")]
use {
    crate::client::Client, protocol::ServerEntity, std::sync::Arc, std::time::Duration, uuid::Uuid,
};
#[cfg(feature = "client")]
pub use {
    auth::{Refresh, ServerSession, TokenListener, TokenProvider},
    control::{CancelToken, NoObserver, SyncObserver, SyncProgress, SyncState},
    live::{LiveConfig, LiveListener, LiveSync, NoLiveListener},
    retry::RetryPolicy,
    state::{RejectedChange, SyncStatus},
};

/// [`protocol::MAX_PULL_BYTES`] as the type of [`SyncConfig::pull_max_bytes`].
#[cfg(feature = "client")]
pub(crate) const MAX_PULL_BYTES_U32: u32 = {
    assert!(protocol::MAX_PULL_BYTES <= u32::MAX as usize);
    protocol::MAX_PULL_BYTES as u32
};

/// How to reach the server for one [`Client::sync`] run.
#[cfg(feature = "client")]
#[derive(Clone)]
pub struct SyncConfig {
    /// The server's base URL, e.g. `https://sync.studymate.app` (no trailing `/v1`).
    pub base_url: String,
    /// Supplies and renews the bearer token.
    pub tokens: Arc<dyn TokenProvider>,
    /// Told about state changes and progress.
    pub observer: Arc<dyn SyncObserver>,
    /// Cancels the run from another thread.
    pub cancel: CancelToken,
    /// Retries of transient failures.
    pub retry: RetryPolicy,
    /// Limit on establishing a connection (default 10 s).
    pub connect_timeout: Duration,
    /// Limit on each whole request, answer body included (default 60 s).
    pub request_timeout: Duration,
    /// Changes per pull page, 1–5000 (default 1000).
    pub pull_limit: u32,
    /// Most bytes of payloads per pull page, 1–4 MiB (default 4 MiB, [`protocol::MAX_PULL_BYTES`]):
    /// an app short of memory asks for smaller pages. A page holds at least one change, however
    /// large; servers that do not know the parameter use their own budget.
    pub pull_max_bytes: u32,
}

#[cfg(feature = "client")]
impl SyncConfig {
    /// A configuration with the defaults: no observer, a fresh cancel token, [`RetryPolicy::default`].
    pub fn new(base_url: impl Into<String>, tokens: Arc<dyn TokenProvider>) -> Self {
        SyncConfig {
            base_url: base_url.into(),
            tokens,
            observer: Arc::new(NoObserver),
            cancel: CancelToken::new(),
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            pull_limit: 1000,
            pull_max_bytes: MAX_PULL_BYTES_U32,
        }
    }
}

#[cfg(feature = "client")]
impl std::fmt::Debug for SyncConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncConfig")
            .field("base_url", &self.base_url)
            .field("retry", &self.retry)
            .field("pull_limit", &self.pull_limit)
            .field("pull_max_bytes", &self.pull_max_bytes)
            .finish_non_exhaustive()
    }
}

/// What a sync run changed in the local database, so the screens showing it can reload (the
/// client's listeners hear of it as a `DataChange`).
#[cfg(feature = "client")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "SyncChanges"))]
pub struct Changed {
    /// The kinds of record that changed (pulled, or corrected after the server's decision),
    /// each once, in order.
    pub entities: Vec<ServerEntity>,
    /// The chat rooms whose messages, members or read markers changed, each once, in order.
    pub rooms: Vec<Uuid>,
}

#[cfg(feature = "client")]
impl Changed {
    /// Notes a change of `entity`, in `room` when it is about a chat room.
    pub(crate) fn note(&mut self, entity: ServerEntity, room: Option<Uuid>) {
        self.note_entity(entity);
        if let Some(room) = room {
            self.note_room(room);
        }
    }

    /// Notes a change of `entity` (once).
    pub(crate) fn note_entity(&mut self, entity: ServerEntity) {
        if let Err(at) = self.entities.binary_search(&entity) {
            self.entities.insert(at, entity);
        }
    }

    /// Notes a change in chat room `room` (once).
    pub(crate) fn note_room(&mut self, room: Uuid) {
        if let Err(at) = self.rooms.binary_search(&room) {
            self.rooms.insert(at, room);
        }
    }

    /// Adds what `other` changed.
    pub(crate) fn merge(&mut self, other: Changed) {
        other.entities.into_iter().for_each(|e| self.note_entity(e));
        other.rooms.into_iter().for_each(|r| self.note_room(r));
    }
}

/// What one sync run did.
#[cfg(feature = "client")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncReport {
    /// Change-log entries the server decided in this run.
    pub pushed: i64,
    /// Of those, applied now.
    pub applied: i64,
    /// Of those, applied by an earlier push (a retry after a lost answer).
    pub duplicate: i64,
    /// Of those, refused (listed by `rejectedChanges`).
    pub rejected: i64,
    /// Server changes applied locally.
    pub pulled: i64,
    /// Times the server's history was reset and the feed pulled again from the start.
    pub history_resets: i64,
    /// Times this device's rows disagreed with the counts the server sent once it had caught
    /// up, and the feed was pulled again from the start to repair them (at most once a run).
    pub consistency_repairs: i64,
    /// The scopes (`ledger`, `practice_sessions`, `room:<id>`) that still disagreed with the
    /// server's counts after that repair; empty when everything agrees. They are compared again,
    /// and repaired again, on the next run.
    pub inconsistent_scopes: Vec<String>,
    /// What the run changed locally.
    pub changed: Changed,
}

/// Everything a running sync shares between its phases.
#[cfg(feature = "client")]
pub(crate) struct Run<'a> {
    pub client: &'a Client,
    pub observer: &'a dyn SyncObserver,
    pub cancel: &'a CancelToken,
    pub pull_limit: u32,
    pub pull_max_bytes: u32,
}

//! Sync with the StudyMate server: the app-implemented [`TokenProvider`] and [`SyncObserver`],
//! the [`SyncOptions`] of a run, the [`SyncHandle`] that cancels it, the async `Client.sync`
//! call and the sync status calls, and [`AuthSession`] (signup/login/refresh against the
//! server, usable as the token provider) so an app needs no HTTP code of its own.
//!
//! `sync` runs core's blocking engine on a worker thread (`offload`), so awaiting it from the
//! main thread or a coroutine does not block. The token provider, the token listener and the
//! sync observer are called on that worker thread. Cancelling the coroutine awaiting `sync`
//! cancels the run (the dropped future cancels its token), and what the run committed is
//! announced to the data observer from the worker, whether or not anyone still awaits it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use studymate_core::changelog::{Entity, Operation};
use studymate_core::chat::Message;
use studymate_core::sync::protocol::{AuthResponse, LoginRequest, ServerEntity, SignupRequest};
use studymate_core::sync::{
    self as core_sync, CancelToken, Refresh, RejectedChange, RetryPolicy, ServerSession,
    SyncConfig, SyncProgress, SyncState, SyncStatus,
};
use studymate_core::{Error as CoreError, Result as CoreResult};
use uuid::Uuid;

use crate::callback::CallbackError;
use crate::client::{Client, Notifier};
use crate::error::{Result, StudyMateError};
use crate::observer::{DataArea, DataChange};
use crate::offload::offload;
use crate::types::Timestamp;

/// Supplies the bearer token for sync. Implemented by the app over its token storage, or use
/// [`AuthSession::token_provider`] (which does everything below itself).
///
/// The engine asks for `access_token` before each request sequence; when the server answers
/// 401 it calls `refresh` **once** and retries with the new token; a second 401 ends the sync
/// with `Auth`. Throw `StudyMateError.Auth` from `refresh` when the user must sign in again,
/// `StudyMateError.Network` when offline. Any other exception counts as `Network` (retry
/// later), except `Protocol` and `Cancelled`, which keep their kind, and the input-type
/// errors (`InvalidInput`, `NotFound`, `Conflict`), which count as `Auth`.
///
/// An app's own `refresh` must keep one refresh in flight (when the current access token is no
/// longer `context.refusedAccessToken()`, return it instead of refreshing again), store the new
/// pair before returning its access token, and send the same refresh token again when a
/// refresh's answer was lost.
#[uniffi::export(with_foreign)]
pub trait TokenProvider: Send + Sync {
    /// The current access token.
    fn access_token(&self) -> Result<String>;
    /// Obtains a fresh access token after the server refused `context.refusedAccessToken()`,
    /// and returns it.
    fn refresh(&self, context: Arc<RefreshContext>) -> Result<String>;
}

/// Told when an [`AuthSession`]'s token pair changes (a refresh), before the new access token
/// is used: store the pair now (Keychain / Keystore). If it throws, the session keeps its
/// previous pair and the sync fails with `Storage`; the next refresh sends the previous refresh
/// token again, which the server honours because the new pair was never used.
#[uniffi::export(with_foreign)]
pub trait TokenListener: Send + Sync {
    /// The session's new token pair.
    fn tokens_changed(&self, tokens: AuthResponse) -> Result<(), CallbackError>;
}

/// What a token refresh is asked under: the access token the server refused, and whether the
/// sync asking for it was cancelled.
#[derive(Debug, uniffi::Object)]
pub struct RefreshContext {
    request: Refresh,
}

#[uniffi::export]
impl RefreshContext {
    /// The access token the server refused.
    pub fn refused_access_token(&self) -> String {
        self.request.refused.clone()
    }

    /// Whether the sync asking for the refresh was cancelled (stop and throw `Cancelled`).
    pub fn is_cancelled(&self) -> bool {
        self.request.cancel.is_cancelled()
    }
}

/// Receives a running sync's state changes and progress (e.g. to drive a spinner). Called on
/// the sync's worker thread: keep it quick, post to the UI thread. An exception it throws is
/// logged and does not affect the sync.
#[uniffi::export(with_foreign)]
pub trait SyncObserver: Send + Sync {
    /// The sync moved to `state`.
    fn state_changed(&self, state: SyncState) -> Result<(), CallbackError>;
    /// A push batch was decided or a pull page applied.
    fn progress(&self, progress: SyncProgress) -> Result<(), CallbackError>;
}

#[uniffi::remote(Enum)]
pub enum SyncState {
    Idle,
    Pushing,
    Pulling,
    Offline,
    Error,
}

/// Counts so far in the current run.
#[uniffi::remote(Record)]
pub struct SyncProgress {
    /// Change-log entries the server has decided so far.
    pub pushed: u64,
    /// Change-log entries still waiting to be pushed (as of the last batch read).
    pub outbox: u64,
    /// Server changes applied so far.
    pub pulled: u64,
    /// How many server changes this pull is expected to apply in all (applied plus what the
    /// server counted as waiting when the pull began); null while pushing and from servers
    /// that do not count. Changes arriving during the pull may take `pulled` past it.
    pub pull_total: Option<u64>,
}

/// What one sync run did. (What it changed locally goes to the data observer.)
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    /// Change-log entries the server decided in this run.
    pub pushed: u64,
    /// Of those, applied now.
    pub applied: u64,
    /// Of those, applied by an earlier push (a retry after a lost answer).
    pub duplicate: u64,
    /// Of those, refused (listed by `rejectedChanges`).
    pub rejected: u64,
    /// Server changes applied locally.
    pub pulled: u64,
    /// Times the server's history was reset and the feed pulled again.
    pub history_resets: u64,
    /// Times this device's rows disagreed with the server's counts and the feed was pulled
    /// again to repair them.
    pub consistency_repairs: u64,
    /// Scopes that still disagreed after that repair (`ledger`, `practice_sessions`,
    /// `room:<id>`).
    pub inconsistent_scopes: Vec<String>,
}

impl From<&core_sync::SyncReport> for SyncReport {
    fn from(r: &core_sync::SyncReport) -> Self {
        SyncReport {
            pushed: r.pushed,
            applied: r.applied,
            duplicate: r.duplicate,
            rejected: r.rejected,
            pulled: r.pulled,
            history_resets: r.history_resets,
            consistency_repairs: r.consistency_repairs,
            inconsistent_scopes: r.inconsistent_scopes.clone(),
        }
    }
}

/// The data areas that changes of `entity` touch.
fn area_of(entity: ServerEntity) -> DataArea {
    match entity {
        ServerEntity::Situation | ServerEntity::Variation | ServerEntity::Achievement => {
            DataArea::Catalog
        }
        ServerEntity::Profile => DataArea::Profile,
        ServerEntity::PublicProfile => DataArea::Contacts,
        ServerEntity::UserLanguage => DataArea::Languages,
        ServerEntity::UserInterest => DataArea::Interests,
        ServerEntity::Onboarding => DataArea::Onboarding,
        ServerEntity::PracticeSession => DataArea::Practice,
        ServerEntity::PointTransaction => DataArea::Points,
        ServerEntity::UserAchievement => DataArea::Achievements,
        ServerEntity::ChatRoom => DataArea::ChatRooms,
        ServerEntity::ChatMessage | ServerEntity::ReadMarker => DataArea::ChatMessages,
    }
}

/// The data-change event for what a finished run changed, if anything.
pub(crate) fn change_of(changed: &core_sync::Changed) -> Option<DataChange> {
    let mut areas: Vec<DataArea> = Vec::new();
    for area in changed.entities.iter().map(|e| area_of(*e)) {
        if !areas.contains(&area) {
            areas.push(area);
        }
    }
    (!areas.is_empty()).then(|| DataChange {
        areas,
        rooms: changed.rooms.iter().copied().collect(),
    })
}

/// Where sync stands, for a status line.
#[uniffi::remote(Record)]
pub struct SyncStatus {
    /// Change-log entries not yet decided by the server.
    pub outbox: u64,
    /// Changes the server refused.
    pub rejected: u64,
    /// Whether this device has pulled before.
    pub has_cursor: bool,
}

/// A change the server refused for good.
#[uniffi::remote(Record)]
pub struct RejectedChange {
    /// The refused change-log entry's sequence.
    pub seq: i64,
    /// Its change id.
    pub change_id: Uuid,
    /// Kind of record.
    pub entity: Entity,
    /// The record's id.
    pub entity_id: String,
    /// What the change did.
    pub operation: Operation,
    /// The server's stable code, e.g. `insufficient_points`.
    pub code: String,
    /// The server's explanation, for developers.
    pub reason: String,
    /// When this device learned of the refusal.
    pub rejected_at: Timestamp,
}

/// `POST /v1/auth/signup`.
#[uniffi::remote(Record)]
pub struct SignupRequest {
    /// Unique handle, 1–50 characters.
    pub username: String,
    /// At least 8 characters.
    pub password: String,
    /// The name shown in the app, 1–100 characters.
    pub display_name: String,
    /// The device's user id (`Client.userId()`), so an offline-made user keeps its id; `null`
    /// lets the server make one.
    pub user_id: Option<Uuid>,
}

/// `POST /v1/auth/login`.
#[uniffi::remote(Record)]
pub struct LoginRequest {
    /// The handle given at signup.
    pub username: String,
    /// The password.
    pub password: String,
}

/// A token pair, as signup, login and refresh return it (store it to resume a session).
#[uniffi::remote(Record)]
pub struct AuthResponse {
    /// The signed-in user.
    pub user_id: Uuid,
    /// Bearer token; expires after `expires_in_seconds`.
    pub access_token: String,
    /// Single-use token for the next refresh.
    pub refresh_token: String,
    /// Lifetime of the access token, in seconds from when it was issued.
    pub expires_in_seconds: u64,
}

/// How to reach the server for one sync run.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncOptions {
    /// The server's base URL, e.g. `https://sync.studymate.app` (no trailing `/v1`).
    pub base_url: String,
    /// Changes per pull page, 1–5000.
    #[uniffi(default = 1000)]
    pub pull_limit: u32,
    /// Limit on establishing a connection, in milliseconds.
    #[uniffi(default = 10000)]
    pub connect_timeout_ms: u32,
    /// Limit on each whole request, answer included, in milliseconds.
    #[uniffi(default = 60000)]
    pub request_timeout_ms: u32,
    /// Attempts per request for transient failures (offline, timeouts, 5xx), the first included.
    #[uniffi(default = 8)]
    pub max_attempts: u32,
    /// Backoff before the first retry, in milliseconds; doubles each retry.
    #[uniffi(default = 250)]
    pub retry_base_delay_ms: u32,
    /// Upper bound of the backoff, in milliseconds.
    #[uniffi(default = 8000)]
    pub retry_max_delay_ms: u32,
}

/// Cancels a sync: pass it to `Client.sync` and call `cancel()` from any thread. The sync stops
/// before its next request or page with `Cancelled`; what was committed stays. A cancelled
/// handle stays cancelled: make a new one per run.
#[derive(Debug, Default, uniffi::Object)]
pub struct SyncHandle {
    token: CancelToken,
}

#[uniffi::export]
impl SyncHandle {
    /// A handle that has not been cancelled.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Asks the sync holding this handle to stop.
    pub fn cancel(&self) {
        self.token.cancel();
    }

    /// Whether `cancel()` was called.
    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }
}

/// A signed-in session against a StudyMate server (core's `ServerSession`): keeps the token
/// pair and renews it. Use [`AuthSession::token_provider`] as `Client.sync`'s token provider,
/// store [`AuthSession::tokens`] after signing in, and set a [`TokenListener`] to store every
/// renewed pair (e.g. in the Keychain / Keystore). Refreshes are serialised (one in flight),
/// retried with the sync's retry options, and recover from a lost answer.
#[derive(Debug, uniffi::Object)]
pub struct AuthSession {
    inner: ServerSession,
}

/// Creates an account and signs it in (a network call; async, on a worker thread).
#[uniffi::export]
pub async fn sign_up(base_url: String, request: SignupRequest) -> Result<Arc<AuthSession>> {
    offload("signup", move || {
        let inner = ServerSession::signup(&base_url, &request)?;
        Ok(Arc::new(AuthSession { inner }))
    })
    .await
}

/// Signs an existing account in (a network call; async, on a worker thread).
#[uniffi::export]
pub async fn log_in(base_url: String, request: LoginRequest) -> Result<Arc<AuthSession>> {
    offload("login", move || {
        let inner = ServerSession::login(&base_url, &request)?;
        Ok(Arc::new(AuthSession { inner }))
    })
    .await
}

#[uniffi::export]
impl AuthSession {
    /// Resumes a session from a stored token pair (no network call).
    #[uniffi::constructor]
    pub fn from_tokens(base_url: String, tokens: AuthResponse) -> Result<Arc<Self>> {
        Ok(Arc::new(AuthSession {
            inner: ServerSession::from_tokens(&base_url, tokens)?,
        }))
    }

    /// The current token pair (store it; it changes with each refresh).
    pub fn tokens(&self) -> AuthResponse {
        self.inner.tokens()
    }

    /// Sets (or with `null`/`nil`, removes) the listener told about each new pair.
    pub fn set_token_listener(&self, listener: Option<Arc<dyn TokenListener>>) {
        self.inner.set_listener(
            listener.map(|l| Arc::new(Listener(l)) as Arc<dyn core_sync::TokenListener>),
        );
    }

    /// The current access token.
    pub fn access_token(&self) -> String {
        self.inner.tokens().access_token
    }

    /// Trades the refresh token for a new pair and returns the new access token (the token
    /// listener hears of the pair first). A blocking network call, retried with the default
    /// retry options; fails with `Auth` when the user must sign in again.
    pub fn refresh(&self) -> Result<String> {
        let current = self.inner.tokens().access_token;
        Ok(core_sync::TokenProvider::refresh(
            &self.inner,
            &Refresh::new(current),
        )?)
    }

    /// This session as a [`TokenProvider`] for `Client.sync`.
    pub fn token_provider(self: Arc<Self>) -> Arc<dyn TokenProvider> {
        self
    }
}

impl TokenProvider for AuthSession {
    fn access_token(&self) -> Result<String> {
        Ok(AuthSession::access_token(self))
    }

    fn refresh(&self, context: Arc<RefreshContext>) -> Result<String> {
        Ok(core_sync::TokenProvider::refresh(
            &self.inner,
            &context.request,
        )?)
    }
}

/// Core's token listener over the app's.
struct Listener(Arc<dyn TokenListener>);

impl core_sync::TokenListener for Listener {
    fn tokens_changed(&self, tokens: &AuthResponse) -> CoreResult<()> {
        self.0
            .tokens_changed(tokens.clone())
            .map_err(|e| CoreError::Storage(format!("the new tokens were not stored: {e}")))
    }
}

/// Core's token provider over the app's.
struct Tokens(Arc<dyn TokenProvider>);

impl core_sync::TokenProvider for Tokens {
    fn access_token(&self) -> CoreResult<String> {
        self.0.access_token().map_err(token_error)
    }

    fn refresh(&self, request: &Refresh) -> CoreResult<String> {
        let context = Arc::new(RefreshContext {
            request: request.clone(),
        });
        self.0.refresh(context).map_err(token_error)
    }
}

/// What a token provider's failure means to the engine: sign in again (`Auth`) or retry later
/// (`Network`).
fn token_error(err: StudyMateError) -> CoreError {
    match err {
        StudyMateError::Auth { detail } => CoreError::Auth(detail),
        StudyMateError::Protocol { detail } => CoreError::Protocol(detail),
        StudyMateError::Cancelled => CoreError::Cancelled,
        e @ (StudyMateError::InvalidInput { .. }
        | StudyMateError::NotFound { .. }
        | StudyMateError::Conflict { .. }) => CoreError::Auth(e.to_string()),
        StudyMateError::Network { detail } => CoreError::Network(detail),
        other => CoreError::Network(other.to_string()),
    }
}

/// Core's sync observer over the app's (optional) one; also remembers whether anything was
/// pushed or pulled, to tell the data observer after a failed run.
struct Observer {
    app: Option<Arc<dyn SyncObserver>>,
    progressed: AtomicBool,
}

impl core_sync::SyncObserver for Observer {
    fn state_changed(&self, state: SyncState) {
        if let Some(app) = &self.app
            && let Err(e) = app.state_changed(state)
        {
            tracing::warn!(error = %e, "the sync observer failed");
        }
    }

    fn progress(&self, progress: SyncProgress) {
        if progress.pushed > 0 || progress.pulled > 0 {
            self.progressed.store(true, Ordering::Relaxed);
        }
        if let Some(app) = &self.app
            && let Err(e) = app.progress(progress)
        {
            tracing::warn!(error = %e, "the sync observer failed");
        }
    }
}

/// Every area a pull may touch.
const SYNCED_AREAS: &[DataArea] = &[
    DataArea::Profile,
    DataArea::Languages,
    DataArea::Interests,
    DataArea::Onboarding,
    DataArea::Contacts,
    DataArea::Catalog,
    DataArea::Practice,
    DataArea::Points,
    DataArea::Achievements,
    DataArea::ChatRooms,
    DataArea::ChatMessages,
];

/// Tells the data observer what a finished run changed: exactly, when it succeeded; every synced
/// area and room, when it failed after pushing or pulling something.
fn announce(
    notifier: &Notifier,
    core: &studymate_core::Client,
    outcome: &CoreResult<core_sync::SyncReport>,
    watcher: &Observer,
) {
    match outcome {
        Ok(report) => {
            if let Some(change) = change_of(&report.changed) {
                notifier.changed(change);
            }
        }
        Err(_) if watcher.progressed.load(Ordering::Relaxed) => {
            let rooms = match core.rooms() {
                Ok(rooms) => rooms.into_iter().map(|r| r.id).collect(),
                Err(e) => {
                    tracing::warn!(error = %e, "listing the chat rooms after a failed sync failed; the data change names none");
                    Vec::new()
                }
            };
            notifier.changed(DataChange {
                areas: SYNCED_AREAS.to_vec(),
                rooms,
            });
        }
        Err(_) => {}
    }
}

fn millis(ms: u32) -> Duration {
    Duration::from_millis(u64::from(ms))
}

/// Core's configuration of a run from the app's options and token provider.
pub(crate) fn sync_config(options: SyncOptions, tokens: Arc<dyn TokenProvider>) -> SyncConfig {
    let mut config = SyncConfig::new(options.base_url, Arc::new(Tokens(tokens)));
    config.pull_limit = options.pull_limit;
    config.connect_timeout = millis(options.connect_timeout_ms);
    config.request_timeout = millis(options.request_timeout_ms);
    config.retry = RetryPolicy {
        max_attempts: options.max_attempts,
        base_delay: millis(options.retry_base_delay_ms),
        max_delay: millis(options.retry_max_delay_ms),
        ..RetryPolicy::default()
    };
    config
}

#[uniffi::export]
impl Client {
    /// Pushes the change log, then pulls and applies the server's changes until it has nothing
    /// more. Async: runs on a worker thread; `tokens` and `observer` are called there. Cancel
    /// with `handle.cancel()`, or by cancelling the coroutine (Kotlin) awaiting it; Swift: see
    /// `bindings/README.md`. Safe to repeat; a failure or cancellation loses nothing.
    ///
    /// Fails with `Network` (retry later), `Auth` (sign in again), `Protocol`, `Cancelled`, or
    /// `Conflict` while another sync of this database file runs (in any client or process).
    /// When the run ends, the data observer is told (from the worker thread, even if the caller
    /// was cancelled) which areas and chat rooms it changed; a run that failed after changing
    /// something reports, coarsely, every area and every chat room of the user.
    pub async fn sync(
        &self,
        options: SyncOptions,
        tokens: Arc<dyn TokenProvider>,
        observer: Option<Arc<dyn SyncObserver>>,
        handle: Option<Arc<SyncHandle>>,
    ) -> Result<SyncReport> {
        let core = self.core()?;
        let watcher = Arc::new(Observer {
            app: observer,
            progressed: AtomicBool::new(false),
        });
        let mut config = sync_config(options, tokens);
        config.observer = watcher.clone();
        if let Some(handle) = handle {
            config.cancel = handle.token.clone();
        }
        let notifier = self.notifier();
        let cancel = config.cancel.clone();
        offload("sync", move || {
            let outcome = core.sync(&config);
            announce(&notifier, &core, &outcome, &watcher);
            Ok(SyncReport::from(&outcome?))
        })
        .cancel_on_drop(cancel)
        .await
    }

    /// Where sync stands: outbox size, refused changes, whether a cursor is held.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        Ok(self.core()?.sync_status()?)
    }

    /// The changes the server refused for good, oldest first.
    pub fn rejected_changes(&self) -> Result<Vec<RejectedChange>> {
        Ok(self.core()?.rejected_changes()?)
    }

    /// Sends a `FAILED` message again: pending at the end of its room; its refusal is cleared.
    pub fn retry_message(&self, message_id: Uuid) -> Result<Message> {
        self.write(
            |core| core.retry_message(message_id),
            |message| DataChange::in_room(&[DataArea::ChatMessages], message.room_id),
        )
    }

    /// Deletes a `FAILED` message for good, with its refusal.
    pub fn discard_message(&self, message_id: Uuid) -> Result<()> {
        self.write(
            |core| core.discard_message(message_id),
            |message| DataChange::in_room(&[DataArea::ChatMessages], message.room_id),
        )
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_provider_failures_mean_sign_in_again_or_retry_later() {
        let auth = token_error(StudyMateError::Auth {
            detail: "revoked".into(),
        });
        assert!(matches!(auth, CoreError::Auth(d) if d == "revoked"));
        let net = token_error(StudyMateError::Network {
            detail: "offline".into(),
        });
        assert!(matches!(net, CoreError::Network(d) if d == "offline"));
        let unexpected = token_error(StudyMateError::from(
            uniffi::UnexpectedUniFFICallbackError::new("java.io.IOException: boom"),
        ));
        assert!(matches!(unexpected, CoreError::Network(d) if d.contains("boom")));
        assert!(matches!(
            token_error(StudyMateError::invalid("token", "empty")),
            CoreError::Auth(_)
        ));
        assert!(matches!(
            token_error(StudyMateError::Cancelled),
            CoreError::Cancelled
        ));
    }

    #[test]
    fn a_closed_port_is_a_network_error_and_a_cancelled_handle_cancels() {
        struct Fixed;
        impl TokenProvider for Fixed {
            fn access_token(&self) -> Result<String> {
                Ok("t".into())
            }
            fn refresh(&self, _context: Arc<RefreshContext>) -> Result<String> {
                Ok("t".into())
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("u.db").to_string_lossy().into_owned();
        let client = Client::open(
            path,
            crate::client::OpenOptions {
                user_id: None,
                busy_timeout_ms: 5000,
                full_sync: false,
            },
        )
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let options = SyncOptions {
            base_url: format!("http://127.0.0.1:{port}"),
            pull_limit: 1000,
            connect_timeout_ms: 1000,
            request_timeout_ms: 1000,
            max_attempts: 1,
            retry_base_delay_ms: 1,
            retry_max_delay_ms: 1,
        };
        let out =
            crate::offload::block_on(client.sync(options.clone(), Arc::new(Fixed), None, None));
        assert!(
            matches!(out, Err(StudyMateError::Network { .. })),
            "{out:?}"
        );
        let handle = SyncHandle::new();
        handle.cancel();
        let out =
            crate::offload::block_on(client.sync(options, Arc::new(Fixed), None, Some(handle)));
        assert_eq!(out, Err(StudyMateError::Cancelled));
    }
}

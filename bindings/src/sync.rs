//! Sync with the StudyMate server: the app-implemented [`TokenProvider`] and [`SyncObserver`],
//! the [`SyncOptions`] of a run, the [`SyncHandle`] that cancels it, the async `sync` call and
//! the sync status calls, and [`AuthSession`] (sign up, log in, refresh against the server,
//! usable as the token provider) so an app needs no HTTP code of its own.
//!
//! `sync` runs core's blocking engine on a worker thread (`offload`), so awaiting it from the
//! main thread or a coroutine does not block. The token provider's `suspend`/`async` methods
//! are awaited from that worker thread; the token listener and the sync observer are called on
//! it. Cancelling the coroutine awaiting `sync` cancels the run (the dropped future cancels its
//! token), and core announces what the run committed to the data observers from the worker,
//! whether or not anyone still awaits it.

use std::sync::Arc;
use std::time::Duration;

use studymate_core::chat::Message;
use studymate_core::sync::protocol::{AuthResponse, LoginRequest, SignupRequest};
use studymate_core::sync::{
    self as core_sync, CancelToken, Refresh, RejectedChange, RetryPolicy, ServerSession,
    SyncConfig, SyncProgress, SyncReport, SyncState, SyncStatus,
};
use studymate_core::{Error as CoreError, Result as CoreResult};
use uuid::Uuid;

use crate::callback::CallbackError;
use crate::client::{StudyMateClient, count};
use crate::offload::{block_on, offload};
use crate::{Result, StudyMateError};

/// Why the app's `TokenProvider` could not give a token. Thrown by the app.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum TokenError {
    /// The user must sign in again (the refresh token was refused or is gone); the sync ends
    /// with `Auth`.
    #[error("signing in is needed again: {reason}")]
    SignInRequired {
        /// Why, for the logs.
        reason: String,
    },
    /// No token can be had right now (offline, the keystore is locked); the sync ends with
    /// `Network` and can be retried.
    #[error("no token for now: {reason}")]
    Unavailable {
        /// Why, for the logs.
        reason: String,
    },
    /// The refresh stopped because the sync was cancelled (see `RefreshContext.isCancelled`).
    #[error("the token refresh was cancelled")]
    Cancelled,
}

/// Any other exception the app's provider threw counts as [`TokenError::Unavailable`]; its
/// first line is kept, not the stack trace.
impl From<uniffi::UnexpectedUniFFICallbackError> for TokenError {
    fn from(err: uniffi::UnexpectedUniFFICallbackError) -> Self {
        let first = err.reason.lines().next().unwrap_or("").trim();
        TokenError::Unavailable {
            reason: format!("the app's token provider failed: {first}"),
        }
    }
}

/// Supplies the bearer token for sync. Implemented by the app over its token storage, or use
/// `AuthSession.tokenProvider()` (which does everything below itself). Both methods are
/// `suspend` (Kotlin) / `async` (Swift).
///
/// The engine asks for `accessToken()` before each request sequence; when the server answers
/// 401 it calls `refresh` once and retries with the new token; a second 401 ends the sync with
/// `Auth`. Throw `TokenError.SignInRequired` from `refresh` when the user must sign in again,
/// `TokenError.Unavailable` when offline; any other exception counts as `Unavailable`.
///
/// An app's own `refresh` must keep one refresh in flight (when the current access token is no
/// longer `context.refusedAccessToken()`, return it instead of refreshing again), store the new
/// pair before returning its access token, and send the same refresh token again when a
/// refresh's answer was lost.
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait TokenProvider: Send + Sync {
    /// The current access token.
    async fn access_token(&self) -> Result<String, TokenError>;
    /// Obtains a fresh access token after the server refused `context.refusedAccessToken()`,
    /// and returns it.
    async fn refresh(&self, context: Arc<RefreshContext>) -> Result<String, TokenError>;
}

/// Told when an `AuthSession`'s token pair changes (a refresh), before the new access token
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
#[uniffi::export(Display)]
pub struct RefreshContext {
    request: Refresh,
}

impl std::fmt::Display for RefreshContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RefreshContext(cancelled: {})", self.is_cancelled())
    }
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

/// How to reach the server for one sync run.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncOptions {
    /// The server's base URL, e.g. `https://sync.studymate.app` (no trailing `/v1`).
    pub base_url: String,
    /// Changes per pull page, 1–5000.
    #[uniffi(default = 1000)]
    pub pull_limit: i32,
    /// Most bytes of payloads per pull page, 1–4,194,304 (4 MiB, the default): an app short of
    /// memory asks for smaller pages. A page holds at least one change, however large.
    #[uniffi(default = 4194304)]
    pub pull_max_bytes: i32,
    /// Limit on establishing a connection, in milliseconds.
    #[uniffi(default = 10000)]
    pub connect_timeout_ms: i32,
    /// Limit on each whole request, answer included, in milliseconds.
    #[uniffi(default = 60000)]
    pub request_timeout_ms: i32,
    /// Attempts per request for transient failures (offline, timeouts, 5xx), the first included.
    #[uniffi(default = 8)]
    pub max_attempts: i32,
    /// Backoff before the first retry, in milliseconds; doubles each retry.
    #[uniffi(default = 250)]
    pub retry_base_delay_ms: i32,
    /// Upper bound of the backoff, in milliseconds.
    #[uniffi(default = 8000)]
    pub retry_max_delay_ms: i32,
}

/// Cancels a sync: pass it to `sync` and call `cancel()` from any thread. The sync stops
/// before its next request or page with `Cancelled`; what was committed stays. A cancelled
/// handle stays cancelled: make a new one per run.
#[derive(Debug, Default, uniffi::Object)]
#[uniffi::export(Display)]
pub struct SyncHandle {
    token: CancelToken,
}

impl std::fmt::Display for SyncHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SyncHandle(cancelled: {})", self.is_cancelled())
    }
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

/// A signed-in session against a StudyMate server: keeps the token pair and renews it. Use
/// `tokenProvider()` as the token provider of `sync`, store `tokens()` after signing in, and
/// set a `TokenListener` to store every renewed pair (e.g. in the Keychain / Keystore).
/// Refreshes are serialised (one in flight), retried with the sync's retry options, and recover
/// from a lost answer.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Display)]
pub struct AuthSession {
    inner: Arc<ServerSession>,
}

impl std::fmt::Display for AuthSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuthSession(user {})", self.inner.tokens().user_id)
    }
}

/// Creates an account and signs it in (a network call).
#[uniffi::export]
pub async fn sign_up(base_url: String, request: SignupRequest) -> Result<Arc<AuthSession>> {
    offload("signup", move || {
        let inner = ServerSession::signup(&base_url, &request)?;
        Ok(Arc::new(AuthSession {
            inner: Arc::new(inner),
        }))
    })
    .await
}

/// Signs an existing account in (a network call).
#[uniffi::export]
pub async fn log_in(base_url: String, request: LoginRequest) -> Result<Arc<AuthSession>> {
    offload("login", move || {
        let inner = ServerSession::login(&base_url, &request)?;
        Ok(Arc::new(AuthSession {
            inner: Arc::new(inner),
        }))
    })
    .await
}

#[uniffi::export]
impl AuthSession {
    /// Resumes a session from a stored token pair (no network call).
    #[uniffi::constructor]
    pub fn from_tokens(base_url: String, tokens: AuthResponse) -> Result<Arc<Self>> {
        Ok(Arc::new(AuthSession {
            inner: Arc::new(ServerSession::from_tokens(&base_url, tokens)?),
        }))
    }

    /// The current token pair (store it; it changes with each refresh).
    pub fn tokens(&self) -> AuthResponse {
        self.inner.tokens()
    }

    /// Sets (or with no listener, removes) the listener told about each new pair.
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
    /// listener hears of the pair first). A network call, retried with the default retry
    /// options; fails with `Auth` when the user must sign in again.
    pub async fn refresh(&self) -> Result<String> {
        let session = Arc::clone(&self.inner);
        offload("refresh", move || {
            let current = session.tokens().access_token;
            Ok(core_sync::TokenProvider::refresh(
                &*session,
                &Refresh::new(current),
            )?)
        })
        .await
    }

    /// This session as a `TokenProvider` for `sync`.
    pub fn token_provider(self: Arc<Self>) -> Arc<dyn TokenProvider> {
        self
    }
}

#[async_trait::async_trait]
impl TokenProvider for AuthSession {
    async fn access_token(&self) -> Result<String, TokenError> {
        Ok(AuthSession::access_token(self))
    }

    async fn refresh(&self, context: Arc<RefreshContext>) -> Result<String, TokenError> {
        let session = Arc::clone(&self.inner);
        offload("refresh", move || {
            Ok(core_sync::TokenProvider::refresh(
                &*session,
                &context.request,
            )?)
        })
        .await
        .map_err(|e| match e {
            StudyMateError::Auth { detail } => TokenError::SignInRequired { reason: detail },
            StudyMateError::Cancelled => TokenError::Cancelled,
            other => TokenError::Unavailable {
                reason: other.to_string(),
            },
        })
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

/// Core's (blocking) token provider over the app's suspending one: called on the sync's worker
/// thread, it waits there for the app's answer.
struct Tokens(Arc<dyn TokenProvider>);

impl core_sync::TokenProvider for Tokens {
    fn access_token(&self) -> CoreResult<String> {
        block_on(self.0.access_token()).map_err(token_error)
    }

    fn refresh(&self, request: &Refresh) -> CoreResult<String> {
        let context = Arc::new(RefreshContext {
            request: request.clone(),
        });
        block_on(self.0.refresh(context)).map_err(token_error)
    }
}

/// What a token provider's failure means to the engine: sign in again (`Auth`), retry later
/// (`Network`) or stop (`Cancelled`).
fn token_error(err: TokenError) -> CoreError {
    match err {
        TokenError::SignInRequired { reason } => CoreError::Auth(reason),
        TokenError::Unavailable { reason } => CoreError::Network(reason),
        TokenError::Cancelled => CoreError::Cancelled,
    }
}

/// Core's sync observer over the app's (optional) one.
struct Observer(Option<Arc<dyn SyncObserver>>);

impl core_sync::SyncObserver for Observer {
    fn state_changed(&self, state: SyncState) {
        if let Some(app) = &self.0
            && let Err(e) = app.state_changed(state)
        {
            tracing::warn!(error = %e, "the sync observer failed");
        }
    }

    fn progress(&self, progress: SyncProgress) {
        if let Some(app) = &self.0
            && let Err(e) = app.progress(progress)
        {
            tracing::warn!(error = %e, "the sync observer failed");
        }
    }
}

fn millis(field: &str, ms: i32) -> Result<Duration> {
    Ok(Duration::from_millis(count(field, ms)?))
}

/// Core's configuration of a run from the app's options and token provider; a negative count
/// or duration is refused with `InvalidInput`.
pub(crate) fn sync_config(
    options: SyncOptions,
    tokens: Arc<dyn TokenProvider>,
) -> Result<SyncConfig> {
    let mut config = SyncConfig::new(options.base_url, Arc::new(Tokens(tokens)));
    config.pull_limit = count("pullLimit", options.pull_limit)?;
    config.pull_max_bytes = count("pullMaxBytes", options.pull_max_bytes)?;
    config.connect_timeout = millis("connectTimeoutMs", options.connect_timeout_ms)?;
    config.request_timeout = millis("requestTimeoutMs", options.request_timeout_ms)?;
    config.retry = RetryPolicy {
        max_attempts: count("maxAttempts", options.max_attempts)?,
        base_delay: millis("retryBaseDelayMs", options.retry_base_delay_ms)?,
        max_delay: millis("retryMaxDelayMs", options.retry_max_delay_ms)?,
        ..RetryPolicy::default()
    };
    Ok(config)
}

#[uniffi::export]
impl StudyMateClient {
    /// Pushes the change log, then pulls and applies the server's changes until it has nothing
    /// more. Runs on a worker thread; `tokens` and `observer` are called there. Cancel with
    /// `handle.cancel()`, or by cancelling the coroutine (Kotlin) awaiting it; Swift: see
    /// `bindings/README.md`. Safe to repeat; a failure or cancellation loses nothing.
    ///
    /// Fails with `Network` (retry later), `Auth` (sign in again), `Protocol`, `Cancelled`, or
    /// `SyncRunning` while another sync of this database file runs (in any client or process).
    /// What the run committed, also when it then failed, is announced to the data observers.
    pub async fn sync(
        &self,
        options: SyncOptions,
        tokens: Arc<dyn TokenProvider>,
        observer: Option<Arc<dyn SyncObserver>>,
        handle: Option<Arc<SyncHandle>>,
    ) -> Result<SyncReport> {
        let mut config = sync_config(options, tokens)?;
        config.observer = Arc::new(Observer(observer));
        if let Some(handle) = handle {
            config.cancel = handle.token.clone();
        }
        let cancel = config.cancel.clone();
        self.background("sync", move |core| core.sync(&config))
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
    pub async fn retry_message(&self, message_id: Uuid) -> Result<Message> {
        self.background("retry", move |core| core.retry_message(message_id))
            .await
    }

    /// Deletes a `FAILED` message for good, with its refusal.
    pub async fn discard_message(&self, message_id: Uuid) -> Result<()> {
        self.background("discard", move |core| {
            core.discard_message(message_id).map(|_| ())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_provider_failures_mean_sign_in_again_retry_later_or_stop() {
        assert!(matches!(
            token_error(TokenError::SignInRequired { reason: "revoked".into() }),
            CoreError::Auth(d) if d == "revoked"
        ));
        assert!(matches!(
            token_error(TokenError::Unavailable { reason: "offline".into() }),
            CoreError::Network(d) if d == "offline"
        ));
        assert!(matches!(
            token_error(TokenError::Cancelled),
            CoreError::Cancelled
        ));
        let unexpected = TokenError::from(uniffi::UnexpectedUniFFICallbackError::new(
            "java.io.IOException: boom\n\tat app.Tokens.refresh(Tokens.kt:12)",
        ));
        let text = unexpected.to_string();
        assert!(
            text.contains("boom") && !text.contains("Tokens.kt"),
            "{text}"
        );
    }

    #[test]
    fn a_closed_port_is_a_network_error_and_a_cancelled_handle_cancels() {
        struct Fixed;
        #[async_trait::async_trait]
        impl TokenProvider for Fixed {
            async fn access_token(&self) -> Result<String, TokenError> {
                Ok("t".into())
            }
            async fn refresh(&self, _context: Arc<RefreshContext>) -> Result<String, TokenError> {
                Ok("t".into())
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("u.db").to_string_lossy().into_owned();
        let options = crate::client::OpenOptions {
            user_id: None,
            busy_timeout_ms: 5000,
            full_sync: false,
        };
        let client = block_on(StudyMateClient::open(path, options)).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let options = SyncOptions {
            base_url: format!("http://127.0.0.1:{port}"),
            pull_limit: 1000,
            pull_max_bytes: 4096,
            connect_timeout_ms: 1000,
            request_timeout_ms: 1000,
            max_attempts: 1,
            retry_base_delay_ms: 1,
            retry_max_delay_ms: 1,
        };
        let out = block_on(client.sync(options.clone(), Arc::new(Fixed), None, None));
        assert!(
            matches!(out, Err(StudyMateError::Network { .. })),
            "{out:?}"
        );
        let handle = SyncHandle::new();
        handle.cancel();
        let out = block_on(client.sync(options, Arc::new(Fixed), None, Some(handle)));
        assert_eq!(out, Err(StudyMateError::Cancelled));
        let valid = SyncOptions {
            base_url: "http://127.0.0.1:1".into(),
            pull_limit: 1,
            pull_max_bytes: 1,
            connect_timeout_ms: 1,
            request_timeout_ms: 1,
            max_attempts: 1,
            retry_base_delay_ms: 1,
            retry_max_delay_ms: 1,
        };
        for negative in [
            SyncOptions {
                pull_limit: -1,
                ..valid.clone()
            },
            SyncOptions {
                pull_max_bytes: -1,
                ..valid.clone()
            },
            SyncOptions {
                pull_max_bytes: 0,
                ..valid
            },
        ] {
            let out = block_on(client.sync(negative, Arc::new(Fixed), None, None));
            assert!(
                matches!(out, Err(StudyMateError::InvalidInput { .. })),
                "{out:?}"
            );
        }
    }
}

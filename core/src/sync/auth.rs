//! Credentials: the [`TokenProvider`] the app implements, and [`ServerSession`], a ready-made
//! provider plus the signup/login/refresh/logout calls, for the demo, tests and simple apps.
//!
//! The token lifecycle of a [`ServerSession`] (`docs/sync-client.md`, "Tokens"):
//! - one refresh in flight per session: a caller whose access token was refused waits for a
//!   refresh already running and uses its result instead of spending the refresh token again;
//! - the new pair goes to the session's [`TokenListener`] *before* it is used, so the app stores
//!   it at once; if the app cannot store it, the session keeps the old pair;
//! - a refresh whose answer was lost is sent again with the same refresh token: the server
//!   answers a spent token whose successor was never used with a fresh pair;
//! - a refresh is retried with the run's [`RetryPolicy`] and `Retry-After`, and stops when the
//!   run is cancelled.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use reqwest::StatusCode;
use serde::Serialize;

use super::answer::{Answer, describe_failure};
use super::control::CancelToken;
use super::http::http_client;
use super::protocol::{AuthResponse, LoginRequest, RefreshRequest, SignupRequest};
use super::retry::{self, Backoff, RetryPolicy};
use crate::error::{Error, Result};

/// Supplies bearer tokens to the sync engine. The app implements it over its own token storage,
/// or uses [`ServerSession`].
///
/// The engine calls [`TokenProvider::access_token`] once per request sequence; when the server
/// answers 401 it calls [`TokenProvider::refresh`] **once** and retries the request once with the
/// new token. A second 401 (or a refresh that fails with [`Error::Auth`]) ends the sync with
/// [`Error::Auth`]: the user must sign in again.
pub trait TokenProvider: Send + Sync {
    /// The current access token.
    fn access_token(&self) -> Result<String>;
    /// Obtains a fresh access token after the server refused `request.refused`, and returns it.
    ///
    /// Several syncs may share a provider: keep one refresh in flight, and when the current
    /// access token is no longer `request.refused` (another caller refreshed meanwhile), return
    /// the current one without refreshing again. Retry transient failures with
    /// `request.retry` and stop with [`Error::Cancelled`] when `request.cancel` is cancelled.
    /// Fail with [`Error::Auth`] when the user must sign in again, [`Error::Network`] when
    /// offline.
    fn refresh(&self, request: &Refresh) -> Result<String>;
}

/// What a [`TokenProvider::refresh`] is asked under: the refused token and the run's retry
/// policy and cancellation.
#[derive(Debug, Clone)]
pub struct Refresh {
    /// The access token the server refused.
    pub refused: String,
    /// How to retry transient failures of the refresh request.
    pub retry: RetryPolicy,
    /// The run's cancellation.
    pub cancel: CancelToken,
}

impl Refresh {
    /// A refresh after `refused` was refused, outside a sync run: the default retry policy and
    /// a cancel token nobody holds.
    pub fn new(refused: impl Into<String>) -> Self {
        Refresh {
            refused: refused.into(),
            retry: RetryPolicy::default(),
            cancel: CancelToken::new(),
        }
    }
}

/// Told when a [`ServerSession`]'s token pair changes, to store it (e.g. in the Keychain or
/// Keystore). Called on the thread doing the refresh, before the new access token is used.
pub trait TokenListener: Send + Sync {
    /// Stores `tokens`. On an error the session keeps its previous pair and the refresh fails
    /// with that error; the next refresh sends the previous refresh token again, which the
    /// server honours because the pair it issued was never used.
    fn tokens_changed(&self, tokens: &AuthResponse) -> Result<()>;
}

/// A signed-in session against a StudyMate server: holds the token pair from signup, login or
/// refresh and renews it through `/v1/auth/refresh` (refresh tokens are single-use, so the new
/// pair replaces the old one). Share one session (in an `Arc`) between everything that syncs
/// for this sign-in, so its refreshes are serialised.
pub struct ServerSession {
    base: String,
    http: reqwest::blocking::Client,
    tokens: Mutex<AuthResponse>,
    /// Held for the whole of a refresh: one in flight.
    refreshing: Mutex<()>,
    listener: Mutex<Option<Arc<dyn TokenListener>>>,
}

impl std::fmt::Debug for ServerSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerSession")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

const AUTH_TIMEOUT: Duration = Duration::from_secs(30);

impl ServerSession {
    /// Creates an account (`user_id` = the device's user id, so an offline-made user keeps its
    /// id) and signs it in.
    pub fn signup(base_url: &str, request: &SignupRequest) -> Result<Self> {
        Self::start(base_url, "/v1/auth/signup", request)
    }

    /// Signs an existing account in.
    pub fn login(base_url: &str, request: &LoginRequest) -> Result<Self> {
        Self::start(base_url, "/v1/auth/login", request)
    }

    /// Resumes a session from a stored token pair.
    pub fn from_tokens(base_url: &str, tokens: AuthResponse) -> Result<Self> {
        let base = base_url.trim_end_matches('/').to_owned();
        let http = http_client(AUTH_TIMEOUT, AUTH_TIMEOUT)?;
        Ok(Self::with(base, http, tokens))
    }

    fn start(base_url: &str, path: &str, body: &impl Serialize) -> Result<Self> {
        let base = base_url.trim_end_matches('/').to_owned();
        let http = http_client(AUTH_TIMEOUT, AUTH_TIMEOUT)?;
        let tokens = post(&http, &base, path, body)?;
        Ok(Self::with(base, http, tokens))
    }

    fn with(base: String, http: reqwest::blocking::Client, tokens: AuthResponse) -> Self {
        ServerSession {
            base,
            http,
            tokens: Mutex::new(tokens),
            refreshing: Mutex::new(()),
            listener: Mutex::new(None),
        }
    }

    /// Sets (or with `None`, removes) the listener told about every new token pair.
    pub fn set_listener(&self, listener: Option<Arc<dyn TokenListener>>) {
        *recover(&self.listener) = listener;
    }

    /// Signs this session out on the server: every token of this sign-in (the current access and
    /// refresh token, and any older one) stops working. The device's other sign-ins are not
    /// affected. Discard the stored tokens whatever the result: an [`Error::Auth`] means the
    /// server already refuses them.
    pub fn log_out(&self) -> Result<()> {
        let access_token = self.tokens().access_token;
        let response = self
            .http
            .post(format!("{}/v1/auth/logout", self.base))
            .bearer_auth(access_token)
            .send()
            .map_err(|e| Error::Network(describe_failure(&e)))?;
        let answer = Answer::read(response).map_err(|e| Error::Network(describe_failure(&e)))?;
        if answer.status.is_success() {
            return Ok(());
        }
        Err(refusal(&answer))
    }

    /// The current token pair (e.g. to store it).
    pub fn tokens(&self) -> AuthResponse {
        recover(&self.tokens).clone()
    }

    /// Trades `refresh_token` for a new pair, retrying transient failures (a lost answer
    /// included: the server answers the same token again while the pair it issued is unused).
    fn redeem(&self, refresh_token: &str, how: &Refresh) -> Result<AuthResponse> {
        let mut backoff = Backoff::new(&how.retry, &how.cancel);
        let body = RefreshRequest {
            refresh_token: refresh_token.to_owned(),
        };
        loop {
            how.cancel.check()?;
            let sent = self
                .http
                .post(format!("{}/v1/auth/refresh", self.base))
                .json(&body)
                .send();
            let (message, retry_after) = match sent {
                Err(e) => (describe_failure(&e), None),
                Ok(response) => {
                    let retry_after = retry::retry_after(response.headers());
                    match Answer::read(response) {
                        Err(e) => (describe_failure(&e), retry_after),
                        Ok(answer) if answer.status.is_success() => return answer.parse("refresh"),
                        Ok(answer) if retry::is_transient(answer.status) => {
                            (answer.refusal(), retry_after)
                        }
                        Ok(answer) => return Err(refusal(&answer)),
                    }
                }
            };
            let wait = backoff.failed(format!("refreshing the token: {message}"), retry_after)?;
            backoff.wait(wait)?;
        }
    }

    fn listener(&self) -> Option<Arc<dyn TokenListener>> {
        recover(&self.listener).clone()
    }
}

/// Locks a mutex of the session, recovering it if a thread panicked while holding it: every
/// value it guards is replaced whole, never left half-written.
fn recover<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Sends an auth request once and reads the token pair, mapping refusals to typed errors.
fn post(
    http: &reqwest::blocking::Client,
    base: &str,
    path: &str,
    body: &impl Serialize,
) -> Result<AuthResponse> {
    let response = http
        .post(format!("{base}{path}"))
        .json(body)
        .send()
        .map_err(|e| Error::Network(describe_failure(&e)))?;
    let answer = Answer::read(response).map_err(|e| Error::Network(describe_failure(&e)))?;
    if answer.status.is_success() {
        return answer.parse("auth");
    }
    Err(refusal(&answer))
}

/// The typed error for an auth endpoint's refusal. Too many attempts (429) and a busy server
/// (503) are [`Error::Network`]: worth retrying later.
fn refusal(answer: &Answer) -> Error {
    if answer.is_account_deleted() {
        return Error::AccountDeleted;
    }
    let message = answer.refusal();
    match answer.status {
        StatusCode::UNAUTHORIZED => Error::Auth(message),
        StatusCode::CONFLICT => Error::Conflict(message),
        StatusCode::BAD_REQUEST => Error::invalid("credentials", message),
        s if retry::is_transient(s) => Error::Network(message),
        _ => Error::Protocol(message),
    }
}

impl TokenProvider for ServerSession {
    fn access_token(&self) -> Result<String> {
        Ok(self.tokens().access_token)
    }

    fn refresh(&self, request: &Refresh) -> Result<String> {
        let _one_in_flight = recover(&self.refreshing);
        let current = self.tokens();
        if current.access_token != request.refused {
            // Another caller refreshed while this one waited: use its pair.
            return Ok(current.access_token);
        }
        let fresh = self.redeem(&current.refresh_token, request)?;
        if let Some(listener) = self.listener() {
            listener.tokens_changed(&fresh)?;
        }
        let access = fresh.access_token.clone();
        *recover(&self.tokens) = fresh;
        Ok(access)
    }
}

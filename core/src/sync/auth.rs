//! Credentials: the [`TokenProvider`] the app implements, and [`ServerSession`], a ready-made
//! provider plus the signup/login/refresh/logout calls, for the demo, tests and simple apps.

use std::sync::Mutex;
use std::time::Duration;

use reqwest::StatusCode;
use serde::Serialize;

use super::protocol::{AuthResponse, ErrorBody, LoginRequest, RefreshRequest, SignupRequest};
use super::transport::http_client;
use crate::error::{Error, Result};

/// Supplies bearer tokens to the sync engine. The app implements it over its own token storage.
///
/// The engine calls [`TokenProvider::access_token`] once per request sequence; when the server
/// answers 401 it calls [`TokenProvider::refresh`] **once** and retries the request once with the
/// new token. A second 401 (or a refresh that fails with [`Error::Auth`]) ends the sync with
/// [`Error::Auth`]: the user must sign in again.
pub trait TokenProvider: Send + Sync {
    /// The current access token.
    fn access_token(&self) -> Result<String>;
    /// Obtains a fresh access token (e.g. with the refresh token) and returns it. Fail with
    /// [`Error::Auth`] when the user must sign in again, [`Error::Network`] when offline.
    fn refresh(&self) -> Result<String>;
}

/// A signed-in session against a StudyMate server: holds the token pair from signup, login or
/// refresh and renews it through `/v1/auth/refresh` (refresh tokens are single-use, so the new
/// pair replaces the old one).
pub struct ServerSession {
    base: String,
    http: reqwest::blocking::Client,
    tokens: Mutex<AuthResponse>,
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
        Ok(ServerSession {
            base: base_url.trim_end_matches('/').to_owned(),
            http: http_client(AUTH_TIMEOUT, AUTH_TIMEOUT)?,
            tokens: Mutex::new(tokens),
        })
    }

    fn start(base_url: &str, path: &str, body: &impl Serialize) -> Result<Self> {
        let base = base_url.trim_end_matches('/').to_owned();
        let http = http_client(AUTH_TIMEOUT, AUTH_TIMEOUT)?;
        let tokens = post(&http, &base, path, body)?;
        Ok(ServerSession {
            base,
            http,
            tokens: Mutex::new(tokens),
        })
    }

    /// Signs this session out on the server: every token of this sign-in (the current access and
    /// refresh token, and any older one) stops working. The device's other sign-ins are not
    /// affected. Discard the stored tokens whatever the result: an [`Error::Auth`] means the
    /// server already refuses them.
    pub fn log_out(&self) -> Result<()> {
        let access_token = self.lock().access_token.clone();
        let response = self
            .http
            .post(format!("{}/v1/auth/logout", self.base))
            .bearer_auth(access_token)
            .send()
            .map_err(|e| Error::Network(e.to_string()))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let bytes = response
            .bytes()
            .map_err(|e| Error::Network(e.to_string()))?;
        Err(refusal(status, &bytes))
    }

    /// The current token pair (e.g. to store it).
    pub fn tokens(&self) -> AuthResponse {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, AuthResponse> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Sends an auth request and reads the token pair, mapping refusals to typed errors.
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
        .map_err(|e| Error::Network(e.to_string()))?;
    let status = response.status();
    let bytes = response
        .bytes()
        .map_err(|e| Error::Network(e.to_string()))?;
    if status.is_success() {
        return serde_json::from_slice(&bytes)
            .map_err(|e| Error::Protocol(format!("the auth answer is malformed: {e}")));
    }
    Err(refusal(status, &bytes))
}

/// The typed error for an auth endpoint's refusal. Too many attempts (429) and a busy server
/// (503) are [`Error::Network`]: worth retrying later.
fn refusal(status: StatusCode, body: &[u8]) -> Error {
    let message = serde_json::from_slice::<ErrorBody>(body)
        .map(|e| format!("{}: {}", e.code, e.message))
        .unwrap_or_else(|_| status.to_string());
    match status {
        StatusCode::UNAUTHORIZED => Error::Auth(message),
        StatusCode::CONFLICT => Error::Conflict(message),
        StatusCode::BAD_REQUEST => Error::invalid("credentials", message),
        s if s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS => Error::Network(message),
        _ => Error::Protocol(message),
    }
}

impl TokenProvider for ServerSession {
    fn access_token(&self) -> Result<String> {
        Ok(self.lock().access_token.clone())
    }

    fn refresh(&self) -> Result<String> {
        let refresh_token = self.lock().refresh_token.clone();
        let fresh = post(
            &self.http,
            &self.base,
            "/v1/auth/refresh",
            &RefreshRequest { refresh_token },
        )?;
        let access = fresh.access_token.clone();
        *self.lock() = fresh;
        Ok(access)
    }
}

//! HTTP to the sync server: a blocking reqwest client (the core stays synchronous) with rustls
//! and the bundled webpki root certificates, timeouts on connecting and on every request, the
//! protocol header and bearer token, one token refresh on 401, and retries with backoff.
//!
//! TLS is rustls with `webpki-roots` compiled in, not native-tls/OpenSSL and not the platform
//! verifier: on Android that needs no JNI initialisation and no system OpenSSL, and the same trust
//! store is used on every platform. The cost: root certificates update with the library, not
//! with the OS.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::{Client as Http, RequestBuilder};
use serde::de::DeserializeOwned;

use super::auth::TokenProvider;
use super::control::{CancelToken, SyncObserver, SyncState};
use super::protocol::{ErrorBody, PROTOCOL_HEADER, PROTOCOL_VERSION};
use super::retry::RetryPolicy;
use crate::error::{Error, Result};

/// What a successful exchange produced.
pub(crate) enum Reply {
    /// A 2xx answer's body.
    Body(Vec<u8>),
    /// 410 `history_reset`: the cursor is from an earlier history.
    HistoryReset,
    /// 413: the request body (or the number of changes in a push) is over the server's limit.
    /// The caller sends less; nothing of the request was applied.
    TooLarge,
}

/// Builds the blocking HTTP client with the timeouts and the rustls/webpki-roots TLS stack.
pub(crate) fn http_client(connect_timeout: Duration, request_timeout: Duration) -> Result<Http> {
    Http::builder()
        .use_rustls_tls()
        .connect_timeout(connect_timeout)
        .timeout(request_timeout)
        .build()
        .map_err(|e| Error::Network(format!("could not build the HTTP client: {e}")))
}

/// One server's endpoint with everything a request needs.
pub(crate) struct Transport<'a> {
    pub http: Http,
    pub base: String,
    pub retry: RetryPolicy,
    pub tokens: &'a dyn TokenProvider,
    pub cancel: &'a CancelToken,
    pub observer: &'a dyn SyncObserver,
}

/// How one attempt ended.
enum Attempt {
    Done(Reply),
    Unauthorized(String),
    Transient(String, Option<Duration>),
}

impl Transport<'_> {
    /// Sends the request `build` makes (given the client, the URL base and the access token),
    /// refreshing the token once on 401 and retrying transient failures with backoff. Other 4xx
    /// answers are [`Error::Protocol`] (this client sent something the server does not accept).
    pub(crate) fn call(&self, build: &dyn Fn(&Http, &str) -> RequestBuilder) -> Result<Reply> {
        let mut token = self.tokens.access_token()?;
        let mut refreshed = false;
        let mut failures = 0u32;
        loop {
            self.cancel.check()?;
            let request = build(&self.http, &self.base)
                .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
                .bearer_auth(&token);
            match attempt(request)? {
                Attempt::Done(reply) => return Ok(reply),
                Attempt::Unauthorized(message) => {
                    if refreshed {
                        return Err(Error::Auth(message));
                    }
                    refreshed = true;
                    token = self.tokens.refresh()?;
                }
                Attempt::Transient(message, retry_after) => {
                    failures += 1;
                    if failures >= self.retry.max_attempts.max(1) {
                        return Err(Error::Network(message));
                    }
                    self.observer.state_changed(SyncState::Offline);
                    self.cancel.sleep(self.retry.delay(failures, retry_after))?;
                }
            }
        }
    }
}

/// Sends once and classifies the outcome.
fn attempt(request: RequestBuilder) -> Result<Attempt> {
    let response = match request.send() {
        Ok(r) => r,
        Err(e) => return Ok(Attempt::Transient(describe(&e), None)),
    };
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    // Reading the whole body also catches a truncated one (fewer bytes than announced).
    let body = match response.bytes() {
        Ok(b) => b.to_vec(),
        Err(e) => return Ok(Attempt::Transient(describe(&e), retry_after)),
    };
    if status.is_success() {
        return Ok(Attempt::Done(Reply::Body(body)));
    }
    let error: Option<ErrorBody> = serde_json::from_slice(&body).ok();
    let message = match &error {
        Some(e) => format!("{status} {}: {}", e.code, e.message),
        None => format!("{status}"),
    };
    Ok(match status {
        StatusCode::UNAUTHORIZED => Attempt::Unauthorized(message),
        StatusCode::GONE if error.as_ref().is_some_and(|e| e.code == "history_reset") => {
            Attempt::Done(Reply::HistoryReset)
        }
        StatusCode::PAYLOAD_TOO_LARGE => Attempt::Done(Reply::TooLarge),
        StatusCode::TOO_MANY_REQUESTS | StatusCode::REQUEST_TIMEOUT => {
            Attempt::Transient(message, retry_after)
        }
        s if s.is_server_error() => Attempt::Transient(message, retry_after),
        _ => {
            return Err(Error::Protocol(format!(
                "the server refused the request: {message}"
            )));
        }
    })
}

fn describe(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Parses a 2xx body, any failure being the server's fault.
pub(crate) fn parse<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(body)
        .map_err(|e| Error::Protocol(format!("the {what} answer is malformed: {e}")))
}

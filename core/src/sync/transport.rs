//! HTTP to the sync server: a blocking reqwest client (the core stays synchronous) with rustls
//! and the bundled webpki root certificates, timeouts on connecting and on every request, the
//! protocol header and bearer token, one token refresh on 401, and retries with backoff; gzip
//! answers are accepted (reqwest asks for them with `Accept-Encoding: gzip` and decompresses).
//!
//! TLS is rustls with `webpki-roots` compiled in, not native-tls/OpenSSL and not the platform
//! verifier: on Android that needs no JNI initialisation and no system OpenSSL, and the same trust
//! store is used on every platform. The cost: root certificates update with the library, not
//! with the OS.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::{Client as Http, RequestBuilder};
use serde::de::DeserializeOwned;

use super::answer::{Answer, describe_failure};
use super::auth::{Refresh, TokenProvider};
use super::control::{CancelToken, SyncObserver, SyncState};
use super::protocol::{PROTOCOL_HEADER, PROTOCOL_VERSION};
use super::retry::{self, Backoff, RetryPolicy};
use crate::error::{Error, Result};

/// What a successful exchange produced.
pub(crate) enum Reply {
    /// A 2xx answer.
    Body(Answer),
    /// 410 `history_reset`: the cursor is from an earlier history.
    HistoryReset,
    /// 413: the request body (or the number of changes in a push) is over the server's limit.
    /// The caller sends less; nothing of the request was applied.
    TooLarge,
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
    /// The refresh honours this run's retry policy and cancellation.
    pub(crate) fn call(&self, build: &dyn Fn(&Http, &str) -> RequestBuilder) -> Result<Reply> {
        let mut token = self.tokens.access_token()?;
        let mut refreshed = false;
        let mut backoff = Backoff::new(&self.retry, self.cancel);
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
                    token = self.tokens.refresh(&Refresh {
                        refused: token,
                        retry: self.retry,
                        cancel: self.cancel.clone(),
                    })?;
                }
                Attempt::Transient(message, retry_after) => {
                    let wait = backoff.failed(message, retry_after)?;
                    self.observer.state_changed(SyncState::Offline);
                    backoff.wait(wait)?;
                }
            }
        }
    }
}

/// Sends once and classifies the outcome.
fn attempt(request: RequestBuilder) -> Result<Attempt> {
    let response = match request.send() {
        Ok(r) => r,
        Err(e) => return Ok(Attempt::Transient(describe_failure(&e), None)),
    };
    let retry_after = retry::retry_after(response.headers());
    // Reading the whole body also catches a truncated one (fewer bytes than announced).
    let answer = match Answer::read(response) {
        Ok(a) => a,
        Err(e) => return Ok(Attempt::Transient(describe_failure(&e), retry_after)),
    };
    let status = answer.status;
    if status.is_success() {
        return Ok(Attempt::Done(Reply::Body(answer)));
    }
    let message = answer.refusal();
    Ok(match status {
        StatusCode::UNAUTHORIZED => Attempt::Unauthorized(message),
        StatusCode::GONE
            if answer
                .error_body()
                .is_some_and(|e| e.code == "history_reset") =>
        {
            Attempt::Done(Reply::HistoryReset)
        }
        StatusCode::PAYLOAD_TOO_LARGE => Attempt::Done(Reply::TooLarge),
        StatusCode::GONE if answer.is_account_deleted() => return Err(Error::AccountDeleted),
        s if retry::is_transient(s) => Attempt::Transient(message, retry_after),
        _ => {
            return Err(Error::Protocol(format!(
                "the server refused the request: {message}"
            )));
        }
    })
}

/// Parses a 2xx answer, any failure being the server's (the error describes the answer).
pub(crate) fn parse<T: DeserializeOwned>(answer: &Answer, what: &str) -> Result<T> {
    answer.parse(what)
}

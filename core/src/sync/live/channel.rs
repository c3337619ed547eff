//! The channel thread: keeps `GET /v1/sync/live` open and rings the bell with each end of the
//! feed the server announces. It reconnects after a lost connection, a dead one (nothing, not
//! even a heartbeat, for the idle timeout), a server error or a `closed` event, waiting the
//! reconnect policy's backoff (with jitter) after failures; a refused token is refreshed once
//! per refusal through the app's [`TokenProvider`], and a failed refresh stops live sync
//! (sign in again).

use std::io::BufReader;
use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::blocking::Client as Http;

use super::bell::Bell;
use super::stream::{self, Ended, Said};
use super::{LiveConfig, LiveListener};
use crate::error::{Error, Result};
use crate::sync::auth::{Refresh, TokenProvider};
use crate::sync::http::http_client;
use crate::sync::protocol::{LIVE_PATH, PROTOCOL_HEADER, PROTOCOL_VERSION};
use crate::sync::retry::RetryPolicy;

/// Everything the channel thread holds: no database, so it may outlive a stopped [`super::LiveSync`].
struct Channel {
    http: Http,
    url: String,
    tokens: Arc<dyn TokenProvider>,
    reconnect: RetryPolicy,
    listener: Arc<dyn LiveListener>,
    bell: Arc<Bell>,
    cancel: crate::sync::CancelToken,
}

/// How one connection ended.
enum Outcome {
    /// It was open and then lost or closed: reconnect (at once if it had worked).
    Lost { worked: bool },
    /// The token was refused.
    Refused(String),
    /// Failed to connect or answered an error: back off.
    Failed(String),
}

/// Starts the channel thread.
pub(super) fn spawn(config: &LiveConfig, bell: Arc<Bell>) -> Result<()> {
    let channel = Channel {
        // The idle timeout bounds every read, so a dead connection is noticed.
        http: http_client(config.sync.connect_timeout, config.idle_timeout)?,
        url: format!("{}{LIVE_PATH}", config.sync.base_url.trim_end_matches('/')),
        tokens: Arc::clone(&config.sync.tokens),
        reconnect: config.reconnect,
        listener: Arc::clone(&config.listener),
        bell,
        cancel: config.sync.cancel.clone(),
    };
    super::thread("live-channel", move || channel.run()).map(|_| ())
}

impl Channel {
    fn run(&self) {
        let mut failures: u32 = 0;
        let mut refreshed = false;
        while !self.bell.is_stopped() {
            let outcome = match self.tokens.access_token() {
                Ok(token) => (self.connect(&token), token),
                Err(e @ Error::Auth(_)) => return self.give_up(&e),
                Err(e) => (Outcome::Failed(e.to_string()), String::new()),
            };
            match outcome {
                (Outcome::Lost { worked }, _) => {
                    refreshed = false;
                    if worked {
                        failures = 0;
                        continue;
                    }
                }
                (Outcome::Refused(_), token) if !refreshed => {
                    refreshed = true;
                    let refresh = Refresh {
                        refused: token,
                        retry: self.reconnect,
                        cancel: self.cancel.clone(),
                    };
                    match self.tokens.refresh(&refresh) {
                        Ok(_) => continue,
                        Err(Error::Network(m)) => {
                            tracing::info!(error = %m, "live: the refresh failed; retrying")
                        }
                        Err(e) => return self.give_up(&e),
                    }
                }
                (Outcome::Refused(message), _) => return self.give_up(&Error::Auth(message)),
                (Outcome::Failed(message), _) => {
                    tracing::info!(error = %message, "live: reconnecting");
                }
            }
            failures = failures.saturating_add(1);
            if !self.bell.pause(self.reconnect.delay(failures, None)) {
                return;
            }
        }
    }

    /// One connection: open it, then read until it ends.
    fn connect(&self, token: &str) -> Outcome {
        let response = self
            .http
            .get(&self.url)
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .bearer_auth(token)
            .send();
        let response = match response {
            Ok(r) => r,
            Err(e) => return Outcome::Failed(e.to_string()),
        };
        match response.status() {
            StatusCode::OK => {}
            StatusCode::UNAUTHORIZED => {
                return Outcome::Refused("the live channel refused the access token".into());
            }
            status => return Outcome::Failed(format!("the live channel answered {status}")),
        }
        self.listener.connected(true);
        let mut reader = BufReader::new(response);
        let mut worked = false;
        let ended = loop {
            if self.bell.is_stopped() {
                break Ended::Eof;
            }
            match stream::next(&mut reader) {
                Ok(Said::Feed(cursor)) => {
                    worked = true;
                    self.bell.ring(|r| r.remote = Some(cursor));
                }
                Ok(Said::Alive) => worked = true,
                Ok(Said::Closed(reason)) => {
                    tracing::info!(%reason, "live: the server closed the channel");
                    break Ended::Eof;
                }
                Err(ended) => break ended,
            }
        };
        if let Ended::Broken(message) = ended {
            tracing::info!(error = %message, "live: the channel broke");
        }
        self.listener.connected(false);
        Outcome::Lost { worked }
    }

    /// Stops live sync after a failure it cannot fix (sign in again).
    fn give_up(&self, error: &Error) {
        tracing::warn!(error = %error, "live sync stops");
        self.listener.failed(error);
        self.listener.connected(false);
        self.bell.stop();
    }
}

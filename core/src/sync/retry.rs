//! How long to wait before retrying a failed request: exponential backoff with jitter, and the
//! server's `Retry-After` when it gives one. Shared by every request of a sync and by token
//! refreshes, so all of them retry alike.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::control::CancelToken;
use crate::error::{Error, Result};

/// Retry settings for transient failures (timeouts, dropped connections, truncated bodies, 5xx,
/// 429). The defaults suit a phone: 8 attempts over roughly half a minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included (at least 1).
    pub max_attempts: u32,
    /// Backoff before the first retry; doubles each retry.
    pub base_delay: Duration,
    /// Upper bound of the backoff.
    pub max_delay: Duration,
    /// Upper bound of a server's `Retry-After` that is honoured (a larger one is capped).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1 for the first retry): "equal jitter", half of
    /// `min(max_delay, base_delay * 2^(retry-1))` fixed and half random, so that devices that
    /// failed together do not retry together. A `Retry-After` from the server is a floor.
    pub(crate) fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let exp = retry.saturating_sub(1).min(20);
        let cap = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let backoff = crate::jitter::half_to_full(cap);
        match retry_after {
            Some(after) => backoff.max(after.min(self.max_retry_after)),
            None => backoff,
        }
    }
}

/// The failures of one request sequence: how many, and the wait before the next attempt.
pub(crate) struct Backoff<'a> {
    policy: &'a RetryPolicy,
    cancel: &'a CancelToken,
    failures: u32,
}

impl<'a> Backoff<'a> {
    /// No failure yet.
    pub(crate) fn new(policy: &'a RetryPolicy, cancel: &'a CancelToken) -> Self {
        Backoff {
            policy,
            cancel,
            failures: 0,
        }
    }

    /// Records a transient failure described by `message`. Fails with [`Error::Network`] when
    /// the policy's attempts are spent; otherwise returns the wait before the next attempt (the
    /// server's `retry_after` as a floor).
    pub(crate) fn failed(
        &mut self,
        message: String,
        retry_after: Option<Duration>,
    ) -> Result<Duration> {
        self.failures += 1;
        if self.failures >= self.policy.max_attempts.max(1) {
            return Err(Error::Network(message));
        }
        Ok(self.policy.delay(self.failures, retry_after))
    }

    /// Waits `duration`, waking early with [`Error::Cancelled`] when the run is cancelled.
    pub(crate) fn wait(&self, duration: Duration) -> Result<()> {
        self.cancel.sleep(duration)
    }
}

/// Whether an answer with `status` is worth retrying: 5xx, 429 and 408.
pub(crate) fn is_transient(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
}

/// The server's `Retry-After` in seconds, if it sent one (the HTTP-date form is ignored).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_stays_capped_and_honours_retry_after() {
        let p = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(400),
            max_retry_after: Duration::from_secs(2),
        };
        for _ in 0..50 {
            let first = p.delay(1, None);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = p.delay(3, None);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            let late = p.delay(30, None);
            assert!(late <= Duration::from_millis(400));
            assert!(p.delay(1, Some(Duration::from_secs(1))) >= Duration::from_secs(1));
            assert!(p.delay(1, Some(Duration::from_secs(100))) <= Duration::from_secs(2));
        }
    }

    #[test]
    fn backoff_gives_up_after_the_policys_attempts() {
        let p = RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
            max_retry_after: Duration::from_secs(2),
        };
        let cancel = CancelToken::new();
        let mut backoff = Backoff::new(&p, &cancel);
        assert!(backoff.failed("one".into(), None).is_ok());
        let floor = backoff.failed("two".into(), Some(Duration::from_secs(1)));
        assert!(matches!(floor, Ok(d) if d >= Duration::from_secs(1)));
        let last = backoff.failed("three".into(), None);
        assert!(matches!(last, Err(Error::Network(m)) if m == "three"));
    }
}

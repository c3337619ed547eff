//! How long to wait before retrying a failed request: exponential backoff with jitter, and the
//! server's `Retry-After` when it gives one.

use std::time::Duration;

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
        let half = cap / 2;
        let jitter = Duration::from_nanos(fastrand::u64(0..=half.as_nanos() as u64));
        let backoff = half + jitter;
        match retry_after {
            Some(after) => backoff.max(after.min(self.max_retry_after)),
            None => backoff,
        }
    }
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
}

//! Randomised waits ("equal jitter"), so that parties that failed together — devices whose
//! requests failed at once, server processes whose connection dropped, transactions that
//! deadlocked — do not all try again at the same instant and collide again. Shared by the
//! device's retries (`sync::retry`) and the server's.

use std::time::Duration;

/// A wait between half of `wait` and all of it, uniformly at random.
pub fn half_to_full(wait: Duration) -> Duration {
    let half = wait / 2;
    let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
    half.saturating_add(Duration::from_nanos(fastrand::u64(0..=nanos)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_stay_between_half_and_the_whole() {
        let wait = Duration::from_millis(400);
        let waits: Vec<Duration> = (0..1000).map(|_| half_to_full(wait)).collect();
        for jittered in &waits {
            assert!(*jittered >= wait / 2 && *jittered <= wait, "{jittered:?}");
        }
        assert!(
            waits.iter().any(|w| *w != waits[0]),
            "the waits are spread, not one value"
        );
    }
}

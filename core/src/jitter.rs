//! Randomised waits ("equal jitter"), so that parties that failed together — devices whose
//! requests failed at once, server processes whose connection dropped, transactions that
//! deadlocked — do not all try again at the same instant and collide again. Shared by the
//! device's retries (`sync::retry`) and the server's.

use std::time::Duration;

/// A wait from half of `wait` up to (not including) all of it, uniformly at random; `wait`
/// itself when it is zero.
pub fn half_to_full(wait: Duration) -> Duration {
    let half = wait / 2;
    let rest = u64::try_from((wait - half).as_nanos()).unwrap_or(u64::MAX);
    if rest == 0 {
        return half;
    }
    half.saturating_add(Duration::from_nanos(fastrand::u64(0..rest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_stay_between_half_and_the_whole() {
        let wait = Duration::from_millis(400);
        let waits: Vec<Duration> = (0..1000).map(|_| half_to_full(wait)).collect();
        for jittered in &waits {
            assert!(*jittered >= wait / 2 && *jittered < wait, "{jittered:?}");
        }
        assert!(
            waits.iter().any(|w| *w != waits[0]),
            "the waits are spread, not one value"
        );
        assert_eq!(half_to_full(Duration::ZERO), Duration::ZERO);
        assert_eq!(half_to_full(Duration::from_nanos(1)), Duration::ZERO);
    }
}

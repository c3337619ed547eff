//! Transactions that lose to a concurrent one (PostgreSQL): what kind of conflict it was, and a
//! running count of the runs it cost, logged at each retry so an operator (or a benchmark
//! reading the log) can see how often writers collide and how long the lost runs took.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use studymate_core::jitter;

/// Why the database aborted a transaction because of another one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// Two transactions waited on each other's locks (`40P01`); PostgreSQL notices only after
    /// its `deadlock_timeout` (1 s by default), so the aborted run costs at least that.
    Deadlock,
    /// A snapshot could not be kept consistent (`40001`).
    Serialization,
    /// A unique key another transaction took first (`23505`).
    UniqueRace,
}

impl Conflict {
    /// The conflict an SQLSTATE names, if it is one.
    pub fn from_sqlstate(code: &str) -> Option<Conflict> {
        match code {
            "40P01" => Some(Conflict::Deadlock),
            "40001" => Some(Conflict::Serialization),
            "23505" => Some(Conflict::UniqueRace),
            _ => None,
        }
    }

    /// The name used in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Conflict::Deadlock => "deadlock",
            Conflict::Serialization => "serialization_failure",
            Conflict::UniqueRace => "unique_race",
        }
    }
}

/// The first retry's longest wait; each later one doubles it.
const FIRST_BACKOFF: Duration = Duration::from_millis(20);

/// How long to wait before running again a transaction whose run `attempt` (from 1) conflicted:
/// between half and all of 20 ms doubled per earlier attempt (at most 160 ms before the fifth).
/// Without it, the loser of a deadlock started again at once, took its first row lock back
/// before the winner could use it, and deadlocked with it again, a second per round
/// (docs/scaling.md, "Conflicts run again").
pub fn backoff(attempt: usize) -> Duration {
    let doublings = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(u32::MAX)
        .min(8);
    jitter::half_to_full(FIRST_BACKOFF.saturating_mul(1 << doublings))
}

/// Runs run again because of a conflict since the process started.
static RETRIES: AtomicU64 = AtomicU64::new(0);

/// Milliseconds spent in runs that were then thrown away for a conflict, since the start.
static LOST_MS: AtomicU64 = AtomicU64::new(0);

/// Records that a run ended in `conflict` after `lost` and is run again as run `next_attempt`,
/// and logs it with the process's running totals (`retries_total`, `lost_ms_total`).
pub fn note_retry(conflict: Conflict, lost: Duration, next_attempt: usize) {
    let lost_ms = u64::try_from(lost.as_millis()).unwrap_or(u64::MAX);
    let retries = RETRIES.fetch_add(1, Ordering::Relaxed).saturating_add(1);
    let lost_total = LOST_MS
        .fetch_add(lost_ms, Ordering::Relaxed)
        .saturating_add(lost_ms);
    tracing::info!(
        conflict = conflict.as_str(),
        lost_ms,
        next_attempt,
        retries_total = retries,
        lost_ms_total = lost_total,
        "transaction retried after a conflict with a concurrent one"
    );
}

/// Logs a transaction given up after its last run also ended in `conflict`.
pub fn note_given_up(conflict: Conflict, attempts: usize) {
    tracing::warn!(
        conflict = conflict.as_str(),
        attempts,
        "transaction given up: every run conflicted with a concurrent one"
    );
}

#[cfg(test)]
mod tests {
    use super::{Conflict, Duration, backoff};

    #[test]
    fn backoff_doubles_from_twenty_milliseconds_and_is_bounded() {
        let ms = |d: Duration| d.as_millis();
        assert!((10..20).contains(&ms(backoff(1))));
        assert!((40..80).contains(&ms(backoff(3))));
        assert!(ms(backoff(usize::MAX)) < 20 * 256);
    }

    #[test]
    fn only_the_three_conflict_codes_are_conflicts() {
        assert_eq!(Conflict::from_sqlstate("40P01"), Some(Conflict::Deadlock));
        assert_eq!(
            Conflict::from_sqlstate("40001"),
            Some(Conflict::Serialization)
        );
        assert_eq!(Conflict::from_sqlstate("23505"), Some(Conflict::UniqueRace));
        assert_eq!(Conflict::from_sqlstate("23503"), None);
        assert_eq!(Conflict::from_sqlstate(""), None);
    }
}

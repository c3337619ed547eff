//! Limits on login and signup attempts, each answered 429 `too_many_attempts` with a
//! `Retry-After` when exceeded:
//!
//! - [`AddressLimit`]: every login (or signup) request from one client address, a GCRA rate
//!   (`governor`): a burst of N, then one more each `period / N`. IPv6 clients are keyed by their
//!   /64, the block one subscriber usually holds.
//! - [`FailureLimit`]: failed logins per username, the same shape of budget but spent only by
//!   failures; a successful login clears it (the owner who mistyped carries no debt, and a
//!   guesser never succeeds). It is checked before any hashing, so a throttled guess costs no
//!   Argon2 run. Unknown usernames are counted like known ones, so throttling does not reveal
//!   which exist.
//!
//! Both forget keys whose budget is whole again, pruning when their map has doubled since the
//! last pruning, so memory follows the attempts of the last period.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Fewest keys at which a limiter starts pruning.
const PRUNE_FLOOR: usize = 1024;

/// An attempt refused by a limit; the client may retry after `retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    /// Time until the next attempt is allowed (at least one second).
    pub retry_after: Duration,
}

impl Throttled {
    fn after(wait: Duration) -> Self {
        Throttled {
            retry_after: wait.max(Duration::from_secs(1)),
        }
    }
}

/// A budget of `burst` attempts, one regained each `period / burst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Attempts allowed at once.
    pub burst: NonZeroU32,
    /// Time to regain the whole burst.
    pub period: Duration,
}

impl Budget {
    /// `per_period` attempts per `period`; `None` for 0 (no limit).
    pub fn new(per_period: u32, period: Duration) -> Option<Budget> {
        NonZeroU32::new(per_period).map(|burst| Budget { burst, period })
    }

    /// Time to regain one attempt (never zero).
    fn interval(self) -> Duration {
        (self.period / self.burst.get()).max(Duration::from_millis(1))
    }
}

/// A rate of requests per client address; `None` inside means no limit.
#[derive(Debug)]
pub struct AddressLimit {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    clock: DefaultClock,
    prune_at: Mutex<usize>,
}

impl AddressLimit {
    /// A limit of `budget` per address, or none.
    pub fn new(budget: Option<Budget>) -> Self {
        let clock = DefaultClock::default();
        let limiter = budget.and_then(|b| {
            Quota::with_period(b.interval())
                .map(|q| RateLimiter::hashmap_with_clock(q.allow_burst(b.burst), clock.clone()))
        });
        AddressLimit {
            limiter,
            clock,
            prune_at: Mutex::new(PRUNE_FLOOR),
        }
    }

    /// Counts an attempt from `addr`; refused once the address's budget is spent.
    pub fn check(&self, addr: IpAddr) -> Result<(), Throttled> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        let outcome = limiter.check_key(&subscriber(addr));
        let mut prune_at = self.prune_at.lock().unwrap_or_else(|p| p.into_inner());
        if limiter.len() >= *prune_at {
            limiter.retain_recent();
            limiter.shrink_to_fit();
            *prune_at = limiter.len().saturating_mul(2).max(PRUNE_FLOOR);
        }
        outcome.map_err(|not_until| Throttled::after(not_until.wait_time_from(self.clock.now())))
    }
}

/// The key of a client address: IPv4 (also when mapped into IPv6) whole, IPv6 by its /64.
fn subscriber(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
    }
}

/// A budget of failed logins per username; `None` inside means no limit.
#[derive(Debug)]
pub struct FailureLimit {
    budget: Option<Budget>,
    state: Mutex<Failures>,
}

/// Per username, the instant at which its budget is whole again (a GCRA's theoretical arrival
/// time): each failure pushes it one interval later.
#[derive(Debug)]
struct Failures {
    whole_at: HashMap<String, Instant>,
    prune_at: usize,
}

impl FailureLimit {
    /// A limit of `budget` failures per username, or none.
    pub fn new(budget: Option<Budget>) -> Self {
        FailureLimit {
            budget,
            state: Mutex::new(Failures {
                whole_at: HashMap::new(),
                prune_at: PRUNE_FLOOR,
            }),
        }
    }

    /// Whether `username` may try now: refused while its failures have spent the budget.
    pub fn check(&self, username: &str, now: Instant) -> Result<(), Throttled> {
        let Some(budget) = self.budget else {
            return Ok(());
        };
        let state = self.lock();
        let Some(&whole_at) = state.whole_at.get(username) else {
            return Ok(());
        };
        // Spent = more than burst − 1 intervals still to regain.
        let tolerance = budget.interval().saturating_mul(budget.burst.get() - 1);
        match now.checked_add(tolerance) {
            Some(limit) if whole_at > limit => Err(Throttled::after(whole_at - limit)),
            _ => Ok(()),
        }
    }

    /// Counts a failed login for `username`.
    pub fn failed(&self, username: &str, now: Instant) {
        let Some(budget) = self.budget else {
            return;
        };
        let mut state = self.lock();
        if state.whole_at.len() >= state.prune_at {
            state.whole_at.retain(|_, whole_at| *whole_at > now);
            state.whole_at.shrink_to_fit();
            state.prune_at = state.whole_at.len().saturating_mul(2).max(PRUNE_FLOOR);
        }
        let start = state
            .whole_at
            .get(username)
            .map_or(now, |&whole_at| whole_at.max(now));
        let whole_at = start.checked_add(budget.interval()).unwrap_or(start);
        state.whole_at.insert(username.to_owned(), whole_at);
    }

    /// Clears `username`'s failures (after a successful login).
    pub fn succeeded(&self, username: &str) {
        self.lock().whole_at.remove(username);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Failures> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn failures_spend_the_budget_and_success_restores_it() {
        let limit = FailureLimit::new(Budget::new(3, HOUR));
        let now = Instant::now();
        for _ in 0..3 {
            assert_eq!(limit.check("ann", now), Ok(()));
            limit.failed("ann", now);
        }
        let refused = limit.check("ann", now).expect_err("the budget is spent");
        assert_eq!(refused.retry_after, Duration::from_secs(1200));
        assert_eq!(limit.check("bo", now), Ok(()), "other names keep theirs");
        let later = now + Duration::from_secs(1200);
        assert_eq!(limit.check("ann", later), Ok(()), "one attempt regained");
        limit.succeeded("ann");
        assert_eq!(limit.check("ann", now), Ok(()));
    }

    #[test]
    fn no_budget_means_no_limit() {
        let limit = FailureLimit::new(Budget::new(0, HOUR));
        let now = Instant::now();
        for _ in 0..100 {
            limit.failed("ann", now);
        }
        assert_eq!(limit.check("ann", now), Ok(()));
        let addresses = AddressLimit::new(None);
        assert!((0..100).all(|_| addresses.check(IpAddr::from([127, 0, 0, 1])).is_ok()));
    }

    #[test]
    fn an_address_gets_its_burst_then_waits() {
        let limit = AddressLimit::new(Budget::new(2, HOUR));
        let home = IpAddr::from([192, 0, 2, 1]);
        assert!(limit.check(home).is_ok());
        assert!(limit.check(home).is_ok());
        let refused = limit.check(home).expect_err("the burst is spent");
        assert!(refused.retry_after > Duration::from_secs(1700));
        assert!(limit.check(IpAddr::from([192, 0, 2, 2])).is_ok());
    }

    #[test]
    fn an_ipv6_subscriber_is_one_key() {
        let a: IpAddr = "2001:db8:1:2::1".parse().expect("address");
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("address");
        let other: IpAddr = "2001:db8:1:3::1".parse().expect("address");
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().expect("address");
        assert_eq!(subscriber(a), subscriber(b));
        assert_ne!(subscriber(a), subscriber(other));
        assert_eq!(subscriber(mapped), IpAddr::from([192, 0, 2, 1]));
    }

    #[test]
    fn forgotten_names_are_pruned() {
        let limit = FailureLimit::new(Budget::new(1, Duration::from_secs(1)));
        let now = Instant::now();
        for i in 0..PRUNE_FLOOR {
            limit.failed(&format!("user{i}"), now);
        }
        limit.failed("late", now + Duration::from_secs(5));
        assert_eq!(
            limit.lock().whole_at.len(),
            1,
            "only the recent failure stays"
        );
    }
}

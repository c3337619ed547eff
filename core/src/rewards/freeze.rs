//! Streak freezes: an item bought with points that covers exactly one missed day.
//!
//! Rules (see `docs/rewards.md`):
//! - A freeze costs [`FREEZE_PRICE`] points; a learner holds at most [`MAX_FREEZES_HELD`].
//! - A freeze bought on local day `P` can only cover a missed day `D` with `P < D`: it must be
//!   held before the day is missed, so it cannot repair a streak that has already broken.
//! - Freezes are consumed automatically, oldest first, for the missed days of a gap, and only
//!   when they cover the *whole* gap; a gap they cannot bridge breaks the streak and consumes
//!   nothing.
//! - Consumption is derived from the practice days and the purchase days every time, never
//!   stored: a day recorded late that fills a gap gives the freeze back.

use chrono::{Days, NaiveDate};

use super::{RewardsError, check_spend};

/// Points a streak freeze costs.
pub const FREEZE_PRICE: i64 = 100;

/// The most streak freezes a learner may hold (bought and not yet consumed) at once.
pub const MAX_FREEZES_HELD: u32 = 2;

/// The ledger rule under which freeze purchases are recorded.
pub const FREEZE_RULE: &str = "streak_freeze";

/// The period key of a freeze purchase: the local day it was bought on and the purchase's own
/// ledger id, `<YYYY-MM-DD>:<uuid>`, unique across devices however many are bought that day.
pub fn freeze_period_key(day: NaiveDate, purchase: uuid::Uuid) -> String {
    format!("{}:{purchase}", super::day_key(day))
}

/// The day a freeze was bought on, from its period key (keys written before purchases carried
/// their id, `<day>:<n>`, parse the same way).
pub fn freeze_day(period_key: &str) -> Result<NaiveDate, RewardsError> {
    let invalid = || RewardsError::InvalidPeriodKey(period_key.to_owned());
    let (day, suffix) = period_key.split_once(':').ok_or_else(invalid)?;
    if suffix.is_empty() {
        return Err(invalid());
    }
    NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| invalid())
}

/// Accepts the purchase of one streak freeze and returns its price, or says why not.
///
/// `held` is the number of freezes bought and not consumed, as reported by
/// [`crate::rewards::StreakInfo::freezes_held`].
pub fn check_freeze_purchase(balance: i64, held: u32) -> Result<i64, RewardsError> {
    if held >= MAX_FREEZES_HELD {
        return Err(RewardsError::FreezeLimitReached {
            held,
            max: MAX_FREEZES_HELD,
        });
    }
    check_spend(balance, FREEZE_PRICE)?;
    Ok(FREEZE_PRICE)
}

/// The freezes a learner has bought, consumed oldest first while walking the calendar forward.
///
/// Because a freeze valid for a day is valid for every later day, consuming the oldest
/// eligible one first is optimal, and the unconsumed freezes are always a suffix of the
/// purchases sorted by day.
pub(super) struct FreezePool {
    purchases: Vec<NaiveDate>,
    next: usize,
}

impl FreezePool {
    /// A pool of the freezes bought on the given local days (any order).
    pub(super) fn new(purchases: &[NaiveDate]) -> Self {
        let mut purchases = purchases.to_vec();
        purchases.sort_unstable();
        Self { purchases, next: 0 }
    }

    /// Covers the `missed` consecutive days starting at `first_missed` if the pool can cover
    /// all of them, consuming one freeze per day; otherwise consumes nothing.
    pub(super) fn bridge(&mut self, first_missed: NaiveDate, missed: u64) -> bool {
        let available = &self.purchases[self.next..];
        let Ok(needed) = usize::try_from(missed) else {
            return false;
        };
        if needed > available.len() {
            return false;
        }
        let covered = available[..needed]
            .iter()
            .zip(0u64..)
            .all(|(bought, offset)| {
                first_missed
                    .checked_add_days(Days::new(offset))
                    .is_some_and(|missed_day| *bought < missed_day)
            });
        if covered {
            self.next += needed;
        }
        covered
    }

    /// Freezes consumed so far.
    pub(super) fn used(&self) -> u32 {
        u32::try_from(self.next).unwrap_or(u32::MAX)
    }

    /// Freezes bought and not consumed.
    pub(super) fn held(&self) -> u32 {
        u32::try_from(self.purchases.len() - self.next).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).expect("valid test date")
    }

    #[test]
    fn purchase_respects_the_limit_and_the_balance() {
        assert_eq!(check_freeze_purchase(500, 0), Ok(FREEZE_PRICE));
        assert_eq!(check_freeze_purchase(FREEZE_PRICE, 1), Ok(FREEZE_PRICE));
        assert_eq!(
            check_freeze_purchase(500, 2),
            Err(RewardsError::FreezeLimitReached { held: 2, max: 2 })
        );
        assert_eq!(
            check_freeze_purchase(99, 0),
            Err(RewardsError::InsufficientPoints {
                balance: 99,
                amount: FREEZE_PRICE
            })
        );
    }

    #[test]
    fn a_freeze_only_covers_days_after_its_purchase() {
        let mut pool = FreezePool::new(&[date(10)]);
        assert!(!pool.bridge(date(10), 1));
        assert!(pool.bridge(date(11), 1));
        assert_eq!((pool.used(), pool.held()), (1, 0));
    }

    #[test]
    fn a_gap_is_bridged_whole_or_not_at_all() {
        let mut pool = FreezePool::new(&[date(2), date(1)]);
        assert!(!pool.bridge(date(5), 3));
        assert_eq!((pool.used(), pool.held()), (0, 2));
        assert!(pool.bridge(date(5), 2));
        assert_eq!((pool.used(), pool.held()), (2, 0));
        assert!(pool.bridge(date(9), 0));
    }
}

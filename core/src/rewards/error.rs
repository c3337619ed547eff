//! The one error type of the rewards domain.

use thiserror::Error;

/// Why a rewards computation or check refused its input.
///
/// Every variant carries the offending value so the app can explain the refusal and the
/// store can map it to its own error without string matching.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RewardsError {
    /// The IANA time-zone id recorded with an event is not in the bundled tz database.
    #[error("unknown IANA time zone {0:?}")]
    UnknownTimeZone(String),
    /// A spend must move a strictly positive number of points.
    #[error("a spend must be a positive number of points, got {amount}")]
    NonPositiveAmount {
        /// The refused amount.
        amount: i64,
    },
    /// The balance does not cover the spend; balances never go negative.
    #[error("insufficient points: balance {balance}, spend {amount}")]
    InsufficientPoints {
        /// The balance before the spend.
        balance: i64,
        /// The refused amount.
        amount: i64,
    },
    /// The learner already holds the maximum number of streak freezes.
    #[error("already holding {held} streak freezes (at most {max})")]
    FreezeLimitReached {
        /// Freezes held now.
        held: u32,
        /// The limit, [`crate::rewards::MAX_FREEZES_HELD`].
        max: u32,
    },
    /// An achievement requirement names a type this library does not know.
    #[error("unknown achievement requirement type {0:?}")]
    UnknownRequirementType(String),
    /// An achievement requirement has a known type but a malformed body.
    #[error("invalid achievement requirement: {0}")]
    InvalidRequirement(String),
    /// A stored period key does not have the shape its rule writes.
    #[error("invalid period key {0:?}")]
    InvalidPeriodKey(String),
}

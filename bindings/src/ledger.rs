//! Points ledger calls: record an entry, the balance, and history pages.

use studymate_core::ledger::{
    Balance, LedgerPage, NewPoints, PointSource, PointTransaction, TransactionType,
};
use uuid::Uuid;

use crate::client::Client;
use crate::error::Result;
use crate::observer::{DataArea, DataChange};
use crate::types::Timestamp;

#[uniffi::remote(Enum)]
pub enum TransactionType {
    Earned,
    Spent,
    Bonus,
    Penalty,
}

#[uniffi::remote(Enum)]
pub enum PointSource {
    DailyPractice,
    PerfectScore,
    StreakBonus,
    TutorSession,
    ChallengeComplete,
    Referral,
    PremiumPurchase,
    AdminAdjustment,
    AchievementUnlock,
    StreakFreeze,
}

/// One ledger entry.
#[uniffi::remote(Record)]
pub struct PointTransaction {
    /// Its id.
    pub id: Uuid,
    /// Direction.
    pub transaction_type: TransactionType,
    /// Signed amount: positive for credits, negative for debits.
    pub points: i64,
    /// Why the points moved.
    pub source: PointSource,
    /// The record that caused it (a session, an achievement).
    pub source_reference_id: Option<Uuid>,
    /// The reward rule that granted it, if any.
    pub rule: Option<String>,
    /// The period the rule counts in (a rule pays once per period).
    pub period_key: Option<String>,
    /// Text shown in the history.
    pub description: Option<String>,
    /// When.
    pub created_at: Timestamp,
}

/// A ledger entry to record.
#[uniffi::remote(Record)]
pub struct NewPoints {
    /// Direction; the amount's sign follows from it.
    pub transaction_type: TransactionType,
    /// Amount, at least 1.
    pub amount: u32,
    /// Why.
    pub source: PointSource,
    /// The record that caused it.
    #[uniffi(default = None)]
    pub source_reference_id: Option<Uuid>,
    /// Text shown in the history.
    #[uniffi(default = None)]
    pub description: Option<String>,
}

/// The learner's points, derived from the ledger.
#[uniffi::remote(Record)]
pub struct Balance {
    /// Points that can be spent.
    pub available: i64,
    /// Everything ever credited (decides the level).
    pub lifetime_earned: i64,
    /// Everything ever debited.
    pub used: i64,
}

/// A page of ledger history, newest first.
#[uniffi::remote(Record)]
pub struct LedgerPage {
    /// The entries.
    pub entries: Vec<PointTransaction>,
    /// Pass to the next call for the following page; `null`/`nil` at the end.
    pub next_cursor: Option<String>,
}

#[uniffi::export]
impl Client {
    /// Records a ledger entry (debits are refused when the balance is too low).
    pub fn record_points(&self, entry: NewPoints) -> Result<PointTransaction> {
        self.write(
            |core| core.record_points(&entry),
            |_| DataChange::of(&[DataArea::Points]),
        )
    }

    /// Balance, lifetime earnings and points used.
    pub fn balance(&self) -> Result<Balance> {
        Ok(self.core()?.balance()?)
    }

    /// A page of history, newest first; `cursor` is the previous page's `next_cursor`.
    pub fn point_history(&self, cursor: Option<String>, limit: u32) -> Result<LedgerPage> {
        Ok(self.core()?.point_history(cursor.as_deref(), limit)?)
    }
}

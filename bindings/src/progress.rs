//! Progress calls: points, level, streak and achievements at a glance, buying a streak freeze,
//! what to practise next (with the reason), and daily or weekly learning summaries.

use studymate_core::ffi::types::LocalDate;
use studymate_core::ledger::PointTransaction;
use studymate_core::progress::{NextUpItem, Progress};
use studymate_core::rewards::{LearningSummary, PeriodType};

use crate::Result;
use crate::client::{StudyMateClient, count};

#[uniffi::export]
impl StudyMateClient {
    /// Points, level, streak and achievements, derived from the local database.
    pub fn progress(&self) -> Result<Progress> {
        Ok(self.core()?.progress()?)
    }

    /// Buys one streak freeze with points; fails with `InsufficientPoints` or
    /// `FreezeLimitReached`.
    pub async fn buy_streak_freeze(&self) -> Result<PointTransaction> {
        self.background("freeze", |core| core.buy_streak_freeze())
            .await
    }

    /// Situations to practise next, best first, with the reason for each (`limit` 1–100).
    pub fn next_up(&self, limit: i32) -> Result<Vec<NextUpItem>> {
        Ok(self.core()?.next_up(count("limit", limit)?)?)
    }

    /// The daily or weekly summary of the local period containing `day`.
    pub fn learning_summary(&self, period: PeriodType, day: LocalDate) -> Result<LearningSummary> {
        Ok(self.core()?.learning_summary(period, day)?)
    }
}

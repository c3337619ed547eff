//! Points ledger calls: record an entry, the balance, and history pages.

use studymate_core::ledger::{Balance, LedgerPage, NewPoints, PointTransaction};

use crate::Result;
use crate::client::{StudyMateClient, count};

#[uniffi::export]
impl StudyMateClient {
    /// Records a ledger entry (a debit the balance does not cover fails with
    /// `InsufficientPoints`).
    pub async fn record_points(&self, entry: NewPoints) -> Result<PointTransaction> {
        self.background("points", move |core| core.record_points(&entry))
            .await
    }

    /// Balance, lifetime earnings and points used.
    pub fn balance(&self) -> Result<Balance> {
        Ok(self.core()?.balance()?)
    }

    /// A page of history, newest first; `cursor` is the previous page's `nextCursor`.
    pub fn point_history(&self, cursor: Option<String>, limit: i32) -> Result<LedgerPage> {
        Ok(self
            .core()?
            .point_history(cursor.as_deref(), count("limit", limit)?)?)
    }
}

//! Operator commands run against the database instead of serving: what only the server may write.

use chrono::Utc;
use studymate_core::ledger::{
    MAX_POINTS_PER_ENTRY, PointSource, PointTransaction, TransactionType,
};
use uuid::Uuid;

use crate::db::{Backend, DbError, TxMode};
use crate::live::{self, Route};
use crate::{ledger, users};

/// Why an operator command failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The command's arguments are not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Credits (positive `points`) or debits (negative) a user's ledger as an `admin_adjustment`,
/// published to their devices like any entry. Their live channels wake: on PostgreSQL every
/// serving process hears this transaction's `NOTIFY` (`route`); on SQLite the serving process
/// reads the moved head within `live::poll::INTERVAL`. A debit may not take the balance below
/// zero. Returns the entry written.
pub fn adjust_points(
    db: &dyn Backend,
    route: Route,
    user: Uuid,
    points: i64,
    description: &str,
) -> Result<PointTransaction, AdminError> {
    if points == 0 || !(-MAX_POINTS_PER_ENTRY..=MAX_POINTS_PER_ENTRY).contains(&points) {
        return Err(AdminError::Invalid(format!(
            "points must be non-zero and within ±{MAX_POINTS_PER_ENTRY}"
        )));
    }
    let entry = PointTransaction {
        id: Uuid::now_v7(),
        transaction_type: if points > 0 {
            TransactionType::Bonus
        } else {
            TransactionType::Penalty
        },
        points,
        source: PointSource::AdminAdjustment,
        source_reference_id: None,
        rule: None,
        period_key: None,
        description: Some(description.to_owned()),
        created_at: Utc::now(),
    };
    entry
        .validate()
        .map_err(|e| AdminError::Invalid(e.to_string()))?;
    // This process serves no channel, so what `write_tx` would announce in process is dropped.
    let (entry, _moved) = live::write_tx(db, TxMode::Write, route, |conn| {
        if !users::exists(conn, user)? {
            return Err(AdminError::Invalid(format!("no user {user}")));
        }
        users::lock(conn, user)?;
        let key = user.to_string();
        let available = ledger::totals(conn, &key)?.available;
        if available.checked_add(points).is_none_or(|after| after < 0) {
            return Err(AdminError::Invalid(format!(
                "the balance is {available}; a debit of {} would take it below zero",
                -points
            )));
        }
        ledger::write(conn, &key, &entry, None)?;
        Ok(entry.clone())
    })?;
    Ok(entry)
}

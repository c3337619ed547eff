//! Pushed ledger entries. The balance is the sum of the user's entries; the server refuses what
//! a phone cannot be trusted with: overdrafts, awards granted twice, and sources only the server
//! may write.

use studymate_core::changelog::Operation;
use studymate_core::ledger::{PointSource, PointTransaction};
use studymate_core::sync::protocol::ServerEntity;

use super::{Applied, Ctx, reject};
use crate::db::{Conn, DbError, params};
use crate::records::{self, to_json};

/// Longest description, as in the local schema.
const MAX_DESCRIPTION_CHARS: usize = 500;

/// `point_transaction` insert.
pub fn record(conn: &mut dyn Conn, ctx: &Ctx<'_>) -> Applied {
    let entry: PointTransaction = ctx.payload()?;
    let id = entry.id.to_string();
    ctx.require_entity_id(&id)?;
    check(&entry)?;
    if !conn
        .query(
            "SELECT 1 FROM ledger WHERE transaction_id = $1",
            params![&id],
        )?
        .is_empty()
    {
        return Err(reject(
            "duplicate_record",
            format!("point transaction {id} already exists"),
        ));
    }
    if let (Some(rule), Some(period)) = (&entry.rule, &entry.period_key) {
        let awarded = conn.query(
            "SELECT transaction_id FROM ledger WHERE user_id = $1 AND rule = $2 AND period_key = $3",
            params![&ctx.user_key, rule, period],
        )?;
        if let Some(row) = awarded.first() {
            return Err(reject(
                "duplicate_award",
                format!(
                    "award {rule:?} for {period:?} was already granted by transaction {}",
                    row.text(0)?
                ),
            ));
        }
    }
    if entry.points < 0 {
        let available = balance(conn, &ctx.user_key)?;
        if available + entry.points < 0 {
            return Err(reject(
                "insufficient_points",
                format!("balance is {available}, this takes {}", -entry.points),
            ));
        }
    }
    let target = ctx.own(ServerEntity::PointTransaction, &id, &id);
    let doc = to_json(&entry)?;
    let seq = records::publish(conn, &target, Operation::Insert, &doc)?;
    conn.execute(
        "INSERT INTO ledger (transaction_id, user_id, points, rule, period_key, doc, last_seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            &id,
            &ctx.user_key,
            entry.points,
            entry.rule.clone(),
            entry.period_key.clone(),
            doc.to_string(),
            seq
        ],
    )?;
    Ok(Some(seq))
}

/// The user's available points: the sum of their ledger.
pub fn balance(conn: &mut dyn Conn, user: &str) -> Result<i64, DbError> {
    conn.query(
        "SELECT CAST(coalesce(sum(points), 0) AS BIGINT) FROM ledger WHERE user_id = $1",
        params![user],
    )?
    .first()
    .map_or(Ok(0), |row| row.int(0))
}

fn check(entry: &PointTransaction) -> Result<(), super::ApplyError> {
    let sign_ok = if entry.transaction_type.is_credit() {
        entry.points > 0
    } else {
        entry.points < 0
    };
    if !sign_ok {
        return Err(reject(
            "invalid_payload",
            format!(
                "{} entries need a {} amount, got {}",
                entry.transaction_type,
                if entry.transaction_type.is_credit() {
                    "positive"
                } else {
                    "negative"
                },
                entry.points
            ),
        ));
    }
    if matches!(
        entry.source,
        PointSource::TutorSession
            | PointSource::Referral
            | PointSource::PremiumPurchase
            | PointSource::AdminAdjustment
    ) {
        return Err(reject(
            "forbidden_source",
            format!("only the server records {} points", entry.source),
        ));
    }
    if entry.rule.is_some() != entry.period_key.is_some() {
        return Err(reject(
            "invalid_payload",
            "rule and period_key come together or not at all",
        ));
    }
    if entry
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS)
    {
        return Err(reject(
            "invalid_payload",
            format!("description is longer than {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    Ok(())
}

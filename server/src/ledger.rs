//! The points ledger on the server: the one writer of the `ledger` table. The balance is the sum
//! of a user's entries; each entry is published to its owner's feed as it is written.

use studymate_core::changelog::Operation;
use studymate_core::ledger::PointTransaction;
use studymate_protocol::ServerEntity;
use uuid::Uuid;

use crate::db::{Conn, DbError, params};
use crate::feed::Audience;
use crate::records::{self, Target, to_json};

/// A user's available points and every point they ever earned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// The sum of every entry.
    pub available: i64,
    /// The sum of the credits.
    pub lifetime_earned: i64,
}

/// Writes `entry` to `user`'s ledger and publishes it to them; returns its server sequence.
/// `origin` is the pushed change responsible (the entry itself, or the session it rewards).
pub fn write(
    conn: &mut dyn Conn,
    user: &str,
    entry: &PointTransaction,
    origin: Option<Uuid>,
) -> Result<i64, DbError> {
    let id = entry.id.to_string();
    let target = Target {
        kind: ServerEntity::PointTransaction,
        record_id: &id,
        entity_id: &id,
        owner: Some(user),
        room: None,
        audience: Audience::User(user),
        origin,
    };
    let doc = to_json(entry)?;
    let seq = records::publish(conn, &target, Operation::Insert, &doc)?;
    conn.execute(
        "INSERT INTO ledger (transaction_id, user_id, points, rule, period_key, doc, last_seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            &id,
            user,
            entry.points,
            entry.rule.clone(),
            entry.period_key.clone(),
            doc.to_string(),
            seq
        ],
    )?;
    Ok(seq)
}

/// Whether an entry with this id exists (of any user: ids are unique across the server).
pub fn exists(conn: &mut dyn Conn, id: Uuid) -> Result<bool, DbError> {
    Ok(!conn
        .query(
            "SELECT 1 FROM ledger WHERE transaction_id = $1",
            params![id],
        )?
        .is_empty())
}

/// The server sequence of `user`'s entry under the award key `(rule, period_key)`, if granted.
pub fn granted(
    conn: &mut dyn Conn,
    user: &str,
    rule: &str,
    period_key: &str,
) -> Result<Option<i64>, DbError> {
    let rows = conn.query(
        "SELECT last_seq FROM ledger WHERE user_id = $1 AND rule = $2 AND period_key = $3",
        params![user, rule, period_key],
    )?;
    rows.first().map(|row| row.int(0)).transpose()
}

/// The period keys of `user`'s entries under `rule`.
pub fn period_keys(conn: &mut dyn Conn, user: &str, rule: &str) -> Result<Vec<String>, DbError> {
    conn.query(
        "SELECT period_key FROM ledger WHERE user_id = $1 AND rule = $2",
        params![user, rule],
    )?
    .iter()
    .map(|row| row.text(0))
    .collect()
}

/// `user`'s available and lifetime points. Every entry is bounded
/// (`ledger::MAX_POINTS_PER_ENTRY`), so the sums cannot overflow; they are computed in the
/// database and read as 64-bit integers.
pub fn totals(conn: &mut dyn Conn, user: &str) -> Result<Totals, DbError> {
    let rows = conn.query(
        "SELECT CAST(coalesce(sum(points), 0) AS BIGINT),
                CAST(coalesce(sum(CASE WHEN points > 0 THEN points ELSE 0 END), 0) AS BIGINT)
         FROM ledger WHERE user_id = $1",
        params![user],
    )?;
    match rows.first() {
        Some(row) => Ok(Totals {
            available: row.int(0)?,
            lifetime_earned: row.int(1)?,
        }),
        None => Ok(Totals::default()),
    }
}

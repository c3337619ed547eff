//! The consistency check after catching up: the last pull page of a server that sends them
//! carries counts of what it holds for the user ([`ScopeChecks`]), and the device compares them
//! with its own rows. Only rows the server has acknowledged count: a row an undecided change is
//! about (still in the outbox), a row whose change the server refused, an unsent message and a
//! practice session still running are this device's alone. A scope that disagrees is repaired
//! by a full re-pull (see [`super::pull`]).

use rusqlite::{Transaction, params};

use super::protocol::ScopeChecks;
use super::state;
use crate::error::Result;

/// Rows of `entity` (id column `id`) that neither an undecided change nor a listed refusal is
/// about. `?2` is the acknowledged change-log sequence.
fn acknowledged(entity: &str, id: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM change_log c WHERE c.seq > ?2 AND c.entity = '{entity}' AND c.entity_id = {id})
         AND NOT EXISTS (SELECT 1 FROM sync_rejections r WHERE r.entity = '{entity}' AND r.entity_id = {id})"
    )
}

/// The scopes whose local rows disagree with the server's `checks`, named `ledger`,
/// `practice_sessions` and `room:<id>`; empty when everything agrees.
pub(crate) fn mismatches(
    tx: &Transaction<'_>,
    me: &str,
    checks: &ScopeChecks,
) -> Result<Vec<String>> {
    let acked = state::acked_seq(tx)?;
    let mut mismatched = Vec::new();
    let (count, points): (i64, i64) = tx
        .prepare_cached(&format!(
            "SELECT count(*), COALESCE(sum(points_amount), 0) FROM point_transactions t
             WHERE user_id = ?1 AND {}",
            acknowledged("point_transaction", "t.transaction_id")
        ))?
        .query_row(params![me, acked], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if u64::try_from(count).ok() != Some(checks.ledger.count) || points != checks.ledger.points {
        tracing::warn!(count, points, server = ?checks.ledger, "the ledger disagrees with the server's");
        mismatched.push("ledger".to_owned());
    }
    let sessions: i64 = tx
        .prepare_cached(&format!(
            "SELECT count(*) FROM practice_sessions s
             WHERE user_id = ?1 AND status IN ('completed', 'abandoned') AND {}",
            acknowledged("practice_session", "s.session_id")
        ))?
        .query_row(params![me, acked], |r| r.get(0))?;
    if u64::try_from(sessions).ok() != Some(checks.practice_sessions) {
        tracing::warn!(
            sessions,
            server = checks.practice_sessions,
            "the practice sessions disagree with the server's"
        );
        mismatched.push("practice_sessions".to_owned());
    }
    let mut stmt = tx.prepare_cached(
        "SELECT count(*) FROM chat_messages WHERE room_id = ?1 AND send_state = 'sent'",
    )?;
    for room in &checks.rooms {
        let messages: i64 = stmt.query_row([room.room_id.to_string()], |r| r.get(0))?;
        if u64::try_from(messages).ok() != Some(room.messages) {
            tracing::warn!(room = %room.room_id, messages, server = room.messages, "a room's messages disagree with the server's");
            mismatched.push(format!("room:{}", room.room_id));
        }
    }
    Ok(mismatched)
}

//! Announcing the feeds a write transaction moved. The transaction itself knows them: the
//! heads [`crate::feed::settle`] moved when it appended the transaction's deliveries, whatever
//! path staged them (a push, a join's history, a redelivery). On PostgreSQL they become
//! notifications sent in that transaction; on SQLite they are handed to the hub after the commit.

use uuid::Uuid;

use crate::db::{Conn, DbError, MAX_ROWS, Value, params, pow2_chunks};

/// The channel every server process listens on (PostgreSQL).
pub const CHANNEL: &str = "studymate_live";

/// PostgreSQL: queues one notification per moved feed, payload `<user>:<head>`. Sent in the
/// writing transaction, so it is delivered to every listening process when, and only if, the
/// transaction commits.
pub fn notify(conn: &mut dyn Conn, heads: &[(Uuid, i64)]) -> Result<(), DbError> {
    for chunk in pow2_chunks(heads, MAX_ROWS) {
        let mut values = vec![Value::from(CHANNEL)];
        values.extend(
            chunk
                .iter()
                .map(|(user, head)| Value::from(format!("{user}:{head}"))),
        );
        let rows: Vec<String> = (2..chunk.len() + 2)
            .map(|n| format!("(CAST(${n} AS TEXT))"))
            .collect();
        let sql = format!(
            "SELECT pg_notify($1, payload) FROM (VALUES {}) AS moved (payload)",
            rows.join(", ")
        );
        conn.execute(&sql, &values)?;
    }
    Ok(())
}

/// PostgreSQL: asks every process to have `user`'s connections check their tokens (payload
/// `<user>`).
pub fn notify_recheck(conn: &mut dyn Conn, user: Uuid) -> Result<(), DbError> {
    conn.execute(
        "SELECT pg_notify($1, $2)",
        params![CHANNEL, user.to_string()],
    )?;
    Ok(())
}

/// The current head of `user`'s feed (0 when empty).
pub fn head(conn: &mut dyn Conn, user: Uuid) -> Result<i64, DbError> {
    conn.query(
        "SELECT CAST(COALESCE(MAX(feed_seq), 0) AS BIGINT) FROM user_feed WHERE user_id = $1",
        params![user],
    )?
    .first()
    .ok_or_else(|| DbError::Database("MAX returned no row".into()))?
    .int(0)
}

/// A notification's payload: `<user>:<head>` (the feed moved) or `<user>` (recheck).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// The user's feed reached this head.
    Feed(Uuid, i64),
    /// The user's tokens changed.
    Recheck(Uuid),
}

/// Parses a notification payload; `None` for one this server did not write.
pub fn parse(payload: &str) -> Option<Wake> {
    match payload.split_once(':') {
        Some((user, head)) => Some(Wake::Feed(Uuid::parse_str(user).ok()?, head.parse().ok()?)),
        None => Uuid::parse_str(payload).ok().map(Wake::Recheck),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_parse_and_foreign_ones_are_ignored() {
        let user = Uuid::now_v7();
        assert_eq!(parse(&format!("{user}:42")), Some(Wake::Feed(user, 42)));
        assert_eq!(parse(&user.to_string()), Some(Wake::Recheck(user)));
        assert_eq!(parse("hello"), None);
        assert_eq!(parse(&format!("{user}:x")), None);
        assert_eq!(parse("x:1"), None);
    }
}

//! Which users' feeds a write transaction moved. Every feed row is appended with a larger
//! `feed_seq` than any before it (writers are serialised: SQLite's write lock, the advisory
//! lock on PostgreSQL), so the rows a transaction added are exactly those above the largest
//! position it saw when it began. Reading that mark is one primary-key lookup, and the rows above
//! it one range scan, whatever path wrote them (a push, a join's history, a redelivery).

use uuid::Uuid;

use crate::db::{Conn, DbError, params};

/// The channel every server process listens on (PostgreSQL).
pub const CHANNEL: &str = "studymate_live";

/// The largest feed position so far, read at the start of a write transaction.
pub fn mark(conn: &mut dyn Conn) -> Result<i64, DbError> {
    conn.query(
        "SELECT CAST(COALESCE(MAX(feed_seq), 0) AS BIGINT) FROM user_feed",
        params![],
    )?
    .first()
    .ok_or_else(|| DbError::Database("MAX returned no row".into()))?
    .int(0)
}

/// Each user whose feed got rows above `mark` in this transaction, with their new head.
pub fn since(conn: &mut dyn Conn, mark: i64) -> Result<Vec<(Uuid, i64)>, DbError> {
    conn.query(
        "SELECT user_id, CAST(MAX(feed_seq) AS BIGINT) FROM user_feed WHERE feed_seq > $1
         GROUP BY user_id",
        params![mark],
    )?
    .iter()
    .map(|row| {
        let user = row.text(0)?;
        let user = Uuid::parse_str(&user)
            .map_err(|e| DbError::Decode(format!("feed user {user:?}: {e}")))?;
        Ok((user, row.int(1)?))
    })
    .collect()
}

/// PostgreSQL: queues one notification per user whose feed got rows above `mark`, payload
/// `<user>:<head>`. Sent in the writing transaction, so it is delivered to every listening
/// process when, and only if, the transaction commits.
pub fn notify_since(conn: &mut dyn Conn, mark: i64) -> Result<(), DbError> {
    conn.execute(
        "SELECT pg_notify($1, user_id || ':' || CAST(MAX(feed_seq) AS TEXT))
         FROM user_feed WHERE feed_seq > $2 GROUP BY user_id",
        params![CHANNEL, mark],
    )?;
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

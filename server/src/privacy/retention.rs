//! Retention of superseded history (`--history-retention-seconds`): the server keeps each
//! change a user was sent only until a newer change of the same record reached the same feed
//! and the retention period has passed; then the older one is dropped from the feed, and from
//! the history once no feed and no record needs it. Unlike `--reset-history` there is no new
//! epoch: a device behind the cursor of a dropped change still finds the newer one after it in
//! its feed, so no device pulls from scratch.
//!
//! Changes carry no timestamp. Each compaction run records the highest server sequence with
//! the time (`history_marks`); a change is older than the retention period when a mark at
//! least that old covers its sequence. So retention is exact to one compaction interval.
//!
//! Rooms and catalog records are never compacted: messages need their room before them in a
//! feed, and variations their situation, and only their first delivery is guaranteed to come
//! first.

use crate::db::{Conn, DbError, params};

/// What one compaction run removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Compaction {
    /// Feed rows dropped (a newer change of the same record follows in the same feed).
    pub feed_rows: u64,
    /// History entries deleted (no feed row and no record pointed at them any more).
    pub changes: u64,
}

/// Records the current end of the history at `now` (unix seconds) and drops what has been
/// superseded for longer than `retention_seconds`.
pub fn compact(
    conn: &mut dyn Conn,
    retention_seconds: u64,
    now: i64,
) -> Result<Compaction, DbError> {
    // (`WHERE true`: SQLite needs it to tell the upsert clause from a join constraint.)
    conn.execute(
        "INSERT INTO history_marks (server_seq, marked_at)
         SELECT COALESCE(MAX(server_seq), 0), $1 FROM changes WHERE true
         ON CONFLICT (server_seq) DO NOTHING",
        params![now],
    )?;
    let cutoff = now.saturating_sub(i64::try_from(retention_seconds).unwrap_or(i64::MAX));
    let horizon = conn
        .query(
            "SELECT MAX(server_seq) FROM history_marks WHERE marked_at <= $1",
            params![cutoff],
        )?
        .first()
        .map(|row| row.opt_int(0))
        .transpose()?
        .flatten();
    let Some(horizon) = horizon.filter(|h| *h > 0) else {
        return Ok(Compaction::default());
    };
    let feed_rows = conn.execute(
        "DELETE FROM user_feed WHERE (user_id, feed_seq) IN (
             SELECT user_id, feed_seq FROM (
                 SELECT f.user_id, f.feed_seq, f.server_seq, c.entity,
                        ROW_NUMBER() OVER (PARTITION BY f.user_id, c.entity, c.entity_id
                                           ORDER BY f.feed_seq DESC) AS newer
                 FROM user_feed f JOIN changes c ON c.server_seq = f.server_seq
             ) ranked
             WHERE newer > 1 AND server_seq <= $1
               AND entity NOT IN ('situation', 'variation', 'achievement', 'chat_room'))",
        params![horizon],
    )?;
    let changes = conn.execute(
        "DELETE FROM changes WHERE server_seq <= $1
             AND NOT EXISTS (SELECT 1 FROM user_feed f WHERE f.server_seq = changes.server_seq)
             AND server_seq NOT IN (SELECT last_seq FROM records UNION ALL SELECT last_seq FROM ledger
                 UNION ALL SELECT profile_seq FROM users UNION ALL SELECT public_seq FROM users)",
        params![horizon],
    )?;
    conn.execute(
        "DELETE FROM history_marks WHERE server_seq < $1",
        params![horizon],
    )?;
    Ok(Compaction { feed_rows, changes })
}

//! SQLite: wakes for writes made by another process on the same file (the operator's
//! `adjust-points`), which cannot reach this process's [`Hub`] the way its own commits do.
//! Every [`INTERVAL`] the heads of the users listening here are read from `feed_heads`; the hub
//! wakes only the channels whose head grew, so the reads of this process's own moves change
//! nothing. The cost is one indexed lookup per listening user per interval, and nothing while
//! nobody listens. (PostgreSQL needs none of this: every writer sends `NOTIFY`.)

use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

use super::hub::Hub;
use crate::db::{Backend, DbError, MAX_ROWS, TxMode, Value, in_tx, pow2_chunks, value_rows};

/// How often the heads are read: the longest a write of another process waits for its wake.
pub const INTERVAL: Duration = Duration::from_secs(2);

/// Reads the listening users' heads every [`INTERVAL`] until the runtime stops; a failed read is
/// logged and tried again at the next tick.
pub async fn run(db: Arc<dyn Backend>, hub: Arc<Hub>) {
    let mut ticks = tokio::time::interval(INTERVAL);
    loop {
        ticks.tick().await;
        let users = hub.listening();
        if users.is_empty() {
            continue;
        }
        let (db, hub) = (Arc::clone(&db), Arc::clone(&hub));
        let read = tokio::task::spawn_blocking(move || {
            let heads = in_tx(db.as_ref(), TxMode::Read, |conn| {
                let mut heads = Vec::with_capacity(users.len());
                for chunk in pow2_chunks(&users, MAX_ROWS) {
                    let sql = format!(
                        "SELECT user_id, head FROM feed_heads WHERE user_id IN ({})",
                        value_rows(1, 1, chunk.len())
                    );
                    let ids: Vec<Value> = chunk.iter().map(|u| Value::from(*u)).collect();
                    for row in conn.query(&sql, &ids)? {
                        heads.push((row.text(0)?, row.int(1)?));
                    }
                }
                Ok::<_, DbError>(heads)
            })?;
            for (user, head) in heads {
                if let Ok(user) = Uuid::parse_str(&user) {
                    hub.feed_moved(user, head);
                }
            }
            Ok::<_, DbError>(())
        })
        .await;
        match read {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "could not read the listening users' feed heads")
            }
            Err(e) => tracing::warn!(error = %e, "the feed head reader stopped"),
        }
    }
}

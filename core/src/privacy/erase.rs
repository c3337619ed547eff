//! Erasing the local data of an account the server deleted: every row of every table goes in one
//! transaction (only the schema history stays, so the file still opens as a new, empty
//! database), with SQLite's secure delete on so the freed pages are overwritten with zeros.

use crate::Client;
use crate::error::Result;
use crate::notify::{DataArea, DataChange};

/// Deletes every row of the database of `client`. The client is unusable for the old account
/// afterwards: the app calls [`Client::wipe`] next.
pub(crate) fn erase_local(client: &Client) -> Result<()> {
    // Every area is gone: the subscribed screens reload to empty.
    client.write_announced(
        |_| DataChange::of(DataArea::ALL),
        |tx| {
            tx.execute_batch("PRAGMA secure_delete = ON; PRAGMA defer_foreign_keys = ON;")?;
            let tables: Vec<String> = tx
                .prepare(
                    "SELECT name FROM sqlite_master WHERE type = 'table'
                 AND name NOT LIKE 'sqlite_%' AND name <> 'refinery_schema_history'",
                )?
                .query_map([], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for table in &tables {
                tx.execute(
                    &format!("DELETE FROM \"{}\"", table.replace('"', "\"\"")),
                    [],
                )?;
            }
            Ok(())
        },
    )?;
    tracing::warn!(user = %client.user_id, "account deleted on the server; local data erased");
    Ok(())
}

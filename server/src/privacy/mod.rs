//! The user's rights over what the server holds (docs/privacy.md): export of everything about
//! an account, deletion of an account, and retention of superseded history.

pub mod delete;
pub mod export;
pub mod retention;

use crate::db::{Conn, DbError, params};

/// Whether the account `user` was deleted.
pub fn is_deleted(conn: &mut dyn Conn, user: &str) -> Result<bool, DbError> {
    Ok(!conn
        .query(
            "SELECT 1 FROM deleted_accounts WHERE user_id = $1",
            params![user],
        )?
        .is_empty())
}

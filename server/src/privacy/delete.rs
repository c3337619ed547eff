//! Deleting an account (`DELETE /v1/account`), in one transaction, following docs/privacy.md:
//!
//! - erased: the profile (every version of it in the history too), the private records
//!   (languages, interests, onboarding, practice sessions with their answers, achievements),
//!   the ledger, practice days and counts, the decisions on pushed changes, the devices, the
//!   user's read markers, rooms no one else is in, and every history entry only the user
//!   received;
//! - revoked: every token; a request with one is answered 410 `account_deleted`, which tells
//!   each of the user's devices to erase its copy on its next sync;
//! - kept: the rooms the user shared with others and the messages the user wrote there, so the
//!   conversation stays readable, under an anonymised sender: the account row is kept as a
//!   tombstone with no name, no handle and no password, and its anonymised public profile is
//!   published to the people the user chatted with.

use chrono::{DateTime, Utc};
use studymate_core::profile::Profile;
use uuid::Uuid;

use crate::db::{Conn, DbError, params};
use crate::users;

/// The name others see for a deleted user.
pub const DELETED_DISPLAY_NAME: &str = "Deleted user";

/// Deletes the account `user` (its password already checked). Returns `false` if there is no
/// such live account (already deleted, or never existed).
pub fn delete_account(
    conn: &mut dyn Conn,
    user: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let id = user.to_string();
    if super::is_deleted(conn, &id)? || !users::exists(conn, user)? {
        return Ok(false);
    }
    users::lock(conn, user)?;
    if super::is_deleted(conn, &id)? {
        return Ok(false);
    }
    // Publish the anonymised profile while the participants still say who the contacts are.
    let anonymous = Profile::new(user, DELETED_DISPLAY_NAME, now);
    users::save_profile(conn, &anonymous, None)?;
    let kept_profile: Vec<i64> = conn
        .query(
            "SELECT profile_seq, public_seq FROM users WHERE user_id = $1",
            params![&id],
        )?
        .first()
        .map(|row| Ok::<_, DbError>(vec![row.int(0)?, row.int(1)?]))
        .transpose()?
        .unwrap_or_default();
    let (own_seq, public_seq) = match kept_profile.as_slice() {
        [own, public] => (*own, *public),
        _ => return Err(DbError::Decode(format!("user {id} vanished"))),
    };
    // Earlier versions of the profile, wherever they were delivered.
    conn.execute(
        "DELETE FROM user_feed WHERE server_seq IN (SELECT server_seq FROM changes
             WHERE entity IN ('profile', 'public_profile') AND entity_id = $1 AND server_seq <> $2)",
        params![&id, public_seq],
    )?;
    // (The new own-profile change goes below with the rest of what only the user received.)
    conn.execute(
        "DELETE FROM changes WHERE entity IN ('profile', 'public_profile') AND entity_id = $1
             AND server_seq <> $2 AND server_seq <> $3",
        params![&id, public_seq, own_seq],
    )?;
    // Rooms nobody else is in are the user's alone: they go with everything in them.
    conn.execute(
        "DELETE FROM records WHERE room_id IN (SELECT p.room_id FROM participants p WHERE p.user_id = $1
             AND NOT EXISTS (SELECT 1 FROM participants o WHERE o.room_id = p.room_id AND o.user_id <> $1))",
        params![&id],
    )?;
    conn.execute(
        "DELETE FROM records WHERE owner_id = $1 AND (room_id IS NULL OR kind = 'read_marker')",
        params![&id],
    )?;
    for statement in [
        "DELETE FROM participants WHERE user_id = $1",
        "DELETE FROM ledger WHERE user_id = $1",
        "DELETE FROM practice_days WHERE user_id = $1",
        "DELETE FROM practice_stats WHERE user_id = $1",
        "DELETE FROM applied_changes WHERE user_id = $1",
        "DELETE FROM devices WHERE user_id = $1",
    ] {
        conn.execute(statement, params![&id])?;
    }
    // History entries only this user received and that no longer carry a record's state.
    conn.execute(
        "DELETE FROM changes WHERE server_seq IN (SELECT f.server_seq FROM user_feed f WHERE f.user_id = $1)
             AND NOT EXISTS (SELECT 1 FROM user_feed o WHERE o.server_seq = changes.server_seq AND o.user_id <> $1)
             AND server_seq NOT IN (SELECT last_seq FROM records UNION ALL SELECT last_seq FROM ledger
                 UNION ALL SELECT public_seq FROM users)",
        params![&id],
    )?;
    conn.execute("DELETE FROM user_feed WHERE user_id = $1", params![&id])?;
    conn.execute(
        "UPDATE token_pairs SET state = 'revoked' WHERE user_id = $1",
        params![&id],
    )?;
    // The tombstone: no handle (a ':' no signup accepts), no password hash (no login matches).
    conn.execute(
        "UPDATE users SET username = $1, password_hash = '', profile_seq = 0 WHERE user_id = $2",
        params![format!("deleted:{id}"), &id],
    )?;
    conn.execute(
        "INSERT INTO deleted_accounts (user_id, deleted_at) VALUES ($1, $2)",
        params![&id, studymate_core::time::to_db(now)],
    )?;
    Ok(true)
}

//! Device ids belong to accounts: the first account that pushes under a device id owns it, and
//! a push under a device id another account owns is refused as a whole. Without this, one
//! account could push under another's device id and take the `(device_id, seq)` pairs that
//! device has yet to push, turning its next changes into `sequence_conflict`.

use axum::http::StatusCode;
use uuid::Uuid;

use crate::db::{Conn, params};
use crate::http::ApiError;

/// Records `user` as the owner of `device` if the device is new, and refuses the request with
/// 403 `device_id_taken` if another account owns it. A device pushed under before the `devices`
/// table existed is owned by the account of its first recorded change. (`WHERE true` keeps
/// SQLite from reading `ON CONFLICT` as a join constraint; the casts type the parameters for
/// PostgreSQL.)
pub fn claim(conn: &mut dyn Conn, device: Uuid, user: Uuid) -> Result<(), ApiError> {
    let user_key = user.to_string();
    conn.execute(
        "INSERT INTO devices (device_id, user_id)
         SELECT CAST($1 AS TEXT), coalesce(
             (SELECT user_id FROM applied_changes WHERE device_id = CAST($1 AS TEXT)
              ORDER BY seq LIMIT 1), CAST($2 AS TEXT))
         WHERE true
         ON CONFLICT (device_id) DO NOTHING",
        params![device, &user_key],
    )?;
    let owner = conn
        .query(
            "SELECT user_id FROM devices WHERE device_id = $1",
            params![device],
        )?
        .first()
        .map(|row| row.text(0))
        .transpose()?;
    if owner.as_deref() == Some(user_key.as_str()) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "device_id_taken",
            "this device id belongs to another account; a device pushes under one account only",
        ))
    }
}

//! `GET /v1/account/export`: everything the server stores about a user as one
//! [`AccountExport`] (the format the device writes too): the account, the devices that synced
//! under it, the profile, every private record (languages, interests, onboarding, practice
//! sessions, achievements), the ledger, and the rooms the user is in with their messages and
//! read markers. Read in one transaction, so it is one consistent snapshot.

use chrono::{DateTime, Utc};
use studymate_core::privacy::{AccountExport, AccountInfo, ExportSource};
use studymate_core::sync::protocol::ServerEntity;
use uuid::Uuid;

use crate::db::{Conn, DbError, Row, params};

/// The export of `user`, or `None` if there is no such (live) account.
pub fn export(
    conn: &mut dyn Conn,
    user: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<AccountExport>, DbError> {
    let id = user.to_string();
    if super::is_deleted(conn, &id)? {
        return Ok(None);
    }
    let rows = conn.query(
        "SELECT username, created_at, profile FROM users WHERE user_id = $1",
        params![&id],
    )?;
    let Some(account) = rows.first() else {
        return Ok(None);
    };
    let mut export = AccountExport::new(ExportSource::Server, user, now);
    let created = account.text(1)?;
    export.account = Some(AccountInfo {
        username: account.text(0)?,
        created_at: studymate_core::time::from_db(&created)
            .map_err(|e| DbError::Decode(e.to_string()))?,
    });
    export.add(ServerEntity::Profile, vec![doc(account, 2)?]);
    export.devices = conn
        .query(
            "SELECT device_id FROM devices WHERE user_id = $1 ORDER BY device_id",
            params![&id],
        )?
        .iter()
        .map(|row| {
            let text = row.text(0)?;
            Uuid::parse_str(&text).map_err(|e| DbError::Decode(format!("device {text:?}: {e}")))
        })
        .collect::<Result<_, _>>()?;
    let private = conn.query(
        "SELECT kind, doc FROM records WHERE owner_id = $1 AND room_id IS NULL ORDER BY kind, last_seq",
        params![&id],
    )?;
    add_by_kind(&mut export, &private)?;
    let ledger = conn.query(
        "SELECT doc FROM ledger WHERE user_id = $1 ORDER BY last_seq, transaction_id",
        params![&id],
    )?;
    export.add(
        ServerEntity::PointTransaction,
        ledger
            .iter()
            .map(|row| doc(row, 0))
            .collect::<Result<_, _>>()?,
    );
    let rooms = conn.query(
        "SELECT r.kind, r.doc FROM records r JOIN participants p ON p.room_id = r.room_id
         WHERE p.user_id = $1 AND r.kind IN ('chat_room', 'chat_message', 'read_marker')
         ORDER BY r.kind, r.room_id, r.last_seq",
        params![&id],
    )?;
    add_by_kind(&mut export, &rooms)?;
    Ok(Some(export))
}

/// Adds `(kind, doc)` rows to the export under their kinds; a kind this build does not know is
/// a storage fault.
fn add_by_kind(export: &mut AccountExport, rows: &[Row]) -> Result<(), DbError> {
    for row in rows {
        let kind = row.text(0)?;
        let entity = ServerEntity::parse(&kind)
            .ok_or_else(|| DbError::Decode(format!("record kind {kind:?} is unknown")))?;
        export.add(entity, vec![doc(row, 1)?]);
    }
    Ok(())
}

/// The JSON document in column `i`.
fn doc(row: &Row, i: usize) -> Result<serde_json::Value, DbError> {
    serde_json::from_str(&row.text(i)?)
        .map_err(|e| DbError::Decode(format!("stored document: {e}")))
}

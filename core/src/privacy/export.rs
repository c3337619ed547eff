//! The account export: one JSON document with everything held about a user, written in the same
//! format by the server (`GET /v1/account/export`, from its database) and by the device
//! ([`Client::export`], from the local mirror), so a user can compare the two and a tool reads
//! either. Each record is the payload the sync protocol carries for its kind (see
//! docs/sync-protocol.md), grouped under the kind's wire name; docs/privacy.md lists the kinds.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::Result;
use crate::store::uuid_col;
use crate::sync::protocol::{ReadMarker, ServerEntity, UserAchievementRecord};
use crate::{Client, chat, ledger, practice, profile, time};

/// The `format` field of every export, so a file says what it is.
pub const EXPORT_FORMAT: &str = "studymate.account-export";

/// The version of the export format this library writes and reads.
pub const EXPORT_VERSION: u32 = 1;

/// Who wrote an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportSource {
    /// The server, from everything it stores about the account.
    Server,
    /// A device, from its local database (which may hold changes not yet synced).
    Device,
}

/// The account itself, as the server knows it (a device knows no sign-in details).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInfo {
    /// The sign-in handle.
    pub username: String,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

/// Everything held about one user, in one document (the format of docs/privacy.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountExport {
    /// Always [`EXPORT_FORMAT`].
    pub format: String,
    /// The format version, [`EXPORT_VERSION`].
    pub version: u32,
    /// The server or a device.
    pub source: ExportSource,
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// Whose data this is.
    pub user_id: Uuid,
    /// The account (server exports only).
    #[serde(default)]
    pub account: Option<AccountInfo>,
    /// The device ids that synced under this account (a device lists itself).
    #[serde(default)]
    pub devices: Vec<Uuid>,
    /// The records, by kind (`profile`, `practice_session`, `chat_message` …): each is the
    /// payload the sync protocol carries for that kind. Kinds with no record are left out.
    pub records: BTreeMap<String, Vec<serde_json::Value>>,
}

impl AccountExport {
    /// An empty export of `user_id` made now by `source`.
    pub fn new(source: ExportSource, user_id: Uuid, exported_at: DateTime<Utc>) -> Self {
        AccountExport {
            format: EXPORT_FORMAT.to_owned(),
            version: EXPORT_VERSION,
            source,
            exported_at,
            user_id,
            account: None,
            devices: Vec::new(),
            records: BTreeMap::new(),
        }
    }

    /// Adds `records` of `kind` (none: the kind stays absent).
    pub fn add(&mut self, kind: ServerEntity, records: Vec<serde_json::Value>) {
        if !records.is_empty() {
            self.records
                .entry(kind.as_str().to_owned())
                .or_default()
                .extend(records);
        }
    }

    /// The records of `kind` (empty when there are none).
    pub fn of(&self, kind: ServerEntity) -> &[serde_json::Value] {
        self.records.get(kind.as_str()).map_or(&[], Vec::as_slice)
    }
}

impl Client {
    /// Everything this device holds about its user, as one [`AccountExport`] (read in one
    /// snapshot): profile, languages, interests, onboarding, practice sessions with every
    /// answer, the points ledger, achievements, and the chat rooms with their messages and read
    /// markers. Public profiles of other people are not the user's data and are left out.
    /// `serde_json::to_string_pretty` writes it as the documented JSON file.
    pub fn export(&self) -> Result<AccountExport> {
        let me = self.user_id;
        let mut export = AccountExport::new(ExportSource::Device, me, self.now());
        export.devices.push(self.device_id);
        self.store.read(|tx| {
            let user = me.to_string();
            export.add(
                ServerEntity::Profile,
                vec![json(&profile::load_profile(tx, me)?)?],
            );
            export.add(
                ServerEntity::UserLanguage,
                each(profile::load_languages(tx, &user)?)?,
            );
            let interests = profile::load_interests(tx, &user)?;
            export.add(
                ServerEntity::UserInterest,
                interests
                    .into_iter()
                    .map(|tag| serde_json::json!({ "interest_tag": tag }))
                    .collect(),
            );
            let onboarding = profile::load_onboarding(tx, &user)?;
            export.add(
                ServerEntity::Onboarding,
                onboarding
                    .step_data
                    .into_iter()
                    .map(|(step, data)| serde_json::json!({ "step": step, "data": data }))
                    .collect(),
            );
            export.add(ServerEntity::PracticeSession, sessions(tx, &user)?);
            export.add(ServerEntity::PointTransaction, points(tx, &user)?);
            export.add(ServerEntity::UserAchievement, achievements(tx, &user)?);
            let rooms = room_ids(tx, &user)?;
            let mut room_docs = Vec::with_capacity(rooms.len());
            for room in &rooms {
                room_docs.push(json(&chat::load_room(tx, *room)?)?);
            }
            export.add(ServerEntity::ChatRoom, room_docs);
            export.add(ServerEntity::ChatMessage, messages(tx, &user)?);
            export.add(ServerEntity::ReadMarker, read_markers(tx, &user)?);
            Ok(())
        })?;
        Ok(export)
    }
}

fn json(value: &impl Serialize) -> Result<serde_json::Value> {
    Ok(serde_json::to_value(value)?)
}

fn each<T: Serialize>(values: Vec<T>) -> Result<Vec<serde_json::Value>> {
    values.iter().map(json).collect()
}

/// Every practice session of the user, oldest first, with its turns.
fn sessions(tx: &Transaction<'_>, user: &str) -> Result<Vec<serde_json::Value>> {
    let ids: Vec<uuid::Uuid> = tx
        .prepare("SELECT session_id FROM practice_sessions WHERE user_id = ?1 ORDER BY started_at, session_id")?
        .query_map([user], |row| Ok(uuid_col(row, 0)))?
        .map(|r| r?)
        .collect::<Result<_>>()?;
    ids.into_iter()
        .map(|id| json(&practice::load_session(tx, id)?))
        .collect()
}

/// The whole ledger of the user, oldest first.
fn points(tx: &Transaction<'_>, user: &str) -> Result<Vec<serde_json::Value>> {
    let entries: Vec<crate::ledger::PointTransaction> = tx
        .prepare(&format!(
            "SELECT {} FROM point_transactions WHERE user_id = ?1 ORDER BY created_at, transaction_id",
            ledger::COLUMNS
        ))?
        .query_map([user], |row| Ok(ledger::from_row(row)))?
        .map(|r| r?)
        .collect::<Result<_>>()?;
    each(entries)
}

/// The user's progress on every achievement, as `user_achievement` payloads.
fn achievements(tx: &Transaction<'_>, user: &str) -> Result<Vec<serde_json::Value>> {
    let mut stmt = tx.prepare(
        "SELECT achievement_id, progress, completed_at, points_earned, is_pinned, is_public, updated_at
         FROM user_achievements WHERE user_id = ?1 ORDER BY achievement_id",
    )?;
    let rows = stmt.query_map([user], |row| {
        Ok((|| -> Result<UserAchievementRecord> {
            let progress: String = row.get(1)?;
            let completed: Option<String> = row.get(2)?;
            let updated: String = row.get(6)?;
            Ok(UserAchievementRecord {
                achievement_id: uuid_col(row, 0)?,
                progress: serde_json::from_str(&progress)?,
                completed_at: completed.as_deref().map(time::from_db).transpose()?,
                points_earned: row.get(3)?,
                is_pinned: row.get(4)?,
                is_public: row.get(5)?,
                updated_at: time::from_db(&updated)?,
            })
        })())
    })?;
    rows.map(|r| json(&r??)).collect()
}

/// The rooms the user belongs to.
fn room_ids(tx: &Transaction<'_>, user: &str) -> Result<Vec<Uuid>> {
    tx.prepare("SELECT room_id FROM chat_participants WHERE user_id = ?1 ORDER BY room_id")?
        .query_map([user], |row| Ok(uuid_col(row, 0)))?
        .map(|r| r?)
        .collect()
}

/// Every message of the user's rooms, in each room's order.
fn messages(tx: &Transaction<'_>, user: &str) -> Result<Vec<serde_json::Value>> {
    let found: Vec<chat::Message> = tx
        .prepare(&format!(
            "SELECT {} FROM chat_messages WHERE room_id IN
                 (SELECT room_id FROM chat_participants WHERE user_id = ?1)
             ORDER BY room_id, sort_key",
            chat::MESSAGE_COLUMNS
        ))?
        .query_map([user], |row| Ok(chat::message_from_row(row)))?
        .map(|r| r?)
        .collect::<Result<_>>()?;
    each(found)
}

/// The read markers of every member of the user's rooms that has read something.
fn read_markers(tx: &Transaction<'_>, user: &str) -> Result<Vec<serde_json::Value>> {
    let mut stmt = tx.prepare(
        "SELECT p.room_id, p.user_id, p.last_read_message_id, p.last_read_sort_key
         FROM chat_participants p
         WHERE p.last_read_message_id IS NOT NULL AND p.room_id IN
             (SELECT room_id FROM chat_participants WHERE user_id = ?1)
         ORDER BY p.room_id, p.user_id",
    )?;
    let rows = stmt.query_map(params![user], |row| {
        Ok((|| -> Result<ReadMarker> {
            Ok(ReadMarker {
                room_id: uuid_col(row, 0)?,
                user_id: uuid_col(row, 1)?,
                message_id: uuid_col(row, 2)?,
                sort_key: row.get(3)?,
            })
        })())
    })?;
    rows.map(|r| json(&r??)).collect()
}

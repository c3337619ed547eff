//! Applying one pull page inside its transaction. Every payload is the record's whole state, so
//! applying is an upsert and applying twice is harmless; ledger rows are only ever inserted,
//! read markers only move forward, deletes of messages arrive as tombstones. Rows outside the
//! user's scope (another user's private record, a room they are not in, a message or marker in
//! such a room) are refused with [`Error::Protocol`], which rolls the whole page back.
//!
//! After the page, the user's own profile patches that the server has not decided yet are
//! re-applied on top of a pulled profile. During a full re-pull after a history reset, the
//! server-owned records mentioned are remembered; when the last page arrives, those the re-pull
//! did not mention are deleted (unless an undecided local change is about them).

use std::collections::HashSet;

use rusqlite::{Transaction, params};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::protocol::{PublicProfile, ReadMarker, ServerEntity, UserAchievementRecord};
use super::pull::{FeedChange, FeedPage};
use super::{Changed, checks, rooms, state};
use crate::catalog::{self, Achievement, CatalogBatch, Situation, Variation};
use crate::changelog::{Entity, Operation};
use crate::chat::{self, Message, MessageDeletion, MessageEdit, Room, RoomType, SendState};
use crate::client::{Client, DEFAULT_DISPLAY_NAME};
use crate::error::{Error, Result};
use crate::ledger::{self, PointTransaction};
use crate::practice::{self, PracticeSession};
use crate::profile::{self, Profile, UserLanguage};
use crate::time;

/// What one change touches, for the bookkeeping after the page.
struct Ctx<'a> {
    me: Uuid,
    me_text: String,
    resetting: bool,
    profile_pulled: bool,
    now: chrono::DateTime<chrono::Utc>,
    tx: &'a Transaction<'a>,
    /// Rooms this page has already found the user an active member of (forgotten whenever a
    /// room change arrives, since it may change the membership).
    member_of: HashSet<Uuid>,
    /// Users this page has already made sure have a row.
    known_users: HashSet<Uuid>,
    /// What the page changed.
    changed: Changed,
    /// Unsent messages moved out of a losing direct room into the pair's room.
    moved: u64,
}

/// Applies a page and saves its cursor; returns how many changes were applied, what they
/// changed, how many unsent messages moved into a direct room the server holds, and, on a last
/// page that carries the server's counts, the scopes whose rows disagree with them
/// ([`checks::mismatches`], compared after the page and any reset cleanup).
pub(crate) fn page(
    tx: &Transaction<'_>,
    client: &Client,
    page: &FeedPage,
) -> Result<(u64, Changed, u64, Vec<String>)> {
    let mut ctx = Ctx {
        me: client.user_id,
        me_text: client.user_id.to_string(),
        resetting: state::resetting(tx)?,
        profile_pulled: false,
        now: client.now(),
        tx,
        member_of: HashSet::new(),
        known_users: HashSet::new(),
        changed: Changed::default(),
        moved: 0,
    };
    let mut applied = 0;
    for change in &page.changes {
        let (Some(entity), Ok(operation)) = (
            ServerEntity::parse(&change.entity),
            Operation::parse("operation", &change.operation),
        ) else {
            // A kind of record or an operation this version does not know: skipped, as the
            // protocol says (the page and its cursor still count).
            tracing::debug!(entity = %change.entity, operation = %change.operation, "skipped an unknown feed change");
            continue;
        };
        one(&mut ctx, entity, operation, change).map_err(|e| match e {
            Error::InvalidInput { field, reason } => Error::Protocol(format!(
                "{} {} cannot be stored: {field}: {reason}",
                change.entity, change.entity_id
            )),
            other => other,
        })?;
        ctx.changed.note_entity(entity);
        if ctx.resetting && operation != Operation::Delete {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO sync_reset_seen (entity, entity_id) VALUES (?1, ?2)",
            )?
            .execute(params![change.entity, change.entity_id])?;
        }
        applied += 1;
    }
    if ctx.profile_pulled {
        reapply_pending_patches(tx, ctx.me)?;
    }
    if ctx.changed.entities.contains(&ServerEntity::ChatMessage) {
        reapply_pending_message_changes(tx)?;
    }
    state::set_cursor(tx, &page.next_cursor)?;
    if ctx.resetting && !page.has_more {
        drop_unmentioned(tx, &ctx.me_text)?;
        state::end_reset(tx)?;
    }
    let mismatched = match &page.checks {
        Some(counts) if !page.has_more => checks::mismatches(tx, &ctx.me_text, counts)?,
        _ => Vec::new(),
    };
    Ok((applied, ctx.changed, ctx.moved, mismatched))
}

fn payload<T: DeserializeOwned>(change: &FeedChange) -> Result<T> {
    serde_json::from_str(change.payload.get()).map_err(|e| {
        Error::Protocol(format!(
            "{} {} has a malformed payload: {e}",
            change.entity, change.entity_id
        ))
    })
}

fn out_of_scope(change: &FeedChange, why: &str) -> Error {
    Error::Protocol(format!(
        "refused {} {} outside the user's scope: {why}",
        change.entity, change.entity_id
    ))
}

fn one(
    ctx: &mut Ctx<'_>,
    entity: ServerEntity,
    operation: Operation,
    c: &FeedChange,
) -> Result<()> {
    let tx = ctx.tx;
    let delete = operation == Operation::Delete;
    match entity {
        ServerEntity::Situation => catalog_batch(
            tx,
            CatalogBatch {
                situations: vec![payload::<Situation>(c)?],
                ..CatalogBatch::default()
            },
        ),
        ServerEntity::Variation => catalog_batch(
            tx,
            CatalogBatch {
                variations: vec![payload::<Variation>(c)?],
                ..CatalogBatch::default()
            },
        ),
        ServerEntity::Achievement => catalog_batch(
            tx,
            CatalogBatch {
                achievements: vec![payload::<Achievement>(c)?],
                ..CatalogBatch::default()
            },
        ),
        ServerEntity::Profile => {
            let p: Profile = payload(c)?;
            if p.user_id != ctx.me {
                return Err(out_of_scope(c, "the full profile of another user"));
            }
            profile::store_self_profile(tx, &p)?;
            ctx.profile_pulled = true;
            Ok(())
        }
        ServerEntity::PublicProfile => {
            let p: PublicProfile = payload(c)?;
            if p.user_id == ctx.me {
                return Ok(()); // the user's own full profile arrives as `profile`
            }
            profile::upsert_public_profile(tx, &Profile::from(p))
        }
        ServerEntity::UserLanguage if delete => {
            let key: LanguageKey = payload(c)?;
            tx.prepare_cached(
                "DELETE FROM user_languages WHERE user_id = ?1 AND language_code = ?2 AND language_type = ?3",
            )?
            .execute(params![ctx.me_text, key.language_code, key.role])?;
            Ok(())
        }
        ServerEntity::UserLanguage => {
            let l: UserLanguage = payload(c)?;
            tx.prepare_cached(
                "INSERT INTO user_languages (user_id, language_code, language_type, proficiency_level, is_primary, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (user_id, language_code, language_type)
                 DO UPDATE SET proficiency_level = excluded.proficiency_level, is_primary = excluded.is_primary",
            )?
            .execute(params![ctx.me_text, l.language_code, l.role, l.proficiency, l.is_primary, time::to_db(ctx.now)])?;
            Ok(())
        }
        ServerEntity::UserInterest => {
            let i: Interest = payload(c)?;
            if delete {
                tx.prepare_cached(
                    "DELETE FROM user_interests WHERE user_id = ?1 AND interest_tag = ?2",
                )?
                .execute(params![ctx.me_text, i.interest_tag])?;
            } else {
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO user_interests (user_id, interest_tag, created_at) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![ctx.me_text, i.interest_tag, time::to_db(ctx.now)])?;
            }
            Ok(())
        }
        ServerEntity::Onboarding => {
            let s: Step = payload(c)?;
            if !(1..=6).contains(&s.step) {
                return Err(Error::Protocol(format!(
                    "onboarding step {} is out of range",
                    s.step
                )));
            }
            profile::save_step(tx, &ctx.me_text, s.step, &s.data, ctx.now)
        }
        ServerEntity::PracticeSession => {
            practice::upsert_pulled(tx, &ctx.me_text, &payload::<PracticeSession>(c)?)
        }
        ServerEntity::PointTransaction => {
            ledger::insert_pulled(tx, &ctx.me_text, &payload::<PointTransaction>(c)?)
        }
        ServerEntity::UserAchievement => {
            let a: UserAchievementRecord = payload(c)?;
            tx.prepare_cached(
                "INSERT INTO user_achievements (user_id, achievement_id, progress, completed_at, points_earned,
                     is_pinned, is_public, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (user_id, achievement_id) DO UPDATE SET progress = excluded.progress,
                     completed_at = coalesce(user_achievements.completed_at, excluded.completed_at),
                     points_earned = excluded.points_earned, is_pinned = excluded.is_pinned,
                     is_public = excluded.is_public, updated_at = excluded.updated_at",
            )?
            .execute(params![
                ctx.me_text,
                a.achievement_id.to_string(),
                a.progress.to_string(),
                a.completed_at.map(time::to_db),
                a.points_earned,
                a.is_pinned,
                a.is_public,
                time::to_db(a.updated_at)
            ])?;
            Ok(())
        }
        ServerEntity::ChatRoom if delete => {
            ctx.member_of.clear();
            let key: RoomKey = payload(c)?;
            ctx.changed.note_room(key.room_id);
            tx.prepare_cached("DELETE FROM chat_rooms WHERE room_id = ?1")?
                .execute([key.room_id.to_string()])?;
            Ok(())
        }
        ServerEntity::ChatRoom => {
            ctx.member_of.clear();
            room(ctx, c)
        }
        ServerEntity::ChatMessage => message(ctx, c),
        ServerEntity::ReadMarker => {
            let m: ReadMarker = payload(c)?;
            require_member(ctx, c, m.room_id)?;
            ctx.changed.note_room(m.room_id);
            tx.prepare_cached(
                "UPDATE chat_participants SET last_read_sort_key = ?3, last_read_message_id = ?4
                 WHERE room_id = ?1 AND user_id = ?2 AND last_read_sort_key < ?3",
            )?
            .execute(params![
                m.room_id.to_string(),
                m.user_id.to_string(),
                m.sort_key,
                m.message_id.to_string()
            ])?;
            Ok(())
        }
    }
}

fn catalog_batch(tx: &Transaction<'_>, batch: CatalogBatch) -> Result<()> {
    catalog::import(tx, &batch).map(|_| ())
}

/// A room (with its current members) the user belongs to.
fn room(ctx: &mut Ctx<'_>, c: &FeedChange) -> Result<()> {
    let tx = ctx.tx;
    let r: Room = payload(c)?;
    if !r.participants.iter().any(|p| p.user_id == ctx.me) {
        return Err(out_of_scope(c, "a room the user is not a member of"));
    }
    ctx.changed.note_room(r.id);
    let mut stranded = Vec::new();
    let direct_key = match r.room_type {
        RoomType::Direct => {
            let [a, b] = r.participants.as_slice() else {
                return Err(Error::Protocol(format!(
                    "direct room {} does not have two members",
                    r.id
                )));
            };
            let (lo, hi) = if a.user_id < b.user_id {
                (a.user_id, b.user_id)
            } else {
                (b.user_id, a.user_id)
            };
            let key = format!("{lo}:{hi}");
            // At most one direct room per pair: a local one under another id was (or will be)
            // refused by the server. Its unsent messages move into this one below.
            if let Some((loser, unsent)) = rooms::take_losing_direct_room(tx, &key, r.id, ctx.me)? {
                ctx.changed.note_room(loser);
                stranded = unsent;
            }
            Some(key)
        }
        RoomType::Group => None,
    };
    for user in r
        .created_by
        .iter()
        .chain(r.participants.iter().map(|p| &p.user_id))
    {
        ensure_user(tx, *user)?;
    }
    let stamp = time::to_db(r.created_at);
    tx.prepare_cached(
        "INSERT INTO chat_rooms (room_id, room_type, name, description, created_by_user_id, direct_key, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (room_id) DO UPDATE SET name = excluded.name, description = excluded.description",
    )?
    .execute(params![r.id.to_string(), r.room_type, r.name, r.description, r.created_by.map(|u| u.to_string()), direct_key, stamp])?;
    for p in &r.participants {
        tx.prepare_cached(
            "INSERT INTO chat_participants (room_id, user_id, role, joined_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (room_id, user_id) DO UPDATE SET role = excluded.role, is_active = 1",
        )?
        .execute(params![r.id.to_string(), p.user_id.to_string(), p.role, stamp])?;
    }
    let members: Vec<String> = r
        .participants
        .iter()
        .map(|p| p.user_id.to_string())
        .collect();
    tx.prepare_cached(
        "UPDATE chat_participants SET is_active = 0
         WHERE room_id = ?1 AND user_id NOT IN (SELECT value FROM json_each(?2))",
    )?
    .execute(params![r.id.to_string(), serde_json::to_string(&members)?])?;
    if !stranded.is_empty() {
        ctx.changed.note_entity(ServerEntity::ChatMessage);
        ctx.moved += rooms::resend_in(tx, r.id, stranded, ctx.now)?;
    }
    Ok(())
}

/// A message's whole state in a room the user belongs to.
fn message(ctx: &mut Ctx<'_>, c: &FeedChange) -> Result<()> {
    let tx = ctx.tx;
    let mut m: Message = payload(c)?;
    require_member(ctx, c, m.room_id)?;
    if m.sort_key <= 0 || m.sort_key >= chat::PENDING_SORT_BASE {
        return Err(Error::Protocol(format!(
            "message {} has an impossible sort_key {}",
            m.id, m.sort_key
        )));
    }
    if ctx.known_users.insert(m.sender_id) {
        ensure_user(tx, m.sender_id)?;
    }
    ctx.changed.note_room(m.room_id);
    m.send_state = SendState::Sent;
    chat::upsert_message(tx, &m)
}

/// Refuses a row about a room the user is not an active member of (as far as this device knows,
/// after the earlier changes of the page).
fn require_member(ctx: &mut Ctx<'_>, c: &FeedChange, room_id: Uuid) -> Result<()> {
    if ctx.member_of.contains(&room_id) {
        return Ok(());
    }
    let active: Option<bool> = rusqlite::OptionalExtension::optional(
        ctx.tx
            .prepare_cached(
                "SELECT is_active FROM chat_participants WHERE room_id = ?1 AND user_id = ?2",
            )?
            .query_row(params![room_id.to_string(), ctx.me_text], |r| r.get(0)),
    )?;
    if active == Some(true) {
        ctx.member_of.insert(room_id);
        Ok(())
    } else {
        Err(out_of_scope(c, "a room the user is not a member of"))
    }
}

/// Makes sure a user row exists for a member or sender (their public profile normally arrives
/// first; this placeholder keeps the foreign keys satisfied until it does).
fn ensure_user(tx: &Transaction<'_>, user: Uuid) -> Result<()> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO users (user_id, is_self, display_name, updated_at) VALUES (?1, 0, ?2, ?3)",
    )?
    .execute(params![user.to_string(), DEFAULT_DISPLAY_NAME, time::to_db(chrono::DateTime::UNIX_EPOCH)])?;
    Ok(())
}

/// Re-applies the user's undecided profile patches on top of the pulled profile.
fn reapply_pending_patches(tx: &Transaction<'_>, me: Uuid) -> Result<()> {
    let patches = state::pending_profile_patches(tx)?;
    if patches.is_empty() {
        return Ok(());
    }
    let mut p = profile::load_profile(tx, me)?;
    for patch in &patches {
        patch.apply_to(&mut p);
    }
    profile::store_self_profile(tx, &p)
}

/// Re-applies the user's undecided message edits and deletes on top of pulled messages, so an
/// edit made while a sync was pulling does not vanish until the next one.
fn reapply_pending_message_changes(tx: &Transaction<'_>) -> Result<()> {
    for (message_id, operation, payload) in state::pending_message_changes(tx)? {
        let logged = |e: serde_json::Error| {
            Error::Storage(format!(
                "a logged change of message {message_id} is malformed: {e}"
            ))
        };
        match operation {
            Operation::Update => {
                let edit: MessageEdit = serde_json::from_value(payload).map_err(logged)?;
                chat::write_edit(tx, &message_id, &edit)?;
            }
            Operation::Delete => {
                let deletion: MessageDeletion = serde_json::from_value(payload).map_err(logged)?;
                chat::write_tombstone(tx, &message_id, &deletion)?;
            }
            Operation::Insert => {}
        }
    }
    Ok(())
}

/// End of a full re-pull: deletes the server-owned records it did not mention, except those an
/// undecided local change is about (the server may not know them yet). Practice sessions and
/// ledger entries go too, except those the server has not decided on or refused (they are this
/// device's alone) and sessions still running (they are never pushed before they end).
fn drop_unmentioned(tx: &Transaction<'_>, me: &str) -> Result<()> {
    let doomed = |sql: &str, params: &[&dyn rusqlite::ToSql]| -> Result<Vec<String>> {
        let mut stmt = tx.prepare(sql)?;
        let rows = stmt.query_map(params, |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    let unseen = |entity: &str| {
        format!("NOT IN (SELECT entity_id FROM sync_reset_seen WHERE entity = '{entity}')")
    };
    for key in doomed(
        &format!(
            "SELECT language_code || ':' || language_type FROM user_languages WHERE user_id = ?1
         AND language_code || ':' || language_type {}",
            unseen("user_language")
        ),
        &[&me],
    )? {
        if let Some((code, role)) = key.split_once(':')
            && !state::has_pending(tx, Entity::UserLanguage, &key)?
        {
            tx.execute(
                "DELETE FROM user_languages WHERE user_id = ?1 AND language_code = ?2 AND language_type = ?3",
                params![me, code, role],
            )?;
        }
    }
    for tag in doomed(
        &format!(
            "SELECT interest_tag FROM user_interests WHERE user_id = ?1 AND interest_tag {}",
            unseen("user_interest")
        ),
        &[&me],
    )? {
        if !state::has_pending(tx, Entity::UserInterest, &tag)? {
            tx.execute(
                "DELETE FROM user_interests WHERE user_id = ?1 AND interest_tag = ?2",
                params![me, tag],
            )?;
        }
    }
    for room in doomed(
        &format!(
            "SELECT room_id FROM chat_rooms WHERE room_id {}",
            unseen("chat_room")
        ),
        &[],
    )? {
        // A room the server refused keeps the user's failed messages until they discard them.
        if !state::has_pending(tx, Entity::ChatRoom, &room)?
            && !state::is_rejected(tx, Entity::ChatRoom, &room)?
        {
            tx.execute("DELETE FROM chat_rooms WHERE room_id = ?1", [room])?;
        }
    }
    tx.execute(
        &format!(
            "DELETE FROM chat_messages WHERE send_state = 'sent' AND message_id {}",
            unseen("chat_message")
        ),
        [],
    )?;
    for session in doomed(
        &format!(
            "SELECT session_id FROM practice_sessions WHERE user_id = ?1
             AND status IN ('completed', 'abandoned') AND session_id {}",
            unseen("practice_session")
        ),
        &[&me],
    )? {
        if !state::has_pending(tx, Entity::PracticeSession, &session)?
            && !state::is_rejected(tx, Entity::PracticeSession, &session)?
        {
            tx.execute(
                "DELETE FROM practice_sessions WHERE session_id = ?1",
                [session],
            )?;
        }
    }
    for entry in doomed(
        &format!(
            "SELECT transaction_id FROM point_transactions WHERE user_id = ?1 AND transaction_id {}",
            unseen("point_transaction")
        ),
        &[&me],
    )? {
        if !state::has_pending(tx, Entity::PointTransaction, &entry)?
            && !state::is_rejected(tx, Entity::PointTransaction, &entry)?
        {
            tx.execute(
                "DELETE FROM point_transactions WHERE transaction_id = ?1",
                [entry],
            )?;
        }
    }
    Ok(())
}

#[derive(serde::Deserialize)]
struct LanguageKey {
    language_code: String,
    role: crate::profile::LanguageRole,
}

#[derive(serde::Deserialize)]
struct Interest {
    interest_tag: String,
}

#[derive(serde::Deserialize)]
struct Step {
    step: u8,
    data: serde_json::Value,
}

#[derive(serde::Deserialize)]
struct RoomKey {
    room_id: Uuid,
}

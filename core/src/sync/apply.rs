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
use uuid::Uuid;

use super::feed::{FeedChange, FeedPage, Record};
use super::protocol::ServerEntity;
use super::{Changed, checks, rooms, state};
use crate::catalog::{self, CatalogBatch};
use crate::changelog::{Entity, Operation};
use crate::chat::{self, Message, MessageDeletion, MessageEdit, Room, RoomType};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::{ledger, practice, profile, progress};

/// The writer's page cache while more pages follow, in KiB (SQLite's `cache_size`).
const PULL_CACHE_KIB: i64 = 16 * 1024;

/// SQLite's default page cache, in KiB, restored with the last page.
const DEFAULT_CACHE_KIB: i64 = 2000;

/// Rows held back for one multi-row statement before they are written.
const BATCH_ROWS: usize = 256;

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
    /// Pulled messages not written yet (checked already), in feed order.
    messages: Vec<&'a Message>,
    /// Pulled interest tags not written yet, in feed order.
    interests: Vec<&'a str>,
}

impl Ctx<'_> {
    /// Writes the rows held back. Called before any change of another kind is applied, so every
    /// change still sees the ones before it: the held rows are of tables no other change reads
    /// or writes in between (messages and interest tags), and a multi-row statement applies its
    /// rows in order.
    fn flush(&mut self) -> Result<()> {
        if !self.messages.is_empty() {
            chat::upsert_messages(self.tx, &self.messages)?;
            self.messages.clear();
        }
        if !self.interests.is_empty() {
            profile::insert_interests(self.tx, &self.me_text, &self.interests, self.now)?;
            self.interests.clear();
        }
        Ok(())
    }
}

/// Applies a page and saves its cursor; returns how many changes were applied, what they
/// changed, how many unsent messages moved into a direct room the server holds, and, on a last
/// page that carries the server's counts, the scopes whose rows disagree with them
/// ([`checks::mismatches`], compared after the page and any reset cleanup).
pub(crate) fn page<'a>(
    tx: &'a Transaction<'a>,
    client: &Client,
    page: &'a FeedPage,
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
        messages: Vec::new(),
        interests: Vec::new(),
    };
    // A bulk pull inserts into several large indexes at once: with SQLite's default 2 MB page
    // cache their pages are evicted and read back for every page of changes. The writer keeps a
    // larger cache while pages follow, and returns to the default after the last one.
    let cache_kib = if page.has_more {
        PULL_CACHE_KIB
    } else {
        DEFAULT_CACHE_KIB
    };
    tx.pragma_update(None, "cache_size", -cache_kib)?;
    let mut applied = 0;
    for change in &page.changes {
        let Some((entity, operation, record)) = &change.known else {
            // A kind of record or an operation this version does not know: skipped, as the
            // protocol says (the page and its cursor still count).
            tracing::debug!(entity = %change.entity, operation = %change.operation, "skipped an unknown feed change");
            continue;
        };
        one(&mut ctx, change, record).map_err(|e| match e {
            Error::InvalidInput { field, reason } => Error::Protocol(format!(
                "{} {} cannot be stored: {field}: {reason}",
                change.entity, change.entity_id
            )),
            other => other,
        })?;
        ctx.changed.note_entity(*entity);
        if ctx.resetting && *operation != Operation::Delete {
            state::note_seen(tx, &change.entity, &change.entity_id)?;
        }
        applied += 1;
    }
    ctx.flush()?;
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

fn out_of_scope(change: &FeedChange, why: &str) -> Error {
    Error::Protocol(format!(
        "refused {} {} outside the user's scope: {why}",
        change.entity, change.entity_id
    ))
}

fn one<'a>(ctx: &mut Ctx<'a>, c: &FeedChange, record: &'a Record) -> Result<()> {
    // The bulk kinds are held back for a multi-row statement; anything else first writes them.
    match record {
        Record::Message(m) => return message(ctx, c, m),
        Record::Interest(i) => {
            ctx.interests.push(&i.interest_tag);
            if ctx.interests.len() >= BATCH_ROWS {
                ctx.flush()?;
            }
            return Ok(());
        }
        _ => ctx.flush()?,
    }
    let tx = ctx.tx;
    match record {
        Record::Message(_) | Record::Interest(_) => Ok(()),
        Record::Situation(s) => catalog_batch(
            tx,
            CatalogBatch {
                situations: vec![s.clone()],
                ..CatalogBatch::default()
            },
        ),
        Record::Variation(v) => catalog_batch(
            tx,
            CatalogBatch {
                variations: vec![v.clone()],
                ..CatalogBatch::default()
            },
        ),
        Record::Achievement(a) => catalog_batch(
            tx,
            CatalogBatch {
                achievements: vec![a.clone()],
                ..CatalogBatch::default()
            },
        ),
        Record::Profile(p) => {
            if p.user_id != ctx.me {
                return Err(out_of_scope(c, "the full profile of another user"));
            }
            profile::store_self_profile(tx, p)?;
            ctx.profile_pulled = true;
            Ok(())
        }
        Record::PublicProfile(p) => {
            if p.user_id == ctx.me {
                return Ok(()); // the user's own full profile arrives as `profile`
            }
            profile::upsert_public_profile(tx, &profile::Profile::from(p.clone()))
        }
        Record::LanguageRemoved(key) => {
            profile::delete_language(tx, &ctx.me_text, &key.language_code, key.role)?;
            Ok(())
        }
        Record::Language(l) => {
            profile::upsert_languages(tx, &ctx.me_text, std::slice::from_ref(l), ctx.now)
        }
        Record::InterestRemoved(i) => {
            profile::delete_interest(tx, &ctx.me_text, &i.interest_tag)?;
            Ok(())
        }
        Record::Onboarding(s) => {
            if !(1..=6).contains(&s.step) {
                return Err(Error::Protocol(format!(
                    "onboarding step {} is out of range",
                    s.step
                )));
            }
            profile::save_step(tx, &ctx.me_text, s.step, &s.data, ctx.now)
        }
        Record::PracticeSession(s) => practice::upsert_pulled(tx, &ctx.me_text, s),
        Record::PointTransaction(e) => ledger::insert_pulled(tx, &ctx.me_text, e),
        Record::UserAchievement(a) => {
            progress::store_pulled(tx, &ctx.me_text, std::slice::from_ref(a))
        }
        Record::RoomRemoved(key) => {
            ctx.member_of.clear();
            ctx.changed.note_room(key.room_id);
            chat::delete_room(tx, &key.room_id.to_string())
        }
        Record::Room(r) => {
            ctx.member_of.clear();
            room(ctx, c, r)
        }
        Record::ReadMarker(m) => {
            require_member(ctx, c, m.room_id)?;
            ctx.changed.note_room(m.room_id);
            chat::advance_read_marker(tx, m.room_id, m.user_id, m.sort_key, m.message_id)?;
            Ok(())
        }
    }
}

fn catalog_batch(tx: &Transaction<'_>, batch: CatalogBatch) -> Result<()> {
    catalog::import(tx, &batch).map(|_| ())
}

/// A room (with its current members) the user belongs to.
fn room(ctx: &mut Ctx<'_>, c: &FeedChange, r: &Room) -> Result<()> {
    let tx = ctx.tx;
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
        profile::ensure_user(tx, *user, false, chrono::DateTime::UNIX_EPOCH)?;
    }
    chat::store_pulled_room(tx, r, direct_key.as_deref())?;
    if !stranded.is_empty() {
        ctx.changed.note_entity(ServerEntity::ChatMessage);
        ctx.moved += rooms::resend_in(tx, r.id, stranded, ctx.now)?;
    }
    Ok(())
}

/// A message's whole state in a room the user belongs to: checked now, written with the next
/// batch.
fn message<'a>(ctx: &mut Ctx<'a>, c: &FeedChange, m: &'a Message) -> Result<()> {
    require_member(ctx, c, m.room_id)?;
    if m.sort_key <= 0 || m.sort_key >= chat::PENDING_SORT_BASE {
        return Err(Error::Protocol(format!(
            "message {} has an impossible sort_key {}",
            m.id, m.sort_key
        )));
    }
    if ctx.known_users.insert(m.sender_id) {
        profile::ensure_user(ctx.tx, m.sender_id, false, chrono::DateTime::UNIX_EPOCH)?;
    }
    ctx.changed.note_room(m.room_id);
    ctx.messages.push(m);
    if ctx.messages.len() >= BATCH_ROWS {
        ctx.flush()?;
    }
    Ok(())
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
            let role = profile::LanguageRole::parse("language_type", role)
                .map_err(|e| Error::Storage(format!("a stored language role: {e}")))?;
            profile::delete_language(tx, me, code, role)?;
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
            profile::delete_interest(tx, me, &tag)?;
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
            chat::delete_room(tx, &room)?;
        }
    }
    for message in doomed(
        &format!(
            "SELECT message_id FROM chat_messages WHERE send_state = 'sent' AND message_id {}",
            unseen("chat_message")
        ),
        &[],
    )? {
        chat::delete_message(tx, &message)?;
    }
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
            practice::delete_session(tx, &session)?;
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
            ledger::delete_entry(tx, &entry)?;
        }
    }
    Ok(())
}

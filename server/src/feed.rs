//! The feed: the global history of server changes and, per user, the ordered list of changes
//! they receive.
//!
//! A change is written once to `changes` and delivered by adding rows to `user_feed` for each
//! user in its audience. Every record remembers the change that carries its current state
//! (`last_seq`), so when a user's scope grows (signup, joining a room) the current state of the
//! records they may now see is delivered by reference, without copying payloads. A pull reads
//! the user's `user_feed` rows after the cursor's position: one index range scan.
//!
//! Positions count within each user's feed. A delivery is staged in the transaction (in the
//! connection's memory, or in `feed_pending`, a temporary table of the connection, when a
//! statement selects the rows: [`stage`], `stage_selected`), and [`settle`], last before the
//! commit, locks the heads of every feed it appends to, in user order, and gives the staged rows
//! the next positions of their feeds. A feed grows only under its head's lock, held to the
//! commit, so its positions become visible in order and a pull never skips one committed later;
//! writes to other feeds run beside it. Taking every head at the end, all at once and sorted,
//! means two writers never wait on each other's heads in a cycle.

use std::collections::BTreeMap;

use serde_json::value::RawValue;
use studymate_core::changelog::Operation;
use studymate_protocol::{LedgerCheck, RoomCheck, ScopeChecks, ServerChange, ServerEntity};
use uuid::Uuid;

use crate::db::{Conn, DbError, MAX_ROWS, Value, params, pow2_chunks, value_rows};

/// Who receives a change.
#[derive(Debug, Clone, Copy)]
pub enum Audience<'a> {
    /// One user.
    User(&'a str),
    /// Every current member of a room.
    Room(&'a str),
    /// Every user who shares a room with this user, not the user themself.
    Contacts(&'a str),
    /// Every user (catalog content).
    Everyone,
}

/// A change about to be written.
#[derive(Debug, Clone, Copy)]
pub struct NewChange<'a> {
    /// Kind of record.
    pub entity: ServerEntity,
    /// The record's id as clients name it.
    pub entity_id: &'a str,
    /// Insert, update or delete.
    pub operation: Operation,
    /// The record's whole state (or tombstone) as JSON.
    pub payload: &'a serde_json::Value,
    /// The pushed change that caused it.
    pub origin: Option<Uuid>,
}

/// Writes a change to the history and returns its server sequence.
pub fn append(conn: &mut dyn Conn, change: NewChange<'_>) -> Result<i64, DbError> {
    let rows = conn.query(
        "INSERT INTO changes (entity, entity_id, operation, payload, origin_change_id)
         VALUES ($1, $2, $3, $4, $5) RETURNING server_seq",
        params![
            change.entity.as_str(),
            change.entity_id,
            change.operation.as_str(),
            change.payload.to_string(),
            change.origin
        ],
    )?;
    rows.first()
        .ok_or_else(|| DbError::Database("insert returned no sequence".into()))?
        .int(0)
}

/// A change written together with others ([`append_many`]), its payload already JSON text.
#[derive(Debug, Clone, Copy)]
pub struct BatchedChange<'a> {
    /// Its server sequence, reserved with [`reserve`].
    pub server_seq: i64,
    /// Kind of record.
    pub entity: ServerEntity,
    /// The record's id as clients name it.
    pub entity_id: &'a str,
    /// Insert, update or delete.
    pub operation: Operation,
    /// The record's state (or tombstone) as JSON text.
    pub payload: &'a str,
    /// The pushed change that caused it.
    pub origin: Uuid,
}

/// Reserves the server sequences of `n` changes about to be written with [`append_many`]: a
/// chat message's payload holds its own server sequence, so it must be known before the change
/// is written (writing it and then its payload again cost a second write of every row).
pub fn reserve(conn: &mut dyn Conn, n: usize) -> Result<Vec<i64>, DbError> {
    conn.reserve_ids("changes", "server_seq", n)
}

/// Writes changes, their sequences reserved, to the history with one multi-row statement per
/// chunk.
pub fn append_many(conn: &mut dyn Conn, changes: &[BatchedChange<'_>]) -> Result<(), DbError> {
    const COLUMNS: usize = 6;
    for chunk in pow2_chunks(changes, MAX_ROWS) {
        let mut params = Vec::with_capacity(chunk.len() * COLUMNS);
        for change in chunk {
            params.extend([
                Value::Int(change.server_seq),
                Value::from(change.entity.as_str()),
                Value::from(change.entity_id),
                Value::from(change.operation.as_str()),
                Value::from(change.payload),
                Value::from(change.origin),
            ]);
        }
        let sql = format!(
            "INSERT INTO changes (server_seq, entity, entity_id, operation, payload, origin_change_id)
             OVERRIDING SYSTEM VALUE VALUES {}",
            value_rows(1, COLUMNS, chunk.len())
        );
        conn.execute(&sql, &params)?;
    }
    Ok(())
}

/// Stages deliveries `(user, server_seq)` for [`settle`], in the order given (which is the
/// order they take in each user's feed), in the connection's memory ([`crate::db::Staged`]): a
/// write that stages nothing else settles them without a statement of staging.
pub fn stage(conn: &mut dyn Conn, rows: &[(&str, i64)]) {
    conn.staged().push(rows);
}

/// Stages the deliveries a statement selects (`sql` inserts them into `feed_pending`), after
/// everything staged before: the rows held in memory so far are copied into the table first.
fn stage_selected(conn: &mut dyn Conn, sql: &str, params: &[Value]) -> Result<(), DbError> {
    copy_held(conn)?;
    conn.execute(sql, params)?;
    Ok(())
}

/// Copies the deliveries held in memory and not yet in `feed_pending` into it, in their order,
/// with one multi-row statement per chunk.
fn copy_held(conn: &mut dyn Conn) -> Result<(), DbError> {
    let staged = conn.staged();
    let held: Vec<(String, i64)> = staged.unmoved().to_vec();
    staged.moved();
    for chunk in pow2_chunks(&held, MAX_ROWS) {
        let mut params = Vec::with_capacity(chunk.len() * 2);
        for (user, seq) in chunk {
            params.extend([Value::from(user), Value::Int(*seq)]);
        }
        let sql = format!(
            "INSERT INTO feed_pending (user_id, server_seq) VALUES {}",
            value_rows(1, 2, chunk.len())
        );
        conn.execute(&sql, &params)?;
    }
    Ok(())
}

/// Adds a change to the feeds of its audience (staged for [`settle`]). (A parameter in a select
/// list has no type for PostgreSQL to infer, hence the casts.)
pub fn deliver(
    conn: &mut dyn Conn,
    server_seq: i64,
    audience: Audience<'_>,
) -> Result<(), DbError> {
    match audience {
        Audience::User(user) => {
            stage(conn, &[(user, server_seq)]);
            Ok(())
        }
        Audience::Room(room) => stage_selected(
            conn,
            "INSERT INTO feed_pending (user_id, server_seq)
             SELECT user_id, CAST($1 AS BIGINT) FROM participants WHERE room_id = $2 ORDER BY user_id",
            params![server_seq, room],
        ),
        Audience::Contacts(user) => stage_selected(
            conn,
            "INSERT INTO feed_pending (user_id, server_seq)
             SELECT DISTINCT other.user_id, CAST($1 AS BIGINT) FROM participants mine
             JOIN participants other ON other.room_id = mine.room_id
             WHERE mine.user_id = $2 AND other.user_id <> $2",
            params![server_seq, user],
        ),
        Audience::Everyone => stage_selected(
            conn,
            "INSERT INTO feed_pending (user_id, server_seq) SELECT user_id, CAST($1 AS BIGINT) FROM users
             WHERE user_id NOT IN (SELECT user_id FROM deleted_accounts) ORDER BY user_id",
            params![server_seq],
        ),
    }
}

/// Gives the rows this transaction staged their positions and appends them to the feeds; run
/// last in every write transaction that delivers, just before the commit. Locks the head of each
/// feed it appends to (in user order, so two writers cannot deadlock on heads), numbers each
/// feed's rows after its head in the order they were staged, and moves the heads. Returns each
/// user whose feed grew, with their new head (for the live channel). A delivery to a user
/// without a feed head is dropped, as the table path's join with the heads always did.
///
/// Rows staged only in memory (a push's messages and own records) are numbered here, from the
/// locked heads, and written with multi-row statements; once a statement staged rows in
/// `feed_pending`, everything is numbered there in SQL ([`settle_table`]).
pub fn settle(conn: &mut dyn Conn) -> Result<Vec<(Uuid, i64)>, DbError> {
    if conn.staged().table_used() {
        copy_held(conn)?;
        // Every row is in the table now: nothing stays held in memory.
        conn.staged().take();
        return settle_table(conn);
    }
    let rows = conn.staged().take();
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut heads = lock_heads(conn, &rows)?;
    let mut feed: Vec<(&str, i64, i64)> = Vec::with_capacity(rows.len());
    for (user, seq) in &rows {
        if let Some(Some((_, head))) = heads.get_mut(user.as_str()) {
            *head = head
                .checked_add(1)
                .ok_or_else(|| DbError::Decode(format!("feed head of {user} overflows")))?;
            feed.push((user, *head, *seq));
        }
    }
    append_rows(conn, &feed)?;
    let moved: Vec<(&str, i64)> = heads
        .into_iter()
        .filter_map(|(user, head)| {
            head.filter(|(read, now)| now != read)
                .map(|(_, now)| (user, now))
        })
        .collect();
    move_heads(conn, &moved)?;
    moved
        .into_iter()
        .map(|(user, head)| {
            let user = Uuid::parse_str(user)
                .map_err(|e| DbError::Decode(format!("feed user {user:?}: {e}")))?;
            Ok((user, head))
        })
        .collect()
}

/// Each user a settle appends to, with their feed head as read and as moved on by the rows
/// numbered so far (`None` for a user without a head).
type Heads<'r> = BTreeMap<&'r str, Option<(i64, i64)>>;

/// Locks the heads of the feeds `rows` deliver to, in user order (a chunk of users per
/// statement, the chunks in order), and reads them.
fn lock_heads<'r>(conn: &mut dyn Conn, rows: &'r [(String, i64)]) -> Result<Heads<'r>, DbError> {
    let mut heads: Heads<'r> = rows.iter().map(|(user, _)| (user.as_str(), None)).collect();
    let users: Vec<&str> = heads.keys().copied().collect();
    for chunk in pow2_chunks(&users, MAX_ROWS) {
        let params: Vec<Value> = chunk.iter().map(|user| Value::from(*user)).collect();
        let sql = format!(
            "SELECT user_id, head FROM feed_heads WHERE user_id IN ({}) ORDER BY user_id FOR UPDATE",
            value_rows(1, 1, chunk.len())
        );
        for row in conn.query(&sql, &params)? {
            let head = row.int(1)?;
            if let Some(entry) = heads.get_mut(row.text(0)?.as_str()) {
                *entry = Some((head, head));
            }
        }
    }
    Ok(heads)
}

/// Appends numbered rows `(user, feed_seq, server_seq)` to the feeds, with one multi-row
/// statement per chunk.
fn append_rows(conn: &mut dyn Conn, feed: &[(&str, i64, i64)]) -> Result<(), DbError> {
    for chunk in pow2_chunks(feed, MAX_ROWS) {
        let mut params = Vec::with_capacity(chunk.len() * 3);
        for (user, position, seq) in chunk {
            params.extend([Value::from(*user), Value::Int(*position), Value::Int(*seq)]);
        }
        let sql = format!(
            "INSERT INTO user_feed (user_id, feed_seq, server_seq) VALUES {}",
            value_rows(1, 3, chunk.len())
        );
        conn.execute(&sql, &params)?;
    }
    Ok(())
}

/// Sets the heads `(user, head)` (locked by [`lock_heads`]), with one statement per chunk. (A
/// `VALUES` list in `FROM` types its parameters as text for PostgreSQL, hence the casts.)
fn move_heads(conn: &mut dyn Conn, heads: &[(&str, i64)]) -> Result<(), DbError> {
    use std::fmt::Write;
    for chunk in pow2_chunks(heads, MAX_ROWS) {
        let mut values = String::with_capacity(chunk.len() * 28);
        let mut params = Vec::with_capacity(chunk.len() * 2);
        for (n, (user, head)) in chunk.iter().enumerate() {
            let first = n * 2 + 1;
            let sep = if n > 0 { ", " } else { "" };
            // Writing to a String cannot fail.
            let _ = write!(values, "{sep}(${first}, CAST(${} AS BIGINT))", first + 1);
            params.extend([Value::from(*user), Value::Int(*head)]);
        }
        let sql = format!(
            "UPDATE feed_heads SET head = v.column2 FROM (VALUES {values}) AS v
             WHERE feed_heads.user_id = v.column1"
        );
        conn.execute(&sql, &params)?;
    }
    Ok(())
}

/// [`settle`] for rows staged in `feed_pending`: numbers them with a window over the table.
fn settle_table(conn: &mut dyn Conn) -> Result<Vec<(Uuid, i64)>, DbError> {
    conn.query(
        "SELECT user_id FROM feed_heads WHERE user_id IN (SELECT user_id FROM feed_pending)
         ORDER BY user_id FOR UPDATE",
        params![],
    )?;
    conn.execute(
        "INSERT INTO user_feed (user_id, feed_seq, server_seq)
         SELECT p.user_id, h.head + ROW_NUMBER() OVER (PARTITION BY p.user_id ORDER BY p.ord),
                p.server_seq
         FROM feed_pending p JOIN feed_heads h ON h.user_id = p.user_id",
        params![],
    )?;
    let heads = conn
        .query(
            "UPDATE feed_heads SET head = head
                 + (SELECT count(*) FROM feed_pending p WHERE p.user_id = feed_heads.user_id)
             WHERE user_id IN (SELECT user_id FROM feed_pending) RETURNING user_id, head",
            params![],
        )?
        .iter()
        .map(|row| {
            let user = row.text(0)?;
            let user = Uuid::parse_str(&user)
                .map_err(|e| DbError::Decode(format!("feed user {user:?}: {e}")))?;
            Ok((user, row.int(1)?))
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    conn.execute("DELETE FROM feed_pending", params![])?;
    Ok(heads)
}

/// Gives a new user their (empty) feed's head, so writes can append to it.
pub fn open_feed(conn: &mut dyn Conn, user: &str) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO feed_heads (user_id, head) VALUES ($1, 0)",
        params![user],
    )?;
    Ok(())
}

/// Delivers to `user` the current state of the whole catalog (at signup), situations first so a
/// variation never arrives before its situation.
pub fn grant_catalog(conn: &mut dyn Conn, user: &str) -> Result<(), DbError> {
    stage_selected(
        conn,
        "INSERT INTO feed_pending (user_id, server_seq)
         SELECT $1, last_seq FROM records
         WHERE kind IN ('situation', 'variation', 'achievement') AND last_seq > 0
         ORDER BY CASE kind WHEN 'situation' THEN 0 WHEN 'variation' THEN 1 ELSE 2 END, last_seq",
        params![user],
    )?;
    Ok(())
}

/// Delivers to `user`, who just joined `room`, the current public profiles of the room's other
/// members and of everyone who wrote in it (before the room itself, so every id it names is known).
/// Their account rows are share-locked first (in user order): a profile change of theirs in
/// progress commits before this reads their profile, and one after it sees `user` as a contact.
pub fn grant_room_profiles(conn: &mut dyn Conn, user: &str, room: &str) -> Result<(), DbError> {
    conn.query(
        "SELECT user_id FROM users WHERE user_id <> $1 AND user_id IN (
             SELECT user_id FROM participants WHERE room_id = $2
             UNION SELECT owner_id FROM records WHERE room_id = $2 AND kind = 'chat_message')
         ORDER BY user_id FOR SHARE",
        params![user, room],
    )?;
    stage_selected(
        conn,
        "INSERT INTO feed_pending (user_id, server_seq)
         SELECT $1, u.public_seq FROM users u
         WHERE u.user_id <> $1 AND u.public_seq > 0 AND u.user_id IN (
             SELECT user_id FROM participants WHERE room_id = $2
             UNION SELECT owner_id FROM records WHERE room_id = $2 AND kind = 'chat_message')
         ORDER BY u.public_seq",
        params![user, room],
    )?;
    Ok(())
}

/// Delivers to `user`, who just joined `room`, the room's earlier messages and its members'
/// read markers, each in its current state.
pub fn grant_room_history(conn: &mut dyn Conn, user: &str, room: &str) -> Result<(), DbError> {
    stage_selected(
        conn,
        "INSERT INTO feed_pending (user_id, server_seq)
         SELECT $1, last_seq FROM records
         WHERE room_id = $2 AND kind IN ('chat_message', 'read_marker') AND last_seq > 0
         ORDER BY last_seq",
        params![user, room],
    )?;
    Ok(())
}

/// Delivers to `user` again the current state of the record a refused change was about, so the
/// device that made the change corrects its copy on its next pull (`kind` and `record_id` as
/// stored). Only what the user may see is delivered: their own profile, their own records, and
/// messages and markers of rooms they are in; a record that does not exist delivers nothing.
pub fn redeliver(
    conn: &mut dyn Conn,
    user: &str,
    kind: ServerEntity,
    record_id: &str,
) -> Result<(), DbError> {
    if kind == ServerEntity::Profile {
        stage_selected(
            conn,
            "INSERT INTO feed_pending (user_id, server_seq)
             SELECT user_id, profile_seq FROM users WHERE user_id = $1 AND profile_seq > 0",
            params![user],
        )?;
        return Ok(());
    }
    stage_selected(
        conn,
        "INSERT INTO feed_pending (user_id, server_seq)
         SELECT $1, last_seq FROM records
         WHERE kind = $2 AND record_id = $3 AND last_seq > 0
           AND (owner_id = $1 AND room_id IS NULL
                OR room_id IN (SELECT room_id FROM participants WHERE user_id = $1))",
        params![user, kind.as_str(), record_id],
    )?;
    Ok(())
}

/// Delivers `user`'s public profile to the other members of `room` (when they join it). Their
/// account row is share-locked first, as in [`grant_room_profiles`]: a profile change of theirs
/// in progress commits before this reads it, and one after it counts the room's members.
pub fn share_profile_with_room(conn: &mut dyn Conn, user: &str, room: &str) -> Result<(), DbError> {
    conn.query(
        "SELECT user_id FROM users WHERE user_id = $1 FOR SHARE",
        params![user],
    )?;
    stage_selected(
        conn,
        "INSERT INTO feed_pending (user_id, server_seq)
         SELECT p.user_id, u.public_seq FROM participants p, users u
         WHERE p.room_id = $1 AND p.user_id <> $2 AND u.user_id = $2",
        params![room, user],
    )?;
    Ok(())
}

/// Resets the history: a new epoch, every feed rebuilt from the current state of what each
/// user may see (records before the records that refer to them: catalog, profiles, rooms, the
/// rest), and every change that no longer carries a record's current state deleted. Positions
/// start again from 1 (no cursor of the old epoch is accepted). Returns the new epoch; the
/// rebuilt feeds are staged for [`settle`].
///
/// Each user's statement reaches messages through the user's rooms (`room_id IN …`), so SQLite
/// searches `records_room`; written as a join, it scanned every message of every room once per
/// user (2,000 users took 457 s instead of 1.4 s, docs/scaling.md).
pub fn reset_history(conn: &mut dyn Conn) -> Result<String, DbError> {
    conn.execute("DELETE FROM user_feed", params![])?;
    conn.execute("UPDATE feed_heads SET head = 0", params![])?;
    let users: Vec<String> = conn
        .query(
            "SELECT user_id FROM users WHERE user_id NOT IN (SELECT user_id FROM deleted_accounts)
             ORDER BY created_at, user_id",
            params![],
        )?
        .iter()
        .map(|r| r.text(0))
        .collect::<Result<_, _>>()?;
    for user in &users {
        stage_selected(
            conn,
            "INSERT INTO feed_pending (user_id, server_seq)
             SELECT $1, seq FROM (
                 SELECT last_seq AS seq,
                        CASE kind WHEN 'situation' THEN 0 WHEN 'variation' THEN 1 WHEN 'achievement' THEN 2
                                  ELSE 5 END AS rank
                 FROM records
                 WHERE kind IN ('situation', 'variation', 'achievement')
                    OR (owner_id = $1 AND room_id IS NULL)
                 UNION SELECT profile_seq, 3 FROM users WHERE user_id = $1
                 UNION SELECT u.public_seq, 3 FROM users u WHERE u.user_id <> $1 AND u.user_id IN (
                       SELECT other.user_id FROM participants mine
                       JOIN participants other ON other.room_id = mine.room_id WHERE mine.user_id = $1
                       UNION SELECT r.owner_id FROM records r WHERE r.kind = 'chat_message'
                       AND r.room_id IN (SELECT room_id FROM participants WHERE user_id = $1))
                 UNION SELECT r.last_seq, CASE r.kind WHEN 'chat_room' THEN 4 ELSE 5 END
                       FROM participants p JOIN records r ON r.room_id = p.room_id
                       WHERE p.user_id = $1 AND r.kind IN ('chat_room', 'chat_message', 'read_marker')
                 UNION SELECT last_seq, 5 FROM ledger WHERE user_id = $1
             ) AS visible WHERE seq > 0 ORDER BY rank, seq",
            params![user],
        )?;
    }
    conn.execute(
        "DELETE FROM changes WHERE server_seq NOT IN (
             SELECT last_seq FROM records UNION SELECT last_seq FROM ledger
             UNION SELECT profile_seq FROM users UNION SELECT public_seq FROM users)",
        params![],
    )?;
    let epoch = Uuid::now_v7().to_string();
    set_epoch(conn, &epoch)?;
    Ok(epoch)
}

/// Makes the history epoch if the database has none yet (a new database).
pub fn init_epoch(conn: &mut dyn Conn) -> Result<String, DbError> {
    match stored_epoch(conn)? {
        Some(epoch) => Ok(epoch),
        None => {
            let epoch = Uuid::now_v7().to_string();
            set_epoch(conn, &epoch)?;
            Ok(epoch)
        }
    }
}

/// The current history epoch.
pub fn epoch(conn: &mut dyn Conn) -> Result<String, DbError> {
    stored_epoch(conn)?.ok_or_else(|| DbError::Decode("the database has no history epoch".into()))
}

fn stored_epoch(conn: &mut dyn Conn) -> Result<Option<String>, DbError> {
    conn.query("SELECT value FROM meta WHERE key = 'epoch'", params![])?
        .first()
        .map(|row| row.text(0))
        .transpose()
}

fn set_epoch(conn: &mut dyn Conn, epoch: &str) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('epoch', $1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![epoch],
    )?;
    Ok(())
}

/// The counts a device compares with its rows once it has caught up (sent on the last pull
/// page): `user`'s ledger (count and sum of points), their practice sessions, and each room
/// they are in with its messages, deleted ones included. Read in the pull's transaction, so
/// they describe the same state as the page. (Sums and counts are cast because PostgreSQL
/// widens a BIGINT sum to NUMERIC.)
pub fn checks(conn: &mut dyn Conn, user: &str) -> Result<ScopeChecks, DbError> {
    let ledger = conn.query(
        "SELECT CAST(count(*) AS BIGINT), CAST(COALESCE(sum(points), 0) AS BIGINT)
         FROM ledger WHERE user_id = $1",
        params![user],
    )?;
    let ledger = ledger
        .first()
        .ok_or_else(|| DbError::Database("a count returned no row".into()))?;
    let sessions = conn.query(
        "SELECT CAST(count(*) AS BIGINT) FROM records
         WHERE kind = 'practice_session' AND owner_id = $1 AND last_seq > 0",
        params![user],
    )?;
    let sessions = sessions
        .first()
        .ok_or_else(|| DbError::Database("a count returned no row".into()))?
        .int(0)?;
    let rooms = conn
        .query(
            "SELECT p.room_id, CAST((SELECT count(*) FROM records r
                 WHERE r.room_id = p.room_id AND r.kind = 'chat_message' AND r.last_seq > 0) AS BIGINT)
             FROM participants p WHERE p.user_id = $1 ORDER BY p.room_id",
            params![user],
        )?
        .iter()
        .map(|row| {
            let room = row.text(0)?;
            Ok(RoomCheck {
                room_id: Uuid::parse_str(&room)
                    .map_err(|e| DbError::Decode(format!("room id {room:?}: {e}")))?,
                messages: count(row.int(1)?)?,
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    Ok(ScopeChecks {
        ledger: LedgerCheck {
            count: count(ledger.int(0)?)?,
            points: ledger.int(1)?,
        },
        practice_sessions: count(sessions)?,
        rooms,
    })
}

/// One page of a user's feed.
#[derive(Debug)]
pub struct Page {
    /// The changes, in feed order, payloads as stored (never parsed on the way out).
    pub changes: Vec<ServerChange<Box<RawValue>>>,
    /// The feed position of the last change returned (or the position asked for, if none).
    pub last_position: i64,
    /// Whether more changes follow.
    pub has_more: bool,
}

/// Reads the changes of `user`'s feed after feed position `after`: at most `limit` of them, and
/// no more than `byte_budget` bytes of payloads (but always one, however large). The sizes are
/// read first, so the payloads of a page beyond the budget are never loaded.
pub fn pull(
    conn: &mut dyn Conn,
    user: &str,
    after: i64,
    limit: u32,
    byte_budget: usize,
) -> Result<Page, DbError> {
    let sizes = conn
        .query(
            "SELECT f.feed_seq, octet_length(c.payload)
             FROM user_feed f JOIN changes c ON c.server_seq = f.server_seq
             WHERE f.user_id = $1 AND f.feed_seq > $2 ORDER BY f.feed_seq LIMIT $3",
            params![user, after, i64::from(limit) + 1],
        )?
        .iter()
        .map(|row| Ok((row.int(0)?, row.int(1)?)))
        .collect::<Result<Vec<_>, DbError>>()?;
    let lengths: Vec<i64> = sizes.iter().map(|(_, len)| *len).collect();
    let (count, has_more) = page_extent(&lengths, limit as usize, byte_budget);
    let Some(&(through, _)) = count.checked_sub(1).and_then(|last| sizes.get(last)) else {
        return Ok(Page {
            changes: Vec::new(),
            last_position: after,
            has_more,
        });
    };
    let rows = conn.query(
        "SELECT f.feed_seq, c.server_seq, c.entity, c.entity_id, c.operation, c.payload, c.origin_change_id
         FROM user_feed f JOIN changes c ON c.server_seq = f.server_seq
         WHERE f.user_id = $1 AND f.feed_seq > $2 AND f.feed_seq <= $3 ORDER BY f.feed_seq",
        params![user, after, through],
    )?;
    let mut last_position = after;
    let mut changes = Vec::with_capacity(rows.len());
    for row in &rows {
        last_position = row.int(0)?;
        let decode = |what: &str, e: &dyn std::fmt::Display| {
            DbError::Decode(format!("change {}: {what}: {e}", row.int(1).unwrap_or(0)))
        };
        let origin = row
            .opt_text(6)?
            .map(|o| Uuid::parse_str(&o))
            .transpose()
            .map_err(|e| decode("origin", &e))?;
        changes.push(ServerChange {
            server_seq: row.int(1)?,
            entity: row.text(2)?,
            entity_id: row.text(3)?,
            operation: row.text(4)?,
            payload: RawValue::from_string(row.text(5)?).map_err(|e| decode("payload", &e))?,
            origin_change_id: origin,
        });
    }
    Ok(Page {
        changes,
        last_position,
        has_more,
    })
}

/// Most changes a pull's `remaining` counts: a larger rest is answered as this many.
const MAX_COUNTED: i64 = 1_000_000;

/// How many changes of `user`'s feed follow feed position `after`, up to [`MAX_COUNTED`]: one
/// bounded scan of the feed index.
pub fn count_after(conn: &mut dyn Conn, user: &str, after: i64) -> Result<u64, DbError> {
    // A client may ask on every page: the scan stops at MAX_COUNTED, so one request's cost is
    // bounded however large the feed.
    let rows = conn.query(
        "SELECT CAST(count(*) AS BIGINT) FROM (SELECT 1 FROM user_feed
         WHERE user_id = $1 AND feed_seq > $2 LIMIT $3) AS rest",
        params![user, after, MAX_COUNTED],
    )?;
    count(
        rows.first()
            .ok_or_else(|| DbError::Database("a count returned no row".into()))?
            .int(0)?,
    )
}

/// A count read from the database, which is never negative.
fn count(n: i64) -> Result<u64, DbError> {
    u64::try_from(n).map_err(|_| DbError::Decode(format!("negative count {n}")))
}

/// How many of the next changes, whose payload sizes in feed order are `sizes` (up to
/// `limit + 1` of them), make a page of at most `limit` changes and `byte_budget` bytes, and
/// whether changes are left behind it. The first change is always taken, so a page never stalls
/// on a change larger than the budget.
fn page_extent(sizes: &[i64], limit: usize, byte_budget: usize) -> (usize, bool) {
    let mut total: usize = 0;
    let mut count = 0;
    for size in sizes.iter().take(limit) {
        let size = usize::try_from(*size).unwrap_or(usize::MAX);
        let grown = total.saturating_add(size);
        if count > 0 && grown > byte_budget {
            break;
        }
        total = grown;
        count += 1;
    }
    (count, sizes.len() > count)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use uuid::Uuid;

    use super::{open_feed, page_extent, settle, stage, stage_selected};
    use crate::db::{
        Backend, Conn, DbError, TxMode, in_savepoint, in_tx, on_postgres, on_sqlite, params,
    };

    /// Runs `stage` in a savepoint that is then rolled back.
    fn undone(conn: &mut dyn Conn, stage: impl FnOnce(&mut dyn Conn) -> Result<(), DbError>) {
        let outcome = in_savepoint(conn, |conn| {
            stage(conn)?;
            Err::<(), _>(DbError::Database("undone".into()))
        });
        assert!(outcome.is_err());
    }

    /// `settle`'s moved heads, in user order.
    fn sorted(mut moved: Vec<(Uuid, i64)>) -> Vec<(Uuid, i64)> {
        moved.sort();
        moved
    }

    /// Each user's feed as `server_seq`s in position order, checking the positions run 1, 2, …
    fn feeds(db: &dyn Backend) -> BTreeMap<String, Vec<i64>> {
        let rows = in_tx(db, TxMode::Read, |conn| {
            conn.query(
                "SELECT user_id, feed_seq, server_seq FROM user_feed ORDER BY user_id, feed_seq",
                params![],
            )
        })
        .expect("read feeds");
        let mut feeds: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for row in &rows {
            let feed = feeds.entry(row.text(0).expect("user")).or_default();
            feed.push(row.int(2).expect("seq"));
            assert_eq!(row.int(1).expect("position"), feed.len() as i64, "no gap");
        }
        feeds
    }

    /// Deliveries staged in memory, by statement and inside savepoints (one rolled back after
    /// a statement copied the rows held before it into the table) take their feeds' next
    /// positions in staging order; the undone ones are dropped, and so are deliveries to a user
    /// without a feed head. `settle` returns each moved head.
    fn settling_keeps_the_staging_order(db: &dyn Backend) {
        let [a, b, c] = [0; 3].map(|_| Uuid::now_v7());
        let [ka, kb, kc] = [a, b, c].map(|u| u.to_string());
        let (ka, kb, kc) = (ka.as_str(), kb.as_str(), kc.as_str());
        let one = "INSERT INTO feed_pending (user_id, server_seq) VALUES ($1, CAST($2 AS BIGINT))";
        let moved = in_tx(db, TxMode::Write, |conn| {
            for user in [ka, kb, kc] {
                open_feed(conn, user)?;
            }
            stage(conn, &[(ka, 1), (kb, 1)]);
            stage_selected(conn, one, params![ka, 2_i64])?;
            stage(conn, &[(ka, 3)]);
            undone(conn, |conn| {
                stage(conn, &[(ka, 90)]);
                stage_selected(conn, one, params![kb, 91_i64])?;
                stage(conn, &[(kc, 92)]);
                Ok(())
            });
            stage(conn, &[(kb, 4)]);
            settle(conn)
        })
        .expect("first write");
        assert_eq!(sorted(moved), sorted(vec![(a, 3), (b, 2)]));

        let stranger = Uuid::now_v7().to_string();
        let moved = in_tx(db, TxMode::Write, |conn| {
            stage(conn, &[(kb, 5), (stranger.as_str(), 5), (ka, 6)]);
            undone(conn, |conn| {
                stage(conn, &[(kc, 93)]);
                Ok(())
            });
            stage(conn, &[(kb, 7)]);
            settle(conn)
        })
        .expect("second write, in memory only");
        assert_eq!(sorted(moved), sorted(vec![(a, 4), (b, 4)]));

        let feeds = feeds(db);
        assert_eq!(feeds.get(ka), Some(&vec![1, 2, 3, 6]));
        assert_eq!(feeds.get(kb), Some(&vec![1, 4, 5, 7]));
        assert_eq!(feeds.get(kc), None);
        assert_eq!(feeds.get(&stranger), None);
        let heads = in_tx(db, TxMode::Read, |conn| {
            conn.query(
                "SELECT user_id, head FROM feed_heads ORDER BY user_id",
                params![],
            )
        })
        .expect("heads");
        let heads: BTreeMap<String, i64> = heads
            .iter()
            .map(|row| (row.text(0).expect("user"), row.int(1).expect("head")))
            .collect();
        assert_eq!(
            heads,
            BTreeMap::from([(ka.to_owned(), 4), (kb.to_owned(), 4), (kc.to_owned(), 0)])
        );
    }

    #[test]
    fn settling_keeps_the_staging_order_on_sqlite() {
        on_sqlite(settling_keeps_the_staging_order);
    }

    #[test]
    fn settling_keeps_the_staging_order_on_postgres() {
        on_postgres(settling_keeps_the_staging_order);
    }

    #[test]
    fn a_page_stops_at_the_count_limit() {
        assert_eq!(page_extent(&[1, 1, 1], 2, 100), (2, true));
        assert_eq!(page_extent(&[1, 1], 2, 100), (2, false));
        assert_eq!(page_extent(&[], 2, 100), (0, false));
    }

    #[test]
    fn a_page_stops_before_the_change_that_crosses_the_byte_budget() {
        assert_eq!(page_extent(&[40, 60, 1], 10, 100), (2, true));
        assert_eq!(page_extent(&[40, 61, 1], 10, 100), (1, true));
        assert_eq!(page_extent(&[40, 60], 10, 100), (2, false));
    }

    #[test]
    fn a_change_larger_than_the_budget_makes_a_page_of_its_own() {
        assert_eq!(page_extent(&[500, 1], 10, 100), (1, true));
        assert_eq!(page_extent(&[500], 10, 100), (1, false));
    }
}

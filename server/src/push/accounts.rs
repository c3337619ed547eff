//! The account rows a push locks, taken all at once at its start.
//!
//! A push decides on its user's state, so it holds the pusher's account row exclusively to the
//! commit ([`users::lock`]). Joining someone to a room also share-locks *other* users' account
//! rows ([`feed::grant_room_profiles`], [`feed::share_profile_with_room`]), so a profile change
//! of theirs in progress is not missed. Taken where each rule needs them, those locks came after
//! the pusher's own and after room records, and two pushes that each needed the other's row
//! waited in a cycle until PostgreSQL aborted one (docs/scaling.md, "The cause"). Taking every
//! one of them first, in user order and before any room record or key, leaves no such cycle:
//! all pushes take account rows in one order, and nothing they wait on later is held by a push
//! still waiting for an account row.
//!
//! [`feed::grant_room_profiles`]: crate::feed::grant_room_profiles
//! [`feed::share_profile_with_room`]: crate::feed::share_profile_with_room

use studymate_core::changelog::{Entity, Operation, wire_kind};
use studymate_core::chat::{MAX_GROUP_MEMBERS, ParticipantChange, Room};
use uuid::Uuid;

use super::Pushed;
use crate::db::{Conn, DbError, MAX_ROWS, Value, pow2_chunks, value_rows};
use crate::users;

/// Locks, in user order and before any room record, every account row the batch `changes` of
/// `user` will lock: `user`'s exclusively, and shared those of the other users its rules
/// share-lock — the members a new room's payload names, the member a participant insert adds,
/// and the current members and message writers of the rooms members are added to (read first,
/// then locked). Each payload is read as the type its rule reads it as: one that is not (a member
/// that is no UUID, say) adds nothing, as its rule refuses it before it locks anyone. A member joining one of those rooms between this
/// read and the room's lock is share-locked later by the rule itself, as before.
pub fn lock_accounts(conn: &mut dyn Conn, user: Uuid, changes: &[Pushed]) -> Result<(), DbError> {
    let (mut others, mut rooms) = (Vec::new(), Vec::new());
    for change in changes {
        let payload = change.payload.get();
        match wire_kind(change) {
            Some((Entity::ChatRoom, Operation::Insert)) => {
                // A room naming more members than a group may have is refused by its rule
                // before it locks anyone: its list is not locked here either.
                let room = serde_json::from_str::<Room>(payload).ok();
                let members = room.filter(|room| room.participants.len() <= MAX_GROUP_MEMBERS);
                others.extend(
                    members
                        .into_iter()
                        .flat_map(|room| room.participants)
                        .map(|member| member.user_id.to_string()),
                );
            }
            Some((Entity::ChatParticipant, Operation::Insert)) => {
                if let Ok(added) = serde_json::from_str::<ParticipantChange>(payload) {
                    others.push(added.user_id.to_string());
                    rooms.push(added.room_id.to_string());
                }
            }
            _ => {}
        }
    }
    rooms.sort();
    rooms.dedup();
    // Only rooms the pusher is in: adding a member to any other room is refused by its rule
    // before it locks anyone, so a batch cannot make this lock the members of rooms it names
    // at random.
    let own = user.to_string();
    for chunk in pow2_chunks(&rooms, MAX_ROWS) {
        let mut values = vec![Value::from(own.as_str())];
        values.extend(chunk.iter().map(Value::from));
        let list = value_rows(2, 1, chunk.len());
        let sql = format!(
            "WITH mine AS (SELECT room_id FROM participants WHERE user_id = $1 AND room_id IN ({list}))
             SELECT user_id FROM participants WHERE room_id IN (SELECT room_id FROM mine)
             UNION SELECT owner_id FROM records
             WHERE kind = 'chat_message' AND room_id IN (SELECT room_id FROM mine)"
        );
        for row in conn.query(&sql, &values)? {
            others.push(row.text(0)?);
        }
    }
    // Canonical UUIDs (lowercase, hyphens in the same places) sort alike here and in the
    // database's collation, so the chunks below lock in one order across the whole batch.
    others.sort();
    others.dedup();
    others.retain(|other| *other != own);
    let split = others.partition_point(|other| *other < own);
    let (before, after) = others.split_at(split);
    share_lock(conn, before)?;
    users::lock(conn, user)?;
    share_lock(conn, after)
}

/// Share-locks the account rows of `users` (sorted) to the end of the transaction, in order.
fn share_lock(conn: &mut dyn Conn, users: &[String]) -> Result<(), DbError> {
    for chunk in pow2_chunks(users, MAX_ROWS) {
        let values: Vec<Value> = chunk.iter().map(Value::from).collect();
        let sql = format!(
            "SELECT user_id FROM users WHERE user_id IN ({}) ORDER BY user_id FOR SHARE",
            value_rows(1, 1, chunk.len())
        );
        conn.query(&sql, &values)?;
    }
    Ok(())
}

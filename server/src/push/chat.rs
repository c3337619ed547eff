//! Pushed chat changes. The server enforces what a phone cannot be trusted with: a message's
//! sender is the token's user, only members write into or read a room, only the sender edits or
//! deletes a message, and read markers only move forward. Each accepted message gets its place
//! in the room: the server sequence of its insert, which becomes its `sort_key`.

use std::collections::HashMap;

use studymate_core::changelog::Operation;
use studymate_core::chat::{
    Message, MessageDeletion, MessageEdit, MessageType, NewMessage, Participant, ParticipantChange,
    ParticipantRole, Room, RoomType, SendState, check_member_count, check_room_fields,
};
use studymate_core::time;
use studymate_protocol::{ReadMarker, ReadMarkerUpdate, ServerEntity};
use uuid::Uuid;

use super::set::Known;
use super::{Applied, ApplyError, Ctx, invalid, reject};
use crate::db::{Conn, DbError, MAX_ROWS, Value, params, pow2_chunks, value_rows};
use crate::feed::{self, Audience};
use crate::records::{self, Target};
use crate::users;

/// `chat_room` insert: a new direct or group room with its members; the pusher is its creator
/// and admin.
pub fn create_room(conn: &mut dyn Conn, ctx: &Ctx<'_>) -> Applied {
    let room: Room = ctx.payload()?;
    let room_key = room.id.to_string();
    ctx.require_entity_id(&room_key)?;
    if room.created_by.is_some_and(|creator| creator != ctx.user) {
        return Err(reject("forbidden", "created_by must be the signed-in user"));
    }
    let mut members: Vec<Uuid> = room.participants.iter().map(|p| p.user_id).collect();
    members.sort();
    members.dedup();
    if !members.contains(&ctx.user) {
        return Err(reject(
            "invalid_payload",
            "the creator must be a member of the room",
        ));
    }
    check_member_count(room.room_type, members.len()).map_err(invalid)?;
    check_room_fields(
        room.room_type,
        room.name.as_deref(),
        room.description.as_deref(),
    )
    .map_err(invalid)?;
    if records::get::<Room>(conn, ServerEntity::ChatRoom, &room_key)?.is_some() {
        return Err(reject(
            "duplicate_record",
            format!("room {room_key} already exists"),
        ));
    }
    for member in &members {
        if !users::exists(conn, *member)? {
            return Err(reject(
                "unknown_reference",
                format!("user {member} does not exist"),
            ));
        }
    }
    // A direct room has exactly two members (checked above); the slice pattern says so without
    // indexing into client data.
    if let (RoomType::Direct, [first, second]) = (room.room_type, members.as_slice()) {
        let direct_key = format!("{first}:{second}");
        if !conn
            .query(
                "SELECT 1 FROM direct_rooms WHERE direct_key = $1",
                params![&direct_key],
            )?
            .is_empty()
        {
            return Err(reject(
                "duplicate_direct_room",
                "these two users already have a direct room",
            ));
        }
        conn.execute(
            "INSERT INTO direct_rooms (direct_key, room_id) VALUES ($1, $2)",
            params![&direct_key, &room_key],
        )?;
    }
    let joined = time::to_db(room.created_at);
    for member in &members {
        let role = if *member == ctx.user {
            ParticipantRole::Admin
        } else {
            ParticipantRole::Member
        };
        conn.execute(
            "INSERT INTO participants (room_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)",
            params![&room_key, *member, role.as_str(), &joined],
        )?;
    }
    for member in &members {
        feed::grant_room_profiles(conn, &member.to_string(), &room_key)?;
    }
    let stored = Room {
        created_by: Some(ctx.user),
        participants: Vec::new(),
        ..room
    };
    Ok(Some(publish_room(conn, ctx, stored, Operation::Insert)?))
}

/// `chat_participant` insert: an admin adds a member to a group room. The new member receives
/// the members' profiles, the room and its earlier messages; the others receive their profile.
pub fn add_member(conn: &mut dyn Conn, ctx: &Ctx<'_>) -> Applied {
    let change: ParticipantChange = ctx.payload()?;
    let room_key = change.room_id.to_string();
    let member_key = change.user_id.to_string();
    ctx.require_entity_id(&format!("{room_key}:{member_key}"))?;
    let room = load_room(conn, &room_key, &ctx.user_key)?;
    if role_of(conn, &room_key, &ctx.user_key)? != Some(ParticipantRole::Admin) {
        return Err(reject(
            "forbidden",
            "only an admin of the room adds members",
        ));
    }
    if room.room_type == RoomType::Direct {
        return Err(reject(
            "invalid_payload",
            "a direct room has exactly two members",
        ));
    }
    if role_of(conn, &room_key, &member_key)?.is_some() {
        return Ok(None);
    }
    if !users::exists(conn, change.user_id)? {
        return Err(reject(
            "unknown_reference",
            format!("user {member_key} does not exist"),
        ));
    }
    let members = usize::try_from(member_count(conn, &room_key)?).unwrap_or(usize::MAX);
    check_member_count(RoomType::Group, members.saturating_add(1)).map_err(invalid)?;
    let role = change.role.unwrap_or(ParticipantRole::Member);
    conn.execute(
        "INSERT INTO participants (room_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)",
        params![&room_key, &member_key, role.as_str(), time::to_db(ctx.now)],
    )?;
    feed::grant_room_profiles(conn, &member_key, &room_key)?;
    feed::share_profile_with_room(conn, &member_key, &room_key)?;
    let seq = publish_room(conn, ctx, room, Operation::Update)?;
    feed::grant_room_history(conn, &member_key, &room_key)?;
    Ok(Some(seq))
}

/// `chat_participant` delete: a member leaves, or an admin removes one. The remaining members
/// receive the room without them; the removed member receives a `chat_room` delete.
pub fn remove_member(conn: &mut dyn Conn, ctx: &Ctx<'_>) -> Applied {
    let change: ParticipantChange = ctx.payload()?;
    let room_key = change.room_id.to_string();
    let member_key = change.user_id.to_string();
    ctx.require_entity_id(&format!("{room_key}:{member_key}"))?;
    let room = load_room(conn, &room_key, &ctx.user_key)?;
    if change.user_id != ctx.user
        && role_of(conn, &room_key, &ctx.user_key)? != Some(ParticipantRole::Admin)
    {
        return Err(reject("forbidden", "only an admin removes other members"));
    }
    if role_of(conn, &room_key, &member_key)?.is_none() {
        return Ok(None);
    }
    conn.execute(
        "DELETE FROM participants WHERE room_id = $1 AND user_id = $2",
        params![&room_key, &member_key],
    )?;
    let seq = publish_room(conn, ctx, room, Operation::Update)?;
    let gone = Target {
        kind: ServerEntity::ChatRoom,
        record_id: &room_key,
        entity_id: &room_key,
        owner: None,
        room: Some(&room_key),
        audience: Audience::User(&member_key),
        origin: Some(ctx.change.change_id),
    };
    records::publish(
        conn,
        &gone,
        Operation::Delete,
        &serde_json::json!({ "room_id": room_key }),
    )?;
    Ok(Some(seq))
}

/// `chat_message` insert: the checks of a message sent by the pusher into a room they are in,
/// against what is `known` of the store (and of the entries of the batch accepted before it).
/// `msg` is the entry's payload, decoded by [`super::set`] before it read what the run knows.
/// Returns the message as stored, less its `sort_key` (its server sequence, given when it is
/// written, by [`super::set`]).
pub fn check_send(ctx: &Ctx<'_>, mut msg: Message, known: &Known) -> Result<Message, ApplyError> {
    let id = msg.id.to_string();
    ctx.require_entity_id(&id)?;
    if msg.sender_id != ctx.user {
        return Err(reject(
            "sender_mismatch",
            "a message's sender must be the signed-in user",
        ));
    }
    let room_key = msg.room_id.to_string();
    if known.members(&room_key).is_none() {
        return Err(not_member(&room_key));
    }
    NewMessage {
        message_type: msg.message_type,
        content: msg.content.clone(),
        file_url: msg.file_url.clone(),
        file_metadata: msg.file_metadata.clone(),
        reply_to_id: msg.reply_to_id,
    }
    .validate()
    .map_err(invalid)?;
    if let Some(reply) = msg.reply_to_id
        && known.message_room(&reply.to_string()) != Some(room_key.as_str())
    {
        return Err(reject(
            "unknown_reference",
            "reply_to_id is not a message in this room",
        ));
    }
    if known.message_exists(&id) {
        return Err(reject(
            "duplicate_record",
            format!("message {id} already exists"),
        ));
    }
    msg.is_edited = false;
    msg.edited_at = None;
    msg.is_deleted = false;
    msg.deleted_at = None;
    msg.send_state = SendState::Sent;
    Ok(msg)
}

/// `chat_message` update: the sender replaces the text of a live text message.
pub fn edit(conn: &mut dyn Conn, ctx: &Ctx<'_>) -> Applied {
    let edit: MessageEdit = ctx.payload()?;
    edit.validate().map_err(invalid)?;
    let mut msg = own_message(conn, ctx, edit.room_id)?;
    if msg.is_deleted {
        return Err(reject(
            "message_deleted",
            "a deleted message cannot be edited",
        ));
    }
    if msg.message_type != MessageType::Text {
        return Err(reject(
            "invalid_payload",
            "only text messages can be edited",
        ));
    }
    msg.content = Some(edit.content);
    msg.is_edited = true;
    msg.edited_at = Some(edit.edited_at);
    let (id, room_key) = (msg.id.to_string(), msg.room_id.to_string());
    Ok(Some(records::save(
        conn,
        &message_target(&ctx.user_key, ctx.change.change_id, &id, &room_key),
        Operation::Update,
        &msg,
    )?))
}

/// `chat_message` delete: the sender turns the message into a tombstone. Deleting a tombstone
/// changes nothing.
pub fn delete(conn: &mut dyn Conn, ctx: &Ctx<'_>) -> Applied {
    let deletion: MessageDeletion = ctx.payload()?;
    let mut msg = own_message(conn, ctx, deletion.room_id)?;
    if msg.is_deleted {
        return Ok(None);
    }
    msg.content = None;
    msg.file_url = None;
    msg.file_metadata = None;
    msg.is_deleted = true;
    msg.deleted_at = Some(deletion.deleted_at);
    let (id, room_key) = (msg.id.to_string(), msg.room_id.to_string());
    Ok(Some(records::save(
        conn,
        &message_target(&ctx.user_key, ctx.change.change_id, &id, &room_key),
        Operation::Delete,
        &msg,
    )?))
}

/// `read_marker` update: moves the pusher's marker forward to a message of the room; a marker
/// at or behind the current one changes nothing (the maximum wins).
pub fn mark_read(conn: &mut dyn Conn, ctx: &Ctx<'_>) -> Applied {
    let update: ReadMarkerUpdate = ctx.payload()?;
    let room_key = update.room_id.to_string();
    ctx.require_entity_id(&room_key)?;
    load_room(conn, &room_key, &ctx.user_key)?;
    let message = records::get::<Message>(
        conn,
        ServerEntity::ChatMessage,
        &update.message_id.to_string(),
    )?
    .filter(|m| m.doc.room_id == update.room_id)
    .ok_or_else(|| {
        reject(
            "unknown_reference",
            "message_id is not a message in this room",
        )
    })?;
    let moved = conn.execute(
        "UPDATE participants SET last_read_sort_key = $1, last_read_message_id = $2
         WHERE room_id = $3 AND user_id = $4 AND last_read_sort_key < $1",
        params![
            message.doc.sort_key,
            update.message_id,
            &room_key,
            &ctx.user_key
        ],
    )?;
    if moved == 0 {
        return Ok(None);
    }
    let marker = ReadMarker {
        room_id: update.room_id,
        user_id: ctx.user,
        message_id: update.message_id,
        sort_key: message.doc.sort_key,
    };
    let key = format!("{room_key}:{}", ctx.user_key);
    let target = Target {
        kind: ServerEntity::ReadMarker,
        record_id: &key,
        entity_id: &key,
        owner: Some(&ctx.user_key),
        room: Some(&room_key),
        audience: Audience::Room(&room_key),
        origin: Some(ctx.change.change_id),
    };
    Ok(Some(records::save(
        conn,
        &target,
        Operation::Update,
        &marker,
    )?))
}

/// Publishes the room's current state (members from the membership table) to its members.
fn publish_room(
    conn: &mut dyn Conn,
    ctx: &Ctx<'_>,
    mut room: Room,
    operation: Operation,
) -> Result<i64, DbError> {
    let room_key = room.id.to_string();
    room.participants = participants(conn, &room_key)?;
    let target = Target {
        kind: ServerEntity::ChatRoom,
        record_id: &room_key,
        entity_id: &room_key,
        owner: None,
        room: Some(&room_key),
        audience: Audience::Room(&room_key),
        origin: Some(ctx.change.change_id),
    };
    records::save(conn, &target, operation, &room)
}

/// Loads a room the user is a member of; a room they are not in is refused as `not_a_member`
/// whether or not it exists, so its existence is not revealed. The room's record is locked
/// first, to the end of the transaction ([`lock_rooms`]).
fn load_room(conn: &mut dyn Conn, room_key: &str, user: &str) -> Result<Room, ApplyError> {
    let key = [room_key.to_owned()];
    lock_rooms(conn, &key)?;
    member_rooms(conn, &key, user)?
        .remove(room_key)
        .ok_or_else(|| not_member(room_key))
}

/// The refusal of a write into a room the pusher is not in (or that does not exist).
fn not_member(room_key: &str) -> ApplyError {
    reject(
        "not_a_member",
        format!("the user is not a member of room {room_key}"),
    )
}

/// Locks the records of the rooms `room_keys` (those that exist) to the end of the
/// transaction, in room order (so two writers never wait on each other's rooms in a cycle).
/// Every write into a room (a message, an edit, a marker, a member joining or leaving) takes
/// its lock, so they happen one at a time per room and the membership read after the lock is
/// the one the write's delivery and a join's history see (with parallel writers, a message
/// committed beside a join could otherwise reach neither the new member's feed nor the history
/// the join copied).
fn lock_rooms(conn: &mut dyn Conn, room_keys: &[String]) -> Result<(), DbError> {
    let mut sorted = room_keys.to_vec();
    sorted.sort();
    sorted.dedup();
    for chunk in pow2_chunks(&sorted, MAX_ROWS) {
        let mut values = vec![Value::from(ServerEntity::ChatRoom.as_str())];
        values.extend(chunk.iter().map(Value::from));
        let sql = format!(
            "SELECT record_id FROM records WHERE kind = $1 AND record_id IN ({})
             ORDER BY record_id FOR UPDATE",
            value_rows(2, 1, chunk.len())
        );
        conn.query(&sql, &values)?;
    }
    Ok(())
}

/// The rooms among `room_keys` that `user` is a member of, by key: each room's record, found
/// only through the user's membership.
fn member_rooms(
    conn: &mut dyn Conn,
    room_keys: &[String],
    user: &str,
) -> Result<HashMap<String, Room>, DbError> {
    let mut rooms = HashMap::new();
    for chunk in pow2_chunks(room_keys, MAX_ROWS) {
        let mut values = vec![
            Value::from(ServerEntity::ChatRoom.as_str()),
            Value::from(user),
        ];
        values.extend(chunk.iter().map(Value::from));
        let sql = format!(
            "SELECT p.room_id, r.doc FROM participants p
             JOIN records r ON r.kind = $1 AND r.record_id = p.room_id
             WHERE p.user_id = $2 AND p.room_id IN ({})",
            value_rows(3, 1, chunk.len())
        );
        for row in conn.query(&sql, &values)? {
            let key = row.text(0)?;
            let room = serde_json::from_str(&row.text(1)?)
                .map_err(|e| DbError::Decode(format!("chat_room {key}: {e}")))?;
            rooms.insert(key, room);
        }
    }
    Ok(rooms)
}

/// For deciding many messages at once: locks the rooms `room_keys` ([`lock_rooms`]) and returns
/// those `user` is a member of, each with its members in user order (the order a delivery to
/// the room stages them in, [`feed::deliver`]).
pub fn rooms_of_member(
    conn: &mut dyn Conn,
    room_keys: &[String],
    user: &str,
) -> Result<HashMap<String, Vec<String>>, DbError> {
    lock_rooms(conn, room_keys)?;
    let mine: Vec<String> = member_rooms(conn, room_keys, user)?.into_keys().collect();
    let mut members: HashMap<String, Vec<String>> =
        mine.iter().map(|room| (room.clone(), Vec::new())).collect();
    for chunk in pow2_chunks(&mine, MAX_ROWS) {
        let values: Vec<Value> = chunk.iter().map(Value::from).collect();
        let sql = format!(
            "SELECT room_id, user_id FROM participants WHERE room_id IN ({}) ORDER BY room_id, user_id",
            value_rows(1, 1, chunk.len())
        );
        for row in conn.query(&sql, &values)? {
            if let Some(list) = members.get_mut(&row.text(0)?) {
                list.push(row.text(1)?);
            }
        }
    }
    Ok(members)
}

/// Loads a message the pusher sent, in a room they are still in.
fn own_message(conn: &mut dyn Conn, ctx: &Ctx<'_>, room_id: Uuid) -> Result<Message, ApplyError> {
    let msg = records::get::<Message>(conn, ServerEntity::ChatMessage, &ctx.change.entity_id)?
        .map(|m| m.doc)
        .ok_or_else(|| {
            reject(
                "not_found",
                format!("message {} does not exist", ctx.change.entity_id),
            )
        })?;
    if msg.room_id != room_id {
        return Err(reject(
            "invalid_payload",
            "room_id is not the message's room",
        ));
    }
    load_room(conn, &room_id.to_string(), &ctx.user_key)?;
    if msg.sender_id != ctx.user {
        return Err(reject("forbidden", "only the sender changes a message"));
    }
    Ok(msg)
}

/// Where a message of `sender` lives: in its room, whose members receive its changes.
pub fn message_target<'a>(
    sender: &'a str,
    origin: Uuid,
    id: &'a str,
    room_key: &'a str,
) -> Target<'a> {
    Target {
        kind: ServerEntity::ChatMessage,
        record_id: id,
        entity_id: id,
        owner: Some(sender),
        room: Some(room_key),
        audience: Audience::Room(room_key),
        origin: Some(origin),
    }
}

fn role_of(
    conn: &mut dyn Conn,
    room: &str,
    user: &str,
) -> Result<Option<ParticipantRole>, DbError> {
    conn.query(
        "SELECT role FROM participants WHERE room_id = $1 AND user_id = $2",
        params![room, user],
    )?
    .first()
    .map(|row| {
        let role = row.text(0)?;
        ParticipantRole::parse("role", &role).map_err(|e| DbError::Decode(e.to_string()))
    })
    .transpose()
}

fn member_count(conn: &mut dyn Conn, room: &str) -> Result<i64, DbError> {
    conn.query(
        "SELECT count(*) FROM participants WHERE room_id = $1",
        params![room],
    )?
    .first()
    .map_or(Ok(0), |row| row.int(0))
}

fn participants(conn: &mut dyn Conn, room: &str) -> Result<Vec<Participant>, DbError> {
    conn.query(
        "SELECT user_id, role, last_read_message_id FROM participants WHERE room_id = $1
         ORDER BY joined_at, user_id",
        params![room],
    )?
    .iter()
    .map(|row| {
        let parse = |text: String| {
            Uuid::parse_str(&text).map_err(|e| DbError::Decode(format!("member id: {e}")))
        };
        Ok(Participant {
            user_id: parse(row.text(0)?)?,
            role: ParticipantRole::parse("role", &row.text(1)?)
                .map_err(|e| DbError::Decode(e.to_string()))?,
            last_read_message_id: row.opt_text(2)?.map(parse).transpose()?,
        })
    })
    .collect()
}

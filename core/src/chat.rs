//! Chat: direct and group rooms, messages with a local send state, read markers and unread counts.
//!
//! A message sent on the device is stored at once as a local echo (`pending`) and sorts after
//! every message the server has ordered; the sync engine later gives it the server's order.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::changelog::{self, Entity, Operation};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::notify::{DataArea, DataChange};
use crate::store::{json_col_opt, uuid_col};
use crate::time;
use crate::validate::{self, string_enum};

/// Longest text message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// Local echoes sort at `PENDING_SORT_BASE + change-log sequence`, above any server order.
pub const PENDING_SORT_BASE: i64 = 1 << 53;

/// Most members a group room may have.
pub const MAX_GROUP_MEMBERS: usize = 100;

/// Longest room name, in characters.
pub const MAX_ROOM_NAME_CHARS: usize = 255;

/// Longest room description, in characters.
pub const MAX_ROOM_DESCRIPTION_CHARS: usize = 2000;

/// Longest attachment address, in characters.
pub const MAX_FILE_URL_CHARS: usize = 2000;

/// Largest attachment metadata, in bytes of compact JSON.
pub const MAX_FILE_METADATA_BYTES: usize = 4096;

string_enum! {
    /// One-to-one or group.
    #[cfg_attr(feature = "uniffi", uniffi(name = "ChatRoomType"))]
    pub enum RoomType {
        /// Two people; at most one such room per pair.
        Direct => "DIRECT",
        /// Several people.
        Group => "GROUP",
    }
}

string_enum! {
    /// What a message carries (seed 001 `message_type`).
    #[cfg_attr(feature = "uniffi", uniffi(name = "ChatMessageType"))]
    pub enum MessageType {
        /// Text.
        Text => "TEXT",
        /// An image (file_url and metadata).
        Image => "IMAGE",
        /// A voice note.
        Voice => "VOICE",
        /// Any other file.
        File => "FILE",
        /// A notice from the system.
        System => "SYSTEM",
    }
}

string_enum! {
    /// Where a message is on its way to the server.
    #[cfg_attr(feature = "uniffi", uniffi(name = "ChatSendState"))]
    pub enum SendState {
        /// Stored locally, not yet acknowledged by the server.
        Pending => "pending",
        /// The server has it and has given it its place in the room.
        Sent => "sent",
        /// The server refused it; the user can retry or discard it.
        Failed => "failed",
    }
}

string_enum! {
    /// A member's role in a room.
    #[cfg_attr(feature = "uniffi", uniffi(name = "ChatParticipantRole"))]
    pub enum ParticipantRole {
        /// May manage the room.
        Admin => "ADMIN",
        /// A regular member.
        Member => "MEMBER",
    }
}

/// A chat room the user belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "ChatRoom"))]
pub struct Room {
    /// Room id.
    pub id: Uuid,
    /// Direct or group.
    pub room_type: RoomType,
    /// Name (group rooms).
    pub name: Option<String>,
    /// Description (group rooms).
    pub description: Option<String>,
    /// Who created it.
    pub created_by: Option<Uuid>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// The members.
    pub participants: Vec<Participant>,
}

/// A member of a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "ChatParticipant"))]
pub struct Participant {
    /// The member.
    pub user_id: Uuid,
    /// Their role.
    pub role: ParticipantRole,
    /// The newest message they have read, if known.
    pub last_read_message_id: Option<Uuid>,
}

/// The payload of a pushed `chat_participant` insert or delete (entity id `room_id:user_id`): an
/// admin of a group room adds a member; a member leaves, or an admin removes one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantChange {
    /// The room.
    pub room_id: Uuid,
    /// The member added or removed.
    pub user_id: Uuid,
    /// Role of an added member; `MEMBER` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<ParticipantRole>,
}

/// A chat message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "ChatMessage"))]
pub struct Message {
    /// Message id (made on the sending device).
    pub id: Uuid,
    /// The room.
    pub room_id: Uuid,
    /// Who sent it.
    pub sender_id: Uuid,
    /// Kind of content.
    pub message_type: MessageType,
    /// Text (absent once deleted).
    pub content: Option<String>,
    /// Attachment address.
    pub file_url: Option<String>,
    /// Attachment metadata (size, type, duration …) as JSON.
    pub file_metadata: Option<serde_json::Value>,
    /// The message this one replies to.
    pub reply_to_id: Option<Uuid>,
    /// Whether it was edited.
    pub is_edited: bool,
    /// When it was last edited.
    pub edited_at: Option<DateTime<Utc>>,
    /// Whether it was deleted (a tombstone stays so replies and order keep working).
    pub is_deleted: bool,
    /// When it was deleted.
    pub deleted_at: Option<DateTime<Utc>>,
    /// Pending, sent or failed.
    pub send_state: SendState,
    /// Position in the room's timeline; also the pagination cursor.
    pub sort_key: i64,
    /// When it was written, by the sender's clock.
    pub created_at: DateTime<Utc>,
}

/// An edit of a text message: the `chat_message` update payload the device logs and pushes,
/// which the server reads too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageEdit {
    /// The message's room.
    pub room_id: Uuid,
    /// The new text.
    pub content: String,
    /// When it was edited.
    pub edited_at: DateTime<Utc>,
}

impl MessageEdit {
    /// Checks the new text as a local edit does: 1–[`MAX_MESSAGE_CHARS`] characters, not blank.
    pub fn validate(&self) -> Result<()> {
        check_content(&self.content)
    }
}

/// A message delete: the `chat_message` delete payload (the message becomes a tombstone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageDeletion {
    /// The message's room.
    pub room_id: Uuid,
    /// When it was deleted.
    pub deleted_at: DateTime<Utc>,
}

/// What the user writes when sending a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "NewChatMessage"))]
pub struct NewMessage {
    /// Kind of content (`System` is reserved for the server).
    pub message_type: MessageType,
    /// Text: required for `Text`, optional caption otherwise; 1–4000 characters.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub content: Option<String>,
    /// Attachment address, required for image, voice and file messages.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub file_url: Option<String>,
    /// Attachment metadata as a JSON object.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub file_metadata: Option<serde_json::Value>,
    /// The message this replies to (must be in the same room).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub reply_to_id: Option<Uuid>,
}

impl NewMessage {
    /// Checks the message as sending it locally does: content and attachment rules, no `SYSTEM`.
    pub fn validate(&self) -> Result<()> {
        check_new_message(self)
    }

    /// A plain text message.
    pub fn text(content: impl Into<String>) -> Self {
        NewMessage {
            message_type: MessageType::Text,
            content: Some(content.into()),
            file_url: None,
            file_metadata: None,
            reply_to_id: None,
        }
    }
}

/// A page of a room's messages, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "ChatMessagePage"))]
pub struct MessagePage {
    /// The messages, newest first.
    pub messages: Vec<Message>,
    /// Pass as `before` to get the next, older page; absent at the start of the room.
    pub next_before: Option<i64>,
}

/// How many messages in a room the user has not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "ChatUnreadCount"))]
pub struct UnreadCount {
    /// The room.
    pub room_id: Uuid,
    /// Messages from others after the user's read marker, not counting deleted ones.
    pub unread: i32,
}

pub(crate) const MESSAGE_COLUMNS: &str = "message_id, room_id, sender_id, message_type, content, file_url, file_metadata, \
     reply_to_id, is_edited, edited_at, is_deleted, deleted_at, send_state, sort_key, created_at";

impl Client {
    /// Opens the direct room with `other`, creating it if there is none. `other`'s profile must be
    /// known locally (from sync or [`Client::save_contact`]).
    pub fn create_direct_room(&self, other: Uuid) -> Result<Room> {
        if other == self.user_id {
            return Err(Error::invalid(
                "other",
                "a direct room needs someone other than the user",
            ));
        }
        let me = self.user_id;
        let (a, b) = if me < other { (me, other) } else { (other, me) };
        let direct_key = format!("{a}:{b}");
        let now = self.now();
        self.write_announced(
            |room: &Room| DataChange::in_room(&[DataArea::ChatRooms], room.id),
            |tx| {
                let existing: Option<String> = tx
                    .query_row(
                        "SELECT room_id FROM chat_rooms WHERE direct_key = ?1",
                        [&direct_key],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(id) = existing {
                    return load_room(tx, validate::parse_id("room_id", &id)?);
                }
                require_known_user(tx, other)?;
                let room = new_room(RoomType::Direct, None, None, me, now);
                insert_room(tx, &room, Some(&direct_key), &[other])
            },
        )
    }

    /// Creates a group room named `name` with the user (as admin) and `members`.
    pub fn create_group_room(
        &self,
        name: &str,
        description: Option<&str>,
        members: &[Uuid],
    ) -> Result<Room> {
        check_room_fields(RoomType::Group, Some(name), description)?;
        let mut others: Vec<Uuid> = members
            .iter()
            .copied()
            .filter(|m| *m != self.user_id)
            .collect();
        others.sort();
        others.dedup();
        check_member_count(RoomType::Group, others.len() + 1)?;
        let now = self.now();
        let room = new_room(RoomType::Group, Some(name), description, self.user_id, now);
        self.write_announced(
            |room: &Room| DataChange::in_room(&[DataArea::ChatRooms], room.id),
            |tx| {
                others.iter().try_for_each(|m| require_known_user(tx, *m))?;
                insert_room(tx, &room, None, &others)
            },
        )
    }

    /// The rooms the user belongs to, most recently active first.
    pub fn rooms(&self) -> Result<Vec<Room>> {
        let me = self.user_id.to_string();
        self.store.read(|tx| {
            let ids: Vec<String> = tx
                .prepare_cached(
                    "SELECT r.room_id FROM chat_rooms r
                     JOIN chat_participants p ON p.room_id = r.room_id AND p.user_id = ?1 AND p.is_active = 1
                     ORDER BY coalesce((SELECT max(m.sort_key) FROM chat_messages m WHERE m.room_id = r.room_id), 0) DESC,
                              r.created_at DESC",
                )?
                .query_map([&me], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            ids.iter().map(|id| load_room(tx, validate::parse_id("room_id", id)?)).collect()
        })
    }

    /// One room the user belongs to.
    pub fn room(&self, room_id: Uuid) -> Result<Room> {
        let me = self.user_id;
        self.store.read(|tx| {
            require_member(tx, room_id, me)?;
            load_room(tx, room_id)
        })
    }

    /// Sends a message: stores it as a pending local echo and logs it for the sync engine.
    pub fn send_message(&self, room_id: Uuid, message: &NewMessage) -> Result<Message> {
        check_new_message(message)?;
        let now = self.now();
        let me = self.user_id;
        let mut msg = Message {
            id: Uuid::now_v7(),
            room_id,
            sender_id: me,
            message_type: message.message_type,
            content: message.content.clone(),
            file_url: message.file_url.clone(),
            file_metadata: message.file_metadata.clone(),
            reply_to_id: message.reply_to_id,
            is_edited: false,
            edited_at: None,
            is_deleted: false,
            deleted_at: None,
            send_state: SendState::Pending,
            sort_key: 0,
            created_at: now,
        };
        self.write_announced(
            |_| DataChange::in_room(&[DataArea::ChatMessages], room_id),
            |tx| {
                require_member(tx, room_id, me)?;
                if let Some(reply) = message.reply_to_id {
                    let same_room: Option<String> = tx
                        .prepare_cached("SELECT room_id FROM chat_messages WHERE message_id = ?1")?
                        .query_row([reply.to_string()], |r| r.get(0))
                        .optional()?;
                    if same_room.as_deref() != Some(room_id.to_string().as_str()) {
                        return Err(Error::invalid(
                            "reply_to_id",
                            "is not a message in this room",
                        ));
                    }
                }
                queue_pending(tx, &mut msg, now)?;
                Ok(msg.clone())
            },
        )
    }

    /// Replaces the text of one of the user's own text messages.
    pub fn edit_message(&self, message_id: Uuid, content: &str) -> Result<Message> {
        check_content(content)?;
        let now = self.now();
        let me = self.user_id;
        self.write_announced(
            |m: &Message| DataChange::in_room(&[DataArea::ChatMessages], m.room_id),
            |tx| {
                let msg = own_live_message(tx, message_id, me)?;
                if msg.message_type != MessageType::Text {
                    return Err(Error::invalid(
                        "message_id",
                        "only text messages can be edited",
                    ));
                }
                let edit = MessageEdit {
                    room_id: msg.room_id,
                    content: content.to_owned(),
                    edited_at: now,
                };
                write_edit(tx, &message_id.to_string(), &edit)?;
                changelog::append(
                    tx,
                    Entity::ChatMessage,
                    &message_id.to_string(),
                    Operation::Update,
                    &edit,
                    now,
                )?;
                load_message(tx, message_id)
            },
        )
    }

    /// Deletes one of the user's own messages, leaving a tombstone (no content) in its place.
    pub fn delete_message(&self, message_id: Uuid) -> Result<Message> {
        let now = self.now();
        let me = self.user_id;
        self.write_announced(
            |m: &Message| DataChange::in_room(&[DataArea::ChatMessages], m.room_id),
            |tx| {
                let msg = own_live_message(tx, message_id, me)?;
                let deletion = MessageDeletion {
                    room_id: msg.room_id,
                    deleted_at: now,
                };
                write_tombstone(tx, &message_id.to_string(), &deletion)?;
                changelog::append(
                    tx,
                    Entity::ChatMessage,
                    &message_id.to_string(),
                    Operation::Delete,
                    &deletion,
                    now,
                )?;
                load_message(tx, message_id)
            },
        )
    }

    /// A page of a room's messages, newest first: the `limit` messages before `before`
    /// (a `sort_key`; `None` for the newest).
    pub fn messages(&self, room_id: Uuid, before: Option<i64>, limit: u32) -> Result<MessagePage> {
        if !(1..=200).contains(&limit) {
            return Err(Error::invalid(
                "limit",
                format!("must be 1–200, got {limit}"),
            ));
        }
        let me = self.user_id;
        self.store.read(|tx| {
            require_member(tx, room_id, me)?;
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM chat_messages
                 WHERE room_id = ?1 AND sort_key < ?2 ORDER BY sort_key DESC LIMIT ?3"
            ))?;
            let rows = stmt.query_map(
                params![room_id.to_string(), before.unwrap_or(i64::MAX), limit],
                |row| Ok(message_from_row(row)),
            )?;
            let messages: Vec<Message> = rows.map(|r| r?).collect::<Result<_>>()?;
            let next_before = if messages.len() == limit as usize {
                messages.last().map(|m| m.sort_key)
            } else {
                None
            };
            Ok(MessagePage {
                messages,
                next_before,
            })
        })
    }

    /// Marks the room read up to and including `message_id`. The marker only moves forward:
    /// marking an older message changes nothing. Returns the room's unread count afterwards.
    pub fn mark_read(&self, room_id: Uuid, message_id: Uuid) -> Result<u32> {
        let now = self.now();
        let me = self.user_id;
        self.write_announced(
            |_| DataChange::in_room(&[DataArea::ChatMessages], room_id),
            |tx| {
                require_member(tx, room_id, me)?;
                let msg = load_message(tx, message_id)?;
                if msg.room_id != room_id {
                    return Err(Error::invalid(
                        "message_id",
                        "is not a message in this room",
                    ));
                }
                // A local echo has no server position yet; reading it means reading everything ordered so far.
                let (marker_key, marker_id) = if msg.sort_key >= PENDING_SORT_BASE {
                    let newest: Option<(i64, String)> = tx
                        .prepare_cached(
                            "SELECT sort_key, message_id FROM chat_messages
                         WHERE room_id = ?1 AND sort_key < ?2 ORDER BY sort_key DESC LIMIT 1",
                        )?
                        .query_row(params![room_id.to_string(), PENDING_SORT_BASE], |r| {
                            Ok((r.get(0)?, r.get(1)?))
                        })
                        .optional()?;
                    match newest {
                        Some((key, id)) => (key, validate::parse_id("message_id", &id)?),
                        None => return unread_in(tx, room_id, me),
                    }
                } else {
                    (msg.sort_key, message_id)
                };
                let moved = advance_read_marker(tx, room_id, me, marker_key, marker_id)?;
                if moved > 0 {
                    let payload =
                        serde_json::json!({ "room_id": room_id, "message_id": marker_id });
                    changelog::append(
                        tx,
                        Entity::ReadMarker,
                        &room_id.to_string(),
                        Operation::Update,
                        &payload,
                        now,
                    )?;
                }
                unread_in(tx, room_id, me)
            },
        )
    }

    /// Unread counts for every room the user belongs to, in one query.
    pub fn unread_counts(&self) -> Result<Vec<UnreadCount>> {
        let me = self.user_id.to_string();
        self.store.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT p.room_id,
                        (SELECT count(*) FROM chat_messages m
                         WHERE m.room_id = p.room_id AND m.sort_key > p.last_read_sort_key
                           AND m.sender_id <> p.user_id AND m.is_deleted = 0)
                 FROM chat_participants p WHERE p.user_id = ?1 AND p.is_active = 1
                 ORDER BY p.room_id",
            )?;
            let rows = stmt.query_map([&me], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i32>(1)?))
            })?;
            let mut counts = Vec::new();
            for row in rows {
                let (room, unread) = row?;
                counts.push(UnreadCount {
                    room_id: validate::parse_id("room_id", &room)?,
                    unread,
                });
            }
            Ok(counts)
        })
    }
}

fn new_room(
    kind: RoomType,
    name: Option<&str>,
    description: Option<&str>,
    me: Uuid,
    now: DateTime<Utc>,
) -> Room {
    Room {
        id: Uuid::now_v7(),
        room_type: kind,
        name: name.map(str::to_owned),
        description: description.map(str::to_owned),
        created_by: Some(me),
        created_at: now,
        participants: Vec::new(),
    }
}

/// Writes a new room, its creator (admin) and members, and one change-log entry carrying all of it.
fn insert_room(
    tx: &Transaction<'_>,
    room: &Room,
    direct_key: Option<&str>,
    others: &[Uuid],
) -> Result<Room> {
    let creator = room
        .created_by
        .ok_or_else(|| Error::invalid("created_by", "a new room needs a creator"))?;
    let stamp = time::to_db(room.created_at);
    tx.execute(
        "INSERT INTO chat_rooms (room_id, room_type, name, description, created_by_user_id, direct_key, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![room.id.to_string(), room.room_type, room.name, room.description, creator.to_string(), direct_key, stamp],
    )?;
    let mut add = tx.prepare_cached(
        "INSERT INTO chat_participants (room_id, user_id, role, joined_at) VALUES (?1, ?2, ?3, ?4)",
    )?;
    add.execute(params![
        room.id.to_string(),
        creator.to_string(),
        ParticipantRole::Admin,
        stamp
    ])?;
    for other in others {
        add.execute(params![
            room.id.to_string(),
            other.to_string(),
            ParticipantRole::Member,
            stamp
        ])?;
    }
    let stored = load_room(tx, room.id)?;
    changelog::append(
        tx,
        Entity::ChatRoom,
        &room.id.to_string(),
        Operation::Insert,
        &stored,
        room.created_at,
    )?;
    Ok(stored)
}

/// Checks a room's own fields, the one rule for rooms made on the device and rooms pushed to the
/// server: a group needs a name; a name (of either kind of room) is 1–[`MAX_ROOM_NAME_CHARS`]
/// characters without control or invisible characters; a description is at most
/// [`MAX_ROOM_DESCRIPTION_CHARS`] characters.
pub fn check_room_fields(
    room_type: RoomType,
    name: Option<&str>,
    description: Option<&str>,
) -> Result<()> {
    match name {
        Some(name) => validate::name("name", name, MAX_ROOM_NAME_CHARS)?,
        None if room_type == RoomType::Group => {
            return Err(Error::invalid("name", "a group room needs a name"));
        }
        None => {}
    }
    if let Some(d) = description {
        validate::text_len("description", d, 0, MAX_ROOM_DESCRIPTION_CHARS)?;
    }
    Ok(())
}

/// Checks how many members a room has, the one rule for rooms made on the device and for rooms
/// and members pushed to the server: a direct room has exactly two members, a group 2–
/// [`MAX_GROUP_MEMBERS`] (its creator and at least one other).
pub fn check_member_count(room_type: RoomType, members: usize) -> Result<()> {
    match room_type {
        RoomType::Direct if members != 2 => Err(Error::invalid(
            "members",
            "a direct room has exactly two members",
        )),
        RoomType::Group if members < 2 => Err(Error::invalid(
            "members",
            "a group needs at least one other member",
        )),
        RoomType::Group if members > MAX_GROUP_MEMBERS => Err(Error::invalid(
            "members",
            format!("a group has at most {MAX_GROUP_MEMBERS} members"),
        )),
        RoomType::Direct | RoomType::Group => Ok(()),
    }
}

/// A message's text: 1–[`MAX_MESSAGE_CHARS`] characters, not blank.
fn check_content(content: &str) -> Result<()> {
    validate::non_blank("content", content, MAX_MESSAGE_CHARS)
}

fn check_new_message(m: &NewMessage) -> Result<()> {
    match m.message_type {
        MessageType::System => {
            return Err(Error::invalid(
                "message_type",
                "SYSTEM messages come only from the server",
            ));
        }
        MessageType::Text => check_content(m.content.as_deref().unwrap_or(""))?,
        MessageType::Image | MessageType::Voice | MessageType::File => {
            let url = m.file_url.as_deref().unwrap_or("");
            validate::https_url("file_url", url, MAX_FILE_URL_CHARS)?;
            if let Some(caption) = &m.content {
                check_content(caption)?;
            }
        }
    }
    if m.message_type == MessageType::Text && (m.file_url.is_some() || m.file_metadata.is_some()) {
        return Err(Error::invalid(
            "file_url",
            "a TEXT message carries no attachment",
        ));
    }
    if let Some(meta) = &m.file_metadata {
        validate::json_object_within("file_metadata", meta, MAX_FILE_METADATA_BYTES)?;
    }
    Ok(())
}

fn require_known_user(tx: &Transaction<'_>, user: Uuid) -> Result<()> {
    let known: Option<i64> = tx
        .prepare_cached("SELECT 1 FROM users WHERE user_id = ?1")?
        .query_row([user.to_string()], |r| r.get(0))
        .optional()?;
    known
        .map(|_| ())
        .ok_or_else(|| Error::not_found("user", user))
}

/// Refuses a room that does not exist locally (not found) or that the user is not an active member of.
pub(crate) fn require_member(tx: &Transaction<'_>, room_id: Uuid, user: Uuid) -> Result<()> {
    let room = room_id.to_string();
    // One key lookup on the hot path (every send): a membership row implies its room exists (a
    // foreign key), so the room is looked up only to tell "no such room" from "not a member".
    let active: Option<bool> = tx
        .prepare_cached(
            "SELECT is_active FROM chat_participants WHERE room_id = ?1 AND user_id = ?2",
        )?
        .query_row(params![room, user.to_string()], |r| r.get(0))
        .optional()?;
    if active == Some(true) {
        return Ok(());
    }
    let room_exists = tx
        .prepare_cached("SELECT 1 FROM chat_rooms WHERE room_id = ?1")?
        .exists([&room])?;
    if room_exists {
        Err(Error::invalid(
            "room_id",
            "the user is not a member of this room",
        ))
    } else {
        Err(Error::not_found("chat_room", room_id))
    }
}

fn own_live_message(tx: &Transaction<'_>, message_id: Uuid, me: Uuid) -> Result<Message> {
    let msg = load_message(tx, message_id)?;
    require_member(tx, msg.room_id, me)?;
    if msg.sender_id != me {
        return Err(Error::invalid(
            "message_id",
            "only the sender can change a message",
        ));
    }
    if msg.is_deleted {
        return Err(Error::Conflict(format!(
            "message {message_id} is already deleted"
        )));
    }
    Ok(msg)
}

fn unread_in(tx: &Transaction<'_>, room_id: Uuid, me: Uuid) -> Result<u32> {
    Ok(tx
        .prepare_cached(
            "SELECT count(*) FROM chat_messages m JOIN chat_participants p
               ON p.room_id = m.room_id AND p.user_id = ?2
             WHERE m.room_id = ?1 AND m.sort_key > p.last_read_sort_key AND m.sender_id <> ?2 AND m.is_deleted = 0",
        )?
        .query_row(params![room_id.to_string(), me.to_string()], |r| r.get(0))?)
}

/// Queues `msg` as a pending local echo in its room: it takes the next pending sort key (after
/// everything sent), its row is written and its insert logged for the sync engine.
pub(crate) fn queue_pending(
    tx: &Transaction<'_>,
    msg: &mut Message,
    now: DateTime<Utc>,
) -> Result<()> {
    msg.send_state = SendState::Pending;
    msg.sort_key = PENDING_SORT_BASE + changelog::next_seq(tx)?;
    changelog::append(
        tx,
        Entity::ChatMessage,
        &msg.id.to_string(),
        Operation::Insert,
        &*msg,
        now,
    )?;
    insert_message(tx, msg)
}

/// The statement of [`insert_message`], built once (every send runs it).
static INSERT_MESSAGE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO chat_messages ({MESSAGE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
    )
});

pub(crate) fn insert_message(tx: &Transaction<'_>, m: &Message) -> Result<()> {
    let mut insert = tx.prepare_cached(&INSERT_MESSAGE)?;
    bind_message(&mut insert, 1, m)?;
    insert.raw_execute()?;
    Ok(())
}

/// Parameters per message row: the columns of [`MESSAGE_COLUMNS`].
#[cfg(feature = "client")]
const MESSAGE_WIDTH: usize = 15;

/// Binds the [`MESSAGE_COLUMNS`] of `m`, the first at parameter index `at`.
fn bind_message(s: &mut rusqlite::Statement<'_>, at: usize, m: &Message) -> rusqlite::Result<()> {
    s.raw_bind_parameter(at, m.id.to_string())?;
    s.raw_bind_parameter(at + 1, m.room_id.to_string())?;
    s.raw_bind_parameter(at + 2, m.sender_id.to_string())?;
    s.raw_bind_parameter(at + 3, m.message_type)?;
    s.raw_bind_parameter(at + 4, m.content.as_deref())?;
    s.raw_bind_parameter(at + 5, m.file_url.as_deref())?;
    s.raw_bind_parameter(at + 6, m.file_metadata.as_ref().map(|v| v.to_string()))?;
    s.raw_bind_parameter(at + 7, m.reply_to_id.map(|id| id.to_string()))?;
    s.raw_bind_parameter(at + 8, m.is_edited)?;
    s.raw_bind_parameter(at + 9, m.edited_at.map(time::to_db))?;
    s.raw_bind_parameter(at + 10, m.is_deleted)?;
    s.raw_bind_parameter(at + 11, m.deleted_at.map(time::to_db))?;
    s.raw_bind_parameter(at + 12, m.send_state)?;
    s.raw_bind_parameter(at + 13, m.sort_key)?;
    s.raw_bind_parameter(at + 14, time::to_db(m.created_at))
}

/// Writes an edit onto a live message's row; the one definition of an edit, for the user's own
/// and for re-applying unsent edits after a pull.
pub(crate) fn write_edit(tx: &Transaction<'_>, message_id: &str, edit: &MessageEdit) -> Result<()> {
    tx.prepare_cached(
        "UPDATE chat_messages SET content = ?2, is_edited = 1, edited_at = ?3
         WHERE message_id = ?1 AND is_deleted = 0",
    )?
    .execute(params![
        message_id,
        edit.content,
        time::to_db(edit.edited_at)
    ])?;
    Ok(())
}

/// Turns a message's row into a tombstone (no content), as a delete does.
pub(crate) fn write_tombstone(
    tx: &Transaction<'_>,
    message_id: &str,
    deletion: &MessageDeletion,
) -> Result<()> {
    tx.prepare_cached(
        "UPDATE chat_messages SET content = NULL, file_url = NULL, file_metadata = NULL,
                is_deleted = 1, deleted_at = ?2 WHERE message_id = ?1",
    )?
    .execute(params![message_id, time::to_db(deletion.deleted_at)])?;
    Ok(())
}

/// Stores messages' whole states as the server sent them (insert, or overwrite of the local echo
/// or an older state; never a row of another room or sender), in order, one statement per chunk.
#[cfg(feature = "client")]
pub(crate) fn upsert_messages(tx: &Transaction<'_>, messages: &[&Message]) -> Result<()> {
    let upsert = crate::store::MultiRow {
        head: &format!("INSERT INTO chat_messages ({MESSAGE_COLUMNS})"),
        width: MESSAGE_WIDTH,
        tail: "ON CONFLICT (message_id) DO UPDATE SET message_type = excluded.message_type, content = excluded.content,
                   file_url = excluded.file_url, file_metadata = excluded.file_metadata, reply_to_id = excluded.reply_to_id,
                   is_edited = excluded.is_edited, edited_at = excluded.edited_at, is_deleted = excluded.is_deleted,
                   deleted_at = excluded.deleted_at, send_state = excluded.send_state, sort_key = excluded.sort_key
               WHERE chat_messages.room_id = excluded.room_id AND chat_messages.sender_id = excluded.sender_id",
    };
    upsert.write(tx, messages, |s, at, m| bind_message(s, at, m))?;
    Ok(())
}

/// Sets a message's send state and order key (`pending` at the end of the outbox when the user
/// retries it; a push marks messages sent with [`mark_sent`]).
#[cfg(feature = "client")]
pub(crate) fn set_send_state(
    tx: &Transaction<'_>,
    message_id: &str,
    state: SendState,
    sort_key: i64,
) -> Result<()> {
    tx.prepare_cached(
        "UPDATE chat_messages SET send_state = ?2, sort_key = ?3 WHERE message_id = ?1",
    )?
    .execute(params![message_id, state, sort_key])?;
    Ok(())
}

/// Marks messages `sent` at the server's positions after their push was accepted: `(message id,
/// server position)` pairs in the order the server decided them, one statement per chunk of
/// rows (a push batch marks up to a thousand). A message listed twice ends at its last position,
/// as if each pair were written in turn.
#[cfg(feature = "client")]
pub(crate) fn mark_sent(tx: &Transaction<'_>, sent: &[(&str, i64)]) -> Result<()> {
    const SENT: crate::store::MultiRow<'static> = crate::store::MultiRow {
        head: "UPDATE chat_messages SET send_state = 'sent', sort_key = v.column2 FROM (",
        width: 2,
        tail: ") AS v WHERE chat_messages.message_id = v.column1",
    };
    // One row of the join per message: with two, SQLite would pick either.
    let last: std::collections::HashMap<&str, usize> = sent
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i))
        .collect();
    let rows: Vec<&(&str, i64)> = sent
        .iter()
        .enumerate()
        .filter(|(i, (id, _))| last.get(id) == Some(i))
        .map(|(_, row)| row)
        .collect();
    SENT.write(tx, &rows, |s, at, (id, position)| {
        s.raw_bind_parameter(at, id)?;
        s.raw_bind_parameter(at + 1, position)
    })?;
    Ok(())
}

/// Marks a pending message `failed` (the server refused it; its text stays for a retry).
#[cfg(feature = "client")]
pub(crate) fn mark_failed(tx: &Transaction<'_>, message_id: &str) -> Result<()> {
    tx.prepare_cached(
        "UPDATE chat_messages SET send_state = ?2 WHERE message_id = ?1 AND send_state = ?3",
    )?
    .execute(params![message_id, SendState::Failed, SendState::Pending])?;
    Ok(())
}

/// Deletes a message's row for good (a discarded failed message, or a sent one the server no
/// longer holds after a history reset).
#[cfg(feature = "client")]
pub(crate) fn delete_message(tx: &Transaction<'_>, message_id: &str) -> Result<()> {
    tx.prepare_cached("DELETE FROM chat_messages WHERE message_id = ?1")?
        .execute([message_id])?;
    Ok(())
}

/// Moves `user`'s read marker in `room` to `sort_key`/`message_id` if that is further on (a
/// marker only moves forward); returns how many rows moved (0 or 1).
pub(crate) fn advance_read_marker(
    tx: &Transaction<'_>,
    room: Uuid,
    user: Uuid,
    sort_key: i64,
    message_id: Uuid,
) -> Result<usize> {
    Ok(tx
        .prepare_cached(
            "UPDATE chat_participants SET last_read_sort_key = ?3, last_read_message_id = ?4
             WHERE room_id = ?1 AND user_id = ?2 AND last_read_sort_key < ?3",
        )?
        .execute(params![
            room.to_string(),
            user.to_string(),
            sort_key,
            message_id.to_string()
        ])?)
}

/// Stores a room as the server sent it, with its current members: a new room is inserted, a
/// known one takes the name and description; the listed members are (re)activated with their
/// role, and everyone else in the room is marked inactive. `direct_key` is the pair's key of a
/// direct room.
#[cfg(feature = "client")]
pub(crate) fn store_pulled_room(
    tx: &Transaction<'_>,
    r: &Room,
    direct_key: Option<&str>,
) -> Result<()> {
    let id = r.id.to_string();
    let stamp = time::to_db(r.created_at);
    tx.prepare_cached(
        "INSERT INTO chat_rooms (room_id, room_type, name, description, created_by_user_id, direct_key, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (room_id) DO UPDATE SET name = excluded.name, description = excluded.description",
    )?
    .execute(params![id, r.room_type, r.name, r.description, r.created_by.map(|u| u.to_string()), direct_key, stamp])?;
    for p in &r.participants {
        tx.prepare_cached(
            "INSERT INTO chat_participants (room_id, user_id, role, joined_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (room_id, user_id) DO UPDATE SET role = excluded.role, is_active = 1",
        )?
        .execute(params![id, p.user_id.to_string(), p.role, stamp])?;
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
    .execute(params![id, serde_json::to_string(&members)?])?;
    Ok(())
}

/// Deletes a room with its members and messages (the cascade): the user left it, the server
/// refused it and it holds nothing, or the server no longer holds it.
#[cfg(feature = "client")]
pub(crate) fn delete_room(tx: &Transaction<'_>, room_id: &str) -> Result<()> {
    tx.prepare_cached("DELETE FROM chat_rooms WHERE room_id = ?1")?
        .execute([room_id])?;
    Ok(())
}

pub(crate) fn load_message(tx: &Transaction<'_>, id: Uuid) -> Result<Message> {
    tx.prepare_cached(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM chat_messages WHERE message_id = ?1"
    ))?
    .query_row([id.to_string()], |row| Ok(message_from_row(row)))
    .optional()?
    .ok_or_else(|| Error::not_found("chat_message", id))?
}

pub(crate) fn load_room(tx: &Transaction<'_>, room_id: Uuid) -> Result<Room> {
    let mut room = tx
        .prepare_cached(
            "SELECT room_type, name, description, created_by_user_id, created_at FROM chat_rooms WHERE room_id = ?1",
        )?
        .query_row([room_id.to_string()], |r| Ok(room_from_row(r, room_id)))
        .optional()?
        .ok_or_else(|| Error::not_found("chat_room", room_id))??;
    let mut stmt = tx.prepare_cached(
        "SELECT user_id, role, last_read_message_id FROM chat_participants
         WHERE room_id = ?1 AND is_active = 1 ORDER BY joined_at, user_id",
    )?;
    let rows = stmt.query_map([room_id.to_string()], |r| Ok(participant_from_row(r)))?;
    room.participants = rows.map(|r| r?).collect::<Result<_>>()?;
    Ok(room)
}

fn room_from_row(row: &Row<'_>, room_id: Uuid) -> Result<Room> {
    let created_by: Option<String> = row.get(3)?;
    let created_at: String = row.get(4)?;
    Ok(Room {
        id: room_id,
        room_type: row.get(0)?,
        name: row.get(1)?,
        description: row.get(2)?,
        created_by: created_by
            .as_deref()
            .map(|id| validate::parse_id("created_by", id))
            .transpose()?,
        created_at: time::from_db(&created_at)?,
        participants: Vec::new(),
    })
}

fn participant_from_row(row: &Row<'_>) -> Result<Participant> {
    let last_read: Option<String> = row.get(2)?;
    Ok(Participant {
        user_id: uuid_col(row, 0)?,
        role: row.get(1)?,
        last_read_message_id: last_read
            .as_deref()
            .map(|id| validate::parse_id("last_read_message_id", id))
            .transpose()?,
    })
}

pub(crate) fn message_from_row(row: &Row<'_>) -> Result<Message> {
    let reply: Option<String> = row.get(7)?;
    let edited: Option<String> = row.get(9)?;
    let deleted: Option<String> = row.get(11)?;
    let created: String = row.get(14)?;
    Ok(Message {
        id: uuid_col(row, 0)?,
        room_id: uuid_col(row, 1)?,
        sender_id: uuid_col(row, 2)?,
        message_type: row.get(3)?,
        content: row.get(4)?,
        file_url: row.get(5)?,
        file_metadata: json_col_opt(row, 6)?,
        reply_to_id: reply
            .as_deref()
            .map(|id| validate::parse_id("reply_to_id", id))
            .transpose()?,
        is_edited: row.get(8)?,
        edited_at: edited.as_deref().map(time::from_db).transpose()?,
        is_deleted: row.get(10)?,
        deleted_at: deleted.as_deref().map(time::from_db).transpose()?,
        send_state: row.get(12)?,
        sort_key: row.get(13)?,
        created_at: time::from_db(&created)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused_members(room_type: RoomType, members: usize) -> bool {
        matches!(
            check_member_count(room_type, members),
            Err(Error::InvalidInput { field, .. }) if field == "members"
        )
    }

    #[test]
    fn a_direct_room_has_two_members_and_a_group_two_to_the_maximum() {
        assert!(check_member_count(RoomType::Direct, 2).is_ok());
        assert!(refused_members(RoomType::Direct, 1));
        assert!(refused_members(RoomType::Direct, 3));
        assert!(check_member_count(RoomType::Group, 2).is_ok());
        assert!(check_member_count(RoomType::Group, MAX_GROUP_MEMBERS).is_ok());
        assert!(refused_members(RoomType::Group, 1));
        assert!(refused_members(RoomType::Group, MAX_GROUP_MEMBERS + 1));
        assert!(refused_members(RoomType::Group, usize::MAX));
    }

    #[cfg(feature = "client")]
    #[test]
    fn more_sent_messages_than_one_chunk_are_each_marked_at_their_position_the_last_winning() {
        let client = Client::open_in_memory(crate::OpenOptions::default()).expect("open");
        let mut friend = client.profile().expect("own profile");
        friend.user_id = Uuid::now_v7();
        friend.username = None;
        client.save_contact(&friend).expect("contact");
        let room = client.create_direct_room(friend.user_id).expect("room");
        let sent: Vec<Message> = (0..150)
            .map(|i| {
                client
                    .send_message(room.id, &NewMessage::text(format!("m{i}")))
                    .expect("send")
            })
            .collect();
        let ids: Vec<String> = sent.iter().map(|m| m.id.to_string()).collect();
        // All but the last are marked, at positions 10, 20, …; the first is listed again later
        // (a retried push answered anew): its later position stands.
        let mut marks: Vec<(&str, i64)> = ids[..149]
            .iter()
            .zip(1..)
            .map(|(id, n)| (id.as_str(), n * 10))
            .collect();
        marks.push((ids[0].as_str(), 5_000));
        client
            .store
            .write(|tx| mark_sent(tx, &marks))
            .expect("mark sent");

        let page = client.messages(room.id, None, 200).expect("messages");
        assert_eq!(page.messages.len(), 150);
        for m in &page.messages {
            let at = ids
                .iter()
                .position(|id| *id == m.id.to_string())
                .expect("known");
            match at {
                0 => assert_eq!((m.send_state, m.sort_key), (SendState::Sent, 5_000)),
                149 => assert_eq!(m.send_state, SendState::Pending, "not listed, not marked"),
                n => {
                    let n = i64::try_from(n).expect("small");
                    assert_eq!((m.send_state, m.sort_key), (SendState::Sent, (n + 1) * 10));
                }
            }
        }
    }
}

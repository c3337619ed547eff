//! Chat calls: direct and group rooms, sending, editing and deleting messages, message pages,
//! read markers and unread counts. Messages are written locally first (`SendState::Pending`);
//! the sync engine delivers them.

use studymate_core::chat::{
    Message, MessagePage, MessageType, NewMessage, Participant, ParticipantRole, Room, RoomType,
    SendState, UnreadCount,
};
use uuid::Uuid;

use crate::client::Client;
use crate::error::Result;
use crate::observer::{DataArea, DataChange};
use crate::types::{Json, Timestamp};

#[uniffi::remote(Enum)]
pub enum RoomType {
    Direct,
    Group,
}

#[uniffi::remote(Enum)]
pub enum MessageType {
    Text,
    Image,
    Voice,
    File,
    System,
}

#[uniffi::remote(Enum)]
pub enum SendState {
    Pending,
    Sent,
    Failed,
}

#[uniffi::remote(Enum)]
pub enum ParticipantRole {
    Admin,
    Member,
}

/// A chat room the user belongs to.
#[uniffi::remote(Record)]
pub struct Room {
    /// Its id.
    pub id: Uuid,
    /// Direct or group.
    pub room_type: RoomType,
    /// Group name.
    pub name: Option<String>,
    /// Group description.
    pub description: Option<String>,
    /// Who created it.
    pub created_by: Option<Uuid>,
    /// When.
    pub created_at: Timestamp,
    /// Its members.
    pub participants: Vec<Participant>,
}

/// A room member.
#[uniffi::remote(Record)]
pub struct Participant {
    /// The member.
    pub user_id: Uuid,
    /// Admin or member.
    pub role: ParticipantRole,
    /// The last message they read.
    pub last_read_message_id: Option<Uuid>,
}

/// A chat message (deleted ones are tombstones without content).
#[uniffi::remote(Record)]
pub struct Message {
    /// Its id.
    pub id: Uuid,
    /// The room.
    pub room_id: Uuid,
    /// The sender.
    pub sender_id: Uuid,
    /// What it carries.
    pub message_type: MessageType,
    /// Text.
    pub content: Option<String>,
    /// Attachment address.
    pub file_url: Option<String>,
    /// Attachment details, a JSON object.
    pub file_metadata: Option<Json>,
    /// The message it answers.
    pub reply_to_id: Option<Uuid>,
    /// Whether it was edited.
    pub is_edited: bool,
    /// When it was last edited.
    pub edited_at: Option<Timestamp>,
    /// Whether it was deleted.
    pub is_deleted: bool,
    /// When it was deleted.
    pub deleted_at: Option<Timestamp>,
    /// Delivery state.
    pub send_state: SendState,
    /// Position in the room; pass to `messages(before:)` for older pages.
    pub sort_key: i64,
    /// When it was written.
    pub created_at: Timestamp,
}

/// A message to send.
#[uniffi::remote(Record)]
pub struct NewMessage {
    /// What it carries.
    pub message_type: MessageType,
    /// Text (required for text messages).
    #[uniffi(default = None)]
    pub content: Option<String>,
    /// Attachment address.
    #[uniffi(default = None)]
    pub file_url: Option<String>,
    /// Attachment details, a JSON object.
    #[uniffi(default = None)]
    pub file_metadata: Option<Json>,
    /// The message it answers.
    #[uniffi(default = None)]
    pub reply_to_id: Option<Uuid>,
}

/// A page of messages, newest first.
#[uniffi::remote(Record)]
pub struct MessagePage {
    /// The messages.
    pub messages: Vec<Message>,
    /// Pass as `before` for the next (older) page; `null`/`nil` at the start of the room.
    pub next_before: Option<i64>,
}

/// Unread messages in one room.
#[uniffi::remote(Record)]
pub struct UnreadCount {
    /// The room.
    pub room_id: Uuid,
    /// Messages from others after the read marker.
    pub unread: u32,
}

#[uniffi::export]
impl Client {
    /// Opens the direct room with `other`, creating it if needed; `other`'s profile must be
    /// known locally (sync or `save_contact`).
    pub fn create_direct_room(&self, other: Uuid) -> Result<Room> {
        self.write(
            |core| core.create_direct_room(other),
            |room| DataChange::in_room(&[DataArea::ChatRooms], room.id),
        )
    }

    /// Creates a group room with the user as admin and `members`.
    pub fn create_group_room(
        &self,
        name: String,
        description: Option<String>,
        members: Vec<Uuid>,
    ) -> Result<Room> {
        self.write(
            |core| core.create_group_room(&name, description.as_deref(), &members),
            |room| DataChange::in_room(&[DataArea::ChatRooms], room.id),
        )
    }

    /// The user's rooms.
    pub fn rooms(&self) -> Result<Vec<Room>> {
        Ok(self.core()?.rooms()?)
    }

    /// One room.
    pub fn room(&self, room_id: Uuid) -> Result<Room> {
        Ok(self.core()?.room(room_id)?)
    }

    /// Sends a message (stored now, delivered by sync).
    pub fn send_message(&self, room_id: Uuid, message: NewMessage) -> Result<Message> {
        self.write(
            |core| core.send_message(room_id, &message),
            |_| DataChange::in_room(&[DataArea::ChatMessages], room_id),
        )
    }

    /// Edits the text of one of the user's messages.
    pub fn edit_message(&self, message_id: Uuid, content: String) -> Result<Message> {
        self.write(
            |core| core.edit_message(message_id, &content),
            |edited| DataChange::in_room(&[DataArea::ChatMessages], edited.room_id),
        )
    }

    /// Deletes one of the user's messages (it stays as a tombstone).
    pub fn delete_message(&self, message_id: Uuid) -> Result<Message> {
        self.write(
            |core| core.delete_message(message_id),
            |deleted| DataChange::in_room(&[DataArea::ChatMessages], deleted.room_id),
        )
    }

    /// A page of a room's messages, newest first: `limit` (1–200) before `before`.
    pub fn messages(&self, room_id: Uuid, before: Option<i64>, limit: u32) -> Result<MessagePage> {
        Ok(self.core()?.messages(room_id, before, limit)?)
    }

    /// Marks the room read up to `message_id`; returns its unread count afterwards.
    pub fn mark_read(&self, room_id: Uuid, message_id: Uuid) -> Result<u32> {
        self.write(
            |core| core.mark_read(room_id, message_id),
            |_| DataChange::in_room(&[DataArea::ChatMessages], room_id),
        )
    }

    /// Unread counts of the user's rooms.
    pub fn unread_counts(&self) -> Result<Vec<UnreadCount>> {
        Ok(self.core()?.unread_counts()?)
    }
}

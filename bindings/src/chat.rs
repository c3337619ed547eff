//! Chat calls: direct and group rooms, sending, editing and deleting messages, message pages,
//! read markers and unread counts. Messages are written on the device first (`PENDING`); the
//! sync engine delivers them.

use studymate_core::chat::{Message, MessagePage, NewMessage, Room, UnreadCount};
use uuid::Uuid;

use crate::Result;
use crate::client::{StudyMateClient, count};

#[uniffi::export]
impl StudyMateClient {
    /// Opens the direct room with `other`, creating it if needed; `other`'s profile must be
    /// known on this device (from sync or `saveContact`).
    pub async fn create_direct_room(&self, other: Uuid) -> Result<Room> {
        self.background("room", move |core| core.create_direct_room(other))
            .await
    }

    /// Creates a group room with the user as admin and `members`.
    pub async fn create_group_room(
        &self,
        name: String,
        description: Option<String>,
        members: Vec<Uuid>,
    ) -> Result<Room> {
        self.background("room", move |core| {
            core.create_group_room(&name, description.as_deref(), &members)
        })
        .await
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
    pub async fn send_message(&self, room_id: Uuid, message: NewMessage) -> Result<Message> {
        self.background("send", move |core| core.send_message(room_id, &message))
            .await
    }

    /// Edits the text of one of the user's messages.
    pub async fn edit_message(&self, message_id: Uuid, content: String) -> Result<Message> {
        self.background("edit", move |core| core.edit_message(message_id, &content))
            .await
    }

    /// Deletes one of the user's messages (it stays as a tombstone).
    pub async fn delete_message(&self, message_id: Uuid) -> Result<Message> {
        self.background("delete", move |core| core.delete_message(message_id))
            .await
    }

    /// A page of a room's messages, newest first: `limit` (1–200) before `before`.
    pub fn messages(&self, room_id: Uuid, before: Option<i64>, limit: i32) -> Result<MessagePage> {
        Ok(self
            .core()?
            .messages(room_id, before, count("limit", limit)?)?)
    }

    /// Marks the room read up to `messageId`; returns its unread count afterwards.
    pub async fn mark_read(&self, room_id: Uuid, message_id: Uuid) -> Result<i64> {
        self.background("read", move |core| core.mark_read(room_id, message_id))
            .await
            .map(i64::from)
    }

    /// Unread counts of the user's rooms.
    pub fn unread_counts(&self) -> Result<Vec<UnreadCount>> {
        Ok(self.core()?.unread_counts()?)
    }
}

//! `chat watch`: a room's newest messages, then each incoming one as it arrives. Live sync
//! keeps the server's live channel open; every run that changes the room wakes this thread,
//! which prints the messages newer than the last one shown (JSON lines with `--json`).

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{Sender, channel};

use serde_json::json;
use studymate_core::Client;
use studymate_core::chat::Message;
use studymate_core::sync::{LiveConfig, LiveListener, LiveSync, SyncConfig, SyncReport};
use uuid::Uuid;

use crate::chat::{name_of, room_error};
use crate::error::{AppError, AppResult};
use crate::{device, out, render, sync};

/// How many earlier messages are shown first.
const BACKLOG: u32 = 20;

/// Wakes the watching thread when a run changed the room.
struct RoomChanged {
    room: Uuid,
    wake: Sender<()>,
}

impl LiveListener for RoomChanged {
    fn synced(&self, report: &SyncReport) {
        if report.changed.rooms.contains(&self.room) {
            let _ = self.wake.send(());
        }
    }

    fn failed(&self, error: &studymate_core::Error) {
        eprintln!("  live sync: {error} (retrying)");
    }
}

/// Shows `room` and its incoming messages until Ctrl-C, or until `count` have arrived.
pub fn watch(data_dir: &Path, room: Uuid, count: Option<u32>, json: bool) -> AppResult<()> {
    let account = crate::run::signed_in_account(data_dir)?;
    let client = Arc::new(device::open(data_dir, Some(account.tokens.user_id))?);
    let backlog = client
        .messages(room, None, BACKLOG)
        .map_err(room_error(room, "--room"))?
        .messages;
    let mut shown: HashSet<Uuid> = HashSet::new();
    for message in backlog.iter().rev() {
        show(&client, message, json)?;
        shown.insert(message.id);
    }
    let (wake, woken) = channel();
    let mut config = LiveConfig::new(SyncConfig::new(
        account.server.clone(),
        sync::session(&client, data_dir, &account)?,
    ));
    config.listener = Arc::new(RoomChanged { room, wake });
    let _live = LiveSync::start(Arc::clone(&client), config)?;
    let mut arrived = 0u32;
    while count.is_none_or(|n| arrived < n) {
        woken
            .recv()
            .map_err(|_| AppError::new("failed", "live sync stopped; run `sync` to see why"))?;
        let page = client.messages(room, None, BACKLOG)?.messages;
        for message in page.iter().rev() {
            if shown.insert(message.id) {
                show(&client, message, json)?;
                if message.sender_id != client.user_id() {
                    arrived = arrived.saturating_add(1);
                }
            }
        }
    }
    Ok(())
}

/// Prints one message (a JSON line with `--json`).
fn show(client: &Client, message: &Message, json: bool) -> AppResult<()> {
    if json {
        out::json_line(&json!(message))
    } else {
        out::text(&render::message(
            message,
            &name_of(client, message.sender_id),
        ))
    }
}

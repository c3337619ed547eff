//! The `chat …` subcommands and the names chat shows: each sender and each direct room is shown
//! by the person's display name (the one `chat start --name` saved until sync brings their
//! profile), never by an id prefix, and always escaped (it is someone else's text).

use std::path::Path;

use serde_json::{Value, json};
use studymate_core::chat::{NewMessage, Room};
use studymate_core::profile::Profile;
use studymate_core::{Client, Error};
use uuid::Uuid;

use crate::cli::ChatCommand;
use crate::error::{AppError, AppResult};
use crate::{out, render, safe};

/// The display name of `user_id` as this device knows it: "you" for the user, the saved or
/// synced profile's name for others, else "unknown user" and the full id.
pub fn name_of(client: &Client, user_id: Uuid) -> String {
    if user_id == client.user_id() {
        return "you".to_owned();
    }
    match client.user_profile(user_id) {
        Ok(profile) => safe::line(&profile.display_name),
        Err(_) => format!("unknown user {user_id}"),
    }
}

/// A room's label: its name, or for a direct room the other person's name.
pub fn room_label(client: &Client, room: &Room) -> String {
    if let Some(name) = &room.name {
        return safe::line(name);
    }
    let others: Vec<String> = room
        .participants
        .iter()
        .filter(|p| p.user_id != client.user_id())
        .map(|p| name_of(client, p.user_id))
        .collect();
    if others.is_empty() {
        "just you".to_owned()
    } else {
        format!("with {}", others.join(", "))
    }
}

/// Runs one `chat` subcommand.
pub fn run(client: &Client, data_dir: &Path, command: ChatCommand, json: bool) -> AppResult<()> {
    match command {
        ChatCommand::Watch { room, count } => {
            crate::live::watch(data_dir, parse_room(&room)?, count, json)
        }
        ChatCommand::Rooms => {
            let rooms = client.rooms()?;
            let unread = client.unread_counts()?;
            let count = |id: Uuid| {
                unread
                    .iter()
                    .find(|u| u.room_id == id)
                    .map_or(0, |u| u.unread)
            };
            let value: Vec<Value> = rooms
                .iter()
                .map(|r| json!({ "room": r, "unread": count(r.id) }))
                .collect();
            out::either(json, &json!(value), || {
                if rooms.is_empty() {
                    return "  No rooms yet: start one with `chat start --user-id … --name …`.\n"
                        .to_owned();
                }
                rooms
                    .iter()
                    .map(|r| render::room(r, &room_label(client, r), count(r.id)))
                    .collect()
            })
        }
        ChatCommand::Start { user_id, name } => {
            let other = parse_id("--user-id", &user_id, "their `profile` shows it")?;
            if other == client.user_id() {
                return Err(AppError::new(
                    "invalid_input",
                    "--user-id is this device's own user; give the other person's id (their \
                     `profile` shows it)",
                ));
            }
            if client.user_profile(other).is_err() {
                client
                    .save_contact(&contact(other, &name))
                    .map_err(AppError::at_option("--name"))?;
            }
            let room = client.create_direct_room(other)?;
            out::either(json, &json!(room), || {
                format!("  room {} {}\n", room.id, room_label(client, &room))
            })
        }
        ChatCommand::Send { room, text } => {
            let room = parse_room(&room)?;
            let message = client
                .send_message(room, &NewMessage::text(text))
                .map_err(room_error(room, "the text"))?;
            out::either(json, &json!(message), || {
                render::message(&message, &name_of(client, message.sender_id))
            })
        }
        ChatCommand::List { room, limit } => {
            let room = parse_room(&room)?;
            let page = client
                .messages(room, None, limit)
                .map_err(room_error(room, "--limit"))?;
            out::either(json, &json!(page), || {
                if page.messages.is_empty() {
                    return "  No messages yet: send one with `chat send --room … TEXT`.\n"
                        .to_owned();
                }
                page.messages
                    .iter()
                    .rev()
                    .map(|m| render::message(m, &name_of(client, m.sender_id)))
                    .collect()
            })
        }
        ChatCommand::Read { room } => {
            let room = parse_room(&room)?;
            let newest = client
                .messages(room, None, 1)
                .map_err(room_error(room, "--room"))?
                .messages
                .into_iter()
                .next();
            let unread = match newest {
                Some(m) => client.mark_read(room, m.id)?,
                None => 0,
            };
            out::either(json, &json!({ "room_id": room, "unread": unread }), || {
                format!("  unread {unread}\n")
            })
        }
    }
}

/// Parses an id given on the command line, saying where to find a right one.
fn parse_id(option: &str, text: &str, where_to_look: &str) -> AppResult<Uuid> {
    Uuid::parse_str(text.trim()).map_err(|_| {
        AppError::new(
            "invalid_input",
            format!(
                "{option} {:?} is not an id (a UUID); {where_to_look}",
                safe::line(text)
            ),
        )
    })
}

fn parse_room(text: &str) -> AppResult<Uuid> {
    parse_id("--room", text, "`chat rooms` lists them")
}

/// A room that does not exist is named with where to find the ids; a bad value names `option`.
pub fn room_error(room: Uuid, option: &'static str) -> impl FnOnce(Error) -> AppError {
    move |err| match err {
        Error::NotFound { .. } => AppError::new(
            "not_found",
            format!("--room {room} is not one of this device's rooms; `chat rooms` lists them"),
        ),
        other => AppError::at_option(option)(other),
    }
}

/// A minimal public profile for someone met outside the app, until sync brings the real one.
fn contact(user_id: Uuid, name: &str) -> Profile {
    Profile::new(user_id, name, chrono::Utc::now())
}

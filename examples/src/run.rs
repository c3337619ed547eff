//! Runs one command: opens the device, performs the action, prints text or JSON.

use std::path::Path;

use serde_json::{Value, json};
use studymate_core::catalog::{Situation, SituationFilter};
use studymate_core::chat::NewMessage;
use studymate_core::practice::{AnswerInput, Completion, PracticeSession};
use studymate_core::profile::{Level, Profile, ProfilePatch};
use studymate_core::{Client, Error};
use uuid::Uuid;

use crate::account::Account;
use crate::cli::{ChatCommand, Cli, Command, PracticeArgs};
use crate::sync::Patience;
use crate::{device, interactive, render, sync};

/// Everything that can fail in a command.
pub type AppResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Performs the command the user asked for.
pub fn run(cli: Cli) -> AppResult<()> {
    let json = cli.json;
    let data_dir = cli.data_dir.as_path();
    if let Some(Command::Login(args)) = &cli.command {
        let account = sync::login(&args.server, &args.username, &args.password)?;
        let client = device::open(data_dir, Some(account.tokens.user_id))?;
        account.save(data_dir)?;
        return signed_in(&client, data_dir, &account, json);
    }
    let client = device::open(data_dir, None)?;
    match cli.command.unwrap_or(Command::Interactive) {
        Command::Interactive => interactive::run(&client, data_dir),
        Command::Signup(args) => {
            let account = sync::signup(&client, &args.server, &args.username, &args.password)?;
            account.save(data_dir)?;
            signed_in(&client, data_dir, &account, json)
        }
        Command::Login(_) => Err("login is handled before the device opens".into()),
        Command::Sync => {
            let account = Account::load(data_dir)?
                .ok_or("this device is offline: run `signup` or `login` first")?;
            let outcome = sync::sync(&client, data_dir, &account, !json, Patience::Asked)?;
            output(json, &outcome.to_json(), || outcome.to_text())
        }
        Command::Situations {
            category,
            difficulty,
        } => {
            let difficulty = difficulty
                .map(|d| Level::parse("difficulty", &d))
                .transpose()?;
            let list = client.situations(&SituationFilter {
                category,
                difficulty,
                ..Default::default()
            })?;
            output(json, &json!(list), || {
                list.iter()
                    .map(|s| {
                        format!(
                            "  {:<34} [{} · {}] {}\n",
                            s.name, s.category, s.difficulty, s.initial_prompt
                        )
                    })
                    .collect()
            })
        }
        Command::Next { limit } => {
            let items = client.next_up(limit)?;
            let value: Vec<Value> = items
                .iter()
                .map(|i| json!({ "situation": i.situation, "recommendation": i.recommendation }))
                .collect();
            output(json, &json!(value), || render::next_up(&items))
        }
        Command::Practice(args) => practice(&client, &args, json),
        Command::Progress => {
            let progress = client.progress()?;
            let history = client.practice_history(None, 30)?;
            let achievements: Vec<Value> = progress
                .achievements
                .iter()
                .map(|a| {
                    json!({ "name": a.achievement.name, "title": a.achievement.title, "current": a.current,
                            "target": a.target, "unlocked_at": a.unlocked_at })
                })
                .collect();
            let value = json!({
                "balance": progress.balance, "level": progress.level, "streak": progress.streak,
                "achievements": achievements,
                "scores": history.iter().rev().filter_map(|s| s.scores.map(|sc| json!({"day": s.local_day, "overall": sc.overall}))).collect::<Vec<_>>(),
            });
            output(json, &value, || render::progress(&progress, &history))
        }
        Command::Profile { name, time_zone } => {
            let profile = if name.is_some() || time_zone.is_some() {
                client.update_profile(&ProfilePatch {
                    display_name: name,
                    time_zone,
                    ..Default::default()
                })?
            } else {
                client.profile()?
            };
            output(json, &json!(profile), || {
                format!(
                    "  {} (user id {})\n  time zone {}\n",
                    profile.display_name, profile.user_id, profile.time_zone
                )
            })
        }
        Command::Chat(command) => chat(&client, command, json),
    }
}

/// Reports a fresh sign-in and runs the first sync.
fn signed_in(client: &Client, data_dir: &Path, account: &Account, json: bool) -> AppResult<()> {
    let outcome = sync::sync(client, data_dir, account, !json, Patience::Asked)?;
    let value =
        json!({ "user_id": client.user_id(), "server": account.server, "sync": outcome.to_json() });
    output(json, &value, || {
        format!(
            "  signed in as {} (user id {}) on {}\n{}",
            account.username,
            client.user_id(),
            account.server,
            outcome.to_text()
        )
    })
}

/// Prints `value` as JSON, or the text `text` makes.
fn output(json: bool, value: &Value, text: impl FnOnce() -> String) -> AppResult<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        print!("{}", text());
    }
    Ok(())
}

/// Finds a situation by name or id, or takes the top recommendation.
pub fn pick_situation(client: &Client, wanted: Option<&str>) -> AppResult<Situation> {
    let Some(wanted) = wanted else {
        let top = client.next_up(1)?;
        return top
            .into_iter()
            .next()
            .map(|i| i.situation)
            .ok_or_else(|| "the catalog is empty".into());
    };
    if let Ok(id) = Uuid::parse_str(wanted) {
        return Ok(client.situation(id)?);
    }
    client
        .situations(&SituationFilter::default())?
        .into_iter()
        .find(|s| s.name == wanted)
        .ok_or_else(|| format!("no situation named {wanted:?} (see `situations`)").into())
}

/// Abandons a session left open by an interrupted run, so a new one can start.
pub fn close_leftover(client: &Client) -> AppResult<Option<PracticeSession>> {
    match client.current_practice()? {
        Some(open) => Ok(Some(client.abandon_practice(open.id)?)),
        None => Ok(None),
    }
}

fn practice(client: &Client, args: &PracticeArgs, json: bool) -> AppResult<()> {
    close_leftover(client)?;
    let situation = pick_situation(client, args.situation.as_deref())?;
    let variation = args.variation.as_deref().map(Uuid::parse_str).transpose()?;
    let session = client.start_practice(situation.id, variation)?;
    let mut hints = Vec::new();
    for _ in 0..args.hints {
        hints.push(client.use_hint(session.id)?);
    }
    let input = AnswerInput {
        text: args.answer.clone(),
        spoken: None,
        response_time_ms: args.seconds.saturating_mul(1000),
    };
    let score = match client.answer(session.id, &input) {
        Ok(score) => score,
        Err(err) => {
            client.abandon_practice(session.id)?;
            return Err(err.into());
        }
    };
    let done = client.complete_practice(session.id)?;
    let value = json!({
        "situation": situation.name,
        "character_line": session.turns.first().map(|t| t.text.clone()),
        "hints": hints,
        "score": score,
        "completion": completion_json(&done),
    });
    output(json, &value, || {
        let mut text = format!(
            "{}\n  {}\n",
            situation.initial_prompt,
            session.turns.first().map(|t| t.text.as_str()).unwrap_or("")
        );
        for hint in &hints {
            text.push_str(&format!("  hint {}: {}\n", hint.level, hint.text));
        }
        text.push_str(&render::score(&args.answer, &score));
        text.push_str(&render::completion(&done));
        text
    })
}

/// A completion as JSON.
pub fn completion_json(done: &Completion) -> Value {
    json!({
        "session_id": done.session.id,
        "scores": done.session.scores,
        "local_day": done.session.local_day,
        "awards": done.awards,
        "balance": done.balance,
        "level": done.level,
        "level_ups": done.level_ups,
        "streak": done.streak,
        "unlocked": done.unlocked.iter().map(|u| json!({"achievement_id": u.achievement_id, "title": u.title, "points_reward": u.points_reward})).collect::<Vec<_>>(),
    })
}

fn chat(client: &Client, command: ChatCommand, json: bool) -> AppResult<()> {
    let room_id = |text: &str| Uuid::parse_str(text).map_err(|e| Error::invalid("room", e));
    match command {
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
            output(json, &json!(value), || {
                rooms.iter().map(|r| render::room(r, count(r.id))).collect()
            })
        }
        ChatCommand::Start { user_id, name } => {
            let other = Uuid::parse_str(&user_id).map_err(|e| Error::invalid("user_id", e))?;
            if client.user_profile(other).is_err() {
                client.save_contact(&contact(other, &name))?;
            }
            let room = client.create_direct_room(other)?;
            output(json, &json!(room), || format!("  room {}\n", room.id))
        }
        ChatCommand::Send { room, text } => {
            let message = client.send_message(room_id(&room)?, &NewMessage::text(text))?;
            output(json, &json!(message), || render::message(&message))
        }
        ChatCommand::List { room, limit } => {
            let page = client.messages(room_id(&room)?, None, limit)?;
            output(json, &json!(page), || {
                page.messages.iter().rev().map(render::message).collect()
            })
        }
        ChatCommand::Read { room } => {
            let room = room_id(&room)?;
            let newest = client.messages(room, None, 1)?.messages.into_iter().next();
            let unread = match newest {
                Some(m) => client.mark_read(room, m.id)?,
                None => 0,
            };
            output(json, &json!({ "room_id": room, "unread": unread }), || {
                format!("  unread {unread}\n")
            })
        }
    }
}

/// A minimal public profile for someone met outside the app, until sync brings the real one.
fn contact(user_id: Uuid, name: &str) -> Profile {
    Profile {
        user_id,
        username: None,
        display_name: name.to_owned(),
        korean_name: None,
        profile_image_url: None,
        intro: None,
        city: None,
        district: None,
        language_level: Level::Beginner,
        target_fluency_level: None,
        learning_goals: Vec::new(),
        preferences: json!({}),
        preferred_session_minutes: 30,
        time_zone: "UTC".to_owned(),
        updated_at: chrono::Utc::now(),
    }
}

//! The interactive app: menus and prompts in the terminal for practising, progress and chat.
//! Ctrl-C at any prompt ends the app through an `interrupted` error (main restores the cursor);
//! a round with a scored answer is completed on the way out, so no scored answer is lost.

use std::path::Path;

use console::style;
use dialoguer::{Input, Select};
use studymate_core::catalog::SituationFilter;
use studymate_core::chat::NewMessage;
use studymate_core::practice::{AnswerInput, PracticeSession};
use studymate_core::{Client, Error};

use crate::account::Account;
use crate::error::{AppError, AppResult};
use crate::run::{Leftover, finish_leftover, finish_round, pick_situation};
use crate::sync::{self, Patience};
use crate::{chat, interrupt, out, render, say};

/// Runs the menu loop until the user quits. A device signed in to a server syncs when the app
/// starts and after each round or message; without a connection it carries on offline.
pub fn run(client: &Client, data_dir: &Path) -> AppResult<()> {
    say!(
        "{}",
        style("StudyMate — practise English situations, offline")
            .bold()
            .cyan()
    )?;
    match finish_leftover(client)? {
        Some(Leftover::Completed(done)) => {
            say!("The round left open last time had a scored answer; it is finished and counted:")?;
            out::text(&render::completion(&done))?;
        }
        Some(Leftover::SetAside) => {
            say!("(a round left open last time had no answer yet; it was set aside)")?;
        }
        None => {}
    }
    let account = Account::load(data_dir)?;
    let sync_now = |show: bool| background_sync(client, data_dir, account.as_ref(), show);
    sync_now(false)?;
    loop {
        let top = client.next_up(1)?.into_iter().next();
        let recommended = top
            .as_ref()
            .map(|i| {
                format!(
                    "Practise: {} ({})",
                    i.situation.name,
                    render::reason(&i.recommendation.reason)
                )
            })
            .unwrap_or_else(|| "Practise".to_owned());
        let sync_label = match &account {
            Some(a) => format!("Sync with {}", a.server),
            None => "Sync (sign in first: `studymate-demo signup|login …`)".to_owned(),
        };
        let items = [
            recommended.as_str(),
            "Choose a situation",
            "Progress",
            "Chat",
            sync_label.as_str(),
            "Quit",
        ];
        let choice = interrupt::prompt(|| {
            Select::new()
                .with_prompt("What next?")
                .items(items)
                .default(0)
                .interact()
        })?;
        match choice {
            0 => practice_round(client, top.map(|i| i.situation.name).as_deref())?,
            1 => {
                let situations = client.situations(&SituationFilter::default())?;
                let names: Vec<String> = situations
                    .iter()
                    .map(|s| format!("{} [{} · {}]", s.name, s.category, s.difficulty))
                    .collect();
                let i = interrupt::prompt(|| {
                    Select::new()
                        .with_prompt("Situation")
                        .items(&names)
                        .default(0)
                        .interact()
                })?;
                practice_round(client, situations.get(i).map(|s| s.name.as_str()))?;
            }
            2 => {
                let progress = client.progress()?;
                out::text(&render::progress(
                    &progress,
                    &client.practice_history(None, 30)?,
                ))?;
            }
            3 => chat(client)?,
            4 => {
                sync_now(true)?;
                continue;
            }
            _ => return Ok(()),
        }
        if choice != 2 {
            sync_now(false)?;
        }
    }
}

/// Syncs a signed-in device; a failure is shown and the app carries on offline. `show` prints
/// the report (the menu's sync), otherwise only a one-line summary of what changed.
fn background_sync(
    client: &Client,
    data_dir: &Path,
    account: Option<&Account>,
    show: bool,
) -> AppResult<()> {
    let Some(account) = account else {
        if show {
            say!("This device is offline. Sign it in with `studymate-demo signup` or `login`.")?;
        }
        return Ok(());
    };
    let patience = if show {
        Patience::Asked
    } else {
        Patience::Background
    };
    match sync::sync(client, data_dir, account, true, patience) {
        Ok(outcome) if show => out::text(&outcome.to_text()),
        Ok(outcome) if outcome.report.pulled + outcome.report.rejected > 0 => say!(
            "{}",
            style(format!(
                "synced: pulled {}, rejected {}",
                outcome.report.pulled, outcome.report.rejected
            ))
            .dim()
        ),
        Ok(_) => Ok(()),
        Err(err) if err.is_closed_pipe() || err.is_interrupted() => Err(err),
        Err(err) => say!("{}", style(format!("offline: {err}")).dim()),
    }
}

/// One practice round: the scene, the character's line, hints on request, answers and scores.
/// However the conversation ends (finished, back to the menu, Ctrl-C), a scored answer is
/// completed and counted; a round without one is set aside.
fn practice_round(client: &Client, situation: Option<&str>) -> AppResult<()> {
    let situation = pick_situation(client, situation)?;
    let session = client.start_practice(situation.id, None)?;
    let variation = client.variation(session.variation_id)?;
    say!("\n{}", style(&situation.initial_prompt).bold())?;
    if let Some(support) = &variation.support_text {
        say!("{}", style(support).dim())?;
    }
    let role = variation
        .ai_character_role
        .clone()
        .unwrap_or_else(|| "Character".to_owned());
    say!("{}: {}", style(role).cyan(), variation.opening_line)?;
    let talked = converse(client, &session);
    match finish_round(client, client.practice_session(session.id)?)? {
        Leftover::Completed(done) => {
            // On Ctrl-C the rewards still go to the terminal; a closed pipe cannot take them.
            let shown = out::text(&render::completion(&done));
            talked.and(shown)
        }
        Leftover::SetAside => {
            let shown = say!("  Nothing was scored, so this round does not count.");
            talked.and(shown)
        }
    }
}

/// The answer prompt until the learner finishes, goes back, or stops.
fn converse(client: &Client, session: &PracticeSession) -> AppResult<()> {
    loop {
        let started = std::time::Instant::now();
        let text: String = interrupt::prompt(|| {
            Input::new()
                .with_prompt("You ('hint' for a hint, empty to go back)")
                .allow_empty(true)
                .interact_text()
        })?;
        if text.trim().is_empty() {
            return Ok(());
        }
        if text.trim().eq_ignore_ascii_case("hint") {
            match client.use_hint(session.id) {
                Ok(hint) => say!(
                    "{} {}",
                    style(format!("hint {}:", hint.level)).yellow(),
                    hint.text
                )?,
                Err(Error::Conflict(_)) => say!("  No more hints for this line.")?,
                Err(err) => return Err(err.into()),
            }
            continue;
        }
        let input = AnswerInput {
            text: text.clone(),
            spoken: None,
            response_time_ms: i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX),
        };
        match client.answer(session.id, &input) {
            Ok(score) => out::text(&render::score(&text, &score))?,
            Err(err) => {
                say!("  {}", AppError::at_option("Your answer")(err))?;
                continue;
            }
        }
        let next = interrupt::prompt(|| {
            Select::new()
                .with_prompt("Next")
                .items(["Finish the round and go back to the menu", "Try again"])
                .default(0)
                .interact()
        })?;
        if next == 0 {
            return Ok(());
        }
    }
}

/// Lists rooms; opens one to read and write.
fn chat(client: &Client) -> AppResult<()> {
    let rooms = client.rooms()?;
    if rooms.is_empty() {
        return say!(
            "No rooms yet: start one with `studymate-demo chat start --user-id … --name …`."
        );
    }
    let unread = client.unread_counts()?;
    let labels: Vec<String> = rooms
        .iter()
        .map(|r| {
            let n = unread
                .iter()
                .find(|u| u.room_id == r.id)
                .map_or(0, |u| u.unread);
            format!("{}  unread {n}", chat::room_label(client, r))
        })
        .collect();
    let i = interrupt::prompt(|| {
        Select::new()
            .with_prompt("Room")
            .items(&labels)
            .default(0)
            .interact()
    })?;
    let Some(room) = rooms.get(i) else {
        return Ok(());
    };
    let page = client.messages(room.id, None, 20)?;
    for m in page.messages.iter().rev() {
        out::text(&render::message(m, &chat::name_of(client, m.sender_id)))?;
    }
    if let Some(newest) = page.messages.first() {
        client.mark_read(room.id, newest.id)?;
    }
    let text: String = interrupt::prompt(|| {
        Input::new()
            .with_prompt("Message (empty to go back)")
            .allow_empty(true)
            .interact_text()
    })?;
    if !text.trim().is_empty() {
        let sent = client
            .send_message(room.id, &NewMessage::text(text))
            .map_err(AppError::at_option("The message"))?;
        out::text(&render::message(&sent, "you"))?;
    }
    Ok(())
}

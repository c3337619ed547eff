//! The interactive app: menus and prompts in the terminal for practising, progress and chat.

use std::path::Path;

use console::style;
use dialoguer::{Confirm, Input, Select};
use studymate_core::Client;
use studymate_core::catalog::SituationFilter;
use studymate_core::chat::NewMessage;
use studymate_core::practice::AnswerInput;

use crate::account::Account;
use crate::render;
use crate::run::{AppResult, close_leftover, pick_situation};
use crate::sync::{self, Patience};

/// Runs the menu loop until the user quits. A device signed in to a server syncs when the app
/// starts and after each round or message; without a connection it carries on offline.
pub fn run(client: &Client, data_dir: &Path) -> AppResult<()> {
    println!(
        "{}",
        style("StudyMate — practise English situations, offline")
            .bold()
            .cyan()
    );
    if let Some(left) = close_leftover(client)? {
        println!(
            "(an unfinished session from last time was set aside: {})",
            left.id
        );
    }
    let account = Account::load(data_dir)?;
    let sync_now = |show: bool| background_sync(client, data_dir, account.as_ref(), show);
    sync_now(false);
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
        let choice = Select::new()
            .with_prompt("What next?")
            .items(items)
            .default(0)
            .interact()?;
        match choice {
            0 => practice_round(client, top.map(|i| i.situation.name).as_deref())?,
            1 => {
                let situations = client.situations(&SituationFilter::default())?;
                let names: Vec<String> = situations
                    .iter()
                    .map(|s| format!("{} [{} · {}]", s.name, s.category, s.difficulty))
                    .collect();
                let i = Select::new()
                    .with_prompt("Situation")
                    .items(&names)
                    .default(0)
                    .interact()?;
                practice_round(client, situations.get(i).map(|s| s.name.as_str()))?;
            }
            2 => {
                let progress = client.progress()?;
                print!(
                    "{}",
                    render::progress(&progress, &client.practice_history(None, 30)?)
                );
            }
            3 => chat(client)?,
            4 => {
                sync_now(true);
                continue;
            }
            _ => return Ok(()),
        }
        if choice != 2 {
            sync_now(false);
        }
    }
}

/// Syncs a signed-in device; a failure is shown and the app carries on offline. `show` prints
/// the report (the menu's sync), otherwise only a one-line summary of what changed.
fn background_sync(client: &Client, data_dir: &Path, account: Option<&Account>, show: bool) {
    let Some(account) = account else {
        if show {
            println!("This device is offline. Sign it in with `studymate-demo signup` or `login`.");
        }
        return;
    };
    let patience = if show {
        Patience::Asked
    } else {
        Patience::Background
    };
    match sync::sync(client, data_dir, account, true, patience) {
        Ok(outcome) if show => print!("{}", outcome.to_text()),
        Ok(outcome) if outcome.report.pulled + outcome.report.rejected > 0 => println!(
            "{}",
            style(format!(
                "synced: pulled {}, refused {}",
                outcome.report.pulled, outcome.report.rejected
            ))
            .dim()
        ),
        Ok(_) => {}
        Err(err) => println!("{}", style(format!("offline ({err})")).dim()),
    }
}

/// One practice round: the scene, the character's line, hints on request, answers and scores.
fn practice_round(client: &Client, situation: Option<&str>) -> AppResult<()> {
    let situation = pick_situation(client, situation)?;
    let session = client.start_practice(situation.id, None)?;
    let variation = client.variation(session.variation_id)?;
    println!("\n{}", style(&situation.initial_prompt).bold());
    if let Some(support) = &variation.support_text {
        println!("{}", style(support).dim());
    }
    let role = variation
        .ai_character_role
        .clone()
        .unwrap_or_else(|| "Character".to_owned());
    println!("{}: {}", style(role).cyan(), variation.opening_line);
    loop {
        let started = std::time::Instant::now();
        let text: String = Input::new()
            .with_prompt("You (or 'hint')")
            .allow_empty(true)
            .interact_text()?;
        if text.trim().eq_ignore_ascii_case("hint") {
            match client.use_hint(session.id) {
                Ok(hint) => println!(
                    "{} {}",
                    style(format!("hint {}:", hint.level)).yellow(),
                    hint.text
                ),
                Err(err) => println!("{err}"),
            }
            continue;
        }
        let input = AnswerInput {
            text: text.clone(),
            spoken: None,
            response_time_ms: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
        };
        match client.answer(session.id, &input) {
            Ok(score) => print!("{}", render::score(&text, &score)),
            Err(err) => {
                println!("{err}");
                continue;
            }
        }
        if !Confirm::new()
            .with_prompt("Try again?")
            .default(false)
            .interact()?
        {
            break;
        }
    }
    let done = client.complete_practice(session.id)?;
    print!("{}", render::completion(&done));
    Ok(())
}

/// Lists rooms; opens one to read and write.
fn chat(client: &Client) -> AppResult<()> {
    let rooms = client.rooms()?;
    if rooms.is_empty() {
        println!("No rooms yet: start one with `studymate-demo chat start --user-id … --name …`.");
        return Ok(());
    }
    let unread = client.unread_counts()?;
    let labels: Vec<String> = rooms
        .iter()
        .map(|r| {
            let n = unread
                .iter()
                .find(|u| u.room_id == r.id)
                .map_or(0, |u| u.unread);
            render::room(r, n).trim().to_owned()
        })
        .collect();
    let i = Select::new()
        .with_prompt("Room")
        .items(&labels)
        .default(0)
        .interact()?;
    let Some(room) = rooms.get(i) else {
        return Ok(());
    };
    let page = client.messages(room.id, None, 20)?;
    for m in page.messages.iter().rev() {
        print!("{}", render::message(m));
    }
    if let Some(newest) = page.messages.first() {
        client.mark_read(room.id, newest.id)?;
    }
    let text: String = Input::new()
        .with_prompt("Message (empty to go back)")
        .allow_empty(true)
        .interact_text()?;
    if !text.trim().is_empty() {
        print!(
            "{}",
            render::message(&client.send_message(room.id, &NewMessage::text(text))?)
        );
    }
    Ok(())
}

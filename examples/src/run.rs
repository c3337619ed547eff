//! Runs one command: opens the device, performs the action, prints text or JSON.

use std::path::Path;

use serde_json::{Value, json};
use studymate_core::catalog::{Situation, SituationFilter};
use studymate_core::practice::{AnswerInput, Completion, PracticeSession, SessionStatus};
use studymate_core::profile::{Level, ProfilePatch};
use studymate_core::scoring::{HintLevel, Score};
use studymate_core::{Client, Error};
use uuid::Uuid;

use crate::account::Account;
use crate::cli::{AccountArgs, Cli, Command, PracticeArgs};
use crate::error::AppError;
// `account.rs` names the result type through this module.
pub use crate::error::AppResult;
use crate::sync::Patience;
use crate::{chat, device, interactive, interrupt, out, render, safe, sync};

/// Performs the command the user asked for.
pub fn run(cli: Cli) -> AppResult<()> {
    let json = cli.json;
    let data_dir = match cli.data_dir {
        Some(dir) => dir,
        None => device::default_dir()?,
    };
    let data_dir = data_dir.as_path();
    let command = cli.command.unwrap_or(Command::Interactive);
    if let Command::Login(args) = &command {
        let server = sync::check_server(&args.server)?;
        let password = password(args, false)?;
        let account = sync::login(&server, &args.username, &password)?;
        let client = device::open(data_dir, Some(account.tokens.user_id))?;
        account.save(data_dir)?;
        return signed_in(&client, data_dir, &account, json);
    }
    let client = device::open(data_dir, None)?;
    match command {
        Command::Interactive => interactive::run(&client, data_dir),
        Command::Signup(args) => {
            if let Some(account) = Account::load(data_dir)? {
                return Err(AppError::new(
                    "already_signed_in",
                    format!(
                        "{} is already signed in as {} on {}; run `sync`, or use a new \
                         --data-dir for another account",
                        data_dir.display(),
                        account.username,
                        account.server
                    ),
                ));
            }
            let server = sync::check_server(&args.server)?;
            let password = password(&args, true)?;
            let account = sync::signup(&client, &server, &args.username, &password)?;
            account.save(data_dir)?;
            signed_in(&client, data_dir, &account, json)
        }
        Command::Login(_) => Err(AppError::new(
            "failed",
            "login is handled before the device opens",
        )),
        Command::Sync => {
            let account = signed_in_account(data_dir)?;
            let outcome = sync::sync(&client, data_dir, &account, !json, Patience::Asked)?;
            out::either(json, &outcome.to_json(), || outcome.to_text())
        }
        Command::Situations {
            category,
            difficulty,
        } => situations(&client, category, difficulty, json),
        Command::Next { limit } => {
            let items = client.next_up(limit)?;
            let value: Vec<Value> = items
                .iter()
                .map(|i| json!({ "situation": i.situation, "recommendation": i.recommendation }))
                .collect();
            out::either(json, &json!(value), || render::next_up(&items))
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
            out::either(json, &value, || render::progress(&progress, &history))
        }
        Command::Profile { name, time_zone } => {
            let option = match (&name, &time_zone) {
                (Some(_), None) => "--name",
                (None, Some(_)) => "--time-zone",
                _ => "--name or --time-zone",
            };
            let profile = if name.is_some() || time_zone.is_some() {
                client
                    .update_profile(&ProfilePatch {
                        display_name: name,
                        time_zone,
                        ..Default::default()
                    })
                    .map_err(AppError::at_option(option))?
            } else {
                client.profile()?
            };
            out::either(json, &json!(profile), || {
                format!(
                    "  {} (user id {})\n  time zone {}\n",
                    safe::line(&profile.display_name),
                    profile.user_id,
                    profile.time_zone
                )
            })
        }
        Command::Chat(command) => chat::run(&client, data_dir, command, json),
    }
}

/// The account this device is signed in with, or advice on signing in.
pub fn signed_in_account(data_dir: &Path) -> AppResult<Account> {
    Account::load(data_dir)?.ok_or_else(|| {
        AppError::new(
            "not_signed_in",
            "this device is not signed in to a server: run `signup --server … --username …` \
             for a new account, or `login` (in a new --data-dir) for an existing one",
        )
    })
}

/// The password from `--password`, or asked for without echo in a terminal (twice for a new
/// account, so a typo does not lock the user out).
fn password(args: &AccountArgs, new_account: bool) -> AppResult<String> {
    if let Some(password) = &args.password {
        return Ok(password.clone());
    }
    if !console::Term::stderr().is_term() {
        return Err(AppError::new(
            "invalid_input",
            "no password: pass --password, or run in a terminal to be asked for it",
        ));
    }
    let prompt = dialoguer::Password::new().with_prompt(format!("Password for {}", args.username));
    let prompt = if new_account {
        prompt.with_confirmation("Repeat it", "The two passwords differ; try again.")
    } else {
        prompt
    };
    interrupt::prompt(|| prompt.interact())
}

/// Reports a fresh sign-in and runs the first sync.
fn signed_in(client: &Client, data_dir: &Path, account: &Account, json: bool) -> AppResult<()> {
    let outcome = sync::sync(client, data_dir, account, !json, Patience::Asked)?;
    let value = json!({
        "user_id": client.user_id(), "username": account.username, "server": account.server,
        "sync": outcome.to_json(),
    });
    out::either(json, &value, || {
        format!(
            "  signed in as {} (user id {}) on {}\n{}",
            account.username,
            client.user_id(),
            account.server,
            outcome.to_text()
        )
    })
}

/// Lists situations, refusing a category or difficulty the catalog does not have.
fn situations(
    client: &Client,
    category: Option<String>,
    difficulty: Option<String>,
    json: bool,
) -> AppResult<()> {
    let difficulty = difficulty
        .map(|d| Level::parse("--difficulty", &d))
        .transpose()
        .map_err(AppError::at_option("--difficulty"))?;
    if let Some(wanted) = &category {
        let mut known: Vec<String> = client
            .situations(&SituationFilter::default())?
            .into_iter()
            .map(|s| s.category)
            .collect();
        known.sort();
        known.dedup();
        if !known.contains(wanted) {
            return Err(AppError::new(
                "invalid_input",
                format!(
                    "--category {:?} is not a category of the catalog; use one of: {}",
                    safe::line(wanted),
                    known.join(", ")
                ),
            ));
        }
    }
    let list = client.situations(&SituationFilter {
        category,
        difficulty,
        ..Default::default()
    })?;
    out::either(json, &json!(list), || {
        if list.is_empty() {
            return "  No situation matches both filters; drop --difficulty or --category to see more.\n"
                .to_owned();
        }
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

/// Finds a situation by name or id, or takes the top recommendation.
pub fn pick_situation(client: &Client, wanted: Option<&str>) -> AppResult<Situation> {
    let Some(wanted) = wanted else {
        let top = client.next_up(1)?;
        return top.into_iter().next().map(|i| i.situation).ok_or_else(|| {
            AppError::new(
                "not_found",
                "the catalog is empty; move the data folder away so the demo imports it again",
            )
        });
    };
    let not_found = || {
        AppError::new(
            "not_found",
            format!(
                "--situation {:?} is not in the catalog; `situations` lists the names",
                safe::line(wanted)
            ),
        )
    };
    if let Ok(id) = Uuid::parse_str(wanted) {
        return client.situation(id).map_err(|_| not_found());
    }
    client
        .situations(&SituationFilter::default())?
        .into_iter()
        .find(|s| s.name == wanted)
        .ok_or_else(not_found)
}

/// What became of a round left open by an interrupted run.
pub enum Leftover {
    /// It had a scored answer, so it was completed: its points count.
    Completed(Box<Completion>),
    /// Nothing was scored yet, so it was set aside.
    SetAside,
}

/// Closes a round left open by an interrupted run (Ctrl-C, a closed terminal, a crash) so a new
/// one can start. A round with a scored answer is completed, never lost; one without is set
/// aside (abandoned), which loses nothing.
pub fn finish_leftover(client: &Client) -> AppResult<Option<Leftover>> {
    let Some(open) = client.current_practice()? else {
        return Ok(None);
    };
    Ok(Some(finish_round(client, open)?))
}

/// Completes `session` when it has a scored answer, else abandons it.
pub fn finish_round(client: &Client, session: PracticeSession) -> AppResult<Leftover> {
    if !session.turns.iter().any(|t| t.score.is_some()) {
        client.abandon_practice(session.id)?;
        return Ok(Leftover::SetAside);
    }
    if session.status == SessionStatus::Paused {
        client.resume_practice(session.id)?;
    }
    Ok(Leftover::Completed(Box::new(
        client.complete_practice(session.id)?,
    )))
}

fn practice(client: &Client, args: &PracticeArgs, json: bool) -> AppResult<()> {
    let leftover = match finish_leftover(client)? {
        Some(Leftover::Completed(done)) => Some(done),
        _ => None,
    };
    let situation = pick_situation(client, args.situation.as_deref())?;
    let variation = args
        .variation
        .as_deref()
        .map(|v| {
            Uuid::parse_str(v.trim()).map_err(|_| {
                AppError::new(
                    "invalid_input",
                    format!(
                        "--variation {:?} is not a variation id (a UUID); leave it out to \
                         practise the variation seen least recently",
                        safe::line(v)
                    ),
                )
            })
        })
        .transpose()?;
    let session = client
        .start_practice(situation.id, variation)
        .map_err(AppError::at_option("--variation"))?;
    let played = play(client, &session, args);
    let (hints, score) = match played {
        Ok(played) => played,
        Err(err) => {
            client.abandon_practice(session.id)?;
            return Err(err);
        }
    };
    let done = client.complete_practice(session.id)?;
    let value = json!({
        "situation": situation.name,
        "character_line": session.turns.first().map(|t| t.text.clone()),
        "hints": hints,
        "score": score,
        "completion": completion_json(&done),
        "finished_leftover": leftover.as_deref().map(completion_json),
    });
    out::either(json, &value, || {
        let mut text = String::new();
        if let Some(earlier) = &leftover {
            text.push_str("  (the round left open last time was finished and counted)\n");
            text.push_str(&render::completion(earlier));
        }
        text.push_str(&format!(
            "{}\n  {}\n",
            situation.initial_prompt,
            session.turns.first().map(|t| t.text.as_str()).unwrap_or("")
        ));
        for hint in &hints {
            text.push_str(&format!("  hint {}: {}\n", hint.level, hint.text));
        }
        text.push_str(&render::score(&args.answer, &score));
        text.push_str(&render::completion(&done));
        text
    })
}

/// Takes the hints asked for and scores the answer of one `practice` round.
fn play(
    client: &Client,
    session: &PracticeSession,
    args: &PracticeArgs,
) -> AppResult<(Vec<HintLevel>, Score)> {
    let mut hints = Vec::new();
    for _ in 0..args.hints {
        match client.use_hint(session.id) {
            Ok(hint) => hints.push(hint),
            Err(Error::Conflict(_)) => {
                return Err(AppError::new(
                    "invalid_input",
                    format!(
                        "--hints {}: this variation has only {} hint(s); use --hints {} or fewer",
                        args.hints,
                        hints.len(),
                        hints.len()
                    ),
                ));
            }
            Err(other) => return Err(other.into()),
        }
    }
    let input = AnswerInput {
        text: args.answer.clone(),
        spoken: None,
        response_time_ms: i32::try_from(args.seconds.saturating_mul(1000)).unwrap_or(i32::MAX),
    };
    let score = client
        .answer(session.id, &input)
        .map_err(AppError::at_option("--answer"))?;
    Ok((hints, score))
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

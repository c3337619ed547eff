//! StudyMate desktop demo (first version): opens a device database, imports the bundled
//! catalog, writes a profile, sends and lists chat messages, and prints what it did.
//!
//! Usage: `cargo run -p studymate-demo [-- --data-dir DIR]` (default `./studymate-demo-data`).

use std::path::PathBuf;
use std::process::ExitCode;

use studymate_core::catalog::{CatalogBatch, SituationFilter};
use studymate_core::chat::NewMessage;
use studymate_core::profile::{Level, Profile, ProfilePatch};
use studymate_core::{Client, OpenOptions};
use uuid::Uuid;

/// The catalog every fresh device starts with (the reference server serves the same file).
const BUNDLED_CATALOG: &str = include_str!("../catalog/catalog.json");

/// The demo's chat partner, fixed so that reruns reuse the same direct room.
const PARTNER_ID: Uuid = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001);

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let data_dir = data_dir_from_args()?;
    std::fs::create_dir_all(&data_dir)?;
    let db = data_dir.join("studymate.db");
    let client = Client::open(&db, OpenOptions::default())?;
    println!(
        "opened {} (user {}, device {})",
        db.display(),
        client.user_id(),
        client.device_id()
    );

    let summary = client.import_catalog(&CatalogBatch::from_json(BUNDLED_CATALOG)?)?;
    println!(
        "imported catalog: {} situations, {} variations, {} achievements",
        summary.situations, summary.variations, summary.achievements
    );
    for situation in client
        .situations(&SituationFilter {
            difficulty: Some(Level::Beginner),
            ..Default::default()
        })?
        .iter()
        .take(5)
    {
        println!(
            "  [{}] {} — {}",
            situation.category, situation.name, situation.initial_prompt
        );
    }

    let profile = client.update_profile(&ProfilePatch {
        display_name: Some("Jiwoo".into()),
        korean_name: Some("지우".into()),
        city: Some("Daegu".into()),
        time_zone: Some("Asia/Seoul".into()),
        learning_goals: Some(vec!["travel".into(), "daily_conversation".into()]),
        ..Default::default()
    })?;
    println!(
        "profile: {} ({}), {} in {}",
        profile.display_name,
        profile.language_level,
        profile.city.unwrap_or_default(),
        profile.time_zone
    );

    client.save_contact(&partner())?;
    let room = client.create_direct_room(PARTNER_ID)?;
    client.send_message(
        room.id,
        &NewMessage::text("Hi Emma! Shall we practise at Seomun Market on Saturday?"),
    )?;
    client.send_message(room.id, &NewMessage::text("서문시장에서 만나요 🙂"))?;
    println!("chat with Emma (newest first):");
    for message in client.messages(room.id, None, 10)?.messages {
        println!(
            "  [{}] {}",
            message.send_state,
            message.content.unwrap_or_default()
        );
    }
    let pending = client.changes(0, 1000)?.len();
    println!("{pending} changes are waiting in the change log for the next sync");
    Ok(())
}

fn partner() -> Profile {
    Profile {
        user_id: PARTNER_ID,
        username: Some("emma".into()),
        display_name: "Emma".into(),
        korean_name: None,
        profile_image_url: None,
        intro: Some("English teacher in Daegu, learning Korean".into()),
        city: Some("Daegu".into()),
        district: Some("Jung-gu".into()),
        language_level: Level::Intermediate,
        target_fluency_level: None,
        learning_goals: vec![],
        preferences: serde_json::json!({}),
        preferred_session_minutes: 30,
        time_zone: "Asia/Seoul".into(),
        updated_at: chrono::Utc::now(),
    }
}

fn data_dir_from_args() -> Result<PathBuf, String> {
    let mut args = std::env::args().skip(1);
    let mut dir = PathBuf::from("studymate-demo-data");
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--data-dir" => {
                dir = args
                    .next()
                    .map(PathBuf::from)
                    .ok_or("--data-dir needs a folder")?
            }
            other => return Err(format!("unknown argument {other:?} (try --data-dir DIR)")),
        }
    }
    Ok(dir)
}

//! End-to-end tests of the demo binary: scripted subcommands with `--json` and persistence
//! across restarts (the interactive app's tests are in `terminal.rs`).

use crate::common;

use std::process::Command;

use common::{DEMO, demo_json};

#[test]
fn an_offline_practice_scores_awards_and_persists_across_restarts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = demo_json(
        dir.path(),
        &[
            "practice",
            "--situation",
            "cafe_ordering_dongseongro",
            "--answer",
            "I want americano",
        ],
    );
    let score = &first["score"];
    assert!(score["overall"].as_u64().expect("overall") <= 100);
    let awards = first["completion"]["awards"].as_array().expect("awards");
    assert!(
        awards.iter().any(|a| a["rule"] == "daily_practice"),
        "{awards:?}"
    );
    let balance = first["completion"]["balance"]["available"]
        .as_i64()
        .expect("balance");
    assert!(balance > 0);

    // A new process, same device: the points and the session are still there; no second daily award.
    let second = demo_json(
        dir.path(),
        &[
            "practice",
            "--situation",
            "cafe_ordering_dongseongro",
            "--answer",
            "I'd like an iced americano, please.",
        ],
    );
    let awards = second["completion"]["awards"].as_array().expect("awards");
    assert!(
        !awards.iter().any(|a| a["rule"] == "daily_practice"),
        "{awards:?}"
    );
    let progress = demo_json(dir.path(), &["progress"]);
    assert_eq!(progress["scores"].as_array().expect("scores").len(), 2);
    assert!(progress["balance"]["available"].as_i64().expect("balance") >= balance);
    assert_eq!(progress["streak"]["current"], 1);
    let first_steps = progress["achievements"]
        .as_array()
        .expect("achievements")
        .iter()
        .find(|a| a["name"] == "first_steps")
        .expect("first_steps is in the catalog");
    assert!(!first_steps["unlocked_at"].is_null());
}

#[test]
fn bad_input_fails_with_a_message_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(DEMO)
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "practice",
            "--situation",
            "cafe_ordering_dongseongro",
            "--answer",
            "   ",
        ])
        .output()
        .expect("run demo");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--answer is not accepted"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let progress = demo_json(dir.path(), &["progress"]);
    assert_eq!(progress["balance"]["available"], 0);
    assert_eq!(progress["scores"].as_array().expect("scores").len(), 0);
}

#[test]
fn chat_commands_keep_messages_pending_until_synced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let friend = uuid::Uuid::now_v7().to_string();
    let room = demo_json(
        dir.path(),
        &["chat", "start", "--user-id", &friend, "--name", "Emma"],
    );
    let room_id = room["id"].as_str().expect("room id").to_owned();
    let sent = demo_json(
        dir.path(),
        &[
            "chat",
            "send",
            "--room",
            &room_id,
            "Shall we meet at Seomun Market?",
        ],
    );
    assert_eq!(sent["send_state"], "pending");
    let page = demo_json(dir.path(), &["chat", "list", "--room", &room_id]);
    assert_eq!(
        page["messages"][0]["content"],
        "Shall we meet at Seomun Market?"
    );
    let rooms = demo_json(dir.path(), &["chat", "rooms"]);
    assert_eq!(rooms.as_array().expect("rooms").len(), 1);
}

#[test]
fn the_readme_two_device_answer_fits_the_variation_it_names() {
    const ARGS: [&str; 7] = [
        "practice",
        "--situation",
        "cafe_ordering_dongseongro",
        "--variation",
        "c1f36510-5fa6-5a72-9dff-db38971c9211",
        "--answer",
        "I'd like an iced americano, please.",
    ];
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    let quoted = format!("{} --answer \"{}\"", ARGS[..5].join(" "), ARGS[6]);
    assert!(readme.contains(&quoted), "README no longer runs `{quoted}`");
    let dir = tempfile::tempdir().expect("tempdir");
    let round = demo_json(dir.path(), &ARGS);
    let overall = round["score"]["overall"].as_u64().expect("overall");
    assert!(overall >= 70, "the README's answer scores only {overall}");
}

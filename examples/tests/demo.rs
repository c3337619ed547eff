//! End-to-end tests of the demo binary: scripted subcommands with `--json`, persistence across
//! restarts, and the interactive app driven through a pseudo-terminal.

mod common;

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
        String::from_utf8_lossy(&out.stderr).contains("invalid"),
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

/// Sends keys once the prompt on screen is ready for them. dialoguer switches the terminal to
/// raw mode only after drawing a prompt, and keys typed before that are lost, so wait a moment
/// (this is pacing, not a timing assertion).
fn press(app: &mut rexpect::session::PtySession, keys: &str) {
    std::thread::sleep(std::time::Duration::from_millis(400));
    app.send(keys).expect("send keys");
    app.flush().expect("flush keys");
}

#[test]
fn the_interactive_app_runs_a_full_practice_round_in_a_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let command = format!("{DEMO} --data-dir {}", dir.path().display());
    let mut app = rexpect::spawn(&command, Some(30_000)).expect("spawn in a pty");
    app.exp_string("Quit").expect("menu");
    press(&mut app, "\r"); // the recommended practice
    app.exp_string("You (or 'hint')").expect("answer prompt");
    press(&mut app, "hint\r");
    app.exp_string("hint 1:").expect("first hint shown");
    app.exp_string("You (or 'hint')")
        .expect("answer prompt again");
    press(&mut app, "I would like to order, please.\r");
    app.exp_string("Overall").expect("score breakdown");
    app.exp_string("Try again?").expect("retry prompt");
    press(&mut app, "n");
    app.exp_string("Points").expect("rewards summary");
    app.exp_string("Quit").expect("back to the menu");
    press(&mut app, "\x1b[B\x1b[B\x1b[B\x1b[B\x1b[B");
    press(&mut app, "\r"); // Quit
    app.exp_eof().expect("the app exits");

    let progress = demo_json(dir.path(), &["progress"]);
    assert_eq!(
        progress["scores"].as_array().expect("scores").len(),
        1,
        "the round was saved"
    );
}

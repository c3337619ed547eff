//! The demo's two-device story against a real reference server process on loopback: one user
//! on a phone and a tablet, a second user chatting with them. Every step runs the demo binary
//! with `--json`, as a newcomer's script would.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{DEMO, demo_json as demo};
use serde_json::Value;
use studymate_e2e::{Server, workspace};

const PASSWORD: &str = "correct horse battery";

fn sync(dir: &Path) -> Value {
    let outcome = demo(dir, &["sync"]);
    assert_eq!(outcome["rejected"], 0, "{outcome}");
    assert_eq!(outcome["outbox"], 0, "everything was pushed: {outcome}");
    outcome
}

/// The messages of a room as (sender, content, send state, sort key), oldest first.
fn messages(dir: &Path, room: &str) -> Vec<(String, String, String, i64)> {
    let page = demo(dir, &["chat", "list", "--room", room]);
    let mut list: Vec<_> = page["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            (
                m["sender_id"].as_str().unwrap_or_default().to_owned(),
                m["content"].as_str().unwrap_or_default().to_owned(),
                m["send_state"].as_str().unwrap_or_default().to_owned(),
                m["sort_key"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    list.reverse();
    list
}

fn unread(dir: &Path, room: &str) -> i64 {
    demo(dir, &["chat", "rooms"])
        .as_array()
        .expect("rooms")
        .iter()
        .find(|r| r["room"]["id"] == room)
        .and_then(|r| r["unread"].as_i64())
        .expect("the room is listed")
}

#[test]
fn two_devices_and_a_second_user_sync_through_the_server() {
    let temp = tempfile::tempdir().expect("tempdir");
    let server = Server::start_serving(
        &temp.path().join("server.db"),
        &workspace().join("examples/catalog/catalog.json"),
        &[],
    );
    let phone = temp.path().join("phone");
    let tablet = temp.path().join("tablet");
    let friend = temp.path().join("friend");

    // Minji practises offline on her phone, then signs up: the session and points go up.
    demo(
        &phone,
        &[
            "practice",
            "--situation",
            "cafe_ordering_dongseongro",
            "--answer",
            "I'd like an iced americano, please.",
        ],
    );
    let signup = demo(
        &phone,
        &[
            "signup",
            "--server",
            &server.base,
            "--username",
            "minji",
            "--password",
            PASSWORD,
        ],
    );
    let minji = signup["user_id"].as_str().expect("user id").to_owned();
    assert_eq!(signup["username"], "minji", "{signup}");
    // A second signup in the signed-in folder says what to do instead of `user_exists`.
    let again = Command::new(DEMO)
        .arg("--data-dir")
        .arg(&phone)
        .args(["--json", "signup", "--server", &server.base])
        .args(["--username", "minji2", "--password", PASSWORD])
        .output()
        .expect("run demo");
    assert!(!again.status.success());
    let again: Value = serde_json::from_slice(&again.stdout).expect("JSON error");
    assert_eq!(again["error"]["code"], "already_signed_in", "{again}");
    assert!(
        signup["sync"]["applied"].as_u64().expect("applied") > 0,
        "{signup}"
    );

    // Her tablet signs in to the same account and pulls everything the phone pushed.
    let login = demo(
        &tablet,
        &[
            "login",
            "--server",
            &server.base,
            "--username",
            "minji",
            "--password",
            PASSWORD,
        ],
    );
    assert_eq!(login["user_id"], minji.as_str());
    let on_phone = demo(&phone, &["progress"]);
    assert_eq!(demo(&tablet, &["progress"]), on_phone);

    // Both practise offline the same day; after syncing both, they agree, and the daily award
    // was counted once.
    demo(
        &tablet,
        &[
            "practice",
            "--situation",
            "seomun_market_food_tour",
            "--answer",
            "How much is this, please?",
        ],
    );
    demo(
        &phone,
        &[
            "practice",
            "--situation",
            "cafe_ordering_dongseongro",
            "--answer",
            "Can I get an iced americano, please?",
        ],
    );
    sync(&tablet);
    sync(&phone);
    sync(&tablet);
    let on_phone = demo(&phone, &["progress"]);
    assert_eq!(demo(&tablet, &["progress"]), on_phone);
    assert_eq!(on_phone["scores"].as_array().expect("scores").len(), 3);

    // Jun writes to Minji; the message reaches both her devices once, in the server's order.
    demo(&friend, &["profile", "--name", "Jun"]);
    demo(
        &friend,
        &[
            "signup",
            "--server",
            &server.base,
            "--username",
            "jun",
            "--password",
            PASSWORD,
        ],
    );
    let room = demo(
        &friend,
        &["chat", "start", "--user-id", &minji, "--name", "Minji"],
    );
    let room = room["id"].as_str().expect("room id").to_owned();
    let pending = demo(
        &friend,
        &["chat", "send", "--room", &room, "Coffee at Dongseong-ro?"],
    );
    demo(
        &friend,
        &["chat", "send", "--room", &room, "\u{1b}[2J\nMinji: forged"],
    );
    assert_eq!(pending["send_state"], "pending");
    sync(&friend);
    sync(&phone);
    assert_eq!(unread(&phone, &room), 2);
    // On Minji's screen Jun's messages carry his name, and his escape sequence is shown, not run.
    let shown = Command::new(DEMO)
        .arg("--data-dir")
        .arg(&phone)
        .args(["chat", "list", "--room", &room])
        .output()
        .expect("run demo");
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(!shown.contains('\u{1b}'), "{shown:?}");
    assert!(shown.contains("\\u{1b}[2J\\nMinji: forged"), "{shown}");
    assert_eq!(shown.lines().count(), 2, "{shown}");
    assert!(shown.contains("Jun: Coffee"), "{shown}");
    demo(&phone, &["chat", "read", "--room", &room]);
    demo(&phone, &["chat", "send", "--room", &room, "Yes! At six?"]);
    sync(&phone);
    sync(&friend);
    sync(&tablet);

    let seen_by_friend = messages(&friend, &room);
    assert_eq!(seen_by_friend.len(), 3, "{seen_by_friend:?}");
    assert!(
        seen_by_friend.iter().all(|m| m.2 == "sent"),
        "{seen_by_friend:?}"
    );
    assert_eq!(seen_by_friend[0].1, "Coffee at Dongseong-ro?");
    assert_eq!(seen_by_friend[2].1, "Yes! At six?");
    assert_eq!(messages(&phone, &room), seen_by_friend);
    assert_eq!(messages(&tablet, &room), seen_by_friend);
    // The phone's read marker travelled to the tablet; Jun has Minji's reply to read.
    assert_eq!(unread(&tablet, &room), 0);
    assert_eq!(unread(&friend, &room), 1);
}

#[test]
fn sync_without_an_account_says_how_to_sign_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(DEMO)
        .arg("--data-dir")
        .arg(dir.path())
        .arg("sync")
        .output()
        .expect("run demo");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("signup"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

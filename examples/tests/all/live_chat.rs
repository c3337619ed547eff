//! `chat watch`: with live sync, messages the other person sends appear on the watching device
//! as they arrive, with no `sync` on the watching side.

use crate::common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{DEMO, demo_json as demo};
use serde_json::Value;
use studymate_e2e::{Server, workspace};

const PASSWORD: &str = "correct horse battery";

#[test]
fn a_watched_room_shows_incoming_messages_as_they_arrive() {
    let temp = tempfile::tempdir().expect("tempdir");
    let server = Server::start_serving(
        &temp.path().join("server.db"),
        &workspace().join("examples/catalog/catalog.json"),
        &[],
    );
    let (minji, jun) = (temp.path().join("minji"), temp.path().join("jun"));
    let mut ids = Vec::new();
    for (dir, name) in [(&minji, "minji"), (&jun, "jun")] {
        let signup = demo(
            dir,
            &[
                "signup",
                "--server",
                &server.base,
                "--username",
                name,
                "--password",
                PASSWORD,
            ],
        );
        ids.push(signup["user_id"].as_str().expect("user id").to_owned());
    }
    let room = demo(
        &jun,
        &["chat", "start", "--user-id", &ids[0], "--name", "Minji"],
    );
    let room = room["id"].as_str().expect("room id").to_owned();
    demo(&jun, &["sync"]);
    demo(&minji, &["sync"]);

    let watch = Command::new(DEMO)
        .arg("--data-dir")
        .arg(&minji)
        .args(["--json", "chat", "watch", "--room", &room, "--count", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chat watch starts");
    let pid = watch.id();
    // A watchdog: a watch that never sees the messages fails the test instead of hanging it.
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(120));
        let _ = Command::new("kill").arg(pid.to_string()).status();
    });
    for text in ["annyeong!", "coffee at 3?"] {
        demo(&jun, &["chat", "send", "--room", &room, text]);
        demo(&jun, &["sync"]);
    }
    let output = watch.wait_with_output().expect("chat watch ends");
    assert!(
        output.status.success(),
        "chat watch failed: {:?}",
        output.status
    );
    let shown: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|m| m["content"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        shown,
        ["annyeong!", "coffee at 3?"],
        "each message once, in order"
    );
}

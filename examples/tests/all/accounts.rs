//! Process tests of the demo's account paths against a real server: signing up where a device
//! is already signed in, logging in to a folder used offline, a sign-in the server no longer
//! accepts (a spent refresh token), and Ctrl-C while a sync waits for a server that does not answer.
//! Each ends with a message that says what to do, a non-zero exit, and nothing lost.

use crate::common;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{DEMO, demo_json};
use serde_json::Value;
use studymate_e2e::{Server, workspace};

const PASSWORD: &str = "correct horse battery";

/// Runs the demo with `--json` on the device in `dir`.
fn demo(dir: &Path, args: &[&str]) -> Output {
    Command::new(DEMO)
        .arg("--data-dir")
        .arg(dir)
        .arg("--json")
        .args(args)
        .output()
        .expect("run demo")
}

/// Runs a command that must fail; returns the `error` object it printed.
fn fails(dir: &Path, args: &[&str]) -> Value {
    let out = demo(dir, args);
    assert!(!out.status.success(), "{args:?} succeeded");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let value: Value = serde_json::from_slice(&out.stdout).expect("a JSON error");
    value["error"].clone()
}

fn server() -> (tempfile::TempDir, Server) {
    let temp = tempfile::tempdir().expect("tempdir");
    let server = Server::start_serving(
        &temp.path().join("server.db"),
        &workspace().join("examples/catalog/catalog.json"),
        &[],
    );
    (temp, server)
}

fn signup(dir: &Path, server: &str, username: &str) -> Value {
    demo_json(
        dir,
        &[
            "signup",
            "--server",
            server,
            "--username",
            username,
            "--password",
            PASSWORD,
        ],
    )
}

/// One offline practice round with an answer that fits the situation's variations.
fn practise(dir: &Path) {
    demo_json(
        dir,
        &[
            "practice",
            "--situation",
            "cafe_ordering_dongseongro",
            "--answer",
            "I'd like an iced americano, please.",
        ],
    );
}

fn scores(dir: &Path) -> usize {
    demo_json(dir, &["progress"])["scores"]
        .as_array()
        .expect("scores")
        .len()
}

#[test]
fn signup_in_a_signed_in_folder_and_login_into_an_offline_folder_say_which_folder_to_use() {
    let (temp, server) = server();
    let phone = temp.path().join("phone");
    signup(&phone, &server.base, "minji");

    let again = fails(
        &phone,
        &[
            "signup",
            "--server",
            &server.base,
            "--username",
            "minji2",
            "--password",
            PASSWORD,
        ],
    );
    assert_eq!(again["code"], "already_signed_in", "{again}");
    let message = again["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("minji") && message.contains("--data-dir"),
        "{message}"
    );

    let offline = temp.path().join("offline");
    practise(&offline);
    let login = fails(
        &offline,
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
    let message = login["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("new --data-dir") && message.contains("signup"),
        "{login}"
    );
    assert_eq!(scores(&offline), 1, "the offline round is untouched");
    assert!(!offline.join("account.json").exists(), "not signed in");
}

#[test]
fn a_spent_refresh_token_asks_to_log_in_again_and_keeps_the_local_work() {
    let (temp, server) = server();
    let phone = temp.path().join("phone");
    signup(&phone, &server.base, "minji");
    let account = phone.join("account.json");
    let first: Value = serde_json::from_slice(&std::fs::read(&account).unwrap()).unwrap();

    // A token refresh spends the stored refresh token: force one by spoiling the access token.
    let mut spoiled = first.clone();
    spoiled["tokens"]["access_token"] = Value::from("spoiled");
    std::fs::write(&account, spoiled.to_string()).unwrap();
    demo_json(&phone, &["sync"]);
    let renewed: Value = serde_json::from_slice(&std::fs::read(&account).unwrap()).unwrap();
    assert_ne!(
        renewed["tokens"]["refresh_token"], first["tokens"]["refresh_token"],
        "the sync saved the renewed pair"
    );

    // A stale copy of account.json (say, from a backup) holds the spent refresh token.
    std::fs::write(&account, spoiled.to_string()).unwrap();
    practise(&phone);
    let error = fails(&phone, &["sync"]);
    assert_eq!(error["code"], "auth", "{error}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("sign in again") && message.contains("login --server"),
        "{message}"
    );
    assert_eq!(scores(&phone), 1, "the round waits for the next sync");
}

#[test]
fn ctrl_c_while_a_sync_waits_for_a_server_that_does_not_answer_stops_and_loses_nothing() {
    let (temp, server) = server();
    let phone = temp.path().join("phone");
    signup(&phone, &server.base, "minji");
    practise(&phone);

    // A "server" that takes connections and never answers: the push request hangs.
    let silent = TcpListener::bind("127.0.0.1:0").expect("listener");
    let silent_base = format!("http://{}", silent.local_addr().expect("address"));
    std::thread::spawn(move || {
        let held: Vec<_> = silent.incoming().collect();
        drop(held);
    });
    let account = phone.join("account.json");
    let stored: Value = serde_json::from_slice(&std::fs::read(&account).unwrap()).unwrap();
    let mut redirected = stored.clone();
    redirected["server"] = Value::from(silent_base);
    std::fs::write(&account, redirected.to_string()).unwrap();

    let sync = Command::new(DEMO)
        .arg("--data-dir")
        .arg(&phone)
        .args(["--json", "sync"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run demo");
    std::thread::sleep(Duration::from_millis(1000));
    let interrupted = Instant::now();
    let status = Command::new("kill")
        .args(["-INT", &sync.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let out = sync.wait_with_output().expect("demo ends");
    assert!(
        interrupted.elapsed() < Duration::from_secs(10),
        "Ctrl-C does not wait for the request's timeout"
    );
    assert_eq!(out.status.code(), Some(130), "{out:?}");
    let error: Value = serde_json::from_slice(&out.stdout).expect("a JSON error");
    assert_eq!(error["error"]["code"], "interrupted", "{error}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));

    // Back on the real server, the next sync pushes the round.
    std::fs::write(&account, stored.to_string()).unwrap();
    let outcome = demo_json(&phone, &["sync"]);
    assert_eq!(outcome["outbox"], 0, "{outcome}");
    assert!(outcome["applied"].as_u64().unwrap_or(0) > 0, "{outcome}");
    assert_eq!(scores(&phone), 1);
}

//! Process tests of the demo's failure paths: every mistake exits non-zero with a message that
//! names the option at fault and the fix, as `{"error": {"code", "message"}}` with `--json`; a
//! closed output pipe ends the program quietly instead of panicking.

use crate::common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{DEMO, demo_json};
use serde_json::Value;

/// Runs the demo on the device in `dir` with `args`.
fn demo(dir: &Path, args: &[&str]) -> Output {
    Command::new(DEMO)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .expect("run demo")
}

/// Runs a command that must fail; returns its standard error.
fn fails(dir: &Path, args: &[&str]) -> String {
    let out = demo(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{args:?} succeeded: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// Runs a command with `--json` that must fail; returns the `error` object it printed.
fn fails_json(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = demo(dir, &all);
    assert!(!out.status.success(), "{args:?} succeeded");
    let value: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert!(value["error"]["code"].is_string(), "{value}");
    assert!(value["error"]["message"].is_string(), "{value}");
    value["error"].clone()
}

#[test]
fn a_closed_output_pipe_ends_quietly_without_a_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo_json(dir.path(), &["progress"]);
    // A pipe whose reader is already gone: the demo's first write fails with EPIPE.
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = Command::new(DEMO)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--json", "progress"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run demo");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn options_out_of_range_or_malformed_name_the_option_and_the_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let hints = fails(d, &["practice", "--answer", "hi", "--hints", "9"]);
    assert!(
        hints.contains("--hints") && hints.contains("0..=3"),
        "{hints}"
    );

    let variation = fails_json(d, &["practice", "--answer", "hi", "--variation", "xyz"]);
    assert_eq!(variation["code"], "invalid_input");
    let message = variation["message"].as_str().unwrap_or_default();
    assert!(message.contains("--variation \"xyz\""), "{message}");
    assert!(message.contains("leave it out"), "{message}");

    let category = fails(d, &["situations", "--category", "foo"]);
    assert!(category.contains("--category \"foo\""), "{category}");
    assert!(category.contains("greetings"), "{category}");

    let situation = fails_json(d, &["practice", "--answer", "hi", "--situation", "nowhere"]);
    assert_eq!(situation["code"], "not_found");

    let room = fails_json(d, &["chat", "send", "--room", "abc", "hello"]);
    assert!(
        room["message"]
            .as_str()
            .unwrap_or_default()
            .contains("chat rooms"),
        "{room}"
    );

    // Nothing of the refused commands was recorded, and no round is left open.
    let progress = demo_json(d, &["progress"]);
    assert_eq!(progress["scores"].as_array().map(Vec::len), Some(0));
}

#[test]
fn a_usage_mistake_with_json_answers_in_json_with_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = demo(dir.path(), &["--json", "no-such-command"]);
    assert_eq!(out.status.code(), Some(2));
    let value: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(value["error"]["code"], "invalid_input");
    assert!(
        value["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("no-such-command"),
        "{value}"
    );
}

#[test]
fn a_server_address_without_scheme_or_with_v1_is_named_with_the_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let account = ["--username", "minji", "--password", "a long password"];
    let mut args = vec!["signup", "--server", "127.0.0.1:8787"];
    args.extend_from_slice(&account);
    let no_scheme = fails(d, &args);
    assert!(no_scheme.contains("http://127.0.0.1:8787"), "{no_scheme}");

    let mut args = vec!["login", "--server", "http://127.0.0.1:8787/v1"];
    args.extend_from_slice(&account);
    let v1 = fails_json(d, &args);
    assert_eq!(v1["code"], "invalid_input");
    assert!(
        v1["message"]
            .as_str()
            .unwrap_or_default()
            .contains("use --server http://127.0.0.1:8787"),
        "{v1}"
    );
}

#[test]
fn a_server_that_is_not_running_is_reported_with_what_to_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A port that was free a moment ago and has no listener now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let server = format!("http://127.0.0.1:{port}");
    let error = fails_json(
        dir.path(),
        &[
            "signup",
            "--server",
            &server,
            "--username",
            "minji",
            "--password",
            "a long password",
        ],
    );
    assert_eq!(error["code"], "network");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains(&server), "{message}");
    assert!(message.contains("is running"), "{message}");
}

#[test]
fn a_login_without_password_outside_a_terminal_asks_for_the_option() {
    let dir = tempfile::tempdir().expect("tempdir");
    let error = fails_json(
        dir.path(),
        &[
            "login",
            "--server",
            "http://127.0.0.1:8787",
            "--username",
            "minji",
        ],
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("--password"),
        "{error}"
    );
}

#[test]
fn an_empty_database_file_is_refused_with_advice_not_taken_as_a_new_user() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("studymate.db"), b"").expect("empty file");
    let error = fails_json(dir.path(), &["progress"]);
    assert_eq!(error["code"], "damaged_database");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("0 bytes"),
        "{error}"
    );
    let still_empty = std::fs::metadata(dir.path().join("studymate.db")).expect("file");
    assert_eq!(still_empty.len(), 0, "the file was left as it was");
}

#[test]
fn sync_without_an_account_fails_as_json_with_its_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let error = fails_json(dir.path(), &["sync"]);
    assert_eq!(error["code"], "not_signed_in");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("signup"),
        "{error}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn without_data_dir_the_data_goes_to_the_platform_data_folder() {
    let home = tempfile::tempdir().expect("tempdir");
    let work = tempfile::tempdir().expect("tempdir");
    let out = Command::new(DEMO)
        .args(["--json", "progress"])
        .current_dir(work.path())
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .output()
        .expect("run demo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        home.path()
            .join("data/studymate-demo/studymate.db")
            .is_file()
    );
    let left: Vec<_> = std::fs::read_dir(work.path()).expect("list").collect();
    assert!(left.is_empty(), "the working folder stays clean: {left:?}");
}

#[test]
fn the_chat_shows_names_and_escapes_control_characters_in_messages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let friend = uuid::Uuid::now_v7().to_string();
    // The library refuses control characters in names, and the demo says which option.
    let refused = fails(
        dir.path(),
        &[
            "chat",
            "start",
            "--user-id",
            &friend,
            "--name",
            "Em\u{1b}[2Jma",
        ],
    );
    assert!(refused.contains("--name"), "{refused}");

    let room = demo_json(
        dir.path(),
        &["chat", "start", "--user-id", &friend, "--name", "Emma"],
    );
    let room = room["id"].as_str().expect("room id").to_owned();
    let rooms = demo(dir.path(), &["chat", "rooms"]);
    let text = String::from_utf8_lossy(&rooms.stdout);
    assert!(text.contains("with Emma"), "{text}");

    demo_json(
        dir.path(),
        &[
            "chat",
            "send",
            "--room",
            &room,
            "hi\u{1b}[31m\nforged: line",
        ],
    );
    let list = demo(dir.path(), &["chat", "list", "--room", &room]);
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        !text.contains("\u{1b}[31m"),
        "a raw escape reached the terminal: {text:?}"
    );
    assert!(text.contains("you"), "{text}");
    assert!(text.contains("hi\\u{1b}[31m\\nforged: line"), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[test]
fn an_empty_chart_says_how_to_fill_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = demo(dir.path(), &["progress"]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("No scores yet"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

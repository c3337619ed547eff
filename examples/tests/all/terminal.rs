//! The interactive app driven through a pseudo-terminal: a full round, going back to the menu,
//! Ctrl-C at a prompt (the cursor comes back, exit 130, no scored answer lost), a round left
//! open by a killed process, and the hidden password prompt.

use crate::common;

use common::{DEMO, demo_json};
use rexpect::process::Signal;
use rexpect::process::wait::WaitStatus;
use rexpect::session::PtySession;

/// The terminal sequence that shows the cursor; dialoguer hides it while a menu is drawn.
const SHOW_CURSOR: &str = "\u{1b}[?25h";
const HIDE_CURSOR: &str = "\u{1b}[?25l";

/// Starts the demo with `args` on the device in `dir`, in a pseudo-terminal.
fn spawn(dir: &std::path::Path, args: &str) -> PtySession {
    let command = format!("{DEMO} --data-dir {} {args}", dir.display());
    rexpect::spawn(&command, Some(30_000)).expect("spawn in a pty")
}

/// Sends keys once the prompt on screen is ready for them. dialoguer switches the terminal to
/// raw mode only after drawing a prompt, and keys typed before that are lost, so wait a moment
/// (this is pacing, not a timing assertion).
fn press(app: &mut PtySession, keys: &str) {
    std::thread::sleep(std::time::Duration::from_millis(400));
    app.send(keys).expect("send keys");
    app.flush().expect("flush keys");
}

/// Waits for the app to end and checks that it left the cursor visible and exited with `code`.
fn ends_with_cursor_shown(app: &mut PtySession, code: i32) -> String {
    let tail = app.exp_eof().expect("the app exits");
    let shown = tail.rfind(SHOW_CURSOR);
    assert!(
        shown.is_some() && tail.rfind(HIDE_CURSOR) < shown,
        "the cursor was left hidden: {tail:?}"
    );
    match app.process.wait() {
        Ok(WaitStatus::Exited(_, status)) => assert_eq!(status, code, "{tail:?}"),
        other => panic!("unexpected end {other:?}: {tail:?}"),
    }
    tail
}

fn scores(dir: &std::path::Path) -> usize {
    demo_json(dir, &["progress"])["scores"]
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn the_interactive_app_runs_a_full_practice_round_in_a_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = spawn(dir.path(), "");
    app.exp_string("Quit").expect("menu");
    press(&mut app, "\r"); // the recommended practice
    app.exp_string("You ('hint'").expect("answer prompt");
    press(&mut app, "hint\r");
    app.exp_string("hint 1:").expect("first hint shown");
    app.exp_string("You ('hint'").expect("answer prompt again");
    press(&mut app, "I would like to order, please.\r");
    app.exp_string("Overall").expect("score breakdown");
    app.exp_string("Try again").expect("what next");
    press(&mut app, "\r"); // finish the round
    app.exp_string("Points").expect("rewards summary");
    app.exp_string("Quit").expect("back to the menu");
    press(&mut app, "\x1b[B\x1b[B\x1b[B\x1b[B\x1b[B");
    press(&mut app, "\r"); // Quit
    ends_with_cursor_shown(&mut app, 0);
    assert_eq!(scores(dir.path()), 1, "the round was saved");
}

#[test]
fn an_empty_answer_goes_back_to_the_menu_and_ctrl_c_there_restores_the_cursor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = spawn(dir.path(), "");
    app.exp_string("Quit").expect("menu");
    press(&mut app, "\r");
    app.exp_string("You ('hint'").expect("answer prompt");
    press(&mut app, "\r"); // nothing: back to the menu
    app.exp_string("does not count").expect("nothing scored");
    app.exp_string("Quit").expect("back at the menu");
    press(&mut app, "\x03");
    let tail = ends_with_cursor_shown(&mut app, 130);
    assert!(tail.contains("Ctrl-C"), "{tail:?}");
    assert!(!tail.contains("panicked"), "{tail:?}");
    assert_eq!(scores(dir.path()), 0);
}

#[test]
fn ctrl_c_after_a_scored_answer_keeps_the_round() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = spawn(dir.path(), "");
    app.exp_string("Quit").expect("menu");
    press(&mut app, "\r");
    app.exp_string("You ('hint'").expect("answer prompt");
    press(&mut app, "I'd like an iced americano, please.\r");
    app.exp_string("Try again").expect("what next");
    press(&mut app, "\x03");
    app.exp_string("Points")
        .expect("the round is completed on the way out");
    ends_with_cursor_shown(&mut app, 130);
    assert_eq!(scores(dir.path()), 1, "the scored answer counts");
    let balance = demo_json(dir.path(), &["progress"])["balance"]["available"].as_i64();
    assert!(balance > Some(0), "{balance:?}");
}

#[test]
fn a_round_left_open_by_a_killed_app_is_completed_at_the_next_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = spawn(dir.path(), "");
    app.exp_string("Quit").expect("menu");
    press(&mut app, "\r");
    app.exp_string("You ('hint'").expect("answer prompt");
    press(&mut app, "I'd like an iced americano, please.\r");
    app.exp_string("Try again").expect("what next");
    app.process.kill(Signal::SIGKILL).expect("kill the app");
    assert_eq!(scores(dir.path()), 0, "the round is still open");

    let mut again = spawn(dir.path(), "");
    again
        .exp_string("finished and counted")
        .expect("the open round is completed");
    again.exp_string("Quit").expect("menu");
    press(&mut again, "\x03");
    ends_with_cursor_shown(&mut again, 130);
    assert_eq!(scores(dir.path()), 1, "the scored answer counts");
}

#[test]
fn login_without_password_asks_for_it_without_echo() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A port that was free a moment ago: the login fails after the prompt, as a network error.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut app = spawn(
        dir.path(),
        &format!("login --server http://127.0.0.1:{port} --username minji"),
    );
    app.exp_string("Password for minji")
        .expect("password prompt");
    press(&mut app, "secret horse battery\r");
    let (typed, _) = app
        .exp_regex("could not\\s+be\\s+reached")
        .expect("the login is tried with the password");
    assert!(
        !typed.contains("secret horse"),
        "the password was echoed: {typed:?}"
    );
    app.exp_eof().expect("the app exits");
}

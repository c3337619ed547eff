//! Crash test: a child process writes in a loop and acknowledges each write that returned `Ok`;
//! the parent kills it with SIGKILL at a random point, reopens the file and checks that every
//! acknowledged write is there with exactly one change-log entry, that no change-log entry lacks
//! its row (nothing half-written), and that SQLite's integrity check passes. Several rounds, on
//! the same file, each with a different random kill point.
//!
//! The child is this test binary itself, re-executed to run only `child_writer`, which does
//! nothing unless `STUDYMATE_CRASH_CHILD` names a database (so a plain `cargo test -- --ignored`
//! is harmless). Set `STUDYMATE_CRASH_SEED` to replay a failing run; the seed is printed.

use crate::common;

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};
use studymate_core::Client;
use studymate_core::chat::NewMessage;
use studymate_core::ledger::{NewPoints, PointSource, TransactionType};
use studymate_core::profile::ProfilePatch;
use uuid::Uuid;

const CHILD_DB: &str = "STUDYMATE_CRASH_CHILD";
const CHILD_ROOM: &str = "STUDYMATE_CRASH_ROOM";
const CHILD_ROUND: &str = "STUDYMATE_CRASH_ROUND";
const ROUNDS: u32 = 5;

/// The child: open the database and write until killed, acknowledging each successful write on
/// stdout, one line per write, flushed before the next write starts.
#[test]
#[ignore = "runs only as the crash test's child process"]
fn child_writer() {
    let Ok(path) = std::env::var(CHILD_DB) else {
        return;
    };
    let round: u32 = std::env::var(CHILD_ROUND).unwrap().parse().unwrap();
    let client = Client::open(&path, Default::default()).expect("child: open");
    // "new": a first launch, which makes its own chat partner and room.
    let room: Uuid = match std::env::var(CHILD_ROOM).unwrap().as_str() {
        "new" => {
            let friend = Uuid::now_v7();
            client
                .save_contact(&common::contact(friend, "Jisoo"))
                .expect("child: save_contact");
            client.create_direct_room(friend).expect("child: room").id
        }
        id => id.parse().unwrap(),
    };
    let mut out = std::io::stdout().lock();
    for i in 0..100_000i32 {
        let line = match i % 3 {
            0 => {
                let text = format!("round {round} write {i}");
                let m = client
                    .send_message(room, &NewMessage::text(text))
                    .expect("child: send_message");
                format!("ok message {}\n", m.id)
            }
            1 => {
                let t = client
                    .record_points(&NewPoints {
                        transaction_type: TransactionType::Earned,
                        amount: i + 1,
                        source: PointSource::DailyPractice,
                        source_reference_id: None,
                        description: Some(format!("round {round} write {i}")),
                    })
                    .expect("child: record_points");
                format!("ok points {}\n", t.id)
            }
            _ => {
                let intro = format!("crash-{round}-{i}");
                client
                    .update_profile(&ProfilePatch {
                        intro: Some(intro.clone()),
                        ..Default::default()
                    })
                    .expect("child: update_profile");
                format!("ok profile {intro}\n")
            }
        };
        // One small write per line, so the parent never sees half a line as an acknowledgement.
        out.write_all(line.as_bytes()).expect("child: stdout");
        out.flush().expect("child: flush");
    }
}

/// Kills the child if the parent's checks panic, so no writer outlives the test.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[derive(Default)]
struct Acked {
    messages: HashSet<String>,
    points: HashSet<String>,
    intros: HashSet<String>,
}

#[test]
fn killed_writer_loses_no_acknowledged_write_and_leaves_nothing_half_written() {
    let seed = std::env::var("STUDYMATE_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("crash test seed: {seed} (set STUDYMATE_CRASH_SEED={seed} to replay)");
    let mut rng = fastrand::Rng::with_seed(seed);

    let db = common::TestDb::new();
    let friend = db.add_contact("Jisoo");
    let room = db.client.create_direct_room(friend).unwrap().id;
    let user = db.client.user_id();
    let path = db.path.clone();
    drop(db.client);

    let mut acked = Acked::default();
    let mut total = 0;
    for round in 0..ROUNDS {
        // Usually after some acknowledged writes; sometimes straight after start (during open).
        let kill_after = if rng.u8(..5) == 0 {
            0
        } else {
            rng.usize(1..90)
        };
        let pause = Duration::from_micros(rng.u64(0..3_000));
        let stderr_path = db.dir.path().join(format!("child-{round}.stderr"));
        let room = room.to_string();
        let n = run_and_kill(
            &path,
            &room,
            round,
            kill_after,
            pause,
            &stderr_path,
            &mut acked,
        );
        eprintln!(
            "round {round}: killed after {n} acknowledged writes (planned {kill_after}, +{pause:?})"
        );
        total += n;
        check_after_crash(&path, Some(user), &acked, round);
    }
    assert!(total > 0, "no round acknowledged anything");
}

#[test]
fn killed_during_first_launch_leaves_a_usable_file() {
    // The child creates a new file (schema, identity, a room) and starts writing; it is killed a
    // random few milliseconds after it starts, often while it is still opening or migrating.
    let seed = std::env::var("STUDYMATE_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("first-launch crash seed: {seed} (set STUDYMATE_CRASH_SEED={seed} to replay)");
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = tempfile::tempdir().unwrap();
    for round in 0..ROUNDS {
        let path = dir.path().join(format!("first-launch-{round}.db"));
        let pause = Duration::from_micros(rng.u64(0..80_000));
        let mut acked = Acked::default();
        let stderr_path = dir.path().join(format!("child-{round}.stderr"));
        let n = run_and_kill(&path, "new", round, 0, pause, &stderr_path, &mut acked);
        eprintln!("round {round}: killed {pause:?} after start, {n} acknowledged writes");
        // Whatever the moment, the next launch opens the file (creating it if the child never
        // got that far) and finds every acknowledged write.
        check_after_crash(&path, None, &acked, round);
    }
}

/// Starts a child writing to `path`, kills it after `kill_after` acknowledged writes plus
/// `pause`, records every acknowledgement (including those already in the pipe), and returns how
/// many writes this child acknowledged.
fn run_and_kill(
    path: &Path,
    room: &str,
    round: u32,
    kill_after: usize,
    pause: Duration,
    stderr_path: &Path,
    acked: &mut Acked,
) -> usize {
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash::child_writer",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DB, path)
        .env(CHILD_ROOM, room)
        .env(CHILD_ROUND, round.to_string())
        .stdout(Stdio::piped())
        .stderr(File::create(stderr_path).unwrap())
        .spawn()
        .expect("start the child");
    let mut child = KillOnDrop(child);
    let mut lines = BufReader::new(child.0.stdout.take().unwrap());

    let mut this_round = 0;
    let mut killed = false;
    let mut line = String::new();
    loop {
        if this_round == kill_after && !killed {
            thread::sleep(pause);
            child.0.kill().expect("SIGKILL the child");
            killed = true;
        }
        line.clear();
        let n = lines.read_line(&mut line).unwrap();
        if n == 0 {
            break; // EOF: the child is gone.
        }
        if !line.ends_with('\n') {
            continue; // cut off by the kill: not an acknowledgement.
        }
        let mut words = line.split_whitespace();
        if words.next() != Some("ok") {
            continue; // the test harness's own output
        }
        let (kind, value) = (words.next().unwrap(), words.next().unwrap().to_owned());
        match kind {
            "message" => acked.messages.insert(value),
            "points" => acked.points.insert(value),
            "profile" => acked.intros.insert(value),
            other => panic!("unexpected line kind {other}"),
        };
        this_round += 1;
    }
    let status = child.0.wait().unwrap();
    assert!(
        killed && status.code().is_none(),
        "round {round}: the child stopped by itself ({status}) after {this_round} writes:\n{}",
        std::fs::read_to_string(stderr_path).unwrap_or_default()
    );
    this_round
}

fn check_after_crash(path: &Path, user: Option<Uuid>, acked: &Acked, round: u32) {
    // A child killed before it created anything leaves no file; the next launch starts afresh.
    if !path.exists() {
        assert!(acked.messages.is_empty() && acked.points.is_empty() && acked.intros.is_empty());
        common::open_client(path, user, &common::TestClock::new()).unwrap();
        return;
    }
    // The raw file first, before the library touches it again.
    let conn = common::raw(path);
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok", "round {round}: integrity check");
    let fk_violations = conn
        .prepare("PRAGMA foreign_key_check")
        .unwrap()
        .query_map([], |_| Ok(()))
        .unwrap()
        .count();
    assert_eq!(fk_violations, 0, "round {round}: foreign keys");
    let has_schema: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'change_log'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    if has_schema == 0 {
        // Killed before the schema was committed (a first launch): nothing can have been
        // acknowledged, and the next launch creates the schema.
        assert!(acked.messages.is_empty() && acked.points.is_empty() && acked.intros.is_empty());
        drop(conn);
        let client = common::open_client(path, user, &common::TestClock::new())
            .unwrap_or_else(|e| panic!("round {round}: cannot open after the crash: {e}"));
        assert!(client.changes(0, 1).unwrap().is_empty());
        return;
    }

    let scalar = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> i64 {
        conn.query_row(sql, p, |r| r.get(0)).unwrap()
    };
    // Every acknowledged write is there, with exactly one change-log entry.
    for id in &acked.messages {
        assert_eq!(
            scalar(
                "SELECT count(*) FROM chat_messages WHERE message_id = ?1",
                &[id]
            ),
            1,
            "round {round}: acknowledged message {id} is missing"
        );
        assert_eq!(
            log_entries(&conn, "chat_message", id),
            1,
            "round {round}: message {id}"
        );
    }
    for id in &acked.points {
        assert_eq!(
            scalar(
                "SELECT count(*) FROM point_transactions WHERE transaction_id = ?1",
                &[id]
            ),
            1,
            "round {round}: acknowledged points {id} are missing"
        );
        assert_eq!(
            log_entries(&conn, "point_transaction", id),
            1,
            "round {round}: points {id}"
        );
    }
    for intro in &acked.intros {
        assert_eq!(
            scalar(
                "SELECT count(*) FROM change_log WHERE entity = 'profile' AND json_extract(payload, '$.intro') = ?1",
                &[intro]
            ),
            1,
            "round {round}: acknowledged profile update {intro}"
        );
    }

    // Nothing half-written: no change-log entry without its row, no row without its entry.
    let orphans = [
        "SELECT count(*) FROM change_log c WHERE c.entity = 'chat_message'
           AND NOT EXISTS (SELECT 1 FROM chat_messages m WHERE m.message_id = c.entity_id)",
        "SELECT count(*) FROM change_log c WHERE c.entity = 'point_transaction'
           AND NOT EXISTS (SELECT 1 FROM point_transactions t WHERE t.transaction_id = c.entity_id)",
        "SELECT count(*) FROM chat_messages m WHERE m.send_state = 'pending'
           AND (SELECT count(*) FROM change_log c WHERE c.entity_id = m.message_id) <> 1",
        "SELECT count(*) FROM point_transactions t
           WHERE (SELECT count(*) FROM change_log c WHERE c.entity_id = t.transaction_id) <> 1",
        // A local echo sorts by its own change-log entry's sequence.
        "SELECT count(*) FROM chat_messages m JOIN change_log c
           ON c.entity_id = m.message_id AND c.operation = 'insert'
         WHERE m.sort_key <> 9007199254740992 + c.seq",
    ];
    for sql in orphans {
        assert_eq!(scalar(sql, &[]), 0, "round {round}: {sql}");
    }

    // The profile shows the last logged update.
    let last_intro: Option<String> = conn
        .query_row(
            "SELECT json_extract(payload, '$.intro') FROM change_log WHERE entity = 'profile'
             ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .ok();
    // No self row yet when the first launch was killed between the schema and the identity.
    let stored_intro: Option<String> = conn
        .query_row("SELECT intro FROM users WHERE is_self = 1", [], |r| {
            r.get(0)
        })
        .optional()
        .unwrap()
        .flatten();
    assert_eq!(
        stored_intro, last_intro,
        "round {round}: profile vs its log"
    );
    drop(conn);

    // And the library opens it and agrees.
    let client = common::open_client(path, user, &common::TestClock::new()).unwrap_or_else(|e| {
        panic!("round {round}: the file cannot be opened after the crash: {e}")
    });
    let ledger_sum = scalar_on(
        path,
        "SELECT coalesce(sum(points_amount), 0) FROM point_transactions",
    );
    assert_eq!(client.balance().unwrap().available, ledger_sum);
    assert_eq!(client.profile().unwrap().intro, last_intro);
}

fn log_entries(conn: &Connection, entity: &str, id: &str) -> i64 {
    conn.query_row(
        "SELECT count(*) FROM change_log WHERE entity = ?1 AND entity_id = ?2",
        [entity, id],
        |r| r.get(0),
    )
    .unwrap()
}

fn scalar_on(path: &Path, sql: &str) -> i64 {
    common::raw(path).query_row(sql, [], |r| r.get(0)).unwrap()
}

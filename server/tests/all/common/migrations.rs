//! The schema migrations (`server/migrations/`), run against each store like the protocol
//! scenarios: an empty database gets every version; a database made before the server used
//! migrations (every table, no `refinery_schema_history`) is adopted with its data; a database
//! migrated by a newer build is refused and left as it was.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{Device, Server, signed_up, sql, statuses};
use crate::common::scenarios::Scenario;

/// Every migration scenario, by name, for the stores' test drivers.
pub const ALL: &[(&str, Scenario)] = &[
    (
        "an_empty_database_gets_every_migration_once",
        an_empty_database_gets_every_migration_once,
    ),
    (
        "a_database_from_before_migrations_is_adopted_with_its_data",
        a_database_from_before_migrations_is_adopted_with_its_data,
    ),
    (
        "a_database_from_a_newer_server_is_refused_and_kept",
        a_database_from_a_newer_server_is_refused_and_kept,
    ),
];

/// The server's tables, as created by V1, V2 and V3.
const TABLES: &[&str] = &[
    "feed_heads",
    "meta",
    "users",
    "token_pairs",
    "records",
    "participants",
    "direct_rooms",
    "ledger",
    "applied_changes",
    "devices",
    "changes",
    "user_feed",
    "practice_days",
    "practice_stats",
    "deleted_accounts",
    "history_marks",
];

/// A fresh database is brought to the newest version, and opening it again applies nothing.
pub fn an_empty_database_gets_every_migration_once(db: &str) {
    let server = Server::start(db, &[]);
    server.signup("ann");
    assert!(server.terminate().success());
    assert_eq!(versions(db), [1, 2, 3]);
    for table in TABLES {
        assert!(sql::has_table(db, table), "the migrations create {table}");
    }

    let again = Server::start(db, &[]);
    again.signup("bob");
    assert!(again.terminate().success());
    assert_eq!(
        versions(db),
        [1, 2, 3],
        "a second start records nothing more"
    );
    assert_eq!(count(db, "users"), 2);
}

/// A database as the server made it before migrations keeps every row, every sign-in and the
/// whole feed when a server with migrations opens it: V1 is recorded without changing anything,
/// V2 adds its tables, and V3 keys the feed per user with every row at its old position, so a
/// cursor handed out before means the same place: it is answered nothing old, and then exactly
/// what was delivered after it.
pub fn a_database_from_before_migrations_is_adopted_with_its_data(db: &str) {
    let (server, [ann, bob]) = signed_up(db, ["ann", "bob"]);
    let mut phone = Device::new();
    let (room, create) = phone.room("DIRECT", &[ann.user, bob.user]);
    let (_, hello) = phone.message(room, ann.user, "hello bob");
    let coffee = phone.interest("coffee");
    let results = server.push(&ann, phone.id, &[create, hello, coffee]);
    assert_eq!(statuses(&results), ["applied", "applied", "applied"]);
    let (ann_feed, _) = server.pull_all(&ann, None);
    let (bob_feed, bob_cursor) = server.pull_all(&bob, None);
    assert!(server.terminate().success());

    // What a server of that time left: V1's tables (the same DDL, one global feed position),
    // and no history.
    sql::execute(db, "DROP TABLE refinery_schema_history");
    sql::feed_before_per_user_positions(db);
    sql::execute(db, "DROP TABLE deleted_accounts");
    sql::execute(db, "DROP TABLE history_marks");
    sql::execute(db, "DROP INDEX user_feed_seq");
    // Bob's device holds a cursor at his last global position.
    let bob_position = sql::integers(
        db,
        &format!(
            "SELECT MAX(feed_seq) FROM user_feed WHERE user_id = '{}'",
            bob.user
        ),
    )[0];
    let epoch = bob_cursor
        .rsplit_once(':')
        .expect("a cursor is epoch:position")
        .0;
    let bob_cursor = format!("{epoch}:{bob_position}");
    let before = row_counts(db);
    assert!(before.iter().all(|(_, n)| *n > 0), "{before:?}");

    let server = Server::start(db, &[]);
    assert_eq!(versions(db), [1, 2, 3]);
    assert!(sql::has_table(db, "deleted_accounts"));
    assert_eq!(
        row_counts(db),
        before,
        "adopting the database changed no row"
    );
    assert_eq!(server.pull_all(&ann, None).0, ann_feed);
    assert_eq!(server.pull_all(&bob, None).0, bob_feed);
    let bob_again = server.login("bob");
    let mut bob_phone = Device::new();
    let (reply_id, reply) = bob_phone.message(room, bob_again.user, "hi ann");
    let results = server.push(&bob_again, bob_phone.id, &[reply]);
    assert_eq!(statuses(&results), ["applied"]);
    let (after_cursor, _) = server.pull_all(&bob_again, Some(&bob_cursor));
    let ids: Vec<&str> = after_cursor
        .iter()
        .filter_map(|c| c["entity_id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [reply_id.to_string()],
        "the old cursor is followed by the reply alone"
    );
    assert!(server.terminate().success());
}

/// A database with a version this build does not know is refused at start (the process exits
/// with a failure and serves nothing), and its history and rows are left as they were.
pub fn a_database_from_a_newer_server_is_refused_and_kept(db: &str) {
    let server = Server::start(db, &[]);
    server.signup("ann");
    assert!(server.terminate().success());
    sql::execute(
        db,
        "INSERT INTO refinery_schema_history (version, name, applied_on, checksum)
         VALUES (4, 'from_the_future', '2026-11-23T08:58:35Z', '1')",
    );
    let before = row_counts(db);

    let mut child = Command::new(env!("CARGO_BIN_EXE_studymate-server"))
        .args(["--listen", "127.0.0.1:0", "--database", db])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("server binary starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait on server") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server kept running on a database from a newer build");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = child.wait_with_output().expect("server output");
    assert!(!status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("migrat"),
        "the refusal names the migration: {stderr}"
    );
    assert_eq!(versions(db), [1, 2, 3, 4]);
    assert_eq!(row_counts(db), before);
}

/// The versions in the database's migration history, in order.
fn versions(db: &str) -> Vec<i64> {
    sql::integers(
        db,
        "SELECT version FROM refinery_schema_history ORDER BY version",
    )
}

/// Rows in `table`.
fn count(db: &str, table: &str) -> i64 {
    sql::integers(db, &format!("SELECT count(*) FROM {table}"))[0]
}

/// Rows in each table that holds any in these scenarios (the others stay empty).
fn row_counts(db: &str) -> Vec<(&'static str, i64)> {
    [
        "users",
        "token_pairs",
        "records",
        "participants",
        "direct_rooms",
        "applied_changes",
    ]
    .into_iter()
    .chain(["devices", "changes", "user_feed"])
    .map(|table| (table, count(db, table)))
    .collect()
}

//! One writer per table, checked: every table of the local schema has one owning module, and no
//! other module of `core/src` holds an `INSERT`, `UPDATE`, `DELETE` or `REPLACE` statement on it.
//! Sync and the other callers go through the owner's functions (`docs/architecture.md`, "Who
//! writes which table: the device").
//!
//! This is a unit test rather than a `scripts/test.sh` step so that it runs with every
//! `cargo test` (the command each change is tested with), needs no tool beyond the compiler, and
//! fails with the file and the table named.
//!
//! What the scan sees: SQL in string literals, written upper case as everywhere in core, with the
//! table name spelled out after `INSERT [OR …] INTO`, `REPLACE INTO`, `DELETE FROM` or `UPDATE …
//! SET`. Not scanned: each file's test module at its end (`#[cfg(test)] mod tests`), this file,
//! and `privacy/erase.rs`, which empties every table by design when the server deleted the
//! account. Tables only triggers write (the aggregates) have no owning module. A statement on a
//! table the map does not list fails too, so a new table gets an owner when it is created.

use std::path::{Path, PathBuf};

/// Each table of the local schema and the file (under `core/src`) that alone writes it; `None`
/// for the tables only the schema's triggers write.
const OWNERS: &[(&str, Option<&str>)] = &[
    ("local_meta", Some("client.rs")),
    ("users", Some("profile.rs")),
    ("user_languages", Some("profile.rs")),
    ("user_interests", Some("profile.rs")),
    ("onboarding_progress", Some("profile.rs")),
    ("onboarding_step_data", Some("profile.rs")),
    ("situations", Some("catalog.rs")),
    ("situation_variations", Some("catalog.rs")),
    ("achievements", Some("catalog.rs")),
    ("practice_sessions", Some("practice.rs")),
    ("practice_turns", Some("practice.rs")),
    ("practice_days", None),
    ("practice_situation_stats", None),
    ("point_transactions", Some("ledger.rs")),
    ("point_totals", None),
    ("user_achievements", Some("progress.rs")),
    ("chat_rooms", Some("chat.rs")),
    ("chat_participants", Some("chat.rs")),
    ("chat_messages", Some("chat.rs")),
    ("change_log", Some("changelog.rs")),
    ("sync_state", Some("sync/state.rs")),
    ("sync_rejections", Some("sync/state.rs")),
    ("sync_reset_seen", Some("sync/state.rs")),
];

/// Files the scan skips (see the module documentation).
const EXEMPT: &[&str] = &["store/writers.rs", "privacy/erase.rs"];

/// A statement writing `table`, found in source text.
#[derive(Debug, PartialEq, Eq)]
struct Write {
    verb: &'static str,
    table: String,
}

/// The write statements in `text`, in order.
fn writes(text: &str) -> Vec<Write> {
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let at = |i: usize| words.get(i).copied().unwrap_or("");
    let mut found = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let (verb, table) = match *word {
            // INSERT [OR IGNORE|REPLACE|…] INTO t
            "INSERT" if at(i + 1) == "INTO" => ("INSERT", at(i + 2)),
            "INSERT" if at(i + 1) == "OR" && at(i + 3) == "INTO" => ("INSERT", at(i + 4)),
            // REPLACE INTO t (not the OR REPLACE of an INSERT, counted above)
            "REPLACE" if at(i + 1) == "INTO" && i.checked_sub(1).map(at) != Some("OR") => {
                ("REPLACE", at(i + 2))
            }
            "DELETE" if at(i + 1) == "FROM" => ("DELETE", at(i + 2)),
            // UPDATE t SET (not an upsert's DO UPDATE SET)
            "UPDATE" if at(i + 2) == "SET" && at(i + 1) != "SET" => ("UPDATE", at(i + 1)),
            _ => continue,
        };
        found.push(Write {
            verb,
            table: table.to_owned(),
        });
    }
    found
}

/// `text` without its test module at the end.
fn without_tests(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod tests")
        .map_or(text, |end| &text[..end])
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_scan_finds_writes_and_ignores_upserts_and_prose() {
    let sql = r#"
        "INSERT INTO a (x) VALUES (1) ON CONFLICT (x) DO UPDATE SET x = excluded.x"
        "INSERT OR IGNORE INTO b (x) VALUES (1)"  "INSERT OR REPLACE INTO c VALUES (1)"
        "REPLACE INTO d VALUES (1)"  "DELETE FROM e WHERE x = 1"  "UPDATE f SET x = 2"
        // an INSERT/UPDATE/DELETE of rows, in prose
    "#;
    let writes = writes(sql);
    let found: Vec<(&str, &str)> = writes.iter().map(|w| (w.verb, w.table.as_str())).collect();
    assert_eq!(
        found,
        [
            ("INSERT", "a"),
            ("INSERT", "b"),
            ("INSERT", "c"),
            ("REPLACE", "d"),
            ("DELETE", "e"),
            ("UPDATE", "f")
        ]
    );
}

#[test]
fn every_table_of_the_schema_has_one_entry_in_the_owner_map() {
    // The tables as the migrations leave them (a table rebuilt under a temporary name and renamed
    // counts once), refinery's own history table aside.
    let mut conn = rusqlite::Connection::open_in_memory().expect("an in-memory database");
    super::open::migrate(&mut conn).expect("the migrations apply");
    let mut created: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table'
             AND name NOT LIKE 'sqlite_%' AND name <> 'refinery_schema_history'",
        )
        .expect("the schema query")
        .query_map([], |r| r.get(0))
        .expect("the schema rows")
        .collect::<rusqlite::Result<_>>()
        .expect("table names");
    created.sort();
    let mut listed: Vec<String> = OWNERS.iter().map(|(t, _)| (*t).to_owned()).collect();
    listed.sort();
    assert_eq!(
        created, listed,
        "tables of the migrated schema vs the owner map"
    );
}

#[test]
fn each_table_is_written_by_its_owner_only() {
    let src = crate_dir().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    let mut seen_owned = 0;
    for path in files {
        let name = path
            .strip_prefix(&src)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        if EXEMPT.contains(&name.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a source file");
        for w in writes(without_tests(&text)) {
            match OWNERS.iter().find(|(table, _)| *table == w.table) {
                Some((_, Some(owner))) if *owner == name => seen_owned += 1,
                Some((_, owner)) => wrong.push(format!(
                    "{name}: {} on {} (owner: {})",
                    w.verb,
                    w.table,
                    owner.unwrap_or("triggers only")
                )),
                None => wrong.push(format!(
                    "{name}: {} on {}, a table the owner map does not list",
                    w.verb, w.table
                )),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "writes outside the owners:\n{}",
        wrong.join("\n")
    );
    // The scan found the owners' own statements, so it reads the files it should.
    assert!(seen_owned > 20, "only {seen_owned} owned writes found");
}

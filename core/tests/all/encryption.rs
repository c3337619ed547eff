//! Encryption at rest (the `encryption` feature, SQLCipher): a new database created encrypted,
//! a plain one encrypted without losing a row, the key changed, and wrong or missing keys
//! refused with typed errors, all on real files.

use crate::common;

use std::path::Path;

use common::{TestClock, TestDb, catalog_batch, count, ids, options, snapshot};
use studymate_core::chat::NewMessage;
use studymate_core::error::StorageKind;
use studymate_core::practice::AnswerInput;
use studymate_core::privacy::{self, DatabaseKey};
use studymate_core::sync::protocol::ServerEntity;
use studymate_core::{Client, Error};

fn key(byte: u8) -> DatabaseKey {
    DatabaseKey::from_bytes(&[byte; 32]).expect("32 bytes")
}

fn open(path: &Path, key: Option<DatabaseKey>) -> studymate_core::Result<Client> {
    Client::open(
        path,
        studymate_core::OpenOptions {
            key,
            ..options(None, &TestClock::new())
        },
    )
}

/// Fills a client with a practised round, its awards, a contact, a room and two messages.
fn fill(client: &Client) {
    client.import_catalog(&catalog_batch()).expect("catalog");
    let session = client.start_practice(ids::CAFE, None).expect("start");
    let answer = AnswerInput {
        text: "Could I get a latte, please?".into(),
        ..Default::default()
    };
    client.answer(session.id, &answer).expect("answer");
    client.complete_practice(session.id).expect("complete");
    let friend = uuid::Uuid::now_v7();
    client
        .save_contact(&common::contact(friend, "Jun"))
        .expect("contact");
    let room = client.create_direct_room(friend).expect("room");
    for text in ["안녕하세요!", "See you at the café"] {
        client
            .send_message(room.id, &NewMessage::text(text))
            .expect("send");
    }
}

/// How many practice sessions the database holds (through the device export).
fn sessions(client: &Client) -> usize {
    client
        .export()
        .expect("export")
        .of(ServerEntity::PracticeSession)
        .len()
}

/// A closed plain database filled by [`fill`], in its temp dir, and its rows.
fn filled_plain_database() -> (tempfile::TempDir, std::path::PathBuf, common::Snapshot) {
    let db = TestDb::new();
    fill(&db.client);
    let before = db.snapshot();
    let TestDb {
        dir, path, client, ..
    } = db;
    drop(client);
    (dir, path, before)
}

fn header_is_plain(path: &Path) -> bool {
    privacy::is_plain(path).expect("read header")
}

#[test]
fn a_new_database_is_created_encrypted_and_reopens_only_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("user.db");
    let client = open(&path, Some(key(1))).expect("create encrypted");
    fill(&client);
    let user = client.user_id();
    drop(client);
    assert!(
        !header_is_plain(&path),
        "the file must not start with SQLite's plain header"
    );
    let bytes = std::fs::read(&path).unwrap();
    assert!(
        !bytes.windows("See you".len()).any(|w| w == b"See you"),
        "message text is readable in the file"
    );

    let again = open(&path, Some(key(1))).expect("reopen with the key");
    assert_eq!(again.user_id(), user);
    assert_eq!(sessions(&again), 1);
    drop(again);

    assert!(matches!(open(&path, Some(key(2))), Err(Error::WrongKey)));
    match open(&path, None) {
        Err(
            e @ Error::Database {
                kind: StorageKind::Corrupt,
                ..
            },
        ) => assert!(e.to_string().contains("encrypted"), "{e}"),
        other => panic!("a missing key must be a corrupt-file error naming encryption: {other:?}"),
    }
}

#[test]
fn a_key_on_a_plain_file_is_a_wrong_key_and_changes_nothing() {
    let (dir, path, before) = filled_plain_database();
    assert!(matches!(open(&path, Some(key(3))), Err(Error::WrongKey)));
    assert!(header_is_plain(&path));
    assert_eq!(snapshot(&path), before);
    drop(dir);
}

#[test]
fn encrypting_a_plain_database_keeps_every_row() {
    let (dir, path, before) = filled_plain_database();

    privacy::encrypt_database(&path, &key(4)).expect("encrypt");
    assert!(!header_is_plain(&path));
    for leftover in ["user.db.encrypting", "user.db-wal", "user.db-shm"] {
        assert!(
            !dir.path().join(leftover).exists(),
            "{leftover} left behind"
        );
    }

    let client = open(&path, Some(key(4))).expect("open encrypted");
    assert_eq!(sessions(&client), 1);
    let room = client.rooms().unwrap().remove(0);
    assert_eq!(
        client.messages(room.id, None, 10).unwrap().messages.len(),
        2
    );
    drop(client);
    // Row for row: read the encrypted file through a keyed raw connection.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(&format!("PRAGMA key = \"x'{}'\";", "04".repeat(32)))
        .unwrap();
    for (table, rows) in &before {
        assert_eq!(
            count(&raw, table),
            rows.len() as i64,
            "rows of {table} after encryption"
        );
    }

    assert!(matches!(
        privacy::encrypt_database(&path, &key(4)),
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        privacy::encrypt_database(dir.path().join("missing.db"), &key(4)),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn changing_the_key_reencrypts_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("user.db");
    let client = open(&path, Some(key(5))).expect("create");
    fill(&client);
    // A reader connection is pooled under the old key before the change.
    assert_eq!(sessions(&client), 1);
    client.change_key(key(6)).expect("rekey");
    // Reads and writes go on under the new key in the same client.
    assert_eq!(sessions(&client), 1);
    let room = client.rooms().unwrap().remove(0);
    client
        .send_message(room.id, &NewMessage::text("after the new key"))
        .expect("write after rekey");
    drop(client);

    assert!(matches!(open(&path, Some(key(5))), Err(Error::WrongKey)));
    let client = open(&path, Some(key(6))).expect("open with the new key");
    assert_eq!(
        client.messages(room.id, None, 10).unwrap().messages.len(),
        3
    );
}

#[test]
fn a_plain_database_cannot_change_its_key() {
    let db = TestDb::new();
    let before = db.snapshot();
    assert!(matches!(
        db.client.change_key(key(7)),
        Err(Error::Conflict(_))
    ));
    assert_eq!(db.snapshot(), before);
}

#[test]
fn wiping_an_encrypted_database_deletes_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("user.db");
    let client = open(&path, Some(key(8))).expect("create");
    fill(&client);
    client.wipe().expect("wipe");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "files left after wipe: {left:?}");
}

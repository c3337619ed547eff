//! The device side of privacy without encryption: the export of everything the database holds
//! about its user, in the documented format, and the wipe that deletes the database files.

use crate::common;

use common::{TestDb, catalog_batch, ids};
use studymate_core::chat::NewMessage;
use studymate_core::practice::AnswerInput;
use studymate_core::privacy::{self, AccountExport, EXPORT_FORMAT, EXPORT_VERSION, ExportSource};
use studymate_core::profile::{LanguageRole, UserLanguage};
use studymate_core::sync::protocol::ServerEntity;

#[test]
fn the_export_holds_everything_about_the_user_in_the_documented_format() {
    let db = TestDb::new();
    let client = &db.client;
    client.import_catalog(&catalog_batch()).unwrap();
    client.add_interest("coffee").unwrap();
    client
        .set_language(&UserLanguage {
            language_code: "ko".into(),
            role: LanguageRole::Learning,
            proficiency: None,
            is_primary: true,
        })
        .unwrap();
    client
        .save_onboarding_step(1, &serde_json::json!({"goal": "travel"}))
        .unwrap();
    let session = client.start_practice(ids::CAFE, None).unwrap();
    let answer = AnswerInput {
        text: "Could I get a latte, please?".into(),
        ..Default::default()
    };
    client.answer(session.id, &answer).unwrap();
    client.complete_practice(session.id).unwrap();
    let friend = db.add_contact("Jun");
    let room = client.create_direct_room(friend).unwrap();
    client
        .send_message(room.id, &NewMessage::text("my own words"))
        .unwrap();

    let export = client.export().unwrap();
    assert_eq!(export.format, EXPORT_FORMAT);
    assert_eq!(export.version, EXPORT_VERSION);
    assert_eq!(export.source, ExportSource::Device);
    assert_eq!(export.user_id, client.user_id());
    assert_eq!(export.devices, vec![client.device_id()]);
    assert_eq!(export.of(ServerEntity::Profile).len(), 1);
    assert_eq!(
        export.of(ServerEntity::Profile)[0]["user_id"],
        client.user_id().to_string()
    );
    assert_eq!(
        export.of(ServerEntity::UserInterest),
        [serde_json::json!({"interest_tag": "coffee"})]
    );
    assert_eq!(
        export.of(ServerEntity::UserLanguage)[0]["language_code"],
        "ko"
    );
    assert_eq!(
        export.of(ServerEntity::Onboarding)[0]["data"]["goal"],
        "travel"
    );
    let sessions = export.of(ServerEntity::PracticeSession);
    assert_eq!(sessions.len(), 1);
    let turns = sessions[0]["turns"].to_string();
    assert!(
        turns.contains("Could I get a latte"),
        "the answer is exported: {turns}"
    );
    let ledger = export.of(ServerEntity::PointTransaction);
    let points: i64 = ledger.iter().map(|e| e["points"].as_i64().unwrap()).sum();
    assert_eq!(points, client.balance().unwrap().available);
    assert!(!export.of(ServerEntity::UserAchievement).is_empty());
    assert_eq!(export.of(ServerEntity::ChatRoom).len(), 1);
    assert_eq!(
        export.of(ServerEntity::ChatMessage)[0]["content"],
        "my own words"
    );
    // Other people's public profiles are theirs, not the user's.
    assert!(export.of(ServerEntity::PublicProfile).is_empty());

    // The JSON document reads back into the same export.
    let text = serde_json::to_string_pretty(&export).unwrap();
    let read: AccountExport = serde_json::from_str(&text).unwrap();
    assert_eq!(read, export);
}

#[test]
fn wipe_deletes_the_database_and_its_companion_files() {
    let db = TestDb::new();
    db.client
        .send_message(
            db.client
                .create_direct_room(db.add_contact("Jun"))
                .unwrap()
                .id,
            &NewMessage::text("gone soon"),
        )
        .unwrap();
    // A reader keeps the WAL and shared-memory files alive until the wipe closes it.
    db.client.rooms().unwrap();
    let TestDb {
        dir, path, client, ..
    } = db;
    assert!(path.exists());
    client.wipe().unwrap();
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "files left after wipe: {left:?}");
    // Wiping what is already gone is fine.
    privacy::wipe_database(&path).unwrap();
}

#[test]
fn an_in_memory_database_wipes_by_closing() {
    let client =
        studymate_core::Client::open_in_memory(studymate_core::OpenOptions::default()).unwrap();
    client.wipe().unwrap();
}

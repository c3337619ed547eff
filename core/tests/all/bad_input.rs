//! Bad input gets a clear, typed error naming what is wrong, and writes nothing: after every
//! refused call, every row of every table in the file (change log included) is unchanged.
//! Also files that are not databases, corrupt files, and files from a newer library version.

use crate::common;

use std::fmt::Debug;
use std::fs;

use common::{TestDb, count, ids, insert_incoming, open_client};
use serde_json::json;
use studymate_core::catalog::{CatalogBatch, SituationFilter};
use studymate_core::chat::{
    MAX_FILE_METADATA_BYTES, MAX_MESSAGE_CHARS, MAX_ROOM_DESCRIPTION_CHARS, MAX_ROOM_NAME_CHARS,
    MessageType, NewMessage,
};
use studymate_core::error::StorageKind;
use studymate_core::ledger::{NewPoints, PointSource, TransactionType};
use studymate_core::practice::{AnswerInput, PracticeSession};
use studymate_core::profile::{
    Cefr, LanguageRole, MAX_ONBOARDING_DATA_BYTES, MAX_PREFERENCES_BYTES, Profile, ProfilePatch,
    UserLanguage,
};
use studymate_core::scoring::RecognizedWord;
use studymate_core::{Error, Result, SCHEMA_VERSION};
use uuid::Uuid;

/// A database with a bit of everything in it, so "nothing changed" means something.
struct Fixture {
    db: TestDb,
    friend: Uuid,
    room: Uuid,
    my_message: Uuid,
}

fn fixture() -> Fixture {
    let db = TestDb::new();
    let c = &db.client;
    let friend = db.add_contact("Jisoo");
    let room = c.create_direct_room(friend).unwrap().id;
    c.import_catalog(&common::catalog_batch()).unwrap();
    c.update_profile(&ProfilePatch {
        display_name: Some("Minji".into()),
        intro: Some("hello".into()),
        ..Default::default()
    })
    .unwrap();
    c.record_points(&NewPoints {
        transaction_type: TransactionType::Earned,
        amount: 50,
        source: PointSource::DailyPractice,
        source_reference_id: None,
        description: None,
    })
    .unwrap();
    insert_incoming(&db.raw(), room, friend, 1, "hi");
    let my_message = c.send_message(room, &NewMessage::text("hello")).unwrap().id;
    Fixture {
        db,
        friend,
        room,
        my_message,
    }
}

/// Runs a call that must fail, checks the file is exactly as before, and returns the error.
fn refused<T: Debug>(db: &TestDb, call: impl FnOnce() -> Result<T>) -> Error {
    let before = db.snapshot();
    let err = match call() {
        Ok(value) => panic!("expected an error, got Ok({value:?})"),
        Err(err) => err,
    };
    assert_eq!(
        db.snapshot(),
        before,
        "a refused call ({err}) changed the database"
    );
    err
}

/// Asserts `err` is `InvalidInput` for `field`, with a reason, and returns the reason.
#[track_caller]
fn assert_invalid(err: Error, field: &str) -> String {
    match err {
        Error::InvalidInput { field: f, reason } => {
            assert_eq!(f, field, "wrong field (reason: {reason})");
            assert!(!reason.is_empty());
            reason
        }
        other => panic!("expected InvalidInput for {field}, got {other:?}"),
    }
}

// ───────────────────────────── chat ─────────────────────────────

#[test]
fn message_text_empty_blank_or_too_long() {
    let f = fixture();
    let c = &f.db.client;
    for text in ["", " ", "  \n\t  ", "\u{3000}"] {
        let err = refused(&f.db, || c.send_message(f.room, &NewMessage::text(text)));
        assert_invalid(err, "content");
        let err = refused(&f.db, || c.edit_message(f.my_message, text));
        assert_invalid(err, "content");
    }
    // A text message without text at all.
    let no_content = NewMessage {
        content: None,
        ..NewMessage::text("x")
    };
    assert_invalid(
        refused(&f.db, || c.send_message(f.room, &no_content)),
        "content",
    );

    // Length counts characters, not bytes: 4000 Hangul syllables fit, 4001 do not.
    let long = "가".repeat(MAX_MESSAGE_CHARS + 1);
    let reason = assert_invalid(
        refused(&f.db, || c.send_message(f.room, &NewMessage::text(&long))),
        "content",
    );
    assert!(reason.contains("4000"), "{reason}");
    assert_invalid(
        refused(&f.db, || c.edit_message(f.my_message, &long)),
        "content",
    );
    let ascii_long = "a".repeat(4001);
    assert_invalid(
        refused(&f.db, || {
            c.send_message(f.room, &NewMessage::text(&ascii_long))
        }),
        "content",
    );
    let max = "가".repeat(MAX_MESSAGE_CHARS);
    let sent = c.send_message(f.room, &NewMessage::text(&max)).unwrap();
    assert_eq!(sent.content.as_deref(), Some(max.as_str()));
}

#[test]
fn message_kinds_and_attachments_are_checked() {
    let f = fixture();
    let c = &f.db.client;
    let system = NewMessage {
        message_type: MessageType::System,
        ..NewMessage::text("I am the server")
    };
    assert_invalid(
        refused(&f.db, || c.send_message(f.room, &system)),
        "message_type",
    );
    let image_without_url = NewMessage {
        message_type: MessageType::Image,
        content: None,
        file_url: None,
        file_metadata: None,
        reply_to_id: None,
    };
    assert_invalid(
        refused(&f.db, || c.send_message(f.room, &image_without_url)),
        "file_url",
    );
    let text_with_file = NewMessage {
        file_url: Some("https://cdn.example/x.png".into()),
        ..NewMessage::text("look")
    };
    assert_invalid(
        refused(&f.db, || c.send_message(f.room, &text_with_file)),
        "file_url",
    );
    let meta_not_object = NewMessage {
        message_type: MessageType::File,
        content: None,
        file_url: Some("https://cdn.example/x.pdf".into()),
        file_metadata: Some(json!("big")),
        reply_to_id: None,
    };
    assert_invalid(
        refused(&f.db, || c.send_message(f.room, &meta_not_object)),
        "file_metadata",
    );
    // Replying to a message that is not in this room (or does not exist).
    let other_room = c.create_direct_room(f.db.add_contact("Other")).unwrap().id;
    let elsewhere = c
        .send_message(other_room, &NewMessage::text("x"))
        .unwrap()
        .id;
    for target in [elsewhere, Uuid::now_v7()] {
        let reply = NewMessage {
            reply_to_id: Some(target),
            ..NewMessage::text("re")
        };
        assert_invalid(
            refused(&f.db, || c.send_message(f.room, &reply)),
            "reply_to_id",
        );
    }
}

#[test]
fn rooms_the_user_is_not_in_or_that_do_not_exist() {
    let f = fixture();
    let c = &f.db.client;
    // A room between two other people, as a buggy sync could store it.
    let stranger = f.db.add_contact("Stranger");
    let foreign = Uuid::now_v7();
    {
        let conn = f.db.raw();
        conn.execute(
            "INSERT INTO chat_rooms (room_id, room_type, name, created_at) VALUES (?1, 'GROUP', 'Not mine', '2026-01-01T00:00:00.000Z')",
            [foreign.to_string()],
        )
        .unwrap();
        for user in [f.friend, stranger] {
            conn.execute(
                "INSERT INTO chat_participants (room_id, user_id, joined_at) VALUES (?1, ?2, '2026-01-01T00:00:00.000Z')",
                [foreign.to_string(), user.to_string()],
            )
            .unwrap();
        }
    }
    let theirs = insert_incoming(&f.db.raw(), foreign, f.friend, 1, "private");
    assert_invalid(
        refused(&f.db, || {
            c.send_message(foreign, &NewMessage::text("let me in"))
        }),
        "room_id",
    );
    assert_invalid(refused(&f.db, || c.messages(foreign, None, 10)), "room_id");
    assert_invalid(refused(&f.db, || c.room(foreign)), "room_id");
    assert_invalid(refused(&f.db, || c.mark_read(foreign, theirs)), "room_id");
    assert!(!c.rooms().unwrap().iter().any(|r| r.id == foreign));
    assert!(
        !c.unread_counts()
            .unwrap()
            .iter()
            .any(|u| u.room_id == foreign)
    );

    // A room the user has left counts as not being in it.
    f.db.raw()
        .execute(
            "UPDATE chat_participants SET is_active = 0 WHERE room_id = ?1 AND user_id = ?2",
            [f.room.to_string(), c.user_id().to_string()],
        )
        .unwrap();
    assert_invalid(
        refused(&f.db, || {
            c.send_message(f.room, &NewMessage::text("hello?"))
        }),
        "room_id",
    );
    assert_invalid(
        refused(&f.db, || c.edit_message(f.my_message, "x")),
        "room_id",
    );

    // A room that does not exist at all.
    let nowhere = Uuid::now_v7();
    let calls: Vec<Error> = vec![
        refused(&f.db, || c.send_message(nowhere, &NewMessage::text("hi"))),
        refused(&f.db, || c.messages(nowhere, None, 10)),
        refused(&f.db, || c.room(nowhere)),
        refused(&f.db, || c.mark_read(nowhere, f.my_message)),
    ];
    for err in calls {
        match err {
            Error::NotFound { entity, id } => {
                assert_eq!(entity, "chat_room");
                assert_eq!(id, nowhere.to_string());
            }
            other => panic!("expected NotFound, got {other:?}"),
        }
    }
}

#[test]
fn group_rooms_need_a_name_and_known_members() {
    let f = fixture();
    let c = &f.db.client;
    assert_invalid(
        refused(&f.db, || c.create_group_room("  ", None, &[f.friend])),
        "name",
    );
    assert_invalid(
        refused(&f.db, || {
            c.create_group_room(&"n".repeat(256), None, &[f.friend])
        }),
        "name",
    );
    assert_invalid(
        refused(&f.db, || c.create_group_room("Solo", None, &[c.user_id()])),
        "members",
    );
    assert_invalid(
        refused(&f.db, || {
            c.create_group_room("Big", Some(&"d".repeat(2001)), &[f.friend])
        }),
        "description",
    );
    // One unknown member refuses the whole room.
    let unknown = Uuid::now_v7();
    match refused(&f.db, || {
        c.create_group_room("Trio", None, &[f.friend, unknown])
    }) {
        Error::NotFound { entity, id } => {
            assert_eq!(entity, "user");
            assert_eq!(id, unknown.to_string());
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
}

// ───────────────────────────── catalog ─────────────────────────────

const GOOD_SITUATION: &str = r#"{
    "id": "0190a000-0000-7000-8000-00000000aaaa",
    "name": "bakery", "category": "ordering", "difficulty": "beginner",
    "initial_prompt": "You are at a bakery."
}"#;

#[test]
fn catalog_json_that_is_malformed_or_has_unknown_values() {
    let f = fixture();
    // The good document parses (so the bad ones below fail for the reason they are bad).
    let good =
        CatalogBatch::from_json(&format!(r#"{{ "situations": [{GOOD_SITUATION}] }}"#)).unwrap();
    assert_eq!(good.situations.len(), 1);

    let bad_uuid = GOOD_SITUATION.replace("0190a000-0000-7000-8000-00000000aaaa", "not-a-uuid");
    let unknown_level = GOOD_SITUATION.replace("beginner", "expert");
    let cases = [
        (format!(r#"{{ "situations": [{bad_uuid}] }}"#), "UUID"),
        (
            format!(r#"{{ "situations": [{unknown_level}] }}"#),
            "expert",
        ),
        (
            r#"{ "achievements": [{ "id": "0190a000-0000-7000-8000-00000000bbbb", "name": "x",
                 "category": "c", "title": "t", "description": "d", "requirements": {},
                 "rarity": "mythic" }] }"#
                .to_owned(),
            "mythic",
        ),
        (r#"{ "situations": [ "#.to_owned(), "EOF"),
        ("not json at all".to_owned(), "expected"),
        (r#"{ "situations": {} }"#.to_owned(), "sequence"),
    ];
    for (text, mentions) in cases {
        let err = refused(&f.db, || CatalogBatch::from_json(&text));
        let reason = assert_invalid(err, "catalog");
        assert!(
            reason.contains(mentions),
            "reason {reason:?} should mention {mentions:?}"
        );
    }
}

#[test]
fn catalog_batch_with_an_unknown_situation_is_rolled_back_whole() {
    let db = TestDb::new();
    let c = &db.client;
    let mut batch = common::catalog_batch();
    let orphan = Uuid::now_v7();
    let stray = common::variation(Uuid::now_v7(), orphan, "Stray");
    // The bad variation comes last, after good situations, variations and before achievements.
    batch.variations.push(stray);
    let err = refused(&db, || c.import_catalog(&batch));
    let reason = assert_invalid(err, "variations");
    assert!(reason.contains(&orphan.to_string()), "{reason}");
    let conn = db.raw();
    for table in ["situations", "situation_variations", "achievements"] {
        assert_eq!(
            count(&conn, table),
            0,
            "{table}: the whole batch is rolled back"
        );
    }
    assert!(
        c.situations(&SituationFilter::default())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn catalog_values_out_of_range() {
    let f = fixture();
    let c = &f.db.client;
    let base = common::catalog_batch();
    for color in [
        "red",
        "#12345G",
        "#1234567",
        "FFAA00",
        "#FFF",
        "#ＦＦＡＡ００",
    ] {
        let mut batch = base.clone();
        batch.achievements[0].badge_color = Some(color.into());
        let reason = assert_invalid(
            refused(&f.db, || c.import_catalog(&batch)),
            "achievement.badge_color",
        );
        assert!(reason.contains(color), "{reason}");
    }
    let mut batch = base.clone();
    batch.achievements[0].requirements = json!(["not", "an", "object"]);
    assert_invalid(
        refused(&f.db, || c.import_catalog(&batch)),
        "achievement.requirements",
    );
    let mut batch = base.clone();
    batch.situations[0].name = "x".repeat(101);
    assert_invalid(
        refused(&f.db, || c.import_catalog(&batch)),
        "situation.name",
    );
    for version in [0, -1] {
        let mut batch = base.clone();
        batch.situations[0].version = version;
        assert_invalid(
            refused(&f.db, || c.import_catalog(&batch)),
            "situation.version",
        );
    }
    // The numbers are signed for Kotlin and Swift; a negative one is refused naming its field,
    // and in JSON it is refused while decoding, as when the fields were unsigned.
    let mut batch = base.clone();
    batch.situations[0].estimated_duration_seconds = -60;
    assert_invalid(
        refused(&f.db, || c.import_catalog(&batch)),
        "situation.estimated_duration_seconds",
    );
    let mut batch = base.clone();
    batch.achievements[0].points_reward = -10;
    let reason = assert_invalid(
        refused(&f.db, || c.import_catalog(&batch)),
        "achievement.points_reward",
    );
    assert!(reason.contains("must not be negative"), "{reason}");
    let mut value = serde_json::to_value(&base).unwrap();
    value["situations"][0]["estimated_duration_seconds"] = json!(-60);
    let reason = assert_invalid(
        CatalogBatch::from_json(&value.to_string()).unwrap_err(),
        "catalog",
    );
    assert!(reason.contains("-60"), "{reason}");
    let mut batch = base.clone();
    batch.variations[0].ideal_responses.clear();
    assert_invalid(
        refused(&f.db, || c.import_catalog(&batch)),
        "variation.ideal_responses",
    );
    let mut batch = base.clone();
    batch.variations[0].hint_levels[0].level = 4;
    assert_invalid(
        refused(&f.db, || c.import_catalog(&batch)),
        "variation.hint_levels",
    );
    // Two achievements with one name: the database's UNIQUE refuses it, and the batch is undone.
    let mut batch = base.clone();
    batch.achievements[1].name = batch.achievements[0].name.clone();
    batch.achievements[1].id = Uuid::now_v7();
    batch.situations[0].version = 9;
    assert_invalid(refused(&f.db, || c.import_catalog(&batch)), "achievements");
    assert_eq!(c.situation(ids::CAFE).unwrap().version, 1);
}

// ───────────────────────────── profile ─────────────────────────────

#[test]
fn profile_fields_too_long_or_malformed() {
    let f = fixture();
    let c = &f.db.client;
    let cases: Vec<(ProfilePatch, &str)> = vec![
        (
            ProfilePatch {
                username: Some("u".repeat(51)),
                ..Default::default()
            },
            "username",
        ),
        (
            ProfilePatch {
                display_name: Some("d".repeat(101)),
                ..Default::default()
            },
            "display_name",
        ),
        (
            ProfilePatch {
                display_name: Some(String::new()),
                ..Default::default()
            },
            "display_name",
        ),
        (
            ProfilePatch {
                display_name: Some("   ".into()),
                ..Default::default()
            },
            "display_name",
        ),
        (
            ProfilePatch {
                korean_name: Some("가".repeat(101)),
                ..Default::default()
            },
            "korean_name",
        ),
        (
            ProfilePatch {
                profile_image_url: Some("h".repeat(501)),
                ..Default::default()
            },
            "profile_image_url",
        ),
        (
            ProfilePatch {
                intro: Some("i".repeat(2001)),
                ..Default::default()
            },
            "intro",
        ),
        (
            ProfilePatch {
                city: Some("c".repeat(101)),
                ..Default::default()
            },
            "city",
        ),
        (
            ProfilePatch {
                district: Some("d".repeat(101)),
                ..Default::default()
            },
            "district",
        ),
        (
            ProfilePatch {
                learning_goals: Some(vec!["ok".into(), " ".into()]),
                ..Default::default()
            },
            "learning_goals",
        ),
        (
            ProfilePatch {
                learning_goals: Some(vec!["g".into(); 21]),
                ..Default::default()
            },
            "learning_goals",
        ),
        (
            ProfilePatch {
                preferences: Some(json!([1, 2])),
                ..Default::default()
            },
            "preferences",
        ),
        (
            ProfilePatch {
                preferences: Some(json!("dark mode")),
                ..Default::default()
            },
            "preferences",
        ),
        (
            ProfilePatch {
                preferences: Some(json!(null)),
                ..Default::default()
            },
            "preferences",
        ),
        (
            ProfilePatch {
                preferred_session_minutes: Some(0),
                ..Default::default()
            },
            "preferred_session_minutes",
        ),
        (
            ProfilePatch {
                preferred_session_minutes: Some(241),
                ..Default::default()
            },
            "preferred_session_minutes",
        ),
        (
            ProfilePatch {
                time_zone: Some("Mars/Olympus_Mons".into()),
                ..Default::default()
            },
            "time_zone",
        ),
        (
            ProfilePatch {
                time_zone: Some("KST".into()),
                ..Default::default()
            },
            "time_zone",
        ),
        (
            ProfilePatch {
                time_zone: Some(String::new()),
                ..Default::default()
            },
            "time_zone",
        ),
        (ProfilePatch::default(), "patch"),
    ];
    for (patch, field) in cases {
        assert_invalid(refused(&f.db, || c.update_profile(&patch)), field);
    }
    // One bad field refuses the whole patch, good fields included.
    let mixed = ProfilePatch {
        city: Some("Busan".into()),
        time_zone: Some("Nowhere/City".into()),
        ..Default::default()
    };
    assert_invalid(refused(&f.db, || c.update_profile(&mixed)), "time_zone");
    assert_eq!(c.profile().unwrap().city, None);

    // The same checks guard contacts coming in.
    let mut bad_contact = common::contact(Uuid::now_v7(), "Zed");
    bad_contact.time_zone = "Atlantis".into();
    assert_invalid(refused(&f.db, || c.save_contact(&bad_contact)), "time_zone");
    let mut bad_contact = common::contact(Uuid::now_v7(), "Zed");
    bad_contact.city = Some(String::new());
    assert_invalid(refused(&f.db, || c.save_contact(&bad_contact)), "city");
}

#[test]
fn languages_interests_onboarding_bad_values() {
    let f = fixture();
    let c = &f.db.client;
    for code in ["", "e", "EN", "english", "e1", "한국"] {
        let l = UserLanguage {
            language_code: code.into(),
            role: LanguageRole::Learning,
            proficiency: Some(Cefr::A1),
            is_primary: true,
        };
        assert_invalid(refused(&f.db, || c.set_language(&l)), "language_code");
    }
    for tag in ["", "   ", &"t".repeat(101)] {
        assert_invalid(refused(&f.db, || c.add_interest(tag)), "interest_tag");
    }
    assert_invalid(
        refused(&f.db, || c.save_onboarding_step(0, &json!({}))),
        "step",
    );
    assert_invalid(
        refused(&f.db, || c.save_onboarding_step(7, &json!({}))),
        "step",
    );
    assert_invalid(
        refused(&f.db, || c.save_onboarding_step(2, &json!([1]))),
        "data",
    );
}

// ───────────────────────────── ledger and limits ─────────────────────────────

#[test]
fn ledger_bad_amounts() {
    let f = fixture();
    let c = &f.db.client;
    let zero = NewPoints {
        transaction_type: TransactionType::Earned,
        amount: 0,
        source: PointSource::DailyPractice,
        source_reference_id: None,
        description: None,
    };
    assert_invalid(refused(&f.db, || c.record_points(&zero)), "amount");
    let long = NewPoints {
        amount: 1,
        description: Some("d".repeat(501)),
        ..zero.clone()
    };
    assert_invalid(refused(&f.db, || c.record_points(&long)), "description");
    let overdraft = NewPoints {
        transaction_type: TransactionType::Spent,
        amount: 51,
        ..zero
    };
    assert!(matches!(
        refused(&f.db, || c.record_points(&overdraft)),
        Error::InsufficientPoints { needed: 51, .. }
    ));
}

#[test]
fn negative_numbers_from_the_caller_are_refused_naming_the_field() {
    let f = fixture();
    let c = &f.db.client;
    let negative = NewPoints {
        transaction_type: TransactionType::Earned,
        amount: -5,
        source: PointSource::DailyPractice,
        source_reference_id: None,
        description: None,
    };
    assert_invalid(refused(&f.db, || c.record_points(&negative)), "amount");
    let patch = ProfilePatch {
        preferred_session_minutes: Some(-30),
        ..ProfilePatch::default()
    };
    assert_invalid(
        refused(&f.db, || c.update_profile(&patch)),
        "preferred_session_minutes",
    );
    let session = c.start_practice(ids::CAFE, None).unwrap();
    let slow = AnswerInput {
        text: "Hello".into(),
        spoken: None,
        response_time_ms: -1,
    };
    let reason = assert_invalid(
        refused(&f.db, || c.answer(session.id, &slow)),
        "response_time_ms",
    );
    assert!(reason.contains("must not be negative"), "{reason}");
    let early = AnswerInput {
        spoken: Some(vec![RecognizedWord {
            word: "Hello".into(),
            confidence: 0.9,
            start_ms: -400,
            end_ms: 100,
        }]),
        response_time_ms: 0,
        ..slow
    };
    assert_invalid(
        refused(&f.db, || c.answer(session.id, &early)),
        "spoken[0].start_ms",
    );
}

#[test]
fn signed_record_fields_decode_exactly_what_the_unsigned_wire_accepted() {
    let f = fixture();
    let c = &f.db.client;
    let started = c.start_practice(ids::CAFE, None).unwrap();
    let answer = AnswerInput {
        text: "Hello, one latte please".into(),
        spoken: None,
        response_time_ms: 3000,
    };
    c.answer(started.id, &answer).unwrap();
    let session = c.practice_session(started.id).unwrap();
    // The JSON a session travels and is stored as holds plain numbers, and reads back whole.
    let json = serde_json::to_value(&session).unwrap();
    assert_eq!(json["turns"][1]["answer"]["response_time_ms"], json!(3000));
    assert_eq!(
        serde_json::from_value::<PracticeSession>(json.clone()).unwrap(),
        session
    );
    for (path, value) in [
        ("/hints_used", -1),
        ("/turns/1/index", -1),
        ("/turns/1/answer/response_time_ms", -1),
        ("/turns/1/score/overall", -1),
        ("/turns/1/score/overall", 256),
    ] {
        let mut bad = json.clone();
        *bad.pointer_mut(path).expect(path) = json!(value);
        let err = serde_json::from_value::<PracticeSession>(bad).unwrap_err();
        assert!(
            err.to_string().contains(&value.to_string()),
            "{path}: {err}"
        );
    }
    let mut profile = serde_json::to_value(c.profile().unwrap()).unwrap();
    profile["preferred_session_minutes"] = json!(-30);
    assert!(serde_json::from_value::<Profile>(profile).is_err());
}

#[test]
fn zero_and_over_large_limits() {
    let f = fixture();
    let c = &f.db.client;
    for limit in [0, 201, u32::MAX] {
        assert_invalid(refused(&f.db, || c.messages(f.room, None, limit)), "limit");
    }
    for limit in [0, 501, u32::MAX] {
        assert_invalid(refused(&f.db, || c.point_history(None, limit)), "limit");
    }
    assert_invalid(refused(&f.db, || c.changes(0, 0)), "limit");
    // The bounds themselves are accepted.
    assert_eq!(c.messages(f.room, None, 200).unwrap().messages.len(), 2);
    assert_eq!(c.messages(f.room, None, 1).unwrap().messages.len(), 1);
    assert_eq!(c.point_history(None, 500).unwrap().entries.len(), 1);
    assert_eq!(c.point_history(None, 1).unwrap().entries.len(), 1);
}

// ───────────────────────────── names, addresses and JSON sizes ─────────────────────────────

/// `{"p": "xxx…"}` serialized to exactly `bytes` bytes of compact JSON.
fn json_of_bytes(bytes: usize) -> serde_json::Value {
    json!({ "p": "x".repeat(bytes - r#"{"p":""}"#.len()) })
}

#[test]
fn usernames_and_names_refuse_spaces_control_and_invisible_characters() {
    let f = fixture();
    let c = &f.db.client;
    let usernames = [
        "alice_a ",
        " alice_a",
        "ali ce",
        "alice\0",
        "ali\u{200B}ce",
        "\u{FEFF}alice",
        "\u{3164}",
        "alice@example",
        "e\u{301}",
    ];
    for name in usernames {
        let patch = ProfilePatch {
            username: Some(name.into()),
            ..Default::default()
        };
        assert_invalid(refused(&f.db, || c.update_profile(&patch)), "username");
    }
    for (patch, field) in [
        (
            ProfilePatch {
                display_name: Some("Bob\u{202E}gnp.exe".into()),
                ..Default::default()
            },
            "display_name",
        ),
        (
            ProfilePatch {
                display_name: Some("Bob\u{7}".into()),
                ..Default::default()
            },
            "display_name",
        ),
        (
            ProfilePatch {
                korean_name: Some("민\u{200B}지".into()),
                ..Default::default()
            },
            "korean_name",
        ),
    ] {
        assert_invalid(refused(&f.db, || c.update_profile(&patch)), field);
    }
    assert_invalid(
        refused(&f.db, || {
            c.create_group_room("study\u{0}group", None, &[f.friend])
        }),
        "name",
    );
    assert_invalid(
        refused(&f.db, || c.add_interest("tag\u{FEFF}")),
        "interest_tag",
    );
    // Letters of any script, digits, '_', '.', '-', and a zero-width joiner in a display name.
    for name in ["minji_k.ko-1", "민지", "Ünal"] {
        let patch = ProfilePatch {
            username: Some(name.into()),
            display_name: Some("Minji 👩\u{200D}💻".into()),
            ..Default::default()
        };
        assert_eq!(
            c.update_profile(&patch).unwrap().username.as_deref(),
            Some(name)
        );
    }
}

#[test]
fn image_and_attachment_addresses_must_be_https() {
    let f = fixture();
    let c = &f.db.client;
    for url in [
        "javascript:alert(1)",
        "http://cdn.example/me.png",
        "https://",
        "https:///me.png",
        "https://cdn.example/my face.png",
        "data:image/png;base64,AAAA",
    ] {
        let patch = ProfilePatch {
            profile_image_url: Some(url.into()),
            ..Default::default()
        };
        assert_invalid(
            refused(&f.db, || c.update_profile(&patch)),
            "profile_image_url",
        );
        let image = NewMessage {
            message_type: MessageType::Image,
            content: None,
            file_url: Some(url.into()),
            file_metadata: None,
            reply_to_id: None,
        };
        assert_invalid(
            refused(&f.db, || c.send_message(f.room, &image)),
            "file_url",
        );
    }
    let patch = ProfilePatch {
        profile_image_url: Some("HTTPS://cdn.example/me.png".into()),
        ..Default::default()
    };
    c.update_profile(&patch).unwrap();
}

#[test]
fn json_fields_and_room_texts_have_size_limits() {
    let f = fixture();
    let c = &f.db.client;
    let image = |metadata| NewMessage {
        message_type: MessageType::Image,
        content: None,
        file_url: Some("https://cdn.example/x.png".into()),
        file_metadata: Some(metadata),
        reply_to_id: None,
    };
    let over = image(json_of_bytes(MAX_FILE_METADATA_BYTES + 1));
    assert_invalid(
        refused(&f.db, || c.send_message(f.room, &over)),
        "file_metadata",
    );
    c.send_message(f.room, &image(json_of_bytes(MAX_FILE_METADATA_BYTES)))
        .unwrap();

    let data = json_of_bytes(MAX_ONBOARDING_DATA_BYTES + 1);
    assert_invalid(refused(&f.db, || c.save_onboarding_step(1, &data)), "data");
    c.save_onboarding_step(1, &json_of_bytes(MAX_ONBOARDING_DATA_BYTES))
        .unwrap();

    let prefs = ProfilePatch {
        preferences: Some(json_of_bytes(MAX_PREFERENCES_BYTES + 1)),
        ..Default::default()
    };
    assert_invalid(refused(&f.db, || c.update_profile(&prefs)), "preferences");

    let long_name = "n".repeat(MAX_ROOM_NAME_CHARS + 1);
    assert_invalid(
        refused(&f.db, || c.create_group_room(&long_name, None, &[f.friend])),
        "name",
    );
    let long_description = "d".repeat(MAX_ROOM_DESCRIPTION_CHARS + 1);
    assert_invalid(
        refused(&f.db, || {
            c.create_group_room("readers", Some(&long_description), &[f.friend])
        }),
        "description",
    );
    let long_edit = "e".repeat(MAX_MESSAGE_CHARS + 1);
    assert_invalid(
        refused(&f.db, || c.edit_message(f.my_message, &long_edit)),
        "content",
    );
}

// ───────────────────────────── files ─────────────────────────────

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let clock = common::TestClock::new();
    let mut rng = fastrand::Rng::with_seed(0x5EED);
    let random: Vec<u8> = (0..16_384).map(|_| rng.u8(..)).collect();
    let text = "This is my shopping list:\n- milk\n- kimchi\n"
        .repeat(200)
        .into_bytes();
    // A file that starts like SQLite but whose header is garbage.
    let mut fake_header = b"SQLite format 3\0".to_vec();
    fake_header.extend((0..8_192).map(|_| rng.u8(..)));
    for (name, bytes) in [
        ("random.db", random),
        ("notes.db", text),
        ("header.db", fake_header),
    ] {
        let path = dir.path().join(name);
        fs::write(&path, &bytes).unwrap();
        match open_client(&path, None, &clock) {
            Err(Error::Database {
                kind: StorageKind::Corrupt,
                ..
            }) => {}
            Err(other) => panic!("{name}: expected a corrupt Database, got {other:?}"),
            Ok(_) => panic!("{name}: opened a file that is not a database"),
        }
        assert_eq!(
            fs::read(&path).unwrap(),
            bytes,
            "{name}: the user's file was modified"
        );
    }
}

#[test]
fn a_corrupt_database_gives_errors_not_panics() {
    let source = TestDb::new();
    let c = &source.client;
    let friend = source.add_contact("Jisoo");
    let room = c.create_direct_room(friend).unwrap().id;
    c.import_catalog(&common::catalog_batch()).unwrap();
    for i in 0..300 {
        c.send_message(
            room,
            &NewMessage::text(format!("{i}: {}", "lorem ipsum ".repeat(40))),
        )
        .unwrap();
        if i % 3 == 0 {
            c.record_points(&NewPoints {
                transaction_type: TransactionType::Earned,
                amount: 1,
                source: PointSource::DailyPractice,
                source_reference_id: None,
                description: Some("x".repeat(200)),
            })
            .unwrap();
        }
    }
    let user = c.user_id();
    drop(source.client);
    // Closing the last connection checkpoints the WAL into the main file; copy only that.
    let wal = source.path.with_extension("db-wal");
    assert!(
        !wal.exists() || fs::metadata(&wal).unwrap().len() == 0,
        "WAL not checkpointed"
    );
    let original = fs::read(&source.path).unwrap();
    let page = 4096;
    let pages = original.len() / page;
    assert!(
        pages > 40,
        "the database should span many pages, has {pages}"
    );

    let dir = tempfile::tempdir().unwrap();
    let clock = common::TestClock::new();
    for (seed, from, to) in [(1u64, 0.25, 0.75), (2, 0.5, 0.6), (3, 0.1, 0.95)] {
        let mut bytes = original.clone();
        let mut rng = fastrand::Rng::with_seed(seed);
        let (first, last) = ((pages as f64 * from) as usize, (pages as f64 * to) as usize);
        for b in &mut bytes[first.max(1) * page..last * page] {
            *b = rng.u8(..);
        }
        let path = dir.path().join(format!("corrupt-{seed}.db"));
        fs::write(&path, &bytes).unwrap();

        let mut errors = Vec::new();
        match open_client(&path, Some(user), &clock) {
            Err(e) => errors.push(e),
            Ok(client) => {
                // Read everything there is, then try to write.
                let mut before = None;
                loop {
                    match client.messages(room, before, 200) {
                        Ok(p) => match p.next_before {
                            Some(b) => before = Some(b),
                            None => break,
                        },
                        Err(e) => {
                            errors.push(e);
                            break;
                        }
                    }
                }
                let mut after = 0;
                loop {
                    match client.changes(after, 100) {
                        Ok(p) => match p.last() {
                            Some(last) => after = last.seq,
                            None => break,
                        },
                        Err(e) => {
                            errors.push(e);
                            break;
                        }
                    }
                }
                errors.extend(client.balance().err());
                errors.extend(client.point_history(None, 500).err());
                errors.extend(client.situations(&SituationFilter::default()).err());
                errors.extend(client.profile().err());
                errors.extend(client.unread_counts().err());
                errors.extend(client.send_message(room, &NewMessage::text("after")).err());
            }
        }
        assert!(
            !errors.is_empty(),
            "seed {seed}: corruption of pages {first}..{last} went unnoticed"
        );
        for e in errors {
            assert!(
                matches!(
                    e,
                    Error::Storage(_)
                        | Error::Database {
                            kind: StorageKind::Corrupt,
                            ..
                        }
                ),
                "seed {seed}: expected Storage or a corrupt Database, got {e:?}"
            );
        }
    }
}

#[test]
fn a_database_from_a_newer_library_is_refused_untouched() {
    let db = TestDb::new();
    let user = db.client.user_id();
    db.client.add_interest("coffee").unwrap();
    let path = db.path.clone();
    let clock = db.clock.clone();
    drop(db.client);
    common::raw(&path)
        .execute(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum)
             VALUES (999, 'from_the_future', '2030-01-01T00:00:00Z', '1')",
            [],
        )
        .unwrap();
    let before = common::snapshot(&path);
    match open_client(&path, Some(user), &clock) {
        Err(Error::NewerDatabase { found, supported }) => {
            assert_eq!(found, 999);
            assert_eq!(supported, SCHEMA_VERSION);
        }
        other => panic!("expected NewerDatabase, got {other:?}"),
    }
    assert_eq!(
        common::snapshot(&path),
        before,
        "nothing written to a newer file"
    );
}

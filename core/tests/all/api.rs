//! Every public call of `Client`, on a real SQLite file: what it returns, what it stores, and the
//! change-log entry it appends (one per user action, in the same transaction).

use crate::common;

use std::collections::HashSet;

use chrono::{TimeZone, Utc};
use common::{TestDb, count, ids, insert_incoming, open_client, tombstone_incoming};
use serde_json::json;
use studymate_core::catalog::SituationFilter;
use studymate_core::changelog::{Change, Entity, Operation};
use studymate_core::chat::{
    MessageType, NewMessage, PENDING_SORT_BASE, ParticipantRole, RoomType, SendState,
};
use studymate_core::ledger::{Balance, NewPoints, PointSource, TransactionType};
use studymate_core::profile::{
    Cefr, FluencyTarget, LanguageRole, Level, ProfilePatch, UserLanguage,
};
use studymate_core::{Client, DEFAULT_DISPLAY_NAME, Error};
use uuid::Uuid;

/// Every change-log entry, oldest first.
fn all_changes(client: &Client) -> Vec<Change> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = client.changes(after, 100).expect("changes");
        let Some(last) = page.last() else { break };
        after = last.seq;
        out.extend(page);
    }
    out
}

/// The newest change-log sequence (0 when the log is empty).
fn last_seq(client: &Client) -> i64 {
    all_changes(client).last().map_or(0, |c| c.seq)
}

/// The entries appended after `seq`.
fn changes_since(client: &Client, seq: i64) -> Vec<Change> {
    client.changes(seq, 1000).expect("changes")
}

fn points(kind: TransactionType, amount: i32, source: PointSource) -> NewPoints {
    NewPoints {
        transaction_type: kind,
        amount,
        source,
        source_reference_id: None,
        description: Some(format!("{kind} {amount}")),
    }
}

// ───────────────────────────── open / identity ─────────────────────────────

#[test]
fn open_creates_identity_and_reopen_keeps_it() {
    let db = TestDb::new();
    let user = db.client.user_id();
    let device = db.client.device_id();
    assert_ne!(user, Uuid::nil());
    assert_ne!(user, device);
    let profile = db.client.profile().unwrap();
    assert_eq!(profile.user_id, user);
    assert_eq!(profile.display_name, DEFAULT_DISPLAY_NAME);
    assert_eq!(profile.updated_at, db.clock.get());
    // Opening creates rows but is not a user action: nothing to sync.
    assert!(all_changes(&db.client).is_empty());
    drop(db.client);

    // Reopen without an id: the stored identity.
    let again = open_client(&db.path, None, &db.clock).unwrap();
    assert_eq!(again.user_id(), user);
    assert_eq!(again.device_id(), device);
    drop(again);

    // Reopen with the same id: fine.
    let same = open_client(&db.path, Some(user), &db.clock).unwrap();
    assert_eq!(same.device_id(), device);
    drop(same);

    // A different user: refused, and the file still belongs to the first user.
    let other = Uuid::now_v7();
    match open_client(&db.path, Some(other), &db.clock) {
        Err(Error::Conflict(msg)) => assert!(msg.contains(&other.to_string()), "{msg}"),
        other => panic!("expected Conflict, got {other:?}"),
    }
    let after = open_client(&db.path, None, &db.clock).unwrap();
    assert_eq!(after.user_id(), user);
    let conn = common::raw(&db.path);
    assert_eq!(count(&conn, "users"), 1, "the refused open added no user");
}

#[test]
fn open_with_a_given_user_id_uses_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("given.db");
    let clock = common::TestClock::new();
    let wanted = Uuid::now_v7();
    let client = open_client(&path, Some(wanted), &clock).unwrap();
    assert_eq!(client.user_id(), wanted);
    assert_eq!(client.profile().unwrap().user_id, wanted);
    assert!(path.exists(), "a real file on disk");
}

// ───────────────────────────── profile ─────────────────────────────

#[test]
fn profile_update_changes_only_given_fields_and_logs_the_patch() {
    let db = TestDb::new();
    let c = &db.client;
    let full = ProfilePatch {
        username: Some("minji".into()),
        display_name: Some("Minji".into()),
        korean_name: Some("김민지".into()),
        profile_image_url: Some("https://cdn.example/minji.png".into()),
        intro: Some("Barista in Daegu".into()),
        city: Some("Daegu".into()),
        district: Some("Jung-gu".into()),
        language_level: Some(Level::Intermediate),
        target_fluency_level: Some(FluencyTarget::Business),
        learning_goals: Some(vec!["travel".into(), "business_english".into()]),
        preferences: Some(json!({ "notifications": { "daily": true } })),
        preferred_session_minutes: Some(15),
        time_zone: Some("Asia/Seoul".into()),
    };
    db.clock.advance_ms(1_000);
    let p1 = c.update_profile(&full).unwrap();
    assert_eq!(p1.username.as_deref(), Some("minji"));
    assert_eq!(p1.korean_name.as_deref(), Some("김민지"));
    assert_eq!(p1.language_level, Level::Intermediate);
    assert_eq!(p1.target_fluency_level, Some(FluencyTarget::Business));
    assert_eq!(p1.learning_goals, vec!["travel", "business_english"]);
    assert_eq!(
        p1.preferences,
        json!({ "notifications": { "daily": true } })
    );
    assert_eq!(p1.preferred_session_minutes, 15);
    assert_eq!(p1.time_zone, "Asia/Seoul");
    assert_eq!(p1.updated_at, db.clock.get());
    assert_eq!(
        c.profile().unwrap(),
        p1,
        "what is returned is what is stored"
    );

    // Only the city.
    let seq = last_seq(c);
    db.clock.advance_ms(1_000);
    let city_only = ProfilePatch {
        city: Some("Busan".into()),
        ..ProfilePatch::default()
    };
    let p2 = c.update_profile(&city_only).unwrap();
    let mut expected = p1.clone();
    expected.city = Some("Busan".into());
    expected.updated_at = db.clock.get();
    assert_eq!(p2, expected, "nothing but city (and updated_at) changed");
    let logged = changes_since(c, seq);
    assert_eq!(logged.len(), 1, "one update, one entry");
    assert_eq!(logged[0].entity, Entity::Profile);
    assert_eq!(logged[0].operation, Operation::Update);
    assert_eq!(logged[0].entity_id, c.user_id().to_string());
    assert_eq!(logged[0].payload, json!({ "city": "Busan" }));
    assert_eq!(logged[0].created_at, db.clock.get());

    // Empty strings clear optional text; other fields stay.
    let seq = last_seq(c);
    let clear = ProfilePatch {
        intro: Some(String::new()),
        korean_name: Some(String::new()),
        username: Some(String::new()),
        ..ProfilePatch::default()
    };
    let p3 = c.update_profile(&clear).unwrap();
    assert_eq!(p3.intro, None);
    assert_eq!(p3.korean_name, None);
    assert_eq!(p3.username, None);
    assert_eq!(p3.city.as_deref(), Some("Busan"));
    assert_eq!(p3.district.as_deref(), Some("Jung-gu"));
    assert_eq!(p3.display_name, "Minji");
    let logged = changes_since(c, seq);
    assert_eq!(logged.len(), 1);
    assert_eq!(
        logged[0].payload,
        json!({ "intro": "", "korean_name": "", "username": "" })
    );
    assert_eq!(
        serde_json::from_value::<ProfilePatch>(logged[0].payload.clone()).unwrap(),
        clear,
        "the payload is the patch"
    );

    // The whole history: three updates, three entries, in order.
    let all = all_changes(c);
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].payload, serde_json::to_value(&full).unwrap());

    // Survives reopening.
    drop(db.client);
    let again = open_client(&db.path, None, &db.clock).unwrap();
    assert_eq!(again.profile().unwrap(), p3);
}

#[test]
fn user_profile_reads_contacts_and_self() {
    let db = TestDb::new();
    let friend = db.add_contact("Jisoo");
    let p = db.client.user_profile(friend).unwrap();
    assert_eq!(p.display_name, "Jisoo");
    assert_eq!(p.time_zone, "Asia/Seoul");
    assert_eq!(
        db.client.user_profile(db.client.user_id()).unwrap(),
        db.client.profile().unwrap()
    );
    // Refreshing a contact replaces their public profile; it is server data, so nothing is logged.
    let mut newer = common::contact(friend, "Jisoo Park");
    newer.city = None;
    db.client.save_contact(&newer).unwrap();
    let p = db.client.user_profile(friend).unwrap();
    assert_eq!(p.display_name, "Jisoo Park");
    assert_eq!(p.city, None);
    assert!(all_changes(&db.client).is_empty());
    assert!(matches!(
        db.client.user_profile(Uuid::now_v7()),
        Err(Error::NotFound {
            entity: "profile",
            ..
        })
    ));
    // The signed-in user cannot be overwritten through save_contact.
    let me = common::contact(db.client.user_id(), "Impostor");
    assert!(matches!(
        db.client.save_contact(&me),
        Err(Error::InvalidInput { field, .. }) if field == "user_id"
    ));
    assert_eq!(
        db.client.profile().unwrap().display_name,
        DEFAULT_DISPLAY_NAME
    );
}

// ───────────────────────────── languages ─────────────────────────────

fn lang(code: &str, role: LanguageRole, level: Option<Cefr>, primary: bool) -> UserLanguage {
    UserLanguage {
        language_code: code.into(),
        role,
        proficiency: level,
        is_primary: primary,
    }
}

#[test]
fn languages_set_primary_exclusive_update_remove() {
    let db = TestDb::new();
    let c = &db.client;
    assert!(c.languages().unwrap().is_empty());

    c.set_language(&lang("ko", LanguageRole::Native, None, true))
        .unwrap();
    c.set_language(&lang("en", LanguageRole::Learning, Some(Cefr::B1), true))
        .unwrap();
    let list = c
        .set_language(&lang("ja", LanguageRole::Learning, Some(Cefr::A2), true))
        .unwrap();
    let primaries: Vec<(&str, LanguageRole)> = list
        .iter()
        .filter(|l| l.is_primary)
        .map(|l| (l.language_code.as_str(), l.role))
        .collect();
    // One primary per role: ja took it from en; ko (another role) keeps its flag.
    assert_eq!(
        primaries,
        vec![("ja", LanguageRole::Learning), ("ko", LanguageRole::Native)]
    );
    assert_eq!(list.len(), 3);
    assert_eq!(c.languages().unwrap(), list);

    // Setting an existing (code, role) updates it instead of adding a second row.
    let list = c
        .set_language(&lang("en", LanguageRole::Learning, Some(Cefr::B2), false))
        .unwrap();
    assert_eq!(list.len(), 3);
    let en = list.iter().find(|l| l.language_code == "en").unwrap();
    assert_eq!(en.proficiency, Some(Cefr::B2));
    // The same code in another role is another language entry.
    let list = c
        .set_language(&lang("en", LanguageRole::Teaching, None, false))
        .unwrap();
    assert_eq!(list.len(), 4);

    let seq = last_seq(c);
    let list = c.remove_language("ja", LanguageRole::Learning).unwrap();
    assert_eq!(list.len(), 3);
    assert!(!list.iter().any(|l| l.language_code == "ja"));
    let logged = changes_since(c, seq);
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].entity, Entity::UserLanguage);
    assert_eq!(logged[0].operation, Operation::Delete);
    assert_eq!(logged[0].entity_id, "ja:LEARNING");
    assert_eq!(
        logged[0].payload,
        json!({ "language_code": "ja", "role": "LEARNING" })
    );

    // Removing what is not there: NotFound, nothing logged.
    let seq = last_seq(c);
    match c.remove_language("ja", LanguageRole::Learning) {
        Err(Error::NotFound { entity, id }) => {
            assert_eq!(entity, "user_language");
            assert_eq!(id, "ja:LEARNING");
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert!(changes_since(c, seq).is_empty());

    // Five sets and one remove: six entries, the sets as inserts carrying the language.
    let all = all_changes(c);
    assert_eq!(all.len(), 6);
    assert_eq!(all[0].entity_id, "ko:NATIVE");
    assert_eq!(all[0].operation, Operation::Insert);
    assert_eq!(
        all[0].payload,
        json!({ "language_code": "ko", "role": "NATIVE", "proficiency": null, "is_primary": true })
    );
}

// ───────────────────────────── interests ─────────────────────────────

#[test]
fn interests_add_duplicate_remove() {
    let db = TestDb::new();
    let c = &db.client;
    c.add_interest("k-pop").unwrap();
    let list = c.add_interest("coffee").unwrap();
    assert_eq!(list, vec!["coffee", "k-pop"], "alphabetical");

    let seq = last_seq(c);
    assert!(matches!(c.add_interest("coffee"), Err(Error::Conflict(_))));
    assert!(
        changes_since(c, seq).is_empty(),
        "a refused add logs nothing"
    );
    assert_eq!(c.interests().unwrap(), vec!["coffee", "k-pop"]);

    let list = c.remove_interest("k-pop").unwrap();
    assert_eq!(list, vec!["coffee"]);
    assert!(matches!(
        c.remove_interest("k-pop"),
        Err(Error::NotFound {
            entity: "user_interest",
            ..
        })
    ));

    let all = all_changes(c);
    let summary: Vec<(Entity, Operation, &str)> = all
        .iter()
        .map(|ch| (ch.entity, ch.operation, ch.entity_id.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (Entity::UserInterest, Operation::Insert, "k-pop"),
            (Entity::UserInterest, Operation::Insert, "coffee"),
            (Entity::UserInterest, Operation::Delete, "k-pop"),
        ]
    );
    assert_eq!(all[2].payload, json!({ "interest_tag": "k-pop" }));
}

// ───────────────────────────── onboarding ─────────────────────────────

#[test]
fn onboarding_steps_and_completion() {
    let db = TestDb::new();
    let c = &db.client;
    let start = c.onboarding().unwrap();
    assert_eq!(start.current_step, 1);
    assert!(!start.is_completed);
    assert!(start.step_data.is_empty());

    for step in 1..=5u8 {
        let o = c
            .save_onboarding_step(step, &json!({ "step": step }))
            .unwrap();
        assert_eq!(o.current_step, step);
        assert!(!o.is_completed);
        assert_eq!(o.step_data.len(), usize::from(step));
    }
    // Going back to edit step 2 keeps the user on step 5 and replaces step 2's data.
    let o = c
        .save_onboarding_step(2, &json!({ "level": "beginner" }))
        .unwrap();
    assert_eq!(o.current_step, 5);
    assert_eq!(o.step_data[1], (2, json!({ "level": "beginner" })));
    assert_eq!(o.step_data.len(), 5);

    db.clock.advance_ms(60_000);
    let done = c.save_onboarding_step(6, &json!({ "done": true })).unwrap();
    assert_eq!(done.current_step, 6);
    assert!(done.is_completed);
    assert_eq!(done.completed_at, Some(db.clock.get()));
    assert_eq!(c.onboarding().unwrap(), done);

    // Completion is kept when an earlier step is saved again later.
    db.clock.advance_ms(60_000);
    let later = c.save_onboarding_step(3, &json!({ "again": 1 })).unwrap();
    assert!(later.is_completed);
    assert_eq!(later.completed_at, done.completed_at);

    for bad in [0u8, 7, 255] {
        match c.save_onboarding_step(bad, &json!({})) {
            Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "step"),
            other => panic!("step {bad}: expected InvalidInput, got {other:?}"),
        }
    }
    let all = all_changes(c);
    assert_eq!(
        all.len(),
        8,
        "one entry per saved step, none for refused ones"
    );
    assert!(
        all.iter()
            .all(|ch| ch.entity == Entity::Onboarding && ch.operation == Operation::Update)
    );
    assert_eq!(all[6].entity_id, "6");
    assert_eq!(
        all[6].payload,
        json!({ "step": 6, "data": { "done": true } })
    );
}

// ───────────────────────────── catalog ─────────────────────────────

#[test]
fn catalog_import_and_query() {
    let db = TestDb::new();
    let c = &db.client;
    let summary = c.import_catalog(&common::catalog_batch()).unwrap();
    assert_eq!(
        (summary.situations, summary.variations, summary.achievements),
        (4, 3, 2)
    );

    let names = |f: &SituationFilter| -> Vec<String> {
        c.situations(f)
            .unwrap()
            .into_iter()
            .map(|s| s.name)
            .collect()
    };
    // Active only by default, easiest first.
    assert_eq!(
        names(&SituationFilter::default()),
        vec!["cafe_ordering", "asking_directions", "business_meeting"]
    );
    assert_eq!(
        names(&SituationFilter {
            include_inactive: true,
            ..Default::default()
        }),
        vec![
            "cafe_ordering",
            "old_cafe",
            "asking_directions",
            "business_meeting"
        ]
    );
    assert_eq!(
        names(&SituationFilter {
            category: Some("ordering".into()),
            ..Default::default()
        }),
        vec!["cafe_ordering"]
    );
    assert_eq!(
        names(&SituationFilter {
            difficulty: Some(Level::Advanced),
            ..Default::default()
        }),
        vec!["business_meeting"]
    );
    assert_eq!(
        names(&SituationFilter {
            location: Some("Daegu".into()),
            ..Default::default()
        }),
        vec!["asking_directions"]
    );
    assert!(
        names(&SituationFilter {
            category: Some("ordering".into()),
            difficulty: Some(Level::Advanced),
            ..Default::default()
        })
        .is_empty()
    );

    let batch = common::catalog_batch();
    assert_eq!(c.situation(ids::DIRECTIONS).unwrap(), batch.situations[1]);
    let vars = c.variations(ids::CAFE).unwrap();
    assert_eq!(
        vars.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
        vec!["Iced latte", "Takeaway"]
    );
    assert_eq!(c.variation(ids::CAFE_LATTE).unwrap(), batch.variations[1]);
    assert!(c.variations(ids::BUSINESS).unwrap().is_empty());
    assert!(matches!(
        c.variations(Uuid::now_v7()),
        Err(Error::NotFound {
            entity: "situation",
            ..
        })
    ));
    assert!(matches!(
        c.situation(Uuid::now_v7()),
        Err(Error::NotFound {
            entity: "situation",
            ..
        })
    ));
    assert!(matches!(
        c.variation(Uuid::now_v7()),
        Err(Error::NotFound {
            entity: "variation",
            ..
        })
    ));
    let ach = c.achievements().unwrap();
    assert_eq!(
        ach.iter().map(|a| a.title.as_str()).collect::<Vec<_>>(),
        vec!["First steps", "Seven days"],
        "by title"
    );
    assert_eq!(ach[0], batch.achievements[1]);
    // The catalog is server content: importing it is not a user action to sync.
    assert!(all_changes(c).is_empty());
}

#[test]
fn catalog_reimport_replaces_rows_and_keeps_children() {
    let db = TestDb::new();
    let c = &db.client;
    c.import_catalog(&common::catalog_batch()).unwrap();
    // The learner has practised the café situation (no public API for sessions yet: a raw row).
    db.raw()
        .execute(
            "INSERT INTO practice_sessions (session_id, user_id, situation_id, variation_id, status,
                 started_at, time_zone, utc_offset_seconds, updated_at)
             VALUES (?1, ?2, ?3, ?4, 'in_progress', '2026-03-01T09:00:00.000Z', 'Asia/Seoul', 32400,
                 '2026-03-01T09:00:00.000Z')",
            [
                Uuid::now_v7().to_string(),
                c.user_id().to_string(),
                ids::CAFE.to_string(),
                ids::CAFE_LATTE.to_string(),
            ],
        )
        .unwrap();

    // The server edits a situation (new version), a variation and an achievement, and sends only those.
    let mut batch = common::catalog_batch();
    let mut cafe = batch.situations.remove(0);
    cafe.name = "cafe_ordering_v2".into();
    cafe.version = 2;
    cafe.is_active = false;
    let mut latte = batch.variations.remove(1);
    latte.opening_line = "Hello, what would you like?".into();
    let mut badge = batch.achievements.remove(1);
    badge.badge_color = Some("#00aaff".into());
    badge.points_reward = 75;
    let update = studymate_core::catalog::CatalogBatch {
        situations: vec![cafe.clone()],
        variations: vec![latte.clone()],
        achievements: vec![badge.clone()],
    };
    let summary = c.import_catalog(&update).unwrap();
    assert_eq!(
        (summary.situations, summary.variations, summary.achievements),
        (1, 1, 1)
    );

    assert_eq!(c.situation(ids::CAFE).unwrap(), cafe);
    assert_eq!(c.variation(ids::CAFE_LATTE).unwrap(), latte);
    let stored = c.achievements().unwrap();
    assert_eq!(
        stored.iter().find(|a| a.id == ids::FIRST_STEPS),
        Some(&badge)
    );
    // Replacing a situation must not take its variations with it (they were not in this batch).
    assert_eq!(c.variations(ids::CAFE).unwrap().len(), 2);
    let conn = db.raw();
    assert_eq!(count(&conn, "situations"), 4);
    assert_eq!(count(&conn, "situation_variations"), 3);
    assert_eq!(count(&conn, "achievements"), 2);
    assert_eq!(count(&conn, "practice_sessions"), 1, "history is kept");
}

// ───────────────────────────── ledger ─────────────────────────────

#[test]
fn ledger_records_and_derives_balance() {
    let db = TestDb::new();
    let c = &db.client;
    assert_eq!(
        c.balance().unwrap(),
        Balance {
            available: 0,
            lifetime_earned: 0,
            used: 0
        }
    );
    let e = c
        .record_points(&points(
            TransactionType::Earned,
            100,
            PointSource::DailyPractice,
        ))
        .unwrap();
    assert_eq!(e.points, 100);
    assert_eq!(e.created_at, db.clock.get());
    let s = c
        .record_points(&points(
            TransactionType::Spent,
            30,
            PointSource::StreakFreeze,
        ))
        .unwrap();
    assert_eq!(s.points, -30, "spending is stored negative");
    c.record_points(&points(
        TransactionType::Bonus,
        20,
        PointSource::StreakBonus,
    ))
    .unwrap();
    c.record_points(&points(
        TransactionType::Penalty,
        5,
        PointSource::AdminAdjustment,
    ))
    .unwrap();
    let expected = Balance {
        available: 85,
        lifetime_earned: 120,
        used: 35,
    };
    assert_eq!(c.balance().unwrap(), expected);

    // Overdraft: refused, nothing written.
    let before = db.snapshot();
    for (kind, amount) in [
        (TransactionType::Spent, 86),
        (TransactionType::Penalty, 1000),
    ] {
        match c.record_points(&points(kind, amount, PointSource::StreakFreeze)) {
            Err(Error::InsufficientPoints { available, needed }) => {
                assert_eq!((available, needed), (85, i64::from(amount)));
            }
            other => panic!("expected InsufficientPoints, got {other:?}"),
        }
    }
    assert_eq!(db.snapshot(), before, "an overdraft writes nothing");
    assert_eq!(c.balance().unwrap(), expected);
    // Spending exactly the balance is allowed.
    c.record_points(&points(
        TransactionType::Spent,
        85,
        PointSource::StreakFreeze,
    ))
    .unwrap();
    assert_eq!(c.balance().unwrap().available, 0);

    // One insert entry per recorded transaction, with the transaction as payload.
    let all = all_changes(c);
    assert_eq!(all.len(), 5);
    assert!(
        all.iter()
            .all(|ch| ch.entity == Entity::PointTransaction && ch.operation == Operation::Insert)
    );
    assert_eq!(all[1].entity_id, s.id.to_string());
    assert_eq!(all[1].payload, serde_json::to_value(&s).unwrap());
    assert_eq!(count(&db.raw(), "point_transactions"), 5);
}

#[test]
fn ledger_history_pages_without_gaps_or_duplicates() {
    let db = TestDb::new();
    let c = &db.client;
    let mut recorded = Vec::new();
    for i in 0..23i32 {
        // Groups of three share a timestamp, so ties (broken by id) straddle page boundaries.
        if i % 3 == 0 {
            db.clock.advance_ms(1_000);
        }
        recorded.push(
            c.record_points(&points(
                TransactionType::Earned,
                i + 1,
                PointSource::DailyPractice,
            ))
            .unwrap(),
        );
    }
    for limit in [1u32, 4, 5, 23, 500] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = c.point_history(cursor.as_deref(), limit).unwrap();
            assert!(page.entries.len() <= limit as usize);
            pages += 1;
            seen.extend(page.entries);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
            assert!(pages < 100, "pagination does not end");
        }
        assert_eq!(seen.len(), 23, "limit {limit}: every entry once");
        let ids: HashSet<Uuid> = seen.iter().map(|e| e.id).collect();
        assert_eq!(ids.len(), 23, "limit {limit}: no duplicates");
        // Newest first: by time, then by id for entries made in the same millisecond.
        for pair in seen.windows(2) {
            assert!(
                (pair[0].created_at, pair[0].id) > (pair[1].created_at, pair[1].id),
                "limit {limit}: not newest first"
            );
        }
        let mut expected = recorded.clone();
        expected.sort_by_key(|e| std::cmp::Reverse((e.created_at, e.id)));
        assert_eq!(seen, expected);
    }
}

#[test]
fn ledger_history_refuses_malformed_cursors() {
    let db = TestDb::new();
    let c = &db.client;
    c.record_points(&points(
        TransactionType::Earned,
        5,
        PointSource::DailyPractice,
    ))
    .unwrap();
    let good = c.point_history(None, 1).unwrap().next_cursor.unwrap();
    assert!(c.point_history(Some(&good), 1).unwrap().entries.is_empty());
    let (time, _) = good.split_once('|').unwrap();
    for bad in [
        "",
        "garbage",
        "|",
        "2026-03-01T09:00:00.000Z",
        &format!("{time}|not-a-uuid"),
        &format!("yesterday|{}", Uuid::now_v7()),
        "'; DROP TABLE point_transactions; --|x",
    ] {
        match c.point_history(Some(bad), 10) {
            Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "cursor", "{bad:?}"),
            other => panic!("cursor {bad:?}: expected InvalidInput, got {other:?}"),
        }
    }
    assert_eq!(count(&db.raw(), "point_transactions"), 1);
}

// ───────────────────────────── chat ─────────────────────────────

#[test]
fn direct_room_is_created_once_per_pair() {
    let db = TestDb::new();
    let c = &db.client;
    let friend = db.add_contact("Jisoo");
    let room = c.create_direct_room(friend).unwrap();
    assert_eq!(room.room_type, RoomType::Direct);
    assert_eq!(room.created_by, Some(c.user_id()));
    let members: Vec<(Uuid, ParticipantRole)> = room
        .participants
        .iter()
        .map(|p| (p.user_id, p.role))
        .collect();
    assert!(members.contains(&(c.user_id(), ParticipantRole::Admin)));
    assert!(members.contains(&(friend, ParticipantRole::Member)));
    assert_eq!(members.len(), 2);

    let again = c.create_direct_room(friend).unwrap();
    assert_eq!(again, room, "the second call returns the same room");
    assert_eq!(c.room(room.id).unwrap(), room);
    assert_eq!(count(&db.raw(), "chat_rooms"), 1);
    let all = all_changes(c);
    assert_eq!(all.len(), 1, "created once, logged once");
    assert_eq!(all[0].entity, Entity::ChatRoom);
    assert_eq!(all[0].operation, Operation::Insert);
    assert_eq!(all[0].entity_id, room.id.to_string());
    assert_eq!(all[0].payload, serde_json::to_value(&room).unwrap());

    // Someone unknown locally, or the user themself: refused.
    assert!(matches!(
        c.create_direct_room(Uuid::now_v7()),
        Err(Error::NotFound { entity: "user", .. })
    ));
    assert!(matches!(
        c.create_direct_room(c.user_id()),
        Err(Error::InvalidInput { field, .. }) if field == "other"
    ));
    assert_eq!(count(&db.raw(), "chat_rooms"), 1);
}

#[test]
fn group_room_and_room_list() {
    let db = TestDb::new();
    let c = &db.client;
    let a = db.add_contact("Ana");
    let b = db.add_contact("Ben");
    let group = c
        .create_group_room(
            "Study buddies",
            Some("Daily English"),
            &[a, b, a, c.user_id()],
        )
        .unwrap();
    assert_eq!(group.room_type, RoomType::Group);
    assert_eq!(group.name.as_deref(), Some("Study buddies"));
    assert_eq!(group.description.as_deref(), Some("Daily English"));
    let mut member_ids: Vec<Uuid> = group.participants.iter().map(|p| p.user_id).collect();
    member_ids.sort();
    let mut expected = vec![a, b, c.user_id()];
    expected.sort();
    assert_eq!(member_ids, expected, "duplicates and self folded away");
    let admins: Vec<Uuid> = group
        .participants
        .iter()
        .filter(|p| p.role == ParticipantRole::Admin)
        .map(|p| p.user_id)
        .collect();
    assert_eq!(admins, vec![c.user_id()]);

    db.clock.advance_ms(1_000);
    let direct = c.create_direct_room(a).unwrap();
    // Most recently active first: the group gets a message, so it moves to the top.
    let rooms: Vec<Uuid> = c.rooms().unwrap().iter().map(|r| r.id).collect();
    assert_eq!(rooms, vec![direct.id, group.id]);
    c.send_message(group.id, &NewMessage::text("hi all"))
        .unwrap();
    let rooms: Vec<Uuid> = c.rooms().unwrap().iter().map(|r| r.id).collect();
    assert_eq!(rooms, vec![group.id, direct.id]);
    assert_eq!(c.room(group.id).unwrap(), group);
}

#[test]
fn send_edit_delete_own_messages() {
    let db = TestDb::new();
    let c = &db.client;
    let friend = db.add_contact("Jisoo");
    let room = c.create_direct_room(friend).unwrap();

    let seq = last_seq(c);
    let sent = c
        .send_message(room.id, &NewMessage::text("안녕하세요"))
        .unwrap();
    assert_eq!(sent.send_state, SendState::Pending);
    assert!(sent.sort_key >= PENDING_SORT_BASE);
    assert_eq!(sent.sender_id, c.user_id());
    assert_eq!(sent.content.as_deref(), Some("안녕하세요"));
    assert_eq!(sent.created_at, db.clock.get());
    let logged = changes_since(c, seq);
    assert_eq!(logged.len(), 1);
    assert_eq!(
        (logged[0].entity, logged[0].operation),
        (Entity::ChatMessage, Operation::Insert)
    );
    assert_eq!(logged[0].entity_id, sent.id.to_string());
    assert_eq!(sent.sort_key, PENDING_SORT_BASE + logged[0].seq);
    assert_eq!(logged[0].payload["content"], json!("안녕하세요"));
    assert_eq!(logged[0].payload["room_id"], json!(room.id));

    // A reply and an attachment.
    let reply = c
        .send_message(
            room.id,
            &NewMessage {
                reply_to_id: Some(sent.id),
                ..NewMessage::text("(reply)")
            },
        )
        .unwrap();
    assert_eq!(reply.reply_to_id, Some(sent.id));
    assert!(reply.sort_key > sent.sort_key, "later sends sort later");
    let image = c
        .send_message(
            room.id,
            &NewMessage {
                message_type: MessageType::Image,
                content: None,
                file_url: Some("https://cdn.example/latte.jpg".into()),
                file_metadata: Some(json!({ "width": 640, "height": 480 })),
                reply_to_id: None,
            },
        )
        .unwrap();
    assert_eq!(
        image.file_metadata,
        Some(json!({ "width": 640, "height": 480 }))
    );

    // Edit.
    db.clock.advance_ms(5_000);
    let seq = last_seq(c);
    let edited = c.edit_message(sent.id, "안녕!").unwrap();
    assert_eq!(edited.content.as_deref(), Some("안녕!"));
    assert!(edited.is_edited);
    assert_eq!(edited.edited_at, Some(db.clock.get()));
    assert_eq!(edited.sort_key, sent.sort_key, "editing keeps the place");
    let logged = changes_since(c, seq);
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].operation, Operation::Update);
    assert_eq!(logged[0].payload["content"], json!("안녕!"));
    // Only text messages can be edited.
    assert!(matches!(
        c.edit_message(image.id, "caption"),
        Err(Error::InvalidInput { field, .. }) if field == "message_id"
    ));

    // Delete: a tombstone without content.
    let seq = last_seq(c);
    let gone = c.delete_message(sent.id).unwrap();
    assert!(gone.is_deleted);
    assert_eq!(gone.content, None);
    assert_eq!(gone.deleted_at, Some(db.clock.get()));
    let logged = changes_since(c, seq);
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].operation, Operation::Delete);
    assert_eq!(logged[0].entity_id, sent.id.to_string());
    assert!(logged[0].payload.get("content").is_none());
    let stored: Option<String> = db
        .raw()
        .query_row(
            "SELECT content FROM chat_messages WHERE message_id = ?1",
            [sent.id.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        stored, None,
        "the text is gone from the file, not just hidden"
    );
    let image_gone = c.delete_message(image.id).unwrap();
    assert_eq!(image_gone.file_url, None);
    assert_eq!(image_gone.file_metadata, None);

    // A tombstone cannot be edited or deleted again.
    assert!(matches!(
        c.edit_message(sent.id, "again"),
        Err(Error::Conflict(_))
    ));
    assert!(matches!(c.delete_message(sent.id), Err(Error::Conflict(_))));
    // The tombstone still shows in the timeline, in place.
    let page = c.messages(room.id, None, 10).unwrap();
    let ids: Vec<Uuid> = page.messages.iter().map(|m| m.id).collect();
    assert_eq!(ids, vec![image.id, reply.id, sent.id]);
    assert!(page.messages[2].is_deleted);
    assert!(matches!(
        c.edit_message(Uuid::now_v7(), "x"),
        Err(Error::NotFound {
            entity: "chat_message",
            ..
        })
    ));
}

#[test]
fn cannot_change_someone_elses_message() {
    let db = TestDb::new();
    let c = &db.client;
    let friend = db.add_contact("Jisoo");
    let room = c.create_direct_room(friend).unwrap();
    let theirs = insert_incoming(&db.raw(), room.id, friend, 1, "hello from Jisoo");
    let before = db.snapshot();
    for result in [c.edit_message(theirs, "hacked"), c.delete_message(theirs)] {
        match result {
            Err(Error::InvalidInput { field, reason }) => {
                assert_eq!(field, "message_id");
                assert!(reason.contains("sender"), "{reason}");
            }
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }
    assert_eq!(db.snapshot(), before);
    let page = c.messages(room.id, None, 10).unwrap();
    assert_eq!(
        page.messages[0].content.as_deref(),
        Some("hello from Jisoo")
    );
    assert_eq!(page.messages[0].send_state, SendState::Sent);
}

#[test]
fn messages_page_newest_first_over_250_without_gaps() {
    let db = TestDb::new();
    let c = &db.client;
    let friend = db.add_contact("Jisoo");
    let room = c.create_direct_room(friend).unwrap();
    let other_room = c.create_direct_room(db.add_contact("Other")).unwrap();
    let mut expected: Vec<(i64, Uuid)> = Vec::new();
    {
        let conn = db.raw();
        let tx = conn.unchecked_transaction().unwrap();
        // 200 messages ordered by the server (sort keys 1, 3, 5 …: gaps in server order are normal).
        for i in 0..200i64 {
            let seq = 1 + 2 * i;
            let (sender, text) = if i % 4 == 0 {
                (c.user_id(), format!("mine {i}"))
            } else {
                (friend, format!("theirs {i}"))
            };
            let id = insert_incoming(&tx, room.id, sender, seq, &text);
            expected.push((seq, id));
        }
        // Noise in another room must not leak in.
        for i in 0..30 {
            insert_incoming(&tx, other_room.id, friend, 1 + i, "elsewhere");
        }
        tx.commit().unwrap();
    }
    // 50 local echoes, which sort after everything the server ordered.
    for i in 0..50 {
        let m = c
            .send_message(room.id, &NewMessage::text(format!("pending {i}")))
            .unwrap();
        expected.push((m.sort_key, m.id));
    }
    expected.sort_by_key(|(k, _)| std::cmp::Reverse(*k));
    assert_eq!(expected.len(), 250);

    for limit in [1u32, 7, 50, 125, 200] {
        let mut seen = Vec::new();
        let mut before = None;
        loop {
            let page = c.messages(room.id, before, limit).unwrap();
            assert!(page.messages.len() <= limit as usize);
            assert!(page.messages.iter().all(|m| m.room_id == room.id));
            seen.extend(page.messages.iter().map(|m| (m.sort_key, m.id)));
            match page.next_before {
                Some(b) => before = Some(b),
                None => break,
            }
            assert!(seen.len() <= 250, "limit {limit}: pagination does not end");
        }
        assert_eq!(
            seen, expected,
            "limit {limit}: all 250, newest first, once each"
        );
    }
    // The first page of 50 is exactly the pending echoes.
    let first = c.messages(room.id, None, 50).unwrap();
    assert!(
        first
            .messages
            .iter()
            .all(|m| m.send_state == SendState::Pending)
    );
    // `before` in the middle of the server range.
    let mid = c.messages(room.id, Some(11), 200).unwrap();
    assert_eq!(
        mid.messages.iter().map(|m| m.sort_key).collect::<Vec<_>>(),
        vec![9, 7, 5, 3, 1]
    );
    assert_eq!(mid.next_before, None);
}

#[test]
fn mark_read_only_moves_forward() {
    let db = TestDb::new();
    let c = &db.client;
    let friend = db.add_contact("Jisoo");
    let room = c.create_direct_room(friend).unwrap();
    let conn = db.raw();
    let incoming: Vec<Uuid> = (1..=10)
        .map(|seq| insert_incoming(&conn, room.id, friend, seq, &format!("m{seq}")))
        .collect();
    let unread = |c: &Client| {
        c.unread_counts()
            .unwrap()
            .into_iter()
            .find(|u| u.room_id == room.id)
            .unwrap()
            .unread
    };
    assert_eq!(unread(c), 10);

    let seq = last_seq(c);
    assert_eq!(c.mark_read(room.id, incoming[4]).unwrap(), 5);
    let logged = changes_since(c, seq);
    assert_eq!(logged.len(), 1);
    assert_eq!(
        (logged[0].entity, logged[0].operation),
        (Entity::ReadMarker, Operation::Update)
    );
    assert_eq!(logged[0].entity_id, room.id.to_string());
    assert_eq!(
        logged[0].payload,
        json!({ "room_id": room.id, "message_id": incoming[4] })
    );
    let me = c.room(room.id).unwrap();
    let marker = me
        .participants
        .iter()
        .find(|p| p.user_id == c.user_id())
        .unwrap();
    assert_eq!(marker.last_read_message_id, Some(incoming[4]));

    // Backwards (and the same message again): no change, nothing logged.
    let seq = last_seq(c);
    assert_eq!(c.mark_read(room.id, incoming[2]).unwrap(), 5);
    assert_eq!(c.mark_read(room.id, incoming[4]).unwrap(), 5);
    assert!(changes_since(c, seq).is_empty());
    assert_eq!(unread(c), 5);

    // Reading my own pending echo reads everything the server has ordered.
    let mine = c.send_message(room.id, &NewMessage::text("ok")).unwrap();
    assert_eq!(c.mark_read(room.id, mine.id).unwrap(), 0);
    let me = c.room(room.id).unwrap();
    let marker = me
        .participants
        .iter()
        .find(|p| p.user_id == c.user_id())
        .unwrap();
    assert_eq!(marker.last_read_message_id, Some(incoming[9]));
    assert_eq!(unread(c), 0);

    // A message from another room is refused.
    let other_room = c.create_direct_room(db.add_contact("Other")).unwrap();
    let elsewhere = insert_incoming(&conn, other_room.id, friend, 1, "x");
    assert!(matches!(
        c.mark_read(room.id, elsewhere),
        Err(Error::InvalidInput { field, .. }) if field == "message_id"
    ));
    assert!(matches!(
        c.mark_read(room.id, Uuid::now_v7()),
        Err(Error::NotFound {
            entity: "chat_message",
            ..
        })
    ));
}

#[test]
fn unread_counts_across_rooms() {
    let db = TestDb::new();
    let c = &db.client;
    let ana = db.add_contact("Ana");
    let ben = db.add_contact("Ben");
    let quiet = db.add_contact("Quiet");
    let with_ana = c.create_direct_room(ana).unwrap();
    let with_quiet = c.create_direct_room(quiet).unwrap();
    let group = c.create_group_room("Trio", None, &[ana, ben]).unwrap();
    let conn = db.raw();

    // Ana: 4 messages, one later deleted; the user's own messages (sent and pending) never count.
    insert_incoming(&conn, with_ana.id, ana, 1, "a1");
    let a2 = insert_incoming(&conn, with_ana.id, ana, 2, "a2");
    insert_incoming(&conn, with_ana.id, c.user_id(), 3, "mine, synced");
    insert_incoming(&conn, with_ana.id, ana, 4, "a4");
    let a5 = insert_incoming(&conn, with_ana.id, ana, 5, "a5");
    tombstone_incoming(&conn, a5);
    c.send_message(with_ana.id, &NewMessage::text("mine, pending"))
        .unwrap();
    // Group: 2 from Ana, 3 from Ben, 1 of mine.
    for (seq, who) in [
        (1, ana),
        (2, ben),
        (3, c.user_id()),
        (4, ben),
        (5, ana),
        (6, ben),
    ] {
        insert_incoming(&conn, group.id, who, seq, "g");
    }

    let counts = |c: &Client| -> Vec<(Uuid, i32)> {
        let mut v: Vec<(Uuid, i32)> = c
            .unread_counts()
            .unwrap()
            .into_iter()
            .map(|u| (u.room_id, u.unread))
            .collect();
        v.sort();
        v
    };
    let mut expected = vec![(with_ana.id, 3), (with_quiet.id, 0), (group.id, 5)];
    expected.sort();
    assert_eq!(counts(c), expected);

    // Marker after a2: only a4 is left in Ana's room (a5 is deleted). Other rooms are untouched.
    assert_eq!(c.mark_read(with_ana.id, a2).unwrap(), 1);
    let mut expected = vec![(with_ana.id, 1), (with_quiet.id, 0), (group.id, 5)];
    expected.sort();
    assert_eq!(counts(c), expected);

    // A room the user left does not appear.
    conn.execute(
        "UPDATE chat_participants SET is_active = 0 WHERE room_id = ?1 AND user_id = ?2",
        [group.id.to_string(), c.user_id().to_string()],
    )
    .unwrap();
    let mut expected = vec![(with_ana.id, 1), (with_quiet.id, 0)];
    expected.sort();
    assert_eq!(counts(c), expected);
}

// ───────────────────────────── change log ─────────────────────────────

#[test]
fn change_log_lists_every_action_in_order() {
    let db = TestDb::new();
    let c = &db.client;
    let friend = db.add_contact("Jisoo");
    c.update_profile(&ProfilePatch {
        display_name: Some("Minji".into()),
        ..Default::default()
    })
    .unwrap();
    c.set_language(&lang("en", LanguageRole::Learning, Some(Cefr::A2), true))
        .unwrap();
    c.add_interest("coffee").unwrap();
    c.save_onboarding_step(1, &json!({})).unwrap();
    let room = c.create_direct_room(friend).unwrap();
    let m = c.send_message(room.id, &NewMessage::text("hi")).unwrap();
    c.edit_message(m.id, "hello").unwrap();
    c.delete_message(m.id).unwrap();
    let t = c
        .record_points(&points(
            TransactionType::Earned,
            10,
            PointSource::DailyPractice,
        ))
        .unwrap();

    let all = all_changes(c);
    let summary: Vec<(Entity, Operation, String)> = all
        .iter()
        .map(|ch| (ch.entity, ch.operation, ch.entity_id.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (Entity::Profile, Operation::Update, c.user_id().to_string()),
            (
                Entity::UserLanguage,
                Operation::Insert,
                "en:LEARNING".into()
            ),
            (Entity::UserInterest, Operation::Insert, "coffee".into()),
            (Entity::Onboarding, Operation::Update, "1".into()),
            (Entity::ChatRoom, Operation::Insert, room.id.to_string()),
            (Entity::ChatMessage, Operation::Insert, m.id.to_string()),
            (Entity::ChatMessage, Operation::Update, m.id.to_string()),
            (Entity::ChatMessage, Operation::Delete, m.id.to_string()),
            (
                Entity::PointTransaction,
                Operation::Insert,
                t.id.to_string()
            ),
        ]
    );
    assert_eq!(all[0].payload, json!({ "display_name": "Minji" }));
    // Sequences strictly increase; change ids are unique.
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
    let change_ids: HashSet<Uuid> = all.iter().map(|ch| ch.change_id).collect();
    assert_eq!(change_ids.len(), all.len());

    // Paging: `after` is exclusive, `limit` caps.
    let page = c.changes(all[2].seq, 3).unwrap();
    assert_eq!(page, all[3..6].to_vec());
    assert!(c.changes(all[8].seq, 10).unwrap().is_empty());
    assert_eq!(c.changes(-5, 1).unwrap(), all[..1].to_vec());

    // The log survives reopening, unchanged.
    drop(db.client);
    let again = open_client(&db.path, None, &db.clock).unwrap();
    assert_eq!(all_changes(&again), all);
    // And sequences continue after the last one.
    let next = again
        .record_points(&points(
            TransactionType::Earned,
            1,
            PointSource::DailyPractice,
        ))
        .unwrap();
    let tail = again.changes(all[8].seq, 10).unwrap();
    assert_eq!(tail.len(), 1);
    assert_eq!(tail[0].entity_id, next.id.to_string());
    assert!(tail[0].seq > all[8].seq);
}

#[test]
fn clock_going_backwards_is_stored_as_given() {
    // Apps never set the clock, but devices do jump; timestamps are taken from the clock as is.
    let db = TestDb::new();
    db.clock
        .set(Utc.with_ymd_and_hms(2025, 12, 31, 23, 59, 59).unwrap());
    let t = db
        .client
        .record_points(&points(
            TransactionType::Earned,
            1,
            PointSource::DailyPractice,
        ))
        .unwrap();
    assert_eq!(t.created_at, db.clock.get());
    assert_eq!(
        db.client.changes(0, 1).unwrap()[0].created_at,
        db.clock.get()
    );
}

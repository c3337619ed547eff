//! Migration from every earlier schema version: a database made by an earlier version of the
//! library, with data in it, opens with the current library and loses nothing.
//!
//! How the "version N" fixtures are made (the decision, written down):
//! - An old library build is not available inside this test, so a fixture is built from frozen
//!   SQL on a raw rusqlite connection: the migration files `V1..=VN` exactly as released, then a
//!   refinery history row per file with the checksum refinery itself computes, then the data in
//!   `tests/fixtures/vN_data.sql`.
//! - Released migration files are never edited (forward only; refinery refuses a divergent file
//!   anyway), so `include_str!` of `migrations/Vk__*.sql` *is* the frozen schema of version k.
//!   `fixture_history_matches_the_embedded_migrations` proves that the history rows written here
//!   are exactly what refinery records, so the library will upgrade the fixture rather than refuse
//!   it as divergent.
//! - The data files are frozen too: they stand for the databases already on phones. `v1_data.sql`
//!   is written against schema 1; `v2_sync_data.sql` adds, on top of it, what V2's tables hold.
//!   None changes when the schema does.
//! - For the current version the same raw build is used, and
//!   `raw_fixture_schema_equals_a_library_made_one` checks it matches a database the library
//!   makes, so the construction itself cannot drift.
//!
//! When V2 arrives: add `V2__….sql` to `migrations/`, bump `SCHEMA_VERSION`, and add a fixture
//! `{ version: 2, migrations: [V1, V2], data: [v1_data.sql, v2_sync_data.sql], check: … }` to `FIXTURES`.
//! The V1 fixture then exercises the V1 → V2 upgrade; `every_version_has_a_fixture` fails until
//! the V2 fixture exists. Update the `check` functions if V2 changes what the API returns.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{TimeZone, Utc};
use rusqlite::Connection;
use serde_json::json;
use studymate_core::catalog::SituationFilter;
use studymate_core::changelog::{Entity, Operation};
use studymate_core::chat::{MessageType, NewMessage, PENDING_SORT_BASE, RoomType, SendState};
use studymate_core::ledger::{Balance, NewPoints, PointSource, TransactionType};
use studymate_core::profile::{Cefr, FluencyTarget, LanguageRole, Level, UserLanguage};
use studymate_core::{Client, SCHEMA_VERSION};
use uuid::{Uuid, uuid};

mod embedded {
    refinery::embed_migrations!("../migrations");
}

/// A database as an earlier library version left it.
struct Fixture {
    /// The schema version it was made at.
    version: u32,
    /// The migration files of that version, as released: (refinery name, SQL).
    migrations: &'static [(&'static str, &'static str)],
    /// The data, written against that version's schema, in files loaded in order (a version's
    /// fixture may reuse an earlier version's frozen data and add what its schema added).
    data: &'static [&'static str],
    /// Checks through the current API that the data survived.
    check: fn(&Client, &Connection),
}

const V1_SQL: &str = include_str!("../../../migrations/V1__init.sql");

const V2_SQL: &str = include_str!("../../../migrations/V2__sync.sql");

const V3_SQL: &str = include_str!("../../../migrations/V3__authority.sql");

const V4_SQL: &str = include_str!("../../../migrations/V4__change_log_checks.sql");

const V3_ANSWER_DATA: &str = include_str!("../fixtures/v3_answer_data.sql");

const V1_DATA: &str = include_str!("../fixtures/v1_data.sql");

const FIXTURES: &[Fixture] = &[
    Fixture {
        version: 1,
        migrations: &[("V1__init", V1_SQL)],
        data: &[V1_DATA],
        check: check_v1_upgraded,
    },
    Fixture {
        version: 2,
        migrations: &[("V1__init", V1_SQL), ("V2__sync", V2_SQL)],
        data: &[V1_DATA, V2_DATA],
        check: check_v2_data,
    },
    Fixture {
        version: 3,
        migrations: &[
            ("V1__init", V1_SQL),
            ("V2__sync", V2_SQL),
            ("V3__authority", V3_SQL),
        ],
        data: &[V1_DATA, V2_DATA, V3_ANSWER_DATA],
        check: check_v3_data,
    },
    // V4 only rebuilds the change log with cheaper checks: no new data of its own.
    Fixture {
        version: 4,
        migrations: &[
            ("V1__init", V1_SQL),
            ("V2__sync", V2_SQL),
            ("V3__authority", V3_SQL),
            ("V4__change_log_checks", V4_SQL),
        ],
        data: &[V1_DATA, V2_DATA, V3_ANSWER_DATA],
        check: check_v3_data,
    },
];

const V2_DATA: &str = include_str!("../fixtures/v2_sync_data.sql");

const V1_USER: Uuid = uuid!("0190b000-0000-7000-8000-000000000001");
const V1_DEVICE: Uuid = uuid!("0190b000-0000-7000-8000-000000000009");

/// Builds the fixture's database at `path` with a raw connection, as the library of that version
/// would have left it (WAL, history rows, data).
fn build(fixture: &Fixture, path: &Path) {
    let conn = Connection::open(path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    // The table refinery creates (refinery-core's ASSERT_MIGRATIONS_TABLE_QUERY for SQLite).
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS refinery_schema_history(
             version int4 PRIMARY KEY,
             name VARCHAR(255),
             applied_on VARCHAR(255),
             checksum VARCHAR(255));",
    )
    .unwrap();
    for (name, sql) in fixture.migrations {
        let migration = refinery::Migration::unapplied(name, sql).unwrap();
        let tx = conn.unchecked_transaction().unwrap();
        tx.execute_batch(sql).unwrap();
        tx.execute(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![
                migration.version(),
                migration.name(),
                "2026-01-05T08:00:00Z",
                migration.checksum().to_string()
            ],
        )
        .unwrap();
        tx.commit().unwrap();
    }
    let tx = conn.unchecked_transaction().unwrap();
    for data in fixture.data {
        tx.execute_batch(data).unwrap();
    }
    tx.commit().unwrap();
    let violations = conn
        .prepare("PRAGMA foreign_key_check")
        .unwrap()
        .query_map([], |_| Ok(()))
        .unwrap()
        .count();
    assert_eq!(
        violations, 0,
        "v{} fixture data breaks foreign keys",
        fixture.version
    );
}

fn row_counts(conn: &Connection) -> BTreeMap<String, i64> {
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table'
             AND name NOT IN ('refinery_schema_history', 'sqlite_sequence') ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    tables
        .into_iter()
        .map(|t| {
            let n = common::count(conn, &t);
            (t, n)
        })
        .collect()
}

fn max_version(conn: &Connection) -> i64 {
    conn.query_row(
        "SELECT max(version) FROM refinery_schema_history",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn every_version_has_a_fixture() {
    let versions: Vec<u32> = FIXTURES.iter().map(|f| f.version).collect();
    let wanted: Vec<u32> = (1..=SCHEMA_VERSION).collect();
    assert_eq!(
        versions, wanted,
        "each released schema version needs a fixture with data (see the module docs)"
    );
    for f in FIXTURES {
        assert_eq!(f.migrations.len() as u32, f.version);
    }
}

#[test]
fn fixture_history_matches_the_embedded_migrations() {
    let runner = embedded::migrations::runner();
    for fixture in FIXTURES {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fixture.db");
        build(fixture, &path);
        let mut conn = Connection::open(&path).unwrap();
        let applied = runner.get_applied_migrations(&mut conn).unwrap();
        assert_eq!(applied.len(), fixture.version as usize);
        for app in &applied {
            let shipped = runner
                .get_migrations()
                .iter()
                .find(|m| m.version() == app.version())
                .unwrap_or_else(|| panic!("v{} is not a shipped migration", app.version()));
            assert_eq!(app.name(), shipped.name());
            assert_eq!(
                app.checksum(),
                shipped.checksum(),
                "v{}: the fixture's frozen SQL differs from migrations/ (released files must not change)",
                app.version()
            );
        }
    }
}

#[test]
fn raw_fixture_schema_equals_a_library_made_one() {
    let current = FIXTURES
        .iter()
        .find(|f| f.version == SCHEMA_VERSION)
        .expect("a fixture for the current version");
    let dir = tempfile::tempdir().unwrap();
    let raw_path = dir.path().join("raw.db");
    build(current, &raw_path);
    let lib_path = dir.path().join("library.db");
    drop(common::open_client(&lib_path, None, &common::TestClock::new()).unwrap());
    let schema = |path: &Path| -> Vec<(String, String, Option<String>)> {
        Connection::open(path)
            .unwrap()
            .prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    assert_eq!(schema(&raw_path), schema(&lib_path));
    let history = |path: &Path| -> Vec<(i64, String, String)> {
        Connection::open(path)
            .unwrap()
            .prepare("SELECT version, name, checksum FROM refinery_schema_history ORDER BY version")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    assert_eq!(history(&raw_path), history(&lib_path));
}

#[test]
fn every_earlier_version_upgrades_with_nothing_lost() {
    for fixture in FIXTURES {
        let v = fixture.version;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("v{v}.db"));
        build(fixture, &path);
        let before = row_counts(&common::raw(&path));
        assert!(
            before.values().all(|n| *n > 0),
            "v{v}: the fixture should put data in every table: {before:?}"
        );

        // Open with the current library: migrations run (when there are newer ones).
        let clock = common::TestClock::at(Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap());
        let client = common::open_client(&path, None, &clock)
            .unwrap_or_else(|e| panic!("v{v}: the current library cannot open it: {e}"));
        let conn = common::raw(&path);
        assert_eq!(
            max_version(&conn),
            i64::from(SCHEMA_VERSION),
            "v{v}: upgraded"
        );
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");

        // No table lost rows (new migrations may add tables and rows, never drop them).
        let after = row_counts(&conn);
        for (table, n) in &before {
            assert_eq!(after.get(table), Some(n), "v{v}: rows of {table}");
        }
        (fixture.check)(&client, &conn);

        // The upgraded database works: a new write continues the change log after the old entries.
        let last_seq = client.changes(0, 1000).unwrap().last().unwrap().seq;
        let room = client.rooms().unwrap()[0].id;
        let m = client
            .send_message(room, &NewMessage::text("after the upgrade"))
            .unwrap();
        let tail = client.changes(last_seq, 10).unwrap();
        assert_eq!(tail.len(), 1);
        assert_eq!(tail[0].entity_id, m.id.to_string());
        assert_eq!(m.sort_key, PENDING_SORT_BASE + tail[0].seq);
        drop(client);

        // Opening again is a no-op for the schema and keeps everything.
        let again = common::open_client(&path, None, &clock).unwrap();
        let conn = common::raw(&path);
        assert_eq!(max_version(&conn), i64::from(SCHEMA_VERSION));
        (fixture.check)(&again, &conn);
    }
}

/// A V1 database upgraded to V2: its data, and a sync state that has never synced (the whole
/// change log is the outbox).
fn check_v1_upgraded(c: &Client, conn: &Connection) {
    check_v1_data(c, conn);
    let status = c.sync_status().unwrap();
    assert!(!status.has_cursor);
    assert_eq!(status.rejected, 0);
    assert!(
        status.outbox >= 8,
        "every V1 change-log entry is still to push"
    );
    assert!(c.rejected_changes().unwrap().is_empty());
}

/// The V2 fixture: the V1 data plus a sync state (cursor, acked mark at seq 3, one rejection).
fn check_v2_data(c: &Client, conn: &Connection) {
    check_v1_data(c, conn);
    let status = c.sync_status().unwrap();
    assert!(status.has_cursor);
    assert!(status.outbox >= 5, "entries after seq 3 are still to push");
    let rejected = c.rejected_changes().unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].seq, 3);
    assert_eq!(rejected[0].entity, Entity::UserInterest);
    assert_eq!(rejected[0].code, "invalid_payload");
}

fn check_v3_data(c: &Client, conn: &Connection) {
    check_v2_data(c, conn);
    let answer: String = conn
        .query_row(
            "SELECT answer FROM practice_turns WHERE turn_index = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let record: studymate_core::practice::AnswerRecord = serde_json::from_str(&answer).unwrap();
    assert_eq!((record.response_time_ms, record.hints_used), (4200, 1));
    assert!(record.spoken.is_none());
}

/// What the V1 fixture holds, read through the current API (and raw SQL where there is no API yet).
fn check_v1_data(c: &Client, conn: &Connection) {
    assert_eq!(c.user_id(), V1_USER);
    assert_eq!(c.device_id(), V1_DEVICE);

    let p = c.profile().unwrap();
    assert_eq!(p.display_name, "Minji");
    assert_eq!(p.korean_name.as_deref(), Some("김민지"));
    assert_eq!(p.username.as_deref(), Some("minji"));
    assert_eq!(p.district.as_deref(), Some("Jung-gu"));
    assert_eq!(p.language_level, Level::Intermediate);
    assert_eq!(p.target_fluency_level, Some(FluencyTarget::Business));
    assert_eq!(p.learning_goals, vec!["travel", "business_english"]);
    assert_eq!(
        p.preferences,
        json!({ "notifications": { "daily": true }, "theme": "dark" })
    );
    assert_eq!(p.preferred_session_minutes, 15);
    assert_eq!(p.time_zone, "Asia/Seoul");
    assert_eq!(
        p.updated_at,
        Utc.with_ymd_and_hms(2026, 1, 10, 8, 0, 0).unwrap()
    );
    let ben = c
        .user_profile(uuid!("0190b000-0000-7000-8000-000000000003"))
        .unwrap();
    assert_eq!(ben.display_name, "Ben");
    assert_eq!(ben.time_zone, "Europe/London");

    assert_eq!(
        c.languages().unwrap(),
        vec![
            UserLanguage {
                language_code: "en".into(),
                role: LanguageRole::Learning,
                proficiency: Some(Cefr::B1),
                is_primary: true
            },
            UserLanguage {
                language_code: "ja".into(),
                role: LanguageRole::Learning,
                proficiency: Some(Cefr::A1),
                is_primary: false
            },
            UserLanguage {
                language_code: "ko".into(),
                role: LanguageRole::Native,
                proficiency: None,
                is_primary: true
            },
        ]
    );
    assert_eq!(c.interests().unwrap(), vec!["coffee", "k-drama"]);
    let o = c.onboarding().unwrap();
    assert_eq!((o.current_step, o.is_completed), (3, false));
    assert_eq!(o.step_data.len(), 3);
    assert_eq!(o.step_data[1], (2, json!({ "learning": ["en", "ja"] })));

    // Catalog.
    let situations = c.situations(&SituationFilter::default()).unwrap();
    assert_eq!(situations.len(), 2);
    let cafe = c
        .situation(uuid!("0190b000-0000-7000-8000-0000000000a1"))
        .unwrap();
    assert_eq!(cafe.version, 3);
    assert_eq!(cafe.target_location.as_deref(), Some("Daegu"));
    assert_eq!(cafe.learning_objectives, vec!["politeness", "numbers"]);
    let latte = c
        .variation(uuid!("0190b000-0000-7000-8000-0000000000b1"))
        .unwrap();
    assert_eq!(
        latte.ideal_responses,
        vec!["Could I have an iced latte, please?"]
    );
    assert_eq!(latte.common_mistakes[0].correction, "Could I have a latte?");
    assert_eq!(latte.hint_levels.len(), 2);
    assert_eq!(latte.hint_levels[0].text, "Start with 'Could I'");
    assert_eq!(latte.vocabulary[0].meaning.as_deref(), Some("아이스"));
    assert_eq!(latte.local_context, json!({ "landmark": "Dongseong-ro" }));
    let achievements = c.achievements().unwrap();
    assert_eq!(achievements.len(), 1);
    assert_eq!(achievements[0].badge_color.as_deref(), Some("#FFAA00"));

    // Practice (no public API yet): the rows and their scores.
    let (status, score, local_day): (String, i64, String) = conn
        .query_row(
            "SELECT status, overall_score, local_day FROM practice_sessions WHERE session_id = ?1",
            ["0190b000-0000-7000-8000-0000000000d1"],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (status.as_str(), score, local_day.as_str()),
        ("completed", 87, "2026-01-10")
    );
    assert_eq!(common::count(conn, "practice_turns"), 2);
    let progress: String = conn
        .query_row("SELECT progress FROM user_achievements", [], |r| r.get(0))
        .unwrap();
    assert_eq!(progress, r#"{"count":1}"#);

    // Ledger.
    assert_eq!(
        c.balance().unwrap(),
        Balance {
            available: 40,
            lifetime_earned: 60,
            used: 20
        }
    );
    let history = c.point_history(None, 10).unwrap();
    assert_eq!(history.entries.len(), 3);
    assert_eq!(history.entries[0].points, -20, "newest first");
    let award = &history.entries[1];
    assert_eq!(award.transaction_type, TransactionType::Bonus);
    assert_eq!(award.source, PointSource::AchievementUnlock);
    assert_eq!(award.rule.as_deref(), Some("achievement:first_steps"));
    assert_eq!(award.period_key.as_deref(), Some("once"));
    // The (rule, period) key still refuses a second award at the database level.
    let dup = conn.execute(
        "INSERT INTO point_transactions (transaction_id, user_id, transaction_type, points_amount, source_type,
             rule, period_key, created_at)
         VALUES ('0190b000-0000-7000-8000-0000000000e9', ?1, 'bonus', 50, 'achievement_unlock',
             'achievement:first_steps', 'once', '2026-06-01T00:00:00.000Z')",
        [V1_USER.to_string()],
    );
    assert!(dup.is_err(), "UNIQUE (rule, period_key) survived");
    // And the ledger still refuses an overdraft through the API.
    let overdraft = c.record_points(&NewPoints {
        transaction_type: TransactionType::Spent,
        amount: 41,
        source: PointSource::StreakFreeze,
        source_reference_id: None,
        description: None,
    });
    assert!(matches!(
        overdraft,
        Err(studymate_core::Error::InsufficientPoints { .. })
    ));

    // Chat.
    let rooms = c.rooms().unwrap();
    assert_eq!(rooms.len(), 2);
    let direct = rooms
        .iter()
        .find(|r| r.room_type == RoomType::Direct)
        .unwrap();
    assert_eq!(direct.id, uuid!("0190b000-0000-7000-8000-0000000000f1"));
    let group = rooms
        .iter()
        .find(|r| r.room_type == RoomType::Group)
        .unwrap();
    assert_eq!(group.name.as_deref(), Some("Study buddies"));
    assert_eq!(group.participants.len(), 3);
    // The same pair still maps to the same direct room.
    assert_eq!(
        c.create_direct_room(uuid!("0190b000-0000-7000-8000-000000000002"))
            .unwrap()
            .id,
        direct.id
    );
    let page = c.messages(direct.id, None, 200).unwrap();
    let direct_messages: Vec<&studymate_core::chat::Message> = page
        .messages
        .iter()
        .filter(|m| m.content.as_deref() != Some("after the upgrade"))
        .collect();
    let keys: Vec<i64> = direct_messages.iter().map(|m| m.sort_key).collect();
    assert_eq!(keys, vec![PENDING_SORT_BASE + 8, 15, 14, 12, 11]);
    assert_eq!(direct_messages[0].send_state, SendState::Pending);
    assert_eq!(direct_messages[0].content.as_deref(), Some("See you at 10"));
    assert!(direct_messages[1].is_deleted && direct_messages[1].content.is_none());
    assert_eq!(
        direct_messages[2].reply_to_id,
        Some(uuid!("0190b000-0000-7000-8000-000000000102"))
    );
    assert!(direct_messages[3].is_edited);
    assert_eq!(direct_messages[4].content.as_deref(), Some("안녕하세요!"));
    let image = &c.messages(group.id, None, 10).unwrap().messages[0];
    assert_eq!(image.message_type, MessageType::Image);
    assert_eq!(
        image.file_metadata,
        Some(json!({ "width": 640, "height": 480 }))
    );
    let mut unread: Vec<(Uuid, i32)> = c
        .unread_counts()
        .unwrap()
        .into_iter()
        .map(|u| (u.room_id, u.unread))
        .collect();
    unread.sort();
    let mut expected = vec![(direct.id, 1), (group.id, 2)];
    expected.sort();
    assert_eq!(unread, expected);

    // The change log: the eight unpushed entries, in order and intact.
    let log = c.changes(0, 8).unwrap();
    assert_eq!(log.len(), 8);
    assert_eq!(
        log.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=8).collect::<Vec<_>>()
    );
    assert_eq!(
        (log[0].entity, log[0].operation),
        (Entity::Profile, Operation::Update)
    );
    assert_eq!(log[0].payload, json!({ "intro": "Barista in Daegu" }));
    assert_eq!(log[4].entity, Entity::PracticeSession);
    assert_eq!(
        log[7].change_id,
        uuid!("0190b000-0000-7000-8000-00000000c008")
    );
    assert_eq!(log[7].entity, Entity::ChatMessage);
    assert_eq!(
        log[7].created_at,
        Utc.with_ymd_and_hms(2026, 1, 10, 8, 5, 0).unwrap()
    );
}

/// V4 rewrote the change log's checks (comparisons instead of IN lists): every kind and operation
/// the library logs is still accepted, and anything else, or a payload that is not JSON, is
/// still refused.
#[test]
fn the_rebuilt_change_log_refuses_what_the_old_one_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v4.db");
    drop(common::open_client(&path, None, &common::TestClock::new()).unwrap());
    let conn = common::raw(&path);
    let insert = |entity: &str, operation: &str, payload: &str| {
        conn.execute(
            "INSERT INTO change_log (change_id, entity, entity_id, operation, payload, created_at)
             VALUES (?1, ?2, 'x', ?3, ?4, '2026-11-30T09:00:00.000Z')",
            rusqlite::params![Uuid::now_v7().to_string(), entity, operation, payload],
        )
    };
    let kinds = [
        Entity::Profile,
        Entity::UserLanguage,
        Entity::UserInterest,
        Entity::Onboarding,
        Entity::PracticeSession,
        Entity::PointTransaction,
        Entity::UserAchievement,
        Entity::ChatRoom,
        Entity::ChatParticipant,
        Entity::ChatMessage,
        Entity::ReadMarker,
    ];
    for entity in kinds {
        for operation in [Operation::Insert, Operation::Update, Operation::Delete] {
            insert(entity.as_str(), operation.as_str(), "{}")
                .unwrap_or_else(|e| panic!("{entity} {operation}: {e}"));
        }
    }
    let refused = |outcome: rusqlite::Result<usize>| matches!(outcome, Err(e) if e.to_string().contains("CHECK constraint failed"));
    assert!(refused(insert("voice_note", "insert", "{}")));
    assert!(refused(insert("Profile", "insert", "{}")));
    assert!(refused(insert("profile", "upsert", "{}")));
    assert!(refused(insert("profile", "update", "{not json")));
    assert_eq!(common::count(&conn, "change_log"), (kinds.len() * 3) as i64);
}

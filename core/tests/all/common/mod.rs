//! Helpers shared by the integration tests: a client on a real SQLite file in a temp dir, a
//! settable clock, a small catalog, contact profiles, and raw-connection tools for inspecting
//! the file (row counts, full snapshots) and for inserting rows the way sync will.
//!
//! Each test binary compiles this module separately and uses only part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::Connection;
use rusqlite::types::Value;
use studymate_core::catalog::{
    Achievement, CatalogBatch, CommonMistake, HintLevel, Rarity, Situation, Variation,
    VocabularyItem,
};
use studymate_core::profile::{Level, Profile};
use studymate_core::time::Clock;
use studymate_core::{Client, OpenOptions};
use tempfile::TempDir;
use uuid::Uuid;

/// A clock the test sets by hand. Starts at a fixed instant and only moves when told to.
#[derive(Debug)]
pub struct TestClock {
    now: Mutex<DateTime<Utc>>,
}

impl TestClock {
    /// A clock frozen at `2026-03-01T09:00:00Z`.
    pub fn new() -> Arc<Self> {
        Self::at(Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap())
    }

    /// A clock frozen at `instant`.
    pub fn at(instant: DateTime<Utc>) -> Arc<Self> {
        Arc::new(TestClock {
            now: Mutex::new(instant),
        })
    }

    /// Moves the clock to `instant` (backwards too).
    pub fn set(&self, instant: DateTime<Utc>) {
        *self.now.lock().unwrap() = instant;
    }

    /// Moves the clock forward by `millis` milliseconds.
    pub fn advance_ms(&self, millis: i64) {
        let mut now = self.now.lock().unwrap();
        *now += chrono::Duration::milliseconds(millis);
    }

    /// The instant the clock shows.
    pub fn get(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap()
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        self.get()
    }
}

/// A database file in its own temp dir, with the client opened on it and the clock it uses.
/// The temp dir (and the file) is removed when this is dropped.
pub struct TestDb {
    pub dir: TempDir,
    pub path: PathBuf,
    pub clock: Arc<TestClock>,
    pub client: Client,
}

impl TestDb {
    /// A brand-new database for a fresh user.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("user.db");
        let clock = TestClock::new();
        let client = open_client(&path, None, &clock).expect("open a new database");
        TestDb {
            dir,
            path,
            clock,
            client,
        }
    }

    /// A raw connection to the same file (for inspection and for sync-style inserts).
    pub fn raw(&self) -> Connection {
        raw(&self.path)
    }

    /// Every row of every table, for "nothing was written" checks.
    pub fn snapshot(&self) -> Snapshot {
        snapshot(&self.path)
    }

    /// Adds a chat partner's public profile and returns their id.
    pub fn add_contact(&self, name: &str) -> Uuid {
        let id = Uuid::now_v7();
        self.client
            .save_contact(&contact(id, name))
            .expect("save contact");
        id
    }
}

/// Options with the given user id and clock, and the default busy timeout.
pub fn options(user_id: Option<Uuid>, clock: &Arc<TestClock>) -> OpenOptions {
    OpenOptions {
        user_id,
        clock: clock.clone(),
        ..OpenOptions::default()
    }
}

/// Opens (creating if needed) a client on `path`.
pub fn open_client(
    path: &Path,
    user_id: Option<Uuid>,
    clock: &Arc<TestClock>,
) -> studymate_core::Result<Client> {
    Client::open(path, options(user_id, clock))
}

/// A raw SQLite connection to `path`, waiting for locks like the library does.
pub fn raw(path: &Path) -> Connection {
    let conn = Connection::open(path).expect("raw connection");
    conn.busy_timeout(Duration::from_secs(10))
        .expect("busy timeout");
    conn
}

/// Number of rows in `table`.
pub fn count(conn: &Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
        r.get(0)
    })
    .expect("count rows")
}

/// Every row of every table (sorted), by table name.
pub type Snapshot = BTreeMap<String, Vec<Vec<Value>>>;

/// Reads every row of every table in the file, so a test can assert that a failed call changed
/// nothing at all (not only row counts: also updated fields).
pub fn snapshot(path: &Path) -> Snapshot {
    let conn = raw(path);
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mut out = BTreeMap::new();
    for table in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let width = stmt.column_count();
        let mut rows: Vec<Vec<Value>> = stmt
            .query_map([], |r| (0..width).map(|i| r.get::<_, Value>(i)).collect())
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        rows.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        out.insert(table, rows);
    }
    out
}

/// Inserts a message from another user the way the sync engine will when it pulls one: state
/// `sent` and the server's sequence as `sort_key`. There is no public API for incoming messages
/// yet, so tests write the row with a raw connection on the same file. No change-log entry: the
/// change came from the server.
pub fn insert_incoming(
    conn: &Connection,
    room_id: Uuid,
    sender: Uuid,
    server_seq: i64,
    content: &str,
) -> Uuid {
    let id = Uuid::now_v7();
    conn.execute(
        "INSERT INTO chat_messages (message_id, room_id, sender_id, message_type, content, send_state, sort_key, created_at)
         VALUES (?1, ?2, ?3, 'TEXT', ?4, 'sent', ?5, '2026-03-01T08:00:00.000Z')",
        rusqlite::params![id.to_string(), room_id.to_string(), sender.to_string(), content, server_seq],
    )
    .expect("insert incoming message");
    id
}

/// Turns an incoming message into a tombstone, as a pulled delete does.
pub fn tombstone_incoming(conn: &Connection, message_id: Uuid) {
    let n = conn
        .execute(
            "UPDATE chat_messages SET content = NULL, is_deleted = 1, deleted_at = '2026-03-01T08:30:00.000Z'
             WHERE message_id = ?1",
            [message_id.to_string()],
        )
        .expect("tombstone");
    assert_eq!(n, 1);
}

/// A chat partner's public profile.
pub fn contact(user_id: Uuid, name: &str) -> Profile {
    Profile {
        user_id,
        // A username follows the signup rule: no spaces.
        username: Some(format!(
            "{}_{}",
            name.to_lowercase().replace(' ', "_"),
            &user_id.simple().to_string()[..8]
        )),
        display_name: name.to_owned(),
        korean_name: None,
        profile_image_url: None,
        intro: Some(format!("Hi, I am {name}")),
        city: Some("Daegu".to_owned()),
        district: None,
        language_level: Level::Intermediate,
        target_fluency_level: None,
        learning_goals: vec!["travel".to_owned()],
        preferences: serde_json::json!({}),
        preferred_session_minutes: 20,
        time_zone: "Asia/Seoul".to_owned(),
        updated_at: Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap(),
    }
}

/// Fixed ids of the sample catalog, so tests can look things up.
pub mod ids {
    use uuid::{Uuid, uuid};
    pub const CAFE: Uuid = uuid!("0190a000-0000-7000-8000-000000000001");
    pub const DIRECTIONS: Uuid = uuid!("0190a000-0000-7000-8000-000000000002");
    pub const BUSINESS: Uuid = uuid!("0190a000-0000-7000-8000-000000000003");
    pub const RETIRED: Uuid = uuid!("0190a000-0000-7000-8000-000000000004");
    pub const CAFE_LATTE: Uuid = uuid!("0190a000-0000-7000-8000-000000000101");
    pub const CAFE_TAKEAWAY: Uuid = uuid!("0190a000-0000-7000-8000-000000000102");
    pub const DIRECTIONS_STATION: Uuid = uuid!("0190a000-0000-7000-8000-000000000103");
    pub const FIRST_STEPS: Uuid = uuid!("0190a000-0000-7000-8000-000000000201");
    pub const WEEK_STREAK: Uuid = uuid!("0190a000-0000-7000-8000-000000000202");
}

pub fn situation(id: Uuid, name: &str, category: &str, difficulty: Level) -> Situation {
    Situation {
        id,
        name: name.to_owned(),
        category: category.to_owned(),
        difficulty,
        estimated_duration_seconds: 90,
        description: Some(format!("Practise {name}")),
        learning_objectives: vec!["politeness".to_owned()],
        location_specific: false,
        target_location: None,
        initial_prompt: format!("You are about to {name}."),
        context_description: None,
        is_active: true,
        version: 1,
    }
}

pub fn variation(id: Uuid, situation_id: Uuid, name: &str) -> Variation {
    Variation {
        id,
        situation_id,
        name: name.to_owned(),
        specific_context: format!("{name} context"),
        ai_character_role: Some("barista".to_owned()),
        opening_line: "Hi! What can I get you?".to_owned(),
        support_text: Some("안녕하세요! 무엇을 드릴까요?".to_owned()),
        language: "en".to_owned(),
        local_context: serde_json::json!({ "landmark": "Dongseong-ro" }),
        cultural_notes: None,
        ideal_responses: vec!["Could I have an iced latte, please?".to_owned()],
        acceptable_responses: vec!["Iced latte please".to_owned()],
        common_mistakes: vec![CommonMistake {
            pattern: "Give me latte".to_owned(),
            correction: "Could I have a latte?".to_owned(),
            explanation: "A question is more polite.".to_owned(),
        }],
        hint_levels: vec![HintLevel {
            level: 1,
            text: "Start with 'Could I…'".to_owned(),
        }],
        vocabulary: vec![VocabularyItem {
            term: "iced".to_owned(),
            meaning: Some("아이스".to_owned()),
            key: true,
        }],
    }
}

pub fn achievement(id: Uuid, name: &str, title: &str) -> Achievement {
    Achievement {
        id,
        name: name.to_owned(),
        category: "milestone".to_owned(),
        title: title.to_owned(),
        description: format!("{title}!"),
        requirements: serde_json::json!({ "type": "sessions_completed", "count": 1 }),
        points_reward: 50,
        icon_url: None,
        badge_color: Some("#FFAA00".to_owned()),
        rarity: Rarity::Common,
        is_active: true,
    }
}

/// A small catalog: four situations (one inactive, one tied to Daegu), three variations and two
/// achievements.
pub fn catalog_batch() -> CatalogBatch {
    let mut directions = situation(
        ids::DIRECTIONS,
        "asking_directions",
        "directions",
        Level::Intermediate,
    );
    directions.location_specific = true;
    directions.target_location = Some("Daegu".to_owned());
    let mut retired = situation(ids::RETIRED, "old_cafe", "ordering", Level::Beginner);
    retired.is_active = false;
    CatalogBatch {
        situations: vec![
            situation(ids::CAFE, "cafe_ordering", "ordering", Level::Beginner),
            directions,
            situation(ids::BUSINESS, "business_meeting", "work", Level::Advanced),
            retired,
        ],
        variations: vec![
            variation(ids::CAFE_TAKEAWAY, ids::CAFE, "Takeaway"),
            variation(ids::CAFE_LATTE, ids::CAFE, "Iced latte"),
            variation(ids::DIRECTIONS_STATION, ids::DIRECTIONS, "To the station"),
        ],
        achievements: vec![
            achievement(ids::WEEK_STREAK, "week_streak", "Seven days"),
            achievement(ids::FIRST_STEPS, "first_steps", "First steps"),
        ],
    }
}

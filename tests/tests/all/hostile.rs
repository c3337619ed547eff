//! A hostile signed-in client against the real server, interleaved with an honest user's two
//! devices: the hostile client pushes random, malformed and extreme payloads (valid changes with
//! fields replaced by huge, negative, wrongly typed or made-up values; unknown kinds; bodies that
//! are not JSON). Afterwards: no request was answered 5xx, health answers, the honest devices
//! converge with each other and with the server, and every point on every ledger is one the
//! server can derive (a rule award under its derived id, a freeze at its price, or an operator
//! adjustment). Runs on SQLite and, where the PostgreSQL 15 binaries exist, on PostgreSQL.
//!
//! `HOSTILE_ROUNDS` (default 40) and `HOSTILE_SEED` set the length and the seed.

use crate::pg;

use std::path::Path;

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use studymate_core::catalog::SituationFilter;
use studymate_core::practice::AnswerInput;
use studymate_core::rewards::{self, FREEZE_PRICE, FREEZE_RULE, RuleId};
use studymate_e2e::{Device, Server, snapshot};
use uuid::Uuid;

const SITUATION: &str = "0190f000-0000-7000-8000-000000000001";
const VARIATION: &str = "0190f000-0000-7000-8000-000000000101";
const IDEAL: &str = "Can I get a large iced americano to go, please?";

#[test]
fn a_hostile_client_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    run(&dir.path().join("server.db"), dir.path());
}

#[test]
fn a_hostile_client_on_postgres() {
    let Some(mut cluster) = pg::Cluster::start() else {
        return;
    };
    let url = cluster.new_database();
    let dir = tempfile::tempdir().unwrap();
    run(Path::new(&url), dir.path());
}

/// The hostile client: raw HTTP with its own token and device id.
struct Hostile {
    http: reqwest::blocking::Client,
    base: String,
    user: Uuid,
    token: String,
    device: Uuid,
    seq: i64,
    rng: fastrand::Rng,
    server_errors: Vec<String>,
}

impl Hostile {
    fn signup(base: &str, seed: u64) -> Hostile {
        let http = reqwest::blocking::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .unwrap();
        let body: Value = http
            .post(format!("{base}/v1/auth/signup"))
            .header("StudyMate-Protocol", "1")
            .json(&json!({"username": "mallory", "password": "correct horse battery", "display_name": "Mallory"}))
            .send()
            .unwrap()
            .json()
            .unwrap();
        Hostile {
            http,
            base: base.to_owned(),
            user: body["user_id"].as_str().unwrap().parse().unwrap(),
            token: body["access_token"].as_str().unwrap().to_owned(),
            device: Uuid::now_v7(),
            seq: 0,
            rng: fastrand::Rng::with_seed(seed),
            server_errors: Vec::new(),
        }
    }

    /// Sends a push body (any bytes) and remembers a 5xx.
    fn send(&mut self, body: Vec<u8>) {
        let answer = self
            .http
            .post(format!("{}/v1/sync/push", self.base))
            .header("StudyMate-Protocol", "1")
            .header("Content-Type", "application/json")
            .bearer_auth(&self.token)
            .body(body)
            .send();
        match answer {
            Ok(resp) if resp.status().is_server_error() => {
                let status = resp.status();
                let text = resp.text().unwrap_or_default();
                self.server_errors.push(format!("{status}: {text}"));
            }
            Ok(_) => {}
            Err(e) => self.server_errors.push(format!("no answer: {e}")),
        }
    }

    fn change(&mut self, entity: &str, entity_id: Value, operation: &str, payload: Value) -> Value {
        self.seq += 1;
        json!({"seq": self.seq, "change_id": Uuid::now_v7(), "entity": entity, "entity_id": entity_id,
               "operation": operation, "payload": payload, "created_at": Utc::now()})
    }

    /// A valid change of a random kind, as a starting point for tampering.
    fn template(&mut self, honest: Uuid, room: Uuid) -> Value {
        let now = Utc::now();
        let id = Uuid::now_v7();
        match self.rng.u8(0..8) {
            0 => {
                let day = rewards::local_day(now, "Asia/Seoul").unwrap();
                self.change("practice_session", json!(id), "insert", json!({
                    "id": id, "situation_id": SITUATION, "variation_id": VARIATION, "status": "completed",
                    "started_at": now, "ended_at": now, "total_duration_seconds": 0, "time_zone": "Asia/Seoul",
                    "utc_offset_seconds": 32400, "local_day": day, "hints_used": 0,
                    "scores": {"overall": 100, "appropriateness": 100, "fluency": 100},
                    "turns": [
                        {"index": 0, "speaker": "character", "text": "Hi!", "created_at": now},
                        {"index": 1, "speaker": "learner", "text": IDEAL, "created_at": now,
                         "answer": {"spoken": null, "response_time_ms": 3000, "hints_used": 0}}]}))
            }
            1 => {
                let day = rewards::day_key(now.date_naive());
                let rule = ["daily_practice", "perfect_score", "streak_bonus", "weekly_challenge", "achievement_unlock", "made_up"][self.rng.usize(0..6)];
                self.change("point_transaction", json!(id), "insert", json!({
                    "id": id, "transaction_type": "earned", "points": 10, "source": "daily_practice",
                    "source_reference_id": null, "rule": rule, "period_key": day, "description": null,
                    "created_at": now}))
            }
            2 => self.change("point_transaction", json!(id), "insert", json!({
                "id": id, "transaction_type": "spent", "points": -FREEZE_PRICE, "source": "streak_freeze",
                "source_reference_id": null, "rule": FREEZE_RULE,
                "period_key": rewards::freeze_period_key(now.date_naive(), id), "description": null,
                "created_at": now})),
            3 => {
                let achievement = "0190f000-0000-7000-8000-000000000902";
                self.change("user_achievement", json!(achievement), "insert", json!({
                    "achievement_id": achievement, "progress": {}, "completed_at": now,
                    "points_earned": 50, "updated_at": now}))
            }
            4 => self.change("chat_message", json!(id), "insert", json!({
                "id": id, "room_id": room, "sender_id": self.user, "message_type": "TEXT",
                "content": "hi", "file_url": null, "file_metadata": null, "reply_to_id": null,
                "is_edited": false, "edited_at": null, "is_deleted": false, "deleted_at": null,
                "send_state": "pending", "sort_key": 9007199254740993_i64, "created_at": now})),
            5 => self.change("profile", json!(self.user), "update", json!({"intro": "hello"})),
            6 => self.change("chat_room", json!(id), "insert", json!({
                "id": id, "room_type": "GROUP", "name": "club", "description": null, "created_by": self.user,
                "created_at": now, "participants": [
                    {"user_id": self.user, "role": "ADMIN", "last_read_message_id": null},
                    {"user_id": honest, "role": "MEMBER", "last_read_message_id": null}]})),
            _ => self.change("read_marker", json!(room), "update", json!({"room_id": room, "message_id": id})),
        }
    }

    /// A value a hostile client might put in any field.
    fn poison(&mut self) -> Value {
        match self.rng.u8(0..14) {
            0 => json!(i64::MAX),
            1 => json!(i64::MIN),
            2 => json!(-1),
            3 => json!(u64::MAX),
            4 => json!(1e308),
            5 => Value::Null,
            6 => json!("x".repeat(self.rng.usize(1..200_000))),
            7 => json!("\u{0}\u{1b}[31m\u{200b}"),
            8 => json!([1, [2, [3]]]),
            9 => json!({"nested": {"deeper": {}}}),
            10 => json!(Uuid::now_v7()),
            11 => json!(""),
            12 => json!(true),
            _ => json!((Utc::now() + Duration::days(self.rng.i64(-4000..4000))).to_rfc3339()),
        }
    }

    /// Replaces one field (at the top level or one level down) with poison.
    fn tamper(&mut self, change: &mut Value) {
        let target = if self.rng.bool() { "payload" } else { "" };
        let object = if target.is_empty() {
            Some(&mut *change)
        } else {
            change.get_mut(target)
        };
        let Some(Value::Object(map)) = object else {
            return;
        };
        let keys: Vec<String> = map.keys().cloned().collect();
        if keys.is_empty() {
            return;
        }
        let key = keys[self.rng.usize(0..keys.len())].clone();
        let value = self.poison();
        if let Some(Value::Array(items)) = map.get_mut(&key)
            && let Some(Value::Object(inner)) = items.first_mut()
        {
            let inner_keys: Vec<String> = inner.keys().cloned().collect();
            if !inner_keys.is_empty() {
                let inner_key = inner_keys[self.rng.usize(0..inner_keys.len())].clone();
                inner.insert(inner_key, value);
                return;
            }
        }
        map.insert(key, value);
    }

    /// One burst: a batch of tampered (and some intact) changes, or a body that is not JSON.
    fn burst(&mut self, honest: Uuid, room: Uuid) {
        if self.rng.u8(0..10) == 0 {
            let garbage: Vec<u8> = (0..self.rng.usize(1..5000))
                .map(|_| self.rng.u8(..))
                .collect();
            self.send(garbage);
            return;
        }
        let n = self.rng.usize(1..12);
        let mut changes = Vec::with_capacity(n);
        for _ in 0..n {
            let mut change = self.template(honest, room);
            for _ in 0..self.rng.usize(0..3) {
                self.tamper(&mut change);
            }
            if self.rng.u8(0..15) == 0 {
                change["entity"] = json!("a_kind_from_the_future");
            }
            changes.push(change);
        }
        let body = json!({"protocol_version": 1, "device_id": self.device, "changes": changes});
        self.send(serde_json::to_vec(&body).unwrap());
    }

    /// The user's ledger and completed sessions as the server holds them (pulled in full).
    fn pulled(&self) -> (Vec<Value>, Vec<Value>) {
        feed(&self.http, &self.base, &self.token)
    }
}

/// Every point_transaction and practice_session payload of a user's feed (latest state each).
fn feed(http: &reqwest::blocking::Client, base: &str, token: &str) -> (Vec<Value>, Vec<Value>) {
    let mut cursor: Option<String> = None;
    let mut ledger = std::collections::BTreeMap::new();
    let mut sessions = std::collections::BTreeMap::new();
    loop {
        let mut req = http
            .get(format!("{base}/v1/sync/pull"))
            .header("StudyMate-Protocol", "1")
            .bearer_auth(token)
            .query(&[("limit", "1000")]);
        if let Some(c) = &cursor {
            req = req.query(&[("cursor", c)]);
        }
        let page: Value = req.send().unwrap().json().unwrap();
        for change in page["changes"].as_array().unwrap() {
            let id = change["entity_id"].as_str().unwrap_or_default().to_owned();
            match change["entity"].as_str() {
                Some("point_transaction") => {
                    ledger.insert(id, change["payload"].clone());
                }
                Some("practice_session") => {
                    sessions.insert(id, change["payload"].clone());
                }
                _ => {}
            }
        }
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if page["has_more"] != json!(true) {
            return (
                ledger.into_values().collect(),
                sessions.into_values().collect(),
            );
        }
    }
}

/// Checks that every entry of `user`'s ledger is one the server can derive from `sessions`.
fn assert_derivable(user: Uuid, ledger: &[Value], sessions: &[Value]) {
    let completed: Vec<&Value> = sessions
        .iter()
        .filter(|s| s["status"] == json!("completed"))
        .collect();
    for entry in ledger {
        let points = entry["points"].as_i64().unwrap();
        let source = entry["source"].as_str().unwrap();
        let id: Uuid = entry["id"].as_str().unwrap().parse().unwrap();
        match (entry["rule"].as_str(), entry["period_key"].as_str()) {
            (None, None) => assert_eq!(source, "admin_adjustment", "{entry}"),
            (Some(FREEZE_RULE), Some(_)) => assert_eq!(points, -FREEZE_PRICE, "{entry}"),
            (Some(rule), Some(key)) => {
                let rule = RuleId::parse(rule).unwrap_or_else(|| panic!("a made-up rule: {entry}"));
                assert_eq!(id, rewards::award_id(user, rule, key), "{entry}");
                match rule {
                    RuleId::DailyPractice => assert!(
                        completed.iter().any(|s| s["local_day"] == json!(key)),
                        "a daily award without a session that day: {entry}"
                    ),
                    RuleId::PerfectScore => {
                        let session = key.strip_prefix("session:").unwrap();
                        let scored = completed
                            .iter()
                            .find(|s| s["id"] == json!(session))
                            .and_then(|s| s["scores"]["overall"].as_u64())
                            .unwrap_or(0);
                        assert!(scored >= 95, "a perfect award for {scored}: {entry}");
                    }
                    _ => assert!(points > 0 && points <= 1000, "{entry}"),
                }
            }
            _ => panic!("rule without period key: {entry}"),
        }
    }
    let balance: i64 = ledger.iter().map(|e| e["points"].as_i64().unwrap()).sum();
    assert!(balance >= 0, "balance {balance}");
}

fn run(database: &Path, dir: &Path) {
    let rounds: usize = std::env::var("HOSTILE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let seed: u64 = std::env::var("HOSTILE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    println!("hostile run: seed {seed}, {rounds} rounds (HOSTILE_SEED, HOSTILE_ROUNDS)");
    let server = Server::start(database);
    let base = server.base.clone();
    let h1 = Device::open(dir, "h1", None, None, &base, "honest");
    let h2 = h1.another(dir, "h2", &base);
    server.adjust_points(h1.client.user_id(), 250);
    let mut mallory = Hostile::signup(&base, seed);
    let mallory_profile = {
        let mut p = h1.client.profile().unwrap();
        p.user_id = mallory.user;
        p.username = Some("mallory".into());
        p
    };
    h1.client.save_contact(&mallory_profile).unwrap();
    let room = h1.client.create_direct_room(mallory.user).unwrap().id;
    h1.sync(&base).unwrap();
    h2.sync(&base).unwrap();
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x5eed);
    let situation = h1.client.situations(&SituationFilter::default()).unwrap()[0].id;
    for round in 0..rounds {
        let device = if rng.bool() { &h1 } else { &h2 };
        match rng.u8(0..5) {
            0 | 1 => {
                if let Some(open) = device.client.current_practice().unwrap() {
                    device.client.abandon_practice(open.id).unwrap();
                }
                let session = device.client.start_practice(situation, None).unwrap();
                let ideal = device
                    .client
                    .variation(session.variation_id)
                    .unwrap()
                    .ideal_responses[0]
                    .clone();
                let text = if rng.bool() {
                    ideal
                } else {
                    format!("um {round}")
                };
                device
                    .client
                    .answer(
                        session.id,
                        &AnswerInput {
                            text,
                            spoken: None,
                            response_time_ms: 3000,
                        },
                    )
                    .unwrap();
                device.client.complete_practice(session.id).unwrap();
            }
            2 => {
                if let Err(e) = device.client.buy_streak_freeze() {
                    assert!(
                        matches!(
                            e,
                            studymate_core::Error::InsufficientPoints { .. }
                                | studymate_core::Error::FreezeLimitReached { .. }
                        ),
                        "{e}"
                    );
                }
            }
            _ => {
                device.sync(&base).unwrap();
            }
        }
        for _ in 0..rng.usize(1..4) {
            mallory.burst(h1.client.user_id(), room);
        }
    }
    assert!(
        mallory.server_errors.is_empty(),
        "5xx answers: {:?}",
        mallory.server_errors
    );
    let health = reqwest::blocking::get(format!("{base}/v1/health")).unwrap();
    assert_eq!(health.status().as_u16(), 200);

    for _ in 0..2 {
        h1.sync(&base).unwrap();
        h2.sync(&base).unwrap();
    }
    let (s1, s2) = (snapshot(&h1.client), snapshot(&h2.client));
    assert_eq!(s1, s2, "the honest devices converge");
    let tokens = h1.session.tokens();
    let (ledger, sessions) = feed(&mallory.http, &base, &tokens.access_token);
    let server_balance: i64 = ledger.iter().map(|e| e["points"].as_i64().unwrap()).sum();
    assert_eq!(
        s1.balance.0, server_balance,
        "the devices show the server's balance"
    );
    assert_derivable(h1.client.user_id(), &ledger, &sessions);
    let (ledger, sessions) = mallory.pulled();
    assert_derivable(mallory.user, &ledger, &sessions);
}

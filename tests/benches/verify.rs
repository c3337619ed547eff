//! What the server's own verification of a pushed session costs (release build, SQLite store,
//! loopback, one push request of one change each):
//! - `server/verify_session`: a completed practice session with one answer — validated, scored
//!   again against the catalog variation, counted into the user's practice days, its awards and
//!   achievement unlocks derived and granted;
//! - `server/push_baseline`: an interest tag added — the same request path with no verification,
//!   the baseline of the same run.
//!
//! `cargo bench -p studymate-e2e --bench verify`

use std::time::{Duration, Instant};

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use studymate_e2e::Server;
use uuid::Uuid;

/// The fixture café situation, its variation and its ideal answer.
const SITUATION: &str = "0190f000-0000-7000-8000-000000000001";
const VARIATION: &str = "0190f000-0000-7000-8000-000000000101";
const IDEAL: &str = "Can I get a large iced americano to go, please?";

struct Pusher {
    http: reqwest::blocking::Client,
    url: String,
    token: String,
    device: Uuid,
    seq: i64,
}

impl Pusher {
    fn signup(base: &str) -> Pusher {
        let http = reqwest::blocking::Client::new();
        let name = format!("bench{}", &Uuid::now_v7().simple().to_string()[20..]);
        let body: Value = http
            .post(format!("{base}/v1/auth/signup"))
            .header("StudyMate-Protocol", "1")
            .json(&json!({"username": name, "password": "correct horse", "display_name": name}))
            .send()
            .unwrap()
            .json()
            .unwrap();
        Pusher {
            http,
            url: format!("{base}/v1/sync/push"),
            token: body["access_token"].as_str().unwrap().to_owned(),
            device: Uuid::now_v7(),
            seq: 0,
        }
    }

    /// Pushes one change and returns how long the request took.
    fn push(&mut self, entity: &str, entity_id: &str, payload: Value) -> Duration {
        self.seq += 1;
        let change = json!({"seq": self.seq, "change_id": Uuid::now_v7(), "entity": entity,
            "entity_id": entity_id, "operation": "insert", "payload": payload, "created_at": Utc::now()});
        let body = json!({"protocol_version": 1, "device_id": self.device, "changes": [change]});
        let started = Instant::now();
        let answer: Value = self
            .http
            .post(&self.url)
            .header("StudyMate-Protocol", "1")
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .unwrap()
            .json()
            .unwrap();
        let took = started.elapsed();
        assert_eq!(answer["results"][0]["status"], json!("applied"), "{answer}");
        took
    }
}

fn session(id: Uuid) -> Value {
    let now = Utc::now();
    let day = studymate_core::rewards::local_day(now, "Asia/Seoul").unwrap();
    json!({"id": id, "situation_id": SITUATION, "variation_id": VARIATION, "status": "completed",
        "started_at": now, "ended_at": now, "total_duration_seconds": 0, "time_zone": "Asia/Seoul",
        "utc_offset_seconds": 32400, "local_day": day, "hints_used": 0,
        "scores": {"overall": 100, "appropriateness": 100, "fluency": 100},
        "turns": [
            {"index": 0, "speaker": "character", "text": "Hi! What can I get for you today?", "created_at": now},
            {"index": 1, "speaker": "learner", "text": IDEAL, "created_at": now,
             "answer": {"spoken": null, "response_time_ms": 3000, "hints_used": 0}}]})
}

fn verify(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let mut pusher = Pusher::signup(&server.base);
    let mut group = c.benchmark_group("server");
    group.bench_function("push_baseline", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let tag = format!("t{}", Uuid::now_v7().simple());
                    pusher.push("user_interest", &tag, json!({"interest_tag": tag}))
                })
                .sum()
        })
    });
    group.bench_function("verify_session", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let id = Uuid::now_v7();
                    pusher.push("practice_session", &id.to_string(), session(id))
                })
                .sum()
        })
    });
    group.finish();
}

criterion_group!(benches, verify);
criterion_main!(benches);

//! `server/concurrent_users`: 200 simulated users each push 500 changes (interest tags, one batch)
//! and pull them back from their feed, 16 at a time over raw HTTP, through one server process and
//! through two server processes sharing one PostgreSQL database (a throwaway cluster, as in the
//! server's tests; users alternate between the processes). Reported as changes pushed per second;
//! the two-process/one-process ratio is the scaling. Writes of different users take no common
//! lock, so the ratio shows what a second process adds on this machine.
//! `CONCURRENT_USERS`, `CONCURRENT_CHANGES` and `CONCURRENT_CLIENTS` override 200, 500 and 16.
//!
//! `cargo bench -p studymate-e2e --bench concurrent`

#[path = "../../server/tests/all/pg/mod.rs"]
mod pg;

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use studymate_e2e::Server;
use uuid::Uuid;

/// One simulated user: their token, device and the place their pulls have reached.
struct User {
    base: String,
    token: String,
    device: Uuid,
    next_seq: i64,
    cursor: Option<String>,
}

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .unwrap()
}

/// Signs up `count` users, spread over `bases` in turn.
fn sign_up(http: &reqwest::blocking::Client, bases: &[String], count: usize) -> Vec<User> {
    (0..count)
        .map(|i| {
            let base = bases[i % bases.len()].clone();
            let name = format!("u{}", Uuid::now_v7().simple());
            let body: Value = http
                .post(format!("{base}/v1/auth/signup"))
                .header("StudyMate-Protocol", "1")
                .json(
                    &json!({"username": name, "password": "correct horse battery",
                              "display_name": "Bench"}),
                )
                .send()
                .unwrap()
                .json()
                .unwrap();
            let token = body["access_token"].as_str().expect("signed up").to_owned();
            User {
                base,
                token,
                device: Uuid::now_v7(),
                next_seq: 1,
                cursor: None,
            }
        })
        .collect()
}

/// One user's turn: a push of `changes` new interest tags, then pulls until the feed is read.
fn push_and_pull(http: &reqwest::blocking::Client, user: &mut User, changes: usize) {
    let now = chrono::Utc::now();
    let entries: Vec<Value> = (0..changes)
        .map(|i| {
            let tag = format!("tag {} {i}", user.next_seq);
            let seq = user.next_seq + i64::try_from(i).unwrap();
            json!({"seq": seq, "change_id": Uuid::now_v7(), "entity": "user_interest",
                   "entity_id": tag, "operation": "insert", "payload": {"interest_tag": tag},
                   "created_at": now})
        })
        .collect();
    user.next_seq += i64::try_from(changes).unwrap();
    let answer: Value = http
        .post(format!("{}/v1/sync/push", user.base))
        .bearer_auth(&user.token)
        .header("StudyMate-Protocol", "1")
        .json(&json!({"protocol_version": 1, "device_id": user.device, "changes": entries}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let results = answer["results"].as_array().expect("push results");
    assert_eq!(results.len(), changes);
    assert!(results.iter().all(|r| r["status"] == "applied"), "{answer}");
    let mut pulled = 0;
    loop {
        let mut url = format!("{}/v1/sync/pull?limit=5000", user.base);
        if let Some(cursor) = &user.cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        let page: Value = http
            .get(url)
            .bearer_auth(&user.token)
            .header("StudyMate-Protocol", "1")
            .send()
            .unwrap()
            .json()
            .unwrap();
        pulled += page["changes"].as_array().expect("changes").len();
        user.cursor = Some(page["next_cursor"].as_str().expect("cursor").to_owned());
        if page["has_more"] != json!(true) {
            break;
        }
    }
    assert!(pulled >= changes, "pulled {pulled} of {changes}");
}

/// Every user's turn, `clients` at a time; returns the wall time.
fn round(users: &[Mutex<User>], clients: usize, changes: usize) -> Duration {
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..clients {
            scope.spawn(|| {
                let http = http();
                while let Some(user) = users.get(next.fetch_add(1, Ordering::Relaxed)) {
                    push_and_pull(&http, &mut user.lock().unwrap(), changes);
                }
            });
        }
    });
    start.elapsed()
}

fn concurrent_users(c: &mut Criterion) {
    let Some(mut cluster) = pg::Cluster::start() else {
        return;
    };
    let (count, changes, clients) = (
        setting("CONCURRENT_USERS", 200),
        setting("CONCURRENT_CHANGES", 500),
        setting("CONCURRENT_CLIENTS", 16),
    );
    let mut group = c.benchmark_group("server/concurrent_users");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(1))
        .throughput(Throughput::Elements(
            u64::try_from(count * changes).unwrap(),
        ));
    for processes in [1, 2] {
        let url = cluster.new_database();
        let flags = ["--token-ttl-seconds", "86400", "--hash-concurrency", "2"];
        let servers: Vec<Server> = (0..processes)
            .map(|_| Server::start_with(Path::new(&url), &flags))
            .collect();
        let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
        let users: Vec<Mutex<User>> = sign_up(&http(), &bases, count)
            .into_iter()
            .map(Mutex::new)
            .collect();
        let name = if processes == 1 {
            "one_process"
        } else {
            "two_processes"
        };
        group.bench_function(name, |b| {
            b.iter_custom(|iters| (0..iters).map(|_| round(&users, clients, changes)).sum())
        });
    }
    group.finish();
}

criterion_group!(benches, concurrent_users);
criterion_main!(benches);

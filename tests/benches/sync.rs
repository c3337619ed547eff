//! Sync throughput against the real server (release build, SQLite store, loopback):
//! `sync/push_100k` (a device pushes 100,000 changes: 99,700 chat messages and 300 interest tags,
//! see [`INTEREST_TAGS`]; the time is the push phase, up to the observer's `Pulling`),
//! `sync/pull_100k` (a fresh device of the same user pulls those 100,000 changes) and
//! `sync/initial_1m` (a fresh device pulls a feed of 1,000,000 changes in the `sync-child`
//! process, which prints its peak RSS, VmHWM, and CPU time; the bench adds the server's).
//! `SYNC_BENCH_INITIAL` overrides the size of the initial pull (default 1,000,000).
//!
//! `cargo bench -p studymate-e2e --bench sync`

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use studymate_core::chat::NewMessage;
use studymate_core::sync::{SyncConfig, SyncObserver, SyncState};
use studymate_e2e::{Device, Server, own_cpu_ms};

struct PhaseClock(Mutex<Option<Instant>>);

impl SyncObserver for PhaseClock {
    fn state_changed(&self, state: SyncState) {
        if state == SyncState::Pulling {
            *self.0.lock().unwrap() = Some(Instant::now());
        }
    }
}

/// Interest tags among a loaded device's changes; the rest are chat messages.
///
/// `add_interest` answers with the user's whole interest list (the documented API), so each call
/// costs more the more interests there are: with half of a million changes as interests, setting
/// up `initial_1m` took hours. A few hundred is what a real user could have, and past them every
/// change is a chat message, whose write costs the same however long the outbox is: the setup
/// grows linearly with `n`.
const INTEREST_TAGS: usize = 300;

/// A user with a room and `n` unsent changes: [`INTEREST_TAGS`] interest tags, spread evenly
/// among chat messages (points can no longer be minted on a device, and a refused entry would not
/// reach the feed the pull reads). Written through the public API, one user action each.
fn loaded_device(dir: &std::path::Path, base: &str, n: usize) -> Device {
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let a = Device::open(
        dir,
        &format!("a{tag}"),
        None,
        None,
        base,
        &format!("a{}", &tag[16..]),
    );
    let b = Device::open(
        dir,
        &format!("b{tag}"),
        None,
        None,
        base,
        &format!("b{}", &tag[16..]),
    );
    a.sync(base).unwrap();
    let room = a.direct_room_with(&b);
    let every = (n / INTEREST_TAGS).max(1);
    let mut tags = 0;
    for i in 0..n {
        if i % every == 0 && tags < INTEREST_TAGS {
            a.client.add_interest(&format!("bench {tags}")).unwrap();
            tags += 1;
        } else {
            a.client
                .send_message(room, &NewMessage::text(format!("message {i}")))
                .unwrap();
        }
    }
    a
}

/// Pushes only (the time until the pull phase starts).
fn timed_push(d: &Device, base: &str) -> Duration {
    let clock = Arc::new(PhaseClock(Mutex::new(None)));
    let mut config = SyncConfig::new(base, d.session.clone());
    config.observer = clock.clone();
    config.pull_limit = 5000;
    let start = Instant::now();
    d.client.sync(&config).unwrap();
    let pulled_at = clock.0.lock().unwrap().expect("reached the pull phase");
    pulled_at - start
}

/// A fresh device of `of`'s user pulls everything; prints the wall time and the CPU time the
/// client (this process) and the server used, which a loaded machine distorts less than the wall
/// time.
fn fresh_pull(dir: &std::path::Path, of: &Device, server: &Server, limit: u32) -> Duration {
    let name = format!("f{}", uuid::Uuid::now_v7().simple());
    let d = of.another(dir, &name, &server.base);
    let mut config = SyncConfig::new(server.base.clone(), d.session.clone());
    config.pull_limit = limit;
    let (client_cpu, server_cpu) = (own_cpu_ms(), server.cpu_ms());
    let start = Instant::now();
    let report = d.client.sync(&config).unwrap();
    let elapsed = start.elapsed();
    eprintln!(
        "pull: {} changes in {} ms, CPU {} ms client, {} ms server",
        report.pulled,
        elapsed.as_millis(),
        own_cpu_ms() - client_cpu,
        server.cpu_ms() - server_cpu
    );
    elapsed
}

fn sync(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let base = server.base.clone();
    let mut group = c.benchmark_group("sync");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1));
    group.measurement_time(Duration::from_secs(1));
    group.throughput(Throughput::Elements(100_000));
    let pushed = Mutex::new(None);
    group.bench_function("push_100k", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let d = loaded_device(dir.path(), &base, 100_000);
                total += timed_push(&d, &base);
                *pushed.lock().unwrap() = Some(d);
            }
            total
        })
    });
    // Set up here when `push_100k` was filtered out (`-- sync/pull_100k`), untimed.
    let source = std::cell::OnceCell::new();
    group.bench_function("pull_100k", |b| {
        let source = source.get_or_init(|| {
            pushed.lock().unwrap().take().unwrap_or_else(|| {
                let d = loaded_device(dir.path(), &base, 100_000);
                timed_push(&d, &base);
                d
            })
        });
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| fresh_pull(dir.path(), source, &server, 5000))
                .sum()
        })
    });

    let initial: usize = std::env::var("SYNC_BENCH_INITIAL")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    // Set up only when `initial_1m` runs (writing a million local changes takes long).
    let big = std::cell::OnceCell::new();
    group.throughput(Throughput::Elements(initial as u64));
    group.bench_function("initial_1m", |b| {
        let big = big.get_or_init(|| {
            let d = loaded_device(dir.path(), &base, initial);
            timed_push(&d, &base);
            d
        });
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let db = dir
                    .path()
                    .join(format!("i{}.db", uuid::Uuid::now_v7().simple()));
                let tokens = db.with_extension("json");
                std::fs::write(
                    &tokens,
                    serde_json::to_string(&big.session.tokens()).unwrap(),
                )
                .unwrap();
                let server_cpu = server.cpu_ms();
                let out = Command::new(env!("CARGO_BIN_EXE_sync-child"))
                    .arg(&db)
                    .arg(&base)
                    .arg(&tokens)
                    .arg(big.client.user_id().to_string())
                    .arg("5000")
                    .output()
                    .unwrap();
                let line = String::from_utf8_lossy(&out.stdout).into_owned();
                let fields: Vec<&str> = line.split_whitespace().collect();
                assert_eq!(fields.first(), Some(&"ok"), "{line}");
                let ms: u64 = fields[1].parse().unwrap();
                eprintln!(
                    "initial pull: {} changes in {ms} ms, peak RSS {} kB, CPU {} ms client, {} ms server",
                    fields[3],
                    fields[2],
                    fields[5],
                    server.cpu_ms() - server_cpu
                );
                total += Duration::from_millis(ms);
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, sync);
criterion_main!(benches);

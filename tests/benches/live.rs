//! `sync/live_latency`: from `send_message` and a push on device A to the message being in
//! device B's database, B running live sync (the server's live channel pokes it, it pulls), over
//! loopback against the real server (release build, SQLite store). Criterion reports the mean;
//! the bench also prints the p50 and p99 of every sample it took.
//!
//! `cargo bench -p studymate-e2e --bench live`

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use studymate_core::Client;
use studymate_core::chat::NewMessage;
use studymate_core::sync::{LiveConfig, LiveSync, SyncConfig};
use studymate_e2e::{Device, Server};

/// Sends one message from `a`, pushes it, and waits until `b` holds it; returns the time taken.
fn one_message(a: &Device, b: &Client, room: uuid::Uuid, base: &str, i: u64) -> Duration {
    let start = Instant::now();
    let sent = a
        .client
        .send_message(room, &NewMessage::text(format!("live {i}")))
        .expect("send");
    a.sync(base).expect("push");
    loop {
        let newest = b.messages(room, None, 1).expect("read");
        if newest.messages.first().is_some_and(|m| m.id == sent.id) {
            return start.elapsed();
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The `p`-th percentile (0–100) of sorted `samples`.
fn percentile(samples: &[Duration], p: usize) -> Duration {
    let index = (samples.len().saturating_sub(1) * p).div_ceil(100);
    samples.get(index).copied().unwrap_or_default()
}

fn live(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let base = server.base.clone();
    let a = Device::open(dir.path(), "a", None, None, &base, "ann");
    let b = Device::open(dir.path(), "b", None, None, &base, "bob");
    b.sync(&base).unwrap();
    let room = a.direct_room_with(&b);
    a.sync(&base).unwrap();
    let b_client = Arc::new(Client::open(&b.path, Default::default()).unwrap());
    let mut live = LiveSync::start(
        Arc::clone(&b_client),
        LiveConfig::new(SyncConfig::new(&base, b.session.clone())),
    )
    .expect("live sync");

    let samples = Mutex::new(Vec::new());
    let mut counter = 0u64;
    let mut group = c.benchmark_group("sync");
    group.sample_size(100);
    group.bench_function("live_latency", |bench| {
        bench.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                counter += 1;
                let took = one_message(&a, &b_client, room, &base, counter);
                samples.lock().unwrap().push(took);
                total += took;
            }
            total
        })
    });
    group.finish();
    live.stop();
    let mut samples = samples.into_inner().unwrap();
    samples.sort();
    eprintln!(
        "sync/live_latency: {} samples, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        samples.len(),
        percentile(&samples, 50).as_secs_f64() * 1000.0,
        percentile(&samples, 99).as_secs_f64() * 1000.0,
        samples.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
    );
}

criterion_group!(benches, live);
criterion_main!(benches);

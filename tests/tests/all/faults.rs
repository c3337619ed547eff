//! Faults between a device and the real server: the fault-injecting proxy drops connections
//! (before and after the server handled the request), delays, answers 500 and 503 with
//! `Retry-After`, truncates bodies and delivers requests twice; the server is restarted in the
//! middle of a sync; a push fails or is cancelled while a batch is decided and the next one
//! prepared; and sync children are killed with SIGKILL mid-push and mid-pull. After
//! quiescing, every device equals the server (a fresh device's full pull) and nothing is lost
//! or doubled.

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use studymate_core::Error;
use studymate_core::chat::{NewMessage, SendState};
use studymate_core::sync::{CancelToken, SyncConfig, SyncObserver, SyncProgress};
use studymate_e2e::proxy::{Fault, Proxy};
use studymate_e2e::{Device, MessageRow, Server, snapshot};

/// A user with a direct room to a second user and `n` unsent messages in it.
fn chatty_pair(dir: &std::path::Path, base: &str, n: usize) -> (Device, Device, uuid::Uuid) {
    let a = Device::open(dir, "a1", None, None, base, "dora");
    let b = Device::open(dir, "b1", None, None, base, "eli");
    a.sync(base).unwrap();
    b.sync(base).unwrap();
    let room = a.direct_room_with(&b);
    for i in 0..n {
        a.client
            .send_message(room, &NewMessage::text(format!("m{i}")))
            .unwrap();
    }
    (a, b, room)
}

fn fresh_copy(dir: &std::path::Path, of: &Device, name: &str, base: &str) -> Device {
    let d = of.another(dir, name, base);
    d.sync(base).unwrap();
    d
}

/// `room`'s messages on `d`, as the snapshot compares them.
fn timeline(d: &Device, room: uuid::Uuid) -> Vec<MessageRow> {
    let s = snapshot(&d.client);
    s.rooms.into_iter().find(|r| r.0 == room).unwrap().1
}

fn assert_all_sent_once(d: &Device, room: uuid::Uuid, n: usize) {
    let timeline = timeline(d, room);
    assert_eq!(timeline.len(), n, "every message exactly once");
    assert!(timeline.iter().all(|m| m.3 == SendState::Sent.as_str()));
    let mut contents: Vec<_> = timeline.iter().map(|m| m.2.clone()).collect();
    contents.sort();
    contents.dedup();
    assert_eq!(contents.len(), n, "no message doubled");
}

#[test]
fn every_kind_of_fault_is_retried_and_nothing_is_lost_or_doubled() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let (a, b, room) = chatty_pair(dir.path(), &server.base, 2500);
    let proxy = Proxy::start(&server.base);
    proxy.script(&[
        Fault::DropBefore,
        Fault::DropAfter,
        Fault::Status(500),
        Fault::Status(503),
        Fault::Truncate,
        Fault::Repeat,
        Fault::Delay(200),
        Fault::DropAfter,
        Fault::Truncate,
        Fault::Repeat,
        Fault::Status(500),
    ]);
    let report = a.sync(&proxy.base).unwrap();
    assert_eq!(report.rejected, 0);
    assert!(
        report.duplicate > 0,
        "a batch the server had applied was answered duplicate"
    );
    // Bob pulls through random faults.
    proxy.random(7, 40);
    b.sync(&proxy.base).unwrap();
    a.sync(&proxy.base).unwrap();
    assert!(proxy.injected.load(std::sync::atomic::Ordering::SeqCst) >= 11);
    assert_all_sent_once(&a, room, 2500);
    assert_eq!(snapshot(&b.client).rooms, snapshot(&a.client).rooms);
    let copy = fresh_copy(dir.path(), &a, "a2", &server.base);
    assert_eq!(
        snapshot(&copy.client),
        snapshot(&a.client),
        "the device equals the server"
    );
}

#[test]
fn a_server_restart_mid_sync_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let server = Server::start(&db);
    let (a, _b, room) = chatty_pair(dir.path(), &server.base, 3000);
    let proxy = Proxy::start(&server.base);
    proxy.random(1, 100); // every request delayed or faulted: the sync takes a while
    let syncing = std::thread::scope(|s| {
        let handle = s.spawn(|| a.sync(&proxy.base));
        std::thread::sleep(Duration::from_millis(300));
        server.kill();
        let restarted = Server::start(&db);
        proxy.retarget(&restarted.base);
        let first = handle.join().unwrap();
        (first, restarted)
    });
    let (first, restarted) = syncing;
    if let Err(e) = &first {
        assert!(
            matches!(e, Error::Network(_)),
            "only a network failure is acceptable: {e}"
        );
    }
    proxy.script(&[]);
    a.sync(&proxy.base).unwrap();
    assert_all_sent_once(&a, room, 3000);
    let copy = fresh_copy(dir.path(), &a, "a2", &restarted.base);
    assert_eq!(snapshot(&copy.client), snapshot(&a.client));
}

/// How many of `room`'s messages on `d` are sent.
fn sent_in(d: &Device, room: uuid::Uuid) -> usize {
    timeline(d, room)
        .iter()
        .filter(|m| m.3 == SendState::Sent.as_str())
        .count()
}

#[test]
fn a_failure_while_the_next_batch_is_decided_keeps_the_batch_answered_and_nothing_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let (a, b, room) = chatty_pair(dir.path(), &server.base, 2500);
    // The first batch passes; the second is answered 400 (not retried) while the device records
    // the first and has already read and encoded the third.
    let proxy = Proxy::start(&server.base);
    proxy.script(&[Fault::Pass, Fault::Status(400)]);
    // The room's own entries lead the outbox.
    let outbox = a.client.sync_status().unwrap().outbox;
    let room_entries = usize::try_from(outbox).unwrap() - 2500;
    let failed = a.sync(&proxy.base);
    assert!(matches!(failed, Err(Error::Protocol(_))), "{failed:?}");
    assert_eq!(a.client.sync_status().unwrap().outbox, outbox - 1000);
    assert_eq!(
        sent_in(&a, room),
        1000 - room_entries,
        "the first batch is recorded, no other"
    );

    let report = a.sync(&proxy.base).unwrap();
    assert_eq!(
        (report.pushed, report.applied),
        (outbox - 1000, outbox - 1000),
        "{report:?}"
    );
    assert_all_sent_once(&a, room, 2500);
    b.sync(&server.base).unwrap();
    assert_eq!(snapshot(&b.client).rooms, snapshot(&a.client).rooms);
}

/// Cancels its run when told of the push's second batch, and keeps every progress it was told.
struct CancelAtSecondBatch {
    cancel: CancelToken,
    seen: Mutex<Vec<(i64, i64)>>,
}

impl SyncObserver for CancelAtSecondBatch {
    fn progress(&self, progress: SyncProgress) {
        let mut seen = self.seen.lock().unwrap();
        seen.push((progress.pushed, progress.outbox));
        if seen.len() == 2 {
            self.cancel.cancel();
        }
    }
}

#[test]
fn a_cancel_while_a_batch_is_decided_records_the_answered_one_and_sends_no_more() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let (a, b, room) = chatty_pair(dir.path(), &server.base, 2500);
    let observer = Arc::new(CancelAtSecondBatch {
        cancel: CancelToken::new(),
        seen: Mutex::new(Vec::new()),
    });
    let mut config = SyncConfig::new(&server.base, a.session.clone());
    config.cancel = observer.cancel.clone();
    config.observer = observer.clone();
    // The room's own entries lead the outbox.
    let outbox = a.client.sync_status().unwrap().outbox;
    let room_entries = usize::try_from(outbox).unwrap() - 2500;
    let cancelled = a.client.sync(&config);
    assert!(matches!(cancelled, Err(Error::Cancelled)), "{cancelled:?}");
    // Told before each batch: the first answered batch counts as pushed while it is recorded.
    assert_eq!(
        *observer.seen.lock().unwrap(),
        [(0, outbox), (1000, outbox - 1000)]
    );
    assert_eq!(a.client.sync_status().unwrap().outbox, outbox - 1000);
    assert_eq!(sent_in(&a, room), 1000 - room_entries);

    let report = a.sync(&server.base).unwrap();
    assert_eq!(
        (report.pushed, report.duplicate),
        (outbox - 1000, 0),
        "{report:?}"
    );
    assert_all_sent_once(&a, room, 2500);
    b.sync(&server.base).unwrap();
    assert_eq!(snapshot(&b.client).rooms, snapshot(&a.client).rooms);
}

/// Runs the sync child for `db` and kills it with SIGKILL after `kill_after`, if given.
fn child_sync(
    db: &std::path::Path,
    base: &str,
    d: &Device,
    kill_after: Option<Duration>,
    limit: u32,
) -> bool {
    let tokens = db.with_extension("tokens.json");
    std::fs::write(&tokens, serde_json::to_string(&d.session.tokens()).unwrap()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sync-child"))
        .arg(db)
        .arg(base)
        .arg(&tokens)
        .arg(d.client.user_id().to_string())
        .arg(limit.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    match kill_after {
        Some(after) => {
            std::thread::sleep(after);
            let finished = child.try_wait().unwrap().is_some();
            let _ = child.kill(); // SIGKILL
            let _ = child.wait();
            !finished
        }
        None => child.wait().unwrap().success(),
    }
}

#[test]
fn a_client_killed_mid_push_and_mid_pull_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let (a, _b, room) = chatty_pair(dir.path(), &server.base, 4000);
    let proxy = Proxy::start(&server.base);
    // The child process syncs the same database file; this process only reads it (WAL).
    let a_path = a.path.clone();

    // Mid-push: batches are slowed by the proxy, the child is killed during them.
    proxy.random(3, 100);
    let killed = child_sync(
        &a_path,
        &proxy.base,
        &a,
        Some(Duration::from_millis(700)),
        1000,
    );
    assert!(killed, "the child was still pushing when killed");
    let after_kill = a.client.sync_status().unwrap().outbox;
    assert!(after_kill > 0, "the kill came before the outbox was empty");
    proxy.script(&[]);
    assert!(
        child_sync(&a_path, &proxy.base, &a, None, 1000),
        "the restarted child finishes"
    );
    assert_all_sent_once(&a, room, 4000);

    // Mid-pull: a fresh device pulls in small pages and is killed during them.
    let fresh = a.another(dir.path(), "a3", &server.base);
    let fresh_path = fresh.path.clone();
    proxy.random(5, 100);
    let killed = child_sync(
        &fresh_path,
        &proxy.base,
        &fresh,
        Some(Duration::from_millis(700)),
        50,
    );
    assert!(killed, "the child was still pulling when killed");
    proxy.script(&[]);
    assert!(child_sync(&fresh_path, &proxy.base, &fresh, None, 50));
    assert_eq!(
        snapshot(&fresh.client),
        snapshot(&a.client),
        "nothing lost or doubled"
    );
}

//! Faults between a device and the real server: the fault-injecting proxy drops connections
//! (before and after the server handled the request), delays, answers 500 and 503 with
//! `Retry-After`, truncates bodies and delivers requests twice; the server is restarted in the
//! middle of a sync; and sync children are killed with SIGKILL mid-push and mid-pull. After
//! quiescing, every device equals the server (a fresh device's full pull) and nothing is lost
//! or doubled.

use std::process::{Command, Stdio};
use std::time::Duration;

use studymate_core::Error;
use studymate_core::chat::{NewMessage, SendState};
use studymate_e2e::proxy::{Fault, Proxy};
use studymate_e2e::{Device, Server, snapshot};

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

fn assert_all_sent_once(d: &Device, room: uuid::Uuid, n: usize) {
    let s = snapshot(&d.client);
    let timeline = &s.rooms.iter().find(|r| r.0 == room).unwrap().1;
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

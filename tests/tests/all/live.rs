//! Live sync end to end: two users chat with live sync running on both devices, through the
//! fault proxy, with no manual sync. Live streams are cut, requests dropped and refused, and the
//! server is restarted; every message reaches the other device exactly once, in the order sent.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use studymate_core::chat::{NewMessage, SendState};
use studymate_core::sync::{
    LiveConfig, LiveListener, LiveSync, RetryPolicy, SyncConfig, SyncReport,
};
use studymate_core::{Client, Error};
use studymate_e2e::proxy::{Fault, Proxy};
use studymate_e2e::{Device, Server, snapshot, test_retry};
use uuid::Uuid;

/// Records what live sync reported.
#[derive(Default)]
struct Heard {
    synced: Mutex<u64>,
    failures: Mutex<Vec<String>>,
}

impl LiveListener for Heard {
    fn synced(&self, _report: &SyncReport) {
        *self.synced.lock().unwrap() += 1;
    }
    fn failed(&self, error: &Error) {
        self.failures.lock().unwrap().push(error.to_string());
    }
}

/// Live sync of `client` through `base`, reconnecting fast.
fn start_live(client: &Arc<Client>, device: &Device, base: &str, heard: &Arc<Heard>) -> LiveSync {
    let mut sync = SyncConfig::new(base, device.session.clone());
    sync.retry = test_retry();
    sync.request_timeout = Duration::from_secs(20);
    let mut config = LiveConfig::new(sync);
    config.reconnect = RetryPolicy {
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(500),
        ..RetryPolicy::default()
    };
    config.idle_timeout = Duration::from_secs(5);
    config.listener = heard.clone();
    LiveSync::start(Arc::clone(client), config).expect("live sync starts")
}

/// The texts of `room` on `client` that the server has ordered (sent), in timeline order.
fn sent_texts(client: &Client, room: Uuid) -> Vec<String> {
    snapshot(client)
        .rooms
        .into_iter()
        .find(|(id, _)| *id == room)
        .map(|(_, timeline)| {
            timeline
                .into_iter()
                .filter(|m| m.3 == SendState::Sent.as_str())
                .filter_map(|m| m.2)
                .collect()
        })
        .unwrap_or_default()
}

/// Waits (up to a minute) until `client` holds `expected` as the room's sent messages.
fn wait_for(client: &Client, room: Uuid, expected: &[String]) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let texts = sent_texts(client, room);
        if texts == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the room never became {expected:?}; it holds {texts:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn two_users_chat_live_through_faults_and_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let flags = ["--live-heartbeat-seconds", "1"];
    let server = Server::start_with(&db, &flags);
    let proxy = Proxy::start(&server.base);
    let dora = Device::open(dir.path(), "dora", None, None, &proxy.base, "dora");
    let eli = Device::open(dir.path(), "eli", None, None, &proxy.base, "eli");
    eli.sync(&proxy.base).unwrap();
    let room = dora.direct_room_with(&eli);
    let (dora_client, eli_client) = (
        Arc::new(Client::open(&dora.path, Default::default()).unwrap()),
        Arc::new(Client::open(&eli.path, Default::default()).unwrap()),
    );
    let (dora_heard, eli_heard) = (Arc::new(Heard::default()), Arc::new(Heard::default()));
    let mut dora_live = start_live(&dora_client, &dora, &proxy.base, &dora_heard);
    let mut eli_live = start_live(&eli_client, &eli, &proxy.base, &eli_heard);

    let mut sent: Vec<String> = Vec::new();
    // Sends `text` from `client` and waits until both devices hold everything sent, in order.
    let say = |sent: &mut Vec<String>, client: &Client, text: String| {
        client
            .send_message(room, &NewMessage::text(text.clone()))
            .expect("send");
        sent.push(text);
        wait_for(&dora_client, room, sent);
        wait_for(&eli_client, room, sent);
    };
    for i in 0..4 {
        say(&mut sent, &dora_client, format!("dora {i}"));
        say(&mut sent, &eli_client, format!("eli {i}"));
    }
    // The live connections drop; then pushes, pulls and reconnections meet failures.
    proxy.cut_streams();
    say(&mut sent, &dora_client, "after the cut".into());
    proxy.script(&[
        Fault::DropBefore,
        Fault::DropAfter,
        Fault::Status(503),
        Fault::Status(500),
        Fault::DropAfter,
    ]);
    for i in 0..3 {
        say(&mut sent, &eli_client, format!("through faults {i}"));
        say(&mut sent, &dora_client, format!("answer {i}"));
    }
    // The server goes away with both channels open; messages are written meanwhile.
    server.kill();
    dora_client
        .send_message(room, &NewMessage::text("while the server was down"))
        .unwrap();
    sent.push("while the server was down".into());
    let server = Server::start_with(&db, &flags);
    proxy.retarget(&server.base);
    wait_for(&dora_client, room, &sent);
    wait_for(&eli_client, room, &sent);
    say(&mut sent, &eli_client, "after the restart".into());

    dora_live.stop();
    eli_live.stop();
    for (client, heard) in [(&dora_client, &dora_heard), (&eli_client, &eli_heard)] {
        assert_eq!(sent_texts(client, room), sent, "exactly once, in order");
        let timeline = &snapshot(client)
            .rooms
            .into_iter()
            .find(|r| r.0 == room)
            .unwrap()
            .1;
        assert_eq!(
            timeline.len(),
            sent.len(),
            "nothing pending, failed or doubled"
        );
        assert!(*heard.synced.lock().unwrap() > 0);
        assert!(
            heard
                .failures
                .lock()
                .unwrap()
                .iter()
                .all(|f| !f.contains("sign in")),
            "no auth failure"
        );
    }
    assert_eq!(
        eli_client.sync_status().unwrap().outbox,
        0,
        "everything eli wrote was pushed without a manual sync"
    );
    drop(server);
}

/// Live sync refuses a second start on the same client, and a stopped one can start again.
#[test]
fn one_live_sync_per_client() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let dora = Device::open(dir.path(), "dora", None, None, &server.base, "dora");
    let client = Arc::new(Client::open(&dora.path, Default::default()).unwrap());
    let heard = Arc::new(Heard::default());
    let mut live = start_live(&client, &dora, &server.base, &heard);
    let mut sync = SyncConfig::new(&server.base, dora.session.clone());
    sync.retry = test_retry();
    let second = LiveSync::start(Arc::clone(&client), LiveConfig::new(sync.clone()));
    assert!(matches!(second, Err(Error::Conflict(_))), "{second:?}");
    live.stop();
    let mut again = LiveSync::start(Arc::clone(&client), LiveConfig::new(sync)).expect("restart");
    again.stop();
}

//! The consistency check after catching up: the server's last pull page carries counts of the
//! user's ledger, practice sessions and room messages; a device whose rows disagree (here: its
//! database file damaged behind its back) pulls everything again and is repaired, and a device
//! whose only differences are its own undecided changes sees no disagreement.

use std::sync::{Arc, Mutex};

use studymate_core::catalog::SituationFilter;
use studymate_core::chat::NewMessage;
use studymate_core::practice::AnswerInput;
use studymate_core::sync::{SyncConfig, SyncObserver, SyncState};
use studymate_core::{Client, OpenOptions};
use studymate_e2e::responder::Responder;
use studymate_e2e::{Device, Server, snapshot, test_retry};
use uuid::Uuid;

/// Completes one practice session on `client` with the variation's ideal answer (it earns
/// awards, so the ledger has entries).
fn practice(client: &Client) {
    let situation = client
        .situations(&SituationFilter::default())
        .expect("catalog")[0]
        .id;
    let session = client.start_practice(situation, None).expect("start");
    let ideal = client
        .variation(session.variation_id)
        .expect("variation")
        .ideal_responses[0]
        .clone();
    client
        .answer(
            session.id,
            &AnswerInput {
                text: ideal,
                spoken: None,
                response_time_ms: 3000,
            },
        )
        .expect("answer");
    client.complete_practice(session.id).expect("complete");
}

/// Damage done to a device's database file behind its back.
type Damage<'a> = dyn Fn(&rusqlite::Connection) + 'a;

#[test]
fn a_damaged_device_detects_each_disagreeing_scope_and_repairs_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("server.db"));
    let base = &server.base;
    let hana = Device::open(dir.path(), "hana", None, None, base, "hana");
    let ian = Device::open(dir.path(), "ian", None, None, base, "ian");
    hana.sync(base).expect("first sync");
    ian.sync(base).expect("ian first sync");
    let room = hana.direct_room_with(&ian);
    for text in ["one", "two", "three"] {
        hana.client
            .send_message(room, &NewMessage::text(text))
            .expect("send");
    }
    practice(&hana.client);
    server.adjust_points(hana.client.user_id(), 40);
    hana.sync(base).expect("push and pull");
    let report = hana.sync(base).expect("quiet sync");
    assert_eq!(report.consistency_repairs, 0, "{report:?}");
    let healthy = snapshot(&hana.client);
    assert!(
        !healthy.sessions.is_empty() && healthy.balance.0 > 0,
        "{healthy:?}"
    );

    let me = hana.client.user_id().to_string();
    let bogus = Uuid::now_v7().to_string();
    let damages: [(&str, Box<Damage<'_>>); 3] = [
        (
            "a ledger entry deleted",
            Box::new(|raw| {
                let n = raw
                    .execute(
                        "DELETE FROM point_transactions WHERE transaction_id =
                         (SELECT max(transaction_id) FROM point_transactions)",
                        [],
                    )
                    .expect("delete a ledger entry");
                assert_eq!(n, 1);
            }),
        ),
        (
            "a message deleted",
            Box::new(|raw| {
                let n = raw
                    .execute(
                        "DELETE FROM chat_messages WHERE message_id =
                         (SELECT max(message_id) FROM chat_messages WHERE room_id = ?1)",
                        [room.to_string()],
                    )
                    .expect("delete a message");
                assert_eq!(n, 1);
            }),
        ),
        (
            "a bogus session inserted",
            Box::new(|raw| {
                raw.execute_batch(&format!(
                    "CREATE TEMP TABLE copy AS SELECT * FROM practice_sessions WHERE user_id = '{me}' LIMIT 1;
                     UPDATE copy SET session_id = '{bogus}';
                     INSERT INTO practice_sessions SELECT * FROM copy;
                     DROP TABLE copy;"
                ))
                .expect("insert a bogus session");
            }),
        ),
    ];
    for (what, damage) in &damages {
        {
            let raw = rusqlite::Connection::open(&hana.path).expect("raw");
            damage(&raw);
        }
        assert_ne!(snapshot(&hana.client), healthy, "{what}: the damage shows");
        let report = hana.sync(base).expect("sync after the damage");
        assert_eq!(report.consistency_repairs, 1, "{what}: {report:?}");
        assert!(report.inconsistent_scopes.is_empty(), "{what}: {report:?}");
        assert_eq!(snapshot(&hana.client), healthy, "{what}: repaired");
        let report = hana.sync(base).expect("sync after the repair");
        assert_eq!(report.consistency_repairs, 0, "{what}: {report:?}");
    }
}

/// Between the push and the pull of a run, the app writes: a message, a completed practice
/// session and its awards, all still in the outbox when the last page's counts arrive.
struct WritesWhilePulling {
    client: Mutex<Option<Client>>,
    room: Uuid,
}

impl SyncObserver for WritesWhilePulling {
    fn state_changed(&self, state: SyncState) {
        if state != SyncState::Pulling {
            return;
        }
        let Ok(mut slot) = self.client.lock() else {
            return;
        };
        if let Some(client) = slot.take() {
            client
                .send_message(self.room, &NewMessage::text("written while pulling"))
                .expect("send");
            practice(&client);
            let started = client
                .situations(&SituationFilter::default())
                .expect("catalog")[0]
                .id;
            client
                .start_practice(started, None)
                .expect("a running session");
        }
    }
}

#[test]
fn undecided_local_changes_are_no_disagreement() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("server.db"));
    let base = &server.base;
    let hana = Device::open(dir.path(), "hana", None, None, base, "hana");
    let ian = Device::open(dir.path(), "ian", None, None, base, "ian");
    hana.sync(base).expect("first sync");
    ian.sync(base).expect("ian first sync");
    let room = hana.direct_room_with(&ian);
    hana.client
        .send_message(room, &NewMessage::text("hello"))
        .expect("send");
    practice(&hana.client);
    hana.sync(base).expect("push and pull");

    // The app's own connection to the same file writes during the next run's pull.
    let app = Client::open(
        &hana.path,
        OpenOptions {
            user_id: Some(hana.client.user_id()),
            ..OpenOptions::default()
        },
    )
    .expect("second connection");
    let observer = Arc::new(WritesWhilePulling {
        client: Mutex::new(Some(app)),
        room,
    });
    let mut config = SyncConfig::new(base.as_str(), hana.session.clone());
    config.retry = test_retry();
    config.observer = observer.clone();
    let report = hana
        .client
        .sync(&config)
        .expect("sync with writes in flight");
    assert!(
        observer.client.lock().expect("observer").is_none(),
        "the app wrote during the pull"
    );
    assert!(
        hana.client.sync_status().expect("status").outbox > 0,
        "the writes wait in the outbox"
    );
    assert_eq!(report.consistency_repairs, 0, "{report:?}");

    let report = hana.sync(base).expect("the writes are pushed");
    assert_eq!(report.consistency_repairs, 0, "{report:?}");
    assert_eq!(hana.client.sync_status().expect("status").outbox, 0);
    ian.sync(base).expect("ian");
    let fresh = hana.another(dir.path(), "fresh", base);
    fresh.sync(base).expect("fresh device");
    assert_eq!(
        snapshot(&fresh.client).ledger,
        snapshot(&hana.client).ledger
    );
}

/// A server whose counts never agree (here a responder answering every pull with the same
/// page) gets one repair per sync, not an endless re-pull, and the run names what still
/// disagrees.
#[test]
fn a_disagreement_the_repull_cannot_fix_is_reported_not_pulled_forever() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("server.db"));
    let device = Device::open(dir.path(), "d", None, None, &server.base, "gil");
    device.sync(&server.base).expect("first sync");
    let page = serde_json::json!({
        "changes": [], "next_cursor": "00000000-0000-0000-0000-000000000000:0", "has_more": false,
        "checks": {"ledger": {"count": 99, "points": 5}, "practice_sessions": 0, "rooms": []},
    });
    let responder = Responder::start(200, &page.to_string());
    let report = device
        .sync(&responder.base)
        .expect("sync against the responder");
    assert_eq!(report.consistency_repairs, 1, "{report:?}");
    assert_eq!(report.inconsistent_scopes, ["ledger"], "{report:?}");
}

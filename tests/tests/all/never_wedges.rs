//! Sync never wedges a device: an outbox of any size leaves in batches the server accepts (by
//! bytes as well as by count, and halved when something on the way still answers 413), and a
//! kind of record or an operation one side does not know costs one entry, never the batch or the
//! page. Everything runs against the real server on loopback.

use chrono::Utc;
use serde_json::{Value, json};
use studymate_core::chat::{MAX_MESSAGE_CHARS, NewMessage, SendState};
use studymate_core::sync::TokenProvider;
use studymate_core::sync::protocol::{MAX_PUSH_BYTES, PROTOCOL_HEADER, PROTOCOL_VERSION};
use studymate_e2e::proxy::Proxy;
use studymate_e2e::{Device, Server};
use uuid::Uuid;

/// A long Korean message: `MAX_MESSAGE_CHARS` characters, three bytes each in UTF-8.
fn long_korean(i: usize) -> String {
    let head = format!("{i}번째 메시지: ");
    let filler: String = "대구동성로에서아이스아메리카노한잔주문했어요 "
        .chars()
        .cycle()
        .take(MAX_MESSAGE_CHARS - head.chars().count())
        .collect();
    head + &filler
}

/// Sends `count` long Korean messages from `from` to `to` offline; returns the room.
fn write_offline(from: &Device, to: &Device, count: usize) -> Uuid {
    let room = from.direct_room_with(to);
    for i in 0..count {
        from.client
            .send_message(room, &NewMessage::text(long_korean(i)))
            .expect("send offline");
    }
    room
}

/// Every message of `room` on `device`, oldest first.
fn all_messages(device: &Device, room: Uuid) -> Vec<studymate_core::chat::Message> {
    let mut all = Vec::new();
    let mut before = None;
    loop {
        let page = device.client.messages(room, before, 200).expect("messages");
        all.extend(page.messages);
        match page.next_before {
            Some(b) => before = Some(b),
            None => break,
        }
    }
    all.reverse();
    all
}

#[test]
fn four_hundred_long_korean_messages_leave_in_one_sync() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("server.db"));
    let base = &server.base;
    let ana = Device::open(dir.path(), "ana", None, None, base, "ana");
    let bo = Device::open(dir.path(), "bo", None, None, base, "bo");
    bo.sync(base).expect("bo signs in");

    let room = write_offline(&ana, &bo, 400);
    let outbox = ana.client.sync_status().expect("status").outbox;
    let bytes: usize = ana
        .client
        .changes(0, 1000)
        .expect("changes")
        .iter()
        .map(|c| c.payload.to_string().len())
        .sum();
    assert!(
        bytes > MAX_PUSH_BYTES,
        "the outbox ({bytes} bytes) is more than one body can carry"
    );

    let report = ana.sync(base).expect("one sync pushes everything");
    assert_eq!(report.pushed, outbox, "{report:?}");
    assert_eq!(report.rejected, 0, "{report:?}");
    assert_eq!(ana.client.sync_status().expect("status").outbox, 0);
    let sent = all_messages(&ana, room);
    assert_eq!(sent.len(), 400);
    assert!(sent.iter().all(|m| m.send_state == SendState::Sent));

    bo.sync(base).expect("bo pulls");
    let received = all_messages(&bo, room);
    assert_eq!(received.len(), 400);
    assert_eq!(
        received[399].content.as_deref(),
        Some(long_korean(399).as_str())
    );
}

#[test]
fn a_413_on_the_way_halves_the_batch_until_it_passes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("server.db"));
    let ana = Device::open(dir.path(), "ana", None, None, &server.base, "ana");
    let bo = Device::open(dir.path(), "bo", None, None, &server.base, "bo");
    bo.sync(&server.base).expect("bo signs in");
    let room = write_offline(&ana, &bo, 120);

    // Something between the device and the server accepts only 300 KiB per request.
    let proxy = Proxy::start(&server.base);
    proxy.limit_body(300 * 1024);
    let report = ana.sync(&proxy.base).expect("the sync still goes through");
    assert!(
        proxy.injected.load(std::sync::atomic::Ordering::SeqCst) > 0,
        "the limit was hit"
    );
    assert_eq!(report.rejected, 0, "{report:?}");
    assert_eq!(ana.client.sync_status().expect("status").outbox, 0);
    assert!(
        all_messages(&ana, room)
            .iter()
            .all(|m| m.send_state == SendState::Sent)
    );
    bo.sync(&server.base).expect("bo pulls");
    assert_eq!(all_messages(&bo, room).len(), 120);
}

/// One hand-made push entry.
fn entry(seq: i64, entity: &str, entity_id: &str, operation: &str, payload: Value) -> Value {
    json!({"seq": seq, "change_id": Uuid::now_v7(), "entity": entity, "entity_id": entity_id,
        "operation": operation, "payload": payload, "created_at": Utc::now()})
}

#[test]
fn an_unknown_kind_or_operation_on_push_refuses_only_its_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("server.db"));
    let base = &server.base;
    let mina = Device::open(dir.path(), "mina", None, None, base, "mina");
    mina.sync(base).expect("first sync");

    // A device of a later version pushes a kind of record and an operation this server does
    // not know, between two entries it does.
    let body = json!({
        "protocol_version": PROTOCOL_VERSION,
        "device_id": Uuid::now_v7(),
        "changes": [
            entry(1, "user_interest", "hiking", "insert", json!({"interest_tag": "hiking"})),
            entry(2, "voice_note", "0190a000-0000-7000-8000-000000000001", "insert", json!({"seconds": 12})),
            entry(3, "user_interest", "hiking", "archive", json!({"interest_tag": "hiking"})),
            entry(4, "user_interest", "chess", "insert", json!({"interest_tag": "chess"})),
        ]
    });
    let push = || {
        let answer = reqwest::blocking::Client::new()
            .post(format!("{base}/v1/sync/push"))
            .bearer_auth(mina.session.access_token().expect("token"))
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .expect("push");
        assert_eq!(answer.status(), 200);
        let results: Value = answer.json().expect("json");
        results["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                (
                    r["status"].as_str().unwrap_or_default().to_owned(),
                    r["code"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    let expected = |first: &str| {
        vec![
            (first.to_owned(), String::new()),
            ("rejected".to_owned(), "unsupported_operation".to_owned()),
            ("rejected".to_owned(), "unsupported_operation".to_owned()),
            (first.to_owned(), String::new()),
        ]
    };
    assert_eq!(push(), expected("applied"));
    assert_eq!(push(), expected("duplicate"), "the decisions are recorded");

    mina.sync(base).expect("sync");
    let mut interests = mina.client.interests().expect("interests");
    interests.sort();
    assert_eq!(interests, ["chess", "hiking"]);
}

#[test]
fn an_unknown_kind_or_operation_in_the_feed_is_skipped_and_the_cursor_moves_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("server.db"));
    let base = &server.base;
    let mina = Device::open(dir.path(), "mina", None, None, base, "mina");
    let tablet = mina.another(dir.path(), "tablet", base);
    mina.sync(base).expect("first sync");

    // A later server version publishes a kind of record and an operation this build does not
    // know: written straight into the server's history and Mina's feed.
    let db = rusqlite::Connection::open(&server.database).expect("server db");
    db.busy_timeout(std::time::Duration::from_secs(10))
        .expect("busy timeout");
    let me = mina.client.user_id().to_string();
    for (entity, operation, payload) in [
        ("voice_note", "insert", r#"{"seconds": 12}"#),
        ("user_interest", "archive", r#"{"interest_tag": "hiking"}"#),
    ] {
        db.execute(
            "INSERT INTO changes (entity, entity_id, operation, payload) VALUES (?1, 'x', ?2, ?3)",
            [entity, operation, payload],
        )
        .expect("change row");
        // At the next position of Mina's feed, moving its head as the server does.
        db.execute(
            "UPDATE feed_heads SET head = head + 1 WHERE user_id = ?1",
            [&me],
        )
        .expect("feed head");
        db.execute(
            "INSERT INTO user_feed (user_id, feed_seq, server_seq)
             SELECT user_id, head, last_insert_rowid() FROM feed_heads WHERE user_id = ?1",
            [&me],
        )
        .expect("feed row");
    }
    drop(db);
    // And after them, something this build knows.
    tablet.client.add_interest("hiking").expect("interest");
    tablet.sync(base).expect("tablet pushes");

    let report = mina
        .sync(base)
        .expect("the unknown changes do not fail the pull");
    assert_eq!(report.pulled, 1, "only the interest is applied: {report:?}");
    assert_eq!(mina.client.interests().expect("interests"), ["hiking"]);
    let again = mina.sync(base).expect("sync");
    assert_eq!(again.pulled, 0, "the cursor moved past the skipped changes");
}

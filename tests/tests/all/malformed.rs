//! Malformed and out-of-scope server answers end the sync with `Error::Protocol` and apply
//! nothing. The answers come from a tiny hand-written loopback HTTP responder
//! (`studymate_e2e::responder`), because the real server never sends them; the cursor of a real
//! pull is used where a plausible one is needed.

use serde_json::json;
use studymate_core::Error;
use studymate_core::catalog::SituationFilter;
use studymate_e2e::responder::Responder;
use studymate_e2e::{Device, Server};
use uuid::Uuid;

fn page(changes: serde_json::Value, cursor: &str) -> String {
    json!({"changes": changes, "next_cursor": cursor, "has_more": false}).to_string()
}

#[test]
fn malformed_answers_are_protocol_errors_and_apply_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let d = Device::open(dir.path(), "d", None, None, &server.base, "fay");
    d.sync(&server.base).unwrap();
    let cursor = d.client.sync_status().unwrap();
    assert!(cursor.has_cursor);
    let before = d
        .client
        .situations(&SituationFilter::default())
        .unwrap()
        .len();
    let situation = json!({"server_seq": 1, "entity": "situation", "entity_id": Uuid::now_v7(), "operation": "insert",
        "payload": serde_json::to_value(&d.client.situations(&SituationFilter::default()).unwrap()[0]).unwrap()});
    let mut new_situation = situation.clone();
    let new_id = Uuid::now_v7();
    new_situation["payload"]["id"] = json!(new_id);
    let other = Uuid::now_v7();

    let responder = Responder::start(200, "{not json");
    let cases: Vec<(&str, u16, String)> = vec![
        ("invalid JSON", 200, "{\"changes\": [".to_owned()),
        (
            "wrong types",
            200,
            json!({"changes": "none", "next_cursor": 5, "has_more": "no"}).to_string(),
        ),
        (
            "payload of the wrong type",
            200,
            page(
                json!([{"server_seq": 1, "entity": "situation", "entity_id": "x",
            "operation": "insert", "payload": {"id": 42}}]),
                "e:1",
            ),
        ),
        (
            "cursor going backwards",
            200,
            page(
                json!([new_situation]),
                "00000000-0000-0000-0000-000000000000:0",
            ),
        ),
        (
            "another user's profile",
            200,
            page(
                json!([new_situation, {"server_seq": 2, "entity": "profile",
            "entity_id": other, "operation": "update", "payload": {"user_id": other, "username": null,
            "display_name": "Mallory", "korean_name": null, "profile_image_url": null, "intro": null, "city": null,
            "district": null, "language_level": "beginner", "target_fluency_level": null, "learning_goals": [],
            "preferences": {}, "preferred_session_minutes": 30, "time_zone": "UTC", "updated_at": "2026-01-01T00:00:00Z"}}]),
                "e:1",
            ),
        ),
        (
            "a message in a room the user is not in",
            200,
            page(
                json!([new_situation, {"server_seq": 3,
            "entity": "chat_message", "entity_id": other, "operation": "insert", "payload": {"id": other,
            "room_id": Uuid::now_v7(), "sender_id": other, "message_type": "TEXT", "content": "hi", "file_url": null,
            "file_metadata": null, "reply_to_id": null, "is_edited": false, "edited_at": null, "is_deleted": false,
            "deleted_at": null, "send_state": "sent", "sort_key": 9, "created_at": "2026-01-01T00:00:00Z"}}]),
                "e:1",
            ),
        ),
        (
            "a bad request answer",
            400,
            json!({"code": "unsupported_protocol", "message": "no"}).to_string(),
        ),
    ];
    for (what, status, body) in cases {
        // The backwards case needs the device's real cursor epoch.
        let body = if what == "cursor going backwards" {
            body.replace("00000000-0000-0000-0000-000000000000:0", &backwards(&d))
        } else {
            body
        };
        responder.set(status, &body);
        let before_status = d.client.sync_status().unwrap();
        let err = d.sync(&responder.base).expect_err(what);
        assert!(matches!(err, Error::Protocol(_)), "{what}: {err}");
        assert_eq!(
            d.client.sync_status().unwrap(),
            before_status,
            "{what}: cursor unchanged"
        );
        assert_eq!(
            d.client
                .situations(&SituationFilter::default())
                .unwrap()
                .len(),
            before,
            "{what}: nothing applied"
        );
        assert!(
            d.client.situation(new_id).is_err(),
            "{what}: the page's first row was not applied"
        );
    }
    // The real server still works afterwards.
    d.sync(&server.base).unwrap();
}

/// A cursor one position behind the device's, in the reference server's `<epoch>:<position>`
/// form (read straight from the database file: there is no public API for the cursor).
fn backwards(d: &Device) -> String {
    let conn = rusqlite::Connection::open(&d.path).unwrap();
    let cursor: String = conn
        .query_row(
            "SELECT value FROM sync_state WHERE key = 'pull_cursor'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let (epoch, pos) = cursor.rsplit_once(':').unwrap();
    format!("{epoch}:{}", pos.parse::<u64>().unwrap().saturating_sub(1))
}

#[test]
fn an_unexpected_answer_is_described_by_status_type_and_excerpt() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let d = Device::open(dir.path(), "d", None, None, &server.base, "ola");
    d.sync(&server.base).unwrap();
    let responder = Responder::start(200, "{}");
    let portal = format!(
        "<html>\n<body>Sign in to the café Wi-Fi\u{7}</body>{}</html>",
        "x".repeat(10_000)
    );
    responder.set_raw(
        200,
        &[("Content-Type", "text/html; charset=utf-8")],
        portal.as_bytes(),
    );
    let err = d.sync(&responder.base).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Protocol(_)), "{text}");
    for part in [
        "the pull answer is malformed",
        "HTTP 200 OK",
        "text/html; charset=utf-8",
        "<html>\\n<body>Sign in to the café Wi-Fi\\u{7}",
    ] {
        assert!(text.contains(part), "{part:?} in {text}");
    }
    assert!(text.len() < 500, "the excerpt is bounded: {text}");

    // A gateway's HTML error page is retried, then named in the network error.
    responder.set_raw(
        502,
        &[("Content-Type", "text/html")],
        b"<h1>502 Bad Gateway</h1>",
    );
    let err = d.sync(&responder.base).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Network(_)), "{text}");
    assert!(
        text.contains("HTTP 502 Bad Gateway, text/html")
            && text.contains("<h1>502 Bad Gateway</h1>"),
        "{text}"
    );
}

#[test]
fn a_gzip_answer_is_understood_and_asked_for() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let d = Device::open(dir.path(), "d", None, None, &server.base, "pia");
    d.sync(&server.base).unwrap();
    let cursor = current_cursor(&d);
    let new_id = Uuid::now_v7();
    let mut situation =
        serde_json::to_value(&d.client.situations(&SituationFilter::default()).unwrap()[0])
            .unwrap();
    situation["id"] = json!(new_id);
    let body = page(
        json!([{"server_seq": 1, "entity": "situation", "entity_id": new_id,
            "operation": "insert", "payload": situation}]),
        &cursor,
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(body.as_bytes()).unwrap();
    let compressed = gz.finish().unwrap();
    let responder = Responder::start(200, "{}");
    responder.set_raw(
        200,
        &[
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
        ],
        &compressed,
    );
    let report = d.sync(&responder.base).unwrap();
    assert_eq!(report.pulled, 1);
    assert!(d.client.situation(new_id).is_ok(), "the page was applied");
    assert!(
        responder
            .last_request()
            .to_ascii_lowercase()
            .contains("accept-encoding: gzip"),
        "{}",
        responder.last_request()
    );
}

/// The device's pull cursor, read straight from the database file.
fn current_cursor(d: &Device) -> String {
    let conn = rusqlite::Connection::open(&d.path).unwrap();
    conn.query_row(
        "SELECT value FROM sync_state WHERE key = 'pull_cursor'",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

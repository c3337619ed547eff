//! Privacy scenarios (docs/privacy.md): the account export, the deletion of an account with
//! the anonymisation of its messages, and the compaction of superseded history. Each runs on
//! SQLite and on PostgreSQL.

use std::process::{Command, Stdio};

use serde_json::{Value, json};
use studymate_core::changelog::{Entity, Operation};

use super::scenarios::Scenario;
use super::{Device, Server, Session, send, server_log, signed_up, statuses};

/// Every privacy scenario, by name.
pub const ALL: &[(&str, Scenario)] = &[
    (
        "export_holds_everything_about_the_user",
        export_holds_everything_about_the_user,
    ),
    (
        "deleting_an_account_erases_it_and_anonymises_its_messages",
        deleting_an_account_erases_it_and_anonymises_its_messages,
    ),
    (
        "superseded_history_is_compacted_after_the_retention_period",
        superseded_history_is_compacted_after_the_retention_period,
    ),
];

fn export(server: &Server, session: &Session) -> (u16, Value) {
    send(
        server
            .request(reqwest::Method::GET, "/v1/account/export")
            .bearer_auth(&session.access),
    )
}

fn delete(server: &Server, session: &Session, password: &str) -> (u16, Value) {
    send(
        server
            .request(reqwest::Method::DELETE, "/v1/account")
            .bearer_auth(&session.access)
            .json(&json!({ "password": password })),
    )
}

/// Runs the operator command `compact-history` with the given retention.
fn compact_history(server: &Server, retention_seconds: u64) {
    let status = Command::new(env!("CARGO_BIN_EXE_studymate-server"))
        .args(["--database", &server.database, "--catalog"])
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/catalog.json"))
        .arg("--history-retention-seconds")
        .arg(retention_seconds.to_string())
        .arg("compact-history")
        .stdout(Stdio::null())
        .stderr(server_log())
        .status()
        .expect("server binary runs");
    assert!(status.success(), "compact-history failed");
}

/// Ann and Bob share a room with a message each; Ann has a session, an interest and points.
fn two_users_chatting(server: &Server) -> (Session, Session, Device, uuid::Uuid) {
    let ann = server.signup("ann");
    let bob = server.signup("bob");
    let mut phone = Device::new();
    let (room, create) = phone.room("DIRECT", &[ann.user, bob.user]);
    let (_, hello) = phone.message(room, ann.user, "ann's own words");
    let interest = phone.interest("coffee");
    let (_, session) = phone.session(Some(super::CAFE_IDEAL), 90);
    let rename = phone.change(
        Entity::Profile,
        ann.user,
        Operation::Update,
        json!({"display_name": "Ann Lee", "intro": "I live in Daegu"}),
    );
    let results = server.push(&ann, phone.id, &[create, hello, interest, session, rename]);
    assert!(
        statuses(&results).iter().all(|s| s == "applied"),
        "{results:?}"
    );
    let mut tablet = Device::new();
    let (_, reply) = tablet.message(room, bob.user, "bob's reply");
    let bobs_interest = tablet.interest("hiking");
    let results = server.push(&bob, tablet.id, &[reply, bobs_interest]);
    assert!(statuses(&results).iter().all(|s| s == "applied"));
    (ann, bob, phone, room)
}

fn kinds(export: &Value, kind: &str) -> Vec<Value> {
    export["records"][kind]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

pub fn export_holds_everything_about_the_user(db: &str) {
    let server = Server::start(db, &[]);
    let (ann, _bob, phone, room) = two_users_chatting(&server);
    let (status, body) = export(&server, &ann);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["format"], "studymate.account-export");
    assert_eq!(body["version"], 1);
    assert_eq!(body["source"], "server");
    assert_eq!(body["user_id"], ann.user.to_string());
    assert_eq!(body["account"]["username"], "ann");
    assert_eq!(body["devices"], json!([phone.id]));
    let profile = kinds(&body, "profile");
    assert_eq!(profile.len(), 1);
    assert_eq!(profile[0]["display_name"], "Ann Lee");
    assert_eq!(
        kinds(&body, "user_interest"),
        [json!({"interest_tag": "coffee"})]
    );
    let sessions = kinds(&body, "practice_session");
    assert_eq!(sessions.len(), 1);
    assert!(sessions[0]["turns"].to_string().contains(super::CAFE_IDEAL));
    assert!(
        !kinds(&body, "point_transaction").is_empty(),
        "the session's awards"
    );
    assert_eq!(kinds(&body, "chat_room").len(), 1);
    assert_eq!(kinds(&body, "chat_room")[0]["id"], room.to_string());
    let messages: Vec<String> = kinds(&body, "chat_message")
        .iter()
        .map(|m| m["content"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(messages, ["ann's own words", "bob's reply"]);
    // Bob's private records are not Ann's data.
    assert!(!body.to_string().contains("hiking"));
    // The export reads as the library's type.
    let typed: studymate_core::privacy::AccountExport =
        serde_json::from_value(body).expect("the documented format");
    assert_eq!(typed.user_id, ann.user);

    let (status, body) = send(server.request(reqwest::Method::GET, "/v1/account/export"));
    assert_eq!(status, 401, "an export needs a token: {body}");
}

pub fn deleting_an_account_erases_it_and_anonymises_its_messages(db: &str) {
    let server = Server::start(db, &[]);
    let (ann, bob, _phone, room) = two_users_chatting(&server);
    let (_, bob_cursor) = server.pull_all(&bob, None);

    // A wrong password, or none, changes nothing.
    let (status, body) = delete(&server, &ann, "not her password");
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("invalid_credentials"))
    );
    let (status, body) = send(
        server
            .request(reqwest::Method::DELETE, "/v1/account")
            .bearer_auth(&ann.access),
    );
    assert!(status == 400 || status == 415, "no body: {status} {body}");
    assert_eq!(export(&server, &ann).0, 200);

    let (status, body) = delete(&server, &ann, "correct horse");
    assert_eq!(status, 204, "{body}");

    // Every token of hers is revoked, and says why.
    let (status, body) = server.pull_page(&ann, None, 100);
    assert_eq!(
        (status, body["code"].as_str()),
        (410, Some("account_deleted"))
    );
    let (status, body) = server.post(
        "/v1/auth/refresh",
        None,
        &json!({"refresh_token": ann.refresh}),
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (410, Some("account_deleted"))
    );
    assert_eq!(export(&server, &ann).0, 410);
    assert_eq!(delete(&server, &ann, "correct horse").0, 410);
    let (status, _) = server.post(
        "/v1/auth/login",
        None,
        &json!({"username": "ann", "password": "correct horse"}),
    );
    assert_eq!(status, 401, "she cannot sign in");
    // Her handle is free again.
    let again = server.signup("ann");
    assert_ne!(again.user, ann.user);

    // Bob is told: her public profile is anonymised, the room and both messages stay.
    let (changes, _) = server.pull_all(&bob, Some(&bob_cursor));
    let public = changes
        .iter()
        .rev()
        .find(|c| c["entity"] == "public_profile" && c["entity_id"] == ann.user.to_string())
        .expect("the anonymised profile reaches bob");
    assert_eq!(public["payload"]["display_name"], "Deleted user");
    assert!(public["payload"]["intro"].is_null());
    let (everything, _) = server.pull_all(&bob, None);
    let text = serde_json::to_string(&everything).unwrap();
    assert!(
        !text.contains("Ann Lee") && !text.contains("I live in Daegu"),
        "{text}"
    );
    let messages: Vec<&Value> = everything
        .iter()
        .filter(|c| c["entity"] == "chat_message" && c["payload"]["room_id"] == room.to_string())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m["payload"]["content"] == "ann's own words")
    );
    assert!(
        messages
            .iter()
            .any(|m| m["payload"]["content"] == "bob's reply")
    );
    // Bob's own data is untouched.
    let (status, bobs) = export(&server, &bob);
    assert_eq!(status, 200);
    assert_eq!(
        kinds(&bobs, "user_interest"),
        [json!({"interest_tag": "hiking"})]
    );
}

pub fn superseded_history_is_compacted_after_the_retention_period(db: &str) {
    let (server, [ann, bob]) = signed_up(db, ["ann", "bob"]);
    let mut phone = Device::new();
    let (room, create) = phone.room("DIRECT", &[ann.user, bob.user]);
    let (message, hello) = phone.message(room, ann.user, "first draft");
    assert!(
        statuses(&server.push(&ann, phone.id, &[create, hello]))
            .iter()
            .all(|s| s == "applied")
    );
    let (_, bob_cursor) = server.pull_all(&bob, None);
    let mut edits = Vec::new();
    for n in 1..=5 {
        edits.push(phone.change(
            Entity::Profile,
            ann.user,
            Operation::Update,
            json!({"intro": format!("intro number {n}")}),
        ));
        edits.push(phone.change(
            Entity::ChatMessage,
            message,
            Operation::Update,
            json!({"room_id": room, "content": format!("edit number {n}"),
                "edited_at": chrono::Utc::now()}),
        ));
    }
    assert!(
        statuses(&server.push(&ann, phone.id, &edits))
            .iter()
            .all(|s| s == "applied")
    );
    let (before, _) = server.pull_all(&bob, None);

    // Within the retention period nothing goes.
    compact_history(&server, 3600);
    let (kept, _) = server.pull_all(&bob, None);
    assert_eq!(kept.len(), before.len());

    // Past it, only the newest change of each record stays in a feed.
    compact_history(&server, 0);
    let (after, _) = server.pull_all(&bob, None);
    assert!(
        after.len() < before.len(),
        "{} -> {}",
        before.len(),
        after.len()
    );
    let latest = |changes: &[Value], entity: &str, id: String| -> Value {
        changes
            .iter()
            .rev()
            .find(|c| c["entity"] == entity && c["entity_id"] == id)
            .map(|c| c["payload"].clone())
            .expect("a change of the record")
    };
    for (entity, id) in [
        ("public_profile", ann.user.to_string()),
        ("chat_message", message.to_string()),
        ("chat_room", room.to_string()),
    ] {
        assert_eq!(
            latest(&after, entity, id.clone()),
            latest(&before, entity, id),
            "{entity} ends in the same state"
        );
    }
    let message_changes = after
        .iter()
        .filter(|c| c["entity"] == "chat_message")
        .count();
    assert_eq!(message_changes, 1, "superseded message versions are gone");
    // A device holding a cursor from before the compaction carries on, without a reset.
    let (status, page) = server.pull_page(&bob, Some(&bob_cursor), 500);
    assert_eq!(status, 200, "{page}");
    let resumed = page["changes"].as_array().unwrap();
    assert_eq!(
        latest(resumed, "chat_message", message.to_string())["content"],
        "edit number 5"
    );
    // Ann's own feed keeps her newest profile.
    let (own, _) = server.pull_all(&ann, None);
    assert_eq!(
        latest(&own, "profile", ann.user.to_string())["intro"],
        "intro number 5"
    );
}

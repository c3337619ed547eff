//! The protocol's behaviour, written once and run against each store (`sqlite.rs`, `postgres.rs`).
//! Each scenario takes a fresh database (a file path or a `postgres://` URL).

use std::time::Duration;

use serde_json::{Value, json};
use studymate_core::changelog::{Entity, Operation};
use uuid::Uuid;

use super::{
    Device, Server, Session, announce_body, authority, entities, send, signed_up, statuses,
};

/// A scenario: runs against the database it is given.
pub type Scenario = fn(&str);

/// Every scenario, by name, for the stores' test drivers.
pub const ALL: &[(&str, Scenario)] = &[
    (
        "auth_signup_login_refresh_expiry",
        auth_signup_login_refresh_expiry,
    ),
    (
        "push_applied_duplicate_rejected",
        push_applied_duplicate_rejected,
    ),
    (
        "spends_from_two_devices_cannot_overdraw",
        spends_from_two_devices_cannot_overdraw,
    ),
    ("pull_pages_with_cursor", pull_pages_with_cursor),
    ("pull_is_scoped_to_the_user", pull_is_scoped_to_the_user),
    (
        "the_last_page_carries_the_users_counts",
        the_last_page_carries_the_users_counts,
    ),
    ("history_reset_answers_410", history_reset_answers_410),
    (
        "bad_requests_get_4xx_and_change_nothing",
        bad_requests_get_4xx_and_change_nothing,
    ),
    (
        "sigterm_finishes_in_flight_requests",
        sigterm_finishes_in_flight_requests,
    ),
    (
        "sigterm_stops_a_server_started_with_it_blocked",
        sigterm_stops_a_server_started_with_it_blocked,
    ),
    (
        "forged_sessions_are_scored_again",
        authority::forged_sessions_are_scored_again,
    ),
    (
        "points_come_only_from_the_rules",
        authority::points_come_only_from_the_rules,
    ),
    (
        "achievements_only_when_earned",
        authority::achievements_only_when_earned,
    ),
    (
        "one_award_from_two_devices_is_one_grant",
        authority::one_award_from_two_devices_is_one_grant,
    ),
];

/// Signup, login, wrong password, refresh rotation, and an expired access token.
pub fn auth_signup_login_refresh_expiry(db: &str) {
    let server = Server::start(db, &["--token-ttl-seconds", "3"]);
    let device_made = Uuid::now_v7();
    let (status, body) = server.post(
        "/v1/auth/signup",
        None,
        &json!({"username": "ann", "password": "correct horse", "display_name": "Ann", "user_id": device_made}),
    );
    assert_eq!(status, 201, "{body}");
    let signed_up = std::time::Instant::now();
    let ann = Session::from_body(&body);
    assert_eq!(ann.user, device_made, "the device-made id is kept");
    assert_eq!(body["expires_in_seconds"], json!(3));
    assert_eq!(
        server.pull_page(&ann, None, 10).0,
        200,
        "a fresh token works"
    );

    let again = server.post(
        "/v1/auth/signup",
        None,
        &json!({"username": "ann", "password": "another one", "display_name": "A"}),
    );
    assert_eq!(
        (again.0, again.1["code"].clone()),
        (409, json!("username_taken"))
    );
    let short = server.post(
        "/v1/auth/signup",
        None,
        &json!({"username": "bo", "password": "short", "display_name": "B"}),
    );
    assert_eq!(
        (short.0, short.1["code"].clone()),
        (400, json!("invalid_request"))
    );

    let wrong = server.post(
        "/v1/auth/login",
        None,
        &json!({"username": "ann", "password": "wrong horse"}),
    );
    assert_eq!(
        (wrong.0, wrong.1["code"].clone()),
        (401, json!("invalid_credentials"))
    );
    assert_eq!(server.login("ann").user, ann.user);

    let anonymous = send(server.request(reqwest::Method::GET, "/v1/sync/pull"));
    assert_eq!(
        (anonymous.0, anonymous.1["code"].clone()),
        (401, json!("unauthorized"))
    );

    std::thread::sleep(Duration::from_millis(3500).saturating_sub(signed_up.elapsed()));
    let (status, body) = server.pull_page(&ann, None, 10);
    assert_eq!(
        (status, body["code"].clone()),
        (401, json!("token_expired"))
    );

    let (status, body) = server.post(
        "/v1/auth/refresh",
        None,
        &json!({"refresh_token": ann.refresh}),
    );
    assert_eq!(status, 200, "{body}");
    let renewed = Session::from_body(&body);
    assert_ne!(renewed.refresh, ann.refresh, "refresh tokens rotate");
    assert_eq!(server.pull_page(&renewed, None, 10).0, 200);
    let reused = server.post(
        "/v1/auth/refresh",
        None,
        &json!({"refresh_token": ann.refresh}),
    );
    assert_eq!(
        (reused.0, reused.1["code"].clone()),
        (401, json!("unauthorized")),
        "a refresh token works once"
    );
}

/// Applied, duplicate (same id twice, whole batch replayed) and each kind of rejection, with the
/// entries behind a rejection still applied.
pub fn push_applied_duplicate_rejected(db: &str) {
    let (server, [ann, bob, cid]) = signed_up(db, ["ann", "bob", "cid"]);
    let mut phone = Device::new();

    let (room, create) = phone.room("DIRECT", &[ann.user, bob.user]);
    let (_, hello) = phone.message(room, ann.user, "hello bob");
    let coffee = phone.interest("coffee");
    let first = vec![create, hello.clone(), coffee];
    let results = server.push(&ann, phone.id, &first);
    assert_eq!(statuses(&results), ["applied", "applied", "applied"]);
    let hello_seq = results[1]["server_seq"]
        .as_i64()
        .expect("a sent message gets its server order");

    let replay = server.push(&ann, phone.id, &first);
    assert_eq!(statuses(&replay), ["duplicate", "duplicate", "duplicate"]);
    assert_eq!(replay[1]["server_seq"].as_i64(), Some(hello_seq));
    assert_eq!(
        statuses(&server.push(&ann, phone.id, &[hello])),
        ["duplicate"]
    );

    let (_, cid_room) = server.direct_room(&cid, &bob);

    let (_, spoofed) = phone.message(room, bob.user, "I am bob");
    let (_, intruding) = phone.message(cid_room, ann.user, "let me in");
    let (_, no_answer) = phone.session(None, 100);
    let overdraft = phone.freeze();
    let not_earned = phone.points("earned", 10, Some(("daily_practice", "2026-11-23")));
    let (_, fine_session) = phone.session(Some("An iced americano, please."), 87);
    let (_, after) = phone.message(room, ann.user, "still here");
    let mut reused_seq = phone.points("spent", -1, None);
    reused_seq["seq"] = json!(1);
    let batch = [
        spoofed,
        intruding,
        no_answer,
        overdraft,
        not_earned,
        fine_session,
        after,
        reused_seq,
    ];
    let results = server.push(&ann, phone.id, &batch);
    assert_eq!(
        statuses(&results),
        [
            "rejected:sender_mismatch",
            "rejected:not_a_member",
            "rejected:invalid_payload",
            "rejected:insufficient_points",
            "rejected:not_earned",
            "applied",
            "applied",
            "rejected:sequence_conflict",
        ]
    );
    assert!(
        results
            .iter()
            .all(|r| r["status"] != json!("rejected") || r["reason"].is_string())
    );
    assert_eq!(
        statuses(&server.push(&ann, phone.id, &batch[..1])),
        ["rejected:sender_mismatch"],
        "decisions are final"
    );

    let (bobs, _) = server.pull_all(&bob, None);
    let texts: Vec<&str> = bobs
        .iter()
        .filter(|c| c["entity"] == json!("chat_message"))
        .filter_map(|c| c["payload"]["content"].as_str())
        .collect();
    assert_eq!(
        texts,
        ["hello bob", "still here"],
        "only applied messages reach the room"
    );
    let hello = bobs
        .iter()
        .find(|c| c["payload"]["content"] == json!("hello bob"))
        .expect("hello");
    assert_eq!(hello["payload"]["sort_key"].as_i64(), Some(hello_seq));
    assert_eq!(hello["payload"]["send_state"], json!("sent"));
    assert_eq!(hello["payload"]["sender_id"], json!(ann.user));

    // Within one batch too: an entry sent twice is applied once and answered from its first
    // decision, and a sequence taken by an earlier entry of the batch is a conflict.
    let (_, twice) = phone.message(room, ann.user, "said twice");
    let mut same_seq = phone.interest("tea");
    same_seq["seq"] = twice["seq"].clone();
    let results = server.push(&ann, phone.id, &[twice.clone(), twice, same_seq]);
    assert_eq!(
        statuses(&results),
        ["applied", "duplicate", "rejected:sequence_conflict"]
    );
    assert_eq!(results[0]["server_seq"], results[1]["server_seq"]);
    let (bobs, _) = server.pull_all(&bob, None);
    let said = bobs
        .iter()
        .filter(|c| c["payload"]["content"] == json!("said twice"))
        .count();
    assert_eq!(said, 1, "a change sent twice in a batch is applied once");
}

/// Two devices spend the same points offline: the second spend is refused.
pub fn spends_from_two_devices_cannot_overdraw(db: &str) {
    let (server, [ann]) = signed_up(db, ["ann"]);
    server.adjust_points(ann.user, 150);
    let (mut phone, mut tablet) = (Device::new(), Device::new());
    let phone_spend = phone.freeze();
    let tablet_spend = tablet.freeze();
    assert_eq!(
        statuses(&server.push(&ann, phone.id, &[phone_spend])),
        ["applied"]
    );
    assert_eq!(
        statuses(&server.push(&ann, tablet.id, &[tablet_spend])),
        ["rejected:insufficient_points"]
    );
}

/// Pages follow the cursor without gaps or repeats; `has_more` turns false on the last page.
pub fn pull_pages_with_cursor(db: &str) {
    let (server, [ann]) = signed_up(db, ["ann"]);
    let (everything, _) = server.pull_all(&ann, None);
    assert_eq!(
        everything.len(),
        11,
        "profile + 4 situations + 4 variations + 2 achievements"
    );
    let mut cursor: Option<String> = None;
    let mut paged = Vec::new();
    let mut pages = Vec::new();
    loop {
        let (status, body) = server.pull_page(&ann, cursor.as_deref(), 4);
        assert_eq!(status, 200, "{body}");
        let changes = body["changes"].as_array().expect("changes").clone();
        pages.push((changes.len(), body["has_more"].clone()));
        paged.extend(changes);
        cursor = body["next_cursor"].as_str().map(str::to_owned);
        if body["has_more"] == json!(false) {
            break;
        }
    }
    assert_eq!(
        pages,
        [(4, json!(true)), (4, json!(true)), (3, json!(false))]
    );
    assert_eq!(entities(&paged), entities(&everything));
    let (status, body) = server.pull_page(&ann, cursor.as_deref(), 4);
    assert_eq!(status, 200);
    assert_eq!(body["changes"], json!([]));
    assert_eq!(
        body["next_cursor"].as_str(),
        cursor.as_deref(),
        "an empty page keeps the cursor"
    );

    let mut phone = Device::new();
    let coffee = phone.interest("coffee");
    server.push(&ann, phone.id, &[coffee]);
    let (later, _) = server.pull_all(&ann, cursor.as_deref());
    assert_eq!(later.len(), 1);
    assert_eq!(later[0]["entity"], json!("user_interest"));
    let situations = everything
        .iter()
        .position(|c| c["entity"] == json!("situation"));
    let variations = everything
        .iter()
        .position(|c| c["entity"] == json!("variation"));
    assert!(
        situations < variations,
        "a situation arrives before its variations"
    );
}

/// Users see their own records, the catalog, their rooms, those rooms' messages and members'
/// public profiles, and nothing else; joining a room brings its history.
pub fn pull_is_scoped_to_the_user(db: &str) {
    let (server, [ann, bob, cid]) = signed_up(db, ["ann", "bob", "cid"]);
    let mut phone = Device::new();
    let (direct, create) = phone.room("DIRECT", &[ann.user, bob.user]);
    let (_, secret) = phone.message(direct, ann.user, "just between us");
    let (group, create_group) = phone.room("GROUP", &[ann.user, bob.user]);
    let (_, early) = phone.message(group, ann.user, "before cid joined");
    server.adjust_points(ann.user, 100);
    let earn = phone.freeze();
    let patch = phone.change(
        Entity::Profile,
        ann.user,
        Operation::Update,
        json!({"intro": "hi", "preferences": {"private": true}}),
    );
    let results = server.push(
        &ann,
        phone.id,
        &[create, secret, create_group, early, earn, patch],
    );
    assert!(
        statuses(&results).iter().all(|s| s == "applied"),
        "{results:?}"
    );

    let (bobs, _) = server.pull_all(&bob, None);
    let bob_sees = entities(&bobs);
    assert!(bob_sees.contains(&("chat_room".into(), direct.to_string())));
    assert!(bob_sees.contains(&("public_profile".into(), ann.user.to_string())));
    assert!(
        !bob_sees.iter().any(|(e, _)| e == "point_transaction"),
        "ann's points are private"
    );
    assert!(
        !bob_sees.contains(&("profile".into(), ann.user.to_string())),
        "ann's full profile is private"
    );
    let public = bobs.iter().rev().find(|c| {
        c["entity"] == json!("public_profile") && c["entity_id"] == json!(ann.user.to_string())
    });
    let public = public.expect("ann's public profile");
    assert_eq!(
        public["payload"]["intro"],
        json!("hi"),
        "profile changes reach contacts"
    );
    assert!(
        public["payload"].get("preferences").is_none(),
        "preferences are not public"
    );

    let (cids, cursor) = server.pull_all(&cid, None);
    let cid_sees = entities(&cids);
    assert!(
        !cid_sees.iter().any(|(e, _)| e.starts_with("chat")
            || e == "public_profile"
            || e == "point_transaction"),
        "{cid_sees:?}"
    );

    let add = phone.change(
        Entity::ChatParticipant,
        format!("{group}:{}", cid.user),
        Operation::Insert,
        json!({"room_id": group, "user_id": cid.user}),
    );
    assert_eq!(statuses(&server.push(&ann, phone.id, &[add])), ["applied"]);
    let (joined, _) = server.pull_all(&cid, Some(&cursor));
    let texts: Vec<&str> = joined
        .iter()
        .filter_map(|c| c["payload"]["content"].as_str())
        .collect();
    assert_eq!(
        texts,
        ["before cid joined"],
        "the joiner gets the room's history, and only that room's"
    );
    let joined_entities = entities(&joined);
    for user in [ann.user, bob.user] {
        assert!(
            joined_entities.contains(&("public_profile".into(), user.to_string())),
            "profile of {user}"
        );
    }
    let room_at = joined
        .iter()
        .position(|c| c["entity"] == json!("chat_room"))
        .expect("the room");
    let profile_at = joined
        .iter()
        .position(|c| c["entity"] == json!("public_profile"))
        .expect("a profile");
    assert!(
        profile_at < room_at,
        "members' profiles arrive before the room that names them"
    );
    assert!(!joined_entities.contains(&("chat_room".into(), direct.to_string())));

    let (_, sneaky) = Device::new().message(direct, cid.user, "hi?");
    assert_eq!(
        statuses(&server.push(&cid, Uuid::now_v7(), &[sneaky])),
        ["rejected:not_a_member"]
    );
}

/// After a history reset an old cursor is answered 410 `history_reset`; a pull from scratch
/// returns the current state, and accounts and tokens survive.
pub fn history_reset_answers_410(db: &str) {
    let (ann, cursor, before) = {
        let (server, [ann]) = signed_up(db, ["ann"]);
        let mut phone = Device::new();
        let first = phone.change(
            Entity::Profile,
            ann.user,
            Operation::Update,
            json!({"intro": "one"}),
        );
        let second = phone.change(
            Entity::Profile,
            ann.user,
            Operation::Update,
            json!({"intro": "two"}),
        );
        server.push(&ann, phone.id, &[first, second]);
        let (changes, cursor) = server.pull_all(&ann, None);
        (ann, cursor, changes.len())
    };
    let server = Server::start(db, &["--reset-history"]);
    let (status, body) = server.pull_page(&ann, Some(&cursor), 100);
    assert_eq!(
        (status, body["code"].clone()),
        (410, json!("history_reset")),
        "{body}"
    );
    let (fresh, _) = server.pull_all(&ann, None);
    assert!(
        fresh.len() < before,
        "superseded profile versions are compacted away"
    );
    let profiles: Vec<&Value> = fresh
        .iter()
        .filter(|c| c["entity"] == json!("profile"))
        .collect();
    assert_eq!(profiles.len(), 1);
    assert_eq!(profiles[0]["payload"]["intro"], json!("two"));
    assert_eq!(
        fresh
            .iter()
            .filter(|c| c["entity"] == json!("situation"))
            .count(),
        4
    );
}

/// Malformed JSON, an oversized body, wrong protocol versions, bad cursors and limits are
/// refused with a 4xx and a code, and change nothing.
pub fn bad_requests_get_4xx_and_change_nothing(db: &str) {
    let (server, [ann]) = signed_up(db, ["ann"]);
    let (before, _) = server.pull_all(&ann, None);
    let mut phone = Device::new();
    let (_, msg) = phone.message(Uuid::now_v7(), ann.user, "x");
    let push = |req: reqwest::blocking::RequestBuilder| send(req.bearer_auth(&ann.access));
    let post = || server.request(reqwest::Method::POST, "/v1/sync/push");

    let cases = [
        (
            "malformed json",
            push(
                post()
                    .header("content-type", "application/json")
                    .body("{\"protocol_version\": 1,"),
            ),
        ),
        (
            "malformed json, with a charset",
            push(
                post()
                    .header("content-type", "application/json; charset=utf-8")
                    .body("{\"protocol_version\": 1,"),
            ),
        ),
        (
            "a field of the wrong type",
            push(post().json(
                &json!({"protocol_version": 1, "device_id": phone.id, "changes": [{"seq": "one"}]}),
            )),
        ),
        (
            "not json",
            push(post().header("content-type", "text/plain").body("hello")),
        ),
        (
            "oversized",
            announce_body(&server.base, "/v1/sync/push", &ann.access, 5 * 1024 * 1024),
        ),
        (
            "wrong body version",
            push(
                post()
                    .json(&json!({"protocol_version": 2, "device_id": phone.id, "changes": [msg]})),
            ),
        ),
        (
            "wrong header version",
            push(
                reqwest::blocking::Client::new()
                    .post(format!("{}/v1/sync/push", server.base))
                    .header("StudyMate-Protocol", "7")
                    .json(&json!({"protocol_version": 1, "device_id": phone.id, "changes": []})),
            ),
        ),
        (
            "missing fields",
            push(post().json(&json!({"protocol_version": 1}))),
        ),
        (
            "pull without version",
            send(
                reqwest::blocking::Client::new()
                    .get(format!("{}/v1/sync/pull", server.base))
                    .bearer_auth(&ann.access),
            ),
        ),
        (
            "bad cursor",
            server.pull_page(&ann, Some("not-a-cursor"), 10),
        ),
        ("limit too big", server.pull_page(&ann, None, 5001)),
        ("limit zero", server.pull_page(&ann, None, 0)),
        (
            "unknown route",
            send(server.request(reqwest::Method::GET, "/v1/nope")),
        ),
    ];
    let got: Vec<(&str, u16, String)> = cases
        .iter()
        .map(|(name, (status, body))| {
            (
                *name,
                *status,
                body["code"].as_str().unwrap_or("<no code>").to_owned(),
            )
        })
        .collect();
    let expected = [
        ("malformed json", 400, "malformed_request"),
        ("malformed json, with a charset", 400, "malformed_request"),
        ("a field of the wrong type", 400, "malformed_request"),
        ("not json", 415, "unsupported_media_type"),
        ("oversized", 413, "payload_too_large"),
        ("wrong body version", 400, "unsupported_protocol"),
        ("wrong header version", 400, "unsupported_protocol"),
        ("missing fields", 400, "malformed_request"),
        ("pull without version", 400, "unsupported_protocol"),
        ("bad cursor", 400, "invalid_cursor"),
        ("limit too big", 400, "invalid_request"),
        ("limit zero", 400, "invalid_request"),
        ("unknown route", 404, "not_found"),
    ];
    let expected: Vec<(&str, u16, String)> = expected
        .iter()
        .map(|(n, s, c)| (*n, *s, (*c).to_owned()))
        .collect();
    assert_eq!(got, expected);
    assert!(
        cases
            .iter()
            .all(|(_, (_, body))| body["message"].is_string())
    );
    let (_, (_, wrong_type)) = &cases[2];
    let message = wrong_type["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("changes[0].seq"),
        "names the field: {message}"
    );
    let (_, (_, unread)) = &cases[1];
    let message = unread["message"].as_str().unwrap_or_default();
    assert!(message.contains("line 1"), "says where: {message}");
    let (after, _) = server.pull_all(&ann, None);
    assert_eq!(after, before, "refused requests change nothing");
}

/// SIGTERM stops the server after the request in flight has been answered.
pub fn sigterm_finishes_in_flight_requests(db: &str) {
    let (server, [ann]) = signed_up(db, ["ann"]);
    let mut phone = Device::new();
    let batch: Vec<Value> = (0..1000)
        .map(|i| phone.interest(&format!("tag{i}")))
        .collect();
    let url = format!("{}/v1/sync/push", server.base);
    let body = json!({"protocol_version": 1, "device_id": phone.id, "changes": batch});
    let token = ann.access.clone();
    let in_flight = std::thread::spawn(move || {
        send(
            reqwest::blocking::Client::new()
                .post(url)
                .header("StudyMate-Protocol", "1")
                .bearer_auth(token)
                .json(&body),
        )
    });
    std::thread::sleep(Duration::from_millis(100));
    let status = server.terminate();
    assert!(status.success(), "clean exit, got {status}");
    let (code, body) = in_flight.join().expect("request thread");
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["results"].as_array().map(Vec::len), Some(1000));
}

/// A server started with SIGTERM and SIGINT blocked (as Foundation's `Process` starts it on
/// Linux) unblocks them, serves, and shuts down by itself on SIGTERM instead of waiting for the
/// harness's SIGKILL.
pub fn sigterm_stops_a_server_started_with_it_blocked(db: &str) {
    let server = Server::start_with_shutdown_signals_blocked(db);
    let shutdown = (1u64 << (libc::SIGTERM - 1)) | (1u64 << (libc::SIGINT - 1));
    let blocked = server.blocked_signals();
    assert_eq!(
        blocked & shutdown,
        0,
        "still blocked: SigBlk {blocked:016x}"
    );
    server.signup("ann");
    let status = server.terminate();
    assert!(status.success(), "a clean exit on SIGTERM, got {status}");
}

/// The last pull page (and only it) carries the user's counts: ledger entries and their sum,
/// practice sessions, and each room they are in with its messages, tombstones included; they
/// agree with what the feed delivered.
pub fn the_last_page_carries_the_users_counts(db: &str) {
    let (server, [ann, bob]) = signed_up(db, ["ann", "bob"]);
    let mut phone = Device::new();
    let (direct, create) = phone.room("DIRECT", &[ann.user, bob.user]);
    let (gone, first) = phone.message(direct, ann.user, "soon deleted");
    let (_, second) = phone.message(direct, ann.user, "stays");
    let delete = phone.change(
        Entity::ChatMessage,
        gone,
        Operation::Delete,
        json!({"room_id": direct, "deleted_at": chrono::Utc::now()}),
    );
    let (_, session) = phone.session(Some(super::CAFE_IDEAL), 100);
    let results = server.push(&ann, phone.id, &[create, first, second, delete, session]);
    assert!(
        statuses(&results).iter().all(|s| s == "applied"),
        "{results:?}"
    );
    server.adjust_points(ann.user, 100);
    server.adjust_points(ann.user, -30);

    let (status, first_page) = server.pull_page(&ann, None, 1);
    assert_eq!(status, 200, "{first_page}");
    assert_eq!(first_page["has_more"], json!(true));
    assert!(
        first_page.get("checks").is_none(),
        "only the last page: {first_page}"
    );
    let mut cursor = None;
    let mut ledger = std::collections::BTreeMap::new();
    let mut sessions = std::collections::BTreeSet::new();
    let checks = loop {
        let (status, page) = server.pull_page(&ann, cursor.as_deref(), 500);
        assert_eq!(status, 200, "{page}");
        for change in page["changes"].as_array().expect("changes") {
            match change["entity"].as_str() {
                Some("point_transaction") => {
                    ledger.insert(
                        change["entity_id"].to_string(),
                        change["payload"]["points"].as_i64().expect("points"),
                    );
                }
                Some("practice_session") => {
                    sessions.insert(change["entity_id"].to_string());
                }
                _ => {}
            }
        }
        cursor = Some(page["next_cursor"].as_str().expect("cursor").to_owned());
        if page["has_more"] != json!(true) {
            break page["checks"].clone();
        }
    };
    assert!(
        ledger.len() >= 3,
        "the adjustments and the session's awards: {ledger:?}"
    );
    assert_eq!(
        checks,
        json!({
            "ledger": {"count": ledger.len(), "points": ledger.values().sum::<i64>()},
            "practice_sessions": sessions.len(),
            "rooms": [{"room_id": direct, "messages": 2}],
        })
    );

    // A user in no room, with nothing of their own: zeros, on the empty last page too.
    let cid = server.signup("cid");
    let (_, cursor) = server.pull_all(&cid, None);
    let (status, empty) = server.pull_page(&cid, Some(&cursor), 500);
    assert_eq!(status, 200, "{empty}");
    assert_eq!(
        empty["checks"],
        json!({"ledger": {"count": 0, "points": 0}, "practice_sessions": 0, "rooms": []})
    );
}

//! Scenarios of a hostile (or newer) signed-in client, run against each store like
//! `scenarios.rs`: a request that panics leaves nothing behind, oversized or hostile fields are
//! refused with the device's own rules, pull pages are bounded by bytes, a device id belongs to
//! one account, a kind of record or an operation the server does not know refuses only its
//! entry, so does a payload of the wrong shape, and the awards of a refused session are refused
//! naming it.

use serde_json::{Value, json};
use studymate_core::changelog::{Entity, Operation};
use studymate_core::sync::protocol::MAX_PULL_BYTES;
use studymate_server::POISON_ENTITY_ID;
use uuid::Uuid;

use super::scenarios::Scenario;
use super::{Device, Server, Session, send, signed_up, statuses};

/// Every scenario of this file, by name, for the stores' test drivers.
pub const ALL: &[(&str, Scenario)] = &[
    (
        "a_panicking_push_commits_nothing_and_the_server_keeps_serving",
        a_panicking_push_commits_nothing_and_the_server_keeps_serving,
    ),
    (
        "an_overflowing_penalty_leaves_the_server_serving",
        an_overflowing_penalty_leaves_the_server_serving,
    ),
    (
        "oversized_and_hostile_fields_are_refused",
        oversized_and_hostile_fields_are_refused,
    ),
    (
        "pull_pages_are_bounded_by_bytes",
        pull_pages_are_bounded_by_bytes,
    ),
    (
        "a_device_id_belongs_to_the_first_account",
        a_device_id_belongs_to_the_first_account,
    ),
    (
        "profile_usernames_follow_the_signup_rules",
        profile_usernames_follow_the_signup_rules,
    ),
    (
        "unknown_kinds_refuse_only_their_entry",
        unknown_kinds_refuse_only_their_entry,
    ),
    (
        "awards_of_a_refused_session_name_it",
        awards_of_a_refused_session_name_it,
    ),
    (
        "payloads_of_the_wrong_shape_refuse_only_their_entry",
        payloads_of_the_wrong_shape_refuse_only_their_entry,
    ),
];

/// Payloads of the wrong shape, in the kinds decided in runs (messages, interests) and alone
/// (rooms, members, ledger entries): each is one entry refused `invalid_payload` with a reason
/// naming the field at fault (recorded, so answered the same way again), never a refused
/// request, and the entries around them apply. A body sent with a charset parameter in its
/// content type (read by another decoder) is answered the same.
pub fn payloads_of_the_wrong_shape_refuse_only_their_entry(db: &str) {
    let (server, [ann, bob]) = signed_up(db, ["ann", "bob"]);
    let (mut phone, room) = server.direct_room(&ann, &bob);
    let (_, first) = phone.message(room, ann.user, "before");
    let (_, mut numbered_room) = phone.message(room, ann.user, "room as a number");
    numbered_room["payload"]["room_id"] = json!(5);
    let (_, mut not_a_record) = phone.message(room, ann.user, "a string");
    not_a_record["payload"] = json!("just text");
    let mut numbered_tag = phone.interest("chess");
    numbered_tag["payload"]["interest_tag"] = json!(7);
    let tag = phone.interest("hiking");
    let member = phone.change(
        Entity::ChatParticipant,
        "x",
        Operation::Insert,
        json!({"room_id": room, "user_id": "not a uuid"}),
    );
    let (_, mut listless) = phone.room("GROUP", &[ann.user, bob.user]);
    listless["payload"]["participants"] = json!("everyone");
    let mut refund = phone.points("earned", 10, None);
    refund["payload"]["transaction_type"] = json!("refund");
    let (_, last) = phone.message(room, ann.user, "after");
    let batch = [
        first,
        numbered_room,
        not_a_record,
        numbered_tag,
        tag,
        member,
        listless,
        refund,
        last,
    ];
    let invalid = "rejected:invalid_payload";
    let results = server.push(&ann, phone.id, &batch);
    assert_eq!(
        statuses(&results),
        [
            "applied", invalid, invalid, invalid, "applied", invalid, invalid, invalid, "applied"
        ]
    );
    for (index, field) in [
        (1, "room_id"),
        (3, "interest_tag"),
        (5, "user_id"),
        (6, "participants"),
        (7, "transaction_type"),
    ] {
        let reason = results[index]["reason"].as_str().expect("reason");
        assert!(reason.contains(field), "entry {index}: {reason}");
    }
    let again = server.push(&ann, phone.id, &batch);
    assert_eq!(
        statuses(&again),
        [
            "duplicate",
            invalid,
            invalid,
            invalid,
            "duplicate",
            invalid,
            invalid,
            invalid,
            "duplicate"
        ]
    );
    let reasons =
        |results: &[Value]| -> Vec<Value> { results.iter().map(|r| r["reason"].clone()).collect() };
    assert_eq!(reasons(&again), reasons(&results), "the same refusals");
    // A body whose content type has a parameter is read by axum's own extractor: the same answer.
    let (status, body) = send(
        server
            .request(reqwest::Method::POST, "/v1/sync/push")
            .bearer_auth(&ann.access)
            .header("content-type", "application/json; charset=utf-8")
            .body(
                json!({"protocol_version": 1, "device_id": phone.id, "changes": batch}).to_string(),
            ),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"].as_array(), Some(&again));
}

/// A device of a later version pushes a kind of record and an operation this server does not
/// know: each is one entry refused `unsupported_operation` (recorded, so answered the same way
/// again), and the entries around them apply.
pub fn unknown_kinds_refuse_only_their_entry(db: &str) {
    let (server, [ann]) = signed_up(db, ["ann"]);
    let mut phone = Device::new();
    let mut batch = vec![phone.interest("hiking")];
    let mut unknown = phone.interest("chess");
    unknown["entity"] = json!("voice_note");
    batch.push(unknown);
    let mut archive = phone.interest("hiking");
    archive["operation"] = json!("archive");
    batch.push(archive);
    batch.push(phone.interest("chess"));
    let unsupported = "rejected:unsupported_operation";
    assert_eq!(
        statuses(&server.push(&ann, phone.id, &batch)),
        ["applied", unsupported, unsupported, "applied"]
    );
    assert_eq!(
        statuses(&server.push(&ann, phone.id, &batch)),
        ["duplicate", unsupported, unsupported, "duplicate"]
    );
}

/// A device's award for a session the server refused is refused `session_refused`, naming the
/// session and the points; an award for no session stays `not_earned`.
pub fn awards_of_a_refused_session_name_it(db: &str) {
    let (server, [ann]) = signed_up(db, ["ann"]);
    let mut phone = Device::new();
    // A completed session without an answer is refused (invalid_payload).
    let (session, refused) = phone.session(None, 90);
    let day = studymate_core::rewards::local_day(chrono::Utc::now(), "Asia/Seoul")
        .expect("zone")
        .to_string();
    let mut award = phone.points("earned", 10, Some(("daily_practice", &day)));
    award["payload"]["source_reference_id"] = json!(session);
    let unrelated = phone.points("earned", 500, None);
    let results = server.push(&ann, phone.id, &[refused, award, unrelated]);
    assert_eq!(
        statuses(&results),
        [
            "rejected:invalid_payload",
            "rejected:session_refused",
            "rejected:not_earned"
        ]
    );
    let reason = results[1]["reason"].as_str().expect("reason");
    assert!(
        reason.contains(&session.to_string()) && reason.contains("10"),
        "{reason}"
    );
}

/// The fault-injection build panics after writing a batch that carries the poison entry: every
/// such push answers 500 `internal`, nothing of the batch is committed (not even the decisions
/// on its entries), and health, signup, other users' pushes and pulls keep working.
pub fn a_panicking_push_commits_nothing_and_the_server_keeps_serving(db: &str) {
    let (server, [ann, bob]) = signed_up(db, ["ann", "bob"]);
    let (mut phone, room) = server.direct_room(&ann, &bob);
    let (_, undone) = phone.message(room, ann.user, "written, then rolled back");
    let poison = phone.change(
        Entity::ChatMessage,
        POISON_ENTITY_ID,
        Operation::Insert,
        json!({}),
    );
    // More often than the pool keeps idle connections, so a connection left inside the panicked
    // transaction would be the one every later request gets.
    for _ in 0..10 {
        let (status, body) = push_raw(&server, &ann, phone.id, &[undone.clone(), poison.clone()]);
        assert_eq!(
            (status, body["code"].clone()),
            (500, json!("internal")),
            "the fault-injection build panics on the poison entry: {body}"
        );
    }

    assert_serving(&server, "cid");
    let mut bob_phone = Device::new();
    let (_, reply) = bob_phone.message(room, bob.user, "still here");
    assert_eq!(
        statuses(&server.push(&bob, bob_phone.id, &[reply])),
        ["applied"]
    );
    let (bobs, _) = server.pull_all(&bob, None);
    assert_eq!(
        message_texts(&bobs),
        ["still here"],
        "nothing of the panicked batch reached the room"
    );
    assert_eq!(
        statuses(&server.push(&ann, phone.id, &[undone])),
        ["applied"],
        "the panicked batch left no recorded decision: the message applies now, not as a duplicate"
    );
}

/// A penalty of `i64::MIN` points (whose negation overflows) must not take the server down: it is
/// refused or fails alone, and the server keeps serving everyone with nothing of it committed.
pub fn an_overflowing_penalty_leaves_the_server_serving(db: &str) {
    let (server, [ann, bob]) = signed_up(db, ["ann", "bob"]);
    let mut phone = Device::new();
    let penalty = phone.points("penalty", i64::MIN, None);
    let (status, body) = push_raw(&server, &ann, phone.id, &[penalty]);
    match status {
        200 => assert!(
            statuses(body["results"].as_array().expect("results"))[0].starts_with("rejected:"),
            "{body}"
        ),
        500 => assert_eq!(body["code"], json!("internal"), "{body}"),
        other => panic!("unexpected answer {other}: {body}"),
    }

    assert_serving(&server, "cid");
    let mut bob_phone = Device::new();
    let earn = bob_phone.interest("coffee");
    assert_eq!(
        statuses(&server.push(&bob, bob_phone.id, &[earn])),
        ["applied"]
    );
    let (anns, _) = server.pull_all(&ann, None);
    assert!(
        anns.iter()
            .all(|c| c["entity"] != json!("point_transaction")),
        "the penalty was not recorded"
    );
}

/// Every text and JSON field pushed into chat and profile records is held to the device's limits:
/// each oversized or hostile value is refused as `invalid_payload` and reaches no feed, while the
/// same fields within the limits are applied.
pub fn oversized_and_hostile_fields_are_refused(db: &str) {
    let (server, [ann, bob, cid]) = signed_up(db, ["ann", "bob", "cid"]);
    let mut phone = Device::new();
    let (room, create) = phone.room("DIRECT", &[ann.user, bob.user]);
    let (sent, text) = phone.message(room, ann.user, "hello");
    let fine_image = phone.attachment(
        room,
        ann.user,
        "https://cdn.example/cat.png",
        json!({"mime": "image/png", "width": 640, "padding": "x".repeat(4000)}),
    );
    assert_eq!(
        statuses(&server.push(&ann, phone.id, &[create, text, fine_image])),
        ["applied"; 3]
    );

    let huge_metadata = phone.attachment(
        room,
        ann.user,
        "https://cdn.example/cat.png",
        json!({"padding": "x".repeat(3_000_000)}),
    );
    let script_url = phone.attachment(room, ann.user, "javascript:alert(1)", json!({}));
    let (_, named_direct) =
        phone.room_named("DIRECT", &[ann.user, cid.user], Some(&"n".repeat(256)));
    let (_, nul_group) = phone.room_named("GROUP", &[ann.user, cid.user], Some("study\u{0}group"));
    let (_, mut long_description) =
        phone.room_named("GROUP", &[ann.user, cid.user], Some("readers"));
    long_description["payload"]["description"] = json!("d".repeat(2001));
    let long_edit = phone.change(
        Entity::ChatMessage,
        sent,
        Operation::Update,
        json!({"room_id": room, "content": "e".repeat(4001), "edited_at": chrono::Utc::now()}),
    );
    let onboarding = phone.change(
        Entity::Onboarding,
        1,
        Operation::Update,
        json!({"step": 1, "data": {"padding": "o".repeat(9000)}}),
    );
    let preferences = phone.change(
        Entity::Profile,
        ann.user,
        Operation::Update,
        json!({"preferences": {"padding": "p".repeat(9000)}}),
    );
    let intro = phone.change(
        Entity::Profile,
        ann.user,
        Operation::Update,
        json!({"intro": "i".repeat(2001)}),
    );
    let tag = "t".repeat(101);
    let interest = phone.change(
        Entity::UserInterest,
        &tag,
        Operation::Insert,
        json!({"interest_tag": tag}),
    );
    let hostile = [
        huge_metadata,
        script_url,
        named_direct,
        nul_group,
        long_description,
        long_edit,
        onboarding,
        preferences,
        intro,
        interest,
    ];
    assert_eq!(
        statuses(&server.push(&ann, phone.id, &hostile)),
        ["rejected:invalid_payload"; 10]
    );

    for (who, session) in [("ann", &ann), ("bob", &bob), ("cid", &cid)] {
        let (changes, _) = server.pull_all(session, None);
        let largest = changes
            .iter()
            .map(|c| c["payload"].to_string().len())
            .max()
            .unwrap_or(0);
        assert!(
            largest < 100_000,
            "{who} received a payload of {largest} bytes"
        );
        assert!(
            changes
                .iter()
                .all(|c| c["entity"] != json!("chat_room") || c["entity_id"] == json!(room)),
            "{who} received a refused room"
        );
    }
}

/// A feed of large messages is pulled in pages of at most [`MAX_PULL_BYTES`] of payloads even
/// when the page size would allow all of it (or of the smaller `max_bytes` a client asks for),
/// and the pages together hold every message once.
pub fn pull_pages_are_bounded_by_bytes(db: &str) {
    let (server, [ann, bob]) = signed_up(db, ["ann", "bob"]);
    let (mut phone, room) = server.direct_room(&ann, &bob);
    // 4000 three-byte characters: about 12 KB a message, so 360 of them exceed the budget.
    let text = "가".repeat(4000);
    let mut sent = Vec::new();
    for _ in 0..3 {
        let batch: Vec<Value> = (0..120)
            .map(|_| {
                let (id, change) = phone.message(room, ann.user, &text);
                sent.push(id.to_string());
                change
            })
            .collect();
        assert_eq!(
            statuses(&server.push(&ann, phone.id, &batch)),
            vec!["applied"; 120]
        );
    }

    let (status, first) = server.pull_page(&bob, None, 5000);
    assert_eq!(status, 200, "{first}");
    let page = first["changes"].as_array().expect("changes");
    let bytes: usize = page.iter().map(|c| c["payload"].to_string().len()).sum();
    assert!(
        bytes <= MAX_PULL_BYTES,
        "the first page carries {bytes} bytes of payloads"
    );
    assert!(
        bytes > MAX_PULL_BYTES - 13_000,
        "the page is filled up to the budget, got {bytes} bytes"
    );
    assert_eq!(first["has_more"], json!(true), "the rest follows");

    // A client may ask for smaller pages by bytes; asking for nothing is refused.
    let (status, small) = server.pull_page_within(&bob, None, 5000, Some(50_000));
    assert_eq!(status, 200, "{small}");
    let page = small["changes"].as_array().expect("changes");
    let bytes: usize = page.iter().map(|c| c["payload"].to_string().len()).sum();
    assert!(
        (50_000 - 13_000..=50_000).contains(&bytes),
        "a page of 50,000 bytes carries {bytes}"
    );
    let (status, none) = server.pull_page_within(&bob, None, 5000, Some(0));
    assert_eq!(status, 400, "{none}");
    assert_eq!(none["code"], json!("invalid_request"));

    let (everything, _) = server.pull_all(&bob, None);
    let received: Vec<String> = everything
        .iter()
        .filter(|c| c["entity"] == json!("chat_message"))
        .filter_map(|c| c["entity_id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(received, sent, "every message once, in order");
}

/// A device id is owned by the first account that pushes under it: another account's push under
/// it is refused as a whole with 403 `device_id_taken`, so it cannot take the owner's next
/// sequence numbers.
pub fn a_device_id_belongs_to_the_first_account(db: &str) {
    let (server, [ann, mallory]) = signed_up(db, ["ann", "mallory"]);
    let mut phone = Device::new();
    let first = phone.interest("tea");
    assert_eq!(
        statuses(&server.push(&ann, phone.id, &[first])),
        ["applied"]
    );

    let mut forged = Device::new();
    forged.id = phone.id;
    let squat: Vec<Value> = (0..3)
        .map(|i| forged.interest(&format!("squat{i}")))
        .collect();
    let (status, body) = push_raw(&server, &mallory, phone.id, &squat);
    assert_eq!(
        (status, body["code"].clone()),
        (403, json!("device_id_taken")),
        "{body}"
    );

    let second = phone.interest("cocoa");
    assert_eq!(
        statuses(&server.push(&ann, phone.id, &[second])),
        ["applied"],
        "the owner's next change keeps its sequence number"
    );
    let (mallorys, _) = server.pull_all(&mallory, None);
    assert!(
        mallorys
            .iter()
            .all(|c| c["entity"] != json!("user_interest")),
        "the refused push applied nothing"
    );
}

/// A profile patch follows the same username rule as signup (no trailing space, NUL, zero-width
/// or byte-order-mark look-alikes), display names refuse direction overrides, and avatars must be
/// https addresses.
pub fn profile_usernames_follow_the_signup_rules(db: &str) {
    let server = Server::start(db, &[]);
    server.signup("alice_a");
    let bob = server.signup("bob");
    for hostile in [
        "alice_a ",
        "alice_a\u{0}",
        "alice\u{200B}_a",
        "\u{FEFF}alice_a",
    ] {
        let (status, body) = server.post(
            "/v1/auth/signup",
            None,
            &json!({"username": hostile, "password": "correct horse", "display_name": "Eve"}),
        );
        assert_eq!(
            (status, body["code"].clone()),
            (400, json!("invalid_request")),
            "signup as {hostile:?}: {body}"
        );
    }

    let mut phone = Device::new();
    let patches = [
        json!({"username": "alice_a "}),
        json!({"username": "alice_a\u{0}"}),
        json!({"username": "alice\u{200B}_a"}),
        json!({"username": "\u{FEFF}alice_a"}),
        json!({"display_name": "Bob\u{202E}gnp.exe"}),
        json!({"profile_image_url": "javascript:alert(1)"}),
        json!({"profile_image_url": "http://cdn.example/bob.png"}),
        json!({"username": "bob_b", "profile_image_url": "https://cdn.example/bob.png"}),
    ];
    let changes: Vec<Value> = patches
        .into_iter()
        .map(|patch| phone.change(Entity::Profile, bob.user, Operation::Update, patch))
        .collect();
    let mut expected = vec!["rejected:invalid_payload"; 7];
    expected.push("applied");
    assert_eq!(statuses(&server.push(&bob, phone.id, &changes)), expected);

    let (changes, _) = server.pull_all(&bob, None);
    let profile = changes
        .iter()
        .rev()
        .find(|c| c["entity"] == json!("profile") && c["entity_id"] == json!(bob.user))
        .expect("bob's profile");
    assert_eq!(profile["payload"]["username"], json!("bob_b"));
    assert_eq!(profile["payload"]["display_name"], json!("bob"));
    assert_eq!(
        profile["payload"]["profile_image_url"],
        json!("https://cdn.example/bob.png")
    );
}

/// Health answers 200 and a new user can sign up: the server is serving.
fn assert_serving(server: &Server, new_user: &str) {
    let (status, body) = send(server.request(reqwest::Method::GET, "/v1/health"));
    assert_eq!(
        (status, body["status"].clone()),
        (200, json!("ok")),
        "{body}"
    );
    server.signup(new_user);
}

/// Pushes a batch and returns the raw answer, whatever its status.
fn push_raw(server: &Server, session: &Session, device: Uuid, changes: &[Value]) -> (u16, Value) {
    server.post(
        "/v1/sync/push",
        Some(&session.access),
        &json!({"protocol_version": 1, "device_id": device, "changes": changes}),
    )
}

/// The texts of the chat messages among pulled changes.
fn message_texts(changes: &[Value]) -> Vec<&str> {
    changes
        .iter()
        .filter(|c| c["entity"] == json!("chat_message"))
        .filter_map(|c| c["payload"]["content"].as_str())
        .collect()
}

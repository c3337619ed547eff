//! Set-based push: the same entries pushed as one batch to one server and one entry per batch to
//! another give the same results, records and feeds. Run on SQLite and on PostgreSQL.

use crate::common;
use crate::pg;

use chrono::{DateTime, Utc};
use common::{Device, Server, Session, sql};
use serde_json::{Value, json};
use studymate_core::changelog::{Entity, Operation};
use uuid::Uuid;

#[test]
fn one_batch_and_one_entry_per_batch_agree_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = |name: &str| {
        dir.path()
            .join(name)
            .to_str()
            .expect("utf-8 path")
            .to_owned()
    };
    one_batch_and_one_entry_per_batch_agree(&path("batch.db"), &path("single.db"));
}

#[test]
fn one_batch_and_one_entry_per_batch_agree_on_postgres() {
    let Some(mut cluster) = pg::Cluster::start() else {
        return;
    };
    let batch = cluster.new_database();
    let single = cluster.new_database();
    one_batch_and_one_entry_per_batch_agree(&batch, &single);
}

/// The ids every entry is made of, the same on both servers (only the accounts differ).
struct Ids {
    room: Uuid,
    other_room: Uuid,
    stored: Uuid,
    at: DateTime<Utc>,
    messages: Vec<Uuid>,
}

/// The three accounts of one server.
struct People {
    ann: Session,
    bob: Session,
    carol: Session,
}

/// What the entries should come to, in order (as `status` or `status:code`).
const EXPECTED: [&str; 20] = [
    "applied",                    // a message
    "applied",                    // an interest
    "rejected:not_a_member",      // into a room of others
    "rejected:not_a_member",      // into a room that does not exist
    "rejected:sender_mismatch",   // sent as someone else
    "rejected:duplicate_record",  // the first message's id again, new change id
    "rejected:duplicate_record",  // a message stored before the batch
    "applied",                    // a reply to the batch's first message
    "rejected:unknown_reference", // a reply to a message that does not exist
    "rejected:invalid_payload",   // not a message
    "rejected:invalid_payload",   // an entity id that is not the message's id
    "applied",                    // an interest stored before: nothing changes
    "applied",                    // the batch's interest again: nothing changes
    "applied",                    // a profile update, decided alone
    "applied",                    // a message after it
    "rejected:invalid_payload",   // an interest tag with a control character
    "rejected:invalid_payload",   // an interest tag too long for a tag
    "duplicate",                  // the first entry again, same change id
    "applied",                    // a reply to the message stored before
    "rejected:sequence_conflict", // another change under the first entry's seq
];

fn one_batch_and_one_entry_per_batch_agree(batch_db: &str, single_db: &str) {
    let ids = Ids {
        room: Uuid::now_v7(),
        other_room: Uuid::now_v7(),
        stored: Uuid::now_v7(),
        at: Utc::now(),
        messages: (0..10).map(|_| Uuid::now_v7()).collect(),
    };
    let batched = Server::start(batch_db, &[]);
    let single = Server::start(single_db, &[]);
    let (batch_people, batch_entries) = prepare(&batched, &ids);
    let (single_people, single_entries) = prepare(&single, &ids);

    let batch_results = batched.push(&batch_people.ann, Uuid::now_v7(), &batch_entries);
    let device = Uuid::now_v7();
    let single_results: Vec<Value> = single_entries
        .iter()
        .flat_map(|entry| single.push(&single_people.ann, device, std::slice::from_ref(entry)))
        .collect();

    assert_eq!(common::statuses(&batch_results), EXPECTED);
    assert_eq!(common::statuses(&single_results), EXPECTED);
    let outcome = |results: &[Value]| -> Vec<(Value, Value, Value)> {
        results
            .iter()
            .map(|r| {
                (
                    r["status"].clone(),
                    r["code"].clone(),
                    r["server_seq"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(
        outcome(&batch_results),
        outcome(&single_results),
        "the same results, server sequences included"
    );
    assert_eq!(
        batch_results[17]["server_seq"], batch_results[0]["server_seq"],
        "a repeated entry is answered with its first decision's sequence"
    );

    for (name, batch_user, single_user) in [
        ("ann", &batch_people.ann, &single_people.ann),
        ("bob", &batch_people.bob, &single_people.bob),
        ("carol", &batch_people.carol, &single_people.carol),
    ] {
        let batch_feed = feed(&batched, batch_user, &batch_people);
        let single_feed = feed(&single, single_user, &single_people);
        assert_eq!(batch_feed, single_feed, "{name}'s feed");
    }
    let stored = "SELECT last_seq FROM records WHERE kind IN ('chat_message', 'user_interest')
                  ORDER BY last_seq";
    let batch_records = sql::integers(batch_db, stored);
    assert_eq!(
        batch_records.len(),
        7,
        "a message and an interest from before, four messages and an interest from the batch"
    );
    assert_eq!(batch_records, sql::integers(single_db, stored));
}

/// Signs up ann, bob and carol; ann and bob get a direct room with one message in it and ann
/// an interest, carol and bob a room of their own. Returns the accounts and ann's entries.
fn prepare(server: &Server, ids: &Ids) -> (People, Vec<Value>) {
    let people = People {
        ann: server.signup("ann"),
        bob: server.signup("bob"),
        carol: server.signup("carol"),
    };
    let (ann, bob, carol) = (people.ann.user, people.bob.user, people.carol.user);
    let mut setup = Device::new();
    let before = [
        room(&mut setup, ids.room, ann, bob, ids.at),
        message(&mut setup, ids.stored, ids.room, ann, None, ids.at),
        setup.interest("music"),
    ];
    let results = server.push(&people.ann, setup.id, &before);
    assert_eq!(common::statuses(&results), ["applied"; 3]);
    let mut carols = Device::new();
    let others = [room(&mut carols, ids.other_room, carol, bob, ids.at)];
    assert_eq!(
        common::statuses(&server.push(&people.carol, carols.id, &others)),
        ["applied"]
    );

    let m = &ids.messages;
    let mut d = Device::new();
    let first = message(&mut d, m[0], ids.room, ann, None, ids.at);
    let mut same_seq = message(&mut d, m[9], ids.room, ann, None, ids.at);
    same_seq["seq"] = first["seq"].clone();
    let mut wrong_id = message(&mut d, m[5], ids.room, ann, None, ids.at);
    wrong_id["entity_id"] = json!(m[6]);
    let entries = vec![
        first.clone(),
        d.interest("chess"),
        message(&mut d, m[1], ids.other_room, ann, None, ids.at),
        message(&mut d, m[2], Uuid::now_v7(), ann, None, ids.at),
        message(&mut d, m[3], ids.room, bob, None, ids.at),
        message(&mut d, m[0], ids.room, ann, None, ids.at),
        message(&mut d, ids.stored, ids.room, ann, None, ids.at),
        message(&mut d, m[4], ids.room, ann, Some(m[0]), ids.at),
        message(&mut d, m[5], ids.room, ann, Some(Uuid::now_v7()), ids.at),
        d.change(
            Entity::ChatMessage,
            m[5],
            Operation::Insert,
            json!({"id": m[5]}),
        ),
        wrong_id,
        d.interest("music"),
        d.interest("chess"),
        d.change(
            Entity::Profile,
            ann,
            Operation::Update,
            json!({"intro": "hello"}),
        ),
        message(&mut d, m[7], ids.room, ann, None, ids.at),
        d.interest("bad\u{7}tag"),
        d.interest(&"long".repeat(40)),
        first,
        message(&mut d, m[8], ids.room, ann, Some(ids.stored), ids.at),
        same_seq,
    ];
    (people, entries)
}

/// A direct room of `creator` and `other` with the given id.
fn room(d: &mut Device, id: Uuid, creator: Uuid, other: Uuid, at: DateTime<Utc>) -> Value {
    let participants = json!([
        {"user_id": creator, "role": "ADMIN", "last_read_message_id": null},
        {"user_id": other, "role": "MEMBER", "last_read_message_id": null},
    ]);
    let payload = json!({"id": id, "room_type": "DIRECT", "name": null, "description": null,
        "created_by": creator, "created_at": at, "participants": participants});
    d.change(Entity::ChatRoom, id, Operation::Insert, payload)
}

/// A text message with the given id, room, sender and reply target.
fn message(
    d: &mut Device,
    id: Uuid,
    room: Uuid,
    sender: Uuid,
    reply: Option<Uuid>,
    at: DateTime<Utc>,
) -> Value {
    let payload = json!({"id": id, "room_id": room, "sender_id": sender, "message_type": "TEXT",
        "content": format!("message {id}"), "file_url": null, "file_metadata": null,
        "reply_to_id": reply, "is_edited": false, "edited_at": null, "is_deleted": false,
        "deleted_at": null, "send_state": "pending", "sort_key": 0, "created_at": at});
    d.change(Entity::ChatMessage, id, Operation::Insert, payload)
}

/// `user`'s whole feed in order: each change's kind, id and operation, and for messages and
/// interests its payload, with the accounts' ids written as their names (they differ between
/// the two servers) and server sequences kept (they agree).
fn feed(server: &Server, user: &Session, people: &People) -> Vec<String> {
    let (changes, _) = server.pull_all(user, None);
    changes
        .iter()
        .map(|c| {
            let payload = match c["entity"].as_str() {
                Some("chat_message" | "user_interest") => c["payload"].to_string(),
                _ => String::new(),
            };
            let line = format!(
                "{} {} {} {} {payload}",
                c["server_seq"], c["entity"], c["entity_id"], c["operation"]
            );
            line.replace(&people.ann.user.to_string(), "ann")
                .replace(&people.bob.user.to_string(), "bob")
                .replace(&people.carol.user.to_string(), "carol")
        })
        .collect()
}

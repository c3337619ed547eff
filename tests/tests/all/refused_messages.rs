//! A message the server refuses becomes `failed` and is listed with its reason; the user can send
//! it again (a new change, the old refusal cleared) or discard it. The refusal comes from the
//! hand-written responder (`studymate_e2e::responder`), because the real server refuses no message
//! a device lets its user write; everything else runs against the real server.

use serde_json::json;
use studymate_core::Error;
use studymate_core::changelog::Entity;
use studymate_core::chat::{NewMessage, SendState};
use studymate_e2e::responder::Responder;
use studymate_e2e::{Device, Server};
use uuid::Uuid;

/// Sends `text` from `device` and has the responder refuse its push; returns the message id.
fn send_refused(device: &Device, room: Uuid, text: &str, responder: &Responder) -> Uuid {
    let message = device
        .client
        .send_message(room, &NewMessage::text(text))
        .expect("send");
    let change = device
        .client
        .changes(0, 100)
        .expect("changes")
        .into_iter()
        .find(|c| c.entity == Entity::ChatMessage && c.entity_id == message.id.to_string())
        .expect("the message's change is logged");
    responder.set(
        200,
        &json!({"results": [{"change_id": change.change_id, "seq": change.seq, "status": "rejected",
            "code": "not_a_member", "reason": "refused by the test"}]})
        .to_string(),
    );
    // The push is decided; the pull that follows gets the same push-shaped answer and fails.
    let failed = device
        .sync(&responder.base)
        .expect_err("the pull answer is malformed");
    assert!(matches!(failed, Error::Protocol(_)), "{failed}");
    message.id
}

fn state_of(device: &Device, room: Uuid, id: Uuid) -> Option<SendState> {
    device
        .client
        .messages(room, None, 50)
        .expect("messages")
        .messages
        .into_iter()
        .find(|m| m.id == id)
        .map(|m| m.send_state)
}

#[test]
fn a_refused_message_can_be_sent_again_or_discarded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("server.db"));
    let base = &server.base;
    let ana = Device::open(dir.path(), "ana", None, None, base, "ana");
    let bo = Device::open(dir.path(), "bo", None, None, base, "bo");
    bo.sync(base).expect("sync");
    let room = ana.direct_room_with(&bo);
    ana.sync(base).expect("the room reaches the server");
    let responder = Responder::start(200, "{}");

    // Refused, then sent again: it arrives once.
    let again = send_refused(&ana, room, "one more try", &responder);
    assert_eq!(state_of(&ana, room, again), Some(SendState::Failed));
    let refused = ana.client.rejected_changes().expect("rejected");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].code, "not_a_member");
    let retried = ana.client.retry_message(again).expect("retry");
    assert_eq!(retried.send_state, SendState::Pending);
    assert!(ana.client.rejected_changes().expect("rejected").is_empty());
    assert_eq!(ana.client.sync_status().expect("status").outbox, 1);
    ana.sync(base).expect("sync");
    assert_eq!(state_of(&ana, room, again), Some(SendState::Sent));

    // Refused, then discarded: it is gone and never reaches anyone.
    let dropped = send_refused(&ana, room, "never mind", &responder);
    let discarded = ana.client.discard_message(dropped).expect("discard");
    assert_eq!(discarded.room_id, room);
    assert_eq!(state_of(&ana, room, dropped), None);
    assert!(ana.client.rejected_changes().expect("rejected").is_empty());
    assert!(matches!(
        ana.client.discard_message(again),
        Err(Error::Conflict(_))
    ));
    ana.sync(base).expect("sync");
    bo.sync(base).expect("sync");
    let seen = bo
        .client
        .messages(room, None, 50)
        .expect("messages")
        .messages;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].id, again);
    assert_eq!(seen[0].content.as_deref(), Some("one more try"));
}

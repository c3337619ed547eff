//! Deleting an account end to end, through the real server: the user's two devices erase their
//! data on their next sync and wipe their files; the other member of the user's room keeps the
//! conversation, with the messages under the anonymised "Deleted user"; and the export of the
//! server and of the device agree on what they hold.

use studymate_core::Error;
use studymate_core::chat::NewMessage;
use studymate_core::sync::protocol::ServerEntity;
use studymate_e2e::{Device, Server};

/// `DELETE /v1/account` with the session's access token and `password`; returns the status.
fn delete_account(base: &str, device: &Device, password: &str) -> u16 {
    reqwest::blocking::Client::new()
        .delete(format!("{base}/v1/account"))
        .bearer_auth(device.session.tokens().access_token)
        .json(&serde_json::json!({ "password": password }))
        .send()
        .expect("delete request")
        .status()
        .as_u16()
}

#[test]
fn a_deleted_account_is_erased_on_its_devices_and_anonymised_for_others() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("server.db"));
    let base = &server.base;
    let ara = Device::open(dir.path(), "ara-phone", None, None, base, "ara");
    let tablet = ara.another(dir.path(), "ara-tablet", base);
    let ben = Device::open(dir.path(), "ben", None, None, base, "ben");
    ara.client.add_interest("coffee").expect("interest");
    ara.sync(base).expect("sync");
    ben.sync(base).expect("sync");
    let room = ara.direct_room_with(&ben);
    ara.client
        .send_message(room, &NewMessage::text("ara's words"))
        .expect("send");
    ara.sync(base).expect("sync");
    ben.sync(base).expect("sync");
    ben.client
        .send_message(room, &NewMessage::text("ben's answer"))
        .expect("send");
    ben.sync(base).expect("sync");
    ara.sync(base).expect("sync");
    tablet.sync(base).expect("sync");

    // Server and device exports agree on the user's records.
    let server_export: studymate_core::privacy::AccountExport = reqwest::blocking::Client::new()
        .get(format!("{base}/v1/account/export"))
        .bearer_auth(ara.session.tokens().access_token)
        .send()
        .expect("export")
        .json()
        .expect("the documented format");
    let device_export = ara.client.export().expect("device export");
    for kind in [
        ServerEntity::UserInterest,
        ServerEntity::ChatRoom,
        ServerEntity::ChatMessage,
    ] {
        assert_eq!(
            server_export.of(kind).len(),
            device_export.of(kind).len(),
            "{kind:?} in both exports"
        );
    }

    assert_eq!(delete_account(base, &ara, "not the password"), 403);
    assert_eq!(delete_account(base, &ara, "correct horse battery"), 204);

    // Both of Ara's devices learn it on their next sync and erase everything.
    for device in [ara, tablet] {
        assert!(matches!(device.sync(base), Err(Error::AccountDeleted)));
        let left = device.client.export().map(|e| e.records.len()).unwrap_or(0);
        assert_eq!(left, 0, "rows left after the erase");
        let path = device.path.clone();
        device.client.wipe().expect("wipe");
        assert!(!path.exists());
    }

    // Ben keeps the conversation, with Ara anonymised.
    ben.sync(base).expect("ben syncs after the deletion");
    let messages = ben
        .client
        .messages(room, None, 10)
        .expect("messages")
        .messages;
    let texts: Vec<_> = messages.iter().filter_map(|m| m.content.clone()).collect();
    assert!(texts.contains(&"ara's words".to_owned()), "{texts:?}");
    assert!(texts.contains(&"ben's answer".to_owned()), "{texts:?}");
    let sender = messages
        .iter()
        .find(|m| m.content.as_deref() == Some("ara's words"))
        .expect("ara's message")
        .sender_id;
    let shown = ben.client.user_profile(sender).expect("sender profile");
    assert_eq!(shown.display_name, "Deleted user");
    assert_eq!(shown.intro, None);
}

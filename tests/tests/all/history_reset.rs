//! A server whose history is reset (`--reset-history`: compacted, every feed rebuilt under a new
//! epoch) answers old cursors with 410 `history_reset`. A device then pulls again from scratch,
//! keeps and pushes its unsent changes, and drops the server-owned rows the re-pull no longer
//! mentions; afterwards it equals a fresh device of the same user.

use studymate_core::chat::NewMessage;
use studymate_core::sync::protocol::ServerEntity;
use studymate_e2e::{Device, Server, snapshot};

#[test]
fn a_history_reset_repulls_keeps_the_outbox_and_drops_what_the_server_no_longer_has() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("server.db");
    let server = Server::start(&db);
    let phone = Device::open(dir.path(), "phone", None, None, &server.base, "hana");
    let friend = Device::open(dir.path(), "friend", None, None, &server.base, "ian");
    phone.client.add_interest("k-pop").expect("interest");
    phone.client.add_interest("hiking").expect("interest");
    phone.sync(&server.base).expect("first sync");
    friend.sync(&server.base).expect("friend sync");

    // A second device of the same user removes an interest; the phone has not pulled that yet.
    let tablet = phone.another(dir.path(), "tablet", &server.base);
    tablet.sync(&server.base).expect("tablet first sync");
    tablet.client.remove_interest("k-pop").expect("remove");
    tablet
        .sync(&server.base)
        .expect("tablet pushes the removal");

    // The phone writes offline while the server's history is reset.
    let room = phone.direct_room_with(&friend);
    for text in ["before the reset?", "or after it?"] {
        phone
            .client
            .send_message(room, &NewMessage::text(text))
            .expect("send");
    }
    server.kill();
    let server = Server::start_with(&db, &["--reset-history"]);

    let report = phone.sync(&server.base).expect("sync after the reset");
    assert_eq!(report.history_resets, 1, "{report:?}");
    assert_eq!(report.rejected, 0, "{report:?}");
    assert!(
        report.changed.entities.contains(&ServerEntity::ChatMessage)
            && report.changed.rooms.contains(&room),
        "the sent messages are reported changed: {report:?}"
    );
    assert_eq!(
        phone.client.interests().expect("interests"),
        vec!["hiking".to_owned()],
        "the removal the re-pull no longer mentions is applied"
    );
    assert_eq!(phone.client.sync_status().expect("status").outbox, 0);

    // Everyone else follows, and every device of the user equals a fresh one.
    tablet.sync(&server.base).expect("tablet after the reset");
    friend.sync(&server.base).expect("friend after the reset");
    let fresh = phone.another(dir.path(), "fresh", &server.base);
    fresh.sync(&server.base).expect("fresh device");
    let expected = snapshot(&fresh.client);
    assert_eq!(snapshot(&phone.client), expected);
    assert_eq!(snapshot(&tablet.client), expected);
    assert_eq!(
        fresh.client.interests().expect("interests"),
        vec!["hiking".to_owned()]
    );
    let timeline = &expected.rooms.iter().find(|r| r.0 == room).expect("room").1;
    assert_eq!(timeline.len(), 2, "each message once");
    let friends_view = snapshot(&friend.client);
    let friends_timeline = &friends_view
        .rooms
        .iter()
        .find(|r| r.0 == room)
        .expect("room")
        .1;
    assert_eq!(friends_timeline, timeline);
}

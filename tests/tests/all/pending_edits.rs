//! Pending local edits stay visible: an edit the user makes while a sync is pulling is not
//! overwritten by the pulled (older) state of the message, and the next sync sends it.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use studymate_core::chat::NewMessage;
use studymate_core::sync::{SyncConfig, SyncObserver, SyncState};
use studymate_core::{Client, OpenOptions};
use studymate_e2e::{Device, Server, test_retry};
use uuid::Uuid;

/// Plays the app's UI: when the sync starts pulling, edits a message through its own connection
/// to the same database file.
struct EditWhilePulling {
    path: PathBuf,
    user: Uuid,
    message: Uuid,
    edited: AtomicBool,
}

impl SyncObserver for EditWhilePulling {
    fn state_changed(&self, state: SyncState) {
        if state == SyncState::Pulling && !self.edited.swap(true, Ordering::SeqCst) {
            let ui = Client::open(
                &self.path,
                OpenOptions {
                    user_id: Some(self.user),
                    ..OpenOptions::default()
                },
            )
            .expect("the UI opens the same database");
            ui.edit_message(self.message, "see you at six, not five")
                .expect("edit while the sync pulls");
        }
    }
}

#[test]
fn an_edit_made_while_pulling_survives_the_pull_and_is_sent_next_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("server.db"));
    let base = &server.base;
    let ara = Device::open(dir.path(), "ara", None, None, base, "ara");
    let ben = Device::open(dir.path(), "ben", None, None, base, "ben");
    ara.sync(base).expect("sync");
    ben.sync(base).expect("sync");
    let room = ara.direct_room_with(&ben);
    let sent = ara
        .client
        .send_message(room, &NewMessage::text("see you at five"))
        .expect("send");

    // This sync pushes the message, then pulls its echo while the user edits it.
    let observer = Arc::new(EditWhilePulling {
        path: ara.path.clone(),
        user: ara.client.user_id(),
        message: sent.id,
        edited: AtomicBool::new(false),
    });
    let mut config = SyncConfig::new(base.as_str(), ara.session.clone());
    config.retry = test_retry();
    config.observer = observer.clone();
    let report = ara.client.sync(&config).expect("sync");
    assert!(observer.edited.load(Ordering::SeqCst));
    assert!(report.pulled > 0, "{report:?}");
    let shown = ara
        .client
        .messages(room, None, 1)
        .expect("messages")
        .messages;
    assert_eq!(
        shown[0].content.as_deref(),
        Some("see you at six, not five"),
        "the pulled echo did not hide the unsent edit"
    );
    assert_eq!(ara.client.sync_status().expect("status").outbox, 1);

    // The next sync sends the edit; everyone sees it.
    ara.sync(base).expect("sync");
    ben.sync(base).expect("sync");
    for device in [&ara, &ben] {
        let shown = device
            .client
            .messages(room, None, 1)
            .expect("messages")
            .messages;
        assert_eq!(
            shown[0].content.as_deref(),
            Some("see you at six, not five")
        );
        assert!(shown[0].is_edited);
    }
    assert_eq!(ara.client.sync_status().expect("status").outbox, 0);
}

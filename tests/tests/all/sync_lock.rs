//! One sync per database file: a second `Client` on the same file, or another process, is
//! refused with `Error::SyncRunning` while a sync runs, and may sync once it ended (also when the
//! holder was killed: the OS releases the file lock).

use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use studymate_core::sync::{SyncConfig, SyncObserver, SyncState};
use studymate_core::{Client, Error, OpenOptions, Result};
use studymate_e2e::{Device, Server, test_retry};

/// Syncs `other` (a second client of the same file) when the observed sync starts pushing.
struct SyncOtherWhilePushing {
    other: Arc<Client>,
    config: SyncConfig,
    outcome: Mutex<Option<Result<()>>>,
}

impl SyncObserver for SyncOtherWhilePushing {
    fn state_changed(&self, state: SyncState) {
        if state == SyncState::Pushing {
            let out = self.other.sync(&self.config).map(|_| ());
            *self.outcome.lock().unwrap() = Some(out);
        }
    }
}

#[test]
fn two_clients_on_one_file_never_sync_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let d = Device::open(dir.path(), "d", None, None, &server.base, "max");
    d.client.add_interest("music").unwrap();
    let second = Arc::new(
        Client::open(
            &d.path,
            OpenOptions {
                user_id: Some(d.client.user_id()),
                ..OpenOptions::default()
            },
        )
        .unwrap(),
    );
    let mut config = SyncConfig::new(server.base.clone(), d.session.clone());
    config.retry = test_retry();
    let observer = Arc::new(SyncOtherWhilePushing {
        other: second.clone(),
        config: config.clone(),
        outcome: Mutex::new(None),
    });
    let mut first = config.clone();
    first.observer = observer.clone();
    d.client.sync(&first).unwrap();
    let during = observer
        .outcome
        .lock()
        .unwrap()
        .take()
        .expect("the observer ran");
    assert!(
        matches!(during, Err(Error::SyncRunning)),
        "the second client was refused: {during:?}"
    );
    second
        .sync(&config)
        .expect("the second client syncs afterwards");
}

#[test]
fn another_process_holding_the_lock_keeps_syncs_out_until_it_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let d = Device::open(dir.path(), "d", None, None, &server.base, "ned");
    d.client.add_interest("music").unwrap();
    // A "server" that accepts the child's first request and never answers it.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_base = format!("http://{}", silent.local_addr().unwrap());
    let tokens = dir.path().join("tokens.json");
    std::fs::write(&tokens, serde_json::to_string(&d.session.tokens()).unwrap()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sync-child"))
        .arg(&d.path)
        .arg(&silent_base)
        .arg(&tokens)
        .arg(d.client.user_id().to_string())
        .arg("1000")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let (mut request, _) = silent.accept().unwrap();
    let mut first_bytes = [0u8; 16];
    request.read_exact(&mut first_bytes).unwrap();
    // The child is inside its sync, holding the lock.
    let refused = d.sync(&server.base);
    assert!(
        matches!(refused, Err(Error::SyncRunning)),
        "refused while the child syncs: {refused:?}"
    );
    child.kill().unwrap(); // SIGKILL: no cleanup runs in the child
    child.wait().unwrap();
    d.sync(&server.base).expect("the lock died with the child");
    assert_eq!(d.client.sync_status().unwrap().outbox, 0);
}

//! The token lifecycle against the real server, through the fault proxy: a refresh whose answer
//! was lost (the server rotated the pair, the device never saw it) or whose new pair was never
//! stored recovers without signing in again; 503 with `Retry-After`, 500 and dropped
//! connections on refresh are retried; concurrent syncs sharing a session spend the refresh
//! token once; and the session's listener hears of a new pair before its access token is used.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use studymate_core::Error;
use studymate_core::sync::protocol::AuthResponse;
use studymate_core::sync::{ServerSession, SyncConfig, TokenListener};
use studymate_e2e::proxy::{Fault, Proxy};
use studymate_e2e::{Device, Server, test_retry};

/// Records every pair it is told of; fails the first `refuse` times (an app that could not
/// store the pair, or was killed before it did).
#[derive(Default)]
struct Recorder {
    pairs: Mutex<Vec<AuthResponse>>,
    refuse: AtomicUsize,
}

impl TokenListener for Recorder {
    fn tokens_changed(&self, tokens: &AuthResponse) -> studymate_core::Result<()> {
        if self
            .refuse
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(Error::Storage("the keystore is locked".into()));
        }
        self.pairs.lock().unwrap().push(tokens.clone());
        Ok(())
    }
}

/// A session over `device`'s pair whose access token the server refuses (as after expiry), so
/// its first request makes it refresh; with a [`Recorder`] as its listener.
fn stale_session(base: &str, device: &Device) -> (Arc<ServerSession>, Arc<Recorder>) {
    let mut tokens = device.session.tokens();
    tokens.access_token = "an-access-token-the-server-refuses".into();
    session_with_recorder(base, tokens)
}

fn session_with_recorder(base: &str, tokens: AuthResponse) -> (Arc<ServerSession>, Arc<Recorder>) {
    let session = Arc::new(ServerSession::from_tokens(base, tokens).unwrap());
    let recorder = Arc::new(Recorder::default());
    session.set_listener(Some(recorder.clone()));
    (session, recorder)
}

fn sync_with(
    device: &Device,
    base: &str,
    session: Arc<ServerSession>,
) -> studymate_core::Result<()> {
    let mut config = SyncConfig::new(base, session);
    config.retry = test_retry();
    device.client.sync(&config).map(|_| ())
}

#[test]
fn a_refresh_whose_answer_was_lost_recovers_and_the_next_sync_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let d = Device::open(dir.path(), "d", None, None, &server.base, "gus");
    d.client.add_interest("music").unwrap();
    let proxy = Proxy::start(&server.base);
    let (session, recorder) = stale_session(&proxy.base, &d);
    // The first request is refused (401); the server commits the refresh, its answer is lost.
    proxy.script(&[Fault::Pass, Fault::DropAfter]);
    sync_with(&d, &proxy.base, session.clone()).unwrap();
    assert_eq!(proxy.injected.load(Ordering::SeqCst), 1);
    assert_eq!(recorder.pairs.lock().unwrap().len(), 1, "one new pair");
    assert_eq!(d.client.sync_status().unwrap().outbox, 0, "pushed");
    d.client.add_interest("films").unwrap();
    sync_with(&d, &proxy.base, session).unwrap();
    assert_eq!(
        d.client.sync_status().unwrap().outbox,
        0,
        "the next sync pushed"
    );
}

#[test]
fn a_pair_that_was_never_stored_is_recovered_from_the_stored_one() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let d = Device::open(dir.path(), "d", None, None, &server.base, "hal");
    d.sync(&server.base).unwrap();
    let stored = d.session.tokens();
    // The app is told of the new pair but cannot store it (as if killed before saving).
    let (session, recorder) = stale_session(&server.base, &d);
    recorder.refuse.store(1, Ordering::SeqCst);
    d.client.add_interest("music").unwrap();
    let err = sync_with(&d, &server.base, session).unwrap_err();
    assert!(matches!(err, Error::Storage(_)), "{err}");
    assert_eq!(
        d.client.sync_status().unwrap().outbox,
        1,
        "nothing was sent"
    );
    // Next launch: the stored pair's access token was revoked by the rotation; its refresh
    // token is spent but the pair issued for it was never used, so the server renews it.
    let (resumed, recorder) = session_with_recorder(&server.base, stored);
    sync_with(&d, &server.base, resumed).unwrap();
    assert_eq!(recorder.pairs.lock().unwrap().len(), 1);
    assert_eq!(d.client.sync_status().unwrap().outbox, 0);
}

#[test]
fn refresh_failures_are_retried_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let proxy = Proxy::start(&server.base);
    let cases = [
        ("ida", [Fault::Pass, Fault::Status(503), Fault::Pass]),
        ("jon", [Fault::Pass, Fault::Status(500), Fault::DropBefore]),
    ];
    for (name, faults) in cases {
        let d = Device::open(dir.path(), name, None, None, &server.base, name);
        d.client.add_interest("music").unwrap();
        let (session, recorder) = stale_session(&proxy.base, &d);
        let before = proxy.injected.load(Ordering::SeqCst);
        proxy.script(&faults);
        sync_with(&d, &proxy.base, session).unwrap();
        let injected = proxy.injected.load(Ordering::SeqCst) - before;
        let expected = faults.iter().filter(|f| **f != Fault::Pass).count() as u64;
        assert_eq!(injected, expected, "{name}: every fault met the refresh");
        assert_eq!(
            recorder.pairs.lock().unwrap().len(),
            1,
            "{name}: one new pair"
        );
        assert_eq!(d.client.sync_status().unwrap().outbox, 0, "{name}: pushed");
    }
}

#[test]
fn concurrent_syncs_sharing_a_session_spend_the_refresh_token_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let phone = Device::open(dir.path(), "phone", None, None, &server.base, "kim");
    let tablet = phone.another(dir.path(), "tablet", &server.base);
    phone.client.add_interest("music").unwrap();
    tablet.client.add_interest("films").unwrap();
    let (session, recorder) = stale_session(&server.base, &phone);
    std::thread::scope(|s| {
        let a = s.spawn(|| sync_with(&phone, &server.base, session.clone()));
        let b = s.spawn(|| sync_with(&tablet, &server.base, session.clone()));
        a.join().unwrap().unwrap();
        b.join().unwrap().unwrap();
    });
    assert_eq!(
        recorder.pairs.lock().unwrap().len(),
        1,
        "both 401s were answered by one refresh"
    );
    // The pair is live: had the token been spent twice, the server would have revoked the
    // family (the first successor was used) and this sync would fail with Auth.
    phone.client.add_interest("books").unwrap();
    sync_with(&phone, &server.base, session).unwrap();
}

/// Remembers, when told of a pair, whether its access token had reached the server before.
struct UsedBefore {
    bearers: Arc<Mutex<Vec<String>>>,
    seen: Mutex<Vec<(String, bool)>>,
}

impl TokenListener for UsedBefore {
    fn tokens_changed(&self, tokens: &AuthResponse) -> studymate_core::Result<()> {
        let used = self.bearers.lock().unwrap().contains(&tokens.access_token);
        self.seen
            .lock()
            .unwrap()
            .push((tokens.access_token.clone(), used));
        Ok(())
    }
}

#[test]
fn the_listener_hears_of_a_new_pair_before_its_access_token_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let d = Device::open(dir.path(), "d", None, None, &server.base, "lea");
    d.client.add_interest("music").unwrap();
    let proxy = Proxy::start(&server.base);
    let (session, _) = stale_session(&proxy.base, &d);
    let listener = Arc::new(UsedBefore {
        bearers: proxy.bearers.clone(),
        seen: Mutex::new(Vec::new()),
    });
    session.set_listener(Some(listener.clone()));
    sync_with(&d, &proxy.base, session).unwrap();
    let seen = listener.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let (token, used_before) = &seen[0];
    assert!(!used_before, "the listener ran before the token was sent");
    assert!(
        proxy.bearers.lock().unwrap().contains(token),
        "and the sync used it afterwards"
    );
}

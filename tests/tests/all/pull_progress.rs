//! The pull's progress has a total: the first request of a pull asks the server to count what
//! follows its page, so the observer sees done/total from the first page on.

use std::sync::{Arc, Mutex};

use studymate_core::sync::{SyncConfig, SyncObserver, SyncProgress, SyncState, TokenProvider};
use studymate_e2e::{Device, Server, test_retry};

/// Keeps every progress report made while pulling.
struct PullProgress {
    state: Mutex<SyncState>,
    seen: Mutex<Vec<SyncProgress>>,
}

impl PullProgress {
    fn new() -> Self {
        PullProgress {
            state: Mutex::new(SyncState::Idle),
            seen: Mutex::new(Vec::new()),
        }
    }
}

impl SyncObserver for PullProgress {
    fn state_changed(&self, state: SyncState) {
        *self.state.lock().unwrap() = state;
    }

    fn progress(&self, progress: SyncProgress) {
        if *self.state.lock().unwrap() == SyncState::Pulling {
            self.seen.lock().unwrap().push(progress);
        }
    }
}

#[test]
fn a_pull_reports_the_total_the_server_counted_from_its_first_page() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let phone = Device::open(dir.path(), "phone", None, None, &server.base, "pia");
    for i in 0..25 {
        phone.client.add_interest(&format!("topic{i}")).unwrap();
    }
    phone.sync(&server.base).unwrap();

    let tablet = phone.another(dir.path(), "tablet", &server.base);
    let observer = Arc::new(PullProgress::new());
    let mut config = SyncConfig::new(server.base.clone(), tablet.session.clone());
    config.retry = test_retry();
    config.pull_limit = 4;
    config.observer = observer.clone();
    let report = tablet.client.sync(&config).unwrap();

    let seen = observer.seen.lock().unwrap();
    assert!(
        seen.len() >= 7,
        "one report per page of at most 4 changes: {seen:?}"
    );
    let total = report.pulled;
    assert!(total >= 25, "the 25 interests and the profile: {total}");
    for (page, progress) in seen.iter().enumerate() {
        assert_eq!(
            progress.pull_total,
            Some(total),
            "page {page} knows the whole pull"
        );
        assert!(progress.pulled <= total);
    }
    assert_eq!(seen.last().unwrap().pulled, total);
    assert_eq!(seen.first().unwrap().pulled, 4);
}

#[test]
fn a_pull_without_a_count_asked_has_no_total_in_its_answer() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let phone = Device::open(dir.path(), "phone", None, None, &server.base, "pia");
    phone.client.add_interest("music").unwrap();
    phone.sync(&server.base).unwrap();

    let http = reqwest::blocking::Client::new();
    let pull = |query: &str| -> serde_json::Value {
        let token = phone.session.access_token().unwrap();
        http.get(format!("{}/v1/sync/pull?{query}", server.base))
            .bearer_auth(token)
            .header("StudyMate-Protocol", "1")
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    let counted = pull("limit=1&count=true");
    let on_page = counted["changes"].as_array().unwrap().len();
    assert_eq!(on_page, 1);
    assert!(counted["has_more"].as_bool().unwrap());
    let rest = pull("limit=5000");
    let rest_len = rest["changes"].as_array().unwrap().len() as u64;
    assert!(rest.get("remaining").is_none(), "not asked: {rest}");
    assert_eq!(counted["remaining"].as_u64(), Some(rest_len - 1));
    let last = pull(&format!(
        "limit=5000&count=true&cursor={}",
        rest["next_cursor"].as_str().unwrap()
    ));
    assert_eq!(
        last["remaining"].as_u64(),
        Some(0),
        "nothing after the last page"
    );
}

#[test]
fn a_device_can_ask_for_pages_by_bytes_and_zero_bytes_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let phone = Device::open(dir.path(), "phone", None, None, &server.base, "pia");
    for i in 0..6 {
        phone.client.add_interest(&format!("topic{i}")).unwrap();
    }
    phone.sync(&server.base).unwrap();

    let tablet = phone.another(dir.path(), "tablet", &server.base);
    let mut config = SyncConfig::new(server.base.clone(), tablet.session.clone());
    config.retry = test_retry();
    config.pull_max_bytes = 0;
    let refused = tablet.client.sync(&config);
    assert!(
        matches!(&refused, Err(studymate_core::Error::InvalidInput { field, .. }) if field == "pull_max_bytes"),
        "{refused:?}"
    );
    assert!(
        !tablet.client.sync_status().unwrap().has_cursor,
        "nothing pulled"
    );

    // One byte a page: the server still sends one change per page, so every change is a page.
    let observer = Arc::new(PullProgress::new());
    config.pull_max_bytes = 1;
    config.observer = observer.clone();
    let report = tablet.client.sync(&config).unwrap();
    assert!(
        report.pulled >= 6,
        "the interests and the profile: {report:?}"
    );
    let seen = observer.seen.lock().unwrap();
    let per_page: Vec<i64> = seen.iter().map(|p| p.pulled).collect();
    assert_eq!(
        per_page,
        (1..=report.pulled).collect::<Vec<_>>(),
        "one change per page"
    );
    assert_eq!(tablet.client.interests().unwrap().len(), 6);
}

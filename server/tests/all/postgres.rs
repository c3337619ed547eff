//! The same protocol scenarios against the server on PostgreSQL, in a throwaway cluster.
//! Skipped, with a printed message, where the PostgreSQL 15 binaries are not installed.

use crate::common;
use crate::pg;

use common::live::Channel;
use common::{Device, Server, send, statuses};
use common::{accounts, live, migrations, privacy, robust, scenarios};

#[test]
fn every_scenario_on_postgres() {
    let Some(mut cluster) = pg::Cluster::start() else {
        return;
    };
    for (name, scenario) in scenarios::ALL
        .iter()
        .chain(robust::ALL)
        .chain(accounts::ALL)
        .chain(migrations::ALL)
        .chain(privacy::ALL)
        .chain(live::ALL)
    {
        let url = cluster.new_database();
        println!("scenario {name} on {url}");
        scenario(&url);
    }
}

#[test]
fn live_wakes_across_server_processes_on_postgres() {
    let Some(mut cluster) = pg::Cluster::start() else {
        return;
    };
    live_wakes_across_server_processes(&cluster.new_database());
}

/// PostgreSQL: two server processes on one database. A message pushed through the second wakes
/// the channel held by the first, and a logout through the second closes it.
fn live_wakes_across_server_processes(db: &str) {
    let first = Server::start(db, &[]);
    let second = Server::start(db, &[]);
    let ann = first.signup("ann");
    let bob = first.signup("bob");
    let mut bobs = Channel::open(&first, &bob);
    let (_, start) = first.pull_all(&bob, None);
    assert_eq!(bobs.feed(), start);

    let mut phone = Device::new();
    let (room, create) = phone.room("DIRECT", &[ann.user, bob.user]);
    let (_, hello) = phone.message(room, ann.user, "hello from the other process");
    let results = second.push(&ann, phone.id, &[create, hello]);
    assert_eq!(statuses(&results), ["applied", "applied"]);
    let (changes, end) = second.pull_all(&bob, Some(&start));
    assert!(changes.iter().any(|c| c["entity"] == "chat_message"));
    assert_eq!(
        bobs.feed(),
        end,
        "the first process heard the second's commit"
    );

    let (status, _) = send(
        second
            .request(reqwest::Method::POST, "/v1/auth/logout")
            .bearer_auth(&bob.access),
    );
    assert_eq!(status, 204);
    assert_eq!(bobs.closed(), "unauthorized");
}

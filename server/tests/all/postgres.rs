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

#[test]
fn racing_direct_rooms_through_two_processes_are_decided_once_on_postgres() {
    let Some(mut cluster) = pg::Cluster::start() else {
        return;
    };
    racing_direct_rooms_through_two_processes(&cluster.new_database());
}

/// PostgreSQL: two server processes, and both people of each pair open their direct room at the
/// same moment, one through each process. Writers no longer share a lock, so the two pushes can
/// race for the pair's key; the loser's transaction is run again and refuses its room
/// `duplicate_direct_room`, so each pair ends with one room and both pushes are answered 200.
fn racing_direct_rooms_through_two_processes(db: &str) {
    const PAIRS: usize = 6;
    let servers = [Server::start(db, &[]), Server::start(db, &[])];
    let pairs: Vec<_> = (0..PAIRS)
        .map(|i| {
            (
                servers[0].signup(&format!("a{i}")),
                servers[1].signup(&format!("b{i}")),
            )
        })
        .collect();
    let mut pushes = Vec::new();
    for (a, b) in &pairs {
        for (who, other, server) in [(a, b, &servers[0]), (b, a, &servers[1])] {
            let mut phone = Device::new();
            let (_, create) = phone.room("DIRECT", &[who.user, other.user]);
            pushes.push((server, who, phone.id, create));
        }
    }
    let start = std::sync::Barrier::new(pushes.len());
    let results: Vec<String> = std::thread::scope(|scope| {
        let racing: Vec<_> = pushes
            .iter()
            .map(|(server, who, device, create)| {
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    statuses(&server.push(who, *device, std::slice::from_ref(create))).concat()
                })
            })
            .collect();
        racing
            .into_iter()
            .map(|t| t.join().expect("a push"))
            .collect()
    });
    for pair in results.chunks(2) {
        let mut pair = pair.to_vec();
        pair.sort();
        assert_eq!(
            pair,
            ["applied", "rejected:duplicate_direct_room"],
            "one room per pair"
        );
    }
}

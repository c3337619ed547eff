//! The same protocol scenarios against the server on PostgreSQL, in a throwaway cluster.
//! Skipped, with a printed message, where the PostgreSQL 15 binaries are not installed.

use crate::common;
use crate::pg;

use std::time::{Duration, Instant};

use common::live::Channel;
use common::{Device, Server, send, signed_up, sql, statuses};
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
    let (mut bobs, start) = Channel::open_at_end(&first, &bob);

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
fn the_live_listener_reconnects_after_its_connection_is_killed_on_postgres() {
    let Some(mut cluster) = pg::Cluster::start() else {
        return;
    };
    live_listener_reconnects(&cluster.new_database());
}

/// The backends whose last statement was the live listener's `LISTEN`.
fn listener_pids(db: &str) -> Vec<i64> {
    sql::integers(
        db,
        "SELECT CAST(pid AS BIGINT) FROM pg_stat_activity WHERE query = 'LISTEN studymate_live'",
    )
}

/// PostgreSQL: the server's `LISTEN` connection is killed (`pg_terminate_backend`). A message
/// sent while it is away still reaches the receiver's channel (the reconnect has every channel
/// re-read its feed's end), the server listens again on a new connection, and a message after
/// that wakes the channel through `NOTIFY` as before.
fn live_listener_reconnects(db: &str) {
    let (server, [ann, bob]) = signed_up(db, ["ann", "bob"]);
    let (mut bobs, start) = Channel::open_at_end(&server, &bob);
    let (mut phone, room) = server.direct_room(&ann, &bob);
    let (_, mut cursor) = server.pull_all(&bob, Some(&start));
    assert_eq!(bobs.feed(), cursor);

    let before = listener_pids(db);
    assert_eq!(before.len(), 1, "one listening connection: {before:?}");
    sql::execute(db, &format!("SELECT pg_terminate_backend({})", before[0]));
    let mut say = |text: &str| {
        let (_, message) = phone.message(room, ann.user, text);
        assert_eq!(
            statuses(&server.push(&ann, phone.id, &[message])),
            ["applied"]
        );
        let (changes, end) = server.pull_all(&bob, Some(&cursor));
        assert_eq!(changes.len(), 1, "{changes:?}");
        cursor = end;
        cursor.clone()
    };
    let end = say("while the listener is away");
    assert_eq!(bobs.feed(), end, "the message sent meanwhile is announced");

    let deadline = Instant::now() + Duration::from_secs(60);
    let after = loop {
        let after = listener_pids(db);
        if after.len() == 1 && after != before {
            break after;
        }
        assert!(
            Instant::now() < deadline,
            "no new LISTEN connection: {after:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_ne!(after, before);
    let end = say("after the reconnect");
    assert_eq!(bobs.feed(), end, "NOTIFY wakes the channel again");
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

#[test]
fn a_push_locks_the_account_rows_it_needs_before_any_room_on_postgres() {
    let Some(mut cluster) = pg::Cluster::start() else {
        return;
    };
    a_push_locks_the_account_rows_it_needs_before_any_room(&cluster.new_database());
}

/// PostgreSQL: while another transaction holds `b`'s account row (as `b`'s own push does), the
/// push of `a` opening their direct room waits for that row before it touches the room's tables
/// (no lock of its on `direct_rooms`, `participants` or `records`), then applies once the row is
/// free. Every account row a push will lock is taken at its start, in user order, so two pushes
/// never hold a room or a direct room's key while waiting for each other's account rows.
fn a_push_locks_the_account_rows_it_needs_before_any_room(db: &str) {
    let server = Server::start(db, &[]);
    let (a, b) = (server.signup("a"), server.signup("b"));
    let mut phone = Device::new();
    let (_, create) = phone.room("DIRECT", &[a.user, b.user]);
    let push = || statuses(&server.push(&a, phone.id, std::slice::from_ref(&create)));
    let results = push_while_row_held(db, b.user, push, |watcher, waiting| {
        let touched: Vec<String> = watcher
            .query(
                "SELECT relation::regclass::text FROM pg_locks WHERE pid = $1
                 AND relation IN ('direct_rooms'::regclass, 'participants'::regclass, 'records'::regclass)",
                &[&waiting],
            )
            .expect("locks read")
            .iter()
            .map(|row| row.get(0))
            .collect();
        assert_eq!(
            touched,
            Vec::<String>::new(),
            "room tables touched before the account rows"
        );
    });
    assert_eq!(results, ["applied"]);
}

/// Runs `push` while another transaction holds `user`'s account row (as that user's own push
/// does); once a backend of the test's database waits for a lock (a minute at most, so a push
/// that never waits fails the test instead of hanging it), calls `check` with a spare
/// connection and that backend's pid, then frees the row. Returns the push's statuses.
fn push_while_row_held(
    db: &str,
    user: uuid::Uuid,
    push: impl FnOnce() -> Vec<String> + Send,
    check: impl FnOnce(&mut postgres::Client, i32),
) -> Vec<String> {
    let mut holder = postgres::Client::connect(db, postgres::NoTls).expect("connect");
    let mut held = holder.transaction().expect("begin");
    held.query(
        "SELECT user_id FROM users WHERE user_id = $1 FOR UPDATE",
        &[&user.to_string()],
    )
    .expect("the account row locked");
    let mut watcher = postgres::Client::connect(db, postgres::NoTls).expect("connect");
    std::thread::scope(|scope| {
        let pushing = scope.spawn(push);
        let deadline = Instant::now() + Duration::from_secs(60);
        let waiting: i32 = loop {
            let rows = watcher
                .query(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()
                     AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
                    &[],
                )
                .expect("activity read");
            if let Some(row) = rows.first() {
                break row.get(0);
            }
            assert!(
                Instant::now() < deadline,
                "the push never waited for a lock"
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        check(&mut watcher, waiting);
        held.rollback().expect("the account row released");
        pushing.join().expect("the push")
    })
}

#[test]
fn a_join_locks_the_members_rows_before_the_room_on_postgres() {
    let Some(mut cluster) = pg::Cluster::start() else {
        return;
    };
    a_join_locks_the_members_rows_before_the_room(&cluster.new_database());
}

/// PostgreSQL: while another transaction holds a member's account row (as the member's own push
/// sending a message does, before it locks the room), the admin's push adding someone to the
/// room waits for that row without holding the room's record, then applies once the row is
/// free: the member's push can still take the room, so the two never wait in a cycle.
fn a_join_locks_the_members_rows_before_the_room(db: &str) {
    use studymate_core::changelog::{Entity, Operation};
    let server = Server::start(db, &[]);
    let (admin, writer, joiner) = (
        server.signup("admin"),
        server.signup("writer"),
        server.signup("joiner"),
    );
    let mut phone = Device::new();
    let (room, create) = phone.room("GROUP", &[admin.user, writer.user]);
    assert_eq!(
        statuses(&server.push(&admin, phone.id, &[create])),
        ["applied"]
    );
    let add = phone.change(
        Entity::ChatParticipant,
        format!("{room}:{}", joiner.user),
        Operation::Insert,
        serde_json::json!({"room_id": room, "user_id": joiner.user}),
    );
    let push = || statuses(&server.push(&admin, phone.id, std::slice::from_ref(&add)));
    let results = push_while_row_held(db, writer.user, push, |watcher, _| {
        let mut probe = watcher.transaction().expect("begin");
        probe
            .query(
                "SELECT record_id FROM records WHERE kind = 'chat_room' AND record_id = $1
                 FOR UPDATE NOWAIT",
                &[&room.to_string()],
            )
            .expect("the room's record is free while the join waits");
        probe.rollback().expect("probe ended");
    });
    assert_eq!(results, ["applied"]);
}

#[test]
fn joins_racing_messages_through_two_processes_miss_nothing_on_postgres() {
    let Some(mut cluster) = pg::Cluster::start() else {
        return;
    };
    joins_racing_messages_through_two_processes(&cluster.new_database());
}

/// PostgreSQL: one member writes into a group room through one process while its admin adds
/// members through the other. Writes into a room lock it, so each message reaches every new
/// member exactly once: in the history their join copies, or delivered after it.
fn joins_racing_messages_through_two_processes(db: &str) {
    use studymate_core::changelog::{Entity, Operation};
    const MESSAGES: usize = 30;
    const JOINERS: usize = 6;
    let servers = [Server::start(db, &[]), Server::start(db, &[])];
    let admin = servers[0].signup("admin");
    let writer = servers[1].signup("writer");
    let joiners: Vec<_> = (0..JOINERS)
        .map(|i| servers[i % 2].signup(&format!("joiner{i}")))
        .collect();
    let mut admin_phone = Device::new();
    let (room, create) = admin_phone.room("GROUP", &[admin.user, writer.user]);
    assert_eq!(
        statuses(&servers[0].push(&admin, admin_phone.id, &[create])),
        ["applied"]
    );
    let adds: Vec<_> = joiners
        .iter()
        .map(|j| {
            admin_phone.change(
                Entity::ChatParticipant,
                format!("{room}:{}", j.user),
                Operation::Insert,
                serde_json::json!({"room_id": room, "user_id": j.user}),
            )
        })
        .collect();
    let mut writer_phone = Device::new();
    let messages: Vec<_> = (0..MESSAGES)
        .map(|i| writer_phone.message(room, writer.user, &format!("message {i}")))
        .collect();

    let start = std::sync::Barrier::new(2);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            start.wait();
            for add in &adds {
                let results = servers[0].push(&admin, admin_phone.id, std::slice::from_ref(add));
                assert_eq!(statuses(&results), ["applied"]);
            }
        });
        scope.spawn(|| {
            start.wait();
            for (_, message) in &messages {
                let results =
                    servers[1].push(&writer, writer_phone.id, std::slice::from_ref(message));
                assert_eq!(statuses(&results), ["applied"]);
            }
        });
    });

    let mut sent: Vec<String> = messages.iter().map(|(id, _)| id.to_string()).collect();
    sent.sort();
    for (i, joiner) in joiners.iter().enumerate() {
        let (feed, _) = servers[(i + 1) % 2].pull_all(joiner, None);
        let mut received: Vec<String> = feed
            .iter()
            .filter(|c| c["entity"] == "chat_message")
            .filter_map(|c| c["entity_id"].as_str().map(str::to_owned))
            .collect();
        received.sort();
        assert_eq!(received, sent, "joiner {i} received every message once");
    }
}

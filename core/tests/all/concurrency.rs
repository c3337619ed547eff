//! One `Client` shared by many threads, two clients (two processes' worth) on one file, and a
//! reader next to a long write: every call succeeds (no `SQLITE_BUSY` reaches the app), nothing is
//! lost or duplicated, and the change log has exactly one entry per write, in strictly increasing
//! sequence. No timing assertions: threads are coordinated with channels and flags.

use crate::common;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use common::{TestDb, insert_incoming, open_client};
use studymate_core::changelog::{Change, Entity, Operation};
use studymate_core::chat::{NewMessage, PENDING_SORT_BASE};
use studymate_core::ledger::{NewPoints, PointSource, TransactionType};
use studymate_core::{Client, Error, OpenOptions};
use uuid::Uuid;

fn earned(amount: i32) -> NewPoints {
    NewPoints {
        transaction_type: TransactionType::Earned,
        amount,
        source: PointSource::DailyPractice,
        source_reference_id: None,
        description: None,
    }
}

fn spent(amount: i32) -> NewPoints {
    NewPoints {
        transaction_type: TransactionType::Spent,
        amount,
        ..earned(amount)
    }
}

fn all_changes(client: &Client) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::new();
    loop {
        let after = out.last().map_or(0, |c| c.seq);
        let page = client.changes(after, 500).expect("changes");
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

/// Every message of a room, newest first, by walking the pages.
fn all_messages(client: &Client, room: Uuid) -> Vec<(Uuid, i64)> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let page = client.messages(room, before, 200).expect("messages");
        out.extend(page.messages.iter().map(|m| (m.id, m.sort_key)));
        match page.next_before {
            Some(b) => before = Some(b),
            None => return out,
        }
    }
}

/// Asserts the change log holds each id in `ids` exactly once for `entity` inserts, sequences
/// strictly increase, change ids are unique, and returns entity id → seq.
fn assert_log_has_each_once(
    log: &[Change],
    entity: Entity,
    ids: &HashSet<Uuid>,
) -> HashMap<String, i64> {
    assert!(
        log.windows(2).all(|w| w[0].seq < w[1].seq),
        "sequences strictly increase"
    );
    let change_ids: HashSet<Uuid> = log.iter().map(|c| c.change_id).collect();
    assert_eq!(change_ids.len(), log.len(), "change ids are unique");
    let mut seqs = HashMap::new();
    for c in log.iter().filter(|c| c.entity == entity) {
        assert_eq!(c.operation, Operation::Insert);
        assert!(
            seqs.insert(c.entity_id.clone(), c.seq).is_none(),
            "{entity:?} {} logged twice",
            c.entity_id
        );
    }
    let logged: HashSet<String> = seqs.keys().cloned().collect();
    let expected: HashSet<String> = ids.iter().map(Uuid::to_string).collect();
    assert_eq!(
        logged, expected,
        "{entity:?}: one entry per write, no strays"
    );
    seqs
}

#[test]
fn one_client_shared_by_eight_threads_loses_nothing() {
    let db = TestDb::new();
    let friend = db.add_contact("Jisoo");
    let room = db.client.create_direct_room(friend).unwrap().id;
    {
        let conn = db.raw();
        for seq in 1..=20 {
            insert_incoming(&conn, room, friend, seq, &format!("incoming {seq}"));
        }
    }
    let client = Arc::new(db.client);
    const SENDERS: usize = 3;
    const EARNERS: usize = 2;
    const READERS: usize = 3;
    const PER_WRITER: i32 = 40;
    let writers_done = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new(SENDERS + EARNERS + READERS));

    let mut senders = Vec::new();
    for t in 0..SENDERS {
        let (client, done, start) = (client.clone(), writers_done.clone(), start.clone());
        senders.push(thread::spawn(move || {
            start.wait();
            let mut sent = Vec::new();
            for i in 0..PER_WRITER {
                let m = client
                    .send_message(room, &NewMessage::text(format!("t{t} #{i}")))
                    .expect("send_message");
                sent.push(m);
            }
            done.fetch_add(1, Ordering::SeqCst);
            sent
        }));
    }
    let mut earners = Vec::new();
    for _ in 0..EARNERS {
        let (client, done, start) = (client.clone(), writers_done.clone(), start.clone());
        earners.push(thread::spawn(move || {
            start.wait();
            let mut recorded = Vec::new();
            for i in 0..PER_WRITER {
                recorded.push(client.record_points(&earned(i + 1)).expect("record_points"));
            }
            done.fetch_add(1, Ordering::SeqCst);
            recorded
        }));
    }
    let mut readers = Vec::new();
    for r in 0..READERS {
        let (client, done, start) = (client.clone(), writers_done.clone(), start.clone());
        readers.push(thread::spawn(move || {
            start.wait();
            let mut rounds = 0;
            let mut last_balance = 0;
            let mut last_log_len = 0;
            while done.load(Ordering::SeqCst) < SENDERS + EARNERS || rounds < 10 {
                rounds += 1;
                match r {
                    0 => {
                        // Pages are consistent snapshots: strictly newest first, no duplicates.
                        let page = client.messages(room, None, 50).expect("messages");
                        assert!(
                            page.messages
                                .windows(2)
                                .all(|w| w[0].sort_key > w[1].sort_key)
                        );
                        let b = client.balance().expect("balance");
                        assert_eq!(b.available, b.lifetime_earned, "nothing was spent");
                        assert!(b.available >= last_balance, "the balance went backwards");
                        last_balance = b.available;
                    }
                    1 => {
                        let counts = client.unread_counts().expect("unread_counts");
                        assert_eq!(counts.len(), 1);
                        assert_eq!(
                            counts[0].unread, 20,
                            "the user's own sends are never unread"
                        );
                        client.point_history(None, 20).expect("point_history");
                    }
                    _ => {
                        let log = all_changes(&client);
                        assert!(log.windows(2).all(|w| w[0].seq < w[1].seq));
                        assert!(log.len() >= last_log_len, "the change log shrank");
                        last_log_len = log.len();
                        client.rooms().expect("rooms");
                    }
                }
            }
            rounds
        }));
    }

    let sent: Vec<_> = senders
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let recorded: Vec<_> = earners
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    for h in readers {
        assert!(h.join().unwrap() >= 10);
    }

    let total_sends = SENDERS * PER_WRITER as usize;
    let sent_ids: HashSet<Uuid> = sent.iter().map(|m| m.id).collect();
    assert_eq!(sent_ids.len(), total_sends);
    let tx_ids: HashSet<Uuid> = recorded.iter().map(|t| t.id).collect();
    assert_eq!(tx_ids.len(), EARNERS * PER_WRITER as usize);

    // Every returned message is in the room exactly once, with the 20 incoming ones.
    let stored = all_messages(&client, room);
    assert_eq!(stored.len(), 20 + total_sends);
    let stored_ids: HashSet<Uuid> = stored.iter().map(|(id, _)| *id).collect();
    assert_eq!(stored_ids.len(), stored.len(), "no message twice");
    assert!(sent_ids.is_subset(&stored_ids), "no sent message lost");

    // The change log: the room, then exactly one entry per write.
    let log = all_changes(&client);
    assert_eq!(log.len(), 1 + total_sends + tx_ids.len());
    let message_seqs = assert_log_has_each_once(&log, Entity::ChatMessage, &sent_ids);
    assert_log_has_each_once(&log, Entity::PointTransaction, &tx_ids);
    // Each local echo sorts by its own change-log sequence.
    for m in &sent {
        assert_eq!(
            m.sort_key,
            PENDING_SORT_BASE + message_seqs[&m.id.to_string()]
        );
    }
    let expected_points: i64 = recorded.iter().map(|t| t.points).sum();
    assert_eq!(client.balance().unwrap().available, expected_points);
    assert_eq!(expected_points, 2 * (1..=40).sum::<i64>());
}

#[test]
fn two_clients_on_one_file_both_write() {
    let db = TestDb::new();
    let friend = db.add_contact("Jisoo");
    let room = db.client.create_direct_room(friend).unwrap().id;
    let user = db.client.user_id();
    // A second, independent open of the same file: its own writer and readers, as a second
    // process (an app extension, say) would have.
    let second = open_client(&db.path, None, &db.clock).unwrap();
    assert_eq!(second.user_id(), user);
    let clients = [Arc::new(db.client), Arc::new(second)];
    const ROUNDS: u32 = 50;
    let start = Arc::new(Barrier::new(2));

    let handles: Vec<_> = clients
        .iter()
        .enumerate()
        .map(|(n, client)| {
            let (client, start) = (client.clone(), start.clone());
            thread::spawn(move || {
                start.wait();
                let mut messages = Vec::new();
                let mut points = Vec::new();
                for i in 0..ROUNDS {
                    messages.push(
                        client
                            .send_message(room, &NewMessage::text(format!("client {n} #{i}")))
                            .expect("send_message")
                            .id,
                    );
                    points.push(client.record_points(&earned(2)).expect("record_points").id);
                    client.messages(room, None, 20).expect("messages");
                }
                (messages, points)
            })
        })
        .collect();
    let mut message_ids = HashSet::new();
    let mut tx_ids = HashSet::new();
    for h in handles {
        let (m, p) = h.join().unwrap();
        message_ids.extend(m);
        tx_ids.extend(p);
    }
    assert_eq!(message_ids.len(), 2 * ROUNDS as usize);
    assert_eq!(tx_ids.len(), 2 * ROUNDS as usize);

    // Both now spend concurrently, more than there is: the overdraft check and the insert are one
    // write transaction, so across processes too the balance never goes below zero.
    let balance = clients[0].balance().unwrap().available;
    assert_eq!(balance, 2 * 2 * i64::from(ROUNDS));
    let start = Arc::new(Barrier::new(2));
    let spenders: Vec<_> = clients
        .iter()
        .map(|client| {
            let (client, start) = (client.clone(), start.clone());
            thread::spawn(move || {
                start.wait();
                let mut ok = Vec::new();
                for _ in 0..40 {
                    match client.record_points(&spent(3)) {
                        Ok(t) => ok.push(t.id),
                        Err(Error::InsufficientPoints { .. }) => {}
                        Err(other) => panic!("unexpected error: {other:?}"),
                    }
                }
                ok
            })
        })
        .collect();
    let mut spends = HashSet::new();
    for h in spenders {
        spends.extend(h.join().unwrap());
    }
    assert_eq!(
        spends.len() as i64,
        balance / 3,
        "exactly as many spends as the balance allows"
    );
    tx_ids.extend(spends.iter().copied());

    // A third open sees everything exactly once.
    drop(clients);
    let check = open_client(&db.path, Some(user), &db.clock).unwrap();
    let b = check.balance().unwrap();
    assert_eq!(b.available, balance % 3);
    assert!(b.available >= 0);
    let stored = all_messages(&check, room);
    let stored_ids: HashSet<Uuid> = stored.iter().map(|(id, _)| *id).collect();
    assert_eq!(stored.len(), stored_ids.len());
    assert_eq!(stored_ids, message_ids);
    let log = all_changes(&check);
    assert_eq!(log.len(), 1 + message_ids.len() + tx_ids.len());
    assert_log_has_each_once(&log, Entity::ChatMessage, &message_ids);
    assert_log_has_each_once(&log, Entity::PointTransaction, &tx_ids);
    let sort_keys: HashSet<i64> = stored.iter().map(|(_, k)| *k).collect();
    assert_eq!(
        sort_keys.len(),
        stored.len(),
        "sort keys are unique across both writers"
    );
}

#[test]
fn reads_do_not_wait_for_a_long_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("user.db");
    let clock = common::TestClock::new();
    // A generous busy timeout: the client's own write below must outwait the long transaction.
    let client = Arc::new(
        Client::open(
            &path,
            OpenOptions {
                busy_timeout: Duration::from_secs(60),
                ..common::options(None, &clock)
            },
        )
        .unwrap(),
    );
    let friend = Uuid::now_v7();
    client
        .save_contact(&common::contact(friend, "Jisoo"))
        .unwrap();
    let room = client.create_direct_room(friend).unwrap().id;
    let before_ids: Vec<Uuid> = (1..=5)
        .map(|seq| insert_incoming(&common::raw(&path), room, friend, seq, "old"))
        .collect();
    client.record_points(&earned(10)).unwrap();

    // Another process opens a write transaction and keeps it open until told to commit.
    let (holding_tx, holding) = mpsc::channel();
    let (release_tx, release) = mpsc::channel::<()>();
    let writer_path = path.clone();
    let writer = thread::spawn(move || {
        let conn = common::raw(&writer_path);
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        let id = insert_incoming(&conn, room, friend, 6, "written in a long transaction");
        holding_tx.send(id).unwrap();
        release.recv().unwrap();
        conn.execute_batch("COMMIT").unwrap();
        id
    });
    let uncommitted = holding.recv().unwrap();

    // The client's own write has to wait for the lock; start it now, in its own thread.
    let (sent_tx, sent) = mpsc::channel();
    let sender = {
        let client = client.clone();
        thread::spawn(move || {
            let m = client.send_message(room, &NewMessage::text("mine"));
            sent_tx.send(()).unwrap();
            m
        })
    };

    // While the other transaction is open (it cannot commit before `release` is sent), every read
    // completes, sees the last committed state, and does not wait for the client's queued write.
    let page = client.messages(room, None, 50).unwrap();
    let ids: Vec<Uuid> = page.messages.iter().map(|m| m.id).collect();
    assert!(
        !ids.contains(&uncommitted),
        "an uncommitted row is not visible"
    );
    for id in &before_ids {
        assert!(ids.contains(id));
    }
    assert_eq!(client.unread_counts().unwrap()[0].unread, 5);
    assert_eq!(client.balance().unwrap().available, 10);
    assert_eq!(client.rooms().unwrap().len(), 1);
    client.changes(0, 100).unwrap();
    client.profile().unwrap();
    assert!(
        sent.try_recv().is_err(),
        "the client's write finished while another transaction held the write lock"
    );
    assert!(!writer.is_finished(), "the long transaction is still open");

    release_tx.send(()).unwrap();
    let committed = writer.join().unwrap();
    let mine = sender
        .join()
        .unwrap()
        .expect("the waiting write succeeds after the commit");
    let ids: Vec<Uuid> = client
        .messages(room, None, 50)
        .unwrap()
        .messages
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids[0], mine.id, "the local echo sorts last");
    assert!(ids.contains(&committed));
    assert_eq!(ids.len(), 7);
}

#[test]
fn two_processes_opening_a_new_file_at_once_both_succeed() {
    // An app and its extension (or two app processes) launched for the first time open the same
    // new file together: both must create-or-find the schema and the identity, neither may fail.
    // A race, so several rounds; each round is a fresh file.
    for round in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("first-launch.db");
        let start = Arc::new(Barrier::new(2));
        let opens: Vec<_> = (0..2)
            .map(|_| {
                let (path, start) = (path.clone(), start.clone());
                thread::spawn(move || {
                    let clock = common::TestClock::new();
                    start.wait();
                    let client = open_client(&path, None, &clock)?;
                    client.add_interest(&Uuid::now_v7().to_string())?;
                    Ok::<_, Error>((client.user_id(), client.device_id()))
                })
            })
            .collect();
        let ids: Vec<(Uuid, Uuid)> = opens
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap()
                    .unwrap_or_else(|e| panic!("round {round}: open failed: {e:?}"))
            })
            .collect();
        assert_eq!(ids[0], ids[1], "round {round}: one identity per file");
        let check = open_client(&path, None, &common::TestClock::new()).unwrap();
        assert_eq!(check.interests().unwrap().len(), 2);
        assert_eq!(check.changes(0, 10).unwrap().len(), 2);
    }
}

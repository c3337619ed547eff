//! Two server processes on one PostgreSQL database serve the same users at once (no global
//! writer lock: writes of different users run in parallel, ordered per user by their feed's
//! head). Four users with two devices each (real core clients) write concurrently — profile
//! edits, practice sessions with their awards, streak freezes, messages in a shared group room
//! and in direct rooms — and each sync goes to the other server than the one before. Afterwards:
//! every device equals a fresh device of its user pulled from the server, every member sees the
//! same group timeline, each user's feed positions are exactly 1..=head (none duplicated, none
//! skipped), and every entry a device wrote was decided exactly once in `applied_changes`.

use crate::pg;

use std::path::Path;

use studymate_core::catalog::SituationFilter;
use studymate_core::chat::NewMessage;
use studymate_core::practice::AnswerInput;
use studymate_core::profile::ProfilePatch;
use studymate_e2e::{Device, Server, snapshot};
use uuid::Uuid;

/// Users, devices per user, and rounds of writing and syncing per device.
const USERS: usize = 4;
const DEVICES: usize = 2;
const ROUNDS: usize = 6;

#[test]
fn two_servers_on_one_postgres_serve_concurrent_devices() {
    let Some(mut cluster) = pg::Cluster::start() else {
        return;
    };
    let url = cluster.new_database();
    let dir = tempfile::tempdir().unwrap();
    let servers = [
        Server::start(Path::new(&url)),
        Server::start(Path::new(&url)),
    ];
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();

    // Each user signs up through one server or the other; their second device shares the session.
    let mut devices: Vec<Vec<Device>> = Vec::new();
    for u in 0..USERS {
        let base = &bases[u % 2];
        let first = Device::open(
            dir.path(),
            &format!("u{u}d0"),
            None,
            None,
            base,
            &format!("user{u}"),
        );
        let rest: Vec<Device> = (1..DEVICES)
            .map(|d| first.another(dir.path(), &format!("u{u}d{d}"), base))
            .collect();
        devices.push(std::iter::once(first).chain(rest).collect());
        servers[u % 2].adjust_points(devices[u][0].client.user_id(), 200);
    }
    sync_everyone(&devices, &bases);

    // A group room of everyone and a direct room between neighbours, known to every device.
    let owner = &devices[0][0];
    for other in devices.iter().skip(1) {
        owner
            .client
            .save_contact(&other[0].client.profile().unwrap())
            .unwrap();
    }
    let others: Vec<Uuid> = devices
        .iter()
        .skip(1)
        .map(|d| d[0].client.user_id())
        .collect();
    let group = owner
        .client
        .create_group_room("everyone", None, &others)
        .unwrap()
        .id;
    owner.sync(&bases[0]).unwrap();
    let mut directs = Vec::new();
    for u in 0..USERS {
        let next = (u + 1) % USERS;
        if u < next {
            let room = devices[u][0].direct_room_with(&devices[next][0]);
            devices[u][0].sync(&bases[u % 2]).unwrap();
            directs.push((u, next, room));
        }
    }
    sync_everyone(&devices, &bases);

    // Everyone at once: each device writes, then syncs with the server it did not use last.
    std::thread::scope(|scope| {
        for (u, user) in devices.iter().enumerate() {
            for (d, device) in user.iter().enumerate() {
                let bases = &bases;
                let directs = &directs;
                scope.spawn(move || {
                    for round in 0..ROUNDS {
                        write_round(device, u, d, round, group, directs);
                        device
                            .sync(&bases[(u + d + round) % 2])
                            .expect("a sync through either server");
                    }
                });
            }
        }
    });
    sync_everyone(&devices, &bases);
    sync_everyone(&devices, &bases);

    // Convergence: each device equals a fresh device of its user, pulled from the server.
    let mut timeline = None;
    for (u, user) in devices.iter().enumerate() {
        let fresh = user[0].another(dir.path(), &format!("u{u}fresh"), &bases[1]);
        fresh.sync(&bases[1]).unwrap();
        let expected = snapshot(&fresh.client);
        for device in user {
            assert_eq!(
                snapshot(&device.client),
                expected,
                "user {u}'s devices equal the server"
            );
            assert!(
                device
                    .client
                    .rejected_changes()
                    .unwrap()
                    .iter()
                    .all(|r| r.code == "insufficient_points" || r.code == "freeze_limit"),
                "only spends past the balance or the freeze limit are refused: {:?}",
                device.client.rejected_changes().unwrap()
            );
        }
        let group_timeline = expected.rooms.iter().find(|(id, _)| *id == group).cloned();
        let group_timeline = group_timeline.expect("every user is in the group").1;
        assert_eq!(
            group_timeline.len(),
            USERS * DEVICES * ROUNDS * 2,
            "every group message once"
        );
        match &timeline {
            None => timeline = Some(group_timeline),
            Some(first) => assert_eq!(
                &group_timeline, first,
                "user {u} sees the same group timeline"
            ),
        }
    }

    // The feeds and the decision record, read from the database.
    let mut db = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    for user in &devices {
        let id = user[0].client.user_id().to_string();
        let positions: Vec<i64> = db
            .query(
                "SELECT feed_seq FROM user_feed WHERE user_id = $1 ORDER BY feed_seq",
                &[&id],
            )
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect();
        let expected: Vec<i64> = (1..=i64::try_from(positions.len()).unwrap()).collect();
        assert_eq!(
            positions, expected,
            "user {id}'s positions: none duplicated or skipped"
        );
        let head: i64 = db
            .query_one("SELECT head FROM feed_heads WHERE user_id = $1", &[&id])
            .unwrap()
            .get(0);
        assert_eq!(head, expected.len() as i64, "the head is the last position");
        for device in user {
            let written = written_seqs(&device.path);
            let device_id = device.client.device_id().to_string();
            let decided: Vec<i64> = db
                .query(
                    "SELECT seq FROM applied_changes WHERE device_id = $1 AND user_id = $2 ORDER BY seq",
                    &[&device_id, &id],
                )
                .unwrap()
                .iter()
                .map(|row| row.get(0))
                .collect();
            assert_eq!(
                decided, written,
                "every entry of device {device_id} decided exactly once"
            );
        }
    }
}

/// One round of a device's writing: a profile edit, two group messages, one direct message,
/// and every other round a practice session (which earns awards) and a streak freeze.
fn write_round(
    device: &Device,
    u: usize,
    d: usize,
    round: usize,
    group: Uuid,
    directs: &[(usize, usize, Uuid)],
) {
    let c = &device.client;
    c.update_profile(&ProfilePatch {
        display_name: Some(format!("user {u} device {d} round {round}")),
        ..Default::default()
    })
    .unwrap();
    for i in 0..2 {
        c.send_message(group, &NewMessage::text(format!("u{u} d{d} r{round} #{i}")))
            .unwrap();
    }
    if let Some((_, _, room)) = directs.iter().find(|(a, b, _)| *a == u || *b == u) {
        c.send_message(
            *room,
            &NewMessage::text(format!("direct u{u} d{d} r{round}")),
        )
        .unwrap();
    }
    if round % 2 == d % 2 {
        let situation = c.situations(&SituationFilter::default()).unwrap()[round % 2].id;
        let session = c.start_practice(situation, None).unwrap();
        let ideal = c.variation(session.variation_id).unwrap().ideal_responses[0].clone();
        c.answer(
            session.id,
            &AnswerInput {
                text: ideal,
                spoken: None,
                response_time_ms: 2500,
            },
        )
        .unwrap();
        c.complete_practice(session.id).unwrap();
        // Refused when another device of the user spent first or the freeze limit is reached.
        let _ = c.buy_streak_freeze();
    }
}

/// Syncs every device twice, alternating servers, so all are caught up.
fn sync_everyone(devices: &[Vec<Device>], bases: &[String]) {
    for pass in 0..2 {
        for (u, user) in devices.iter().enumerate() {
            for (d, device) in user.iter().enumerate() {
                device.sync(&bases[(u + d + pass) % 2]).expect("sync");
            }
        }
    }
}

/// The sequences a device wrote to its change log: 1 to the newest (a sequence is never reused,
/// and the newest entry is never deleted).
fn written_seqs(path: &Path) -> Vec<i64> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let newest: i64 = conn
        .query_row("SELECT COALESCE(MAX(seq), 0) FROM change_log", [], |row| {
            row.get(0)
        })
        .unwrap();
    (1..=newest).collect()
}

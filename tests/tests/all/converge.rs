//! Two devices of one user and a second user chat and edit offline, then sync through the real
//! server: every device converges (profile, ledger, practice, messages once each in server order
//! with the same sort keys, read markers and unread counts), and concurrent offline spends and
//! awards are settled by the server without a negative balance or a doubled award.

use studymate_core::catalog::SituationFilter;
use studymate_core::chat::{NewMessage, SendState};
use studymate_core::practice::AnswerInput;
use studymate_core::profile::ProfilePatch;
use studymate_e2e::{Device, Server, snapshot};

fn sync_all(base: &str, devices: &[&Device]) {
    for _ in 0..2 {
        for d in devices {
            d.sync(base).expect("sync");
        }
    }
}

#[test]
fn two_devices_and_a_second_user_converge() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let base = server.base.clone();
    let a1 = Device::open(dir.path(), "a1", None, None, &base, "alice");
    let a2 = a1.another(dir.path(), "a2", &base);
    let b1 = Device::open(dir.path(), "b1", None, None, &base, "bob");
    sync_all(&base, &[&a1, &a2, &b1]);
    assert!(
        !a2.client
            .situations(&SituationFilter::default())
            .unwrap()
            .is_empty(),
        "catalog pulled"
    );

    // Alice knows Bob and opens a direct room; everyone learns of it.
    let bob_profile = b1.client.profile().unwrap();
    a1.client.save_contact(&bob_profile).unwrap();
    let room = a1.client.create_direct_room(b1.client.user_id()).unwrap();
    sync_all(&base, &[&a1, &a2, &b1]);
    assert_eq!(b1.client.rooms().unwrap().len(), 1);
    assert_eq!(a2.client.rooms().unwrap()[0].id, room.id);

    // Offline: everyone writes.
    for i in 0..3 {
        a1.client
            .send_message(room.id, &NewMessage::text(format!("a1 #{i}")))
            .unwrap();
        b1.client
            .send_message(room.id, &NewMessage::text(format!("b1 #{i}")))
            .unwrap();
    }
    for i in 0..2 {
        a2.client
            .send_message(room.id, &NewMessage::text(format!("a2 #{i}")))
            .unwrap();
    }
    a1.client
        .update_profile(&ProfilePatch {
            display_name: Some("Alice A.".into()),
            ..Default::default()
        })
        .unwrap();
    a2.client
        .update_profile(&ProfilePatch {
            city: Some("Busan".into()),
            ..Default::default()
        })
        .unwrap();
    server.adjust_points(a1.client.user_id(), 10);
    server.adjust_points(a1.client.user_id(), 5);
    a1.client.add_interest("coffee").unwrap();

    // A pull on a2 before its push: its own pending profile edit survives on top of the server's.
    a1.sync(&base).unwrap();
    assert_eq!(a2.client.profile().unwrap().city.as_deref(), Some("Busan"));

    sync_all(&base, &[&a1, &a2, &b1]);
    let s1 = snapshot(&a1.client);
    let s2 = snapshot(&a2.client);
    assert_eq!(s1, s2, "alice's two devices agree");
    assert_eq!(a1.client.profile().unwrap().display_name, "Alice A.");
    assert_eq!(a1.client.profile().unwrap().city.as_deref(), Some("Busan"));
    assert_eq!(s1.balance, (15, 15, 0));
    assert_eq!(a2.client.interests().unwrap(), vec!["coffee"]);
    let timeline = &s1.rooms[0].1;
    assert_eq!(timeline.len(), 8, "every message once");
    assert!(timeline.iter().all(|m| m.3 == SendState::Sent.as_str()));
    assert!(timeline.windows(2).all(|w| w[0].1 < w[1].1), "server order");
    assert_eq!(
        snapshot(&b1.client).rooms,
        s1.rooms,
        "bob sees the same timeline and sort keys"
    );

    // Read markers: alice reads everything on a1; both her devices and bob agree.
    let last = timeline.last().unwrap().0;
    a1.client.mark_read(room.id, last).unwrap();
    sync_all(&base, &[&a1, &a2, &b1]);
    let (s1, s2, sb) = (
        snapshot(&a1.client),
        snapshot(&a2.client),
        snapshot(&b1.client),
    );
    assert_eq!(s1, s2);
    assert_eq!(s1.unread, vec![(room.id, 0)]);
    assert_eq!(
        s1.room_members, sb.room_members,
        "read markers agree across users"
    );
    assert_eq!(
        sb.unread,
        vec![(room.id, 5)],
        "bob has not read alice's five"
    );
}

#[test]
fn concurrent_offline_spends_and_awards_are_settled_by_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server.db"));
    let base = server.base.clone();
    let a1 = Device::open(dir.path(), "a1", None, None, &base, "carol");
    let a2 = a1.another(dir.path(), "a2", &base);
    server.adjust_points(a1.client.user_id(), 150);
    sync_all(&base, &[&a1, &a2]);
    assert_eq!(a2.client.balance().unwrap().available, 150);

    // Offline on both: each completes a practice on the same day (both predict the day's
    // `daily_practice` and the other awards), then buys a streak freeze. The server has room
    // for one freeze only once it has granted the awards once.
    for d in [&a1, &a2] {
        let situation = d.client.situations(&SituationFilter::default()).unwrap()[0].id;
        let session = d.client.start_practice(situation, None).unwrap();
        let ideal = d
            .client
            .variation(session.variation_id)
            .unwrap()
            .ideal_responses[0]
            .clone();
        d.client
            .answer(
                session.id,
                &AnswerInput {
                    text: ideal,
                    spoken: None,
                    response_time_ms: 3000,
                },
            )
            .unwrap();
        d.client.complete_practice(session.id).unwrap();
        d.client.buy_streak_freeze().unwrap();
    }
    sync_all(&base, &[&a1, &a2]);

    let (s1, s2) = (snapshot(&a1.client), snapshot(&a2.client));
    assert_eq!(s1, s2, "both devices show the server's ledger");
    assert!(s1.balance.0 >= 0, "never negative: {:?}", s1.balance);
    let codes = |d: &Device| -> Vec<String> {
        d.client
            .rejected_changes()
            .unwrap()
            .into_iter()
            .map(|r| r.code)
            .collect()
    };
    assert_eq!(
        codes(&a1),
        Vec::<String>::new(),
        "the first device's changes all stand"
    );
    assert_eq!(
        codes(&a2),
        ["insufficient_points"],
        "the second freeze is refused; the awards both devices predicted are one grant, not a refusal"
    );
    let entries = s1.ledger.as_array().unwrap();
    let spends = entries
        .iter()
        .filter(|e| e["transaction_type"] == "spent")
        .count();
    assert_eq!(spends, 1);
    let mut keys: Vec<(String, String)> = entries
        .iter()
        .filter(|e| !e["rule"].is_null())
        .map(|e| (e["rule"].to_string(), e["period_key"].to_string()))
        .collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n, "no award counted twice");
    assert_eq!(s1.sessions.len(), 2, "both practice sessions kept");
    // A fresh third device of the same user sees exactly the same.
    let a3 = a1.another(dir.path(), "a3", &base);
    a3.sync(&base).unwrap();
    assert_eq!(snapshot(&a3.client), s1);
}

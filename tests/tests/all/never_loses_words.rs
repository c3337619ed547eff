//! Sync never loses what the user wrote, and a device's day is its own: a refused room keeps its
//! messages as `failed` until the user discards them (and sends them when retried), the losing
//! one of two direct rooms made offline for the same pair hands its messages to the winner, the
//! awards of a refused session are taken back visibly, and a pulled session from a device whose
//! clock disagrees does not move this device's practice day. All against the real server.

use std::sync::Arc;

use chrono::Duration;
use studymate_core::catalog::SituationFilter;
use studymate_core::changelog::Entity;
use studymate_core::chat::{Message, NewMessage, SendState};
use studymate_core::ledger::PointSource;
use studymate_core::practice::{AnswerInput, Completion};
use studymate_core::{Client, Error, OpenOptions, rewards};
use studymate_e2e::{Device, Server, ShiftedClock, signup, snapshot};
use uuid::Uuid;

fn messages(device: &Device, room: Uuid) -> Vec<Message> {
    let mut page = device
        .client
        .messages(room, None, 100)
        .expect("messages")
        .messages;
    page.reverse();
    page
}

fn texts(device: &Device, room: Uuid) -> Vec<(String, SendState)> {
    messages(device, room)
        .into_iter()
        .map(|m| (m.content.unwrap_or_default(), m.send_state))
        .collect()
}

/// A user the server has never heard of (their app has not signed up yet), saved as a contact
/// of `device`; returns their client.
fn stranger(device: &Device, dir: &std::path::Path, name: &str) -> Client {
    let client = Client::open(dir.join(format!("{name}.db")), OpenOptions::default())
        .expect("stranger's database");
    device
        .client
        .save_contact(&client.profile().expect("profile"))
        .expect("contact");
    client
}

#[test]
fn a_refused_room_keeps_its_messages_until_they_are_sent_or_discarded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("server.db"));
    let base = &server.base;
    let ana = Device::open(dir.path(), "ana", None, None, base, "ana");
    ana.sync(base).expect("first sync");

    let jin = stranger(&ana, dir.path(), "jin");
    let room = ana
        .client
        .create_direct_room(jin.user_id())
        .expect("room offline")
        .id;
    let hello = ana
        .client
        .send_message(room, &NewMessage::text("안녕하세요, 처음 뵙겠습니다"))
        .expect("send");
    let later = ana
        .client
        .send_message(room, &NewMessage::text("내일 서문시장에서 만나요"))
        .expect("send");
    let report = ana.sync(base).expect("sync");
    assert_eq!(report.rejected, 3, "{report:?}");
    let refused: Vec<(Entity, String)> = ana
        .client
        .rejected_changes()
        .expect("rejected")
        .into_iter()
        .map(|r| (r.entity, r.code))
        .collect();
    assert_eq!(
        refused,
        [
            (Entity::ChatRoom, "unknown_reference".to_owned()),
            (Entity::ChatMessage, "not_a_member".to_owned()),
            (Entity::ChatMessage, "not_a_member".to_owned()),
        ]
    );
    assert!(ana.client.room(room).is_ok(), "the refused room stays");
    assert_eq!(
        texts(&ana, room),
        [
            ("안녕하세요, 처음 뵙겠습니다".to_owned(), SendState::Failed),
            ("내일 서문시장에서 만나요".to_owned(), SendState::Failed),
        ],
        "the words are kept"
    );

    // One is discarded; the room stays for the other.
    ana.client.discard_message(later.id).expect("discard");
    assert!(ana.client.room(room).is_ok());

    // Jin signs up; retrying the message sends the room first, then the message.
    let jin_session = signup(base, &jin, "jin");
    let retried = ana.client.retry_message(hello.id).expect("retry");
    assert_eq!(retried.send_state, SendState::Pending);
    let report = ana.sync(base).expect("sync");
    assert_eq!(report.rejected, 0, "{report:?}");
    assert!(ana.client.rejected_changes().expect("rejected").is_empty());
    assert_eq!(
        texts(&ana, room),
        [("안녕하세요, 처음 뵙겠습니다".to_owned(), SendState::Sent)]
    );
    let jin = Device {
        path: dir.path().join("jin.db"),
        client: jin,
        session: jin_session,
    };
    jin.sync(base).expect("jin pulls");
    assert_eq!(
        texts(&jin, room),
        [("안녕하세요, 처음 뵙겠습니다".to_owned(), SendState::Sent)]
    );
}

#[test]
fn discarding_the_last_message_of_a_refused_room_removes_the_room() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("server.db"));
    let base = &server.base;
    let ana = Device::open(dir.path(), "ana", None, None, base, "ana");
    let nobody = stranger(&ana, dir.path(), "nobody");
    let room = ana
        .client
        .create_direct_room(nobody.user_id())
        .expect("room")
        .id;
    let only = ana
        .client
        .send_message(room, &NewMessage::text("여보세요?"))
        .expect("send");
    ana.sync(base).expect("sync");
    assert_eq!(ana.client.rejected_changes().expect("rejected").len(), 2);

    ana.client.discard_message(only.id).expect("discard");
    assert!(matches!(ana.client.room(room), Err(Error::NotFound { .. })));
    assert!(ana.client.rejected_changes().expect("rejected").is_empty());
    assert_eq!(ana.client.sync_status().expect("status").outbox, 0);
}

#[test]
fn the_losing_direct_room_hands_its_messages_to_the_winner() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("server.db"));
    let base = &server.base;
    let ana = Device::open(dir.path(), "ana", None, None, base, "ana");
    let bo = Device::open(dir.path(), "bo", None, None, base, "bo");

    // Both open the pair's room offline and write in it.
    let ana_room = ana.direct_room_with(&bo);
    ana.client
        .send_message(ana_room, &NewMessage::text("A: 안녕!"))
        .expect("send");
    let bo_room = bo.direct_room_with(&ana);
    assert_ne!(ana_room, bo_room);
    for text in ["B: 반가워", "B: 내일 봐요"] {
        bo.client
            .send_message(bo_room, &NewMessage::text(text))
            .expect("send");
    }

    ana.sync(base).expect("ana's room reaches the server first");
    bo.sync(base).expect("bo's sync");
    assert!(
        bo.client.rejected_changes().expect("rejected").is_empty(),
        "nothing is left refused"
    );
    assert_eq!(bo.client.sync_status().expect("status").outbox, 0);
    let rooms: Vec<Uuid> = bo
        .client
        .rooms()
        .expect("rooms")
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(rooms, [ana_room], "one room for the pair");
    let expected = [
        ("A: 안녕!".to_owned(), SendState::Sent),
        ("B: 반가워".to_owned(), SendState::Sent),
        ("B: 내일 봐요".to_owned(), SendState::Sent),
    ];
    assert_eq!(texts(&bo, ana_room), expected);

    ana.sync(base).expect("ana pulls");
    assert_eq!(texts(&ana, ana_room), expected);
    assert_eq!(snapshot(&ana.client).rooms, snapshot(&bo.client).rooms);
}

/// Starts, answers and completes a session on `device`.
fn practise(device: &Device) -> Completion {
    let situation = device
        .client
        .situations(&SituationFilter::default())
        .expect("catalog")[0]
        .id;
    let session = device
        .client
        .start_practice(situation, None)
        .expect("start");
    device
        .client
        .answer(
            session.id,
            &AnswerInput {
                text: "Can I get an iced americano, please?".into(),
                spoken: None,
                response_time_ms: 2500,
            },
        )
        .expect("answer");
    device
        .client
        .complete_practice(session.id)
        .expect("complete")
}

#[test]
fn the_awards_of_a_refused_session_are_taken_back_visibly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("server.db"));
    let base = &server.base;
    // A phone whose clock is three days ahead: the server refuses its session's end.
    let ahead = OpenOptions {
        clock: Arc::new(ShiftedClock(Duration::days(3))),
        ..OpenOptions::default()
    };
    let mina = Device::open_with(dir.path(), "mina", None, None, base, "mina", ahead);
    mina.sync(base).expect("first sync");
    let done = practise(&mina);
    let session_awards: Vec<_> = done
        .awards
        .iter()
        .filter(|a| {
            matches!(
                a.source,
                PointSource::DailyPractice | PointSource::PerfectScore
            )
        })
        .collect();
    assert!(!session_awards.is_empty(), "{:?}", done.awards);

    mina.sync(base).expect("sync");
    let refused = mina.client.rejected_changes().expect("rejected");
    let session = done.session.id.to_string();
    assert!(
        refused
            .iter()
            .any(|r| r.entity == Entity::PracticeSession && r.entity_id == session),
        "{refused:?}"
    );
    for award in session_awards {
        let taken = refused
            .iter()
            .find(|r| r.entity_id == award.id.to_string())
            .unwrap_or_else(|| panic!("award {award:?} is listed: {refused:?}"));
        assert_eq!(taken.code, "session_refused");
        assert!(taken.reason.contains(&session), "{}", taken.reason);
        assert!(
            taken.reason.contains(&award.points.to_string()),
            "{}",
            taken.reason
        );
    }
    assert_eq!(mina.client.balance().expect("balance").available, 0);
}

#[test]
fn a_pulled_session_from_a_clock_ahead_does_not_move_this_devices_day() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("server.db"));
    let base = &server.base;
    let phone = Device::open(dir.path(), "phone", None, None, base, "mina");
    phone.sync(base).expect("first sync");
    // The tablet's clock is three days behind the phone's (and the server's).
    let behind = OpenOptions {
        clock: Arc::new(ShiftedClock(-Duration::days(3))),
        ..OpenOptions::default()
    };
    let tablet = Device::open_with(
        dir.path(),
        "tablet",
        Some(phone.client.user_id()),
        Some(phone.session.clone()),
        base,
        "",
        behind,
    );

    let on_phone = practise(&phone);
    phone.sync(base).expect("phone pushes its session");
    tablet.sync(base).expect("tablet pulls it");
    let pulled = tablet
        .client
        .practice_session(on_phone.session.id)
        .expect("the phone's session is on the tablet");
    assert_eq!(pulled.local_day, on_phone.session.local_day);

    let on_tablet = practise(&tablet);
    let zone = tablet.client.profile().expect("profile").time_zone;
    // The day of the tablet's clock when it completed (its end time is by that clock).
    let ended = on_tablet.session.ended_at.expect("ended");
    assert!(
        ended < chrono::Utc::now() - Duration::days(2),
        "by the tablet's clock"
    );
    let tablet_today = rewards::local_day(ended, &zone).expect("day");
    assert_eq!(
        on_tablet.session.local_day,
        Some(tablet_today),
        "the tablet's own clock decides its day"
    );
    assert_ne!(on_tablet.session.local_day, on_phone.session.local_day);
}

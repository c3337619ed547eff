//! A refused change never leaves the device's copy wrong: the server delivers the record's
//! current state again with the refusal, so the same sync's pull corrects it, and the refusal
//! stays listed with its reason.

use studymate_core::chat::NewMessage;
use studymate_core::profile::ProfilePatch;
use studymate_e2e::{Device, Server, snapshot};

#[test]
fn a_refused_edit_is_listed_and_the_servers_version_comes_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("server.db"));
    let base = &server.base;
    let mina = Device::open(dir.path(), "mina", None, None, base, "mina");
    let jun = Device::open(dir.path(), "jun", None, None, base, "jun");
    mina.sync(base).expect("first sync");
    jun.sync(base).expect("first sync");
    assert_eq!(
        mina.client.profile().expect("profile").username.as_deref(),
        Some("mina")
    );

    // Offline, Mina takes a username that is already Jun's: the server refuses it.
    mina.client
        .update_profile(&ProfilePatch {
            username: Some("jun".into()),
            ..Default::default()
        })
        .expect("a valid patch locally");
    let report = mina.sync(base).expect("sync");
    assert_eq!(report.rejected, 1, "{report:?}");
    let refused = mina.client.rejected_changes().expect("rejected");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].code, "username_taken");
    assert_eq!(
        mina.client.profile().expect("profile").username.as_deref(),
        Some("mina"),
        "the server's username is back after the same sync"
    );

    // A message deleted on her tablet and edited offline on her phone: the edit is refused and
    // the phone shows the tombstone, as everyone else does.
    let room = mina.direct_room_with(&jun);
    let sent = mina
        .client
        .send_message(room, &NewMessage::text("see you at Seomun Market"))
        .expect("send");
    mina.sync(base).expect("sync");
    let tablet = mina.another(dir.path(), "tablet", base);
    tablet.sync(base).expect("tablet sync");
    tablet.client.delete_message(sent.id).expect("delete");
    tablet.sync(base).expect("tablet pushes the delete");
    mina.client
        .edit_message(sent.id, "see you at Dongseong-ro")
        .expect("edit offline");
    let report = mina.sync(base).expect("sync");
    assert_eq!(report.rejected, 1, "{report:?}");
    let shown = mina
        .client
        .messages(room, None, 10)
        .expect("messages")
        .messages;
    assert!(
        shown[0].is_deleted && shown[0].content.is_none(),
        "{shown:?}"
    );

    jun.sync(base).expect("jun sync");
    tablet.sync(base).expect("tablet sync");
    let expected = snapshot(&tablet.client);
    assert_eq!(snapshot(&mina.client), expected);
    let juns = snapshot(&jun.client);
    assert_eq!(
        juns.rooms, expected.rooms,
        "everyone sees the same timeline"
    );
}

/// Points a device records on its own are refused by the server (`not_earned`) and removed, and
/// a session whose local scores differ from the server's (another scorer version, a tampered
/// database) takes the server's scores at the next sync.
#[test]
fn the_server_corrects_points_and_scores_the_device_predicted() {
    use studymate_core::catalog::SituationFilter;
    use studymate_core::ledger::{NewPoints, PointSource, TransactionType};
    use studymate_core::practice::AnswerInput;

    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("server.db"));
    let base = &server.base;
    let mina = Device::open(dir.path(), "mina", None, None, base, "mina");
    mina.sync(base).expect("first sync");

    mina.client
        .record_points(&NewPoints {
            transaction_type: TransactionType::Earned,
            amount: 500,
            source: PointSource::ChallengeComplete,
            source_reference_id: None,
            description: None,
        })
        .expect("recorded locally");
    assert_eq!(mina.client.balance().expect("balance").available, 500);

    let situation = mina
        .client
        .situations(&SituationFilter::default())
        .expect("catalog")[0]
        .id;
    let session = mina.client.start_practice(situation, None).expect("start");
    mina.client
        .answer(
            session.id,
            &AnswerInput {
                text: "I would like something, thanks".into(),
                spoken: None,
                response_time_ms: 3000,
            },
        )
        .expect("answer");
    let done = mina.client.complete_practice(session.id).expect("complete");
    let real = done.session.scores.expect("scores").overall;
    assert!(real < 95, "a modest answer: {real}");
    // The local database claims a perfect score, as a different scorer or a tampered file would.
    let raw = rusqlite::Connection::open(&mina.path).expect("raw");
    raw.execute(
        "UPDATE practice_sessions SET overall_score = 99 WHERE session_id = ?1",
        [session.id.to_string()],
    )
    .expect("tamper");

    mina.sync(base).expect("sync");
    let refused = mina.client.rejected_changes().expect("rejected");
    let codes: Vec<&str> = refused.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["not_earned"], "the self-recorded points");
    let stored = mina.client.practice_session(session.id).expect("session");
    assert_eq!(
        stored.scores.map(|s| s.overall),
        Some(real),
        "the server's score"
    );
    let balance = mina.client.balance().expect("balance").available;
    let awards: i64 = done.awards.iter().map(|a| a.points).sum();
    assert_eq!(balance, awards, "the 500 points are gone, the awards stand");

    let another = mina.another(dir.path(), "mina2", base);
    another.sync(base).expect("sync");
    assert_eq!(snapshot(&another.client), snapshot(&mina.client));
}

//! Randomized convergence: three devices (two of one user, one of another) sharing a room do
//! random operations and sync on random schedules through the fault proxy; after quiescing they
//! agree with each other and with the server (a fresh device's full pull), every message is there
//! once, and the balance is never negative.
//!
//! A modest number of cases runs by default; set `PROPTEST_CASES` to run more, e.g.
//! `PROPTEST_CASES=64 cargo test -p studymate-e2e --test all random::`.

use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use studymate_core::chat::NewMessage;
use studymate_core::ledger::{NewPoints, PointSource, TransactionType};
use studymate_core::profile::ProfilePatch;
use studymate_e2e::proxy::Proxy;
use studymate_e2e::{Device, Server, snapshot};

#[derive(Debug, Clone)]
enum Op {
    Send(usize),
    Rename(usize, u8),
    Earn(usize, u8),
    Spend(usize, u8),
    ReadAll(usize),
    Sync(usize, bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..3usize).prop_map(Op::Send),
        1 => (0..3usize, any::<u8>()).prop_map(|(d, n)| Op::Rename(d, n)),
        1 => (0..3usize, 1..20u8).prop_map(|(d, n)| Op::Earn(d, n)),
        1 => (0..3usize, 1..30u8).prop_map(|(d, n)| Op::Spend(d, n)),
        1 => (0..3usize).prop_map(Op::ReadAll),
        2 => (0..3usize, any::<bool>()).prop_map(|(d, f)| Op::Sync(d, f)),
    ]
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4)
}

/// The server lives for this test only and is dropped (killed, its folder deleted) at its end,
/// also when a case fails: every case of the run shares it, each with users of its own.
#[test]
fn random_ops_and_faults_converge() {
    let server_dir = tempfile::tempdir().unwrap();
    let server = Server::start(&server_dir.path().join("server.db"));
    let mut runner = TestRunner::new(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let ops = (proptest::collection::vec(op(), 5..30), any::<u64>());
    let outcome = runner.run(&ops, |(ops, seed)| converge(&server.base, &ops, seed));
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}

/// One case: the devices do `ops` against the server at `base`, through a proxy whose faults
/// `seed` chooses, then must agree.
fn converge(base: &str, ops: &[Op], seed: u64) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let a1 = Device::open(
        dir.path(),
        "a1",
        None,
        None,
        base,
        &format!("a{}", &tag[20..]),
    );
    let a2 = a1.another(dir.path(), "a2", base);
    let b1 = Device::open(
        dir.path(),
        "b1",
        None,
        None,
        base,
        &format!("b{}", &tag[20..]),
    );
    let room = a1.direct_room_with(&b1);
    for d in [&a1, &b1, &a2] {
        d.sync(base).unwrap();
    }
    let devices = [&a1, &a2, &b1];
    let proxy = Proxy::start(base);
    proxy.random(seed, 30);
    let mut sent = 0;
    for op in ops {
        match *op {
            Op::Send(d) => {
                devices[d]
                    .client
                    .send_message(room, &NewMessage::text(format!("{sent}")))
                    .unwrap();
                sent += 1;
            }
            Op::Rename(d, n) => {
                let who = if d == 2 { "Bob" } else { "Alice" };
                devices[d]
                    .client
                    .update_profile(&ProfilePatch {
                        display_name: Some(format!("{who} {n}")),
                        ..Default::default()
                    })
                    .unwrap();
            }
            Op::Earn(d, n) => {
                devices[d]
                    .client
                    .record_points(&NewPoints {
                        transaction_type: TransactionType::Earned,
                        amount: n.into(),
                        source: PointSource::ChallengeComplete,
                        source_reference_id: None,
                        description: None,
                    })
                    .unwrap();
            }
            Op::Spend(d, n) => {
                // A spend beyond the local balance is refused; nothing else may go wrong.
                if let Err(e) = devices[d].client.record_points(&NewPoints {
                    transaction_type: TransactionType::Spent,
                    amount: n.into(),
                    source: PointSource::StreakFreeze,
                    source_reference_id: None,
                    description: None,
                }) {
                    prop_assert!(
                        matches!(e, studymate_core::Error::InsufficientPoints { .. }),
                        "unexpected {e}"
                    );
                }
            }
            Op::ReadAll(d) => {
                let page = devices[d].client.messages(room, None, 1).unwrap();
                if let Some(m) = page.messages.first() {
                    devices[d].client.mark_read(room, m.id).unwrap();
                }
            }
            Op::Sync(d, faulty) => {
                let target = if faulty { &proxy.base } else { base };
                // Through faults a sync may give up (Network); it must never corrupt anything.
                if let Err(e) = devices[d].sync(target) {
                    prop_assert!(
                        matches!(e, studymate_core::Error::Network(_)),
                        "unexpected {e}"
                    );
                }
            }
        }
    }
    for _ in 0..2 {
        for d in devices {
            d.sync(base).unwrap();
        }
    }
    let (s1, s2, sb) = (
        snapshot(&a1.client),
        snapshot(&a2.client),
        snapshot(&b1.client),
    );
    prop_assert_eq!(&s1, &s2);
    prop_assert_eq!(&s1.rooms, &sb.rooms);
    prop_assert_eq!(&s1.room_members, &sb.room_members);
    prop_assert!(s1.balance.0 >= 0);
    prop_assert_eq!(s1.rooms[0].1.len(), sent, "every message once");
    let fresh = a1.another(dir.path(), "a3", base);
    fresh.sync(base).unwrap();
    prop_assert_eq!(snapshot(&fresh.client), s1);
    Ok(())
}

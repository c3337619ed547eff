//! The server decides scores, points and achievements: what a signed-in client forges is scored
//! again, refused, or never granted (docs/security.md). Run on each store like the scenarios.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use studymate_core::catalog::Variation;
use studymate_core::changelog::{Entity, Operation};
use studymate_core::rewards::{self, RuleId};
use studymate_core::scoring::{Answer, score_answer};
use uuid::Uuid;

use super::{CAFE_IDEAL, CAFE_VARIATION, Device, Server, Session, signed_up, statuses};

/// The user's ledger as their feed delivers it: (rule, period key, points) of each entry.
fn ledger(server: &Server, user: &Session) -> Vec<(Option<String>, Option<String>, i64, Uuid)> {
    let (changes, _) = server.pull_all(user, None);
    changes
        .iter()
        .filter(|c| c["entity"] == json!("point_transaction"))
        .map(|c| {
            let p = &c["payload"];
            (
                p["rule"].as_str().map(str::to_owned),
                p["period_key"].as_str().map(str::to_owned),
                p["points"].as_i64().expect("points"),
                p["id"].as_str().and_then(|id| id.parse().ok()).expect("id"),
            )
        })
        .collect()
}

fn balance(server: &Server, user: &Session) -> i64 {
    ledger(server, user).iter().map(|e| e.2).sum()
}

/// The current state of the session `id` in the user's feed.
fn pulled_session(server: &Server, user: &Session, id: Uuid) -> Value {
    let (changes, _) = server.pull_all(user, None);
    changes
        .iter()
        .rev()
        .find(|c| c["entity"] == json!("practice_session") && c["entity_id"] == json!(id))
        .map(|c| c["payload"].clone())
        .expect("the session is in the feed")
}

fn cafe_variation(server: &Server, user: &Session) -> Variation {
    let (changes, _) = server.pull_all(user, None);
    let change = changes
        .iter()
        .find(|c| c["entity"] == json!("variation") && c["entity_id"] == json!(CAFE_VARIATION))
        .expect("the café variation");
    serde_json::from_value(change["payload"].clone()).expect("a variation")
}

/// A session's scores are the server's: a forged perfect score on a poor answer is scored again,
/// and a session that breaks the shape rules is refused.
pub fn forged_sessions_are_scored_again(db: &str) {
    let (server, [ann]) = signed_up(db, ["ann"]);
    let mut phone = Device::new();
    let (_, empty) = phone.session(None, 100);
    let (poor_id, poor) = phone.session(Some("banana"), 100);
    let results = server.push(&ann, phone.id, &[empty, poor]);
    assert_eq!(statuses(&results), ["rejected:invalid_payload", "applied"]);

    let stored = pulled_session(&server, &ann, poor_id);
    let expected = score_answer(
        &cafe_variation(&server, &ann).scoring_reference(),
        &Answer {
            text: "banana".into(),
            response_time_ms: 3000,
            ..Answer::default()
        },
    )
    .expect("scores");
    assert!(expected.overall < 50, "a poor answer: {}", expected.overall);
    assert_eq!(stored["scores"]["overall"], json!(expected.overall));
    assert_eq!(
        stored["turns"][1]["score"]["overall"],
        json!(expected.overall)
    );
    assert!(
        !ledger(&server, &ann)
            .iter()
            .any(|e| e.0.as_deref() == Some("perfect_score")),
        "no perfect-score award for a forged score"
    );

    // Each shape rule, one forged session each.
    let mut forged = Vec::new();
    let mut tamper = |edit: &dyn Fn(&mut Value)| {
        let (_, mut change) = phone.session(Some(CAFE_IDEAL), 100);
        edit(&mut change["payload"]);
        forged.push(change);
    };
    let future = Utc::now() + Duration::days(3);
    tamper(&|p| p["ended_at"] = json!(future));
    tamper(&|p| p["total_duration_seconds"] = json!(3600));
    tamper(&|p| p["local_day"] = json!("2020-01-01"));
    tamper(&|p| p["turns"][1]["answer"]["hints_used"] = json!(2));
    tamper(&|p| p["turns"][0]["speaker"] = json!("learner"));
    tamper(&|p| p["turns"][1]["index"] = json!(7));
    tamper(&|p| p["time_zone"] = json!("Mars/Olympus"));
    tamper(&|p| {
        let turn = p["turns"][1].clone();
        let turns: Vec<Value> = (0..=200)
            .map(|i| {
                let mut t = turn.clone();
                t["index"] = json!(i);
                if i == 0 {
                    t["speaker"] = json!("character");
                    t["answer"] = Value::Null;
                }
                t
            })
            .collect();
        p["turns"] = json!(turns);
    });
    let n = forged.len();
    let results = server.push(&ann, phone.id, &forged);
    assert_eq!(
        statuses(&results),
        vec!["rejected:invalid_payload"; n],
        "{results:?}"
    );

    // An entity id with a NUL never reaches a query (PostgreSQL answered 500 for it).
    let mut nul_id = phone.interest("tea");
    nul_id["entity_id"] = json!("tea\u{0}");
    assert_eq!(
        statuses(&server.push(&ann, phone.id, &[nul_id])),
        ["rejected:invalid_payload"]
    );
}

/// Points come only from the rules: forged credits of any size, made-up rules and made-up
/// periods are refused, extreme amounts are refused without harm, only a streak freeze at its
/// price can be bought, and a real session earns exactly what the rules grant.
pub fn points_come_only_from_the_rules(db: &str) {
    let (server, [ann]) = signed_up(db, ["ann"]);
    let mut forger = Device::new();
    let mut entry = |kind: &str, points: i64, source: &str, rule: Option<(&str, &str)>| {
        let mut change = forger.points(kind, points, rule);
        change["payload"]["source"] = json!(source);
        change
    };
    let forged = [
        entry("earned", 1_000_000_000, "daily_practice", None),
        entry("earned", i64::MAX, "daily_practice", None),
        entry("penalty", i64::MIN, "daily_practice", None),
        entry("earned", 10, "daily_practice", None),
        entry(
            "earned",
            10,
            "daily_practice",
            Some(("made_up", "2026-11-23")),
        ),
        entry(
            "earned",
            10,
            "daily_practice",
            Some(("daily_practice", "x1")),
        ),
        entry(
            "earned",
            10,
            "daily_practice",
            Some(("daily_practice", "x2")),
        ),
        // A NUL in a key: PostgreSQL text cannot hold it (it answered 500); refused as malformed.
        entry(
            "earned",
            10,
            "daily_practice",
            Some(("daily_practice", "x\u{0}3")),
        ),
        entry(
            "bonus",
            50,
            "achievement_unlock",
            Some(("achievement_unlock", "achievement:x")),
        ),
        entry("spent", -1, "streak_freeze", None),
        entry(
            "spent",
            -50,
            "streak_freeze",
            Some(("streak_freeze", "2026-11-30:1")),
        ),
        entry("penalty", -5, "daily_practice", None),
        entry("earned", 10, "admin_adjustment", None),
    ];
    let results = server.push(&ann, forger.id, &forged);
    assert_eq!(
        statuses(&results),
        [
            "rejected:invalid_payload",
            "rejected:invalid_payload",
            "rejected:invalid_payload",
            "rejected:not_earned",
            "rejected:not_earned",
            "rejected:not_earned",
            "rejected:not_earned",
            "rejected:invalid_payload",
            "rejected:not_earned",
            "rejected:not_for_sale",
            "rejected:not_for_sale",
            "rejected:forbidden_source",
            "rejected:forbidden_source",
        ]
    );
    let (status, _) = super::send(server.request(reqwest::Method::GET, "/v1/health"));
    assert_eq!(status, 200, "the server answers after extreme amounts");
    assert_eq!(balance(&server, &ann), 0);

    let mut phone = Device::new();
    // A real session: the server grants the day, the perfect score and the first achievement,
    // under the ids the device predicts them with; the device's predictions are confirmed.
    let (session, real) = phone.session(Some(CAFE_IDEAL), 100);
    let day = rewards::day_key(rewards::local_day(Utc::now(), "Asia/Seoul").expect("zone"));
    let perfect = format!("session:{session}");
    let daily_id = rewards::award_id(ann.user, RuleId::DailyPractice, &day);
    let mut prediction = phone.points("earned", 10, Some(("daily_practice", &day)));
    prediction["payload"]["id"] = json!(daily_id);
    prediction["entity_id"] = json!(daily_id);
    let results = server.push(&ann, phone.id, &[prediction, real]);
    assert_eq!(statuses(&results), ["applied", "applied"]);
    let mut granted: Vec<(String, String, i64, Uuid)> = ledger(&server, &ann)
        .into_iter()
        .map(|(rule, key, points, id)| {
            (
                rule.unwrap_or_default(),
                key.unwrap_or_default(),
                points,
                id,
            )
        })
        .collect();
    granted.sort();
    let first_steps = "achievement:0190f000-0000-7000-8000-000000000901";
    let expected_keys: Vec<(&str, &str, i64)> = vec![
        ("achievement_unlock", first_steps, 10),
        ("daily_practice", &day, 10),
        ("perfect_score", &perfect, 5),
    ];
    assert_eq!(
        granted
            .iter()
            .map(|(r, k, p, _)| (r.as_str(), k.as_str(), *p))
            .collect::<Vec<_>>(),
        expected_keys
    );
    for (rule, key, _, id) in &granted {
        let rule = RuleId::parse(rule).expect("a rule");
        assert_eq!(*id, rewards::award_id(ann.user, rule, key));
    }
    assert!(results[0]["server_seq"].as_i64().is_some());

    // Now 25 points: a freeze at its price needs 100.
    let freeze = phone.freeze();
    assert_eq!(
        statuses(&server.push(&ann, phone.id, &[freeze])),
        ["rejected:insufficient_points"]
    );
    server.adjust_points(ann.user, 300);
    let bought: Vec<Value> = (0..3).map(|_| phone.freeze()).collect();
    assert_eq!(
        statuses(&server.push(&ann, phone.id, &bought)),
        ["applied", "applied", "rejected:freeze_limit"]
    );
    assert_eq!(balance(&server, &ann), 25 + 300 - 200);
}

/// Achievements are unlocked by the server's own state; a forged unlock is refused.
pub fn achievements_only_when_earned(db: &str) {
    let (server, [ann]) = signed_up(db, ["ann"]);
    let mut phone = Device::new();
    let unlock = |phone: &mut Device, id: &str, points: u64| {
        phone.change(
            Entity::UserAchievement,
            id,
            Operation::Insert,
            json!({"achievement_id": id, "progress": {}, "completed_at": Utc::now(),
                   "points_earned": points, "updated_at": Utc::now()}),
        )
    };
    let first_steps = "0190f000-0000-7000-8000-000000000901";
    let on_a_roll = "0190f000-0000-7000-8000-000000000902";
    let early = [
        unlock(&mut phone, first_steps, 10),
        unlock(&mut phone, on_a_roll, 4_294_967_295),
    ];
    assert_eq!(
        statuses(&server.push(&ann, phone.id, &early)),
        ["rejected:not_earned", "rejected:not_earned"]
    );
    let (_, session) = phone.session(Some(CAFE_IDEAL), 100);
    let after = [
        session,
        unlock(&mut phone, first_steps, 10),
        unlock(&mut phone, on_a_roll, 50),
    ];
    assert_eq!(
        statuses(&server.push(&ann, phone.id, &after)),
        ["applied", "applied", "rejected:not_earned"]
    );
    let (changes, _) = server.pull_all(&ann, None);
    let mut unlocked: Vec<&Value> = changes
        .iter()
        .filter(|c| c["entity"] == json!("user_achievement"))
        .collect();
    // The device's copy differed from the server's record, so the record was delivered again.
    unlocked.dedup_by_key(|c| c["server_seq"].clone());
    assert_eq!(unlocked.len(), 1, "{unlocked:?}");
    assert_eq!(unlocked[0]["entity_id"], json!(first_steps));
    assert_eq!(unlocked[0]["payload"]["points_earned"], json!(10));
    assert_eq!(balance(&server, &ann), 25);
}

/// Two devices of one user predict the same awards for sessions on the same day: the server
/// grants each once and confirms every prediction; nothing is refused.
pub fn one_award_from_two_devices_is_one_grant(db: &str) {
    let (server, [ann]) = signed_up(db, ["ann"]);
    let day = rewards::day_key(rewards::local_day(Utc::now(), "Asia/Seoul").expect("zone"));
    let daily_id = rewards::award_id(ann.user, RuleId::DailyPractice, &day);
    for _ in 0..2 {
        let mut device = Device::new();
        let (_, session) = device.session(Some("An iced americano, please."), 80);
        let mut prediction = device.points("earned", 10, Some(("daily_practice", &day)));
        prediction["payload"]["id"] = json!(daily_id);
        prediction["entity_id"] = json!(daily_id);
        let results = server.push(&ann, device.id, &[prediction, session]);
        assert_eq!(statuses(&results), ["applied", "applied"]);
    }
    let daily: Vec<_> = ledger(&server, &ann)
        .into_iter()
        .filter(|e| e.0.as_deref() == Some("daily_practice"))
        .collect();
    assert_eq!(daily.len(), 1, "{daily:?}");
    assert_eq!(daily[0].3, daily_id);
}

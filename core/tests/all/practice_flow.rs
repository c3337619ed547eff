//! The practice lifecycle on a real database file: state machine, scoring, completion with
//! awards, streaks, levels and achievements, idempotency, and resuming after a restart.

use crate::common;

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use studymate_core::catalog::CatalogBatch;
use studymate_core::ledger::{NewPoints, PointSource, TransactionType};
use studymate_core::practice::{AnswerInput, SessionStatus};
use studymate_core::profile::ProfilePatch;
use studymate_core::rewards::PeriodType;
use studymate_core::{Client, Error, OpenOptions};
use uuid::Uuid;

use common::TestClock;

const SITUATION: &str = "0193a000-0000-7000-8000-000000000001";
const VARIATION: &str = "0193a000-0000-7000-8000-000000000002";
const FIRST_STEPS: &str = "0193a000-0000-7000-8000-000000000003";
const TWO_DAYS: &str = "0193a000-0000-7000-8000-000000000004";

fn catalog() -> CatalogBatch {
    CatalogBatch::from_json(&format!(
        r#"{{
        "situations": [{{ "id": "{SITUATION}", "name": "cafe_ordering", "category": "ordering",
            "difficulty": "beginner", "initial_prompt": "You are at a café on Dongseong-ro." }}],
        "variations": [{{ "id": "{VARIATION}", "situation_id": "{SITUATION}", "name": "iced americano",
            "specific_context": "Order a drink", "opening_line": "Hi! What can I get for you?",
            "ideal_responses": ["I'd like an iced americano, please."],
            "acceptable_responses": ["Can I get an iced americano?", "One iced americano, please."],
            "common_mistakes": [{{ "pattern": "i want americano", "correction": "I'd like an americano",
                "explanation": "Use 'I'd like' and the article 'an'." }}],
            "hint_levels": [{{ "level": 1, "text": "Start politely." }}, {{ "level": 2, "text": "I'd like ..." }},
                {{ "level": 3, "text": "I'd like an iced americano, please." }}],
            "vocabulary": [{{ "term": "americano", "meaning": "아메리카노", "key": true }}] }}],
        "achievements": [
            {{ "id": "{FIRST_STEPS}", "name": "first_steps", "category": "learning", "title": "First steps",
               "description": "Complete a session", "requirements": {{ "type": "sessions_completed", "count": 1 }},
               "points_reward": 20 }},
            {{ "id": "{TWO_DAYS}", "name": "two_days", "category": "milestone", "title": "Two days",
               "description": "Practise two days in a row", "requirements": {{ "type": "streak_days", "days": 2 }},
               "points_reward": 0 }}]
    }}"#
    ))
    .expect("catalog parses")
}

fn open(path: &std::path::Path, clock: Arc<TestClock>) -> Client {
    let client = Client::open(
        path,
        OpenOptions {
            clock,
            ..OpenOptions::default()
        },
    )
    .expect("open");
    client.import_catalog(&catalog()).expect("import");
    client
}

fn seoul_client(dir: &tempfile::TempDir, clock: Arc<TestClock>) -> Client {
    let client = open(&dir.path().join("user.db"), clock);
    client
        .update_profile(&ProfilePatch {
            time_zone: Some("Asia/Seoul".into()),
            ..Default::default()
        })
        .expect("zone");
    client
}

fn id(text: &str) -> Uuid {
    Uuid::parse_str(text).expect("uuid")
}

fn answer(text: &str) -> AnswerInput {
    AnswerInput {
        text: text.into(),
        spoken: None,
        response_time_ms: 4_000,
    }
}

/// Runs one session to completion with the ideal answer.
fn practise(client: &Client) -> studymate_core::practice::Completion {
    let session = client.start_practice(id(SITUATION), None).expect("start");
    client
        .answer(session.id, &answer("I'd like an iced americano, please."))
        .expect("answer");
    client.complete_practice(session.id).expect("complete")
}

#[test]
fn a_full_session_scores_awards_and_unlocks_in_one_go() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = TestClock::at(Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap());
    let client = seoul_client(&dir, clock.clone());
    let before = client.changes(0, 1000).expect("changes").len();

    let session = client.start_practice(id(SITUATION), None).expect("start");
    assert_eq!(session.status, SessionStatus::InProgress);
    assert_eq!(session.variation_id, id(VARIATION));
    assert_eq!(session.turns[0].text, "Hi! What can I get for you?");
    assert_eq!(session.time_zone, "Asia/Seoul");
    assert_eq!(session.utc_offset_seconds, 9 * 3600);

    let weak = client
        .answer(session.id, &answer("I want americano"))
        .expect("weak answer");
    assert_eq!(
        weak.mistakes.len(),
        1,
        "the common mistake is found: {weak:?}"
    );
    let hint = client.use_hint(session.id).expect("hint");
    assert_eq!(hint.level, 1);
    clock.set(clock.get() + Duration::seconds(30));
    let strong = client
        .answer(session.id, &answer("I'd like an iced americano, please."))
        .expect("answer");
    assert!(strong.overall > weak.overall);
    assert_eq!(strong.hint_penalty, 5, "one hint costs 5 points");

    let done = client.complete_practice(session.id).expect("complete");
    assert_eq!(done.session.status, SessionStatus::Completed);
    assert_eq!(
        done.session.scores.expect("scores").overall,
        strong.overall,
        "the best answer counts"
    );
    assert_eq!(
        done.session.local_day.expect("day").to_string(),
        "2026-11-23"
    );
    assert_eq!(done.session.total_duration_seconds, Some(30));
    assert_eq!(done.streak.current, 1);
    let rules: Vec<_> = done.awards.iter().filter_map(|a| a.rule.clone()).collect();
    assert!(rules.contains(&"daily_practice".to_string()), "{rules:?}");
    assert!(
        rules.contains(&"achievement_unlock".to_string()),
        "{rules:?}"
    );
    assert_eq!(done.unlocked.len(), 1);
    assert_eq!(done.unlocked[0].achievement_id, id(FIRST_STEPS));
    let total: i64 = done.awards.iter().map(|a| a.points).sum();
    assert_eq!(done.balance.available, total);
    assert_eq!(client.balance().expect("balance"), done.balance);

    // One practice_session entry, one per award, one achievement unlock; nothing for the drafts.
    let changes = client.changes(0, 1000).expect("changes");
    let new: Vec<_> = changes[before..]
        .iter()
        .map(|c| c.entity.as_str())
        .collect();
    assert_eq!(new.iter().filter(|e| **e == "practice_session").count(), 1);
    assert_eq!(
        new.iter().filter(|e| **e == "point_transaction").count(),
        done.awards.len()
    );
    assert_eq!(new.iter().filter(|e| **e == "user_achievement").count(), 1);

    let progress = client.progress().expect("progress");
    let first = progress
        .achievements
        .iter()
        .find(|a| a.achievement.id == id(FIRST_STEPS))
        .expect("listed");
    assert!(first.unlocked_at.is_some());
    let two = progress
        .achievements
        .iter()
        .find(|a| a.achievement.id == id(TWO_DAYS))
        .expect("listed");
    assert_eq!((two.current, two.target, two.unlocked_at), (1, 2, None));
}

#[test]
fn the_state_machine_refuses_what_a_state_does_not_allow() {
    let dir = tempfile::tempdir().expect("tempdir");
    let client = seoul_client(&dir, TestClock::at(Utc::now()));
    let session = client
        .start_practice(id(SITUATION), Some(id(VARIATION)))
        .expect("start");

    assert!(
        matches!(
            client.start_practice(id(SITUATION), None),
            Err(Error::SessionOpen { session_id }) if session_id == session.id
        ),
        "one open session"
    );
    assert!(
        matches!(
            client.complete_practice(session.id),
            Err(Error::Conflict(_))
        ),
        "no answer yet"
    );
    assert!(
        matches!(client.resume_practice(session.id), Err(Error::Conflict(_))),
        "not paused"
    );
    client.pause_practice(session.id).expect("pause");
    assert!(matches!(
        client.answer(session.id, &answer("hello")),
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        client.use_hint(session.id),
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        client.pause_practice(session.id),
        Err(Error::Conflict(_))
    ));
    client.resume_practice(session.id).expect("resume");
    for _ in 0..3 {
        client.use_hint(session.id).expect("hint");
    }
    assert!(
        matches!(client.use_hint(session.id), Err(Error::Conflict(_))),
        "only three hints"
    );
    assert!(matches!(
        client.answer(session.id, &answer("   ")),
        Err(Error::InvalidInput { .. })
    ));
    let abandoned = client.abandon_practice(session.id).expect("abandon");
    assert_eq!(abandoned.status, SessionStatus::Abandoned);
    assert!(matches!(
        client.answer(session.id, &answer("hello")),
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        client.complete_practice(session.id),
        Err(Error::Conflict(_))
    ));
    assert_eq!(
        client.balance().expect("balance").available,
        0,
        "abandoning earns nothing"
    );
    assert!(matches!(
        client.start_practice(Uuid::now_v7(), None),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn a_session_survives_the_app_being_closed_and_reopened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = TestClock::at(Utc::now());
    let session_id = {
        let client = seoul_client(&dir, clock.clone());
        let session = client.start_practice(id(SITUATION), None).expect("start");
        client
            .answer(session.id, &answer("One iced americano, please."))
            .expect("answer");
        session.id
    };
    let client = open(&dir.path().join("user.db"), clock);
    let open = client
        .current_practice()
        .expect("query")
        .expect("the session is still open");
    assert_eq!(open.id, session_id);
    assert_eq!(open.turns.len(), 2);
    client
        .complete_practice(session_id)
        .expect("complete after restart");
    assert!(client.current_practice().expect("query").is_none());
}

#[test]
fn awards_are_never_doubled_by_retries_or_a_clock_set_backwards() {
    let dir = tempfile::tempdir().expect("tempdir");
    let day_one = Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap(); // 12:00 in Seoul
    let clock = TestClock::at(day_one);
    let client = seoul_client(&dir, clock.clone());

    let first = practise(&client);
    let daily = |c: &studymate_core::practice::Completion| {
        c.awards
            .iter()
            .filter(|a| a.rule.as_deref() == Some("daily_practice"))
            .count()
    };
    assert_eq!(daily(&first), 1);
    clock.set(day_one + Duration::hours(2));
    assert_eq!(
        daily(&practise(&client)),
        0,
        "one daily award per local day"
    );

    // The device clock jumps back two days: the session counts for the latest day already credited.
    clock.set(day_one - Duration::days(2));
    let back = practise(&client);
    assert_eq!(back.session.local_day, first.session.local_day);
    assert_eq!(daily(&back), 0);
    assert_eq!(back.streak.current, 1);

    let history = client.point_history(None, 100).expect("history");
    let mut keys: Vec<_> = history
        .entries
        .iter()
        .filter_map(|e| e.rule.clone().zip(e.period_key.clone()))
        .collect();
    let all = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), all, "every (rule, period) appears once");
    assert_totals_match_ledger(&dir.path().join("user.db"));
}

/// The trigger-kept running totals equal a fresh sum over the ledger.
fn assert_totals_match_ledger(path: &std::path::Path) {
    let conn = rusqlite::Connection::open(path).expect("raw connection");
    let (sum, totals): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT coalesce(sum(points_amount), 0) FROM point_transactions),
                    (SELECT coalesce(sum(available), 0) FROM point_totals)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("sums");
    assert_eq!(sum, totals);
}

#[test]
fn streaks_count_local_days_across_dst_and_the_date_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    // New York, 2026-03-08 is 23 hours long (DST starts).
    let clock = TestClock::at(Utc.with_ymd_and_hms(2026, 3, 8, 4, 30, 0).unwrap()); // 23:30 on Mar 7 local
    let client = open(&dir.path().join("user.db"), clock.clone());
    client
        .update_profile(&ProfilePatch {
            time_zone: Some("America/New_York".into()),
            ..Default::default()
        })
        .expect("zone");
    assert_eq!(
        practise(&client)
            .session
            .local_day
            .expect("day")
            .to_string(),
        "2026-03-07"
    );
    clock.set(Utc.with_ymd_and_hms(2026, 3, 9, 3, 30, 0).unwrap()); // 23:30 on Mar 8 (EDT)
    let dst = practise(&client);
    assert_eq!(
        dst.session.local_day.expect("day").to_string(),
        "2026-03-08"
    );
    assert_eq!(dst.streak.current, 2, "the 23-hour day counts once");
    assert_eq!(
        dst.unlocked
            .iter()
            .filter(|u| u.achievement_id == id(TWO_DAYS))
            .count(),
        1
    );

    // 25-hour day (DST ends 2026-11-01): practise at 00:30 and 23:30 local, same day.
    clock.set(Utc.with_ymd_and_hms(2026, 11, 1, 4, 30, 0).unwrap()); // 00:30 EDT
    let early = practise(&client);
    clock.set(Utc.with_ymd_and_hms(2026, 11, 2, 4, 30, 0).unwrap()); // 23:30 EST
    let late = practise(&client);
    assert_eq!(early.session.local_day, late.session.local_day);

    // Fly Honolulu → Seoul: practise at 20:00 on Nov 3 in Honolulu, land 9.5 hours later when
    // Seoul's clock already shows 00:30 on Nov 5. Nov 4 never appeared on the learner's calendar.
    client
        .update_profile(&ProfilePatch {
            time_zone: Some("Pacific/Honolulu".into()),
            ..Default::default()
        })
        .expect("zone");
    clock.set(Utc.with_ymd_and_hms(2026, 11, 4, 6, 0, 0).unwrap()); // 20:00 Nov 3 HST
    let honolulu = practise(&client);
    assert_eq!(
        honolulu.session.local_day.expect("day").to_string(),
        "2026-11-03"
    );
    client
        .update_profile(&ProfilePatch {
            time_zone: Some("Asia/Seoul".into()),
            ..Default::default()
        })
        .expect("zone");
    clock.set(Utc.with_ymd_and_hms(2026, 11, 4, 15, 30, 0).unwrap()); // 00:30 Nov 5 KST, 9.5 h later
    let seoul = practise(&client);
    assert_eq!(
        seoul.session.local_day.expect("day").to_string(),
        "2026-11-05"
    );
    assert_eq!(
        seoul.streak.current, 1,
        "Nov 4 was skipped on the learner's calendar: documented rule"
    );
}

#[test]
fn spending_is_checked_against_the_derived_balance() {
    let dir = tempfile::tempdir().expect("tempdir");
    let client = seoul_client(&dir, TestClock::at(Utc::now()));
    assert!(
        matches!(
            client.buy_streak_freeze(),
            Err(Error::InsufficientPoints { available: 0, .. })
        ),
        "no points yet"
    );
    client
        .record_points(&NewPoints {
            transaction_type: TransactionType::Bonus,
            amount: 250,
            source: PointSource::Referral,
            source_reference_id: None,
            description: None,
        })
        .expect("bonus");
    client.buy_streak_freeze().expect("first freeze");
    client.buy_streak_freeze().expect("second freeze");
    assert!(
        matches!(
            client.buy_streak_freeze(),
            Err(Error::FreezeLimitReached { held: 2, max: 2 })
        ),
        "at most two held"
    );
    assert_eq!(client.balance().expect("balance").available, 50);
    assert_eq!(client.progress().expect("progress").streak.freezes_held, 2);
    assert_totals_match_ledger(&dir.path().join("user.db"));
}

#[test]
fn next_up_and_summaries_come_from_the_local_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = TestClock::at(Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap());
    let client = seoul_client(&dir, clock.clone());
    let fresh = client.next_up(5).expect("next up");
    assert_eq!(fresh.len(), 1);
    assert_eq!(fresh[0].situation.id, id(SITUATION));
    practise(&client);
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let summary = client
        .learning_summary(PeriodType::Daily, day)
        .expect("summary");
    assert_eq!(summary.session_count, 1);
    assert!(summary.average_overall_tenths.is_some());
    let weekly = client
        .learning_summary(PeriodType::Weekly, day)
        .expect("weekly");
    assert_eq!(weekly.session_count, 1);
    assert!(matches!(client.next_up(0), Err(Error::InvalidInput { .. })));
}

//! The reward rule table: which completions earn which ledger entries, keyed for idempotency.
//!
//! | rule | when | period key | type / source | points |
//! |---|---|---|---|---:|
//! | `daily_practice` | a session completes on a local day | `2026-11-23` | earned / daily_practice | 10 |
//! | `perfect_score` | a session's overall score ≥ 95 | `session:<session uuid>` | earned / perfect_score | 5 |
//! | `streak_bonus` | the live run reaches a milestone (3, 7, 14, 30, 60, 100, 180, 365 days, then every further 365) | `streak:<run start day>:<milestone>` | bonus / streak_bonus | 20 … 1000 |
//! | `weekly_challenge` | 5 sessions completed in one local ISO week | `2026-W48` | bonus / challenge_complete | 50 |
//! | `achievement_unlock` | an achievement with `points_reward > 0` unlocks | `achievement:<achievement uuid>` | bonus / challenge_complete | its `points_reward` |
//!
//! The pair (rule, period key) is the idempotency key: the store keeps it under a UNIQUE
//! constraint and inserts awards with "on conflict do nothing". The functions here return
//! every award a completion *qualifies* for; the constraint turns repeats (a second session
//! on the same day, a retry, a re-sync) into no-ops. Period keys come from the practice day,
//! which [`crate::rewards::practice_day`] never lets fall below a day already recorded, so a
//! clock set backwards produces keys that already exist instead of re-opening past periods.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{PointSource, RewardsError, StreakInfo, TransactionType, Unlock, day_key, week_key};

/// Points for the first completed session of a local day.
pub const DAILY_PRACTICE_POINTS: i64 = 10;
/// The overall score (0–100) at or above which a session counts as perfect.
pub const PERFECT_SCORE_THRESHOLD: i32 = 95;
/// Points for a perfect session.
pub const PERFECT_SCORE_POINTS: i64 = 5;
/// Sessions to complete in one local ISO week for the weekly challenge.
pub const WEEKLY_CHALLENGE_SESSIONS: u32 = 5;
/// Points for the weekly challenge.
pub const WEEKLY_CHALLENGE_POINTS: i64 = 50;
/// Streak milestones in days with their bonus points, in increasing order. After the last one,
/// every further 365 days is a milestone worth [`YEARLY_STREAK_POINTS`].
pub const STREAK_MILESTONES: [(u32, i64); 8] = [
    (3, 20),
    (7, 50),
    (14, 100),
    (30, 200),
    (60, 300),
    (100, 500),
    (180, 750),
    (365, 1000),
];
/// Bonus points for each streak year after the first (730, 1095, … days).
pub const YEARLY_STREAK_POINTS: i64 = 1000;
/// Yearly milestones stop after this many years; no run can be that long.
const MAX_STREAK_YEARS: u32 = 100;

/// Namespace of award ledger ids (UUIDv5, see [`award_id`]).
const AWARD_ID_NAMESPACE: Uuid = Uuid::from_u128(0x5d0c_2a7e_93b1_4f6a_8c3e_71f0_a9d2_4b18);

/// The ledger id of an award: a name-based UUID of the user, the rule and the period, so the
/// award a device predicts offline, the same award predicted by the user's other devices and
/// the server's grant are one and the same ledger entry.
pub fn award_id(user: Uuid, rule: RuleId, period_key: &str) -> Uuid {
    Uuid::new_v5(
        &AWARD_ID_NAMESPACE,
        format!("{user}/{}/{period_key}", rule.as_str()).as_bytes(),
    )
}

/// Identifies a reward rule; the first half of the idempotency key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleId {
    /// First completed session of a local day.
    DailyPractice,
    /// A session with a perfect overall score.
    PerfectScore,
    /// A streak milestone reached by the live run.
    StreakBonus,
    /// Enough sessions in one local ISO week.
    WeeklyChallenge,
    /// The points reward of an achievement.
    AchievementUnlock,
}

impl RuleId {
    /// Every rule.
    pub const ALL: [RuleId; 5] = [
        Self::DailyPractice,
        Self::PerfectScore,
        Self::StreakBonus,
        Self::WeeklyChallenge,
        Self::AchievementUnlock,
    ];

    /// The rule stored as `text`, if it is one.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|rule| rule.as_str() == text)
    }

    /// The stable text form stored in the ledger's rule column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DailyPractice => "daily_practice",
            Self::PerfectScore => "perfect_score",
            Self::StreakBonus => "streak_bonus",
            Self::WeeklyChallenge => "weekly_challenge",
            Self::AchievementUnlock => "achievement_unlock",
        }
    }
}

/// One ledger entry a rule grants. `(rule, period_key)` is its idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Award {
    /// The rule that grants it.
    pub rule: RuleId,
    /// The period (day, week, session, streak run and milestone, achievement) it is granted for.
    pub period_key: String,
    /// `point_transactions.transaction_type`.
    pub transaction_type: TransactionType,
    /// `point_transactions.source_type`.
    pub source_type: PointSource,
    /// Points granted; always positive.
    pub points: i64,
    /// `point_transactions.source_reference_id`: the session or achievement behind it.
    pub source_reference: Option<Uuid>,
    /// A short English description for the ledger row (apps localise by `rule`).
    pub description: String,
}

/// The period key of a streak-bonus award: a run, named by its first practice day, and a
/// milestone. Text form `streak:<YYYY-MM-DD>:<days>`, e.g. `streak:2026-11-10:7`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreakMilestoneKey {
    /// First practice day of the run that reached the milestone.
    pub run_start: NaiveDate,
    /// The milestone in days.
    pub milestone: u32,
}

impl fmt::Display for StreakMilestoneKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "streak:{}:{}", day_key(self.run_start), self.milestone)
    }
}

impl FromStr for StreakMilestoneKey {
    type Err = RewardsError;

    /// Parses the text form back, so the store can hand already-awarded keys to
    /// [`CompletionContext::awarded_streak_milestones`].
    fn from_str(key: &str) -> Result<Self, Self::Err> {
        let invalid = || RewardsError::InvalidPeriodKey(key.to_owned());
        let mut parts = key.split(':');
        let (Some("streak"), Some(day), Some(milestone), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        Ok(Self {
            run_start: NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| invalid())?,
            milestone: milestone.parse().map_err(|_| invalid())?,
        })
    }
}

/// What the store knows when a session completes, as plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletionContext<'a> {
    /// The completed session.
    pub session_id: Uuid,
    /// Its overall score, 0–100.
    pub overall: i32,
    /// Its practice day, from [`crate::rewards::practice_day`].
    pub practice_day: NaiveDate,
    /// The streak including this session, from [`crate::rewards::streak`] with
    /// `today = practice_day`.
    pub streak: StreakInfo,
    /// Completed sessions whose practice day is in the ISO week of `practice_day`, this one
    /// included.
    pub sessions_in_week: u32,
    /// Streak-bonus keys already in the ledger (any device), parsed with
    /// [`StreakMilestoneKey::from_str`]. A milestone already awarded to a run that this run has
    /// since absorbed (a late day extended it backwards or merged two runs) is not awarded again.
    pub awarded_streak_milestones: &'a [StreakMilestoneKey],
}

/// Every award a completed session qualifies for, in rule order.
pub fn awards_for_completion(ctx: &CompletionContext<'_>) -> Vec<Award> {
    let mut awards = vec![Award {
        rule: RuleId::DailyPractice,
        period_key: day_key(ctx.practice_day),
        transaction_type: TransactionType::Earned,
        source_type: PointSource::DailyPractice,
        points: DAILY_PRACTICE_POINTS,
        source_reference: Some(ctx.session_id),
        description: format!("Daily practice on {}", day_key(ctx.practice_day)),
    }];
    if ctx.overall >= PERFECT_SCORE_THRESHOLD {
        awards.push(Award {
            rule: RuleId::PerfectScore,
            period_key: format!("session:{}", ctx.session_id),
            transaction_type: TransactionType::Earned,
            source_type: PointSource::PerfectScore,
            points: PERFECT_SCORE_POINTS,
            source_reference: Some(ctx.session_id),
            description: format!("Perfect score ({})", ctx.overall),
        });
    }
    awards.extend(streak_awards(ctx));
    if ctx.sessions_in_week >= WEEKLY_CHALLENGE_SESSIONS {
        let week = week_key(ctx.practice_day);
        awards.push(Award {
            rule: RuleId::WeeklyChallenge,
            description: format!(
                "Weekly challenge: {WEEKLY_CHALLENGE_SESSIONS} sessions in {week}"
            ),
            period_key: week,
            transaction_type: TransactionType::Bonus,
            source_type: PointSource::ChallengeComplete,
            points: WEEKLY_CHALLENGE_POINTS,
            source_reference: None,
        });
    }
    awards
}

/// The points rewards of newly unlocked achievements (see
/// [`crate::rewards::newly_unlocked`]); achievements worth no points grant no entry.
pub fn awards_for_unlocks(unlocks: &[Unlock]) -> Vec<Award> {
    unlocks
        .iter()
        .filter(|unlock| unlock.points_reward > 0)
        .map(|unlock| Award {
            rule: RuleId::AchievementUnlock,
            period_key: format!("achievement:{}", unlock.achievement_id),
            transaction_type: TransactionType::Bonus,
            source_type: PointSource::AchievementUnlock,
            points: unlock.points_reward,
            source_reference: Some(unlock.achievement_id),
            description: format!("Achievement unlocked: {}", unlock.title),
        })
        .collect()
}

/// The streak milestones up to `current` days with their points, in increasing order.
pub fn streak_milestones_up_to(current: u32) -> impl Iterator<Item = (u32, i64)> {
    let yearly = (2..=MAX_STREAK_YEARS).map(|year| (365 * year, YEARLY_STREAK_POINTS));
    STREAK_MILESTONES
        .into_iter()
        .chain(yearly)
        .take_while(move |(days, _)| *days <= current)
}

fn streak_awards(ctx: &CompletionContext<'_>) -> Vec<Award> {
    let (Some(run_start), Some(run_end)) =
        (ctx.streak.current_run_start, ctx.streak.last_practice_day)
    else {
        return Vec::new();
    };
    streak_milestones_up_to(ctx.streak.current.unsigned_abs())
        .filter(|(milestone, _)| {
            !ctx.awarded_streak_milestones.iter().any(|awarded| {
                awarded.milestone == *milestone
                    && (run_start..=run_end).contains(&awarded.run_start)
            })
        })
        .map(|(milestone, points)| Award {
            rule: RuleId::StreakBonus,
            period_key: StreakMilestoneKey {
                run_start,
                milestone,
            }
            .to_string(),
            transaction_type: TransactionType::Bonus,
            source_type: PointSource::StreakBonus,
            points,
            source_reference: None,
            description: format!("{milestone}-day streak"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rewards::{practice_day, streak};
    use chrono::{TimeZone, Utc};
    use std::collections::BTreeSet;

    fn date(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).expect("valid test date")
    }

    fn days(range: std::ops::RangeInclusive<u32>) -> Vec<NaiveDate> {
        range.map(date).collect()
    }

    fn context<'a>(
        session: u128,
        overall: i32,
        practiced: &[NaiveDate],
        sessions_in_week: u32,
        awarded: &'a [StreakMilestoneKey],
    ) -> CompletionContext<'a> {
        let practice_day = *practiced.iter().max().expect("at least one day");
        CompletionContext {
            session_id: Uuid::from_u128(session),
            overall,
            practice_day,
            streak: streak(practiced, &[], practice_day),
            sessions_in_week,
            awarded_streak_milestones: awarded,
        }
    }

    fn keys(awards: &[Award]) -> BTreeSet<(RuleId, String)> {
        awards
            .iter()
            .map(|award| (award.rule, award.period_key.clone()))
            .collect()
    }

    fn key(rule: RuleId, period: &str) -> (RuleId, String) {
        (rule, period.to_owned())
    }

    #[test]
    fn an_ordinary_session_earns_the_daily_award() {
        let awards = awards_for_completion(&context(1, 80, &[date(23)], 1, &[]));
        assert_eq!(
            awards,
            [Award {
                rule: RuleId::DailyPractice,
                period_key: "2026-11-23".into(),
                transaction_type: TransactionType::Earned,
                source_type: PointSource::DailyPractice,
                points: DAILY_PRACTICE_POINTS,
                source_reference: Some(Uuid::from_u128(1)),
                description: "Daily practice on 2026-11-23".into(),
            }]
        );
    }

    #[test]
    fn perfect_score_is_keyed_by_session() {
        let below = awards_for_completion(&context(7, 94, &[date(23)], 1, &[]));
        assert!(
            !keys(&below)
                .iter()
                .any(|(rule, _)| *rule == RuleId::PerfectScore)
        );
        let perfect = awards_for_completion(&context(7, 95, &[date(23)], 1, &[]));
        let award = perfect
            .iter()
            .find(|award| award.rule == RuleId::PerfectScore)
            .expect("perfect award");
        assert_eq!(award.period_key, format!("session:{}", Uuid::from_u128(7)));
        assert_eq!(
            (award.transaction_type, award.source_type, award.points),
            (
                TransactionType::Earned,
                PointSource::PerfectScore,
                PERFECT_SCORE_POINTS
            )
        );
    }

    #[test]
    fn weekly_challenge_from_the_fifth_session_of_an_iso_week() {
        let fourth = awards_for_completion(&context(1, 80, &[date(26)], 4, &[]));
        assert!(
            !keys(&fourth)
                .iter()
                .any(|(rule, _)| *rule == RuleId::WeeklyChallenge)
        );
        let fifth = awards_for_completion(&context(1, 80, &[date(26)], 5, &[]));
        assert!(keys(&fifth).contains(&key(RuleId::WeeklyChallenge, "2026-W48")));
        let award = fifth.last().expect("weekly award");
        assert_eq!(
            (award.transaction_type, award.source_type, award.points),
            (
                TransactionType::Bonus,
                PointSource::ChallengeComplete,
                WEEKLY_CHALLENGE_POINTS
            )
        );
    }

    #[test]
    fn streak_bonus_at_milestones_keyed_by_run_start() {
        let two = awards_for_completion(&context(1, 80, &days(20..=21), 2, &[]));
        assert!(
            !keys(&two)
                .iter()
                .any(|(rule, _)| *rule == RuleId::StreakBonus)
        );
        let three = awards_for_completion(&context(1, 80, &days(20..=22), 3, &[]));
        assert!(keys(&three).contains(&key(RuleId::StreakBonus, "streak:2026-11-20:3")));
        let bonus = three
            .iter()
            .find(|award| award.rule == RuleId::StreakBonus)
            .expect("streak award");
        assert_eq!(
            (bonus.points, bonus.transaction_type),
            (20, TransactionType::Bonus)
        );
    }

    #[test]
    fn milestone_list_is_finite_and_grows_yearly() {
        let up_to_800: Vec<_> = streak_milestones_up_to(800).map(|(days, _)| days).collect();
        assert_eq!(up_to_800, [3, 7, 14, 30, 60, 100, 180, 365, 730]);
        assert_eq!(streak_milestones_up_to(u32::MAX).count(), 8 + 99);
        assert_eq!(streak_milestones_up_to(2).count(), 0);
    }

    #[test]
    fn same_context_gives_the_same_keys() {
        let practiced = days(1..=14);
        let context = context(9, 99, &practiced, 6, &[]);
        let first = awards_for_completion(&context);
        assert_eq!(awards_for_completion(&context), first);
        assert_eq!(
            keys(&first),
            BTreeSet::from([
                key(RuleId::DailyPractice, "2026-11-14"),
                key(
                    RuleId::PerfectScore,
                    &format!("session:{}", Uuid::from_u128(9))
                ),
                key(RuleId::StreakBonus, "streak:2026-11-01:3"),
                key(RuleId::StreakBonus, "streak:2026-11-01:7"),
                key(RuleId::StreakBonus, "streak:2026-11-01:14"),
                key(RuleId::WeeklyChallenge, "2026-W46"),
            ])
        );
    }

    #[test]
    fn clock_set_back_opens_no_new_period() {
        // Practised on the 21st and 22nd, then on the 23rd in Seoul (awarded). The clock is
        // then set back to the 10th and another session completes.
        let tz = "Asia/Seoul";
        let real = Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap();
        let first_day = practice_day(real, tz, Some(date(22))).unwrap();
        let practiced = [date(21), date(22), first_day];
        let first = awards_for_completion(&context(1, 80, &practiced, 3, &[]));

        let wrong = Utc.with_ymd_and_hms(2026, 11, 10, 3, 0, 0).unwrap();
        let second_day = practice_day(wrong, tz, Some(first_day)).unwrap();
        assert_eq!(second_day, first_day);
        let awarded = [StreakMilestoneKey {
            run_start: date(21),
            milestone: 3,
        }];
        let practiced = [date(21), date(22), first_day, second_day];
        let second = awards_for_completion(&context(2, 80, &practiced, 4, &awarded));
        assert!(keys(&second).is_subset(&keys(&first)), "{second:?}");
    }

    #[test]
    fn a_run_extended_backwards_is_not_rewarded_twice() {
        // The 20th–22nd earned `streak:2026-11-20:3`; then the 19th arrives from another
        // device, so the run now starts on the 19th. The 3-day milestone is not repeated.
        let awarded = [StreakMilestoneKey {
            run_start: date(20),
            milestone: 3,
        }];
        let awards = awards_for_completion(&context(1, 80, &days(19..=23), 5, &awarded));
        let streak_keys: Vec<_> = keys(&awards)
            .into_iter()
            .filter(|(rule, _)| *rule == RuleId::StreakBonus)
            .collect();
        assert!(streak_keys.is_empty(), "{streak_keys:?}");
    }

    #[test]
    fn merged_runs_earn_only_milestones_not_yet_reached() {
        // Runs 1–5 and 7–10 each earned their 3-day bonus; the 6th arrives late and the next
        // session on the 11th makes one 11-day run: only the 7-day bonus is new.
        let awarded = [
            StreakMilestoneKey {
                run_start: date(1),
                milestone: 3,
            },
            StreakMilestoneKey {
                run_start: date(7),
                milestone: 3,
            },
        ];
        let awards = awards_for_completion(&context(1, 80, &days(1..=11), 2, &awarded));
        let streak_keys: Vec<_> = keys(&awards)
            .into_iter()
            .filter(|(rule, _)| *rule == RuleId::StreakBonus)
            .collect();
        assert_eq!(
            streak_keys,
            [key(RuleId::StreakBonus, "streak:2026-11-01:7")]
        );
    }

    #[test]
    fn a_new_run_earns_its_milestones_again() {
        let awarded = [StreakMilestoneKey {
            run_start: date(1),
            milestone: 3,
        }];
        let awards = awards_for_completion(&context(
            1,
            80,
            &[date(1), date(2), date(3), date(10), date(11), date(12)],
            1,
            &awarded,
        ));
        assert!(keys(&awards).contains(&key(RuleId::StreakBonus, "streak:2026-11-10:3")));
    }

    #[test]
    fn award_ids_name_the_user_rule_and_period() {
        let user = Uuid::from_u128(1);
        let id = award_id(user, RuleId::DailyPractice, "2026-11-23");
        assert_eq!(id, award_id(user, RuleId::DailyPractice, "2026-11-23"));
        assert_eq!(id.get_version_num(), 5);
        assert_ne!(
            id,
            award_id(Uuid::from_u128(2), RuleId::DailyPractice, "2026-11-23")
        );
        assert_ne!(id, award_id(user, RuleId::DailyPractice, "2026-11-24"));
        assert_ne!(id, award_id(user, RuleId::PerfectScore, "2026-11-23"));
        for rule in RuleId::ALL {
            assert_eq!(RuleId::parse(rule.as_str()), Some(rule));
        }
        assert_eq!(RuleId::parse("made_up"), None);
    }

    #[test]
    fn streak_keys_round_trip() {
        let key = StreakMilestoneKey {
            run_start: date(10),
            milestone: 7,
        };
        assert_eq!(key.to_string(), "streak:2026-11-10:7");
        assert_eq!("streak:2026-11-10:7".parse(), Ok(key));
        for bad in [
            "",
            "streak:2026-11-10",
            "streak:2026-11-10:x",
            "week:2026-11-10:7",
            "streak:2026-13-10:7",
            "streak:2026-11-10:7:1",
        ] {
            assert_eq!(
                bad.parse::<StreakMilestoneKey>(),
                Err(RewardsError::InvalidPeriodKey(bad.into()))
            );
        }
    }

    #[test]
    fn achievement_rewards_once_per_achievement() {
        let unlock = |n: u128, points_reward| Unlock {
            achievement_id: Uuid::from_u128(n),
            title: format!("A{n}"),
            points_reward,
        };
        let awards = awards_for_unlocks(&[unlock(1, 50), unlock(2, 0), unlock(3, -5)]);
        assert_eq!(
            awards,
            [Award {
                rule: RuleId::AchievementUnlock,
                period_key: format!("achievement:{}", Uuid::from_u128(1)),
                transaction_type: TransactionType::Bonus,
                source_type: PointSource::AchievementUnlock,
                points: 50,
                source_reference: Some(Uuid::from_u128(1)),
                description: "Achievement unlocked: A1".into(),
            }]
        );
    }
}

//! Rewards: pure rules for points, streaks, levels and achievements.
//!
//! Nothing here touches SQLite, the clock or the network. The store calls these functions
//! inside its transactions with plain data it has read (practice days, ledger keys, counters)
//! and writes what they return. Every rule, the level curve, the streak and freeze rules are
//! documented in `docs/rewards.md`.

mod achievements;
mod error;
mod freeze;
mod kinds;
mod levels;
mod period;
mod rules;
mod spend;
mod streak;
mod summary;

pub use achievements::{
    AchievementDef, AchievementProgress, LearnerStats, Requirement, Unlock, newly_unlocked,
};
pub use error::RewardsError;
pub use freeze::{
    FREEZE_PRICE, FREEZE_RULE, MAX_FREEZES_HELD, check_freeze_purchase, freeze_day,
    freeze_period_key,
};
pub use kinds::{PointSource, TransactionType};
pub use levels::{LevelInfo, MAX_LEVEL, level_for, level_ups, points_for_level};
pub use period::{day_key, iso_week_bounds, local_day, practice_day, week_key};
pub use rules::{
    Award, CompletionContext, DAILY_PRACTICE_POINTS, PERFECT_SCORE_POINTS, PERFECT_SCORE_THRESHOLD,
    RuleId, STREAK_MILESTONES, StreakMilestoneKey, WEEKLY_CHALLENGE_POINTS,
    WEEKLY_CHALLENGE_SESSIONS, YEARLY_STREAK_POINTS, award_id, awards_for_completion,
    awards_for_unlocks, streak_milestones_up_to,
};
pub use spend::check_spend;
pub use streak::{StreakInfo, streak};
pub use summary::{
    LearningSummary, PeriodType, STRONG_FROM_TENTHS, SummaryRecord, WEAK_BELOW_TENTHS,
    average_tenths, daily_summary, weekly_summary,
};

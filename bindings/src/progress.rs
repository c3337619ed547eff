//! Progress calls: points, level, streak and achievements at a glance, buying a streak freeze,
//! what to practise next (with the reason), and daily or weekly learning summaries.

use studymate_core::catalog::{Achievement, Situation};
use studymate_core::ledger::{Balance, PointTransaction};
use studymate_core::next_up::{Recommendation, RecommendationReason};
use studymate_core::progress::{AchievementStatus, NextUpItem, Progress};
use studymate_core::rewards::{LearningSummary, LevelInfo, PeriodType, StreakInfo, Unlock};
use uuid::Uuid;

use crate::client::Client;
use crate::error::Result;
use crate::observer::{DataArea, DataChange};
use crate::types::{LocalDate, Timestamp};

/// The learner's level and the way to the next one.
#[uniffi::remote(Record)]
pub struct LevelInfo {
    /// The level, from 1.
    pub level: u32,
    /// Points earned since reaching it.
    pub points_into_level: i64,
    /// Points still needed for the next level; 0 at the top.
    pub points_to_next_level: i64,
}

/// The practice streak, in the learner's local days.
#[uniffi::remote(Record)]
pub struct StreakInfo {
    /// Days in the live run; 0 when broken.
    pub current: u32,
    /// Days in the longest run ever.
    pub longest: u32,
    /// The latest practice day.
    pub last_practice_day: Option<LocalDate>,
    /// First day of the live run.
    pub current_run_start: Option<LocalDate>,
    /// Missed days covered by freezes, ever.
    pub frozen_days_used: u32,
    /// Freezes held now.
    pub freezes_held: u32,
}

/// An achievement just unlocked.
#[uniffi::remote(Record)]
pub struct Unlock {
    /// The achievement.
    pub achievement_id: Uuid,
    /// Its title.
    pub title: String,
    /// Points it granted.
    pub points_reward: i64,
}

/// Points, level, streak and achievements.
#[uniffi::remote(Record)]
pub struct Progress {
    /// Points.
    pub balance: Balance,
    /// Level.
    pub level: LevelInfo,
    /// Streak.
    pub streak: StreakInfo,
    /// Every active achievement with the learner's progress.
    pub achievements: Vec<AchievementStatus>,
}

/// One achievement and how far the learner is.
#[uniffi::remote(Record)]
pub struct AchievementStatus {
    /// The definition.
    pub achievement: Achievement,
    /// Progress so far (may exceed `target`).
    pub current: u64,
    /// What the requirement asks for.
    pub target: u64,
    /// When it was unlocked.
    pub unlocked_at: Option<Timestamp>,
}

/// Why a situation is recommended.
#[uniffi::remote(Enum)]
pub enum RecommendationReason {
    /// Its spaced-repetition review is due.
    Due {
        /// Whole days since it became due.
        overdue_days: u32,
    },
    /// It is in a category the learner is weak in.
    WeakCategory {
        /// The category.
        category: String,
        /// The category's recent average overall score in tenths.
        average_tenths: u32,
    },
    /// Never practised.
    New,
    /// Not due yet; offered to practise ahead.
    Upcoming {
        /// Whole days until due.
        due_in_days: u32,
    },
}

/// A ranked recommendation.
#[uniffi::remote(Record)]
pub struct Recommendation {
    /// The situation.
    pub situation_id: Uuid,
    /// Position, 1 first.
    pub rank: u32,
    /// Why it is offered.
    pub reason: RecommendationReason,
    /// When its review is due; `null`/`nil` if never practised.
    pub due_at: Option<Timestamp>,
}

/// A recommendation with its situation, ready to show.
#[uniffi::remote(Record)]
pub struct NextUpItem {
    /// Rank and reason.
    pub recommendation: Recommendation,
    /// The situation.
    pub situation: Situation,
}

#[uniffi::remote(Enum)]
pub enum PeriodType {
    Daily,
    Weekly,
}

/// A learning summary of one local day or ISO week.
#[uniffi::remote(Record)]
pub struct LearningSummary {
    /// Daily or weekly.
    pub period_type: PeriodType,
    /// First day.
    pub period_start: LocalDate,
    /// Last day (inclusive).
    pub period_end: LocalDate,
    /// Sessions completed.
    pub session_count: u32,
    /// Study time, minutes.
    pub study_minutes: u32,
    /// Distinct situations practised.
    pub unique_situations: u32,
    /// Average overall score in tenths.
    pub average_overall_tenths: Option<u32>,
    /// Average pronunciation score in tenths, spoken sessions.
    pub average_pronunciation_tenths: Option<u32>,
    /// Average fluency score in tenths, spoken sessions.
    pub average_fluency_tenths: Option<u32>,
    /// Longest run of active days inside the period.
    pub consecutive_days_active: u32,
    /// Weak categories, weakest first.
    pub weak_categories: Vec<String>,
    /// Strong categories, strongest first.
    pub strong_categories: Vec<String>,
}

#[uniffi::export]
impl Client {
    /// Points, level, streak and achievements, derived from the local database.
    pub fn progress(&self) -> Result<Progress> {
        Ok(self.core()?.progress()?)
    }

    /// Buys one streak freeze with points; `Conflict` when the balance is too low or the
    /// learner already holds the maximum.
    pub fn buy_streak_freeze(&self) -> Result<PointTransaction> {
        self.write(
            |core| core.buy_streak_freeze(),
            |_| DataChange::of(&[DataArea::Points]),
        )
    }

    /// Situations to practise next, best first, with the reason for each (`limit` 1–100).
    pub fn next_up(&self, limit: u32) -> Result<Vec<NextUpItem>> {
        Ok(self.core()?.next_up(limit)?)
    }

    /// The daily or weekly summary of the local period containing `day`.
    pub fn learning_summary(&self, period: PeriodType, day: LocalDate) -> Result<LearningSummary> {
        Ok(self.core()?.learning_summary(period, day)?)
    }
}

//! The learner's progress as the server derives it: from the completed sessions it accepted, it
//! keeps each user's practice days and per-situation counts (the one writer of `practice_days`
//! and `practice_stats`), and grants the awards and achievement unlocks those events earn with
//! the rules the device predicts them with (`core::rewards`). A device's own awards and unlocks
//! are only predictions; what the server grants here is what counts.
//!
//! A session that reaches the server more than [`AWARD_WINDOW_DAYS`] days after it ended is kept
//! in the user's history but counts for nothing: without the window, a modified client could
//! back-date sessions to fill years of practice days and streak milestones.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use studymate_core::catalog::{Achievement, Situation};
use studymate_core::changelog::Operation;
use studymate_core::ledger::PointTransaction;
use studymate_core::practice::{PracticeSession, SessionStatus};
use studymate_core::rewards::{
    self, AchievementDef, Award, CompletionContext, LearnerStats, PERFECT_SCORE_THRESHOLD, RuleId,
    StreakInfo, StreakMilestoneKey,
};
use studymate_protocol::{ServerEntity, UserAchievementRecord};
use uuid::Uuid;

use crate::db::{Conn, DbError, params};
use crate::feed::Audience;
use crate::ledger;
use crate::records::{self, Target};

/// Days after its end within which a completed session still counts for practice days, awards
/// and achievements.
pub const AWARD_WINDOW_DAYS: i64 = 30;

/// The `meta` key recording that `practice_days` and `practice_stats` hold every accepted session.
const DERIVED_KEY: &str = "progress_derived";

/// Fills `practice_days` and `practice_stats` from the stored sessions, once, for a database
/// written before the server kept them (the `meta` key `progress_derived` records it). Nothing is
/// granted: what those sessions earned was recorded when they were pushed. Returns how many
/// sessions were counted.
pub fn backfill(conn: &mut dyn Conn) -> Result<usize, DbError> {
    if !conn
        .query("SELECT 1 FROM meta WHERE key = $1", params![DERIVED_KEY])?
        .is_empty()
    {
        return Ok(0);
    }
    let rows = conn.query(
        "SELECT doc, owner_id FROM records WHERE kind = $1 AND owner_id IS NOT NULL",
        params![ServerEntity::PracticeSession.as_str()],
    )?;
    let mut counted = 0;
    for row in &rows {
        let session: PracticeSession = serde_json::from_str(&row.text(0)?)
            .map_err(|e| DbError::Decode(format!("practice session: {e}")))?;
        let owner = row.text(1)?;
        let id = Uuid::parse_str(&owner)
            .map_err(|e| DbError::Decode(format!("session owner {owner:?}: {e}")))?;
        let learner = Learner {
            id,
            key: &owner,
            origin: session.id,
        };
        if learner.count(conn, &session)? {
            counted += 1;
        }
    }
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ($1, '1')",
        params![DERIVED_KEY],
    )?;
    Ok(counted)
}

/// What the server derives for one user, inside a push's transaction.
pub struct Learner<'a> {
    /// The user's id.
    pub id: Uuid,
    /// The same, as stored.
    pub key: &'a str,
    /// The pushed change responsible for what is granted now.
    pub origin: Uuid,
}

impl Learner<'_> {
    /// Records a completed session the server accepted (already validated and re-scored) and
    /// grants every award and unlock it earns. A session outside the award window counts for
    /// nothing. Returns whether it counted.
    pub fn complete(
        &self,
        conn: &mut dyn Conn,
        session: &PracticeSession,
        received_at: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let (Some(day), Some(scores), Some(ended)) =
            (session.local_day, session.scores, session.ended_at)
        else {
            return Ok(false);
        };
        if received_at - ended > Duration::days(AWARD_WINDOW_DAYS) || !self.count(conn, session)? {
            return Ok(false);
        }
        let streak = self.streak(conn, day)?;
        let (week_start, week_end) = rewards::iso_week_bounds(day);
        let sessions_in_week = conn
            .query(
                "SELECT CAST(coalesce(sum(sessions), 0) AS BIGINT) FROM practice_days
                 WHERE user_id = $1 AND local_day BETWEEN $2 AND $3",
                params![
                    self.key,
                    rewards::day_key(week_start),
                    rewards::day_key(week_end)
                ],
            )?
            .first()
            .map_or(Ok(0), |row| row.int(0))?;
        let awarded: Vec<StreakMilestoneKey> =
            ledger::period_keys(conn, self.key, RuleId::StreakBonus.as_str())?
                .iter()
                .filter_map(|key| key.parse().ok())
                .collect();
        let awards = rewards::awards_for_completion(&CompletionContext {
            session_id: session.id,
            overall: scores.overall,
            practice_day: day,
            streak,
            sessions_in_week: u32::try_from(sessions_in_week).unwrap_or(u32::MAX),
            awarded_streak_milestones: &awarded,
        });
        for award in &awards {
            self.grant(conn, award, ended)?;
        }
        self.unlock_earned(conn, streak, ended, None)?;
        Ok(true)
    }

    /// Adds a completed session to the user's practice days and per-situation counts; returns
    /// whether it was one to count (completed, with a practice day and scores).
    fn count(&self, conn: &mut dyn Conn, session: &PracticeSession) -> Result<bool, DbError> {
        let (SessionStatus::Completed, Some(day), Some(scores)) =
            (session.status, session.local_day, session.scores)
        else {
            return Ok(false);
        };
        let situation = session.situation_id.to_string();
        let category = records::get::<Situation>(conn, ServerEntity::Situation, &situation)?
            .map(|s| s.doc.category);
        let perfect = i64::from(scores.overall >= PERFECT_SCORE_THRESHOLD);
        conn.execute(
            "INSERT INTO practice_days (user_id, local_day, sessions) VALUES ($1, $2, 1)
             ON CONFLICT (user_id, local_day) DO UPDATE SET sessions = practice_days.sessions + 1",
            params![self.key, rewards::day_key(day)],
        )?;
        conn.execute(
            "INSERT INTO practice_stats (user_id, situation_id, category, completed, perfect)
             VALUES ($1, $2, $3, 1, $4)
             ON CONFLICT (user_id, situation_id) DO UPDATE SET completed = practice_stats.completed + 1,
                 perfect = practice_stats.perfect + excluded.perfect",
            params![self.key, &situation, category, perfect],
        )?;
        Ok(true)
    }

    /// Unlocks every active achievement the user now meets and has not unlocked, with its award.
    /// With `only`, just that achievement. Returns the achievements unlocked.
    pub fn unlock_earned(
        &self,
        conn: &mut dyn Conn,
        streak: StreakInfo,
        at: DateTime<Utc>,
        only: Option<Uuid>,
    ) -> Result<Vec<Uuid>, DbError> {
        let stats = self.stats(conn, streak)?;
        let definitions: Vec<AchievementDef> = active_achievements(conn)?
            .iter()
            .filter(|a| only.is_none_or(|id| id == a.id))
            .filter_map(|a| a.definition().ok())
            .collect();
        let already = self.unlocked(conn)?;
        let unlocks = rewards::newly_unlocked(&definitions, &stats, &already);
        for unlock in &unlocks {
            let Some(definition) = definitions.iter().find(|d| d.id == unlock.achievement_id)
            else {
                continue;
            };
            let progress = definition.requirement.progress(&stats);
            let record = UserAchievementRecord {
                achievement_id: unlock.achievement_id,
                progress: serde_json::json!({ "current": progress.current, "target": progress.target }),
                completed_at: Some(at),
                points_earned: u32::try_from(unlock.points_reward.max(0)).unwrap_or(u32::MAX),
                is_pinned: false,
                is_public: true,
                updated_at: at,
            };
            let entity_id = unlock.achievement_id.to_string();
            let record_id = format!("{}:{entity_id}", self.key);
            let target = Target {
                kind: ServerEntity::UserAchievement,
                record_id: &record_id,
                entity_id: &entity_id,
                owner: Some(self.key),
                room: None,
                audience: Audience::User(self.key),
                origin: Some(self.origin),
            };
            records::save(conn, &target, Operation::Insert, &record)?;
        }
        for award in &rewards::awards_for_unlocks(&unlocks) {
            self.grant(conn, award, at)?;
        }
        Ok(unlocks.iter().map(|u| u.achievement_id).collect())
    }

    /// The streak as of `today`, from the user's practice days and freeze purchases.
    pub fn streak(&self, conn: &mut dyn Conn, today: NaiveDate) -> Result<StreakInfo, DbError> {
        let days = conn
            .query(
                "SELECT local_day FROM practice_days WHERE user_id = $1",
                params![self.key],
            )?
            .iter()
            .map(|row| parse_day(&row.text(0)?))
            .collect::<Result<Vec<_>, _>>()?;
        let freezes: Vec<NaiveDate> = ledger::period_keys(conn, self.key, rewards::FREEZE_RULE)?
            .iter()
            .filter_map(|key| rewards::freeze_day(key).ok())
            .collect();
        Ok(rewards::streak(&days, &freezes, today))
    }

    /// The latest practice day the server holds for the user.
    pub fn last_practice_day(&self, conn: &mut dyn Conn) -> Result<Option<NaiveDate>, DbError> {
        conn.query(
            "SELECT max(local_day) FROM practice_days WHERE user_id = $1",
            params![self.key],
        )?
        .first()
        .map(|row| row.opt_text(0))
        .transpose()
        .map(Option::flatten)?
        .map(|day| parse_day(&day))
        .transpose()
    }

    /// Ids of the achievements the user has unlocked.
    pub fn unlocked(&self, conn: &mut dyn Conn) -> Result<Vec<Uuid>, DbError> {
        let rows = conn.query(
            "SELECT doc FROM records WHERE kind = $1 AND owner_id = $2",
            params![ServerEntity::UserAchievement.as_str(), self.key],
        )?;
        let mut ids = Vec::with_capacity(rows.len());
        for row in &rows {
            let record: UserAchievementRecord = serde_json::from_str(&row.text(0)?)
                .map_err(|e| DbError::Decode(format!("user achievement: {e}")))?;
            if record.completed_at.is_some() {
                ids.push(record.achievement_id);
            }
        }
        Ok(ids)
    }

    /// Writes `award` unless the user already has it; the entry's id is the one the device
    /// predicts it under ([`rewards::award_id`]).
    fn grant(&self, conn: &mut dyn Conn, award: &Award, at: DateTime<Utc>) -> Result<(), DbError> {
        let rule = award.rule.as_str();
        if ledger::granted(conn, self.key, rule, &award.period_key)?.is_some() {
            return Ok(());
        }
        let id = rewards::award_id(self.id, award.rule, &award.period_key);
        if ledger::exists(conn, id)? {
            return Ok(());
        }
        let entry = PointTransaction {
            id,
            transaction_type: award.transaction_type,
            points: award.points,
            source: award.source_type,
            source_reference_id: award.source_reference,
            rule: Some(rule.to_owned()),
            period_key: Some(award.period_key.clone()),
            description: Some(award.description.clone()),
            created_at: at,
        };
        ledger::write(conn, self.key, &entry, Some(self.origin))?;
        Ok(())
    }

    /// The counters achievements are evaluated on.
    fn stats(&self, conn: &mut dyn Conn, streak: StreakInfo) -> Result<LearnerStats, DbError> {
        let rows = conn.query(
            "SELECT completed, perfect, category FROM practice_stats WHERE user_id = $1",
            params![self.key],
        )?;
        let mut stats = LearnerStats {
            longest_streak: streak.longest.unsigned_abs(),
            lifetime_earned: ledger::totals(conn, self.key)?.lifetime_earned,
            category_sessions: BTreeMap::new(),
            ..LearnerStats::default()
        };
        for row in &rows {
            let completed = count(row.int(0)?);
            stats.sessions_completed = stats.sessions_completed.saturating_add(completed);
            stats.perfect_scores = stats.perfect_scores.saturating_add(count(row.int(1)?));
            stats.distinct_situations = stats.distinct_situations.saturating_add(1);
            if let Some(category) = row.opt_text(2)? {
                let sessions = stats.category_sessions.entry(category).or_default();
                *sessions = sessions.saturating_add(completed);
            }
        }
        Ok(stats)
    }
}

/// The catalog's active achievements.
pub fn active_achievements(conn: &mut dyn Conn) -> Result<Vec<Achievement>, DbError> {
    let rows = conn.query(
        "SELECT doc FROM records WHERE kind = $1",
        params![ServerEntity::Achievement.as_str()],
    )?;
    let mut achievements = Vec::with_capacity(rows.len());
    for row in &rows {
        let achievement: Achievement = serde_json::from_str(&row.text(0)?)
            .map_err(|e| DbError::Decode(format!("achievement: {e}")))?;
        if achievement.is_active {
            achievements.push(achievement);
        }
    }
    Ok(achievements)
}

fn count(stored: i64) -> u32 {
    u32::try_from(stored.max(0)).unwrap_or(u32::MAX)
}

fn parse_day(text: &str) -> Result<NaiveDate, DbError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| DbError::Decode(format!("practice day {text:?}: {e}")))
}

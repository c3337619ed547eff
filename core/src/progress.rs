//! The learner's progress, derived from the ledger and the session history: streak, level,
//! achievements, streak freezes, what to practise next and learning summaries.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Transaction, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalog::{self, Achievement};
use crate::changelog::{self, Entity, Operation};
use crate::client::Client;
use crate::days::{high_water, parse_day, self_time_zone};
use crate::error::{Error, Result};
use crate::ledger::{self, Balance, PointSource, PointTransaction, TransactionType};
#[cfg(feature = "client")]
use crate::next_up::{self, PracticeRecord, Recommendation, SituationInfo};
use crate::notify::{DataArea, DataChange};
use crate::rewards::{
    self, AchievementDef, FREEZE_RULE, LearnerStats, LearningSummary, LevelInfo, PeriodType,
    StreakInfo, StreakMilestoneKey, SummaryRecord, Unlock,
};
use crate::time;
use studymate_protocol::unsigned::to_i64;

/// Where the learner stands: points, level, streak and achievements.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "LearnerProgress"))]
pub struct Progress {
    /// Points, derived from the ledger.
    pub balance: Balance,
    /// Level, from lifetime earned points.
    pub level: LevelInfo,
    /// Streak as of today in the learner's time zone.
    pub streak: StreakInfo,
    /// Every active achievement with the learner's progress.
    pub achievements: Vec<AchievementStatus>,
}

/// One achievement and how far the learner is.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AchievementStatus {
    /// The definition.
    pub achievement: Achievement,
    /// Progress so far (may exceed `target`).
    pub current: i64,
    /// What the requirement asks for.
    pub target: i64,
    /// When it was unlocked, if it was.
    pub unlocked_at: Option<DateTime<Utc>>,
}

/// The learner's state of one achievement as the change log and the sync feed carry it (the
/// entity `user_achievement`, id the achievement id); the sync engine converts the wire form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserAchievement {
    /// The achievement definition.
    pub achievement_id: Uuid,
    /// Progress towards it, as the rewards engine tracks it (a JSON object).
    pub progress: serde_json::Value,
    /// When it was unlocked; once set, the first value is kept.
    pub completed_at: Option<DateTime<Utc>>,
    /// Points the unlock awarded.
    pub points_earned: u32,
    /// Shown at the top of the profile.
    pub is_pinned: bool,
    /// Visible to others.
    pub is_public: bool,
    /// When it last changed, by the device clock.
    pub updated_at: DateTime<Utc>,
}

/// A recommendation with the situation it names, ready to show.
#[cfg(feature = "client")]
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NextUpItem {
    /// The ranked recommendation and its reason.
    pub recommendation: Recommendation,
    /// The situation.
    pub situation: catalog::Situation,
}

/// Progress saved for an achievement (the `user_achievements.progress` JSON).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct StoredProgress {
    current: u64,
    target: u64,
}

impl Client {
    /// Points, level, streak and achievements, derived from the local database.
    pub fn progress(&self) -> Result<Progress> {
        let user = self.user_id.to_string();
        let now = self.now();
        self.store.read(|tx| {
            let balance = ledger::balance_in(tx, &user)?;
            let streak = streak_in(tx, today(tx, now)?)?;
            let stats = learner_stats(tx, &user, streak)?;
            let unlocked_at = unlock_times(tx, &user)?;
            let mut achievements = Vec::new();
            for achievement in catalog::load_achievements(tx)? {
                if !achievement.is_active {
                    continue;
                }
                let progress = definition(&achievement)?.requirement.progress(&stats);
                achievements.push(AchievementStatus {
                    unlocked_at: unlocked_at.get(&achievement.id).copied(),
                    achievement,
                    current: to_i64(progress.current),
                    target: to_i64(progress.target),
                });
            }
            Ok(Progress {
                balance,
                level: rewards::level_for(balance.lifetime_earned),
                streak,
                achievements,
            })
        })
    }

    /// Buys one streak freeze with points (see `docs/rewards.md`): refused when the balance is too
    /// low or the learner already holds the maximum.
    pub fn buy_streak_freeze(&self) -> Result<PointTransaction> {
        let user = self.user_id.to_string();
        let now = self.now();
        self.write_announced(
            |_| DataChange::of(&[DataArea::Points]),
            |tx| {
                let day = today(tx, now)?;
                let held = streak_in(tx, day)?.freezes_held.unsigned_abs();
                let balance = ledger::balance_in(tx, &user)?;
                let price = rewards::check_freeze_purchase(balance.available, held)?;
                let id = Uuid::now_v7();
                let entry = PointTransaction {
                    id,
                    transaction_type: TransactionType::Spent,
                    points: -price,
                    source: PointSource::StreakFreeze,
                    source_reference_id: None,
                    rule: Some(FREEZE_RULE.to_owned()),
                    period_key: Some(rewards::freeze_period_key(day, id)),
                    description: Some("Streak freeze".to_owned()),
                    created_at: now,
                };
                ledger::insert(tx, &user, &entry)?;
                Ok(entry)
            },
        )
    }

    /// Situations to practise next, best first, with the reason for each (at most `limit`).
    #[cfg(feature = "client")]
    pub fn next_up(&self, limit: u32) -> Result<Vec<NextUpItem>> {
        if !(1..=100).contains(&limit) {
            return Err(Error::invalid(
                "limit",
                format!("must be 1–100, got {limit}"),
            ));
        }
        let now = self.now();
        self.store.read(|tx| {
            let situations = catalog::load_situations(tx, &catalog::SituationFilter::default())?;
            let infos: Vec<SituationInfo> = situations
                .iter()
                .map(|s| SituationInfo {
                    id: s.id,
                    category: s.category.clone(),
                    difficulty: s.difficulty,
                })
                .collect();
            let history = practice_records(tx)?;
            let ranked = next_up::next_up(&infos, &history, now)
                .map_err(|e| Error::Storage(e.to_string()))?;
            Ok(ranked
                .into_iter()
                .take(limit as usize)
                .filter_map(|recommendation| {
                    let situation = situations
                        .iter()
                        .find(|s| s.id == recommendation.situation_id)?
                        .clone();
                    Some(NextUpItem {
                        recommendation,
                        situation,
                    })
                })
                .collect())
        })
    }

    /// A daily or weekly summary (like the seed's `user_learning_analytics`) of the local period
    /// containing `day`.
    pub fn learning_summary(&self, period: PeriodType, day: NaiveDate) -> Result<LearningSummary> {
        self.store.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT s.situation_id, st.category, s.local_day, coalesce(s.total_duration_seconds, 0),
                        s.overall_score, s.pronunciation_score, s.fluency_score
                 FROM practice_sessions s JOIN situations st ON st.situation_id = s.situation_id
                 WHERE s.status = 'completed'",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, u32>(3)?,
                    r.get::<_, u8>(4)?,
                    r.get::<_, Option<u8>>(5)?,
                    r.get::<_, u8>(6)?,
                ))
            })?;
            let mut records = Vec::new();
            for row in rows {
                let (situation, category, local_day, duration, overall, pronunciation, fluency) = row?;
                records.push(SummaryRecord {
                    situation_id: Uuid::parse_str(&situation).map_err(|e| Error::Storage(e.to_string()))?,
                    category,
                    practice_day: parse_day(&local_day)?,
                    duration_seconds: duration,
                    overall,
                    fluency: pronunciation.map(|_| fluency),
                    pronunciation,
                });
            }
            Ok(match period {
                PeriodType::Daily => rewards::daily_summary(&records, day),
                PeriodType::Weekly => rewards::weekly_summary(&records, day),
            })
        })
    }
}

/// Today in the learner's time zone, never before the latest day this device credited.
fn today(tx: &Transaction<'_>, now: DateTime<Utc>) -> Result<NaiveDate> {
    Ok(rewards::practice_day(
        now,
        &self_time_zone(tx)?,
        high_water(tx)?,
    )?)
}

/// The streak as of `today`, from completed sessions' local days and freeze purchases.
pub(crate) fn streak_in(tx: &Transaction<'_>, today: NaiveDate) -> Result<StreakInfo> {
    let days: Vec<String> = tx
        .prepare_cached("SELECT local_day FROM practice_days")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let days = days
        .iter()
        .map(|d| parse_day(d))
        .collect::<Result<Vec<_>>>()?;
    let keys: Vec<String> = tx
        .prepare_cached("SELECT period_key FROM point_transactions WHERE rule = ?1")?
        .query_map([FREEZE_RULE], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let freezes = keys
        .iter()
        .map(|k| rewards::freeze_day(k).map_err(Error::from))
        .collect::<Result<Vec<_>>>()?;
    Ok(rewards::streak(&days, &freezes, today))
}

/// Streak-bonus period keys already in the ledger, from any device.
pub(crate) fn awarded_streak_milestones(tx: &Transaction<'_>) -> Result<Vec<StreakMilestoneKey>> {
    let keys: Vec<String> = tx
        .prepare_cached("SELECT period_key FROM point_transactions WHERE rule = ?1")?
        .query_map([rewards::RuleId::StreakBonus.as_str()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    keys.iter()
        .map(|k| k.parse().map_err(Error::from))
        .collect()
}

/// Saves every active achievement's progress, unlocks those now met (exactly once: an unlocked
/// row is never unlocked again) and logs each unlock. Returns the new unlocks.
pub(crate) fn evaluate_achievements(
    tx: &Transaction<'_>,
    user: &str,
    streak: StreakInfo,
    now: DateTime<Utc>,
) -> Result<Vec<Unlock>> {
    let stats = learner_stats(tx, user, streak)?;
    let achievements: Vec<Achievement> = catalog::load_achievements(tx)?
        .into_iter()
        .filter(|a| a.is_active)
        .collect();
    let defs = achievements
        .iter()
        .map(definition)
        .collect::<Result<Vec<_>>>()?;
    let already: Vec<Uuid> = unlock_times(tx, user)?.into_keys().collect();
    let unlocks = rewards::newly_unlocked(&defs, &stats, &already);
    let stamp = time::to_db(now);
    for def in &defs {
        let p = def.requirement.progress(&stats);
        let unlock = unlocks.iter().find(|u| u.achievement_id == def.id);
        let progress = serde_json::to_string(&StoredProgress {
            current: p.current,
            target: p.target,
        })?;
        tx.prepare_cached(
            "INSERT INTO user_achievements (user_id, achievement_id, progress, completed_at, points_earned, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (user_id, achievement_id) DO UPDATE SET progress = excluded.progress,
                completed_at = coalesce(completed_at, excluded.completed_at),
                points_earned = CASE WHEN completed_at IS NULL THEN excluded.points_earned ELSE points_earned END,
                updated_at = excluded.updated_at",
        )?
        .execute(params![
            user,
            def.id.to_string(),
            progress,
            unlock.map(|_| stamp.clone()),
            unlock.map_or(0, |u| u.points_reward.max(0)),
            stamp
        ])?;
        if let Some(unlock) = unlock {
            let payload = UserAchievement {
                achievement_id: unlock.achievement_id,
                progress: serde_json::json!({ "current": p.current, "target": p.target }),
                completed_at: Some(now),
                points_earned: u32::try_from(unlock.points_reward.max(0)).unwrap_or(u32::MAX),
                is_pinned: false,
                is_public: true,
                updated_at: now,
            };
            changelog::append(
                tx,
                Entity::UserAchievement,
                &def.id.to_string(),
                Operation::Insert,
                &payload,
                now,
            )?;
        }
    }
    Ok(unlocks)
}

/// Stores achievement states pulled from the server (the server decides them): progress, points
/// and flags are replaced, an unlock time already held is kept (the first one stands). One
/// statement per chunk of rows.
#[cfg(feature = "client")]
pub(crate) fn store_pulled(
    tx: &Transaction<'_>,
    user: &str,
    states: &[UserAchievement],
) -> Result<()> {
    const UPSERT: crate::store::MultiRow<'static> = crate::store::MultiRow {
        head: "INSERT INTO user_achievements (user_id, achievement_id, progress, completed_at, points_earned,
                   is_pinned, is_public, updated_at)",
        width: 8,
        tail: "ON CONFLICT (user_id, achievement_id) DO UPDATE SET progress = excluded.progress,
                   completed_at = coalesce(user_achievements.completed_at, excluded.completed_at),
                   points_earned = excluded.points_earned, is_pinned = excluded.is_pinned,
                   is_public = excluded.is_public, updated_at = excluded.updated_at",
    };
    UPSERT.write(tx, states, |s, at, a| {
        s.raw_bind_parameter(at, user)?;
        s.raw_bind_parameter(at + 1, a.achievement_id.to_string())?;
        s.raw_bind_parameter(at + 2, a.progress.to_string())?;
        s.raw_bind_parameter(at + 3, a.completed_at.map(time::to_db))?;
        s.raw_bind_parameter(at + 4, a.points_earned)?;
        s.raw_bind_parameter(at + 5, a.is_pinned)?;
        s.raw_bind_parameter(at + 6, a.is_public)?;
        s.raw_bind_parameter(at + 7, time::to_db(a.updated_at))
    })?;
    Ok(())
}

/// Takes back an unlock the server refused: the achievement is locked again (and can be
/// unlocked later), with no points.
#[cfg(feature = "client")]
pub(crate) fn take_back_unlock(tx: &Transaction<'_>, achievement_id: &str) -> Result<()> {
    tx.prepare_cached(
        "UPDATE user_achievements SET completed_at = NULL, points_earned = 0 WHERE achievement_id = ?1",
    )?
    .execute([achievement_id])?;
    Ok(())
}

fn definition(a: &Achievement) -> Result<AchievementDef> {
    a.definition().map_err(|e| {
        Error::Storage(format!(
            "achievement {} has an unusable requirement: {e}",
            a.name
        ))
    })
}

fn unlock_times(tx: &Transaction<'_>, user: &str) -> Result<BTreeMap<Uuid, DateTime<Utc>>> {
    let rows: Vec<(String, String)> = tx
        .prepare_cached(
            "SELECT achievement_id, completed_at FROM user_achievements WHERE user_id = ?1 AND completed_at IS NOT NULL",
        )?
        .query_map([user], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    rows.iter()
        .map(|(id, at)| {
            Ok((
                Uuid::parse_str(id).map_err(|e| Error::Storage(e.to_string()))?,
                time::from_db(at)?,
            ))
        })
        .collect()
}

fn learner_stats(tx: &Transaction<'_>, user: &str, streak: StreakInfo) -> Result<LearnerStats> {
    // Per-situation counters kept by the practice_situation_stats triggers (see V1__init.sql).
    let mut stmt = tx.prepare_cached(
        "SELECT p.completed, p.perfect, s.category
         FROM practice_situation_stats p LEFT JOIN situations s ON s.situation_id = p.situation_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, u32>(0)?,
            r.get::<_, u32>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })?;
    let mut stats = LearnerStats {
        longest_streak: streak.longest.unsigned_abs(),
        lifetime_earned: ledger::balance_in(tx, user)?.lifetime_earned,
        ..LearnerStats::default()
    };
    for row in rows {
        let (completed, perfect, category) = row?;
        stats.sessions_completed += completed;
        stats.perfect_scores += perfect;
        stats.distinct_situations += 1;
        if let Some(category) = category {
            *stats.category_sessions.entry(category).or_default() += completed;
        }
    }
    Ok(stats)
}

/// The completed sessions the scheduler ranks from.
#[cfg(feature = "client")]
fn practice_records(tx: &Transaction<'_>) -> Result<Vec<PracticeRecord>> {
    let mut stmt = tx.prepare_cached(
        "SELECT situation_id, ended_at, overall_score FROM practice_sessions WHERE status = 'completed' ORDER BY ended_at",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, u8>(2)?,
        ))
    })?;
    let mut records = Vec::new();
    for row in rows {
        let (situation, ended, overall) = row?;
        records.push(PracticeRecord {
            situation_id: Uuid::parse_str(&situation).map_err(|e| Error::Storage(e.to_string()))?,
            completed_at: time::from_db(&ended)?,
            overall,
        });
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use crate::{Client, OpenOptions};

    #[test]
    fn the_stats_triggers_use_the_perfect_score_threshold() {
        let client = Client::open_in_memory(OpenOptions::default()).expect("open");
        let sql: Vec<String> = client
            .store
            .read(|tx| {
                let mut stmt = tx.prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'practice_completed_%'")?;
                let rows = stmt.query_map([], |r| r.get(0))?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            })
            .expect("triggers");
        assert_eq!(sql.len(), 2);
        let threshold = format!(">= {}", crate::rewards::PERFECT_SCORE_THRESHOLD);
        assert!(
            sql.iter().all(|s| s.matches(&threshold).count() == 2),
            "{sql:?}"
        );
        let rescored: String = client
            .store
            .read(|tx| {
                Ok(tx.query_row(
                    "SELECT sql FROM sqlite_master WHERE name = 'practice_rescored_perfect'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .expect("the rescoring trigger");
        assert_eq!(rescored.matches(&threshold).count(), 4, "{rescored}");
    }
}

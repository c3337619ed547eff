//! Achievements: requirement JSON from the seed's `achievements.requirements`, evaluated on
//! the device against counters the store computes.
//!
//! Requirement shapes (the `type` tag selects one; other fields are ignored):
//!
//! ```json
//! {"type": "sessions_completed", "count": 10}
//! {"type": "streak_days", "days": 7}
//! {"type": "perfect_scores", "count": 5}
//! {"type": "category_sessions", "category": "ordering", "count": 3}
//! {"type": "points_earned", "points": 1000}
//! {"type": "distinct_situations", "count": 20}
//! {"type": "level_reached", "level": 5}
//! ```
//!
//! Targets must be at least 1. An unknown `type` is a [`RewardsError::UnknownRequirementType`]
//! so the catalog import can reject it instead of showing an achievement nobody can earn.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{RewardsError, level_for};

/// What an achievement asks of the learner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Requirement {
    /// Complete `count` sessions.
    SessionsCompleted {
        /// Sessions needed.
        count: u32,
    },
    /// Reach a streak of `days` (the longest streak counts, so a later break keeps it).
    StreakDays {
        /// Streak length needed.
        days: u32,
    },
    /// Complete `count` sessions with a perfect score.
    PerfectScores {
        /// Perfect sessions needed.
        count: u32,
    },
    /// Complete `count` sessions in situations of `category`.
    CategorySessions {
        /// The situation category, as in `situations.category`.
        category: String,
        /// Sessions needed.
        count: u32,
    },
    /// Earn `points` lifetime points (spending does not undo it).
    PointsEarned {
        /// Lifetime earned points needed.
        points: i64,
    },
    /// Practise `count` different situations.
    DistinctSituations {
        /// Distinct situations needed.
        count: u32,
    },
    /// Reach level `level` on the level curve.
    LevelReached {
        /// Level needed.
        level: u32,
    },
}

impl Requirement {
    /// The `type` tags this library understands.
    pub const KNOWN_TYPES: [&'static str; 7] = [
        "sessions_completed",
        "streak_days",
        "perfect_scores",
        "category_sessions",
        "points_earned",
        "distinct_situations",
        "level_reached",
    ];

    /// Parses and validates a requirement from the catalog's JSON.
    pub fn from_json(json: &Value) -> Result<Self, RewardsError> {
        let kind = json
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| RewardsError::InvalidRequirement("missing string \"type\"".into()))?;
        if !Self::KNOWN_TYPES.contains(&kind) {
            return Err(RewardsError::UnknownRequirementType(kind.to_owned()));
        }
        let requirement: Self = serde_json::from_value(json.clone())
            .map_err(|error| RewardsError::InvalidRequirement(error.to_string()))?;
        if requirement.target() == 0 {
            return Err(RewardsError::InvalidRequirement(format!(
                "{kind}: the target must be at least 1"
            )));
        }
        Ok(requirement)
    }

    /// The learner's progress towards this requirement.
    pub fn progress(&self, stats: &LearnerStats) -> AchievementProgress {
        let current = match self {
            Self::SessionsCompleted { .. } => u64::from(stats.sessions_completed),
            Self::StreakDays { .. } => u64::from(stats.longest_streak),
            Self::PerfectScores { .. } => u64::from(stats.perfect_scores),
            Self::CategorySessions { category, .. } => stats
                .category_sessions
                .get(category)
                .copied()
                .map_or(0, u64::from),
            Self::PointsEarned { .. } => non_negative(stats.lifetime_earned),
            Self::DistinctSituations { .. } => u64::from(stats.distinct_situations),
            Self::LevelReached { .. } => {
                u64::from(level_for(stats.lifetime_earned).level.unsigned_abs())
            }
        };
        let target = self.target();
        AchievementProgress {
            current,
            target,
            unlocked: current >= target,
        }
    }

    fn target(&self) -> u64 {
        match self {
            Self::SessionsCompleted { count }
            | Self::PerfectScores { count }
            | Self::CategorySessions { count, .. }
            | Self::DistinctSituations { count } => u64::from(*count),
            Self::StreakDays { days } => u64::from(*days),
            Self::PointsEarned { points } => non_negative(*points),
            Self::LevelReached { level } => u64::from(*level),
        }
    }
}

fn non_negative(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// The counters achievements are judged on, computed by the store from its tables.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnerStats {
    /// Completed sessions.
    pub sessions_completed: u32,
    /// Completed sessions with `overall >= PERFECT_SCORE_THRESHOLD`.
    pub perfect_scores: u32,
    /// [`crate::rewards::StreakInfo::longest`].
    pub longest_streak: u32,
    /// Completed sessions per situation category.
    pub category_sessions: BTreeMap<String, u32>,
    /// Lifetime earned points (earned and bonus ledger entries); also gives the level.
    pub lifetime_earned: i64,
    /// Distinct situations with at least one completed session.
    pub distinct_situations: u32,
}

/// Progress towards one achievement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AchievementProgress {
    /// Where the learner is (may exceed `target`).
    pub current: u64,
    /// What the requirement asks for.
    pub target: u64,
    /// `current >= target`.
    pub unlocked: bool,
}

/// An achievement from the catalog, with its requirement already parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AchievementDef {
    /// `achievements.achievement_id`.
    pub id: Uuid,
    /// `achievements.title`, for the ledger description.
    pub title: String,
    /// `achievements.requirements`, parsed with [`Requirement::from_json`].
    pub requirement: Requirement,
    /// `achievements.points_reward`.
    pub points_reward: i64,
}

/// An achievement that has just been unlocked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Unlock {
    /// The achievement.
    pub achievement_id: Uuid,
    /// Its title.
    pub title: String,
    /// Its points reward, granted with the unlock.
    pub points_reward: i64,
}

/// The achievements of `catalog` whose requirement `stats` meets and which are not in
/// `already_unlocked`, in catalog order.
///
/// Pass only active achievements. The store keeps `(user, achievement)` unique, so calling
/// this again after a retry or a sync unlocks nothing twice. Unlocks are judged on `stats`
/// as they are; points granted by an unlock are seen by the next evaluation.
pub fn newly_unlocked(
    catalog: &[AchievementDef],
    stats: &LearnerStats,
    already_unlocked: &[Uuid],
) -> Vec<Unlock> {
    catalog
        .iter()
        .filter(|achievement| !already_unlocked.contains(&achievement.id))
        .filter(|achievement| achievement.requirement.progress(stats).unlocked)
        .map(|achievement| Unlock {
            achievement_id: achievement.id,
            title: achievement.title.clone(),
            points_reward: achievement.points_reward,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stats() -> LearnerStats {
        LearnerStats {
            sessions_completed: 12,
            perfect_scores: 2,
            longest_streak: 7,
            category_sessions: BTreeMap::from([("ordering".to_owned(), 4)]),
            lifetime_earned: 350,
            distinct_situations: 6,
        }
    }

    fn progress(json: Value) -> AchievementProgress {
        Requirement::from_json(&json)
            .expect("valid requirement")
            .progress(&stats())
    }

    fn at(current: u64, target: u64) -> AchievementProgress {
        AchievementProgress {
            current,
            target,
            unlocked: current >= target,
        }
    }

    #[test]
    fn every_requirement_type_reports_progress() {
        let cases = [
            (
                json!({"type": "sessions_completed", "count": 10}),
                at(12, 10),
            ),
            (json!({"type": "streak_days", "days": 14}), at(7, 14)),
            (json!({"type": "perfect_scores", "count": 5}), at(2, 5)),
            (
                json!({"type": "category_sessions", "category": "ordering", "count": 3}),
                at(4, 3),
            ),
            (
                json!({"type": "category_sessions", "category": "directions", "count": 3}),
                at(0, 3),
            ),
            (
                json!({"type": "points_earned", "points": 1000}),
                at(350, 1000),
            ),
            (json!({"type": "distinct_situations", "count": 5}), at(6, 5)),
            (json!({"type": "level_reached", "level": 3}), at(3, 3)),
        ];
        for (json, expected) in cases {
            assert_eq!(progress(json.clone()), expected, "{json}");
        }
        assert!(at(3, 3).unlocked && !at(2, 3).unlocked);
    }

    #[test]
    fn every_known_type_has_a_variant() {
        for kind in Requirement::KNOWN_TYPES {
            let json = json!({"type": kind, "count": 1, "days": 1, "points": 1, "level": 1, "category": "x"});
            assert!(Requirement::from_json(&json).is_ok(), "{kind}");
        }
    }

    #[test]
    fn unknown_and_malformed_requirements_are_typed_errors() {
        assert_eq!(
            Requirement::from_json(&json!({"type": "friends_invited", "count": 3})),
            Err(RewardsError::UnknownRequirementType(
                "friends_invited".into()
            ))
        );
        assert!(matches!(
            Requirement::from_json(&json!({"count": 3})),
            Err(RewardsError::InvalidRequirement(_))
        ));
        assert!(matches!(
            Requirement::from_json(&json!({"type": "sessions_completed"})),
            Err(RewardsError::InvalidRequirement(_))
        ));
        assert!(matches!(
            Requirement::from_json(&json!({"type": "sessions_completed", "count": -1})),
            Err(RewardsError::InvalidRequirement(_))
        ));
        assert!(matches!(
            Requirement::from_json(&json!({"type": "points_earned", "points": 0})),
            Err(RewardsError::InvalidRequirement(_))
        ));
        assert!(matches!(
            Requirement::from_json(&json!("sessions_completed")),
            Err(RewardsError::InvalidRequirement(_))
        ));
    }

    #[test]
    fn newly_unlocked_skips_locked_and_already_unlocked() {
        let def = |n: u128, requirement, points_reward| AchievementDef {
            id: Uuid::from_u128(n),
            title: format!("A{n}"),
            requirement,
            points_reward,
        };
        let catalog = [
            def(1, Requirement::SessionsCompleted { count: 10 }, 50),
            def(2, Requirement::StreakDays { days: 30 }, 200),
            def(3, Requirement::LevelReached { level: 2 }, 0),
            def(4, Requirement::PerfectScores { count: 1 }, 20),
        ];
        let unlocked = newly_unlocked(&catalog, &stats(), &[Uuid::from_u128(4)]);
        let ids: Vec<_> = unlocked.iter().map(|u| u.achievement_id).collect();
        assert_eq!(ids, [Uuid::from_u128(1), Uuid::from_u128(3)]);
        assert_eq!(unlocked[0].points_reward, 50);
        // Once recorded, nothing unlocks again.
        assert!(newly_unlocked(&catalog, &stats(), &[1, 3, 4].map(Uuid::from_u128)).is_empty());
    }
}

//! Ordering the candidates: the mix of due reviews, weak categories, new material and
//! reviews ahead of schedule.
//!
//! Every open situation falls into the first tier that applies:
//! 1. **Due**: its FSRS review is due; most overdue first, then weaker category first.
//! 2. **Weak category**: not due, in a category whose recent average is below 70.0; weakest
//!    category first, then easier difficulty, then never-practised before earliest due.
//! 3. **New**: never practised; easier difficulty first, then least-practised category.
//! 4. **Upcoming**: practised and not yet due; soonest due first.
//!
//! Ties fall back to the situation id, so the order is total and the same on every device.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Recommendation, RecommendationReason, SituationInfo};
use crate::rewards::WEAK_BELOW_TENTHS;
use studymate_protocol::unsigned::to_i32;

/// An open situation with what the ranking needs to know about it.
pub(super) struct Candidate<'a> {
    pub situation: &'a SituationInfo,
    pub due_at: Option<DateTime<Utc>>,
    pub category_average_tenths: Option<u32>,
    pub category_sessions: usize,
}

type SortKey = (u8, i64, i64, i64, Uuid);

impl Candidate<'_> {
    fn classify(&self, now: DateTime<Utc>) -> (RecommendationReason, SortKey) {
        let id = self.situation.id;
        let difficulty = self.situation.difficulty as i64;
        let average = self.category_average_tenths;
        let average_key = average.map_or(i64::MAX, i64::from);
        match (self.due_at, average) {
            (Some(due), _) if due <= now => {
                let overdue = now - due;
                (
                    RecommendationReason::Due {
                        overdue_days: days(overdue.num_days()),
                    },
                    (0, -overdue.num_seconds(), average_key, 0, id),
                )
            }
            (due, Some(average)) if average < WEAK_BELOW_TENTHS => (
                RecommendationReason::WeakCategory {
                    category: self.situation.category.clone(),
                    average_tenths: to_i32(average),
                },
                (
                    1,
                    average_key,
                    difficulty,
                    due.map_or(i64::MIN, |at| at.timestamp()),
                    id,
                ),
            ),
            (None, _) => (
                RecommendationReason::New,
                (2, difficulty, self.category_sessions as i64, 0, id),
            ),
            (Some(due), _) => (
                RecommendationReason::Upcoming {
                    due_in_days: days((due - now).num_days()),
                },
                (3, due.timestamp(), 0, 0, id),
            ),
        }
    }
}

fn days(value: i64) -> i32 {
    to_i32(value.max(0))
}

/// The candidates as ranked recommendations, rank 1 first.
pub(super) fn rank(candidates: Vec<Candidate<'_>>, now: DateTime<Utc>) -> Vec<Recommendation> {
    let mut classified: Vec<_> = candidates
        .into_iter()
        .map(|candidate| {
            let (reason, key) = candidate.classify(now);
            (key, reason, candidate.due_at)
        })
        .collect();
    classified.sort_unstable_by_key(|(key, _, _)| *key);
    classified
        .into_iter()
        .zip(1i32..)
        .map(|((key, reason, due_at), rank)| Recommendation {
            situation_id: key.4,
            rank,
            reason,
            due_at,
        })
        .collect()
}

//! Spaced repetition per situation with FSRS (the `fsrs` crate, default parameters).
//!
//! Each completed session of a situation is one FSRS review. Its rating comes from the
//! session's overall score ([`Rating::from_overall`]); the days between reviews are whole
//! 24-hour days between their instants. The next review is due a whole number of days (at
//! least 1, FSRS's interval rounded) after the latest session, for a desired retention of 90 %.
//! Rounding to whole days keeps tiny floating-point differences between platforms from
//! moving a due date.

use chrono::{DateTime, Duration, Utc};
use fsrs::{FSRS, FSRSItem, FSRSReview};

use super::NextUpError;

/// The probability of recall FSRS schedules for.
pub const DESIRED_RETENTION: f32 = 0.9;
/// The longest interval scheduled, in days.
const MAX_INTERVAL_DAYS: f32 = 36_500.0;

/// FSRS's four answer ratings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rating {
    /// Forgot: overall below 50.
    Again = 1,
    /// Recalled with difficulty: overall 50–69.
    Hard = 2,
    /// Recalled: overall 70–89.
    Good = 3,
    /// Recalled effortlessly: overall 90 or more.
    Easy = 4,
}

impl Rating {
    /// The rating of a session from its overall score (0–100; anything above counts as 100).
    pub fn from_overall(overall: u8) -> Self {
        match overall {
            0..=49 => Self::Again,
            50..=69 => Self::Hard,
            70..=89 => Self::Good,
            _ => Self::Easy,
        }
    }
}

/// The FSRS scheduler with its default parameters.
pub(super) struct Scheduler {
    fsrs: FSRS,
}

impl Scheduler {
    pub(super) fn new() -> Result<Self, NextUpError> {
        let fsrs = FSRS::new(&[]).map_err(|error| NextUpError::Scheduler(error.to_string()))?;
        Ok(Self { fsrs })
    }

    /// When the next review of a situation is due, given its sessions as (instant, overall)
    /// sorted by instant; `None` for a situation never practised.
    pub(super) fn due_at(
        &self,
        sessions: &[(DateTime<Utc>, u8)],
    ) -> Result<Option<DateTime<Utc>>, NextUpError> {
        let Some(&(last, _)) = sessions.last() else {
            return Ok(None);
        };
        let mut previous: Option<DateTime<Utc>> = None;
        let reviews = sessions
            .iter()
            .map(|&(at, overall)| {
                let elapsed = previous.map_or(0, |before| (at - before).num_days());
                previous = Some(at);
                FSRSReview {
                    rating: Rating::from_overall(overall) as u32,
                    delta_t: u32::try_from(elapsed.max(0)).unwrap_or(u32::MAX),
                }
            })
            .collect();
        let memory = self
            .fsrs
            .memory_state(FSRSItem { reviews }, None)
            .map_err(|error| NextUpError::Scheduler(error.to_string()))?;
        let interval = self
            .fsrs
            .next_interval(Some(memory.stability), DESIRED_RETENTION, 0)
            .round();
        // NaN (impossible for a valid memory state) falls back to the shortest interval.
        let days = if interval.is_nan() {
            1.0
        } else {
            interval.clamp(1.0, MAX_INTERVAL_DAYS)
        };
        Ok(last.checked_add_signed(Duration::days(days as i64)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 9, 0, 0).unwrap()
    }

    #[test]
    fn score_to_rating_mapping() {
        let ratings: Vec<_> = [0, 49, 50, 69, 70, 89, 90, 100, 255]
            .into_iter()
            .map(Rating::from_overall)
            .collect();
        use Rating::*;
        assert_eq!(
            ratings,
            [Again, Again, Hard, Hard, Good, Good, Easy, Easy, Easy]
        );
    }

    #[test]
    fn better_scores_push_the_next_review_further() {
        let scheduler = Scheduler::new().unwrap();
        assert_eq!(scheduler.due_at(&[]), Ok(None));
        let due = |overall| scheduler.due_at(&[(at(1), overall)]).unwrap().unwrap();
        assert!(due(30) <= due(60));
        assert!(due(60) < due(80));
        assert!(due(80) < due(95));
        assert_eq!(due(30), at(2), "Again is due the next day");
    }

    #[test]
    fn successful_reviews_grow_the_interval() {
        let scheduler = Scheduler::new().unwrap();
        let first = scheduler.due_at(&[(at(1), 80)]).unwrap().unwrap();
        let second = scheduler
            .due_at(&[(at(1), 80), (first, 80)])
            .unwrap()
            .unwrap();
        assert!(second - first > first - at(1));
        let failed = scheduler
            .due_at(&[(at(1), 80), (first, 20)])
            .unwrap()
            .unwrap();
        assert!(failed < second);
    }
}

//! Recent performance of a group of sessions (a category, a difficulty level).

use chrono::{DateTime, Utc};

use crate::rewards::average_tenths;

/// How many of a group's most recent sessions its average is taken over.
pub const RECENT_SESSIONS: usize = 10;

/// A group's session count and the average overall score of its recent sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Performance {
    /// All sessions in the group.
    pub sessions: usize,
    /// Average overall score of the latest [`RECENT_SESSIONS`], in tenths; `None` if none.
    pub recent_average_tenths: Option<u32>,
}

impl Performance {
    /// Summarises sessions given as (instant, overall) in any order; reorders the slice.
    pub(super) fn of(sessions: &mut [(DateTime<Utc>, u8)]) -> Self {
        let count = sessions.len();
        let recent = if count > RECENT_SESSIONS {
            let split = count - RECENT_SESSIONS;
            sessions.select_nth_unstable_by_key(split, |(at, _)| *at);
            &sessions[split..]
        } else {
            &sessions[..]
        };
        let sum: u64 = recent
            .iter()
            .map(|(_, overall)| u64::from((*overall).min(100)))
            .sum();
        Self {
            sessions: count,
            recent_average_tenths: average_tenths(sum, recent.len() as u64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn averages_the_latest_sessions_only() {
        let at = |minute| Utc.with_ymd_and_hms(2026, 11, 1, 0, minute, 0).unwrap();
        // Two old failures, then ten recent 80s, given out of order.
        let mut sessions: Vec<_> = (2..12).map(|m| (at(m), 80)).collect();
        sessions.insert(3, (at(0), 0));
        sessions.push((at(1), 0));
        let performance = Performance::of(&mut sessions);
        assert_eq!(performance.sessions, 12);
        assert_eq!(performance.recent_average_tenths, Some(800));
        assert_eq!(
            Performance::of(&mut []),
            Performance {
                sessions: 0,
                recent_average_tenths: None
            }
        );
        assert_eq!(
            Performance::of(&mut [(at(0), 255)]).recent_average_tenths,
            Some(1000)
        );
    }
}

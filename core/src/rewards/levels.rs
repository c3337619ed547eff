//! Levels: a quadratic curve over lifetime earned points.
//!
//! Reaching level `n + 1` from level `n` takes `100 · n` more points, so the lifetime points
//! needed to *be* at level `n` are `50 · n · (n − 1)`:
//!
//! | level | lifetime points | to next |
//! |------:|----------------:|--------:|
//! | 1     | 0               | 100     |
//! | 2     | 100             | 200     |
//! | 3     | 300             | 300     |
//! | 4     | 600             | 400     |
//! | 10    | 4 500           | 1 000   |
//!
//! Level 1 with 100 points to the next level matches the seed's `user_points` defaults. Only
//! *earned* points (earned and bonus entries) count: spending never lowers a level. The curve
//! stops at [`MAX_LEVEL`], which keeps every value small and every list of level-ups short.

use serde::{Deserialize, Serialize};

/// The highest level; reached at 49 950 000 lifetime points.
pub const MAX_LEVEL: i32 = 1000;

/// Where a lifetime total of earned points puts the learner on the level curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LevelInfo {
    /// The level, from 1 to 1000.
    pub level: i32,
    /// Points earned since reaching this level.
    pub points_into_level: i64,
    /// Points still needed for the next level; 0 at the highest level (1000).
    pub points_to_next_level: i64,
}

/// Lifetime points needed to be at `level` (`50 · level · (level − 1)`); 0 for level 0 or 1.
pub fn points_for_level(level: i32) -> i64 {
    let n = i64::from(level.clamp(0, MAX_LEVEL));
    50 * n * (n - 1).max(0)
}

/// The level for a lifetime total of earned points. Negative totals count as 0.
pub fn level_for(lifetime_earned: i64) -> LevelInfo {
    let earned = lifetime_earned.max(0);
    // The level is the largest n <= MAX_LEVEL with points_for_level(n) <= earned; the
    // thresholds increase with n, so a binary search finds it in ~10 steps.
    let (mut low, mut high) = (1i32, MAX_LEVEL);
    while low < high {
        let mid = low + (high - low + 1) / 2;
        if points_for_level(mid) <= earned {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    let level = low;
    let start = points_for_level(level);
    let points_to_next_level = if level == MAX_LEVEL {
        0
    } else {
        points_for_level(level + 1) - earned
    };
    LevelInfo {
        level,
        points_into_level: earned - start,
        points_to_next_level,
    }
}

/// The levels newly reached when lifetime earned points go from `before` to `after`, in
/// increasing order; empty when the level did not rise (including when `after < before`).
pub fn level_ups(before: i64, after: i64) -> Vec<i32> {
    let from = level_for(before).level;
    let to = level_for(after).level;
    (from + 1..=to).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn curve_matches_the_documented_table() {
        assert_eq!(
            level_for(0),
            LevelInfo {
                level: 1,
                points_into_level: 0,
                points_to_next_level: 100
            }
        );
        assert_eq!(level_for(99).level, 1);
        assert_eq!(
            level_for(100),
            LevelInfo {
                level: 2,
                points_into_level: 0,
                points_to_next_level: 200
            }
        );
        assert_eq!(level_for(299).level, 2);
        assert_eq!(level_for(300).level, 3);
        assert_eq!(level_for(600).level, 4);
        assert_eq!(
            level_for(4_600),
            LevelInfo {
                level: 10,
                points_into_level: 100,
                points_to_next_level: 900
            }
        );
    }

    #[test]
    fn extremes_do_not_panic() {
        assert_eq!(level_for(-50).level, 1);
        let top = level_for(i64::MAX);
        assert_eq!((top.level, top.points_to_next_level), (MAX_LEVEL, 0));
        assert_eq!(level_for(points_for_level(MAX_LEVEL)).level, MAX_LEVEL);
        assert_eq!(
            level_for(points_for_level(MAX_LEVEL) - 1).level,
            MAX_LEVEL - 1
        );
        assert_eq!(
            level_ups(i64::MIN, i64::MAX).len(),
            (MAX_LEVEL - 1) as usize
        );
    }

    #[test]
    fn level_ups_lists_every_level_crossed() {
        assert_eq!(level_ups(90, 99), Vec::<i32>::new());
        assert_eq!(level_ups(90, 100), vec![2]);
        assert_eq!(level_ups(0, 650), vec![2, 3, 4]);
        assert_eq!(level_ups(650, 0), Vec::<i32>::new());
    }

    proptest! {
        #[test]
        fn level_is_monotonic_and_consistent(a in -1_000i64..60_000_000, b in -1_000i64..60_000_000) {
            let (low, high) = (a.min(b), a.max(b));
            prop_assert!(level_for(low).level <= level_for(high).level);
            let info = level_for(high);
            prop_assert_eq!(
                points_for_level(info.level) + info.points_into_level,
                high.max(0)
            );
            prop_assert!(info.points_to_next_level >= 0);
            let ups = level_ups(low, high);
            prop_assert_eq!(ups.len() as i32, level_for(high).level - level_for(low).level);
        }
    }
}

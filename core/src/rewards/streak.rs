//! Streaks: consecutive local calendar days with at least one completed session.
//!
//! Rules (see `docs/rewards.md`):
//! - A practice day is the local date of a completed session in the zone it was recorded in
//!   (see [`crate::rewards::practice_day`]); several sessions on one day count once.
//! - Two practice days belong to the same run when every calendar day between them was either
//!   practised or covered by a streak freeze (see [`crate::rewards::check_freeze_purchase`]).
//!   Frozen days keep a run alive but do not lengthen it.
//! - The current streak is the length of the latest run if it is still alive: its last day is
//!   today or yesterday, or the days missed since are all covered by freezes. Today itself
//!   never breaks a streak; the learner still has until midnight.
//! - "Today" is the later of the device's local date and the latest practice day, so a clock
//!   set backwards can neither break a streak nor count a day twice.
//! - Days arrive in any order and with duplicates: a day recorded late (offline, or synced from
//!   another device) simply fills in its calendar day and the streak is recomputed.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::freeze::FreezePool;
use studymate_protocol::unsigned::to_i32;

/// The streak state derived from practice days, freeze purchases and today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StreakInfo {
    /// Practice days in the live run ending today or earlier; 0 when the streak is broken.
    pub current: i32,
    /// Practice days in the longest run ever (always `>= current`).
    pub longest: i32,
    /// The latest practice day, if any.
    pub last_practice_day: Option<NaiveDate>,
    /// The first practice day of the live run; absent when the streak is broken. Streak-bonus
    /// period keys name their run by this day.
    pub current_run_start: Option<NaiveDate>,
    /// Missed days covered by freezes over the whole history (= freezes consumed).
    pub frozen_days_used: i32,
    /// Freezes bought and not consumed; what the learner holds now.
    pub freezes_held: i32,
}

/// Computes the streak from practice days, freeze purchase days, and the device's local date.
///
/// `days` are local practice days in any order, duplicates allowed; `freezes` are the local
/// days on which each held-or-consumed freeze was bought (one entry per freeze); `today` is
/// the device's local date, raised to the latest practice day if the clock is behind it.
pub fn streak(days: &[NaiveDate], freezes: &[NaiveDate], today: NaiveDate) -> StreakInfo {
    let mut days = days.to_vec();
    days.sort_unstable();
    days.dedup();
    let mut pool = FreezePool::new(freezes);

    let (Some(&first), Some(&last)) = (days.first(), days.last()) else {
        return StreakInfo {
            current: 0,
            longest: 0,
            last_practice_day: None,
            current_run_start: None,
            frozen_days_used: 0,
            freezes_held: to_i32(pool.held()),
        };
    };
    let today = today.max(last);

    let mut run_start = first;
    let mut run_len: i32 = 1;
    let mut longest: i32 = 1;
    for pair in days.windows(2) {
        let [previous, next] = pair else { continue };
        if bridged(&mut pool, *previous, *next) {
            run_len = run_len.saturating_add(1);
        } else {
            run_start = *next;
            run_len = 1;
        }
        longest = longest.max(run_len);
    }

    let alive = bridged(&mut pool, last, today);
    StreakInfo {
        current: if alive { run_len } else { 0 },
        longest,
        last_practice_day: Some(last),
        current_run_start: alive.then_some(run_start),
        frozen_days_used: to_i32(pool.used()),
        freezes_held: to_i32(pool.held()),
    }
}

/// Whether the calendar days strictly between `from` and `to` (`from <= to`) are all
/// covered, consuming freezes for them if needed.
fn bridged(pool: &mut FreezePool, from: NaiveDate, to: NaiveDate) -> bool {
    let missed = (to - from).num_days() - 1;
    if missed <= 0 {
        return true;
    }
    let Some(first_missed) = from.succ_opt() else {
        return false;
    };
    pool.bridge(first_missed, missed.unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rewards::local_day;
    use chrono::{DateTime, Days, TimeZone, Utc};
    use proptest::prelude::*;

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("valid test date")
    }

    fn utc(m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn no_days_no_streak() {
        let info = streak(&[], &[date(11, 1)], date(11, 23));
        assert_eq!(info.current, 0);
        assert_eq!(info.longest, 0);
        assert_eq!(info.last_practice_day, None);
        assert_eq!(info.freezes_held, 1);
    }

    #[test]
    fn consecutive_days_count_once_each() {
        let days = [date(11, 20), date(11, 21), date(11, 21), date(11, 22)];
        let info = streak(&days, &[], date(11, 22));
        assert_eq!((info.current, info.longest), (3, 3));
        assert_eq!(info.current_run_start, Some(date(11, 20)));
    }

    #[test]
    fn yesterday_keeps_the_streak_alive_and_two_days_ago_breaks_it() {
        let days = [date(11, 20), date(11, 21)];
        assert_eq!(streak(&days, &[], date(11, 22)).current, 2);
        let broken = streak(&days, &[], date(11, 23));
        assert_eq!((broken.current, broken.longest), (0, 2));
        assert_eq!(broken.current_run_start, None);
        assert_eq!(broken.last_practice_day, Some(date(11, 21)));
    }

    #[test]
    fn longest_and_current_differ_after_a_break() {
        let days = [
            date(11, 1),
            date(11, 2),
            date(11, 3),
            date(11, 4),
            date(11, 10),
            date(11, 11),
        ];
        let info = streak(&days, &[], date(11, 11));
        assert_eq!((info.current, info.longest), (2, 4));
        assert_eq!(info.current_run_start, Some(date(11, 10)));
    }

    #[test]
    fn dst_days_count_as_one_day_each() {
        // Sessions just after local midnight and just before the next midnight on the 23-hour
        // and the 25-hour days, in New York and in Berlin.
        let new_york = [
            utc(3, 7, 5, 30),   // 2026-03-07 00:30 EST
            utc(3, 8, 5, 30),   // 2026-03-08 00:30 EST (23-hour day)
            utc(3, 9, 3, 30),   // 2026-03-08 23:30 EDT, same day
            utc(3, 9, 4, 30),   // 2026-03-09 00:30 EDT
            utc(10, 31, 4, 30), // 2026-10-31 00:30 EDT
            utc(11, 1, 4, 30),  // 2026-11-01 00:30 EDT (25-hour day)
            utc(11, 2, 4, 30),  // 2026-11-01 23:30 EST, same day
            utc(11, 2, 5, 30),  // 2026-11-02 00:30 EST
        ];
        let days: Vec<_> = new_york
            .iter()
            .map(|at| local_day(*at, "America/New_York").unwrap())
            .collect();
        assert_eq!(
            days,
            [
                date(3, 7),
                date(3, 8),
                date(3, 8),
                date(3, 9),
                date(10, 31),
                date(11, 1),
                date(11, 1),
                date(11, 2)
            ]
        );
        let info = streak(&days, &[], date(11, 2));
        assert_eq!((info.current, info.longest), (3, 3));

        let berlin = [
            utc(3, 28, 23, 30),  // 2026-03-29 00:30 CET (23-hour day)
            utc(3, 29, 21, 30),  // 2026-03-29 23:30 CEST
            utc(3, 29, 22, 30),  // 2026-03-30 00:30 CEST
            utc(10, 25, 22, 30), // 2026-10-25 23:30 CET (25-hour day)
        ];
        let days: Vec<_> = berlin
            .iter()
            .map(|at| local_day(*at, "Europe/Berlin").unwrap())
            .collect();
        assert_eq!(days, [date(3, 29), date(3, 29), date(3, 30), date(10, 25)]);
        assert_eq!(streak(&days[..3], &[], date(3, 30)).current, 2);
    }

    #[test]
    fn westward_over_the_date_line_skips_a_calendar_day() {
        // 23:00 in Honolulu on 2026-11-20 (09:00 UTC on the 21st), then a flight of ~12 h and a
        // session at 07:00 in Seoul on the 22nd (22:00 UTC on the 21st). The learner's clock
        // never showed the 21st, so the 21st is a missed calendar day: without a freeze the
        // streak restarts, with one held it is bridged.
        let honolulu = local_day(utc(11, 21, 9, 0), "Pacific/Honolulu").unwrap();
        let seoul = local_day(utc(11, 21, 22, 0), "Asia/Seoul").unwrap();
        assert_eq!((honolulu, seoul), (date(11, 20), date(11, 22)));
        let days = [date(11, 19), honolulu, seoul];
        let without = streak(&days, &[], seoul);
        assert_eq!((without.current, without.longest), (1, 2));
        let with = streak(&days, &[date(11, 15)], seoul);
        assert_eq!(
            (with.current, with.frozen_days_used, with.freezes_held),
            (3, 1, 0)
        );
    }

    #[test]
    fn eastward_over_the_date_line_repeats_a_day_without_double_counting() {
        // 23:00 in Seoul on 2026-11-22 (14:00 UTC), then a session at 10:00 in Honolulu on the
        // 22nd again (20:00 UTC): one calendar day, counted once.
        let seoul = local_day(utc(11, 22, 14, 0), "Asia/Seoul").unwrap();
        let honolulu = local_day(utc(11, 22, 20, 0), "Pacific/Honolulu").unwrap();
        assert_eq!((seoul, honolulu), (date(11, 22), date(11, 22)));
        let info = streak(&[date(11, 21), seoul, honolulu], &[], honolulu);
        assert_eq!(info.current, 2);
    }

    #[test]
    fn clock_set_backwards_neither_breaks_nor_double_counts() {
        let days = [date(11, 20), date(11, 21), date(11, 22)];
        // The device now believes it is the 10th: today is raised to the 22nd.
        let info = streak(&days, &[], date(11, 10));
        assert_eq!((info.current, info.longest), (3, 3));
        // A session completed under the wrong clock is credited to the high-water day
        // (see `practice_day`), so the count stays the same.
        let mut with_session = days.to_vec();
        with_session.push(date(11, 22));
        assert_eq!(streak(&with_session, &[], date(11, 10)), info);
    }

    #[test]
    fn days_recorded_late_and_out_of_order_fill_their_calendar_day() {
        let before_sync = streak(
            &[date(11, 23), date(11, 20), date(11, 21)],
            &[],
            date(11, 23),
        );
        assert_eq!((before_sync.current, before_sync.longest), (1, 2));
        // The 22nd was practised offline on another device and synced later.
        let after_sync = streak(
            &[date(11, 23), date(11, 20), date(11, 22), date(11, 21)],
            &[],
            date(11, 23),
        );
        assert_eq!((after_sync.current, after_sync.longest), (4, 4));
        assert_eq!(after_sync.current_run_start, Some(date(11, 20)));
    }

    #[test]
    fn freezes_bridge_gaps_bought_before_them() {
        let days = [date(11, 10), date(11, 11), date(11, 13), date(11, 14)];
        // Bought on the 10th, covers the missed 12th: a 4-day streak (frozen day not counted).
        let info = streak(&days, &[date(11, 10)], date(11, 14));
        assert_eq!(
            (info.current, info.frozen_days_used, info.freezes_held),
            (4, 1, 0)
        );
        // Bought on the 12th itself: too late for the 12th, stays held.
        let late = streak(&days, &[date(11, 12)], date(11, 14));
        assert_eq!(
            (late.current, late.frozen_days_used, late.freezes_held),
            (2, 0, 1)
        );
    }

    #[test]
    fn freezes_keep_a_streak_alive_until_today() {
        let days = [date(11, 10), date(11, 11)];
        let one = [date(11, 1)];
        // Missed the 12th and it is now the 13th: one freeze covers the 12th.
        let info = streak(&days, &one, date(11, 13));
        assert_eq!(
            (info.current, info.frozen_days_used, info.freezes_held),
            (2, 1, 0)
        );
        // Missed the 12th and the 13th, now the 14th: one freeze is not enough, none is used.
        let broken = streak(&days, &one, date(11, 14));
        assert_eq!(
            (broken.current, broken.frozen_days_used, broken.freezes_held),
            (0, 0, 1)
        );
        // Two freezes cover both.
        let two = streak(&days, &[date(11, 1), date(11, 2)], date(11, 14));
        assert_eq!(
            (two.current, two.frozen_days_used, two.freezes_held),
            (2, 2, 0)
        );
    }

    #[test]
    fn a_late_day_gives_its_freeze_back() {
        let freezes = [date(11, 1)];
        let gap = streak(&[date(11, 10), date(11, 12)], &freezes, date(11, 12));
        assert_eq!((gap.current, gap.freezes_held), (2, 0));
        let filled = streak(
            &[date(11, 10), date(11, 11), date(11, 12)],
            &freezes,
            date(11, 12),
        );
        assert_eq!((filled.current, filled.freezes_held), (3, 1));
    }

    fn day_strategy() -> impl Strategy<Value = NaiveDate> {
        (0u64..120).prop_map(|offset| date(1, 1) + Days::new(offset))
    }

    proptest! {
        #[test]
        fn current_never_exceeds_longest(
            days in proptest::collection::vec(day_strategy(), 0..60),
            freezes in proptest::collection::vec(day_strategy(), 0..3),
            today in day_strategy(),
        ) {
            let info = streak(&days, &freezes, today);
            prop_assert!(info.current <= info.longest);
            prop_assert!(info.longest as usize <= days.len());
            prop_assert_eq!(info.frozen_days_used + info.freezes_held, freezes.len() as i32);
        }

        #[test]
        fn order_and_duplicates_do_not_matter(
            days in proptest::collection::vec(day_strategy(), 0..60),
            freezes in proptest::collection::vec(day_strategy(), 0..3),
            today in day_strategy(),
        ) {
            let info = streak(&days, &freezes, today);
            let mut shuffled = days.clone();
            shuffled.reverse();
            shuffled.extend_from_slice(&days);
            let mut freezes_reversed = freezes.clone();
            freezes_reversed.reverse();
            prop_assert_eq!(streak(&shuffled, &freezes_reversed, today), info);
        }

        #[test]
        fn an_earlier_clock_changes_nothing(
            days in proptest::collection::vec(day_strategy(), 1..60),
            back in 0u64..400,
        ) {
            let last = *days.iter().max().unwrap();
            let earlier = last.checked_sub_days(Days::new(back)).unwrap();
            prop_assert_eq!(streak(&days, &[], earlier), streak(&days, &[], last));
        }
    }
}

//! The learner's local calendar: which day and which ISO week an event belongs to, and the
//! text form of those periods used in idempotency keys.
//!
//! Every period is derived from the *local* date of the event in the IANA zone it was recorded
//! in, never from UTC and never from the device's current zone, so travel and daylight-saving
//! changes land each event on the date the learner saw on their clock.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use chrono_tz::Tz;

use super::RewardsError;

/// The local calendar date of `instant` in the IANA zone `tz` (e.g. `"Asia/Seoul"`).
///
/// Unknown zone ids are refused rather than silently treated as UTC, because a wrong zone
/// would move events across midnight and break streaks.
pub fn local_day(instant: DateTime<Utc>, tz: &str) -> Result<NaiveDate, RewardsError> {
    let zone: Tz = tz
        .parse()
        .map_err(|_| RewardsError::UnknownTimeZone(tz.to_owned()))?;
    Ok(instant.with_timezone(&zone).date_naive())
}

/// The practice day a session completing now is credited to: its local day, but never earlier
/// than `high_water`, the latest practice day this device has already recorded.
///
/// This is what keeps a device clock set backwards (or an eastward hop over the date line)
/// from re-opening a day, week or streak gap that is already closed: the completion is
/// credited to the latest day already seen instead. The day is fixed once, when the session
/// completes on the device that recorded it, and stored with the session; sessions recorded
/// elsewhere and synced later keep the day their own device fixed, so they fill in their own
/// calendar day.
pub fn practice_day(
    instant: DateTime<Utc>,
    tz: &str,
    high_water: Option<NaiveDate>,
) -> Result<NaiveDate, RewardsError> {
    let day = local_day(instant, tz)?;
    Ok(high_water.map_or(day, |seen| day.max(seen)))
}

/// The period key of a local day, ISO 8601 (`"2026-11-23"`).
pub fn day_key(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// The period key of the ISO week containing `day` (`"2026-W48"`).
///
/// ISO weeks start on Monday and belong to the ISO year of their Thursday, so
/// 2027-01-01 (a Friday) is in `"2026-W53"`.
pub fn week_key(day: NaiveDate) -> String {
    let week = day.iso_week();
    format!("{:04}-W{:02}", week.year(), week.week())
}

/// The first (Monday) and last (Sunday) day of the ISO week containing `day`.
///
/// At the very ends of chrono's date range, where a bound does not exist, `day` itself
/// stands in for it rather than panicking.
pub fn iso_week_bounds(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let from_monday = u64::from(day.weekday().num_days_from_monday());
    let monday = day.checked_sub_days(Days::new(from_monday)).unwrap_or(day);
    let sunday = day
        .checked_add_days(Days::new(6 - from_monday))
        .unwrap_or(day);
    (monday, sunday)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn local_day_uses_the_recorded_zone() {
        // 2026-11-23 20:00 UTC is already the 24th in Seoul, still the 23rd in Honolulu.
        let instant = Utc.with_ymd_and_hms(2026, 11, 23, 20, 0, 0).unwrap();
        assert_eq!(local_day(instant, "Asia/Seoul"), Ok(date(2026, 11, 24)));
        assert_eq!(
            local_day(instant, "Pacific/Honolulu"),
            Ok(date(2026, 11, 23))
        );
        assert_eq!(local_day(instant, "UTC"), Ok(date(2026, 11, 23)));
    }

    #[test]
    fn unknown_zone_is_an_error() {
        let instant = Utc.with_ymd_and_hms(2026, 11, 23, 20, 0, 0).unwrap();
        assert_eq!(
            local_day(instant, "Mars/Olympus_Mons"),
            Err(RewardsError::UnknownTimeZone("Mars/Olympus_Mons".into()))
        );
        assert!(local_day(instant, "").is_err());
    }

    #[test]
    fn dst_days_have_23_and_25_hours_but_one_date() {
        // America/New_York springs forward on 2026-03-08 (23 h) and falls back on 2026-11-01
        // (25 h); Europe/Berlin on 2026-03-29 and 2026-10-25.
        for (tz, day, first_utc, last_utc) in [
            (
                "America/New_York",
                date(2026, 3, 8),
                Utc.with_ymd_and_hms(2026, 3, 8, 5, 0, 0).unwrap(), // 00:00 EST
                Utc.with_ymd_and_hms(2026, 3, 9, 3, 59, 59).unwrap(), // 23:59:59 EDT
            ),
            (
                "America/New_York",
                date(2026, 11, 1),
                Utc.with_ymd_and_hms(2026, 11, 1, 4, 0, 0).unwrap(), // 00:00 EDT
                Utc.with_ymd_and_hms(2026, 11, 2, 4, 59, 59).unwrap(), // 23:59:59 EST
            ),
            (
                "Europe/Berlin",
                date(2026, 3, 29),
                Utc.with_ymd_and_hms(2026, 3, 28, 23, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(2026, 3, 29, 21, 59, 59).unwrap(),
            ),
            (
                "Europe/Berlin",
                date(2026, 10, 25),
                Utc.with_ymd_and_hms(2026, 10, 24, 22, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(2026, 10, 25, 22, 59, 59).unwrap(),
            ),
        ] {
            assert_eq!(local_day(first_utc, tz), Ok(day), "{tz} start of {day}");
            assert_eq!(local_day(last_utc, tz), Ok(day), "{tz} end of {day}");
            let before = first_utc - chrono::Duration::seconds(1);
            let after = last_utc + chrono::Duration::seconds(1);
            assert_eq!(local_day(before, tz), Ok(day.pred_opt().unwrap()));
            assert_eq!(local_day(after, tz), Ok(day.succ_opt().unwrap()));
            let hours = (last_utc - first_utc).num_seconds() + 1;
            assert!(
                hours == 23 * 3600 || hours == 25 * 3600,
                "{tz} {day}: {hours}s"
            );
        }
    }

    #[test]
    fn practice_day_never_goes_below_the_high_water_mark() {
        let instant = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
        let seen = date(2026, 11, 23);
        assert_eq!(practice_day(instant, "UTC", Some(seen)), Ok(seen));
        assert_eq!(practice_day(instant, "UTC", None), Ok(date(2026, 11, 20)));
        let later = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        assert_eq!(
            practice_day(later, "UTC", Some(seen)),
            Ok(date(2026, 11, 25))
        );
    }

    #[test]
    fn keys_are_iso_8601() {
        assert_eq!(day_key(date(2026, 11, 23)), "2026-11-23");
        assert_eq!(week_key(date(2026, 11, 23)), "2026-W48");
        assert_eq!(week_key(date(2027, 1, 1)), "2026-W53");
        assert_eq!(week_key(date(2026, 1, 1)), "2026-W01");
        assert_eq!(
            iso_week_bounds(date(2026, 11, 25)),
            (date(2026, 11, 23), date(2026, 11, 29))
        );
    }
}

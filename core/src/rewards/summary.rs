//! Daily and weekly learning summaries, like the seed's `user_learning_analytics` rows,
//! computed from plain session records for one local period.
//!
//! Averages are integers in tenths of a point (`734` = 73.4), rounded half up, so every
//! device shows the same digits. A category is *weak* when its average in the period is
//! below 70.0 and *strong* when it is 85.0 or more.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::iso_week_bounds;
use studymate_protocol::unsigned::to_i32;

/// A category whose average (in tenths) is below this is weak.
pub const WEAK_BELOW_TENTHS: u32 = 700;
/// A category whose average (in tenths) is at least this is strong.
pub const STRONG_FROM_TENTHS: u32 = 850;

/// One completed session as the summaries need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryRecord {
    /// The situation practised.
    pub situation_id: Uuid,
    /// Its category (`situations.category`).
    pub category: String,
    /// The session's practice day (see [`crate::rewards::practice_day`]).
    pub practice_day: NaiveDate,
    /// `total_duration_seconds`.
    pub duration_seconds: u32,
    /// Overall score, 0–100.
    pub overall: u8,
    /// Pronunciation score, 0–100, when the session was spoken.
    pub pronunciation: Option<u8>,
    /// Fluency score, 0–100, when the session was spoken.
    pub fluency: Option<u8>,
}

/// The length of a summarised period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum PeriodType {
    /// One local day.
    Daily,
    /// One local ISO week, Monday to Sunday.
    Weekly,
}

/// A learning summary for one local period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LearningSummary {
    /// Daily or weekly.
    pub period_type: PeriodType,
    /// First day of the period.
    pub period_start: NaiveDate,
    /// Last day of the period (inclusive).
    pub period_end: NaiveDate,
    /// Sessions completed in the period.
    pub session_count: i32,
    /// Total duration, rounded to the nearest minute.
    pub study_minutes: i32,
    /// Distinct situations practised.
    pub unique_situations: i32,
    /// Average overall score in tenths; absent without sessions.
    pub average_overall_tenths: Option<i32>,
    /// Average pronunciation score in tenths over spoken sessions.
    pub average_pronunciation_tenths: Option<i32>,
    /// Average fluency score in tenths over spoken sessions.
    pub average_fluency_tenths: Option<i32>,
    /// The longest run of consecutive active days inside the period.
    pub consecutive_days_active: i32,
    /// Weak categories, weakest first.
    pub weak_categories: Vec<String>,
    /// Strong categories, strongest first.
    pub strong_categories: Vec<String>,
}

/// The average of `count` scores summing to `sum`, in tenths, rounded half up.
pub fn average_tenths(sum: u64, count: u64) -> Option<u32> {
    if count == 0 {
        return None;
    }
    let (sum, count) = (u128::from(sum), u128::from(count));
    u32::try_from((sum * 20 + count) / (count * 2)).ok()
}

/// The summary of the records whose practice day is `day`.
pub fn daily_summary(records: &[SummaryRecord], day: NaiveDate) -> LearningSummary {
    summarise(records, PeriodType::Daily, day, day)
}

/// The summary of the records in the ISO week (Monday–Sunday) containing `day`.
pub fn weekly_summary(records: &[SummaryRecord], day: NaiveDate) -> LearningSummary {
    let (monday, sunday) = iso_week_bounds(day);
    summarise(records, PeriodType::Weekly, monday, sunday)
}

#[derive(Default)]
struct Mean {
    sum: u64,
    count: u64,
}

impl Mean {
    fn add(&mut self, score: u8) {
        self.sum += u64::from(score);
        self.count += 1;
    }

    fn tenths(&self) -> Option<u32> {
        average_tenths(self.sum, self.count)
    }
}

fn summarise(
    records: &[SummaryRecord],
    period_type: PeriodType,
    start: NaiveDate,
    end: NaiveDate,
) -> LearningSummary {
    let mut seconds: u64 = 0;
    let mut situations = BTreeSet::new();
    let mut days = BTreeSet::new();
    let (mut overall, mut pronunciation, mut fluency) =
        (Mean::default(), Mean::default(), Mean::default());
    let mut categories: BTreeMap<&str, Mean> = BTreeMap::new();
    let in_period = records
        .iter()
        .filter(|record| (start..=end).contains(&record.practice_day));
    for record in in_period {
        seconds += u64::from(record.duration_seconds);
        situations.insert(record.situation_id);
        days.insert(record.practice_day);
        overall.add(record.overall);
        if let Some(score) = record.pronunciation {
            pronunciation.add(score);
        }
        if let Some(score) = record.fluency {
            fluency.add(score);
        }
        categories
            .entry(record.category.as_str())
            .or_default()
            .add(record.overall);
    }

    let mut ranked: Vec<(u32, &str)> = categories
        .iter()
        .filter_map(|(name, mean)| Some((mean.tenths()?, *name)))
        .collect();
    ranked.sort_unstable();
    let weak_categories = ranked
        .iter()
        .filter(|(tenths, _)| *tenths < WEAK_BELOW_TENTHS)
        .map(|(_, name)| (*name).to_owned())
        .collect();
    let strong_categories = ranked
        .iter()
        .rev()
        .filter(|(tenths, _)| *tenths >= STRONG_FROM_TENTHS)
        .map(|(_, name)| (*name).to_owned())
        .collect();

    LearningSummary {
        period_type,
        period_start: start,
        period_end: end,
        session_count: to_i32(overall.count),
        study_minutes: to_i32((seconds + 30) / 60),
        unique_situations: to_i32(situations.len()),
        average_overall_tenths: overall.tenths().map(to_i32),
        average_pronunciation_tenths: pronunciation.tenths().map(to_i32),
        average_fluency_tenths: fluency.tenths().map(to_i32),
        consecutive_days_active: to_i32(longest_consecutive(&days)),
        weak_categories,
        strong_categories,
    }
}

fn longest_consecutive(days: &BTreeSet<NaiveDate>) -> u32 {
    let mut longest = 0u32;
    let mut run = 0u32;
    let mut previous: Option<NaiveDate> = None;
    for day in days {
        run = match previous {
            Some(before) if before.succ_opt() == Some(*day) => run + 1,
            _ => 1,
        };
        longest = longest.max(run);
        previous = Some(*day);
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).expect("valid test date")
    }

    fn record(situation: u128, category: &str, day: u32, overall: u8) -> SummaryRecord {
        SummaryRecord {
            situation_id: Uuid::from_u128(situation),
            category: category.to_owned(),
            practice_day: date(day),
            duration_seconds: 90,
            overall,
            pronunciation: None,
            fluency: None,
        }
    }

    #[test]
    fn average_tenths_rounds_half_up() {
        assert_eq!(average_tenths(0, 0), None);
        assert_eq!(average_tenths(100, 1), Some(1000));
        assert_eq!(average_tenths(200, 3), Some(667)); // 66.666…
        assert_eq!(average_tenths(1, 8), Some(1)); // 0.125 → 0.1
        assert_eq!(average_tenths(3, 8), Some(4)); // 0.375 → 0.4
        assert_eq!(average_tenths(1, 4), Some(3)); // 0.25 → 0.3
    }

    #[test]
    fn daily_summary_counts_only_that_day() {
        let mut spoken = record(2, "ordering", 23, 90);
        spoken.pronunciation = Some(81);
        spoken.fluency = Some(70);
        let records = [
            record(1, "greetings", 23, 60),
            spoken,
            record(1, "greetings", 23, 65),
            record(3, "directions", 24, 10),
        ];
        let summary = daily_summary(&records, date(23));
        assert_eq!(summary.period_type, PeriodType::Daily);
        assert_eq!(
            (summary.period_start, summary.period_end),
            (date(23), date(23))
        );
        assert_eq!(summary.session_count, 3);
        assert_eq!(summary.study_minutes, 5); // 270 s → 4.5 min → 5
        assert_eq!(summary.unique_situations, 2);
        assert_eq!(summary.average_overall_tenths, Some(717)); // 215 / 3
        assert_eq!(summary.average_pronunciation_tenths, Some(810));
        assert_eq!(summary.average_fluency_tenths, Some(700));
        assert_eq!(summary.consecutive_days_active, 1);
        assert_eq!(summary.weak_categories, ["greetings"]);
        assert_eq!(summary.strong_categories, ["ordering"]);
    }

    #[test]
    fn weekly_summary_covers_monday_to_sunday() {
        // 2026-11-23 is a Monday; the 22nd and the 30th fall outside its week.
        let records = [
            record(1, "a", 22, 50),
            record(1, "a", 23, 80),
            record(2, "b", 24, 90),
            record(3, "c", 26, 40),
            record(3, "c", 29, 90),
            record(4, "d", 30, 0),
        ];
        let summary = weekly_summary(&records, date(27));
        assert_eq!(
            (summary.period_start, summary.period_end),
            (date(23), date(29))
        );
        assert_eq!(summary.session_count, 4);
        assert_eq!(summary.unique_situations, 3);
        assert_eq!(summary.consecutive_days_active, 2);
        assert_eq!(summary.average_overall_tenths, Some(750));
        assert_eq!(summary.weak_categories, ["c"]);
        assert_eq!(summary.strong_categories, ["b"]);
    }

    #[test]
    fn empty_period_has_no_averages() {
        let summary = weekly_summary(&[], date(23));
        assert_eq!(summary.session_count, 0);
        assert_eq!(summary.study_minutes, 0);
        assert_eq!(summary.average_overall_tenths, None);
        assert!(summary.weak_categories.is_empty());
    }
}

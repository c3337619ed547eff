//! The learner's practice day: their time zone and the latest day this device has credited.
//! Practice writes the mark when it completes a session; progress reads it for the streak. Kept
//! apart from both so neither imports the other for it.

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, Transaction};

use crate::error::{Error, Result};
use crate::rewards;

/// `local_meta` key of the latest practice day this device has credited (see `rewards::practice_day`):
/// raised only by this device's own completions, by its own clock.
const HIGH_WATER_KEY: &str = "practice_high_water";

/// The signed-in user's IANA time zone.
pub(crate) fn self_time_zone(tx: &Transaction<'_>) -> Result<String> {
    Ok(tx
        .prepare_cached("SELECT time_zone FROM users WHERE is_self = 1")?
        .query_row([], |r| r.get(0))?)
}

/// The latest practice day this device has credited.
pub(crate) fn high_water(tx: &Transaction<'_>) -> Result<Option<NaiveDate>> {
    let text: Option<String> = tx
        .prepare_cached("SELECT value FROM local_meta WHERE key = ?1")?
        .query_row([HIGH_WATER_KEY], |r| r.get(0))
        .optional()?;
    text.map(|t| parse_day(&t)).transpose()
}

/// Records `day` as credited, unless a later day already is (the mark only moves forward).
pub(crate) fn raise_high_water(tx: &Transaction<'_>, day: NaiveDate) -> Result<()> {
    crate::client::raise_meta(tx, HIGH_WATER_KEY, &rewards::day_key(day))
}

/// Reads a day stored as `YYYY-MM-DD`.
pub(crate) fn parse_day(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| Error::Storage(format!("stored day {text:?} is malformed: {e}")))
}

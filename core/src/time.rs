//! Time as the library sees it: a replaceable clock (tests set it backwards, apps never need to)
//! and the one text format instants are stored in.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::error::{Error, Result};

/// Source of "now". The default reads the system clock; tests substitute a fixed or moving one.
pub trait Clock: Send + Sync {
    /// The current instant in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The device's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Formats an instant the way every table stores it: RFC 3339, UTC, milliseconds, `Z` suffix,
/// so that text order is time order.
pub fn to_db(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Reads an instant stored by [`to_db`].
pub fn from_db(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::Storage(format!("stored instant {text:?} is malformed: {e}")))
}

//! The custom types that cross the boundary as natural platform types:
//!
//! | Rust                 | UniFFI builtin | Kotlin (see `core/uniffi.toml`) | Swift        |
//! |----------------------|----------------|----------------------------|--------------|
//! | `Uuid`               | `String`       | `java.util.UUID`           | `UUID`       |
//! | [`Timestamp`]        | timestamp      | `java.time.Instant`        | `Date`       |
//! | [`LocalDate`]        | `String`       | `java.time.LocalDate`      | `String` (`YYYY-MM-DD`) |
//! | [`Json`]             | `String`       | `String` (JSON text)       | `String` (JSON text)    |
//!
//! Lifting checks the value: a malformed id, date or JSON text from the app becomes
//! [`StudyMateError::InvalidInput`], never a panic.

use std::time::SystemTime;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::StudyMateError;

/// An instant in UTC. Crosses as the platform's instant type.
pub type Timestamp = DateTime<Utc>;

/// A calendar day in the learner's time zone (a streak day, a summary period's bounds).
/// Crosses as ISO-8601 text `YYYY-MM-DD`.
pub type LocalDate = NaiveDate;

/// A JSON document (profile preferences, onboarding step data, achievement requirements,
/// chat file metadata, change-log payloads). Crosses as its JSON text; the app parses it with
/// its own JSON library.
pub type Json = serde_json::Value;

uniffi::custom_type!(Uuid, String, {
    remote,
    lower: |id| id.to_string(),
    try_lift: |text| Ok(Uuid::parse_str(&text)
        .map_err(|e| StudyMateError::invalid("id", format!("{text:?} is not a UUID ({e})")))?),
});

uniffi::custom_type!(Timestamp, SystemTime, {
    remote,
    lower: |instant| instant.into(),
    try_lift: |time| Ok(DateTime::<Utc>::from(time)),
});

uniffi::custom_type!(LocalDate, String, {
    remote,
    lower: |day| day.format("%Y-%m-%d").to_string(),
    try_lift: |text| Ok(NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map_err(|e| StudyMateError::invalid("date", format!("{text:?} is not a YYYY-MM-DD day ({e})")))?),
});

uniffi::custom_type!(Json, String, {
    remote,
    lower: |value| value.to_string(),
    try_lift: |text| Ok(serde_json::from_str(&text).map_err(|e| StudyMateError::invalid(
        "JSON text (preferences, step data or file metadata)",
        format!("it is not valid JSON ({e})"),
    ))?),
});

#[cfg(test)]
mod tests {
    use uniffi::{FfiConverter, Lift};

    use super::*;
    use crate::UniFfiTag;

    fn lift_error<T: Lift<UniFfiTag>>(value: T::FfiType) -> StudyMateError {
        match T::try_lift(value) {
            Ok(_) => panic!("the value was accepted"),
            Err(e) => e.downcast::<StudyMateError>().expect("a typed error"),
        }
    }

    #[test]
    fn malformed_values_from_the_app_are_typed_errors_a_person_can_read() {
        let bad_id = <String as FfiConverter<UniFfiTag>>::lower("not-a-uuid".into());
        let id = lift_error::<Uuid>(bad_id);
        assert!(matches!(&id, StudyMateError::InvalidInput { field, .. } if field == "id"));
        assert!(
            id.to_string()
                .starts_with("id is not accepted: \"not-a-uuid\" is not a UUID"),
            "{id}"
        );
        let bad_day = <String as FfiConverter<UniFfiTag>>::lower("2024-02-30".into());
        assert!(
            matches!(lift_error::<LocalDate>(bad_day), StudyMateError::InvalidInput { field, .. } if field == "date")
        );
        let bad_json = <String as FfiConverter<UniFfiTag>>::lower("{".into());
        let json = lift_error::<Json>(bad_json);
        assert!(json.to_string().contains("preferences"), "{json}");
        assert!(json.to_string().contains("not valid JSON"), "{json}");
    }
}

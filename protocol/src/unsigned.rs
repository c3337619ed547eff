//! Numbers that are signed in the API but unsigned on the wire and in stored JSON.
//!
//! Counts, scores, minutes and durations are signed integers in core's records, because that is
//! what Kotlin (`Int`, `Long`) and Swift (`Int32`, `Int64`) apps use. What a record accepts when
//! it is decoded (a catalog file, a pulled or pushed payload, a stored dialogue) stays the
//! unsigned type's rule: a field marked
//! `#[serde(deserialize_with = "studymate_protocol::unsigned::field::<_, u8, _>")]`
//! decodes exactly the JSON numbers a `u8` does, so a negative or oversized number is refused
//! while decoding, as before the types became signed.

use std::fmt::Display;

use serde::{Deserialize, Deserializer};

/// Decodes a number as the unsigned wire type `U` and converts it to the field's type `T`,
/// refusing a value `T` cannot hold.
pub fn field<'de, D, U, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    U: Deserialize<'de> + Display + Copy,
    T: TryFrom<U>,
{
    convert(U::deserialize(deserializer)?)
}

/// [`field`] for an optional number (`null` or absent stays absent; pair it with
/// `#[serde(default)]` when the field may be missing).
pub fn optional<'de, D, U, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    U: Deserialize<'de> + Display + Copy,
    T: TryFrom<U>,
{
    Option::<U>::deserialize(deserializer)?
        .map(convert)
        .transpose()
}

/// A count or measure the library computed (never negative: a length, a number of rows, a
/// duration) as the API's `i32`. Beyond `i32::MAX`, which real data never reaches, it saturates.
pub fn to_i32<T: TryInto<i32>>(count: T) -> i32 {
    count.try_into().unwrap_or(i32::MAX)
}

/// [`to_i32`] for the API's 64-bit counts (sync counts, achievement progress).
pub fn to_i64<T: TryInto<i64>>(count: T) -> i64 {
    count.try_into().unwrap_or(i64::MAX)
}

fn convert<U: Display + Copy, T: TryFrom<U>, E: serde::de::Error>(value: U) -> Result<T, E> {
    T::try_from(value).map_err(|_| E::custom(format_args!("{value} is out of range")))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Sample {
        #[serde(deserialize_with = "super::field::<_, u8, _>")]
        score: i32,
        #[serde(default, deserialize_with = "super::optional::<_, u64, _>")]
        total: Option<i64>,
    }

    fn decode(json: &str) -> Result<Sample, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn signed_fields_decode_what_the_unsigned_wire_type_accepts() {
        assert_eq!(
            decode(r#"{"score": 255, "total": 7}"#),
            Ok(Sample {
                score: 255,
                total: Some(7)
            })
        );
        assert_eq!(
            decode(r#"{"score": 0, "total": null}"#),
            Ok(Sample {
                score: 0,
                total: None
            })
        );
    }

    #[test]
    fn negative_or_oversized_numbers_are_refused_while_decoding() {
        for json in [
            r#"{"score": -1}"#,
            r#"{"score": 256}"#,
            r#"{"score": 1, "total": -5}"#,
            r#"{"total": 1}"#,
            r#"{"score": 1, "total": 9223372036854775808}"#,
        ] {
            assert!(decode(json).is_err(), "{json} was accepted");
        }
    }
}

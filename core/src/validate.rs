//! Checks on caller input, shared by every module, so that bad input is refused with a typed
//! error naming the field before anything is written.

use std::fmt::Display;

use crate::error::{Error, Result};

/// Refuses a negative count, score or duration from the caller. Core's records carry them as
/// signed integers (what Kotlin and Swift use), so "never negative" is checked where a value
/// enters, naming the field; decoding keeps the wire's unsigned rule (`studymate_protocol::unsigned`).
pub(crate) fn non_negative<T: PartialOrd + Default + Display>(field: &str, value: T) -> Result<()> {
    if value < T::default() {
        Err(Error::invalid(
            field,
            format!("must not be negative, got {value}"),
        ))
    } else {
        Ok(())
    }
}

/// Refuses text whose length in characters is outside `min..=max` (after trimming nothing:
/// what the caller passed is what is stored).
pub(crate) fn text_len(field: &str, value: &str, min: usize, max: usize) -> Result<()> {
    let len = value.chars().count();
    if len < min {
        return Err(if min == 1 {
            Error::invalid(field, "must not be empty")
        } else {
            Error::invalid(field, format!("must be at least {min} characters"))
        });
    }
    if len > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters, got {len}"),
        ));
    }
    Ok(())
}

/// Like [`text_len`] with a minimum of one character, and also refusing text that is only whitespace.
pub(crate) fn non_blank(field: &str, value: &str, max: usize) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(
            field,
            "must not be empty or only whitespace",
        ));
    }
    text_len(field, value, 1, max)
}

/// Refuses a JSON value that is not an object.
pub(crate) fn json_object(field: &str, value: &serde_json::Value) -> Result<()> {
    if value.is_object() {
        Ok(())
    } else {
        Err(Error::invalid(field, "must be a JSON object"))
    }
}

/// Like [`json_object`], and also refusing an object longer than `max_bytes` in its compact
/// serialization (what is stored and synced), so a free-form JSON field cannot inflate a feed.
pub(crate) fn json_object_within(
    field: &str,
    value: &serde_json::Value,
    max_bytes: usize,
) -> Result<()> {
    json_object(field, value)?;
    let len = studymate_protocol::json_len(value)?;
    if len > max_bytes {
        return Err(Error::invalid(
            field,
            format!("must be at most {max_bytes} bytes of JSON, got {len}"),
        ));
    }
    Ok(())
}

/// A caller's signed number as the unsigned type a computation works in (the scorer's
/// milliseconds and hint levels): a negative value, or one `U` cannot hold, is `InvalidInput`
/// naming the field.
pub(crate) fn unsigned_from<T, U>(field: &str, value: T) -> Result<U>
where
    T: PartialOrd + Default + Display + Copy,
    U: TryFrom<T>,
{
    non_negative(field, value)?;
    U::try_from(value).map_err(|_| Error::invalid(field, format!("must be smaller, got {value}")))
}

/// Characters refused in a name anyone else sees (display name, room name, Korean name): control
/// characters, line and paragraph separators, and the invisible or direction-changing format
/// characters used to make one name look like another (zero-width space, byte-order mark, word
/// joiner and invisible operators, bidirectional marks, embeddings, overrides and isolates, and
/// the Hangul fillers, which are letters that show as nothing). Zero-width joiner and non-joiner
/// stay allowed: emoji sequences and several scripts need them.
pub(crate) fn is_forbidden_in_name(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{200B}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{3164}'
                | '\u{FFA0}'
        )
}

/// A name others see: [`non_blank`] within `max` characters, without a character
/// [`is_forbidden_in_name`] refuses.
pub(crate) fn name(field: &str, value: &str, max: usize) -> Result<()> {
    non_blank(field, value, max)?;
    match value.chars().find(|c| is_forbidden_in_name(*c)) {
        Some(c) => Err(Error::invalid(
            field,
            format!(
                "must not contain the invisible or control character U+{:04X}",
                c as u32
            ),
        )),
        None => Ok(()),
    }
}

/// An address the apps load (an avatar, an attachment): at most `max` characters, `https://`
/// (scheme in any case) followed by a host, without whitespace or control characters. Other
/// schemes (`javascript:`, `file:`, `http:`, `data:` …) are refused.
pub(crate) fn https_url(field: &str, value: &str, max: usize) -> Result<()> {
    text_len(field, value, 1, max)?;
    let rest = value
        .get(..8)
        .filter(|scheme| scheme.eq_ignore_ascii_case("https://"))
        .and_then(|_| value.get(8..))
        .ok_or_else(|| Error::invalid(field, "must be an https:// address"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() {
        return Err(Error::invalid(field, "must name a host after https://"));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid(
            field,
            "must not contain whitespace or control characters",
        ));
    }
    Ok(())
}

/// Parses a caller-supplied id.
pub(crate) fn parse_id(field: &str, text: &str) -> Result<uuid::Uuid> {
    uuid::Uuid::parse_str(text).map_err(|e| Error::invalid(field, format!("is not a UUID: {e}")))
}

/// Declares an enum stored and sent as fixed strings, with parsing that refuses unknown values
/// with [`Error::InvalidInput`] and SQLite/serde conversions (and, with the `uniffi` feature, as a
/// plain enum in the bindings).
macro_rules! string_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The text stored in the database and sent on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the stored text, refusing unknown values with an error naming `field`.
            pub fn parse(field: &str, text: &str) -> $crate::error::Result<Self> {
                match text {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::error::Error::invalid(
                        field,
                        format!("unknown value {other:?}; expected one of {:?}", [$($text),+]),
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                let text = value.as_str()?;
                $name::parse(stringify!($name), text)
                    .map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::parse(stringify!($name), &text).map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use string_enum;

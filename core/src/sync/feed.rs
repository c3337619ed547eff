//! The pull page as the client reads it: each change's payload is parsed straight into its
//! record type while the page is parsed (no intermediate JSON value, no second parse when the
//! page is applied). A change whose entity or operation this version does not know keeps no
//! record and is skipped, as the protocol says.
//!
//! The reference server writes `entity` and `operation` before `payload`, so the payload is
//! typed as it streams by; a server that puts `payload` first still works, its payload is held
//! as raw JSON until the object ends and parsed then. A page with a malformed payload is parsed
//! a second time with raw payloads, only to say which change is malformed.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use uuid::Uuid;

use super::answer::Answer;
use super::protocol::{
    PublicProfile, ReadMarker, ScopeChecks, ServerEntity, UserAchievementRecord,
};
use crate::catalog::{Achievement, Situation, Variation};
use crate::changelog::Operation;
use crate::chat::{Message, Room, SendState};
use crate::error::{Error, Result};
use crate::ledger::PointTransaction;
use crate::practice::PracticeSession;
use crate::profile::{LanguageRole, Profile, UserLanguage};
use crate::progress::UserAchievement;

/// One pull page as received.
#[derive(Debug, Deserialize)]
pub(crate) struct FeedPage {
    pub changes: Vec<FeedChange>,
    pub next_cursor: String,
    pub has_more: bool,
    /// The server's counts, on its last page (absent from servers that do not send them).
    #[serde(default)]
    pub checks: Option<ScopeChecks>,
    /// How many changes follow this page, when asked for and the server counts.
    #[serde(default)]
    pub remaining: Option<u64>,
}

/// One feed change. The entity and the operation stay as received, for messages and the
/// history-reset bookkeeping; `known` holds them parsed with the typed record, or nothing for a
/// kind or an operation this version does not know.
#[derive(Debug)]
pub(crate) struct FeedChange {
    pub entity: String,
    pub entity_id: String,
    pub operation: String,
    pub known: Option<(ServerEntity, Operation, Record)>,
}

/// A pulled record, typed by its entity and operation.
#[derive(Debug)]
pub(crate) enum Record {
    Situation(Situation),
    Variation(Variation),
    Achievement(Achievement),
    Profile(Profile),
    PublicProfile(PublicProfile),
    Language(UserLanguage),
    LanguageRemoved(LanguageKey),
    Interest(Interest),
    InterestRemoved(Interest),
    Onboarding(Step),
    PracticeSession(PracticeSession),
    PointTransaction(PointTransaction),
    UserAchievement(UserAchievement),
    Room(Room),
    RoomRemoved(RoomKey),
    /// A message's whole state; its `send_state` is `sent` (the server holds it).
    Message(Message),
    ReadMarker(ReadMarker),
}

/// The key of a removed language.
#[derive(Debug, Deserialize)]
pub(crate) struct LanguageKey {
    pub language_code: String,
    pub role: LanguageRole,
}

/// An interest tag added or removed.
#[derive(Debug, Deserialize)]
pub(crate) struct Interest {
    pub interest_tag: String,
}

/// One onboarding step's data.
#[derive(Debug, Deserialize)]
pub(crate) struct Step {
    pub step: u8,
    pub data: serde_json::Value,
}

/// The key of a room the user left.
#[derive(Debug, Deserialize)]
pub(crate) struct RoomKey {
    pub room_id: Uuid,
}

impl From<UserAchievementRecord> for UserAchievement {
    fn from(a: UserAchievementRecord) -> Self {
        UserAchievement {
            achievement_id: a.achievement_id,
            progress: a.progress,
            completed_at: a.completed_at,
            points_earned: a.points_earned,
            is_pinned: a.is_pinned,
            is_public: a.is_public,
            updated_at: a.updated_at,
        }
    }
}

/// Parses a pull answer. A page whose changes do not all parse is parsed again with raw payloads
/// to name the malformed one (`ENTITY ID has a malformed payload: …`).
pub(crate) fn read_page(answer: &Answer) -> Result<FeedPage> {
    answer.parse::<FeedPage>("pull").or_else(|typed| {
        let raw: RawPage = answer.parse("pull")?;
        for c in &raw.changes {
            let known = (
                ServerEntity::parse(&c.entity),
                Operation::parse("operation", &c.operation),
            );
            if let (Some(entity), Ok(operation)) = known {
                RecordSeed { entity, operation }
                    .deserialize(&mut serde_json::Deserializer::from_str(c.payload.get()))
                    .map_err(|e| {
                        Error::Protocol(format!(
                            "{} {} has a malformed payload: {e}",
                            c.entity, c.entity_id
                        ))
                    })?;
            }
        }
        Err(typed)
    })
}

/// The page with untyped payloads, for [`read_page`]'s error.
#[derive(Deserialize)]
struct RawPage {
    changes: Vec<RawChange>,
}

#[derive(Deserialize)]
struct RawChange {
    entity: String,
    entity_id: String,
    operation: String,
    payload: Box<RawValue>,
}

/// Parses a payload into the record of `entity` and `operation`.
#[derive(Clone, Copy)]
struct RecordSeed {
    entity: ServerEntity,
    operation: Operation,
}

impl<'de> DeserializeSeed<'de> for RecordSeed {
    type Value = Record;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Record, D::Error> {
        let delete = self.operation == Operation::Delete;
        Ok(match self.entity {
            ServerEntity::Situation => Record::Situation(Deserialize::deserialize(d)?),
            ServerEntity::Variation => Record::Variation(Deserialize::deserialize(d)?),
            ServerEntity::Achievement => Record::Achievement(Deserialize::deserialize(d)?),
            ServerEntity::Profile => Record::Profile(Deserialize::deserialize(d)?),
            ServerEntity::PublicProfile => Record::PublicProfile(Deserialize::deserialize(d)?),
            ServerEntity::UserLanguage if delete => {
                Record::LanguageRemoved(Deserialize::deserialize(d)?)
            }
            ServerEntity::UserLanguage => Record::Language(Deserialize::deserialize(d)?),
            ServerEntity::UserInterest if delete => {
                Record::InterestRemoved(Deserialize::deserialize(d)?)
            }
            ServerEntity::UserInterest => Record::Interest(Deserialize::deserialize(d)?),
            ServerEntity::Onboarding => Record::Onboarding(Deserialize::deserialize(d)?),
            ServerEntity::PracticeSession => Record::PracticeSession(Deserialize::deserialize(d)?),
            ServerEntity::PointTransaction => {
                Record::PointTransaction(Deserialize::deserialize(d)?)
            }
            ServerEntity::UserAchievement => {
                Record::UserAchievement(UserAchievementRecord::deserialize(d)?.into())
            }
            ServerEntity::ChatRoom if delete => Record::RoomRemoved(Deserialize::deserialize(d)?),
            ServerEntity::ChatRoom => Record::Room(Deserialize::deserialize(d)?),
            ServerEntity::ChatMessage => {
                let mut m = Message::deserialize(d)?;
                m.send_state = SendState::Sent;
                Record::Message(m)
            }
            ServerEntity::ReadMarker => Record::ReadMarker(Deserialize::deserialize(d)?),
        })
    }
}

impl<'de> Deserialize<'de> for FeedChange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_map(ChangeVisitor)
    }
}

/// The fields of a feed change this client reads; the others are skipped.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Entity,
    EntityId,
    Operation,
    Payload,
    #[serde(other)]
    Other,
}

struct ChangeVisitor;

impl<'de> Visitor<'de> for ChangeVisitor {
    type Value = FeedChange;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a feed change")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<FeedChange, A::Error> {
        let mut entity: Option<String> = None;
        let mut entity_id: Option<String> = None;
        let mut operation: Option<String> = None;
        // The record, once the payload has been read: `Some(None)` for an unknown kind.
        let mut known: Option<Option<(ServerEntity, Operation, Record)>> = None;
        // A payload that came before the entity or the operation.
        let mut early: Option<Box<RawValue>> = None;
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Entity => entity = Some(map.next_value()?),
                Field::EntityId => entity_id = Some(map.next_value()?),
                Field::Operation => operation = Some(map.next_value()?),
                Field::Payload => match (&entity, &operation) {
                    (Some(e), Some(o)) => match seed(e, o) {
                        Some(seed) => {
                            let record = map.next_value_seed(seed)?;
                            known = Some(Some((seed.entity, seed.operation, record)));
                        }
                        None => {
                            map.next_value::<IgnoredAny>()?;
                            known = Some(None);
                        }
                    },
                    _ => early = Some(map.next_value()?),
                },
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let entity = entity.ok_or_else(|| de::Error::missing_field("entity"))?;
        let entity_id = entity_id.ok_or_else(|| de::Error::missing_field("entity_id"))?;
        let operation = operation.ok_or_else(|| de::Error::missing_field("operation"))?;
        let known = match (known, early) {
            (Some(known), _) => known,
            (None, Some(raw)) => match seed(&entity, &operation) {
                Some(seed) => {
                    let record = seed
                        .deserialize(&mut serde_json::Deserializer::from_str(raw.get()))
                        .map_err(de::Error::custom)?;
                    Some((seed.entity, seed.operation, record))
                }
                None => None,
            },
            (None, None) => return Err(de::Error::missing_field("payload")),
        };
        Ok(FeedChange {
            entity,
            entity_id,
            operation,
            known,
        })
    }
}

/// The parser of a known kind and operation; `None` for one this version does not know.
fn seed(entity: &str, operation: &str) -> Option<RecordSeed> {
    Some(RecordSeed {
        entity: ServerEntity::parse(entity)?,
        operation: Operation::parse("operation", operation).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(json: &str) -> FeedChange {
        serde_json::from_str(json).expect("a feed change")
    }

    #[test]
    fn the_payload_is_typed_in_either_field_order() {
        let first = change(
            r#"{"server_seq":1,"entity":"user_interest","entity_id":"chess","operation":"insert","payload":{"interest_tag":"chess"}}"#,
        );
        let late = change(
            r#"{"payload":{"interest_tag":"chess"},"operation":"insert","entity_id":"chess","entity":"user_interest"}"#,
        );
        for c in [first, late] {
            assert!(
                matches!(&c.known, Some((ServerEntity::UserInterest, Operation::Insert, Record::Interest(i))) if i.interest_tag == "chess"),
                "{c:?}"
            );
        }
    }

    #[test]
    fn an_unknown_kind_or_operation_keeps_no_record() {
        let kind = change(
            r#"{"entity":"hologram","entity_id":"x","operation":"insert","payload":{"any":[1,2]}}"#,
        );
        let op = change(
            r#"{"entity":"user_interest","entity_id":"x","operation":"merge","payload":{"any":1}}"#,
        );
        let early = change(
            r#"{"payload":{"any":1},"entity":"hologram","entity_id":"x","operation":"insert"}"#,
        );
        assert!(kind.known.is_none() && op.known.is_none() && early.known.is_none());
        assert_eq!(kind.entity, "hologram");
    }

    #[test]
    fn a_malformed_payload_or_a_missing_field_is_an_error() {
        for json in [
            r#"{"entity":"user_interest","entity_id":"x","operation":"insert","payload":{"tag":1}}"#,
            r#"{"payload":{"tag":1},"entity":"user_interest","entity_id":"x","operation":"insert"}"#,
            r#"{"entity":"user_interest","entity_id":"x","operation":"insert"}"#,
            r#"{"entity_id":"x","operation":"insert","payload":{"interest_tag":"x"}}"#,
        ] {
            assert!(serde_json::from_str::<FeedChange>(json).is_err(), "{json}");
        }
    }
}

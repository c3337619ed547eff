//! The kinds of record in a user's feed, by their wire names.

use serde::{Deserialize, Serialize};

/// The kinds of record in the feed and the payload each carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerEntity {
    /// A catalog situation: `studymate_core::catalog::Situation`.
    Situation,
    /// A catalog variation: `studymate_core::catalog::Variation`.
    Variation,
    /// An achievement definition: `studymate_core::catalog::Achievement`.
    Achievement,
    /// The signed-in user's own full profile: `studymate_core::profile::Profile`.
    Profile,
    /// Someone else's public profile: `studymate_core::profile::PublicProfile`.
    PublicProfile,
    /// One of the user's languages: `studymate_core::profile::UserLanguage`; on delete
    /// `{language_code, role}`.
    UserLanguage,
    /// One of the user's interests: `{interest_tag}`.
    UserInterest,
    /// One onboarding step: `{step, data}`; the client derives progress as on a local save.
    Onboarding,
    /// A practice session: `studymate_core::practice::PracticeSession`.
    PracticeSession,
    /// A ledger entry: `studymate_core::ledger::PointTransaction`.
    PointTransaction,
    /// Progress on an achievement: [`crate::UserAchievementRecord`].
    UserAchievement,
    /// A room with its members: `studymate_core::chat::Room`. A delete means the user left or was
    /// removed; the payload is `{room_id}`.
    ChatRoom,
    /// A message's full state: `studymate_core::chat::Message` with `send_state` `sent` and the
    /// server's `sort_key`.
    ChatMessage,
    /// A member's read marker: [`crate::ReadMarker`]. Markers only move forward.
    ReadMarker,
}

impl ServerEntity {
    /// Every kind, in declaration order.
    pub const ALL: &'static [ServerEntity] = &[
        ServerEntity::Situation,
        ServerEntity::Variation,
        ServerEntity::Achievement,
        ServerEntity::Profile,
        ServerEntity::PublicProfile,
        ServerEntity::UserLanguage,
        ServerEntity::UserInterest,
        ServerEntity::Onboarding,
        ServerEntity::PracticeSession,
        ServerEntity::PointTransaction,
        ServerEntity::UserAchievement,
        ServerEntity::ChatRoom,
        ServerEntity::ChatMessage,
        ServerEntity::ReadMarker,
    ];

    /// The wire name, as serde writes it (`"chat_message"` …).
    pub fn as_str(self) -> &'static str {
        match self {
            ServerEntity::Situation => "situation",
            ServerEntity::Variation => "variation",
            ServerEntity::Achievement => "achievement",
            ServerEntity::Profile => "profile",
            ServerEntity::PublicProfile => "public_profile",
            ServerEntity::UserLanguage => "user_language",
            ServerEntity::UserInterest => "user_interest",
            ServerEntity::Onboarding => "onboarding",
            ServerEntity::PracticeSession => "practice_session",
            ServerEntity::PointTransaction => "point_transaction",
            ServerEntity::UserAchievement => "user_achievement",
            ServerEntity::ChatRoom => "chat_room",
            ServerEntity::ChatMessage => "chat_message",
            ServerEntity::ReadMarker => "read_marker",
        }
    }

    /// Parses a wire name; `None` for a name this version does not know.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|e| e.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_names_match_serde() {
        for entity in ServerEntity::ALL {
            let json = serde_json::to_value(entity).unwrap();
            assert_eq!(json, serde_json::Value::String(entity.as_str().into()));
            assert_eq!(ServerEntity::parse(entity.as_str()), Some(*entity));
        }
    }
}

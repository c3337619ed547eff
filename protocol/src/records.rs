//! The records only sync carries, with no rules of their own on the device: achievement progress
//! and read markers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The payload of a `user_achievement` insert or update (entity id: the achievement id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserAchievementRecord {
    /// The achievement definition.
    pub achievement_id: Uuid,
    /// Progress towards it, as the rewards engine tracks it (a JSON object).
    pub progress: serde_json::Value,
    /// When it was unlocked; once set, the server keeps the first value.
    #[serde(default)]
    pub completed_at: Option<DateTime<Utc>>,
    /// Points the unlock awarded.
    #[serde(default)]
    pub points_earned: u32,
    /// Shown at the top of the profile.
    #[serde(default)]
    pub is_pinned: bool,
    /// Visible to others.
    #[serde(default = "visible")]
    pub is_public: bool,
    /// When it last changed, by the device clock.
    pub updated_at: DateTime<Utc>,
}

/// A member's read marker in a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadMarker {
    /// The room.
    pub room_id: Uuid,
    /// Whose marker it is.
    pub user_id: Uuid,
    /// The newest message they have read.
    pub message_id: Uuid,
    /// That message's `sort_key`: compare to keep the maximum.
    pub sort_key: i64,
}

/// The payload of a pushed `read_marker` update (entity id: the room id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadMarkerUpdate {
    /// The room.
    pub room_id: Uuid,
    /// The newest message read.
    pub message_id: Uuid,
}

/// The default of [`UserAchievementRecord::is_public`]: an achievement is visible unless hidden.
fn visible() -> bool {
    true
}

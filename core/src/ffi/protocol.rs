//! The wire types the foreign API shows (sign-up, log-in, the token pair, the kinds of synced
//! record), exported from the `studymate-protocol` crate as UniFFI remote types.
//!
//! They are declared here rather than derived in the protocol crate because their fields cross
//! through core's custom types (an id is a platform UUID, and a malformed one from the app is a
//! [`super::StudyMateError`]), which a crate below core cannot name. UniFFI compiles each
//! declaration against the real type, so a field added or renamed there fails the build here
//! instead of drifting. The doc comments are the foreign API's.

use studymate_protocol::{AuthResponse, LoginRequest, ServerEntity, SignupRequest};
use uuid::Uuid;

/// Creates an account and signs it in.
#[uniffi::remote(Record)]
pub struct SignupRequest {
    /// Unique handle, 1–50 characters.
    pub username: String,
    /// At least 8 characters; the server keeps only a salted hash.
    pub password: String,
    /// The name shown in the app, 1–100 characters.
    pub display_name: String,
    /// The id the device already gave its user; the server keeps it. Absent, the server
    /// makes one.
    #[uniffi(default = None)]
    pub user_id: Option<Uuid>,
}

/// Signs in to an existing account.
#[uniffi::remote(Record)]
pub struct LoginRequest {
    /// The handle given at sign-up.
    pub username: String,
    /// The password.
    pub password: String,
}

/// The token pair a sign-up, log-in or refresh returns.
#[uniffi::remote(Record)]
pub struct AuthResponse {
    /// The signed-in user.
    pub user_id: Uuid,
    /// Bearer token for `Authorization: Bearer …`; expires after `expiresInSeconds`.
    pub access_token: String,
    /// Single-use token for the next refresh; each refresh returns a new one.
    pub refresh_token: String,
    /// Lifetime of the access token, in seconds from now.
    pub expires_in_seconds: i64,
}

/// The kinds of record a sync pulls.
#[uniffi::remote(Enum)]
pub enum ServerEntity {
    /// A catalog situation.
    Situation,
    /// A catalog variation.
    Variation,
    /// An achievement definition.
    Achievement,
    /// The signed-in user's own profile.
    Profile,
    /// Someone else's public profile (a contact).
    PublicProfile,
    /// One of the user's languages.
    UserLanguage,
    /// One of the user's interests.
    UserInterest,
    /// One onboarding step.
    Onboarding,
    /// A practice session.
    PracticeSession,
    /// A points ledger entry.
    PointTransaction,
    /// Progress on an achievement.
    UserAchievement,
    /// A chat room with its members.
    ChatRoom,
    /// A chat message.
    ChatMessage,
    /// A member's read marker in a room.
    ReadMarker,
}

//! The bodies of the `/v1/auth/*` endpoints: signup, login, refresh and the token pair they return.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `POST /v1/auth/signup`: creates an account and signs it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupRequest {
    /// Unique handle, 1–50 characters.
    pub username: String,
    /// At least 8 characters; only a salted hash is stored.
    pub password: String,
    /// The name shown in the app, 1–100 characters.
    pub display_name: String,
    /// The id the device already gave its user; the server keeps it. `None` lets the server make one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Uuid>,
}

/// `POST /v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    /// The handle given at signup.
    pub username: String,
    /// The password.
    pub password: String,
}

/// `POST /v1/auth/refresh`: trades a refresh token (used once) for a new token pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshRequest {
    /// The refresh token from the last signup, login or refresh.
    pub refresh_token: String,
}

/// The answer to signup, login and refresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthResponse {
    /// The signed-in user.
    pub user_id: Uuid,
    /// Bearer token for `Authorization: Bearer …`; expires after `expires_in_seconds`.
    pub access_token: String,
    /// Single-use token for `/v1/auth/refresh`; each refresh returns a new one.
    pub refresh_token: String,
    /// Lifetime of the access token, in seconds from now.
    #[serde(deserialize_with = "crate::unsigned::field::<_, u64, _>")]
    pub expires_in_seconds: i64,
}

//! `GET /v1/health` and the body of every error answer.

use serde::{Deserialize, Serialize};

/// The body of every error answer: a stable machine code and a sentence for developers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable code such as `history_reset` or `token_expired`.
    pub code: String,
    /// What went wrong, for logs and developers.
    pub message: String,
}

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthResponse {
    /// `"ok"` when the store answers.
    pub status: String,
    /// The protocol version the server speaks.
    pub protocol_version: u32,
}

//! Errors for input the scorer refuses.

use serde::{Deserialize, Serialize};

/// Why a reference set or an answer cannot be scored. Each variant names the offending
/// field (e.g. `"spoken[3].confidence"`) and the reason, so the app can log or show it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ScoringError {
    /// The variation's reference data is unusable (content error).
    #[error("invalid scoring reference: {field} {reason}")]
    InvalidReference {
        /// The field, e.g. `"ideal_responses[2]"`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The learner's answer is unusable (caller error).
    #[error("invalid answer: {field} {reason}")]
    InvalidAnswer {
        /// The field, e.g. `"hints_used"`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl ScoringError {
    pub(crate) fn reference(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidReference {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn answer(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidAnswer {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

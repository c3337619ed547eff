//! The error of the app-implemented traits ([`crate::DataObserver`], [`crate::Logger`]).
//!
//! Their methods return `Result<(), CallbackError>` so that an exception thrown by the app's
//! implementation reaches Rust as a value (UniFFI converts any unexpected foreign exception
//! through `From<UnexpectedUniFFICallbackError>`) instead of as a panic. The library then logs
//! or drops it; a committed write never fails because of it.

/// An app callback threw.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum CallbackError {
    /// The callback failed; `reason` is the foreign exception as text.
    #[error("the app's callback failed: {reason}")]
    Failed {
        /// The exception's description.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for CallbackError {
    fn from(err: uniffi::UnexpectedUniFFICallbackError) -> Self {
        CallbackError::Failed { reason: err.reason }
    }
}

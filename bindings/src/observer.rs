//! Data-change subscriptions: the app's [`DataObserver`] hears, after each committed write,
//! which parts of the local data changed (and which chat rooms), so a screen showing them can
//! reload. Core announces every write (`studymate_core::notify`); this module forwards it.
//!
//! The observer is called on the thread that committed the write: the worker thread of the
//! async call (or of a sync), so it hears of a write even when the caller was cancelled. It must
//! return quickly (post to the UI thread; do not call back into the library synchronously from
//! it). An exception thrown inside it is logged, never turned into a failure of the write that
//! already succeeded. The Kotlin `Flow` and Swift `AsyncSequence` adapters shipped with the
//! bindings (`bindings/kotlin`, `bindings/swift/Sources/StudyMateCore`) wrap it.

use std::sync::{Arc, Mutex, PoisonError};

use studymate_core::notify::{ChangeListener, DataChange, Subscription};

use crate::callback::CallbackError;

/// Implemented by the app to hear about local data changes (Kotlin interface / Swift protocol).
#[uniffi::export(with_foreign)]
pub trait DataObserver: Send + Sync {
    /// Called once after each committed write with what it changed.
    fn on_change(&self, change: DataChange) -> Result<(), CallbackError>;
}

/// Core's listener over the app's observer.
pub(crate) struct Forward(pub(crate) Arc<dyn DataObserver>);

impl ChangeListener for Forward {
    fn changed(&self, change: &DataChange) {
        if let Err(e) = self.0.on_change(change.clone()) {
            tracing::warn!(error = %e, "the data observer failed; the change was committed");
        }
    }
}

/// A data observer's subscription: `cancel()` (or `close()` in Kotlin, dropping it in Swift)
/// stops the notifications.
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct DataSubscription {
    inner: Mutex<Option<Subscription>>,
}

impl DataSubscription {
    pub(crate) fn new(inner: Subscription) -> Arc<Self> {
        Arc::new(DataSubscription {
            inner: Mutex::new(Some(inner)),
        })
    }
}

#[uniffi::export]
impl DataSubscription {
    /// Stops the notifications. Cancelling twice is harmless.
    pub fn cancel(&self) {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }

    /// Whether `cancel()` was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none()
    }
}

impl std::fmt::Display for DataSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = if self.is_cancelled() {
            "cancelled"
        } else {
            "active"
        };
        write!(f, "DataSubscription({state})")
    }
}

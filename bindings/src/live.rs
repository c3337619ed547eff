//! Live sync: `Client.startLiveSync` keeps the server's live channel open while the app wants
//! it (typically while in the foreground), pulls when the server says the user's feed moved,
//! pushes local writes as soon as they commit, and reconnects with backoff when the network or
//! the server goes away. What each live pull changes reaches the data observer, like any write;
//! the optional [`LiveObserver`] hears of the connection and of failed runs. Call
//! [`LiveSync::stop`] (or close it: Kotlin `use {}` / `close()`, Swift releasing it) to end it.

use std::sync::{Arc, Mutex, PoisonError};

use studymate_core::Error as CoreError;
use studymate_core::sync::{self as core_sync, LiveConfig};

use crate::callback::CallbackError;
use crate::client::{Client, Notifier};
use crate::error::{Result, StudyMateError};
use crate::sync::{SyncOptions, TokenProvider, change_of, sync_config};

/// Told what live sync does (Kotlin interface / Swift protocol). Called on live sync's threads:
/// keep it quick, post to the UI thread. An exception it throws is logged and ignored.
#[uniffi::export(with_foreign)]
pub trait LiveObserver: Send + Sync {
    /// The live channel opened (`true`) or was lost (`false`; live sync reconnects by itself).
    fn connection_changed(&self, connected: bool) -> Result<(), CallbackError>;
    /// A sync run failed. Live sync retries by itself, except after `Auth` (sign in again),
    /// after which it has stopped.
    fn sync_failed(&self, error: StudyMateError) -> Result<(), CallbackError>;
}

/// Running live sync of one client; ends with [`LiveSync::stop`] or when released.
#[derive(uniffi::Object)]
pub struct LiveSync {
    inner: Mutex<Option<core_sync::LiveSync>>,
}

#[uniffi::export]
impl LiveSync {
    /// Stops live sync: a run in progress is cancelled (what it committed stays). Blocks until
    /// the sync thread has ended, at most the length of one request. Stopping twice is harmless.
    pub fn stop(&self) {
        let running = self
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop(running);
    }

    /// Whether [`LiveSync::stop`] has not been called yet.
    pub fn is_running(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }
}

#[uniffi::export]
impl Client {
    /// Starts live sync with these options and tokens: a first run catches up at once, then the
    /// live channel keeps the database current and local writes leave promptly. The data
    /// observer hears of what each run changes. Fails with `Conflict` while live sync of this
    /// client already runs (stop it first).
    pub fn start_live_sync(
        &self,
        options: SyncOptions,
        tokens: Arc<dyn TokenProvider>,
        observer: Option<Arc<dyn LiveObserver>>,
    ) -> Result<Arc<LiveSync>> {
        let mut config = LiveConfig::new(sync_config(options, tokens));
        config.listener = Arc::new(Listener {
            notifier: self.notifier(),
            app: observer,
        });
        let running = core_sync::LiveSync::start(self.core()?, config)?;
        Ok(Arc::new(LiveSync {
            inner: Mutex::new(Some(running)),
        }))
    }
}

/// Core's live listener: runs' changes to the data observer, the rest to the app's observer.
struct Listener {
    notifier: Notifier,
    app: Option<Arc<dyn LiveObserver>>,
}

impl core_sync::LiveListener for Listener {
    fn synced(&self, report: &core_sync::SyncReport) {
        if let Some(change) = change_of(&report.changed) {
            self.notifier.changed(change);
        }
    }

    fn failed(&self, error: &CoreError) {
        if let Some(app) = &self.app
            && let Err(e) = app.sync_failed(StudyMateError::from(copy(error)))
        {
            tracing::warn!(error = %e, "the live observer failed");
        }
    }

    fn connected(&self, connected: bool) {
        if let Some(app) = &self.app
            && let Err(e) = app.connection_changed(connected)
        {
            tracing::warn!(error = %e, "the live observer failed");
        }
    }
}

/// An owned copy of the errors a sync run ends with (core's error is not `Clone`: some
/// variants wrap library errors); any other kind is reported by its text as `Storage`.
fn copy(error: &CoreError) -> CoreError {
    match error {
        CoreError::Network(m) => CoreError::Network(m.clone()),
        CoreError::Auth(m) => CoreError::Auth(m.clone()),
        CoreError::Protocol(m) => CoreError::Protocol(m.clone()),
        CoreError::Conflict(m) => CoreError::Conflict(m.clone()),
        CoreError::Cancelled => CoreError::Cancelled,
        other => CoreError::Storage(other.to_string()),
    }
}

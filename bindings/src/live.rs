//! Live sync: `StudyMateClient.startLiveSync` keeps the server's live channel open while the app
//! wants it (typically while in the foreground), pulls when the server says the user's feed
//! moved, pushes local writes as soon as they commit, and reconnects with backoff when the
//! network or the server goes away. What each live pull changes reaches the data subscriptions
//! through core's notification, like any sync; the optional [`LiveObserver`] hears of the
//! connection and of failed runs. Call `LiveSync.stop()` (or release it: Kotlin `close()`,
//! Swift dropping it) to end it.

use std::sync::{Arc, Mutex, PoisonError};

use studymate_core::Error as CoreError;
use studymate_core::sync::{self as core_sync, LiveConfig};

use crate::callback::CallbackError;
use crate::client::StudyMateClient;
use crate::offload::offload;
use crate::sync::{SyncOptions, TokenProvider, sync_config};
use crate::{Result, StudyMateError};

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

/// Running live sync of one client; ends with `stop()` or when released.
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct LiveSync {
    inner: Mutex<Option<core_sync::LiveSync>>,
}

#[uniffi::export]
impl LiveSync {
    /// Stops live sync: a run in progress is cancelled (what it committed stays). Suspends
    /// (Kotlin) / awaits (Swift) until the sync thread has ended, at most the length of one
    /// request; the waiting happens on a worker thread. Stopping twice is harmless.
    pub async fn stop(&self) {
        let running = self
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(running) = running {
            // Dropping core's handle joins its thread. Should no worker thread start, the
            // closure (and so the handle) is dropped right here instead: stopped either way.
            let _ = offload("live-stop", move || {
                drop(running);
                Ok(())
            })
            .await;
        }
    }

    /// Whether `stop()` has not been called yet.
    pub fn is_running(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }
}

impl std::fmt::Display for LiveSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = if self.is_running() {
            "running"
        } else {
            "stopped"
        };
        write!(f, "LiveSync({state})")
    }
}

#[uniffi::export]
impl StudyMateClient {
    /// Starts live sync with these options and tokens: a first run catches up at once, then the
    /// live channel keeps the database current and local writes leave promptly. The data
    /// subscriptions hear of what each run changes. Returns at once (live sync runs on threads
    /// of its own). Fails with `Conflict` while live sync of this client already runs (stop it
    /// first).
    pub fn start_live_sync(
        &self,
        options: SyncOptions,
        tokens: Arc<dyn TokenProvider>,
        observer: Option<Arc<dyn LiveObserver>>,
    ) -> Result<Arc<LiveSync>> {
        let mut config = LiveConfig::new(sync_config(options, tokens)?);
        config.listener = Arc::new(Listener(observer));
        let running = core_sync::LiveSync::start(self.core()?, config)?;
        Ok(Arc::new(LiveSync {
            inner: Mutex::new(Some(running)),
        }))
    }
}

/// Core's live listener over the app's observer. (Data changes need no forwarding: core's sync
/// announces them to the subscriptions.)
struct Listener(Option<Arc<dyn LiveObserver>>);

impl core_sync::LiveListener for Listener {
    fn failed(&self, error: &CoreError) {
        if let Some(app) = &self.0
            && let Err(e) = app.sync_failed(StudyMateError::from(error))
        {
            tracing::warn!(error = %e, "the live observer failed");
        }
    }

    fn connected(&self, connected: bool) {
        if let Some(app) = &self.0
            && let Err(e) = app.connection_changed(connected)
        {
            tracing::warn!(error = %e, "the live observer failed");
        }
    }
}

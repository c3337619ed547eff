//! Live sync: while the app wants it, the device keeps the server's live channel
//! (`GET /v1/sync/live`) open, pulls when the server says the user's feed moved, pushes local
//! changes as soon as they commit, and reconnects with backoff and jitter when the network or
//! the server goes away (`docs/sync-client.md`, "Live sync").
//!
//! Two threads: the channel thread (`channel`) reads the event stream and rings the [`Bell`];
//! the sync thread (`worker`) takes the rings and runs [`Client::sync`], one run at a time
//! (the sync lock keeps out every other run of the file too), so a burst of pokes and writes
//! during a run becomes one more run. The channel thread never touches the database.

mod bell;
mod channel;
mod stream;
mod worker;

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub(crate) use bell::Bell;

use super::{RetryPolicy, SyncConfig, SyncReport};
use crate::client::Client;
use crate::error::{Error, Result};

/// Told what live sync does. Called on its threads: keep it quick. Every method has an empty
/// default.
pub trait LiveListener: Send + Sync {
    /// A sync run started by live sync finished; `report.changed` says what it changed locally.
    fn synced(&self, report: &SyncReport) {
        let _ = report;
    }
    /// A sync run failed; live sync retries by itself, except after [`Error::Auth`] (sign in
    /// again), which stops it.
    fn failed(&self, error: &Error) {
        let _ = error;
    }
    /// The live channel opened (`true`) or was lost (`false`; reconnecting).
    fn connected(&self, connected: bool) {
        let _ = connected;
    }
}

/// A listener that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLiveListener;

impl LiveListener for NoLiveListener {}

/// How to run live sync.
#[derive(Clone)]
pub struct LiveConfig {
    /// The server, tokens, observer, retries and timeouts of every sync run (its `cancel`
    /// token is replaced by live sync's own, which [`LiveSync::stop`] cancels).
    pub sync: SyncConfig,
    /// Waits between reconnections and between retries of a failed run: `base_delay` doubling
    /// to `max_delay`, half of it random. `max_attempts` does not apply: live sync keeps trying
    /// until stopped.
    pub reconnect: RetryPolicy,
    /// A channel that sends nothing for this long is taken for dead and reconnected. Keep it
    /// above twice the server's heartbeat interval (reference server: 25 s).
    pub idle_timeout: Duration,
    /// Told about runs and the channel.
    pub listener: Arc<dyn LiveListener>,
}

impl LiveConfig {
    /// Live sync with `sync`'s server and tokens: reconnects from 0.5 s up to 30 s, a 60 s idle
    /// timeout, no listener.
    pub fn new(sync: SyncConfig) -> Self {
        LiveConfig {
            sync,
            reconnect: RetryPolicy {
                base_delay: Duration::from_millis(500),
                max_delay: Duration::from_secs(30),
                ..RetryPolicy::default()
            },
            idle_timeout: Duration::from_secs(60),
            listener: Arc::new(NoLiveListener),
        }
    }
}

/// Live sync of one database, running until [`LiveSync::stop`] (or drop).
pub struct LiveSync {
    client: Arc<Client>,
    bell: Arc<Bell>,
    cancel: super::CancelToken,
    worker: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for LiveSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSync")
            .field("stopped", &self.bell.is_stopped())
            .finish_non_exhaustive()
    }
}

impl LiveSync {
    /// Starts live sync of `client`: a first run catches up at once, then the channel keeps it
    /// current. Fails with [`Error::Conflict`] when live sync of this `Client` already runs.
    pub fn start(client: Arc<Client>, mut config: LiveConfig) -> Result<LiveSync> {
        let bell = Arc::new(Bell::default());
        let ringer = Arc::clone(&bell);
        client
            .store
            .set_commit_hook(Some(Arc::new(move || ringer.ring(|r| r.local = true))))?;
        bell.ring(|r| r.catch_up = true);
        let cancel = super::CancelToken::new();
        config.sync.cancel = cancel.clone();
        let spawned = channel::spawn(&config, Arc::clone(&bell))
            .and_then(|()| worker::spawn(Arc::clone(&client), config, Arc::clone(&bell)));
        match spawned {
            Ok(worker) => Ok(LiveSync {
                client,
                bell,
                cancel,
                worker: Some(worker),
            }),
            Err(e) => {
                bell.stop();
                client.store.set_commit_hook(None)?;
                Err(e)
            }
        }
    }

    /// Stops live sync: a run in progress is cancelled (what it committed stays) and the sync
    /// thread has ended when this returns. The channel thread ends at its next read (within the
    /// server's heartbeat interval) and touches nothing on its way out.
    pub fn stop(&mut self) {
        self.bell.stop();
        self.cancel.cancel();
        if let Some(worker) = self.worker.take()
            && worker.join().is_err()
        {
            tracing::error!("the live sync thread panicked");
        }
        if let Err(e) = self.client.store.set_commit_hook(None) {
            tracing::warn!(error = %e, "could not detach live sync from the store");
        }
    }
}

impl Drop for LiveSync {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts a named thread; a system out of threads is an [`Error::Storage`] (the device's
/// resources), like a database that cannot be opened.
fn thread(name: &str, run: impl FnOnce() + Send + 'static) -> Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(run)
        .map_err(|e| Error::Storage(format!("could not start the {name} thread: {e}")))
}

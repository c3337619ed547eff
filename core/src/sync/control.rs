//! What the app sees of a running sync and how it stops one: the [`SyncObserver`] it implements,
//! the states and progress counts reported to it, and the [`CancelToken`] it holds.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Where a sync is, as reported to the sync observer's `stateChanged`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SyncState {
    /// Not syncing (before the first run, after a run ended, or after cancellation).
    Idle,
    /// Sending the change log to the server.
    Pushing,
    /// Fetching and applying the server's changes.
    Pulling,
    /// The server cannot be reached; the engine is retrying, or gave up with a `Network` error.
    Offline,
    /// The run ended with an error other than a network one (auth, protocol, storage).
    Error,
}

/// Counts so far in the current run, as reported to the sync observer's `progress`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncProgress {
    /// Change-log entries the server has decided so far.
    pub pushed: i64,
    /// Change-log entries still waiting to be pushed (as of the last batch read).
    pub outbox: i64,
    /// Server changes applied so far.
    pub pulled: i64,
    /// How many server changes this pull is expected to apply in all: those applied plus those
    /// the server counted as waiting when the pull began (it counts on request, once per pull).
    /// Absent while pushing, and from servers that do not count.
    /// Changes that arrive during the pull may take the pulled count past it.
    pub pull_total: Option<i64>,
}

/// Receives sync state changes and progress. Implemented by the app (e.g. to drive a spinner);
/// called on the thread running the sync, or on its helper thread that fetches the next pull
/// page, so keep it quick and thread-safe. Every method has an empty default.
pub trait SyncObserver: Send + Sync {
    /// The sync moved to `state`.
    fn state_changed(&self, state: SyncState) {
        let _ = state;
    }
    /// A push batch was decided or a pull page applied.
    fn progress(&self, progress: SyncProgress) {
        let _ = progress;
    }
}

/// An observer that ignores everything: the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoObserver;

impl SyncObserver for NoObserver {}

/// A handle that stops a running sync. Clone it, give one clone to [`super::SyncConfig`] and call
/// [`CancelToken::cancel`] from any thread: the sync stops before its next request or page (and
/// during a backoff wait) with [`Error::Cancelled`]. Work already committed stays; nothing is left
/// half-applied, because every page and every batch result is one transaction.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that has not been cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the sync holding this token to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Fails with [`Error::Cancelled`] once cancelled.
    pub(crate) fn check(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Sleeps for `duration`, waking early (with [`Error::Cancelled`]) if cancelled meanwhile.
    pub(crate) fn sleep(&self, duration: Duration) -> Result<()> {
        let end = Instant::now() + duration;
        loop {
            self.check()?;
            let now = Instant::now();
            if now >= end {
                return Ok(());
            }
            std::thread::sleep((end - now).min(Duration::from_millis(20)));
        }
    }
}

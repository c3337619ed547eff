//! The sync thread: takes the bell's rings and runs [`Client::sync`] when there is something
//! to do — the server announced a feed end other than the saved cursor, a local write left
//! changes in the outbox, or a catch-up is due (at start, after a failed run). Runs never
//! overlap: this thread runs one at a time, and the sync lock refuses a run while the app's own
//! (or another process's) is going, in which case it waits a moment and tries again.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::bell::{Bell, Rings};
use super::{LiveConfig, thread};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::sync::state;

/// Wait before trying again when another sync of the file holds the lock.
const BUSY_WAIT: Duration = Duration::from_millis(100);

/// Starts the sync thread.
pub(super) fn spawn(
    client: Arc<Client>,
    config: LiveConfig,
    bell: Arc<Bell>,
) -> Result<JoinHandle<()>> {
    thread("live-sync", move || run(&client, &config, &bell))
}

fn run(client: &Client, config: &LiveConfig, bell: &Bell) {
    let mut failures: u32 = 0;
    while let Some(rings) = bell.take() {
        match needed(client, &rings) {
            Ok(false) => continue,
            Ok(true) => {}
            Err(e) => tracing::warn!(error = %e, "live: reading the sync state failed; syncing"),
        }
        match client.sync(&config.sync) {
            Ok(report) => {
                failures = 0;
                config.listener.synced(&report);
            }
            Err(Error::Cancelled) => return,
            Err(Error::SyncRunning) => {
                // Another run of this file: try again once it is likely over.
                bell.ring(|r| r.catch_up = true);
                if !bell.pause(BUSY_WAIT) {
                    return;
                }
            }
            Err(e @ Error::Auth(_)) => {
                config.listener.failed(&e);
                bell.stop();
                return;
            }
            Err(e) => {
                config.listener.failed(&e);
                failures = failures.saturating_add(1);
                bell.ring(|r| r.catch_up = true);
                if !bell.pause(config.reconnect.delay(failures, None)) {
                    return;
                }
            }
        }
    }
}

/// Whether `rings` call for a run: a catch-up, an announced feed end other than the saved
/// cursor, or a local write with changes waiting in the outbox. (Pulls and pushes commit too;
/// those rings find nothing to do.)
fn needed(client: &Client, rings: &Rings) -> Result<bool> {
    if rings.catch_up {
        return Ok(true);
    }
    client.store.read(|tx| {
        let behind = match &rings.remote {
            Some(end) => state::cursor(tx)?.as_deref() != Some(end.as_str()),
            None => false,
        };
        let waiting = rings.local && state::outbox_len(tx, state::acked_seq(tx)?)? > 0;
        Ok(behind || waiting)
    })
}

//! The SQLite backend's background checkpointer: copies the write-ahead log back into the
//! database file on its own thread and connection, so no request pays for it.
//!
//! By default SQLite checkpoints inside the commit that grows the log past 1,000 pages: that
//! request then copies pages and waits for `fsync` (about 10 % of a large push's CPU, and its
//! `fsync`s, measured in docs/benchmarks.md). The backend's request connections turn that off
//! (`wal_autocheckpoint = 0`) and this thread runs a `PASSIVE` checkpoint every
//! [`INTERVAL`] instead: it never waits for readers or the writer, and copies what they allow.

use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

/// How often the log is checkpointed.
pub const INTERVAL: Duration = Duration::from_millis(250);

/// The running checkpointer; stops (after a last checkpoint) when dropped.
pub struct Checkpointer {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path` through `conn`, a connection of its own.
    pub fn start(conn: Connection, path: &Path) -> std::io::Result<Checkpointer> {
        let (stop, stopped) = mpsc::channel::<()>();
        let name = format!("checkpoint {}", path.display());
        let thread = std::thread::Builder::new().name(name).spawn(move || {
            loop {
                let last = match stopped.recv_timeout(INTERVAL) {
                    Err(RecvTimeoutError::Timeout) => false,
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => true,
                };
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!("WAL checkpoint failed: {e}");
                }
                if last {
                    return;
                }
            }
        })?;
        Ok(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::warn!("the WAL checkpointer panicked");
        }
    }
}

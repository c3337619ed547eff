//! The live worker's doorbell: what it was asked to do since it last looked. Local commits, the
//! server's pokes and `stop` ring it from any thread; the worker takes every ring at once, so a
//! burst of rings while a sync runs becomes one more sync, not one per ring.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// What was rung since the worker last took the rings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Rings {
    /// A local write committed (something may wait in the outbox).
    pub local: bool,
    /// The server announced this end of the user's feed (the newest announcement).
    pub remote: Option<String>,
    /// Catch up whatever the cursor: at start, and after a failed sync.
    pub catch_up: bool,
}

#[derive(Debug, Default)]
struct State {
    rings: Rings,
    stopped: bool,
}

/// Rung from anywhere, waited on by the live worker.
#[derive(Debug, Default)]
pub(crate) struct Bell {
    state: Mutex<State>,
    rung: Condvar,
}

impl Bell {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records what `ring` sets and wakes the worker.
    pub(crate) fn ring(&self, ring: impl FnOnce(&mut Rings)) {
        ring(&mut self.lock().rings);
        self.rung.notify_all();
    }

    /// Stops the worker: every wait returns at once from now on.
    pub(crate) fn stop(&self) {
        self.lock().stopped = true;
        self.rung.notify_all();
    }

    /// Whether [`Bell::stop`] was called.
    pub(crate) fn is_stopped(&self) -> bool {
        self.lock().stopped
    }

    /// Waits until something is rung and takes it all; `None` once stopped.
    pub(crate) fn take(&self) -> Option<Rings> {
        let mut state = self.lock();
        loop {
            if state.stopped {
                return None;
            }
            if state.rings != Rings::default() {
                return Some(std::mem::take(&mut state.rings));
            }
            state = self
                .rung
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Sleeps `duration` (rings keep until the next [`Bell::take`]); false when stopped meanwhile.
    pub(crate) fn pause(&self, duration: Duration) -> bool {
        let state = self.lock();
        let (state, _) = self
            .rung
            .wait_timeout_while(state, duration, |s| !s.stopped)
            .unwrap_or_else(PoisonError::into_inner);
        !state.stopped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_coalesce_and_stop_ends_every_wait() {
        let bell = Bell::default();
        bell.ring(|r| r.local = true);
        bell.ring(|r| r.remote = Some("e:1".into()));
        bell.ring(|r| r.remote = Some("e:2".into()));
        let rings = bell.take().unwrap();
        assert!(rings.local);
        assert_eq!(
            rings.remote.as_deref(),
            Some("e:2"),
            "the newest announcement wins"
        );
        assert!(bell.pause(Duration::from_millis(1)));
        bell.stop();
        assert!(bell.is_stopped());
        assert_eq!(bell.take(), None);
        assert!(
            !bell.pause(Duration::from_secs(60)),
            "a stopped bell does not sleep"
        );
    }
}

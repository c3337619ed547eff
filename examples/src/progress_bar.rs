//! The sync's progress bar, driven by the library's [`SyncObserver`]. While pushing, the total
//! is known (decided so far plus the outbox left), so the bar shows done/total and the rate; the
//! pull protocol only says whether another page is ready, so pulling shows the count and the
//! rate without a total. A server that does not answer is said so while the engine retries.

use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use studymate_core::sync::{SyncObserver, SyncProgress, SyncState};

/// Bar while pushing: done/total and changes per second.
const PUSH: &str = "{prefix:>8} [{bar:30.cyan/blue}] {pos}/{len} changes ({per_sec}, {eta} left)";
/// Bar while pulling: how many so far and changes per second.
const PULL: &str = "{spinner} {prefix:>8} {pos} changes ({per_sec})";
/// Line while the engine waits for a server that does not answer.
const WAIT: &str = "{spinner} {prefix:>8} {msg}";

/// Shows a sync's phase and counts on standard error.
pub struct BarObserver {
    bar: ProgressBar,
    /// The phase last shown, so a style is set once per phase.
    state: Mutex<SyncState>,
}

impl BarObserver {
    /// A bar drawn on the terminal when `visible`, else one that draws nothing.
    pub fn new(visible: bool) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        if visible {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        BarObserver {
            bar,
            state: Mutex::new(SyncState::Idle),
        }
    }

    /// Removes the bar from the screen.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn restyle(&self, template: &str) {
        if let Ok(style) = ProgressStyle::with_template(template) {
            self.bar.set_style(style.progress_chars("█▉░"));
        }
    }
}

impl SyncObserver for BarObserver {
    fn state_changed(&self, state: SyncState) {
        // A poisoned lock only means another observer call panicked; the phase is still usable.
        let mut shown = self.state.lock().unwrap_or_else(|p| p.into_inner());
        *shown = state;
        match state {
            SyncState::Pushing => {
                self.restyle(PUSH);
                self.bar.set_prefix("pushing");
            }
            SyncState::Pulling => {
                self.restyle(PULL);
                self.bar.unset_length();
                self.bar.set_position(0);
                self.bar.reset_eta();
                self.bar.set_prefix("pulling");
            }
            SyncState::Offline => {
                self.restyle(WAIT);
                self.bar.set_prefix("offline");
                self.bar.set_message(
                    "the server does not answer; trying again (Ctrl-C stops, nothing is lost)",
                );
            }
            SyncState::Idle | SyncState::Error => {}
        }
        self.bar.tick();
    }

    fn progress(&self, progress: SyncProgress) {
        let state = *self.state.lock().unwrap_or_else(|p| p.into_inner());
        match state {
            SyncState::Pushing => {
                self.bar.set_length(progress.pushed + progress.outbox);
                self.bar.set_position(progress.pushed);
            }
            _ => self.bar.set_position(progress.pulled),
        }
    }
}

//! The sync's progress bar, driven by the library's [`SyncObserver`]. While pushing, the total
//! is decided so far plus the outbox left; while pulling, the total the server counted when the
//! pull began ([`SyncProgress::pull_total`]). Either way the bar shows done/total, the rate and
//! the time left; a pull from a server that does not count shows the count and the rate only.
//! A server that does not answer is said so while the engine retries.

use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use studymate_core::sync::{SyncObserver, SyncProgress, SyncState};

/// Bar with a total (pushing, or pulling from a server that counts): done/total, changes per
/// second and the time left.
const BAR: &str = "{prefix:>8} [{bar:30.cyan/blue}] {pos}/{len} changes ({per_sec}, {eta} left)";
/// Pulling from a server that does not count: how many so far and changes per second.
const COUNTER: &str = "{spinner} {prefix:>8} {pos} changes ({per_sec})";
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
                self.restyle(BAR);
                self.bar.set_prefix("pushing");
            }
            SyncState::Pulling => {
                self.restyle(COUNTER);
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
                self.bar
                    .set_length(steps(progress.pushed.saturating_add(progress.outbox)));
                self.bar.set_position(steps(progress.pushed));
            }
            _ => {
                if let Some(total) = progress.pull_total {
                    if self.bar.length().is_none() {
                        self.restyle(BAR);
                    }
                    // Changes that arrived during the pull may take it past the counted total.
                    self.bar.set_length(steps(total.max(progress.pulled)));
                }
                self.bar.set_position(steps(progress.pulled));
            }
        }
    }
}

/// A count of the library's progress (never negative) as the bar's unsigned steps.
fn steps(count: i64) -> u64 {
    u64::try_from(count).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(pushed: i64, outbox: i64, pulled: i64, pull_total: Option<i64>) -> SyncProgress {
        SyncProgress {
            pushed,
            outbox,
            pulled,
            pull_total,
        }
    }

    #[test]
    fn pushing_and_counted_pulling_show_done_of_total() {
        let observer = BarObserver::new(false);
        observer.state_changed(SyncState::Pushing);
        observer.progress(report(40, 60, 0, None));
        assert_eq!(
            (observer.bar.position(), observer.bar.length()),
            (40, Some(100))
        );

        observer.state_changed(SyncState::Pulling);
        assert_eq!(
            observer.bar.length(),
            None,
            "a new phase starts without a total"
        );
        observer.progress(report(100, 0, 500, Some(2000)));
        assert_eq!(
            (observer.bar.position(), observer.bar.length()),
            (500, Some(2000))
        );
        observer.progress(report(100, 0, 2010, Some(2000)));
        assert_eq!(
            observer.bar.length(),
            Some(2010),
            "changes that arrived during the pull stretch the total"
        );
    }

    #[test]
    fn a_pull_from_a_server_that_does_not_count_shows_the_count_only() {
        let observer = BarObserver::new(false);
        observer.state_changed(SyncState::Pulling);
        observer.progress(report(0, 0, 300, None));
        assert_eq!(
            (observer.bar.position(), observer.bar.length()),
            (300, None)
        );
    }
}

//! Ctrl-C. At a prompt, the terminal is in raw mode: the prompt library reads the key, raises
//! SIGINT itself and returns an `Interrupted` error, which the app turns into an orderly exit
//! (the round completed if it has a scored answer, the cursor shown, exit 130). Elsewhere the
//! signal comes from the kernel: a running sync is cancelled (it stops between requests, so the
//! renewed tokens are still saved) and given [`SYNC_STOP_GRACE`] to do so, and otherwise the
//! cursor is shown and the program exits with 130 at once; every scored answer is already
//! committed and the next start completes it.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use studymate_core::sync::CancelToken;

use crate::error::{AppError, AppResult};

/// How long a cancelled sync may take to stop on its own before the program exits anyway. A
/// sync stops between requests, and one request waiting on a server that does not answer would
/// hold it until its timeout. Cutting it short loses nothing committed (every batch result and
/// page is one transaction); a token pair renewed by the request cut short may be lost, and the
/// next sync then asks to log in again.
const SYNC_STOP_GRACE: Duration = Duration::from_secs(2);
/// Whether failures are printed as JSON (`--json`), for the exit after the grace.
static JSON: AtomicBool = AtomicBool::new(false);

/// Whether a prompt is reading keys (or was left by Ctrl-C): its caller handles the signal.
static AT_PROMPT: AtomicBool = AtomicBool::new(false);
/// The running sync's cancel handle, if a sync is running.
static SYNC: Mutex<Option<CancelToken>> = Mutex::new(None);

/// Installs the handler; call once at start. `json`: failures are printed as JSON.
pub fn install(json: bool) -> AppResult<()> {
    JSON.store(json, Ordering::SeqCst);
    ctrlc::set_handler(on_signal).map_err(|e| {
        AppError::new(
            "failed",
            format!("the Ctrl-C handler could not be installed ({e})"),
        )
    })
}

fn on_signal() {
    if AT_PROMPT.load(Ordering::SeqCst) {
        return;
    }
    let running = SYNC.lock().unwrap_or_else(|p| p.into_inner()).clone();
    match running {
        Some(cancel) => {
            cancel.cancel();
            std::thread::spawn(|| {
                std::thread::sleep(SYNC_STOP_GRACE);
                crate::restore_cursor();
                crate::out::failure(
                    &AppError::new(
                        "interrupted",
                        "stopped with Ctrl-C while waiting for the server; every scored answer \
                         is saved and what was not pushed goes with the next sync",
                    ),
                    JSON.load(Ordering::SeqCst),
                );
                std::process::exit(130);
            });
        }
        None => {
            crate::restore_cursor();
            std::process::exit(130);
        }
    }
}

/// Runs a prompt, marking the time it reads keys so the handler leaves Ctrl-C to it.
pub fn prompt<T>(ask: impl FnOnce() -> dialoguer::Result<T>) -> AppResult<T> {
    AT_PROMPT.store(true, Ordering::SeqCst);
    let answer = ask().map_err(AppError::from);
    // After Ctrl-C the flag stays set: the app is on its way out, and the signal the prompt
    // library raises may arrive after this line.
    if !matches!(&answer, Err(err) if err.is_interrupted()) {
        AT_PROMPT.store(false, Ordering::SeqCst);
    }
    answer
}

/// Registers `cancel` as the running sync's for the life of the returned guard.
pub fn sync_running(cancel: &CancelToken) -> SyncGuard {
    *SYNC.lock().unwrap_or_else(|p| p.into_inner()) = Some(cancel.clone());
    SyncGuard
}

/// Unregisters the running sync when dropped.
pub struct SyncGuard;

impl Drop for SyncGuard {
    fn drop(&mut self) {
        *SYNC.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

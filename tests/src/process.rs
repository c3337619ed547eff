//! Stopping a child process with a bound: SIGTERM, a grace period, then SIGKILL.
//!
//! Every test harness that starts a server stops it this way (the server's own tests use it
//! too), so a process that ignores SIGTERM — a blocked signal mask, a hung shutdown — costs the
//! grace period, never a test run that does not end.

use std::io;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How often the wait looks at the child.
const POLL: Duration = Duration::from_millis(20);

/// Sends SIGTERM to `child`, waits up to `grace` for it to exit, then sends SIGKILL and reaps it.
/// Returns the exit status: a clean shutdown's, or one that reports signal 9 when it took the
/// SIGKILL. A child that has already exited is just reaped.
pub fn stop(child: &mut Child, grace: Duration) -> io::Result<ExitStatus> {
    if let Some(status) = child.try_wait()? {
        return Ok(status);
    }
    // `kill` fails only when the process is gone, which the wait below sees.
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .stderr(Stdio::null())
        .status();
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        std::thread::sleep(POLL);
    }
    // An error here means it exited between the last look and the kill; the wait reaps it.
    let _ = child.kill();
    child.wait()
}

/// The log filter of a test server (its `RUST_LOG`): warnings, unless
/// `STUDYMATE_TEST_SERVER_RUST_LOG` names another filter (e.g.
/// `warn,studymate_server::db::conflict=info` to log every transaction retry).
pub fn server_log_filter() -> String {
    std::env::var("STUDYMATE_TEST_SERVER_RUST_LOG").unwrap_or_else(|_| "warn".to_owned())
}

/// Where a test server's log goes: the file named by `STUDYMATE_TEST_SERVER_LOG` (appended), or
/// nowhere. Shared by the e2e harness and the server's own tests.
pub fn server_log() -> Stdio {
    std::env::var_os("STUDYMATE_TEST_SERVER_LOG")
        .and_then(|path| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .ok()
        })
        .map_or_else(Stdio::null, Stdio::from)
}

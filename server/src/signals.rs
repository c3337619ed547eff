//! Unblocking the shutdown signals at start.
//!
//! A process inherits its signal mask from whoever starts it, and some supervisors hand it one
//! with SIGTERM and SIGINT blocked (Foundation's `Process` on Linux does). Blocked, the signals
//! stay pending forever: tokio's handlers never run and the server ignores every request to
//! stop. So `main` unblocks both before it starts any thread (a thread inherits the mask of the
//! thread that spawns it).

use std::io;
use std::mem::MaybeUninit;

/// Removes SIGTERM and SIGINT from the calling thread's signal mask.
pub fn unblock_shutdown_signals() -> io::Result<()> {
    let mut set = MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: `sigemptyset` initialises the set it is given a valid pointer to; it is read only
    // after it reported success.
    let mut set = unsafe {
        if libc::sigemptyset(set.as_mut_ptr()) != 0 {
            return Err(io::Error::last_os_error());
        }
        set.assume_init()
    };
    for signal in [libc::SIGTERM, libc::SIGINT] {
        // SAFETY: `set` is an initialised signal set and `signal` a valid signal number.
        if unsafe { libc::sigaddset(&mut set, signal) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    // SAFETY: `set` is initialised; a null old-set pointer asks for no copy of the previous mask.
    let failed = unsafe { libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut()) };
    match failed {
        0 => Ok(()),
        code => Err(io::Error::from_raw_os_error(code)),
    }
}

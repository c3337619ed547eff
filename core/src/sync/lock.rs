//! One sync per database file. A sync holds two locks: the client's in-process mutex (enough
//! for an in-memory database) and an OS lock (`flock` / `LockFileEx`, through the standard
//! library's `File::try_lock`) on `<database>.sync-lock` next to the database file, which also
//! keeps out other `Client`s of the same file and other processes. The OS releases the file
//! lock when its holder exits or is killed, so a crash never leaves it behind. The lock file
//! itself stays (deleting it while another process opens it would let two syncs hold locks on
//! two different files).

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::error::{Error, Result};

/// Held for the whole of a sync; dropping it releases both locks.
pub(crate) struct Running<'a> {
    _in_process: MutexGuard<'a, ()>,
    _file: Option<File>,
}

/// Takes the locks of a sync of `database` (`None` for an in-memory one), or fails with
/// [`Error::SyncRunning`] when another sync holds either. A mutex poisoned by a sync that panicked
/// is taken over: the sync's work is transactional, so nothing it guarded is half-done.
pub(crate) fn acquire<'a>(mutex: &'a Mutex<()>, database: Option<&Path>) -> Result<Running<'a>> {
    let in_process = match mutex.try_lock() {
        Ok(guard) => guard,
        Err(std::sync::TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        Err(std::sync::TryLockError::WouldBlock) => return Err(Error::SyncRunning),
    };
    let file = database.map(lock_file).transpose()?;
    Ok(Running {
        _in_process: in_process,
        _file: file,
    })
}

/// The lock file of `database`: its name plus `.sync-lock`.
pub(crate) fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".sync-lock");
    PathBuf::from(name)
}

fn lock_file(database: &Path) -> Result<File> {
    let path = lock_path(database);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| Error::Storage(format!("could not open {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(Error::SyncRunning),
        Err(TryLockError::Error(e)) => Err(Error::Storage(format!(
            "could not lock {}: {e}",
            path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_of_the_same_file_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("user.db");
        let (first_mutex, second_mutex) = (Mutex::new(()), Mutex::new(()));
        let first = acquire(&first_mutex, Some(&db)).unwrap();
        assert!(matches!(
            acquire(&second_mutex, Some(&db)),
            Err(Error::SyncRunning)
        ));
        assert!(
            matches!(acquire(&first_mutex, None), Err(Error::SyncRunning)),
            "the in-process lock is held too"
        );
        drop(first);
        assert!(acquire(&second_mutex, Some(&db)).is_ok());
        assert!(lock_path(&db).ends_with("user.db.sync-lock"));
    }

    #[test]
    fn a_poisoned_mutex_is_taken_over() {
        let mutex = Mutex::new(());
        let _ = std::thread::scope(|s| {
            s.spawn(|| {
                let _held = mutex.lock();
                panic!("a sync panicked");
            })
            .join()
        });
        assert!(mutex.is_poisoned());
        assert!(acquire(&mutex, None).is_ok());
    }
}

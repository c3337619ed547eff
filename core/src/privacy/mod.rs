//! The user's control over their data on the device: encryption at rest (SQLCipher, the
//! `encryption` cargo feature), export of everything the database holds about them, and deletion
//! (wiping the database files, and erasing the data when the server says the account is gone).
//! docs/privacy.md is the policy these calls implement.

// Erasing on the server's word comes with the sync client.
#[cfg(feature = "client")]
mod erase;
mod export;

use std::path::Path;

pub use crate::store::DatabaseKey;
pub use crate::store::encryption::{KEY_LEN, available as encryption_available, is_plain};
pub use export::{AccountExport, AccountInfo, EXPORT_FORMAT, EXPORT_VERSION, ExportSource};

#[cfg(feature = "client")]
pub(crate) use erase::erase_local;

use crate::Client;
use crate::error::Result;
use crate::store::encryption;

/// The files a database at `path` may have besides itself: SQLite's write-ahead log and its
/// shared-memory index, a rollback journal, the sync lock file, and an interrupted encryption's
/// copy.
const COMPANION_SUFFIXES: [&str; 5] = ["-wal", "-shm", "-journal", ".sync-lock", ".encrypting"];

/// Encrypts the plain database file at `path` under `key` without losing a row (see
/// [`crate::store::encryption::encrypt_file`] for how a crash is survived). Call it before
/// opening the file, while no `Client` has it open; afterwards open it with
/// `OpenOptions { key: Some(key), .. }`. A file that is already encrypted is refused with
/// [`crate::Error::Conflict`], a missing one with `NotFound`, and a build without the
/// `encryption` feature with `InvalidInput` on `key`; in each case nothing changes.
pub fn encrypt_database(path: impl AsRef<Path>, key: &DatabaseKey) -> Result<()> {
    encryption::encrypt_file(path.as_ref(), key)
}

/// Deletes a closed database at `path` and every file that goes with it (see
/// [`COMPANION_SUFFIXES`]). Files already gone are fine; a file that cannot be deleted is
/// [`crate::Error::Storage`] naming it. No `Client` may have the database open.
pub fn wipe_database(path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    for suffix in COMPANION_SUFFIXES {
        encryption::remove_if_exists(&encryption::sibling(path, suffix))?;
    }
    encryption::remove_if_exists(path)
}

impl Client {
    /// Re-encrypts the database under `new_key` (SQLCipher's rekey), in place and keeping
    /// every row. The app stores the new key only after this returns. A plain database is
    /// refused with [`crate::Error::Conflict`]: encrypt it first with [`encrypt_database`].
    pub fn change_key(&self, new_key: DatabaseKey) -> Result<()> {
        self.store.change_key(new_key)?;
        tracing::info!(user = %self.user_id, "database key changed");
        Ok(())
    }

    /// Closes the database and deletes it with its write-ahead log, shared-memory and lock
    /// files, so nothing of the user stays on the device (an in-memory database is just
    /// dropped). The app then removes the key from its key store and shows the sign-in screen.
    pub fn wipe(self) -> Result<()> {
        let Client { store, user_id, .. } = self;
        let path = store.path().map(Path::to_path_buf);
        store.close()?;
        if let Some(path) = &path {
            wipe_database(path)?;
        }
        tracing::info!(user = %user_id, "local database wiped");
        Ok(())
    }
}

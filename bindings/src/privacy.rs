//! The privacy calls (docs/privacy.md): opening an encrypted database with the app's key,
//! encrypting a plain one, changing the key, exporting everything about the user as the
//! documented JSON document, and wiping the database files.
//!
//! The key is 32 raw bytes the app keeps in the iOS Keychain or behind the Android Keystore
//! (bindings/README.md); it crosses as `ByteArray` / `Data` and is never logged.

use std::sync::Arc;

use studymate_core::Client as CoreClient;
use studymate_core::privacy::{self, DatabaseKey};

use crate::client::{Client, OpenOptions};
use crate::error::{Result, StudyMateError};

/// Whether this build encrypts at rest (the `encryption` feature, on by default).
#[uniffi::export]
pub fn encryption_available() -> bool {
    privacy::encryption_available()
}

/// Whether the file at `path` is a plain (unencrypted) database; `false` for a missing file.
#[uniffi::export]
pub fn is_plain_database(path: String) -> Result<bool> {
    Ok(privacy::is_plain(std::path::Path::new(&path))?)
}

/// Encrypts the plain database at `path` under `key` (32 bytes) without losing a row. Call it
/// before opening the file (no client may have it open), then open it with `openEncrypted`.
#[uniffi::export]
pub fn encrypt_database(path: String, key: Vec<u8>) -> Result<()> {
    Ok(privacy::encrypt_database(
        path,
        &DatabaseKey::from_bytes(&key)?,
    )?)
}

/// Deletes a closed database at `path` with its WAL, shared-memory and lock files.
#[uniffi::export]
pub fn wipe_database(path: String) -> Result<()> {
    Ok(privacy::wipe_database(path)?)
}

#[uniffi::export]
impl Client {
    /// Creates or opens the encrypted database at `path` with `key` (32 bytes). A key that
    /// does not open the file throws `WrongKey`.
    #[uniffi::constructor]
    pub fn open_encrypted(path: String, options: OpenOptions, key: Vec<u8>) -> Result<Arc<Self>> {
        let core_options = studymate_core::OpenOptions {
            key: Some(DatabaseKey::from_bytes(&key)?),
            ..options.to_core()
        };
        Ok(Self::from_core(CoreClient::open(&path, core_options)?))
    }

    /// Re-encrypts the database under `new_key` (32 bytes); store the new key only after this
    /// returns. A plain database throws `Conflict`.
    pub fn change_key(&self, new_key: Vec<u8>) -> Result<()> {
        Ok(self
            .core()?
            .change_key(DatabaseKey::from_bytes(&new_key)?)?)
    }

    /// Everything the database holds about its user, as the JSON document of docs/privacy.md
    /// (the same format as the server's `GET /v1/account/export`).
    pub fn export_data(&self) -> Result<String> {
        let export = self.core()?.export()?;
        serde_json::to_string_pretty(&export)
            .map_err(|e| StudyMateError::invalid("export", e.to_string()))
    }

    /// Closes the database and deletes its files. Later calls throw `Closed`. While another
    /// call is still running on this client it throws `Conflict` and nothing is deleted.
    pub fn wipe(&self) -> Result<()> {
        let Some(core) = self.take_core() else {
            return Err(StudyMateError::Closed);
        };
        match Arc::try_unwrap(core) {
            Ok(core) => Ok(core.wipe()?),
            Err(shared) => {
                self.restore_core(shared);
                Err(StudyMateError::Conflict {
                    detail: "another call is still using the database; wipe after it returns"
                        .into(),
                })
            }
        }
    }
}

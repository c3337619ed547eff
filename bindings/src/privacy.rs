//! The privacy calls (docs/privacy.md): opening an encrypted database with the app's key,
//! encrypting a plain one, changing the key, exporting everything about the user as the
//! documented JSON document, and wiping the database files.
//!
//! The key is 32 raw bytes the app keeps in the iOS Keychain or behind the Android Keystore
//! (bindings/README.md); it crosses as `ByteArray` / `Data` and is never logged. Every call that
//! rewrites, reads through or deletes the whole file is `suspend` (Kotlin) / `async` (Swift)
//! and runs on a worker thread, like the writes.

use std::sync::Arc;

use studymate_core::privacy::{self, DatabaseKey};
use studymate_core::{Client as CoreClient, OpenOptions as CoreOptions};

use crate::client::{OpenOptions, StudyMateClient};
use crate::offload::offload;
use crate::{Result, StudyMateError};

/// Whether this build encrypts at rest (the `encryption` feature, on by default).
#[uniffi::export]
pub fn encryption_available() -> bool {
    privacy::encryption_available()
}

/// Whether the file at `path` is a plain (unencrypted) database; `false` for a missing file.
/// It reads the file's first bytes only.
#[uniffi::export]
pub fn is_plain_database(path: String) -> Result<bool> {
    Ok(privacy::is_plain(std::path::Path::new(&path))?)
}

/// Encrypts the plain database at `path` under `key` (32 bytes) without losing a row. Call it
/// before opening the file (no client may have it open), then open it with `openEncrypted`.
#[uniffi::export]
pub async fn encrypt_database(path: String, key: Vec<u8>) -> Result<()> {
    let key = DatabaseKey::from_bytes(&key)?;
    offload("encrypt", move || {
        Ok(privacy::encrypt_database(path, &key)?)
    })
    .await
}

/// Deletes a closed database at `path` with its write-ahead log, shared-memory and lock files.
#[uniffi::export]
pub async fn wipe_database(path: String) -> Result<()> {
    offload("wipe", move || Ok(privacy::wipe_database(path)?)).await
}

#[uniffi::export]
impl StudyMateClient {
    /// Creates or opens the encrypted database at `path` with `key` (32 bytes). A key that
    /// does not open the file throws `WrongKey`.
    #[uniffi::constructor]
    pub async fn open_encrypted(
        path: String,
        options: OpenOptions,
        key: Vec<u8>,
    ) -> Result<Arc<Self>> {
        let core_options = CoreOptions {
            key: Some(DatabaseKey::from_bytes(&key)?),
            ..options.to_core()?
        };
        offload("open", move || {
            Ok(Self::from_core(CoreClient::open(&path, core_options)?))
        })
        .await
    }

    /// Re-encrypts the database under `newKey` (32 bytes); store the new key only after this
    /// returns. A plain database throws `Conflict`.
    pub async fn change_key(&self, new_key: Vec<u8>) -> Result<()> {
        let key = DatabaseKey::from_bytes(&new_key)?;
        self.background("rekey", move |core| core.change_key(key))
            .await
    }

    /// Everything the database holds about its user, as the JSON document of docs/privacy.md
    /// (the same format as the server's `GET /v1/account/export`).
    pub async fn export_data(&self) -> Result<String> {
        self.background("export", |core| {
            Ok(serde_json::to_string_pretty(&core.export()?)?)
        })
        .await
    }

    /// Closes the database and deletes its files. Later calls throw `Closed` at once. While
    /// another call is still running on this client it throws `Conflict` and nothing is
    /// deleted (the client stays open).
    pub async fn wipe(&self) -> Result<()> {
        let Some(core) = self.take_core() else {
            return Err(StudyMateError::Closed);
        };
        match Arc::try_unwrap(core) {
            Ok(core) => offload("wipe", move || Ok(core.wipe()?)).await,
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

//! The device's link to a server: the server's address and the signed-in session's tokens,
//! kept in `account.json` beside the database so that `sync` works in any later run. A device
//! without that file is offline: everything but `sync` works without it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use studymate_core::sync::protocol::AuthResponse;

use crate::run::AppResult;

/// What `signup` or `login` stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    /// The server's base URL, e.g. `http://127.0.0.1:8787`.
    pub server: String,
    /// The account's handle.
    pub username: String,
    /// The current token pair (refresh tokens are single-use, so this is rewritten after a sync).
    pub tokens: AuthResponse,
}

impl Account {
    fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("account.json")
    }

    /// The stored account, or `None` when this device never signed in.
    pub fn load(data_dir: &Path) -> AppResult<Option<Account>> {
        match std::fs::read(Self::path(data_dir)) {
            Ok(bytes) => Ok(Some(serde_json::from_slice(&bytes).map_err(|e| {
                format!(
                    "{} is damaged ({e}); sign in again",
                    Self::path(data_dir).display()
                )
            })?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Stores the account, replacing the file atomically (write, then rename).
    pub fn save(&self, data_dir: &Path) -> AppResult<()> {
        let path = Self::path(data_dir);
        let temporary = path.with_extension("json.tmp");
        std::fs::write(&temporary, serde_json::to_vec_pretty(self)?)?;
        std::fs::rename(&temporary, &path)?;
        Ok(())
    }
}

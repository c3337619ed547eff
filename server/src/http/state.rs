//! What every handler shares: the store, the token lifetime and the auth endpoints' guards, and
//! the bridge from async handlers to the blocking store.

use std::sync::Arc;

use super::error::ApiError;
use crate::auth::Guards;
use crate::db::{Backend, Conn, TxMode, in_tx};

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub db: Arc<dyn Backend>,
    /// Lifetime of access tokens, in seconds.
    pub token_ttl_seconds: u64,
    /// Hashing bound and attempt limits of signup and login.
    pub guards: Arc<Guards>,
}

impl AppState {
    /// Runs `f` in one transaction on a blocking thread, so the async workers never wait on the
    /// database.
    pub async fn run<T: Send + 'static>(
        &self,
        mode: TxMode,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || in_tx(db.as_ref(), mode, f))
            .await
            .map_err(ApiError::internal)?
    }
}

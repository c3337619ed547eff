//! What every handler shares: the store, the live channel, the token lifetime and the auth
//! endpoints' guards, and the bridge from async handlers to the blocking store.

use std::sync::Arc;

use super::error::ApiError;
use crate::auth::Guards;
use crate::db::{Backend, Conn, TxMode, in_tx};
use crate::live::{self, Live};

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub db: Arc<dyn Backend>,
    /// The live channel: who listens, and how writes wake them.
    pub live: Arc<Live>,
    /// Lifetime of access tokens, in seconds.
    pub token_ttl_seconds: u64,
    /// Hashing bound and attempt limits of signup and login.
    pub guards: Arc<Guards>,
}

impl AppState {
    /// Runs `f` in one transaction on a blocking thread, so the async workers never wait on the
    /// database. A write transaction ([`live::write_tx`]) settles its feed deliveries and wakes
    /// the live channels of every feed it moved, once it has committed. `f` runs again if the
    /// database aborts the transaction for a conflict with a concurrent one (`in_tx`).
    pub async fn run<T: Send + 'static>(
        &self,
        mode: TxMode,
        f: impl FnMut(&mut dyn Conn) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let db = Arc::clone(&self.db);
        let live = Arc::clone(&self.live);
        tokio::task::spawn_blocking(move || match mode {
            TxMode::Read => in_tx(db.as_ref(), mode, f),
            TxMode::Write | TxMode::Exclusive => {
                let (value, moved) = live::write_tx(db.as_ref(), mode, live.route(), f)?;
                live.announce(moved);
                Ok(value)
            }
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// After a committed change of `user`'s tokens: their live channels check their token again
    /// (and close if it no longer works).
    pub async fn tokens_changed(&self, user: uuid::Uuid) -> Result<(), ApiError> {
        let live = Arc::clone(&self.live);
        self.run(TxMode::Read, move |conn| {
            Ok(live.tokens_changed(conn, user)?)
        })
        .await
    }
}

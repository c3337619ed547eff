//! The live channel's plumbing: which connections wait for which user ([`hub`]), how the feeds
//! a write transaction moved are announced ([`moved`]), and how the wakes reach every server process
//! ([`listen`] on PostgreSQL). The HTTP side is `crate::http::live`.
//!
//! On SQLite (one serving process) a committed write wakes the hub directly, and another
//! process's write (the operator's) is noticed by reading the listening users' heads every few
//! seconds ([`poll`]). On PostgreSQL the write
//! sends `NOTIFY` in its own transaction, so the wake exists only if it commits, and every
//! process, the writer included, hears it on its listening connection: one path for all.
//!
//! Every write transaction of the server runs through [`write_tx`], which appends what the
//! write delivered to the feeds ([`feed::settle`]) and keeps the moved feeds' wakes, so no write
//! path can forget either. (A transaction that still holds staged feed rows at its commit is
//! refused by the store, `crate::db::DbError::Unsettled`.)

pub mod hub;
mod listen;
pub mod moved;
pub mod poll;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use uuid::Uuid;

use crate::db::{Backend, Conn, DbError, TxMode, in_tx};
use crate::feed;
use hub::Hub;

/// How wakes travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Straight into this process's hub after the commit (SQLite: one process).
    InProcess,
    /// `NOTIFY` in the writing transaction; the listening thread feeds the hub (PostgreSQL).
    Notify,
}

impl Route {
    /// The route of the store named on the command line: `NOTIFY` for a `postgres://` URL, in
    /// process for an SQLite file.
    pub fn for_database(database: &str) -> Route {
        if crate::db::is_postgres(database) {
            Route::Notify
        } else {
            Route::InProcess
        }
    }
}

/// The live channel's shared state.
#[derive(Debug)]
pub struct Live {
    hub: Arc<Hub>,
    route: Route,
    /// How often an idle channel sends a heartbeat.
    pub heartbeat: Duration,
    /// Set once at shutdown; open channels close so the server can stop.
    shutdown: watch::Sender<bool>,
}

/// The feeds a write moved, to announce once it committed (empty when `NOTIFY` carries them).
#[derive(Debug, Default)]
#[must_use = "announce the moves after the commit"]
pub struct Moved(Vec<(Uuid, i64)>);

impl Live {
    /// The live channel for the store named on the command line: a `postgres://` URL listens
    /// on a dedicated connection; an SQLite file wakes in process.
    pub fn open(database: &str, heartbeat: Duration) -> Result<Self, String> {
        let hub = Arc::new(Hub::default());
        let route = Route::for_database(database);
        if route == Route::Notify {
            listen::start(database, Arc::clone(&hub))?;
        }
        Ok(Live {
            hub,
            route,
            heartbeat,
            shutdown: watch::Sender::new(false),
        })
    }

    /// The listening users of this process.
    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    /// How this process's writes wake channels.
    pub fn route(&self) -> Route {
        self.route
    }

    /// Wakes this process's connections of the feeds a committed write moved.
    pub fn announce(&self, moved: Moved) {
        for (user, head) in moved.0 {
            self.hub.feed_moved(user, head);
        }
    }

    /// After a committed change of `user`'s tokens: their connections (in every process) check
    /// their token again. `conn` is outside any transaction's rollback risk: the change is
    /// already committed.
    pub fn tokens_changed(&self, conn: &mut dyn Conn, user: Uuid) -> Result<(), DbError> {
        match self.route {
            Route::InProcess => {
                self.hub.recheck(user);
                Ok(())
            }
            Route::Notify => moved::notify_recheck(conn, user),
        }
    }

    /// Closes every open channel (the server is stopping).
    pub fn shut_down(&self) {
        self.shutdown.send_replace(true);
    }

    /// Resolves when the server stops.
    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }
}

/// Runs `write` as one transaction in `mode` ([`TxMode::Write`] or [`TxMode::Exclusive`]; the
/// way every write of the server runs, `in_tx` otherwise only reads): after `write`, appends
/// what it delivered to the feeds ([`feed::settle`]) and, on `route` [`Route::Notify`], queues
/// the moved feeds' `NOTIFY` in the same transaction. Returns `write`'s value and, in process,
/// the moved feeds for [`Live::announce`] once committed.
pub fn write_tx<T, E: From<DbError>>(
    db: &dyn Backend,
    mode: TxMode,
    route: Route,
    mut write: impl FnMut(&mut dyn Conn) -> Result<T, E>,
) -> Result<(T, Moved), E> {
    in_tx(db, mode, |conn| {
        let value = write(conn)?;
        let heads = feed::settle(conn)?;
        let moved = match route {
            Route::InProcess => Moved(heads),
            Route::Notify => {
                moved::notify(conn, &heads)?;
                Moved::default()
            }
        };
        Ok((value, moved))
    })
}

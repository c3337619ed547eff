//! UniFFI bindings of StudyMate Core for the iOS (Swift) and Android (Kotlin) apps.
//!
//! The crate is thin: it reshapes the core API into UniFFI records, enums and one [`Client`]
//! object, turns every core error into one typed [`StudyMateError`], and adds what a mobile
//! app needs around the calls: a [`DataObserver`] told what changed after each write, and a
//! [`Logger`] receiving the library's `tracing` output. See `bindings/README.md` for the
//! threading model, generation and packaging.
//!
//! One module per job: `types` (custom types), `error`, `client` (open/close, change log),
//! the domain calls (`profile`, `catalog`, `practice`, `progress`, `ledger`, `chat`),
//! `privacy` (encryption at rest, export, wipe), `observer` and `logging` with their `callback`
//! error, and `offload` (running blocking work off the caller's thread for the async exports),
//! `sync` (the sync calls, the token provider and sync observer traits, cancellation and the
//! auth session), and `live` (live sync: start, stop, and its observer).

uniffi::setup_scaffolding!();

mod callback;
mod catalog;
mod chat;
mod client;
mod error;
mod ledger;
mod live;
mod logging;
mod observer;
mod offload;
mod practice;
mod privacy;
mod profile;
mod progress;
mod sync;
mod types;

pub use callback::CallbackError;
pub use client::{Client, OpenOptions};
pub use error::StudyMateError;
pub use live::{LiveObserver, LiveSync};
pub use logging::{LogLevel, LogRecord, Logger, set_logger};
pub use observer::{DataArea, DataChange, DataObserver};
pub use sync::{
    AuthSession, RefreshContext, SyncHandle, SyncObserver, SyncOptions, TokenListener,
    TokenProvider,
};
pub use types::{Json, LocalDate, Timestamp};

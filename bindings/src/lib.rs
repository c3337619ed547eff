//! UniFFI bindings of StudyMate Core for the iOS (Swift) and Android (Kotlin) apps.
//!
//! The crate is thin: core's records, enums and its public error derive UniFFI's traits in core
//! (its `uniffi` feature), so this crate only adds what the foreign API needs around them: the
//! [`StudyMateClient`] object whose writes are `suspend`/`async` (run on a worker thread), data
//! change subscriptions ([`DataObserver`], adapted to a Kotlin `Flow` and a Swift
//! `AsyncSequence` by the files shipped with the bindings), sync with a suspending
//! [`TokenProvider`], and a [`Logger`] receiving the library's `tracing` output. See
//! `bindings/README.md` for the threading model, generation and packaging.
//!
//! One module per job: `client` (open/close, change log, subscriptions), the domain calls
//! (`profile`, `catalog`, `practice`, `progress`, `ledger`, `chat`), `privacy` (encryption at
//! rest, export, wipe), `observer` and `logging` with their `callback` error, `offload` (running
//! blocking work off the caller's thread for the async exports), `sync` (the sync calls, the
//! token provider and sync observer traits, cancellation and the auth session), and `live`
//! (live sync: start, stop, and its observer).

uniffi::setup_scaffolding!();

mod callback;
mod catalog;
mod chat;
mod client;
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

use studymate_core::ffi::types::{Json, LocalDate, Timestamp};
use studymate_core::sync::protocol::{AuthResponse, LoginRequest, SignupRequest};
use uuid::Uuid;

// Core's custom types (ids, instants, days, JSON), as core converts them.
uniffi::use_remote_type!(studymate_core::Uuid);
uniffi::use_remote_type!(studymate_core::Timestamp);
uniffi::use_remote_type!(studymate_core::LocalDate);
uniffi::use_remote_type!(studymate_core::Json);
// The protocol crate's sign-in records, as core declares them for the foreign API.
uniffi::use_remote_type!(studymate_core::SignupRequest);
uniffi::use_remote_type!(studymate_core::LoginRequest);
uniffi::use_remote_type!(studymate_core::AuthResponse);

pub use callback::CallbackError;
pub use client::{OpenOptions, StudyMateClient};
pub use live::{LiveObserver, LiveSync};
pub use logging::{LogLevel, LogRecord, Logger, set_logger};
pub use observer::{DataObserver, DataSubscription};
pub use offload::block_on;
pub use studymate_core::ffi::StudyMateError;
pub use sync::{
    AuthSession, RefreshContext, SyncHandle, SyncObserver, SyncOptions, TokenError, TokenListener,
    TokenProvider,
};

/// Shorthand for the exported calls.
pub(crate) type Result<T, E = StudyMateError> = std::result::Result<T, E>;

//! StudyMate Core: the offline-first engine of the StudyMate language-learning apps.
//!
//! A [`Client`] owns one user's local SQLite database: their profile, the situation catalog,
//! practice sessions and scores, the points ledger and chat. Every user action is one SQLite
//! transaction that changes the local rows and appends a change-log entry for the sync engine.
//!
//! The default `client` feature adds what only a device runs: the sync engine (HTTP through
//! reqwest) and the [`next_up`] scheduler (FSRS). Without it, core is the store, the records and
//! their rules (scoring, rewards, validators) and the wire types, which is what the reference
//! server links.

pub mod catalog;
pub mod changelog;
pub mod chat;
mod client;
mod days;
pub mod error;
#[cfg(feature = "uniffi")]
pub mod ffi;
pub mod jitter;
pub mod ledger;
#[cfg(feature = "client")]
pub mod next_up;
pub mod notify;
pub mod practice;
pub mod privacy;
pub mod profile;
pub mod progress;
pub mod rewards;
pub mod scoring;
mod store;
pub mod sync;
pub mod time;
mod validate;

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("studymate_core");

pub use client::{Client, DEFAULT_DISPLAY_NAME, OpenOptions};
pub use error::{Error, Result};
pub use store::SCHEMA_VERSION;

/// The README's Rust examples, compiled (and run unless marked `no_run`) as doc tests, so the
/// snippet a newcomer copies keeps working.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

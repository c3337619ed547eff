//! What the `uniffi` feature adds for the bindings crate (`bindings/`): the platform types the
//! records' fields cross as ([`types`]) and the one public error of the foreign API
//! ([`StudyMateError`]), into which [`crate::Error`] is mapped once.
//!
//! The records and enums themselves derive UniFFI's traits where they are defined
//! (`#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]`), so the bindings export core's
//! types as they are instead of mirroring them; the few wire types of the `studymate-protocol`
//! crate the foreign API shows are declared as remote types in [`protocol`].

mod error;
mod protocol;
pub mod types;

pub use error::StudyMateError;

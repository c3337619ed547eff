//! Every integration test of `studymate-core` in one test binary, one module per former test
//! file, so the crate's tests link (bundled SQLite included) once instead of once per file and
//! run without a pause between binaries. A new test file goes in this folder with a `mod` line
//! below; run one module with `cargo test --test all MODULE::`.

mod common;
mod scoring_common;

mod api;
mod bad_input;
mod catalog_file;
mod concurrency;
mod crash;
// SQLCipher: built when core's `encryption` feature is on (the bindings turn it on, so the
// workspace's test command builds it).
#[cfg(feature = "encryption")]
mod encryption;
mod migrations;
mod practice_flow;
mod privacy;
mod scoring_golden;
mod scoring_panel;
mod scoring_props;
mod scoring_validation;

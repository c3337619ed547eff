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
mod migrations;
mod practice_flow;
mod scoring_golden;
mod scoring_panel;
mod scoring_props;
mod scoring_validation;

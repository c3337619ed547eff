//! Every integration test of `studymate-server` in one test binary, one module per former test
//! file, so the crate's tests link (bundled SQLite included) once instead of once per file and
//! run without a pause between binaries. A new test file goes in this folder with a `mod` line
//! below; run one module with `cargo test --test all MODULE::`.

mod common;
mod pg;

mod batched;
mod postgres;
mod sqlite;

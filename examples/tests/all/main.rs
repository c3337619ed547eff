//! Every integration test of the desktop demo (`studymate-demo`) in one test binary, one module per former test
//! file, so the crate's tests link (bundled SQLite included) once instead of once per file and
//! run without a pause between binaries. A new test file goes in this folder with a `mod` line
//! below; run one module with `cargo test --test all MODULE::`.

mod common;

mod accounts;
mod demo;
mod errors;
mod live_chat;
mod terminal;
mod two_devices;

//! Every integration test of the end-to-end suite (`studymate-e2e`) in one test binary, one module per former test
//! file, so the crate's tests link (bundled SQLite included) once instead of once per file and
//! run without a pause between binaries. A new test file goes in this folder with a `mod` line
//! below; run one module with `cargo test --test all MODULE::`.

#[path = "../../../server/tests/all/pg/mod.rs"]
mod pg;

mod account_deletion;
mod checksums;
mod converge;
mod corrections;
mod faults;
mod history_reset;
mod hostile;
mod live;
mod malformed;
mod never_loses_words;
mod never_wedges;
mod pending_edits;
mod pull_progress;
mod random;
mod refused_messages;
mod sync_lock;
mod tokens;
mod two_servers;

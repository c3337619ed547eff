//! Shared by the demo's end-to-end tests: running the demo binary on a device folder.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The demo binary built for these tests.
pub const DEMO: &str = env!("CARGO_BIN_EXE_studymate-demo");

/// Runs the demo with `args` on the device in `dir` and parses its JSON output.
pub fn demo_json(dir: &Path, args: &[&str]) -> Value {
    let out = Command::new(DEMO)
        .arg("--data-dir")
        .arg(dir)
        .arg("--json")
        .args(args)
        .output()
        .expect("run demo");
    assert!(
        out.status.success(),
        "demo {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("demo prints JSON")
}

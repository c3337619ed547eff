#!/usr/bin/env bash
# Runs every test of the project: the Rust workspace (unit, integration, end-to-end against a
# real server process) and, where present, the Kotlin bindings suite on the JVM.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --workspace --locked

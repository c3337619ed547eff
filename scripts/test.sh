#!/usr/bin/env bash
# Runs every test of the project: the Rust workspace (unit, integration, end-to-end against a
# real server process), the Kotlin bindings suite on the JVM, and the Swift (XCTest) suite.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --workspace --locked

# Both bindings suites run even when one fails; each ends with its own `N passed, M failed`.
failed=()
echo "== Kotlin bindings (JVM)"
bindings/scripts/test-kotlin.sh || failed+=(Kotlin)

# Uses the machine's Swift, or on Linux makes (once, into .tools/) a Debian trixie root with
# Debian's Swift and runs the suite there (bindings/scripts/swift-root.sh).
echo "== Swift bindings (XCTest)"
bindings/scripts/test-swift.sh || failed+=(Swift)

if (( ${#failed[@]} )); then
    echo "failed: ${failed[*]} bindings suite(s)" >&2
    exit 1
fi

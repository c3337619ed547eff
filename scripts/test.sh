#!/usr/bin/env bash
# Runs every test of the project: the Rust workspace (unit, integration, end-to-end against a
# real server process), the Kotlin bindings suite on the JVM, and the Swift suite where a Swift
# toolchain exists.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --workspace --locked

echo "== the server links neither the sync client (reqwest) nor the scheduler (fsrs)"
# Normal and build edges only: the server's tests use reqwest as their HTTP client, which is not
# linked into the server.
if cargo tree -p studymate-server -e normal,build --locked --prefix none | grep -E '^(reqwest|fsrs) '; then
    echo "studymate-server links the crates above; core must stay without its client feature there" >&2
    exit 1
fi

echo "== Kotlin bindings (JVM)"
bindings/scripts/test-kotlin.sh

if command -v swiftc >/dev/null; then
    echo "== Swift bindings"
    bindings/scripts/test-swift.sh
else
    echo "== Swift bindings: skipped (swiftc not found; the Swift sources are generated and the"
    echo "   XCTest suite in bindings/swift/Tests runs with bindings/scripts/test-swift.sh where it is)"
fi

#!/usr/bin/env bash
# Runs every test of the project: the Rust workspace (unit, integration, end-to-end against a
# real server process), the Kotlin bindings suite on the JVM, and the Swift suite where a Swift
# toolchain exists.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --workspace --locked

echo "== Kotlin bindings (JVM)"
bindings/scripts/test-kotlin.sh

if command -v swiftc >/dev/null; then
    echo "== Swift bindings"
    bindings/scripts/test-swift.sh
else
    echo "== Swift bindings: skipped (swiftc not found; the Swift sources are generated and the"
    echo "   XCTest suite in bindings/swift/Tests runs with bindings/scripts/test-swift.sh where it is)"
fi

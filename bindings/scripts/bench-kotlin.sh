#!/usr/bin/env bash
# Measures `ffi/read_profile` from Kotlin: the cost of one FFI round trip for a small read
# (Client.profile()) on a warm JVM, against the release build of the library.
#
#   bindings/scripts/bench-kotlin.sh [WARMUP_CALLS] [TIMED_CALLS]     (default 10000 100000)
#
# The Rust-side figure of the same call is the criterion bench:
#   cargo bench -p studymate-ffi --bench ffi -- ffi/read_profile
set -euo pipefail
cd "$(dirname "$0")/../.."

fail_setup() {
    echo "the Kotlin bench did not run: $1" >&2
    exit 1
}

source bindings/scripts/kotlin-env.sh

echo "== building the release library and generating Kotlin"
bindings/scripts/generate.sh --release target/bindings-release >/dev/null

out=target/kotlin-bench
rm -rf "$out" && mkdir -p "$out"
echo "== compiling the bench"
"$kotlinc" -nowarn -jvm-target 17 -cp "$kotlin_classpath" -d "$out/bench.jar" \
    target/bindings-release/kotlin bindings/benches/kotlin

java -Djna.library.path=target/release -cp "$out/bench.jar:$kotlin_classpath:$kotlin_stdlib" \
    app.studymate.core.bench.BenchKt "${1:-10000}" "${2:-100000}"

#!/usr/bin/env bash
# Runs every test of the project: the Rust workspace (unit, integration, end-to-end against a
# real server process), the Kotlin bindings suite on the JVM, and the Swift (XCTest) suite.
set -euo pipefail
cd "$(dirname "$0")/.."

# No test may leave a process or a folder behind. Every temporary folder of this run goes under
# one folder (TMPDIR, where the Rust tests' tempfile folders and throwaway PostgreSQL clusters
# go), and every process the run starts inherits STUDYMATE_TEST_RUN; at the end, a
# studymate-server process carrying it (the Kotlin suite's included), or anything left in the
# folder, fails the run, and is then removed, so a failed run does not litter the machine either.
run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/studymate-test.XXXXXX")
chmod 1777 "$run_tmp" # the PostgreSQL clusters run as the postgres user
export TMPDIR="$run_tmp" STUDYMATE_TEST_RUN="$run_tmp"
check_leftovers() {
    local status=$? leaked=()
    # The kernel keeps 15 characters of a process name: studymate-server is "studymate-serve".
    for pid in $(pgrep -x studymate-serve || true); do
        if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF "STUDYMATE_TEST_RUN=$run_tmp"; then
            leaked+=("$pid")
        fi
    done
    if ((${#leaked[@]})); then
        echo "FAILED: studymate-server processes of this test run are still running: ${leaked[*]}" >&2
        kill "${leaked[@]}" 2>/dev/null || true
        status=1
    fi
    if [ -n "$(ls -A "$run_tmp")" ]; then
        echo "FAILED: the tests left these temporary folders and files:" >&2
        ls -A "$run_tmp" >&2
        status=1
    fi
    rm -rf "$run_tmp"
    exit "$status"
}
trap check_leftovers EXIT

cargo test --workspace --locked

echo "== the demo built on its own, as \`cargo run -p studymate-demo\` builds it"
# A package built alone gets only its own features, while the test build unifies them across the
# workspace (the bindings' encryption and UniFFI, the server's tokio runtime …): this catches a
# crate that compiles only thanks to another's features, and leaves `cargo run -p
# studymate-demo` right after this command nothing to compile.
cargo build -p studymate-demo --locked

echo "== the server links neither the sync client (reqwest) nor the scheduler (fsrs)"
# Normal and build edges only: the server's tests use reqwest as their HTTP client, which is not
# linked into the server.
if cargo tree -p studymate-server -e normal,build --locked --prefix none | grep -E '^(reqwest|fsrs) '; then
    echo "studymate-server links the crates above; core must stay without its client feature there" >&2
    exit 1
fi

# Both bindings suites run even when one fails; each ends with its own `N passed, M failed`.
# They cover the same cases (bindings/README.md lists them side by side); generating the bindings
# also checks their doc comments (bindings/scripts/check-docs.sh, run by generate.sh).
failed=()
echo "== Kotlin and Swift suites cover the same cases"
bindings/scripts/check-parity.sh || failed+=(parity)
echo "== Kotlin bindings (JVM)"
bindings/scripts/test-kotlin.sh || failed+=(Kotlin)

# Uses the machine's Swift, or on Linux makes (once, into .tools/) a Debian trixie root with
# Debian's Swift and runs the suite there (bindings/scripts/swift-root.sh).
echo "== Swift bindings (XCTest)"
bindings/scripts/test-swift.sh || failed+=(Swift)

if (( ${#failed[@]} )); then
    echo "failed: ${failed[*]} (bindings)" >&2
    exit 1
fi

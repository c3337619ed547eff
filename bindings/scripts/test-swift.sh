#!/usr/bin/env bash
# Runs the Swift (XCTest) suite of the bindings (bindings/swift/Tests) against this machine's
# debug build of the library and the reference server.
#
#   bindings/scripts/test-swift.sh
#
# Uses the machine's Swift toolchain when `swift` is on PATH (macOS, or Linux with Swift
# installed). On Linux without one it runs the suite in a Debian trixie root holding Debian's
# Swift 6.0.3, made by swift-root.sh in .tools/ on first use (about two minutes; needs root or
# sudo) and reused afterwards; the host-built libstudymate_ffi.so and studymate-server are used
# from target/debug through a bind mount of the repository.
#
# Then checks the non-Apple part of the iOS release (test-swift-release.sh), counted as one more
# test. Prints `N passed, M failed` as its last line (a skipped test counts as failed: every test
# must run) and exits non-zero when M > 0 (or when the suite could not be built:
# `0 passed, 1 failed`).
set -euo pipefail
cd "$(dirname "$0")/../.."

fail_setup() {
    echo "the Swift suite did not run: $1" >&2
    echo "0 passed, 1 failed"
    exit 1
}

# The whole `swift test` (build included) is bounded where coreutils' `timeout` exists (always
# in the trixie root); a hung test then fails the step.
SWIFT_TEST_TIMEOUT=${SWIFT_TEST_TIMEOUT:-900}
bound=()

if command -v swift >/dev/null; then
    runner=()
    command -v timeout >/dev/null && bound=(timeout --kill-after=10 "$SWIFT_TEST_TIMEOUT")
elif [[ "$(uname -s)" == Linux ]]; then
    bindings/scripts/swift-root.sh setup || fail_setup "making the Swift root failed"
    runner=(bindings/scripts/swift-root.sh run)
    bound=(timeout --kill-after=10 "$SWIFT_TEST_TIMEOUT")
else
    fail_setup "swift not found"
fi

echo "== building the library and generating Swift"
bindings/scripts/generate.sh target/bindings >/dev/null || fail_setup "building or generating failed"

echo "== building the reference server (the sync tests start it)"
cargo build -q -p studymate-server --locked || fail_setup "building studymate-server failed"

pkg=bindings/swift
cp target/bindings/swift/*.swift "$pkg/Sources/StudyMateCore/"
cp target/bindings/swift/*.h "$pkg/Sources/StudyMateCoreFFI/"
# A system-library target wants module.modulemap; link the host library by name, and drop the
# Darwin module use off Apple platforms.
darwin_only='use "Darwin"'
[[ "$(uname -s)" == Darwin ]] && darwin_only='^$^'
grep -v "$darwin_only" target/bindings/swift/StudyMateCoreFFI.modulemap \
    | sed 's/^}$/    link "studymate_ffi"\n}/' > "$pkg/Sources/StudyMateCoreFFI/module.modulemap"

echo "== running the suite (swift test)"
log=target/swift-tests.log
mkdir -p target
set +e
"${runner[@]}" env \
    STUDYMATE_LOCAL_FFI=1 \
    STUDYMATE_SERVER="$PWD/target/debug/studymate-server" \
    STUDYMATE_SERVER_CATALOG="$PWD/server/tests/fixtures/catalog.json" \
    STUDYMATE_CATALOG="$PWD/examples/catalog/catalog.json" \
    LD_LIBRARY_PATH="$PWD/target/debug${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    DYLD_LIBRARY_PATH="$PWD/target/debug${DYLD_LIBRARY_PATH:+:$DYLD_LIBRARY_PATH}" \
    "${bound[@]}" sh -c 'cd "$1" && swift test' sh "$PWD/$pkg" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# XCTest prints one line per test case: `Test Case '…' passed|failed|skipped (… seconds)`.
passed=$(grep -cE "^Test Case '.*' passed" "$log" || true)
failed=$(grep -cE "^Test Case '.*' (failed|skipped)" "$log" || true)
if (( status == 124 || status == 137 )); then
    echo "swift test did not finish within ${SWIFT_TEST_TIMEOUT} s" >&2
    failed=$(( failed + 1 ))
elif (( status != 0 && failed == 0 )); then
    echo "swift test failed (exit $status) outside any test case" >&2
    failed=1
fi
echo "== checking the release packaging (swift-release.sh)"
if "${runner[@]}" bindings/scripts/test-swift-release.sh; then
    passed=$(( passed + 1 ))
else
    failed=$(( failed + 1 ))
fi
echo "$passed passed, $failed failed"
(( failed == 0 ))

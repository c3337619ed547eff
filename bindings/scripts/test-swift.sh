#!/usr/bin/env bash
# Runs the Swift (XCTest) suite of the bindings against this machine's build of the library.
# Needs a Swift toolchain (swift, swiftc) and the sqlite3 shell; macOS or Linux.
#
#   bindings/scripts/test-swift.sh
#
# UNTESTED HERE: the project's machines have no Swift toolchain. scripts/test.sh calls this only
# where `swiftc` exists and otherwise prints that Swift was skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v swift >/dev/null || { echo "swift not found" >&2; exit 1; }
bindings/scripts/generate.sh target/bindings >/dev/null

pkg=bindings/swift
cp target/bindings/swift/*.swift "$pkg/Sources/StudyMateCore/"
cp target/bindings/swift/*.h "$pkg/Sources/StudyMateCoreFFI/"
# A system-library target wants module.modulemap; link the host library by name, and drop the
# Darwin module use off Apple platforms.
darwin_only='use "Darwin"'
[[ "$(uname -s)" == Darwin ]] && darwin_only='^$^'
grep -v "$darwin_only" target/bindings/swift/StudyMateCoreFFI.modulemap \
    | sed 's/^}$/    link "studymate_ffi"\n}/' > "$pkg/Sources/StudyMateCoreFFI/module.modulemap"

cargo build -q -p studymate-server
export STUDYMATE_LOCAL_FFI=1
export STUDYMATE_SERVER="$PWD/target/debug/studymate-server"
export STUDYMATE_SERVER_CATALOG="$PWD/server/tests/fixtures/catalog.json"
export STUDYMATE_CATALOG="$PWD/examples/catalog/catalog.json"
export LD_LIBRARY_PATH="$PWD/target/debug${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export DYLD_LIBRARY_PATH="$PWD/target/debug${DYLD_LIBRARY_PATH:+:$DYLD_LIBRARY_PATH}"
(cd "$pkg" && swift test)

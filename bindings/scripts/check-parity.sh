#!/usr/bin/env bash
# Fails when the Kotlin and the Swift suite no longer cover the same cases, file by file: each
# bindings/tests/kotlin/<Name>Tests.kt must hold as many `TestCase(` as
# bindings/swift/Tests/StudyMateCoreTests/<Name>Tests.swift holds `func test…` (the cases pair up
# in order; bindings/README.md lists them side by side). Run by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
for kotlin in tests/kotlin/*Tests.kt; do
    name=$(basename "$kotlin" .kt)
    swift="swift/Tests/StudyMateCoreTests/$name.swift"
    kotlin_cases=$(grep -c 'TestCase("' "$kotlin" || true)
    if [[ ! -f "$swift" ]]; then
        echo "$name: $kotlin_cases Kotlin cases, and no $swift" >&2
        status=1
        continue
    fi
    swift_cases=$(grep -cE 'func test[A-Za-z0-9_]+\(' "$swift" || true)
    if [[ "$kotlin_cases" != "$swift_cases" ]]; then
        echo "$name: $kotlin_cases Kotlin cases, $swift_cases Swift cases" >&2
        status=1
    fi
done
for swift in swift/Tests/StudyMateCoreTests/*Tests.swift; do
    name=$(basename "$swift" .swift)
    [[ -f "tests/kotlin/$name.kt" ]] || { echo "$name: Swift only" >&2; status=1; }
done
if ((status == 0)); then
    echo "Kotlin and Swift suites: the same number of cases in every test file"
fi
exit "$status"

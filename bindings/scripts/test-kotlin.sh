#!/usr/bin/env bash
# Runs the Kotlin test suite of the bindings (bindings/tests/kotlin) on the desktop JVM, against
# this machine's debug build of the library, loaded through JNA.
#
#   bindings/scripts/test-kotlin.sh
#
# Needs a JDK (17+), node/npm and apt-get; installs kotlinc, JNA and sqlite3 when missing (see
# kotlin-env.sh). Prints `N passed, M failed` as its last line and exits non-zero when M > 0 (or
# when the suite could not be built: `0 passed, 1 failed`).
set -euo pipefail
cd "$(dirname "$0")/../.."

fail_setup() {
    echo "the Kotlin suite did not run: $1" >&2
    echo "0 passed, 1 failed"
    exit 1
}

source bindings/scripts/kotlin-env.sh

echo "== building the library and generating Kotlin"
bindings/scripts/generate.sh target/bindings >/dev/null || fail_setup "building or generating failed"

echo "== building the reference server (the sync tests start it)"
cargo build -q -p studymate-server || fail_setup "building studymate-server failed"

out=target/kotlin-tests
echo "== compiling the suite (kotlinc $KOTLIN_VERSION)"
rm -rf "$out" && mkdir -p "$out"
"$kotlinc" -nowarn -jvm-target 17 -cp "$kotlin_classpath" -d "$out/suite.jar" \
    target/bindings/kotlin bindings/tests/kotlin || fail_setup "kotlinc failed"

echo "== running the suite"
java -Djna.library.path=target/debug \
    -Dstudymate.catalog=examples/catalog/catalog.json \
    -Dstudymate.server=target/debug/studymate-server \
    -Dstudymate.serverCatalog=server/tests/fixtures/catalog.json \
    -cp "$out/suite.jar:$kotlin_classpath:$kotlin_stdlib" \
    app.studymate.core.tests.MainKt

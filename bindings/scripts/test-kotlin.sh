#!/usr/bin/env bash
# Runs the Kotlin test suite of the bindings on the desktop JVM, against this machine's build of
# the library loaded through JNA.
#
#   bindings/scripts/test-kotlin.sh
#
# Installs what it needs when missing: the Kotlin compiler from the npm package
# `kotlin-compiler` (pinned, into .tools/kotlin, which git ignores; it also ships
# kotlinx-coroutines for the async calls), JNA from Debian's `libjna-java`, and the `sqlite3`
# shell (the suite uses it to make the newer-schema and failed-migration fixtures). Needs a JDK
# (17+), npm and apt-get. Prints `N passed, M failed` as its last line and fails when M > 0.
set -euo pipefail
cd "$(dirname "$0")/../.."

KOTLIN_VERSION=2.2.21
tools=.tools/kotlin
kotlin_home="$tools/node_modules/kotlin-compiler"
out=target/kotlin-tests

fail_setup() {
    echo "the Kotlin suite did not run: $1" >&2
    echo "0 passed, 1 failed"
    exit 1
}

installed_kotlin=$(node -p "require('./$kotlin_home/package.json').version" 2>/dev/null || true)
if [[ "$installed_kotlin" != "$KOTLIN_VERSION" ]]; then
    echo "== installing kotlin-compiler@$KOTLIN_VERSION (npm)"
    npm install --prefix "$tools" --no-audit --no-fund "kotlin-compiler@$KOTLIN_VERSION" >/dev/null \
        || fail_setup "npm install kotlin-compiler@$KOTLIN_VERSION failed"
fi

apt_packages=()
[[ -f /usr/share/java/jna.jar ]] || apt_packages+=(libjna-java)
command -v sqlite3 >/dev/null || apt_packages+=(sqlite3)
if (( ${#apt_packages[@]} )); then
    echo "== installing ${apt_packages[*]} (apt)"
    sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get install -y --no-install-recommends "${apt_packages[@]}" >/dev/null 2>&1 \
        || { "${sudo[@]}" apt-get update >/dev/null && "${sudo[@]}" apt-get install -y --no-install-recommends "${apt_packages[@]}" >/dev/null; } \
        || fail_setup "apt-get install ${apt_packages[*]} failed"
fi

echo "== building the library and generating Kotlin"
bindings/scripts/generate.sh target/bindings >/dev/null || fail_setup "building or generating failed"

jna=/usr/share/java/jna.jar
lib="$kotlin_home/lib"
classpath="$jna:$lib/kotlinx-coroutines-core-jvm.jar"

echo "== compiling the suite (kotlinc $KOTLIN_VERSION)"
rm -rf "$out" && mkdir -p "$out"
JAVA_OPTS="-Xss4m" "$kotlin_home/bin/kotlinc" -nowarn -jvm-target 17 -cp "$classpath" \
    -d "$out/suite.jar" target/bindings/kotlin bindings/tests/kotlin \
    || fail_setup "kotlinc failed"

echo "== running the suite"
java -Djna.library.path=target/debug \
    -Dstudymate.catalog=examples/catalog/catalog.json \
    -cp "$out/suite.jar:$classpath:$lib/kotlin-stdlib.jar" \
    app.studymate.core.tests.MainKt

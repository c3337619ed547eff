# Sourced by test-kotlin.sh and bench-kotlin.sh: installs the Kotlin toolchain pieces when
# missing and defines where they are.
#
# - kotlinc: the npm package `kotlin-compiler` (pinned; into .tools/kotlin, which git ignores).
#   It also ships kotlin-stdlib and kotlinx-coroutines-core (for the async calls).
# - JNA: Debian's `libjna-java` (/usr/share/java/jna.jar), and the `sqlite3` shell (the suite
#   makes its newer-schema and failed-migration fixtures with it). apt runs only when one is
#   absent; with sudo unless already root.
# Defines: kotlin_home, kotlinc, kotlin_classpath (JNA + coroutines), kotlin_stdlib.
# Calls `fail_setup REASON` (defined by the caller) when an install fails.

KOTLIN_VERSION=2.2.21
kotlin_tools=.tools/kotlin
kotlin_home="$kotlin_tools/node_modules/kotlin-compiler"
kotlinc="$kotlin_home/bin/kotlinc"

installed_kotlin=$(node -p "require('./$kotlin_home/package.json').version" 2>/dev/null || true)
if [[ "$installed_kotlin" != "$KOTLIN_VERSION" ]]; then
    echo "== installing kotlin-compiler@$KOTLIN_VERSION (npm)"
    npm install --prefix "$kotlin_tools" --no-audit --no-fund "kotlin-compiler@$KOTLIN_VERSION" >/dev/null \
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

kotlin_classpath="/usr/share/java/jna.jar:$kotlin_home/lib/kotlinx-coroutines-core-jvm.jar"
kotlin_stdlib="$kotlin_home/lib/kotlin-stdlib.jar"

#!/usr/bin/env bash
# Builds the bindings library and writes the generated Kotlin and Swift sources.
#
#   bindings/scripts/generate.sh [--release] [OUT_DIR]
#
# OUT_DIR defaults to target/bindings; Kotlin lands in OUT_DIR/kotlin, Swift (sources, C header
# and modulemap) in OUT_DIR/swift. Library mode: the bindings are read from the built library's
# metadata, with bindings/uniffi.toml for names.
set -euo pipefail
cd "$(dirname "$0")/../.."

profile=debug
if [[ "${1:-}" == "--release" ]]; then
    profile=release
    shift
fi
out="${1:-target/bindings}"

# One debug build gives both the library and the generator; a release library is built on its
# own (without the generator's code).
cargo build -p studymate-ffi --features cli --locked
if [[ "$profile" == release ]]; then
    cargo build -p studymate-ffi --lib --release --locked
fi

case "$(uname -s)" in
    Darwin) lib="target/$profile/libstudymate_ffi.dylib" ;;
    *) lib="target/$profile/libstudymate_ffi.so" ;;
esac

rm -rf "$out/kotlin" "$out/swift"
for language in kotlin swift; do
    target/debug/uniffi-bindgen generate --library "$lib" --language "$language" \
        --out-dir "$out/$language" --no-format
done
# Core's types are a second UniFFI namespace (studymate-core's `uniffi` feature) compiled into
# the same Swift module: one C module map lists both headers.
modulemap="$out/swift/StudyMateCoreFFI.modulemap"
sed -i.bak 's#^\( *\)header "StudyMateCoreFFI.h"#&\n\1header "StudyMateCoreModelFFI.h"#' "$modulemap" && rm -f "$modulemap.bak"
# The hand-written adapters shipped with the generated sources (Flow for the data observer).
cp bindings/kotlin/*.kt "$out/kotlin/app/studymate/core/"
# The doc comments must read right in Kotlin and Swift (no rustdoc links, Rust paths or types).
bindings/scripts/check-docs.sh "$out" >&2
echo "Kotlin: $out/kotlin  Swift: $out/swift  (library: $lib)"

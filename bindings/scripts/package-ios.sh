#!/usr/bin/env bash
# Builds the iOS release of the Swift package:
#
#   bindings/scripts/package-ios.sh URL_BASE     (or STUDYMATE_RELEASE_URL_BASE=… package-ios.sh)
#
# 1. the static library for device arm64 and simulator arm64/x86_64 (one fat simulator slice),
#    wrapped by xcodebuild into bindings/swift/StudyMateCoreFFI.xcframework with the generated
#    header and module map — the local XCFramework the development package links
#    (bindings/swift/Package.swift);
# 2. swift-release.sh on it, into target/ios/release: StudyMateCoreFFI.xcframework.zip (upload to
#    URL_BASE/), its .sha256, and StudyMateCore/ — a Swift package whose Package.swift references
#    the zip by URL and checksum, to commit and tag in the repository apps add.
#
# UNTESTED HERE: step 1 needs macOS with Xcode (xcodebuild, lipo) and the three Rust targets:
#   rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
# Step 2 runs anywhere and is checked by test-swift-release.sh (part of test-swift.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."

url_base=${1:-${STUDYMATE_RELEASE_URL_BASE:-}}
[[ -n "$url_base" ]] || { echo "usage: $0 URL_BASE (or set STUDYMATE_RELEASE_URL_BASE)" >&2; exit 1; }

# Profile release-ffi (Cargo.toml): release + fat LTO, one codegen unit, stripped.
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
for target in "${targets[@]}"; do
    cargo build -p studymate-ffi --lib --profile release-ffi --locked --target "$target"
done

# Swift sources, header and module map, generated from the host build's metadata.
bindings/scripts/generate.sh --release target/bindings

work=target/ios
rm -rf "$work" && mkdir -p "$work/headers" "$work/sim"
cp target/bindings/swift/*.h "$work/headers/"
cp target/bindings/swift/StudyMateCoreFFI.modulemap "$work/headers/module.modulemap"

# One simulator slice holding both architectures.
lipo -create \
    target/aarch64-apple-ios-sim/release-ffi/libstudymate_ffi.a \
    target/x86_64-apple-ios/release-ffi/libstudymate_ffi.a \
    -output "$work/sim/libstudymate_ffi.a"

xcframework=bindings/swift/StudyMateCoreFFI.xcframework
rm -rf "$xcframework"
xcodebuild -create-xcframework \
    -library target/aarch64-apple-ios/release-ffi/libstudymate_ffi.a -headers "$work/headers" \
    -library "$work/sim/libstudymate_ffi.a" -headers "$work/headers" \
    -output "$xcframework"

# The development package's copy of the generated API (git-ignored, like the XCFramework): both
# namespaces' Swift files.
cp target/bindings/swift/*.swift bindings/swift/Sources/StudyMateCore/
bindings/scripts/swift-release.sh "$xcframework" "$work/release" "$url_base"

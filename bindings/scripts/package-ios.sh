#!/usr/bin/env bash
# Builds the iOS XCFramework and the Swift package sources:
#   bindings/swift/StudyMateCoreFFI.xcframework   (device arm64 + simulator arm64/x86_64 fat lib)
#   bindings/swift/Sources/StudyMateCore/StudyMateCore.swift
# after which bindings/swift is a Swift package an app adds (File > Add Package > Add Local, or
# from a git tag).
#
# UNTESTED HERE: needs macOS with Xcode (xcodebuild, lipo) and the three Rust targets:
#   rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
set -euo pipefail
cd "$(dirname "$0")/../.."

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

out=bindings/swift/StudyMateCoreFFI.xcframework
rm -rf "$out"
xcodebuild -create-xcframework \
    -library target/aarch64-apple-ios/release-ffi/libstudymate_ffi.a -headers "$work/headers" \
    -library "$work/sim/libstudymate_ffi.a" -headers "$work/headers" \
    -output "$out"

cp target/bindings/swift/*.swift bindings/swift/Sources/StudyMateCore/
echo "XCFramework: $out; Swift package: bindings/swift"

#!/usr/bin/env bash
# Builds the Android native libraries and the Kotlin sources for an Android library module:
#   target/android/jniLibs/{arm64-v8a,armeabi-v7a,x86_64}/libstudymate_ffi.so
#   target/android/kotlin/app/studymate/core/studymate_ffi.kt
# Built for API 26 (Android 8.0), the module's minSdk: the generated Kotlin uses java.time
# (Instant, LocalDate), which Android has from API 26 on.
# Copy jniLibs to src/main/jniLibs and the Kotlin to src/main/kotlin of the module, which needs
#   implementation("net.java.dev.jna:jna:5.13.0@aar")
#   implementation("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.8.1")   // async calls
#
# UNTESTED HERE: needs the Android NDK (ANDROID_NDK_HOME), cargo-ndk and the Rust targets:
#   cargo install cargo-ndk --version 3.5.4 --locked
#   rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
set -euo pipefail
cd "$(dirname "$0")/../.."

out=target/android
rm -rf "$out" && mkdir -p "$out"
# Profile release-ffi (Cargo.toml): release + fat LTO, one codegen unit, stripped.
# Encryption at rest (SQLCipher) needs libcrypto, which Android does not offer to apps: OpenSSL is
# compiled for each ABI and linked statically (needs Perl; see docs/privacy.md for the size).
cargo ndk --platform 26 -t arm64-v8a -t armeabi-v7a -t x86_64 -o "$out/jniLibs" \
    build -p studymate-ffi --lib --profile release-ffi --locked --features encryption-vendored-openssl

# Kotlin is generated from the host build's metadata (identical for every target).
bindings/scripts/generate.sh --release target/bindings
cp -r target/bindings/kotlin "$out/kotlin"
echo "Android: $out/jniLibs and $out/kotlin"

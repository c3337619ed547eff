#!/usr/bin/env bash
# Checks swift-release.sh, the part of the iOS release that needs no Apple tools, on a stand-in
# XCFramework (a folder with a file in it; xcodebuild cannot run off macOS): the zip holds the
# XCFramework folder, the .sha256 file and Package.swift carry the zip's SHA-256, and SwiftPM
# reads the written manifest with the binary target's URL and checksum. Refuses a non-https URL.
#
#   bindings/scripts/test-swift-release.sh     (test-swift.sh runs it where `swift` runs)
#
# Prints `PASS release package` or `FAIL release package: WHY` and exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() {
    echo "FAIL release package: $*"
    exit 1
}

work=target/swift-release-check
rm -rf "$work"
mkdir -p "$work/StudyMateCoreFFI.xcframework/ios-arm64"
echo "stand-in" > "$work/StudyMateCoreFFI.xcframework/ios-arm64/libstudymate_ffi.a"
base=https://downloads.example.com/studymate/v0.1.0

if bindings/scripts/swift-release.sh "$work/StudyMateCoreFFI.xcframework" "$work/out" http://insecure.example.com \
    >/dev/null 2>&1; then
    fail "an http:// URL base was accepted"
fi
bindings/scripts/swift-release.sh "$work/StudyMateCoreFFI.xcframework" "$work/out" "$base/" >/dev/null \
    || fail "swift-release.sh failed"

zip_file="$work/out/StudyMateCoreFFI.xcframework.zip"
zip -sf "$zip_file" | grep -q '^ *StudyMateCoreFFI.xcframework/ios-arm64/libstudymate_ffi.a$' \
    || fail "the zip does not hold StudyMateCoreFFI.xcframework/ at its root: $(zip -sf "$zip_file")"
checksum=$(sha256sum "$zip_file" | cut -d ' ' -f 1)
(cd "$work/out" && sha256sum -c --quiet StudyMateCoreFFI.xcframework.zip.sha256) \
    || fail "the .sha256 file does not match the zip"

manifest=$(cd "$work/out/StudyMateCore" && swift package dump-package) || fail "SwiftPM cannot read Package.swift"
grep -q "\"url\" : \"$base/StudyMateCoreFFI.xcframework.zip\"" <<<"$manifest" \
    || fail "the manifest's binary target URL is not $base/StudyMateCoreFFI.xcframework.zip: $manifest"
grep -q "\"checksum\" : \"$checksum\"" <<<"$manifest" || fail "the manifest's checksum is not the zip's ($checksum)"
for source in StudyMateCore.swift SyncCancellation.swift; do
    [[ -f "$work/out/StudyMateCore/Sources/StudyMateCore/$source" ]] || fail "the package lacks $source"
done
echo "PASS release package"

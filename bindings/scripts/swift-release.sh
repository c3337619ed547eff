#!/usr/bin/env bash
# Turns a built XCFramework into what an app's SwiftPM consumes from a release: the zipped
# XCFramework, its checksum, and a Swift package whose Package.swift references the zip by URL
# and checksum (so the package holds no binary and no git-ignored file).
#
#   bindings/scripts/swift-release.sh XCFRAMEWORK OUT_DIR [URL_BASE]
#
# URL_BASE (or STUDYMATE_RELEASE_URL_BASE) is the https address the zip will be uploaded to,
# e.g. https://github.com/OWNER/REPO/releases/download/v0.1.0. Writes into OUT_DIR:
#   StudyMateCoreFFI.xcframework.zip          upload to URL_BASE/
#   StudyMateCoreFFI.xcframework.zip.sha256   `sha256sum` line; SwiftPM's checksum is this SHA-256
#   StudyMateCore/Package.swift, StudyMateCore/Sources/StudyMateCore/*.swift
#                                             commit to the repository apps add (tag it)
# The Swift sources are the generated target/bindings/swift/StudyMateCore.swift (run generate.sh
# first) and the hand-written files next to it in bindings/swift/Sources/StudyMateCore.
#
# Runs anywhere with bash, zip (or macOS's ditto) and sha256sum/shasum; package-ios.sh calls it
# after xcodebuild, and test-swift-release.sh checks it on a stand-in XCFramework.
set -euo pipefail
cd "$(dirname "$0")/../.."

die() {
    echo "swift-release: $*" >&2
    exit 1
}

(( $# >= 2 )) || die "usage: $0 XCFRAMEWORK OUT_DIR [URL_BASE]"
xcframework=$1
out=$2
url_base=${3:-${STUDYMATE_RELEASE_URL_BASE:-}}
url_base=${url_base%/}

[[ -d "$xcframework" && "$(basename "$xcframework")" == StudyMateCoreFFI.xcframework ]] \
    || die "$xcframework is not a StudyMateCoreFFI.xcframework directory"
# SwiftPM downloads binary targets over https only; the URL lands in a Swift string literal.
[[ "$url_base" =~ ^https://[A-Za-z0-9._~:/?#@!\$\&\'()*+,\;=%-]+$ ]] \
    || die "URL_BASE must be an https:// address without spaces, quotes or backslashes (got '${url_base}')"
generated=target/bindings/swift/StudyMateCore.swift
[[ -f "$generated" ]] || die "$generated is missing; run bindings/scripts/generate.sh first"
# Both UniFFI namespaces' Swift files (the client's and core's model), compiled into one module.
generated_sources=(target/bindings/swift/*.swift)

zip_name=StudyMateCoreFFI.xcframework.zip
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out/$zip_name" "$out/$zip_name.sha256"
rm -rf "$out/StudyMateCore"

# The archive holds the XCFramework folder itself at its root, as SwiftPM expects.
parent=$(cd "$(dirname "$xcframework")" && pwd)
if command -v ditto >/dev/null; then
    ditto -c -k --sequesterRsrc --keepParent "$parent/StudyMateCoreFFI.xcframework" "$out/$zip_name"
elif command -v zip >/dev/null; then
    (cd "$parent" && zip -qry -X "$out/$zip_name" StudyMateCoreFFI.xcframework)
else
    die "neither ditto nor zip is installed"
fi

if command -v sha256sum >/dev/null; then
    checksum=$(sha256sum "$out/$zip_name" | cut -d ' ' -f 1)
else
    checksum=$(shasum -a 256 "$out/$zip_name" | cut -d ' ' -f 1)
fi
echo "$checksum  $zip_name" > "$out/$zip_name.sha256"

package="$out/StudyMateCore"
mkdir -p "$package/Sources/StudyMateCore"
cp "${generated_sources[@]}" "$package/Sources/StudyMateCore/"
for source in bindings/swift/Sources/StudyMateCore/*.swift; do
    [[ -f "target/bindings/swift/$(basename "$source")" ]] || cp "$source" "$package/Sources/StudyMateCore/"
done
cat > "$package/Package.swift" <<MANIFEST
// swift-tools-version:5.9
// StudyMate Core for iOS, written by bindings/scripts/swift-release.sh: the generated Swift API
// over the Rust library, which SwiftPM downloads as a binary XCFramework and verifies by checksum.
import PackageDescription

let package = Package(
    name: "StudyMateCore",
    platforms: [.iOS(.v15)],
    products: [.library(name: "StudyMateCore", targets: ["StudyMateCore"])],
    targets: [
        .binaryTarget(
            name: "StudyMateCoreFFI",
            url: "$url_base/$zip_name",
            checksum: "$checksum"
        ),
        .target(
            name: "StudyMateCore",
            dependencies: ["StudyMateCoreFFI"],
            path: "Sources/StudyMateCore"
        ),
    ]
)
MANIFEST
echo "release: $out/$zip_name (sha256 $checksum), package $package"

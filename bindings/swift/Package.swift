// swift-tools-version:5.9
// StudyMate Core for iOS, the DEVELOPMENT package: it builds from this checkout's generated files
// (git-ignored), so it is not what apps add from a release. A release is the package
// bindings/scripts/package-ios.sh writes to target/ios/release/StudyMateCore, whose Package.swift
// references the XCFramework zip by URL and checksum (see bindings/README.md).
//
// Two ways to build this one:
// - a local app build: `bindings/scripts/package-ios.sh URL_BASE` leaves StudyMateCoreFFI.xcframework
//   next to this file and Sources/StudyMateCore/StudyMateCore.swift; add this folder as a local
//   package (Xcode: File > Add Package Dependencies > Add Local).
// - tests: `bindings/scripts/test-swift.sh` sets STUDYMATE_LOCAL_FFI=1, which links the host build
//   in target/debug through the C module in Sources/StudyMateCoreFFI instead (header and module
//   map written by the script), on macOS or Linux.
import Foundation
import PackageDescription

let localFFI = ProcessInfo.processInfo.environment["STUDYMATE_LOCAL_FFI"] != nil

let ffi: Target = localFFI
    ? .systemLibrary(name: "StudyMateCoreFFI", path: "Sources/StudyMateCoreFFI")
    : .binaryTarget(name: "StudyMateCoreFFI", path: "StudyMateCoreFFI.xcframework")

let package = Package(
    name: "StudyMateCore",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [.library(name: "StudyMateCore", targets: ["StudyMateCore"])],
    targets: [
        ffi,
        .target(
            name: "StudyMateCore",
            dependencies: ["StudyMateCoreFFI"],
            path: "Sources/StudyMateCore",
            linkerSettings: localFFI
                ? [.unsafeFlags(["-L", "../../target/debug"]), .linkedLibrary("studymate_ffi")]
                : []
        ),
        .testTarget(
            name: "StudyMateCoreTests",
            dependencies: ["StudyMateCore"],
            path: "Tests/StudyMateCoreTests"
        ),
    ]
)

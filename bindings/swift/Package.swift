// swift-tools-version:5.9
// StudyMate Core for iOS: the generated Swift API over the Rust library.
//
// Two ways to build it (see bindings/README.md):
// - apps: `bindings/scripts/package-ios.sh` builds StudyMateCoreFFI.xcframework next to this file
//   and writes Sources/StudyMateCore/StudyMateCore.swift; the package then links the XCFramework.
// - tests on a machine with a Swift toolchain: `bindings/scripts/test-swift.sh` sets
//   STUDYMATE_LOCAL_FFI=1, which links the host build in target/debug through the C module in
//   Sources/StudyMateCoreFFI instead (header and module map written by the script).
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

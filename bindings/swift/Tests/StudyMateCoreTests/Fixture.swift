// Fixtures and helpers shared by the Swift suite (mirrors bindings/tests/kotlin/Harness.kt).
import Foundation
import StudyMateCore
import XCTest

enum Fixture {
    /// The demo catalog, imported through the API. STUDYMATE_CATALOG overrides the path.
    static let catalogJSON: String = {
        let path = ProcessInfo.processInfo.environment["STUDYMATE_CATALOG"]
            ?? URL(fileURLWithPath: #filePath)
                .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("examples/catalog/catalog.json").path
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }()

    /// A database path in a fresh temporary folder.
    static func dbPath() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("studymate-swift-\(UUID())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("user.db").path
    }

    static func open(_ path: String = dbPath(), userId: UUID? = nil) async throws -> StudyMateClient {
        try await StudyMateClient.open(path: path, options: OpenOptions(userId: userId))
    }

    static func withCatalog() async throws -> StudyMateClient {
        let client = try await open()
        _ = try await client.importCatalog(json: catalogJSON)
        return client
    }

    /// Runs SQL on a database file with the sqlite3 shell (fixtures the API must not be able to
    /// make); throws when the shell fails.
    static func sqlite(_ path: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", path, sql]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "sqlite3", code: Int(process.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "sqlite3 failed on \(sql)"])
        }
    }
}

/// A list several threads append to (the library calls observers on its own threads).
final class SharedList<Element>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Element] = []
    var all: [Element] { lock.lock(); defer { lock.unlock() }; return items }
    func append(_ item: Element) { lock.lock(); items.append(item); lock.unlock() }
}

/// What an app does with the error: an exhaustive switch, so a new case fails to compile here.
func describe(_ error: StudyMateError) -> String {
    switch error {
    case .InvalidInput: return "fix the input"
    case .NotFound: return "missing"
    case .Conflict: return "conflict"
    case .InsufficientPoints: return "earn more points"
    case .FreezeLimitReached: return "no more freezes"
    case .SessionOpen: return "finish the open session"
    case .SyncRunning: return "wait for the sync"
    case .StorageBusy: return "retry"
    case .StorageFull: return "free space"
    case .StorageCorrupt: return "damaged file"
    case .StorageReadOnly: return "read-only file"
    case .Storage: return "storage"
    case .Migration: return "migration"
    case .NewerDatabase: return "update the app"
    case .Network: return "offline"
    case .Auth: return "sign in"
    case .Protocol: return "protocol"
    case .Cancelled: return "cancelled"
    case .Closed: return "closed"
    case .WrongKey: return "ask for the key"
    case .AccountDeleted: return "wipe and sign in"
    }
}

/// What `body` threw, or nil when it returned.
func thrown(_ body: () async throws -> Void) async -> Error? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}

/// What `body` threw, as `describe` puts it: "nothing thrown" when it returned, and
/// "not a StudyMateError: …" for any other error.
func failure(_ body: () async throws -> Void) async -> String {
    switch await thrown(body) {
    case nil: return "nothing thrown"
    case let error as StudyMateError: return describe(error)
    case let error?: return "not a StudyMateError: \(error)"
    }
}

/// The message of the `StudyMateError.InvalidInput` that `body` throws, or "not InvalidInput: …"
/// naming what it did instead.
func invalidInput(_ body: () async throws -> Void) async -> String {
    let error = await thrown(body)
    guard case let StudyMateError.InvalidInput(text)? = error else { return "not InvalidInput: \(String(describing: error))" }
    return text
}

/// Waits up to `seconds` for `semaphore`; fails the test when it was not signalled in time.
func waitFor(_ semaphore: DispatchSemaphore, _ what: String, seconds: Double = 60,
           file: StaticString = #filePath, line: UInt = #line) {
    if semaphore.wait(timeout: .now() + seconds) == .timedOut {
        XCTFail("\(what): nothing within \(seconds) s", file: file, line: line)
    }
}

// Fixtures shared by the Swift suite (mirrors bindings/tests/kotlin/Harness.kt).
import Foundation
import StudyMateCore

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

    static func dbPath() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("studymate-swift-\(UUID())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("user.db").path
    }

    static func open(_ path: String = dbPath(), userId: UUID? = nil) throws -> Client {
        try Client.open(path: path, options: OpenOptions(userId: userId))
    }

    static func withCatalog() async throws -> Client {
        let client = try open()
        _ = try await client.importCatalog(json: catalogJSON)
        return client
    }

    static func sqlite(_ path: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", path, sql]
        try process.run()
        process.waitUntilExit()
    }
}

/// What an app does with the error: an exhaustive switch, so a new case fails to compile here.
func describe(_ error: StudyMateError) -> String {
    switch error {
    case let .InvalidInput(field, _): return "fix \(field)"
    case let .NotFound(entity, _): return "missing \(entity)"
    case .Conflict: return "conflict"
    case .Storage: return "storage"
    case .Migration: return "migration"
    case .NewerDatabase: return "update the app"
    case .Network: return "offline"
    case .Auth: return "sign in"
    case .Protocol: return "protocol"
    case .Cancelled: return "cancelled"
    case .Closed: return "closed"
    }
}

final class RecordingObserver: DataObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [DataChange] = []
    var changes: [DataChange] { lock.lock(); defer { lock.unlock() }; return seen }
    func onChange(change: DataChange) throws { lock.lock(); seen.append(change); lock.unlock() }
}

final class RecordingLogger: Logger, @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [LogRecord] = []
    var records: [LogRecord] { lock.lock(); defer { lock.unlock() }; return seen }
    func log(record: LogRecord) throws { lock.lock(); seen.append(record); lock.unlock() }
}

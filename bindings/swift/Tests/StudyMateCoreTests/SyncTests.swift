// The sync tests of the Kotlin suite (bindings/tests/kotlin/SyncTests.kt), against the real
// reference server: STUDYMATE_SERVER (set by test-swift.sh) is the `studymate-server` binary.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import StudyMateCore
import XCTest

/// One `studymate-server` process on a fresh database; `stop()` ends it with a bounded wait.
final class TestServer {
    private let process = Process()
    let base: String

    init() throws {
        let env = ProcessInfo.processInfo.environment
        guard let binary = env["STUDYMATE_SERVER"] else { throw XCTSkip("STUDYMATE_SERVER is not set") }
        let catalog = env["STUDYMATE_SERVER_CATALOG"] ?? "server/tests/fixtures/catalog.json"
        let db = URL(fileURLWithPath: Fixture.dbPath()).deletingLastPathComponent().appendingPathComponent("server.db").path
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--listen", "127.0.0.1:0", "--database", db, "--catalog", catalog]
        var environment = env
        environment["RUST_LOG"] = "warn"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Reads the address, then keeps draining stdout so the server never blocks on it.
        let reader = AddressReader()
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            if chunk.isEmpty { handle.readabilityHandler = nil }
            reader.feed(chunk)
        }
        guard let base = reader.address(within: 30) else {
            Self.stop(process)
            throw NSError(domain: "TestServer", code: 1, userInfo: [NSLocalizedDescriptionKey: "the server reported no address"])
        }
        self.base = base
    }

    func stop() { Self.stop(process) }

    /// SIGTERM, up to 5 s for the server to exit, then SIGKILL: a server that ignores SIGTERM
    /// costs the grace period, never a hung suite.
    private static func stop(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Collects a server's stdout until its `listening on ADDRESS` line (or the end of it).
private final class AddressReader: @unchecked Sendable {
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private var buffer = Data()
    private var found: String?
    private var finished = false

    func feed(_ chunk: Data) {
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { return }
        buffer.append(chunk)
        let prefix = "listening on "
        found = String(decoding: buffer, as: UTF8.self).split(separator: "\n")
            .first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
        if found != nil || chunk.isEmpty {
            finished = true
            done.signal()
        }
    }

    /// The address, once read; nil when the output ended without one or after `seconds`.
    func address(within seconds: Double) -> String? {
        _ = done.wait(timeout: .now() + seconds)
        lock.lock()
        defer { lock.unlock() }
        return found
    }
}

private let password = "correct horse battery"

private func signUpFor(_ base: String, _ client: Client, _ name: String) async throws -> AuthSession {
    try await signUp(baseUrl: base, request: SignupRequest(
        username: name, password: password, displayName: name, userId: try client.userId()))
}

final class RecordingSyncObserver: SyncObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var seenStates: [SyncState] = []
    private var seenProgress: [SyncProgress] = []
    private let onState: (SyncState) -> Void
    init(onState: @escaping (SyncState) -> Void = { _ in }) { self.onState = onState }
    var states: [SyncState] { lock.lock(); defer { lock.unlock() }; return seenStates }
    var progressSeen: [SyncProgress] { lock.lock(); defer { lock.unlock() }; return seenProgress }
    func stateChanged(state: SyncState) throws {
        lock.lock(); seenStates.append(state); lock.unlock()
        onState(state)
    }
    func progress(progress: SyncProgress) throws { lock.lock(); seenProgress.append(progress); lock.unlock() }
}

final class FixedTokens: TokenProvider, @unchecked Sendable {
    private let token: String
    private let onRefresh: () throws -> String
    init(_ token: String, onRefresh: @escaping () throws -> String) { self.token = token; self.onRefresh = onRefresh }
    func accessToken() throws -> String { token }
    func refresh(context: RefreshContext) throws -> String { try onRefresh() }
}

final class CountingTokens: TokenProvider, @unchecked Sendable {
    private let lock = NSLock()
    private let session: AuthSession
    private var current: String
    private(set) var refreshes = 0
    init(session: AuthSession, stale: String) { self.session = session; self.current = stale }
    func accessToken() throws -> String { lock.lock(); defer { lock.unlock() }; return current }
    func refresh(context: RefreshContext) throws -> String {
        let fresh = try session.refresh()
        lock.lock(); refreshes += 1; current = fresh; lock.unlock()
        return fresh
    }
}

final class SyncTests: XCTestCase {
    func testDirectMessageReachesTheOtherUserOnce() async throws {
        let server = try TestServer()
        defer { server.stop() }
        let a = try Fixture.open()
        let b = try Fixture.open()
        let sessionA = try await signUpFor(server.base, a, "anna")
        let sessionB = try await signUpFor(server.base, b, "ben")
        let options = SyncOptions(baseUrl: server.base)
        _ = try await b.sync(options: options, tokens: sessionB.tokenProvider(), observer: nil, handle: nil)

        try a.saveContact(contact: try b.profile())
        let room = try a.createDirectRoom(other: try b.userId())
        let sent = try a.sendMessage(roomId: room.id, message: NewMessage(messageType: .text, content: "hi Ben"))
        let pushed = try await a.sync(options: options, tokens: sessionA.tokenProvider(), observer: nil, handle: nil)
        XCTAssertGreaterThan(pushed.pushed, 0)
        XCTAssertEqual(try a.syncStatus().outbox, 0)
        XCTAssertEqual(try a.rejectedChanges(), [])

        let observer = RecordingObserver()
        b.setObserver(observer: observer)
        let pulled = try await b.sync(options: options, tokens: sessionB.tokenProvider(), observer: nil, handle: nil)
        XCTAssertGreaterThan(pulled.pulled, 0)
        let copies = try b.messages(roomId: room.id, before: nil, limit: 50).messages.filter { $0.id == sent.id }
        XCTAssertEqual(copies.count, 1)
        XCTAssertEqual(copies.first?.sendState, .sent)
        XCTAssertEqual(try b.unreadCounts().first { $0.roomId == room.id }?.unread, 1)
        XCTAssertTrue(observer.changes.contains { $0.areas.contains(.chatMessages) && $0.rooms.contains(room.id) })
    }

    func testA401RefreshesExactlyOnce() async throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try Fixture.open()
        let session = try await signUpFor(server.base, client, "tess")
        _ = try client.addInterest(tag: "music")
        // A token the server does not know (as after a revocation) is answered 401 like an
        // expired one, without depending on the clock.
        let stale = "a-token-this-server-never-issued"
        let tokens = CountingTokens(session: session, stale: stale)
        let report = try await client.sync(options: SyncOptions(baseUrl: server.base), tokens: tokens, observer: nil, handle: nil)
        XCTAssertEqual(tokens.refreshes, 1)
        XCTAssertGreaterThan(report.pushed, 0)
        XCTAssertNotEqual(session.tokens().accessToken, stale)
    }

    func testObserverSeesStatesAndProgress() async throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try Fixture.open()
        let session = try await signUpFor(server.base, client, "olga")
        let observer = RecordingSyncObserver()
        let report = try await client.sync(options: SyncOptions(baseUrl: server.base, pullLimit: 2),
                                           tokens: session.tokenProvider(), observer: observer, handle: nil)
        let states = observer.states
        let pushing = try XCTUnwrap(states.firstIndex(of: .pushing))
        let pulling = try XCTUnwrap(states.firstIndex(of: .pulling))
        XCTAssertLessThan(pushing, pulling)
        XCTAssertEqual(states.last, .idle)
        XCTAssertEqual(observer.progressSeen.last?.pulled, report.pulled)
    }

    func testRefusedRefreshIsAuthAndUnexpectedErrorIsNetwork() async throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try Fixture.open()
        _ = try await signUpFor(server.base, client, "ivan")
        let signedOut = FixedTokens("not-a-token") { throw StudyMateError.Auth(detail: "signed out") }
        do {
            _ = try await client.sync(options: SyncOptions(baseUrl: server.base), tokens: signedOut, observer: nil, handle: nil)
            XCTFail("expected Auth")
        } catch StudyMateError.Auth(let detail) {
            XCTAssertTrue(detail.contains("signed out"))
        }
        struct Locked: Error {}
        let broken = FixedTokens("not-a-token") { throw Locked() }
        do {
            _ = try await client.sync(options: SyncOptions(baseUrl: server.base), tokens: broken, observer: nil, handle: nil)
            XCTFail("expected Network")
        } catch StudyMateError.Network {}
    }

    func testUnreachableServerIsNetwork() async throws {
        let client = try Fixture.open()
        _ = try client.addInterest(tag: "music")
        let observer = RecordingSyncObserver()
        // Port 9 (discard) on loopback: nothing listens there on a test machine.
        let options = SyncOptions(baseUrl: "http://127.0.0.1:9", connectTimeoutMs: 1000, requestTimeoutMs: 2000,
                                  maxAttempts: 2, retryBaseDelayMs: 10, retryMaxDelayMs: 20)
        do {
            _ = try await client.sync(options: options, tokens: FixedTokens("t") { "t" }, observer: observer, handle: nil)
            XCTFail("expected Network")
        } catch StudyMateError.Network {}
        XCTAssertTrue(observer.states.contains(.offline))
        XCTAssertGreaterThan(try client.syncStatus().outbox, 0)
    }

    func testCancelBeforeAndDuringThenTheNextRunCompletes() async throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try Fixture.open()
        let session = try await signUpFor(server.base, client, "cleo")
        let options = SyncOptions(baseUrl: server.base)
        let before = SyncHandle()
        before.cancel()
        do {
            _ = try await client.sync(options: options, tokens: session.tokenProvider(), observer: nil, handle: before)
            XCTFail("expected Cancelled")
        } catch StudyMateError.Cancelled {}

        let during = SyncHandle()
        let observer = RecordingSyncObserver { if $0 == .pulling { during.cancel() } }
        do {
            _ = try await client.sync(options: options, tokens: session.tokenProvider(), observer: observer, handle: during)
            XCTFail("expected Cancelled")
        } catch StudyMateError.Cancelled {}
        XCTAssertEqual(observer.states.last, .idle)

        let report = try await client.sync(options: options, tokens: session.tokenProvider(), observer: nil, handle: SyncHandle())
        XCTAssertGreaterThan(report.pulled, 0)
        XCTAssertTrue(try client.syncStatus().hasCursor)
    }

    func testTheTokenListenerStoresARenewedPairBeforeTheSyncUsesIt() async throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try Fixture.open()
        let signedIn = try await signUpFor(server.base, client, "lina")
        _ = try client.addInterest(tag: "music")
        var stored = signedIn.tokens()
        stored.accessToken = "a-token-this-server-never-issued"
        let session = try AuthSession.fromTokens(baseUrl: server.base, tokens: stored)
        let listener = SavingListener()
        session.setTokenListener(listener: listener)
        let report = try await client.sync(options: SyncOptions(baseUrl: server.base), tokens: session.tokenProvider(), observer: nil, handle: nil)
        XCTAssertGreaterThan(report.pushed, 0)
        XCTAssertEqual(listener.saved, [session.tokens()])
    }

    func testCancellingTheTaskAwaitingSyncCancelsTheRun() async throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try Fixture.open()
        let session = try await signUpFor(server.base, client, "cato")
        let box = TaskBox()
        // On PULLING, cancel the task: its cancellation handler cancels the run's handle before
        // the run makes its first pull request.
        let observer = RecordingSyncObserver { if $0 == .pulling { box.cancelOnceSet() } }
        let options = SyncOptions(baseUrl: server.base)
        let task = Task { try await client.sync(options: options, tokens: session.tokenProvider(), observer: observer) }
        box.set(task)
        do {
            _ = try await task.value
            XCTFail("expected Cancelled")
        } catch StudyMateError.Cancelled {}
        XCTAssertEqual(observer.states.last, .idle)
        XCTAssertFalse(try client.syncStatus().hasCursor)

        let report = try await client.sync(options: options, tokens: session.tokenProvider(), observer: nil, handle: nil)
        XCTAssertGreaterThan(report.pulled, 0)
    }
}

final class SavingListener: TokenListener, @unchecked Sendable {
    private let lock = NSLock()
    private var pairs: [AuthResponse] = []
    var saved: [AuthResponse] { lock.lock(); defer { lock.unlock() }; return pairs }
    func tokensChanged(tokens: AuthResponse) throws { lock.lock(); pairs.append(tokens); lock.unlock() }
}

/// Hands a task to the sync observer's thread, which cancels it once it is there.
final class TaskBox: @unchecked Sendable {
    private let ready = DispatchSemaphore(value: 0)
    private var task: Task<SyncReport, Error>?
    func set(_ task: Task<SyncReport, Error>) { self.task = task; ready.signal() }
    func cancelOnceSet() { ready.wait(); task?.cancel() }
}

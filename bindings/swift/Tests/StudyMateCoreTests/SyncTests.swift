// The sync and cancellation tests of the Kotlin suite (bindings/tests/kotlin/SyncTests.kt), against
// the real reference server: STUDYMATE_SERVER (set by test-swift.sh) is the `studymate-server` binary.
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

func signUpFor(_ base: String, _ client: StudyMateClient, _ name: String) async throws -> AuthSession {
    try await signUp(baseUrl: base, request: SignupRequest(
        username: name, password: password, displayName: name, userId: try client.userId()))
}

final class RecordingSyncObserver: SyncObserver, @unchecked Sendable {
    private let seenStates = SharedList<SyncState>()
    private let seenProgress = SharedList<SyncProgress>()
    private let onState: (SyncState) -> Void
    init(onState: @escaping (SyncState) -> Void = { _ in }) { self.onState = onState }
    var states: [SyncState] { seenStates.all }
    var progressSeen: [SyncProgress] { seenProgress.all }
    func stateChanged(state: SyncState) throws {
        seenStates.append(state)
        onState(state)
    }
    func progress(progress: SyncProgress) throws { seenProgress.append(progress) }
}

final class FixedTokens: TokenProvider, @unchecked Sendable {
    private let token: String
    private let onRefresh: @Sendable () async throws -> String
    init(_ token: String, onRefresh: @escaping @Sendable () async throws -> String) { self.token = token; self.onRefresh = onRefresh }
    func accessToken() async throws -> String { token }
    func refresh(context: RefreshContext) async throws -> String { try await onRefresh() }
}

/// Refreshes through an `AuthSession`, counting the refreshes and recording the refused tokens.
final class CountingTokens: TokenProvider, @unchecked Sendable {
    private let lock = NSLock()
    private let session: AuthSession
    private var current: String
    private var refused: [String] = []
    init(session: AuthSession, stale: String) { self.session = session; self.current = stale }
    var refusedTokens: [String] { lock.lock(); defer { lock.unlock() }; return refused }
    func accessToken() async throws -> String { lock.withLock { current } }
    func refresh(context: RefreshContext) async throws -> String {
        // Suspends as an app's refresh would: a short sleep, then the session's async refresh.
        try await Task.sleep(nanoseconds: 20_000_000)
        let fresh = try await session.refresh()
        lock.lock(); refused.append(context.refusedAccessToken()); current = fresh; lock.unlock()
        return fresh
    }
}

/// A provider's unexpected failure (not a StudyMateError), as a locked keystore would throw.
struct KeystoreLocked: Error, CustomStringConvertible {
    var description: String { "keystore locked" }
}

final class SyncTests: XCTestCase {
    func testADirectMessageReachesTheOtherUserOnceSentUnreadAndTheObserverHearsOfIt() async throws {
        let server = try TestServer()
        defer { server.stop() }
        let a = try await Fixture.open()
        let b = try await Fixture.open()
        let sessionA = try await signUpFor(server.base, a, "anna")
        let sessionB = try await signUpFor(server.base, b, "ben")
        XCTAssertEqual(sessionA.tokens().userId, try a.userId(), "the server kept A's id")
        let options = SyncOptions(baseUrl: server.base)
        _ = try await b.sync(options: options, tokens: sessionB.tokenProvider(), observer: nil, handle: nil)

        let ben = try b.profile()
        try await a.saveContact(contact: PublicProfile(userId: ben.userId, displayName: ben.displayName, languageLevel: ben.languageLevel, updatedAt: ben.updatedAt))
        let room = try await a.createDirectRoom(other: try b.userId())
        let sent = try await a.sendMessage(roomId: room.id, message: NewChatMessage(messageType: .text, content: "hi Ben"))
        XCTAssertGreaterThan(try a.syncStatus().outbox, 0, "outbox before")
        let pushed = try await a.sync(options: options, tokens: sessionA.tokenProvider(), observer: nil, handle: nil)
        XCTAssertGreaterThan(pushed.pushed, 0)
        XCTAssertEqual(pushed.rejected, 0)
        XCTAssertEqual(try a.syncStatus().outbox, 0)
        XCTAssertEqual(try a.rejectedChanges(), [])
        XCTAssertEqual(try a.messages(roomId: room.id, before: nil, limit: 10).messages.filter { $0.id == sent.id }.map(\.sendState), [.sent], "A's echo")

        let observer = RecordingObserver()
        let subscription = try b.subscribe(observer: observer)
        let pulled = try await b.sync(options: options, tokens: sessionB.tokenProvider(), observer: nil, handle: nil)
        XCTAssertGreaterThan(pulled.pulled, 0)
        _ = try await b.sync(options: options, tokens: sessionB.tokenProvider(), observer: nil, handle: nil) // nothing doubles on a repeat
        let copies = try b.messages(roomId: room.id, before: nil, limit: 50).messages.filter { $0.id == sent.id }
        XCTAssertEqual(copies.count, 1, "the message exactly once")
        XCTAssertEqual(copies.first?.sendState, .sent)
        XCTAssertEqual(copies.first?.content, "hi Ben")
        XCTAssertEqual(try b.unreadCounts().first { $0.roomId == room.id }?.unread, 1)
        XCTAssertTrue(observer.changes.contains { $0.areas.contains(.chatMessages) && $0.rooms.contains(room.id) }, "B's data observer: \(observer.changes)")
        subscription.cancel()
    }

    func testA401MakesTheProviderRefreshExactlyOnceThenTheSyncSucceeds() async throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try await Fixture.open()
        let session = try await signUpFor(server.base, client, "tess")
        _ = try await client.addInterest(tag: "music")
        // A token the server does not know (as after a revocation) is answered 401 like an
        // expired one, without depending on the clock.
        let stale = "a-token-this-server-never-issued"
        let tokens = CountingTokens(session: session, stale: stale)
        let report = try await client.sync(options: SyncOptions(baseUrl: server.base), tokens: tokens, observer: nil, handle: nil)
        XCTAssertEqual(tokens.refusedTokens, [stale], "one refresh, for the refused token")
        XCTAssertGreaterThan(report.pushed, 0)
        XCTAssertNotEqual(session.tokens().accessToken, stale, "the session holds the new token")
    }

    func testTheObserverSeesPushingPullingIdleAndProgress() async throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try await Fixture.open()
        let session = try await signUpFor(server.base, client, "olga")
        let observer = RecordingSyncObserver()
        let report = try await client.sync(options: SyncOptions(baseUrl: server.base, pullLimit: 2),
                                           tokens: session.tokenProvider(), observer: observer, handle: nil)
        let states = observer.states
        let pushing = try XCTUnwrap(states.firstIndex(of: .pushing), "states: \(states)")
        let pulling = try XCTUnwrap(states.firstIndex(of: .pulling), "states: \(states)")
        XCTAssertLessThan(pushing, pulling)
        XCTAssertEqual(states.last, .idle)
        XCTAssertGreaterThan(report.pulled, 0)
        let progress = observer.progressSeen
        XCTAssertGreaterThanOrEqual(progress.count, 2, "progress: \(progress)")
        XCTAssertEqual(progress.last?.pulled, report.pulled)
        XCTAssertTrue(zip(progress, progress.dropFirst()).allSatisfy { $0.pulled <= $1.pulled }, "monotonic")
    }

    func testAFailedRefreshIsAuthAndAnUnexpectedErrorIsNetwork() async throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try await Fixture.open()
        _ = try await signUpFor(server.base, client, "ivan")
        let observer = RecordingSyncObserver()
        let signedOut = FixedTokens("not-a-token") { throw TokenError.SignInRequired(reason: "signed out") }
        let auth = await thrown {
            _ = try await client.sync(options: SyncOptions(baseUrl: server.base), tokens: signedOut, observer: observer, handle: nil)
        }
        guard case let StudyMateError.Auth(text)? = auth else { return XCTFail("refresh refused: \(String(describing: auth))") }
        XCTAssertEqual(text, "signing in is needed again: signed out")
        XCTAssertEqual(observer.states.last, .error, "state after")

        let broken = FixedTokens("not-a-token") { throw KeystoreLocked() }
        let network = await thrown {
            _ = try await client.sync(options: SyncOptions(baseUrl: server.base), tokens: broken, observer: nil, handle: nil)
        }
        guard case let StudyMateError.Network(cause)? = network else { return XCTFail("unexpected error: \(String(describing: network))") }
        XCTAssertTrue(cause.contains("keystore locked"), cause)
        XCTAssertFalse(cause.contains("\n"), "no stack trace: \(cause)")
    }

    func testAnUnreachableServerIsNetworkAfterTheRetries() async throws {
        let client = try await Fixture.open()
        _ = try await client.addInterest(tag: "music")
        let observer = RecordingSyncObserver()
        // Port 9 (discard) on loopback: nothing listens there on a test machine.
        let options = SyncOptions(baseUrl: "http://127.0.0.1:9", connectTimeoutMs: 1000, requestTimeoutMs: 2000,
                                  maxAttempts: 2, retryBaseDelayMs: 10, retryMaxDelayMs: 20)
        let error = await failure {
            _ = try await client.sync(options: options, tokens: FixedTokens("t") { "t" }, observer: observer, handle: nil)
        }
        XCTAssertEqual(error, "offline")
        XCTAssertTrue(observer.states.contains(.offline), "states: \(observer.states)")
        XCTAssertGreaterThan(try client.syncStatus().outbox, 0, "nothing lost")
    }

    func testCancelBeforeOrDuringASyncIsCancelledAndTheNextRunCompletes() async throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try await Fixture.open()
        let session = try await signUpFor(server.base, client, "cleo")
        let options = SyncOptions(baseUrl: server.base)
        let before = SyncHandle()
        before.cancel()
        XCTAssertTrue(before.isCancelled())
        let cancelledBefore = await failure {
            _ = try await client.sync(options: options, tokens: session.tokenProvider(), observer: nil, handle: before)
        }
        XCTAssertEqual(cancelledBefore, "cancelled")

        let during = SyncHandle()
        let observer = RecordingSyncObserver { if $0 == .pulling { during.cancel() } }
        let cancelledDuring = await failure {
            _ = try await client.sync(options: options, tokens: session.tokenProvider(), observer: observer, handle: during)
        }
        XCTAssertEqual(cancelledDuring, "cancelled")
        XCTAssertEqual(observer.states.last, .idle, "idle after cancelling")
        XCTAssertTrue(observer.states.contains(.pushing), "it had started: \(observer.states)")

        let report = try await client.sync(options: options, tokens: session.tokenProvider(), observer: nil, handle: SyncHandle())
        XCTAssertGreaterThan(report.pulled, 0, "the next run pulls")
        XCTAssertTrue(try client.syncStatus().hasCursor, "cursor held")
    }

    func testTheTokenListenerStoresARenewedPairBeforeTheSyncUsesIt() async throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try await Fixture.open()
        let signedIn = try await signUpFor(server.base, client, "lina")
        _ = try await client.addInterest(tag: "music")
        // Resumed with an access token the server refuses, so the first request refreshes.
        var stored = signedIn.tokens()
        stored.accessToken = "a-token-this-server-never-issued"
        let session = try AuthSession.fromTokens(baseUrl: server.base, tokens: stored)
        let listener = SavingListener()
        session.setTokenListener(listener: listener)
        let report = try await client.sync(options: SyncOptions(baseUrl: server.base), tokens: session.tokenProvider(), observer: nil, handle: nil)
        XCTAssertGreaterThan(report.pushed, 0)
        XCTAssertEqual(listener.saved, [session.tokens()], "the stored pair is the session's")
    }

    func testCancellingTheTaskAwaitingSyncCancelsTheRunAndTheNextRunCompletes() async throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try await Fixture.open()
        let session = try await signUpFor(server.base, client, "cato")
        let box = TaskBox()
        // On PULLING, cancel the task: its cancellation handler cancels the run's handle before
        // the run makes its first pull request.
        let observer = RecordingSyncObserver { if $0 == .pulling { box.cancelOnceSet() } }
        let options = SyncOptions(baseUrl: server.base)
        let task = Task { try await client.sync(options: options, tokens: session.tokenProvider(), observer: observer) }
        box.set(task)
        let outcome = await failure { _ = try await task.value }
        XCTAssertEqual(outcome, "cancelled")
        XCTAssertTrue(task.isCancelled, "the task was cancelled")
        XCTAssertTrue(observer.states.contains(.pulling), "it had started pulling: \(observer.states)")
        XCTAssertEqual(observer.states.last, .idle)
        XCTAssertTrue(observer.progressSeen.allSatisfy { $0.pulled == 0 }, "nothing pulled: \(observer.progressSeen)")
        XCTAssertFalse(try client.syncStatus().hasCursor, "no page applied")

        let report = try await client.sync(options: options, tokens: session.tokenProvider(), observer: nil, handle: nil)
        XCTAssertGreaterThan(report.pulled, 0, "the next run pulls")
    }

    func testACancelledCallersCompletePracticeCommitsAndReachesTheDataObserver() async throws {
        let client = try await Fixture.withCatalog()
        let observer = PointsObserver()
        let subscription = try client.subscribe(observer: observer)
        let situation = try client.situations(filter: SituationFilter())[0]
        let variation = try client.variations(situationId: situation.id)[0]
        let session = try await client.startPractice(situationId: situation.id, variationId: variation.id)
        _ = try await client.answer(sessionId: session.id, input: AnswerInput(text: variation.idealResponses[0]))
        // The caller gives up at once; the completion is one transaction that commits anyway.
        let task = Task { try await client.completePractice(sessionId: session.id) }
        task.cancel()
        _ = await task.result
        XCTAssertTrue(task.isCancelled, "the caller was cancelled")
        waitFor(observer.announced, "the data observer's POINTS change")
        let change = try XCTUnwrap(observer.first)
        XCTAssertTrue(change.areas.contains(.practice), "change: \(change)")
        XCTAssertEqual(try client.practiceSession(sessionId: session.id).status, .completed)
        subscription.cancel()
    }
}

/// Signals once it hears of a change to points, and keeps that change.
final class PointsObserver: DataObserver, @unchecked Sendable {
    let announced = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var change: DataChange?
    var first: DataChange? { lock.lock(); defer { lock.unlock() }; return change }
    func onChange(change: DataChange) throws {
        guard change.areas.contains(.points) else { return }
        lock.lock()
        let isFirst = self.change == nil
        if isFirst { self.change = change }
        lock.unlock()
        if isFirst { announced.signal() }
    }
}

final class SavingListener: TokenListener, Sendable {
    private let pairs = SharedList<AuthResponse>()
    var saved: [AuthResponse] { pairs.all }
    func tokensChanged(tokens: AuthResponse) throws { pairs.append(tokens) }
}

/// Hands a task to the sync observer's thread, which cancels it once it is there.
final class TaskBox: @unchecked Sendable {
    private let ready = DispatchSemaphore(value: 0)
    private var task: Task<SyncReport, Error>?
    func set(_ task: Task<SyncReport, Error>) { self.task = task; ready.signal() }
    func cancelOnceSet() { ready.wait(); task?.cancel() }
}

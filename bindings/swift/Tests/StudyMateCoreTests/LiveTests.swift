// Live sync through the bindings against the real reference server (bindings/tests/kotlin/
// LiveTests.kt): with live sync running on both clients and no sync call, A's message reaches B's
// database and B's data subscription; the live observer hears the channel open; a second start
// is Conflict; stop (async) ends it.
import Foundation
import StudyMateCore
import XCTest

/// Records what live sync tells the app (called on live sync's threads).
private final class RecordingLiveObserver: LiveObserver, @unchecked Sendable {
    let opened = DispatchSemaphore(value: 0)
    private let seenFailures = SharedList<StudyMateError>()
    var failures: [StudyMateError] { seenFailures.all }
    func connectionChanged(connected: Bool) throws { if connected { opened.signal() } }
    func syncFailed(error: StudyMateError) throws { seenFailures.append(error) }
}

/// Waits up to 30 s for `condition`, failing with `what`.
private func awaitTrue(_ what: String, _ condition: () throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(30)
    while try !condition() {
        guard Date() < deadline else { return XCTFail("timed out waiting for \(what)") }
        try await Task.sleep(nanoseconds: 20_000_000)
    }
}

final class LiveTests: XCTestCase {
    func testAMessageReachesBAndItsDataSubscriptionWithNoSyncCall() async throws {
        let server = try TestServer()
        defer { server.stop() }
        let a = try await Fixture.open()
        let b = try await Fixture.open()
        let sessionA = try await signUpFor(server.base, a, "lena")
        let sessionB = try await signUpFor(server.base, b, "liam")
        let options = SyncOptions(baseUrl: server.base)
        _ = try await b.sync(options: options, tokens: sessionB.tokenProvider(), observer: nil, handle: nil)
        let liam = try b.profile()
        try await a.saveContact(contact: PublicProfile(userId: liam.userId, displayName: liam.displayName, languageLevel: liam.languageLevel, updatedAt: liam.updatedAt))
        let room = try await a.createDirectRoom(other: try b.userId())

        let observer = RecordingObserver()
        let subscription = try b.subscribe(observer: observer)
        let live = RecordingLiveObserver()
        let liveB = try b.startLiveSync(options: options, tokens: sessionB.tokenProvider(), observer: live)
        let liveA = try a.startLiveSync(options: options, tokens: sessionA.tokenProvider(), observer: nil)
        waitFor(live.opened, "B's channel opened", seconds: 30)
        let second = await thrown { _ = try b.startLiveSync(options: options, tokens: sessionB.tokenProvider(), observer: nil) }
        guard case let StudyMateError.Conflict(text)? = second else { return XCTFail("a second start: \(String(describing: second))") }
        XCTAssertFalse(text.isEmpty, "a sentence")
        XCTAssertEqual(String(describing: liveB), "LiveSync(running)")

        let sent = try await a.sendMessage(roomId: room.id, message: NewChatMessage(messageType: .text, content: "live hello"))
        try await awaitTrue("the message on B") {
            // The room itself arrives with the same pull.
            try b.rooms().contains { $0.id == room.id }
                && b.messages(roomId: room.id, before: nil, limit: 10).messages.contains { $0.id == sent.id && $0.sendState == .sent }
        }
        try await awaitTrue("B's data subscription") {
            observer.changes.contains { $0.areas.contains(.chatMessages) && $0.rooms.contains(room.id) }
        }
        XCTAssertEqual(try a.syncStatus().outbox, 0, "A pushed without a sync call")
        await liveA.stop()
        await liveB.stop()
        subscription.cancel()
        XCTAssertFalse(liveB.isRunning(), "stopped")
        XCTAssertEqual(String(describing: liveB), "LiveSync(stopped)")
        XCTAssertEqual(live.failures.count, 0, "no failed run: \(live.failures)")
    }
}

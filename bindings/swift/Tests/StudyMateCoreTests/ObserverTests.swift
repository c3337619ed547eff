// Foreign traits: the data-change observer and the logger; closing and sharing a client
// (bindings/tests/kotlin/ObserverTests.kt).
import Foundation
import StudyMateCore
import XCTest

final class RecordingObserver: DataObserver, Sendable {
    private let seen = SharedList<DataChange>()
    var changes: [DataChange] { seen.all }
    func onChange(change: DataChange) throws { seen.append(change) }
}

final class RecordingLogger: Logger, Sendable {
    private let seen = SharedList<LogRecord>()
    var records: [LogRecord] { seen.all }
    func log(record: LogRecord) throws { seen.append(record) }
}

/// An observer with a bug: it throws on every change.
final class ThrowingObserver: DataObserver, @unchecked Sendable {
    struct ObserverBug: Error {}
    func onChange(change: DataChange) throws { throw ObserverBug() }
}

final class ObserverTests: XCTestCase {
    func testEachSuccessfulWriteReportsItsAreasAndRoomsReadsAndFailuresDoNot() async throws {
        let client = try await Fixture.open()
        let observer = RecordingObserver()
        let subscription = try client.subscribe(observer: observer)
        _ = try await client.addInterest(tag: "travel")
        XCTAssertEqual(observer.changes, [DataChange(areas: [.interests], rooms: [])], "interest write")
        _ = try await client.importCatalog(json: Fixture.catalogJSON)
        XCTAssertEqual(observer.changes.last?.areas, [.catalog], "async import")
        _ = try client.profile()
        _ = try client.situations(filter: SituationFilter())
        _ = try? await client.updateProfile(patch: ProfilePatch(timeZone: "Nowhere/Never"))
        XCTAssertEqual(observer.changes.count, 2, "reads and failed writes are silent")

        let friend = UUID()
        let contact = PublicProfile(userId: friend, displayName: "Emma", languageLevel: .beginner, updatedAt: Date())
        try await client.saveContact(contact: contact)
        let room = try await client.createDirectRoom(other: friend)
        _ = try await client.sendMessage(roomId: room.id, message: NewChatMessage(messageType: .text, content: "hi"))
        XCTAssertEqual(observer.changes.last, DataChange(areas: [.chatMessages], rooms: [room.id]), "a message write names its room")

        let situation = try client.situations(filter: SituationFilter())[0]
        let variation = try client.variations(situationId: situation.id)[0]
        let session = try await client.startPractice(situationId: situation.id, variationId: variation.id)
        _ = try await client.answer(sessionId: session.id, input: AnswerInput(text: variation.idealResponses[0]))
        _ = try await client.completePractice(sessionId: session.id)
        let completed = try XCTUnwrap(observer.changes.last).areas
        XCTAssertTrue(Set(completed).isSuperset(of: [.practice, .points, .achievements]), "completion: \(completed)")

        subscription.cancel()
        XCTAssertTrue(subscription.isCancelled(), "cancelled")
        let count = observer.changes.count
        _ = try await client.addInterest(tag: "food")
        XCTAssertEqual(observer.changes.count, count, "a removed observer hears nothing")
    }

    func testTwoSubscriptionsAtOnceBothHearEveryWrite() async throws {
        let client = try await Fixture.open()
        let (first, second) = (RecordingObserver(), RecordingObserver())
        let subscriptions = [try client.subscribe(observer: first), try client.subscribe(observer: second)]
        _ = try await client.addInterest(tag: "travel")
        _ = try await client.setLanguage(language: UserLanguage(languageCode: "en", role: .learning, proficiency: .a2, isPrimary: true))
        let expected = [DataChange(areas: [.interests], rooms: []), DataChange(areas: [.languages], rooms: [])]
        XCTAssertEqual(first.changes, expected, "first")
        XCTAssertEqual(second.changes, expected, "second")
        subscriptions.forEach { $0.cancel() }
    }

    func testDataChangesIsAnAsyncSequenceOfEveryCommittedWrite() async throws {
        let client = try await Fixture.open()
        let stream = try client.dataChanges() // subscribed from here on
        _ = try await client.addInterest(tag: "travel")
        _ = try await client.updateProfile(patch: ProfilePatch(intro: "hello"))
        _ = try client.profile() // a read is not a change
        var seen: [DataChange] = []
        for await change in stream {
            seen.append(change)
            if seen.count == 2 { break } // ending the iteration cancels the subscription
        }
        XCTAssertEqual(seen, [DataChange(areas: [.interests], rooms: []), DataChange(areas: [.profile], rooms: [])])
        _ = try await client.addInterest(tag: "food")
        XCTAssertEqual(Set(try client.interests()), ["travel", "food"], "writes after the sequence ended")
        let watcher = RecordingObserver()
        let subscription = try client.subscribe(observer: watcher)
        _ = try await client.addInterest(tag: "music")
        XCTAssertEqual(watcher.changes.count, 1, "a new subscription still hears")
        subscription.cancel()
    }

    func testDescriptionsOfObjectsAndEnumsAreReadable() async throws {
        let client = try await Fixture.open()
        XCTAssertEqual("\(client)", "StudyMateClient(user \(try client.userId().uuidString.lowercased()))")
        let subscription = try client.subscribe(observer: RecordingObserver())
        XCTAssertEqual("\(subscription)", "DataSubscription(active)")
        subscription.cancel()
        XCTAssertEqual("\(subscription)", "DataSubscription(cancelled)")
        XCTAssertEqual("\(RecommendationReason.new)", "New")
        XCTAssertEqual("\(RecommendationReason.due(overdueDays: 3))", "Due(overdueDays=3)")
        XCTAssertEqual("\(LanguageLevel.beginner)", "beginner", "plain enum")
        client.closeDatabase()
        XCTAssertEqual("\(client)", "StudyMateClient(closed)")
    }

    func testAnObserverThatThrowsDoesNotFailTheCommittedWrite() async throws {
        let client = try await Fixture.open()
        let heard = RecordingObserver()
        let subscriptions = [try client.subscribe(observer: ThrowingObserver()), try client.subscribe(observer: heard)]
        defer { subscriptions.forEach { $0.cancel() } }
        let written = try await client.addInterest(tag: "kept")
        XCTAssertEqual(written, ["kept"], "write returned")
        XCTAssertEqual(try client.interests(), ["kept"], "write committed")
        XCTAssertEqual(heard.changes.count, 1, "the next observer still heard it")
    }

    func testTheLoggerReceivesTheLibrarysTracingAtTheChosenLevel() async throws {
        let logger = RecordingLogger()
        XCTAssertTrue(setLogger(logger: logger, minLevel: .info), "installed as the process's subscriber")
        do {
            defer { clearLogger() }
            let client = try await Fixture.open()
            _ = try await client.importCatalog(json: Fixture.catalogJSON)
            let records = logger.records
            XCTAssertTrue(records.allSatisfy { [.info, .warn, .error].contains($0.level) }, "levels: \(records.map(\.level))")
            XCTAssertTrue(records.contains { $0.target.hasPrefix("studymate_core") && $0.message.contains("database opened") }, "open: \(records)")
            XCTAssertTrue(records.contains { $0.message.hasPrefix("catalog imported") && $0.message.contains("situations=27") }, "import: \(records)")
        }
        let count = logger.records.count
        _ = try await Fixture.open()
        XCTAssertEqual(logger.records.count, count, "a cleared logger hears nothing")
    }
}

final class LifecycleTests: XCTestCase {
    func testCallsAfterCloseDatabaseThrowClosed() async throws {
        let path = Fixture.dbPath()
        let client = try await Fixture.open(path)
        _ = try await client.addInterest(tag: "kept")
        client.closeDatabase()
        XCTAssertTrue(client.isClosed())
        let read = await failure { _ = try client.profile() }
        XCTAssertEqual(read, "closed", "read after close")
        let write = await failure { _ = try await client.addInterest(tag: "lost") }
        XCTAssertEqual(write, "closed", "write after close")
        let async = await failure { _ = try await client.importCatalog(json: "{}") }
        XCTAssertEqual(async, "closed", "async after close")
        client.closeDatabase()
        let reopened = try await Fixture.open(path)
        XCTAssertEqual(try reopened.interests(), ["kept"], "data survives")
    }

    func testOneClientSharedByEightTasks() async throws {
        let client = try await Fixture.open()
        // Eight concurrent tasks (on the cooperative pool's threads) share one client.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<8 {
                group.addTask {
                    for i in 0..<25 {
                        _ = try await client.addInterest(tag: "t\(n)-\(i)")
                        _ = try client.profile()
                    }
                }
            }
            try await group.waitForAll()
        }
        XCTAssertEqual(try client.interests().count, 200, "every write landed")
    }
}

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
        let client = try Fixture.open()
        let observer = RecordingObserver()
        client.setObserver(observer: observer)
        _ = try client.addInterest(tag: "travel")
        XCTAssertEqual(observer.changes, [DataChange(areas: [.interests], rooms: [])], "interest write")
        _ = try await client.importCatalog(json: Fixture.catalogJSON)
        XCTAssertEqual(observer.changes.last?.areas, [.catalog], "async import")
        _ = try client.profile()
        _ = try client.situations(filter: SituationFilter())
        _ = try? client.updateProfile(patch: ProfilePatch(timeZone: "Nowhere/Never"))
        XCTAssertEqual(observer.changes.count, 2, "reads and failed writes are silent")

        let friend = UUID()
        var contact = try client.profile()
        contact.userId = friend
        contact.username = nil
        try client.saveContact(contact: contact)
        let room = try client.createDirectRoom(other: friend)
        _ = try client.sendMessage(roomId: room.id, message: NewMessage(messageType: .text, content: "hi"))
        XCTAssertEqual(observer.changes.last, DataChange(areas: [.chatMessages], rooms: [room.id]), "a message write names its room")

        let situation = try client.situations(filter: SituationFilter())[0]
        let variation = try client.variations(situationId: situation.id)[0]
        let session = try client.startPractice(situationId: situation.id, variationId: variation.id)
        _ = try client.answer(sessionId: session.id, input: AnswerInput(text: variation.idealResponses[0]))
        _ = try await client.completePractice(sessionId: session.id)
        let completed = try XCTUnwrap(observer.changes.last).areas
        XCTAssertTrue(Set(completed).isSuperset(of: [.practice, .points, .achievements]), "completion: \(completed)")

        client.setObserver(observer: nil)
        let count = observer.changes.count
        _ = try client.addInterest(tag: "food")
        XCTAssertEqual(observer.changes.count, count, "a removed observer hears nothing")
    }

    func testAnObserverThatThrowsDoesNotFailTheCommittedWrite() throws {
        let client = try Fixture.open()
        client.setObserver(observer: ThrowingObserver())
        XCTAssertEqual(try client.addInterest(tag: "kept"), ["kept"], "write returned")
        XCTAssertEqual(try client.interests(), ["kept"], "write committed")
    }

    func testTheLoggerReceivesTheLibrarysTracingAtTheChosenLevel() async throws {
        let logger = RecordingLogger()
        XCTAssertTrue(setLogger(logger: logger, minLevel: .info), "installed as the process's subscriber")
        do {
            defer { clearLogger() }
            let client = try Fixture.open()
            _ = try await client.importCatalog(json: Fixture.catalogJSON)
            let records = logger.records
            XCTAssertTrue(records.allSatisfy { [.info, .warn, .error].contains($0.level) }, "levels: \(records.map(\.level))")
            XCTAssertTrue(records.contains { $0.target.hasPrefix("studymate_core") && $0.message.contains("database opened") }, "open: \(records)")
            XCTAssertTrue(records.contains { $0.message.hasPrefix("catalog imported") && $0.message.contains("situations=27") }, "import: \(records)")
        }
        let count = logger.records.count
        _ = try Fixture.open()
        XCTAssertEqual(logger.records.count, count, "a cleared logger hears nothing")
    }
}

final class LifecycleTests: XCTestCase {
    func testCallsAfterCloseDatabaseThrowClosed() async throws {
        let path = Fixture.dbPath()
        let client = try Fixture.open(path)
        _ = try client.addInterest(tag: "kept")
        client.closeDatabase()
        XCTAssertTrue(client.isClosed())
        let read = await failure { _ = try client.profile() }
        XCTAssertEqual(read, "closed", "read after close")
        let write = await failure { _ = try client.addInterest(tag: "lost") }
        XCTAssertEqual(write, "closed", "write after close")
        let async = await failure { _ = try await client.importCatalog(json: "{}") }
        XCTAssertEqual(async, "closed", "async after close")
        client.closeDatabase()
        XCTAssertEqual(try Fixture.open(path).interests(), ["kept"], "data survives")
    }

    func testOneClientSharedByEightThreads() throws {
        let client = try Fixture.open()
        let failures = SharedList<Error>()
        let finished = DispatchSemaphore(value: 0)
        for n in 0..<8 {
            Thread {
                do {
                    for i in 0..<25 {
                        _ = try client.addInterest(tag: "t\(n)-\(i)")
                        _ = try client.profile()
                    }
                } catch {
                    failures.append(error)
                }
                finished.signal()
            }.start()
        }
        for _ in 0..<8 { waitFor(finished, "a writer thread") }
        XCTAssertTrue(failures.all.isEmpty, "failures: \(failures.all)")
        XCTAssertEqual(try client.interests().count, 200, "every write landed")
    }
}

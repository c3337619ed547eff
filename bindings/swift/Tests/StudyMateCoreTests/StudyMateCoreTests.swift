// The Swift mirror of the Kotlin suite (bindings/tests/kotlin): every call group, each error
// kind, the observer and logger, closing. Runs with `bindings/scripts/test-swift.sh` where a
// Swift toolchain exists; not run on the Linux CI machines (no swiftc there).
import Foundation
import StudyMateCore
import XCTest

final class ProfileTests: XCTestCase {
    func testReadAndPartialUpdate() throws {
        let client = try Fixture.open()
        let before = try client.profile()
        XCTAssertEqual(before.userId, try client.userId())
        let after = try client.updateProfile(patch: ProfilePatch(
            displayName: "Minji", preferences: #"{"theme":"dark"}"#, timeZone: "Asia/Seoul"))
        XCTAssertEqual(after.displayName, "Minji")
        XCTAssertEqual(after.timeZone, "Asia/Seoul")
        XCTAssertEqual(after.languageLevel, before.languageLevel)
        XCTAssertTrue(after.preferences.contains("dark"))
        XCTAssertEqual(try client.profile(), after)
    }

    func testLanguagesInterestsOnboarding() throws {
        let client = try Fixture.open()
        _ = try client.setLanguage(language: UserLanguage(languageCode: "en", role: .learning, proficiency: .a2, isPrimary: true))
        XCTAssertEqual(try client.setLanguage(language: UserLanguage(languageCode: "ko", role: .native, proficiency: nil, isPrimary: true)).count, 2)
        XCTAssertEqual(try client.removeLanguage(languageCode: "ko", role: .native).map(\.languageCode), ["en"])
        _ = try client.addInterest(tag: "travel")
        _ = try client.addInterest(tag: "food")
        XCTAssertEqual(Set(try client.interests()), ["travel", "food"])
        XCTAssertEqual(try client.removeInterest(tag: "travel"), ["food"])
        XCTAssertEqual(try client.saveOnboardingStep(step: 1, data: #"{"goal":"travel"}"#).currentStep, 1)
        let done = try client.saveOnboardingStep(step: 6, data: "{}")
        XCTAssertTrue(done.isCompleted)
        XCTAssertNotNil(done.completedAt)
        XCTAssertEqual(try client.onboarding().steps.map(\.step), [1, 6])
    }
}

final class CatalogTests: XCTestCase {
    func testImportAndQuery() async throws {
        let client = try Fixture.open()
        let summary = try await client.importCatalog(json: Fixture.catalogJSON)
        XCTAssertEqual(summary, ImportSummary(situations: 27, variations: 54, achievements: 14))
        XCTAssertEqual(try client.situations(filter: SituationFilter()).count, 27)
        let greetings = try client.situations(filter: SituationFilter(category: "greetings"))
        XCTAssertFalse(greetings.isEmpty)
        XCTAssertTrue(greetings.allSatisfy { $0.category == "greetings" })
        XCTAssertTrue(try client.situations(filter: SituationFilter(difficulty: .beginner)).allSatisfy { $0.difficulty == .beginner })
        let daegu = try client.situations(filter: SituationFilter(location: "Daegu"))
        XCTAssertFalse(daegu.isEmpty)
        XCTAssertTrue(daegu.allSatisfy { $0.targetLocation == "Daegu" })
        let situation = greetings[0]
        XCTAssertEqual(try client.situation(id: situation.id), situation)
        let variations = try client.variations(situationId: situation.id)
        XCTAssertEqual(try client.variation(id: variations[0].id), variations[0])
        XCTAssertEqual(try client.achievements().count, 14)
        do {
            _ = try await client.importCatalog(json: #"{"situations": [{"id": 1}]}"#)
            XCTFail("malformed catalog accepted")
        } catch let StudyMateError.InvalidInput(field, _) {
            XCTAssertEqual(field, "catalog")
        }
    }
}

final class PracticeTests: XCTestCase {
    func testFullOfflineSessionIsScoredAndRewarded() async throws {
        let client = try await Fixture.withCatalog()
        let situation = try client.situations(filter: SituationFilter(category: "greetings"))[0]
        let variation = try client.variations(situationId: situation.id).first { !$0.commonMistakes.isEmpty }!
        let session = try client.startPractice(situationId: situation.id, variationId: variation.id)
        XCTAssertEqual(session.status, .inProgress)
        XCTAssertEqual(session.turns.map(\.text), [variation.openingLine])
        XCTAssertEqual(try client.currentPractice()?.id, session.id)
        XCTAssertEqual(try client.useHint(sessionId: session.id).level, 1)

        let mistake = variation.commonMistakes[0]
        let typed = try client.answer(sessionId: session.id, input: AnswerInput(text: "Hello, \(mistake.pattern).", responseTimeMs: 4000))
        XCTAssertTrue(typed.mistakes.contains { $0.correction == mistake.correction })
        XCTAssertFalse(typed.suggestions.isEmpty)

        XCTAssertEqual(try client.pausePractice(sessionId: session.id).status, .paused)
        XCTAssertThrowsError(try client.answer(sessionId: session.id, input: AnswerInput(text: "hello"))) { error in
            guard case StudyMateError.Conflict = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try client.resumePractice(sessionId: session.id).status, .inProgress)

        let ideal = variation.idealResponses[0]
        let words = ideal.split(separator: " ").enumerated().map { i, word in
            RecognizedWord(word: String(word), confidence: 0.95, startMs: UInt32(i * 400), endMs: UInt32(i * 400 + 300))
        }
        let spoken = try client.answer(sessionId: session.id, input: AnswerInput(text: ideal, spoken: words, responseTimeMs: 3000))
        XCTAssertNotNil(spoken.pronunciation)
        XCTAssertEqual(spoken.matched?.kind, .ideal)

        let completion = try await client.completePractice(sessionId: session.id)
        XCTAssertEqual(completion.session.status, .completed)
        XCTAssertNotNil(completion.session.scores)
        XCTAssertTrue(completion.awards.contains { $0.source == .dailyPractice })
        XCTAssertEqual(completion.streak.current, 1)
        XCTAssertTrue(completion.unlocked.contains { $0.title == "First Steps" })
        XCTAssertNil(try client.currentPractice())
        XCTAssertEqual(try client.practiceHistory(before: nil, limit: 10).map(\.id), [session.id])
        XCTAssertEqual(try client.progress().balance, completion.balance)
        let next = try client.nextUp(limit: 5)
        XCTAssertEqual(next.map(\.recommendation.rank), [1, 2, 3, 4, 5])
        let day = completion.session.localDay!
        XCTAssertEqual(try client.learningSummary(period: .daily, day: day).sessionCount, 1)
    }

    func testOneOpenSessionAndAbandon() async throws {
        let client = try await Fixture.withCatalog()
        let situations = try client.situations(filter: SituationFilter())
        let session = try client.startPractice(situationId: situations[0].id, variationId: nil)
        XCTAssertThrowsError(try client.startPractice(situationId: situations[1].id, variationId: nil))
        XCTAssertEqual(try client.abandonPractice(sessionId: session.id).status, .abandoned)
        XCTAssertEqual(try client.balance().available, 0)
    }
}

final class LedgerChatChangeLogTests: XCTestCase {
    func testLedger() throws {
        let client = try Fixture.open()
        _ = try client.recordPoints(entry: NewPoints(transactionType: .earned, amount: 300, source: .adminAdjustment, description: "welcome"))
        for _ in 0..<4 { _ = try client.recordPoints(entry: NewPoints(transactionType: .bonus, amount: 10, source: .referral)) }
        XCTAssertEqual(try client.balance(), Balance(available: 340, lifetimeEarned: 340, used: 0))
        let first = try client.pointHistory(cursor: nil, limit: 3)
        XCTAssertEqual(first.entries.count, 3)
        XCTAssertEqual(try client.pointHistory(cursor: first.nextCursor, limit: 3).entries.count, 2)
        XCTAssertEqual(try client.buyStreakFreeze().source, .streakFreeze)
        XCTAssertEqual(try client.progress().streak.freezesHeld, 1)
    }

    func testChat() throws {
        let client = try Fixture.open()
        let friend = UUID()
        var contact = try client.profile()
        contact.userId = friend
        contact.username = nil
        try client.saveContact(contact: contact)
        let direct = try client.createDirectRoom(other: friend)
        XCTAssertEqual(try client.createDirectRoom(other: friend).id, direct.id)
        let group = try client.createGroupRoom(name: "Study group", description: nil, members: [friend])
        XCTAssertEqual(Set(try client.rooms().map(\.id)), [direct.id, group.id])
        let first = try client.sendMessage(roomId: direct.id, message: NewMessage(messageType: .text, content: "hello"))
        XCTAssertEqual(first.sendState, .pending)
        let later = try (1...3).map { try client.sendMessage(roomId: direct.id, message: NewMessage(messageType: .text, content: "m\($0)")) }
        XCTAssertTrue(try client.editMessage(messageId: first.id, content: "hello!").isEdited)
        XCTAssertTrue(try client.deleteMessage(messageId: later[0].id).isDeleted)
        let page = try client.messages(roomId: direct.id, before: nil, limit: 2)
        XCTAssertEqual(page.messages.map(\.id), [later[2].id, later[1].id])
        XCTAssertEqual(try client.messages(roomId: direct.id, before: page.nextBefore, limit: 10).messages.map(\.id), [later[0].id, first.id])
        XCTAssertEqual(try client.markRead(roomId: direct.id, messageId: later[2].id), 0)
        XCTAssertTrue(try client.unreadCounts().allSatisfy { $0.unread == 0 })
    }

    func testChangeLog() throws {
        let client = try Fixture.open()
        _ = try client.addInterest(tag: "music")
        _ = try client.updateProfile(patch: ProfilePatch(intro: "hi there"))
        let changes = try client.changes(afterSeq: 0, limit: 100)
        XCTAssertEqual(changes.suffix(2).map(\.entity), [.userInterest, .profile])
        XCTAssertTrue(changes.last!.payload.contains("hi there"))
    }
}

final class ErrorTests: XCTestCase {
    func testEachErrorKind() throws {
        let client = try Fixture.open()
        XCTAssertThrowsError(try client.updateProfile(patch: ProfilePatch(timeZone: "Mars/Olympus_Mons"))) { error in
            XCTAssertEqual(describe(error as! StudyMateError), "fix time_zone")
        }
        XCTAssertThrowsError(try client.saveOnboardingStep(step: 1, data: "{oops")) { error in
            XCTAssertEqual(describe(error as! StudyMateError), "fix json")
        }
        XCTAssertThrowsError(try client.situation(id: UUID())) { error in
            guard case StudyMateError.NotFound = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try client.recordPoints(entry: NewPoints(transactionType: .spent, amount: 1, source: .adminAdjustment))) { error in
            XCTAssertEqual(describe(error as! StudyMateError), "conflict")
        }

        let garbage = Fixture.dbPath()
        try String(repeating: "not a database ", count: 100).write(toFile: garbage, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Fixture.open(garbage)) { XCTAssertEqual(describe($0 as! StudyMateError), "storage") }

        let newer = Fixture.dbPath()
        _ = try Fixture.open(newer)
        try Fixture.sqlite(newer, "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (999, 'future', '', '0')")
        XCTAssertThrowsError(try Fixture.open(newer)) { XCTAssertEqual(describe($0 as! StudyMateError), "update the app") }

        let clashing = Fixture.dbPath()
        try Fixture.sqlite(clashing, "CREATE TABLE users (x); CREATE TABLE local_meta (y);")
        XCTAssertThrowsError(try Fixture.open(clashing)) { XCTAssertEqual(describe($0 as! StudyMateError), "migration") }
    }

    func testHostileInputNeverPanics() throws {
        let client = try Fixture.open()
        let huge = String(repeating: "가", count: 200_000)
        let calls: [() throws -> Void] = [
            { _ = try client.changes(afterSeq: .min, limit: .max) },
            { _ = try client.nextUp(limit: 0) },
            { _ = try client.pointHistory(cursor: "\u{0}bad", limit: .max) },
            { _ = try client.updateProfile(patch: ProfilePatch(displayName: huge, preferences: "[]", preferredSessionMinutes: .max)) },
            { _ = try client.saveOnboardingStep(step: 255, data: String(repeating: "[", count: 100_000)) },
            { _ = try client.learningSummary(period: .weekly, day: "+262143-12-31") },
            { _ = try client.recordPoints(entry: NewPoints(transactionType: .earned, amount: .max, source: .referral)) },
        ]
        for call in calls {
            do { try call() } catch is StudyMateError {} // refused with a typed error: fine
        }
        XCTAssertEqual(try client.profile().userId, try client.userId())
    }
}

final class ObserverLoggerLifecycleTests: XCTestCase {
    func testObserverHearsWritesOnly() async throws {
        let client = try Fixture.open()
        let observer = RecordingObserver()
        client.setObserver(observer: observer)
        _ = try client.addInterest(tag: "travel")
        XCTAssertEqual(observer.changes, [DataChange(areas: [.interests], rooms: [])])
        _ = try await client.importCatalog(json: Fixture.catalogJSON)
        XCTAssertEqual(observer.changes.last?.areas, [.catalog])
        _ = try client.profile()
        XCTAssertEqual(observer.changes.count, 2)
        client.setObserver(observer: nil)
        _ = try client.addInterest(tag: "food")
        XCTAssertEqual(observer.changes.count, 2)
    }

    func testLoggerReceivesTracing() async throws {
        let logger = RecordingLogger()
        XCTAssertTrue(setLogger(logger: logger, minLevel: .info))
        defer { clearLogger() }
        let client = try Fixture.open()
        _ = try await client.importCatalog(json: Fixture.catalogJSON)
        XCTAssertTrue(logger.records.contains { $0.message.contains("database opened") })
        XCTAssertTrue(logger.records.contains { $0.message.contains("situations=27") })
    }

    func testCallsAfterCloseThrowClosed() throws {
        let path = Fixture.dbPath()
        let client = try Fixture.open(path)
        _ = try client.addInterest(tag: "kept")
        client.closeDatabase()
        XCTAssertTrue(client.isClosed())
        XCTAssertThrowsError(try client.profile()) { XCTAssertEqual($0 as? StudyMateError, .Closed) }
        XCTAssertEqual(try Fixture.open(path).interests(), ["kept"])
    }
}

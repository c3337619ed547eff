// Errors: each failure core raises reaches Swift as its StudyMateError case, and hostile input
// never panics (bindings/tests/kotlin/ErrorTests.kt).
import Foundation
import StudyMateCore
import XCTest

final class ErrorTests: XCTestCase {
    func testInvalidInputNamesTheFieldFromCoreAndFromMalformedJSON() async throws {
        let client = try Fixture.open()
        let zone = await thrown { _ = try client.updateProfile(patch: ProfilePatch(timeZone: "Mars/Olympus_Mons")) }
        guard case let StudyMateError.InvalidInput(field, _)? = zone else { return XCTFail("bad time zone: \(String(describing: zone))") }
        XCTAssertEqual(field, "time_zone")
        XCTAssertTrue(try XCTUnwrap(zone).localizedDescription.contains("time_zone"), "readable: \(String(describing: zone))")
        let limit = await failure { _ = try client.changes(afterSeq: 0, limit: 0) }
        XCTAssertEqual(limit, "fix limit")
        let json = await failure { _ = try client.saveOnboardingStep(step: 1, data: "{oops") }
        XCTAssertEqual(json, "fix json")
        let step = await failure { _ = try client.saveOnboardingStep(step: 7, data: "{}") }
        XCTAssertEqual(step, "fix step")
    }

    func testNotFoundCarriesEntityAndId() async throws {
        let client = try Fixture.open()
        let id = UUID()
        let error = await thrown { _ = try client.situation(id: id) }
        guard case let StudyMateError.NotFound(entity, found)? = error else { return XCTFail("unknown situation: \(String(describing: error))") }
        XCTAssertEqual(found.lowercased(), id.uuidString.lowercased())
        XCTAssertFalse(entity.isEmpty)
        let room = await failure { _ = try client.messages(roomId: UUID(), before: nil, limit: 10) }
        XCTAssertTrue(room.hasPrefix("missing "), "unknown room: \(room)")
    }

    func testConflictOnAnOverdraftAndOnAnotherUsersDatabase() async throws {
        let path = Fixture.dbPath()
        let client = try Fixture.open(path)
        let overdraft = await failure {
            _ = try client.recordPoints(entry: NewPoints(transactionType: .spent, amount: 1, source: .adminAdjustment))
        }
        XCTAssertEqual(overdraft, "conflict")
        client.closeDatabase()
        let otherUser = await failure { _ = try Fixture.open(path, userId: UUID()) }
        XCTAssertEqual(otherUser, "conflict")
    }

    func testStorageNewerDatabaseAndMigrationWhenOpeningBadFiles() async throws {
        let garbage = Fixture.dbPath()
        try String(repeating: "this is not a database, just text long enough to have a header", count: 20)
            .write(toFile: garbage, atomically: true, encoding: .utf8)
        let notADatabase = await failure { _ = try Fixture.open(garbage) }
        XCTAssertEqual(notADatabase, "storage")

        let newer = Fixture.dbPath()
        try Fixture.open(newer).closeDatabase()
        try Fixture.sqlite(newer, "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (999, 'future', '', '0')")
        let error = await thrown { _ = try Fixture.open(newer) }
        guard case let StudyMateError.NewerDatabase(found, supported)? = error else { return XCTFail("newer schema: \(String(describing: error))") }
        XCTAssertEqual(found, 999)
        XCTAssertLessThan(supported, 999)

        let clashing = Fixture.dbPath()
        try Fixture.sqlite(clashing, "CREATE TABLE users (x); CREATE TABLE local_meta (y);")
        let migration = await failure { _ = try Fixture.open(clashing) }
        XCTAssertEqual(migration, "migration")
    }

    func testHostileInputIsRefusedOrAcceptedNeverAPanic() async throws {
        let client = try await Fixture.withCatalog()
        let situation = try client.situations(filter: SituationFilter())[0]
        let huge = String(repeating: "가", count: 200_000)
        /// Starts a round, answers it with `input`, and abandons it whatever the answer did.
        func answerOnce(_ input: AnswerInput) throws {
            let session = try client.startPractice(situationId: situation.id, variationId: nil)
            defer { _ = try? client.abandonPractice(sessionId: session.id) }
            _ = try client.answer(sessionId: session.id, input: input)
        }
        let calls: [(String, () async throws -> Void)] = [
            ("changes(min, max)", { _ = try client.changes(afterSeq: .min, limit: .max) }),
            ("history(max)", { _ = try client.practiceHistory(before: nil, limit: .max) }),
            ("nextUp(0)", { _ = try client.nextUp(limit: 0) }),
            ("nextUp(max)", { _ = try client.nextUp(limit: .max) }),
            ("pointHistory(bad cursor)", { _ = try client.pointHistory(cursor: "\u{0}not-a-cursor", limit: 10) }),
            ("pointHistory(max)", { _ = try client.pointHistory(cursor: nil, limit: .max) }),
            ("messages(min)", { _ = try client.messages(roomId: UUID(), before: .min, limit: 1) }),
            ("profile patch extremes", {
                _ = try client.updateProfile(patch: ProfilePatch(displayName: huge, preferences: "[]", preferredSessionMinutes: .max))
            }),
            ("empty name", { _ = try client.updateProfile(patch: ProfilePatch(displayName: "")) }),
            ("NUL interest", { _ = try client.addInterest(tag: "a\u{0}b") }),
            ("huge interest", { _ = try client.addInterest(tag: huge) }),
            ("language code", { _ = try client.setLanguage(language: UserLanguage(languageCode: huge, role: .learning, proficiency: nil, isPrimary: false)) }),
            ("onboarding step 0", { _ = try client.saveOnboardingStep(step: 0, data: "{}") }),
            ("onboarding 255 with null JSON", { _ = try client.saveOnboardingStep(step: 255, data: "null") }),
            ("deep JSON", { _ = try client.saveOnboardingStep(step: 1, data: String(repeating: "[", count: 100_000)) }),
            ("catalog empty", { _ = try await client.importCatalog(json: "") }),
            ("catalog nested", { _ = try await client.importCatalog(json: #"{"situations":[{}]}"#) }),
            ("summary far future", { _ = try client.learningSummary(period: .weekly, day: "+262143-12-31") }),
            ("summary far past", { _ = try client.learningSummary(period: .daily, day: "-262143-01-01") }),
            // Swift only: a day crosses as text, so it can be malformed.
            ("summary malformed day", { _ = try client.learningSummary(period: .daily, day: "2026-02-30") }),
            ("hint without session", { _ = try client.useHint(sessionId: UUID()) }),
            ("answer hostile", {
                try answerOnce(AnswerInput(text: huge, spoken: [
                    RecognizedWord(word: "", confidence: .nan, startMs: .max, endMs: 0),
                    RecognizedWord(word: huge, confidence: .infinity, startMs: 0, endMs: .max),
                ], responseTimeMs: .max))
            }),
            ("answer empty text", { try answerOnce(AnswerInput(text: " \n\t ", spoken: [])) }),
            ("group of strangers", { _ = try client.createGroupRoom(name: " ", description: nil, members: [UUID(), UUID(), UUID()]) }),
            ("direct room with self", { _ = try client.createDirectRoom(other: try client.userId()) }),
            ("record 0 points", { _ = try client.recordPoints(entry: NewPoints(transactionType: .earned, amount: 0, source: .referral)) }),
            ("record max points", { _ = try client.recordPoints(entry: NewPoints(transactionType: .earned, amount: .max, source: .referral)) }),
            ("edit unknown", { _ = try client.editMessage(messageId: UUID(), content: huge) }),
        ]
        var outcomes: [String] = []
        for (name, call) in calls {
            switch await thrown(call) {
            case nil: outcomes.append("\(name): ok")
            case let error as StudyMateError: outcomes.append("\(name): \(describe(error))")
            case let error?: return XCTFail("\(name) crossed as \(type(of: error)): \(error)")
            }
        }
        XCTAssertGreaterThanOrEqual(outcomes.filter { $0.contains(": fix ") }.count, 10, "most are refused as invalid: \(outcomes)")
        XCTAssertTrue(outcomes.contains { $0.hasPrefix("summary malformed day: fix ") }, "\(outcomes)")
        XCTAssertEqual(try client.profile().userId, try client.userId(), "the client still works")
    }
}

// Errors: each failure core raises reaches Swift as its StudyMateError case, and hostile input
// never panics (bindings/tests/kotlin/ErrorTests.kt).
import Foundation
import StudyMateCore
import XCTest

final class ErrorTests: XCTestCase {
    func testInvalidInputNamesTheFieldFromCoreAndFromMalformedJSON() async throws {
        let client = try await Fixture.open()
        let zone = await thrown { _ = try await client.updateProfile(patch: ProfilePatch(timeZone: "Mars/Olympus_Mons")) }
        guard case let StudyMateError.InvalidInput(text)? = zone else { return XCTFail("bad time zone: \(String(describing: zone))") }
        XCTAssertTrue(text.hasPrefix("time_zone is not accepted: "), "readable: \(text)")
        XCTAssertFalse(text.contains("field="), text)
        let limit = await invalidInput { _ = try client.changes(afterSeq: 0, limit: 0) }
        XCTAssertTrue(limit.hasPrefix("limit "), limit)
        let negative = await invalidInput { _ = try client.nextUp(limit: -1) }
        XCTAssertTrue(negative.hasPrefix("limit "), negative)
        let jsonText = await invalidInput { _ = try await client.saveOnboardingStep(step: 1, data: "{oops") }
        XCTAssertTrue(jsonText.contains("is not accepted: it is not valid JSON"), jsonText)
        let step = await invalidInput { _ = try await client.saveOnboardingStep(step: 7, data: "{}") }
        XCTAssertTrue(step.hasPrefix("step "), step)
        let prefs = await invalidInput { _ = try await client.updateProfile(patch: ProfilePatch(preferences: "{oops")) }
        XCTAssertTrue(prefs.contains("preferences") && !prefs.contains("field="), "preferences named: \(prefs)")
    }

    func testNotFoundCarriesEntityAndId() async throws {
        let client = try await Fixture.open()
        let id = UUID()
        let error = await thrown { _ = try client.situation(id: id) }
        guard case let StudyMateError.NotFound(text)? = error else { return XCTFail("unknown situation: \(String(describing: error))") }
        XCTAssertEqual(text, "no situation with id \(id.uuidString.lowercased()) on this device")
        let room = await failure { _ = try client.messages(roomId: UUID(), before: nil, limit: 10) }
        XCTAssertEqual(room, "missing", "unknown room")
    }

    func testConflictOnAnOverdraftAndOnAnotherUsersDatabase() async throws {
        let path = Fixture.dbPath()
        let client = try await Fixture.open(path)
        let overdraft = await failure {
            _ = try await client.recordPoints(entry: NewPoints(transactionType: .spent, amount: 1, source: .adminAdjustment))
        }
        XCTAssertEqual(overdraft, "earn more points")
        client.closeDatabase()
        let otherUser = await failure { _ = try await Fixture.open(path, userId: UUID()) }
        XCTAssertEqual(otherUser, "conflict")
    }

    func testStorageNewerDatabaseAndMigrationWhenOpeningBadFiles() async throws {
        let garbage = Fixture.dbPath()
        try String(repeating: "this is not a database, just text long enough to have a header", count: 20)
            .write(toFile: garbage, atomically: true, encoding: .utf8)
        let notADatabase = await failure { _ = try await Fixture.open(garbage) }
        XCTAssertEqual(notADatabase, "damaged file")

        let newer = Fixture.dbPath()
        try await Fixture.open(newer).closeDatabase()
        try Fixture.sqlite(newer, "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (999, 'future', '', '0')")
        let error = await thrown { _ = try await Fixture.open(newer) }
        guard case let StudyMateError.NewerDatabase(text)? = error else { return XCTFail("newer schema: \(String(describing: error))") }
        XCTAssertTrue(text.contains("schema 999") && text.hasSuffix("update the app"), text)

        let clashing = Fixture.dbPath()
        try Fixture.sqlite(clashing, "CREATE TABLE users (x); CREATE TABLE local_meta (y);")
        let migration = await failure { _ = try await Fixture.open(clashing) }
        XCTAssertEqual(migration, "migration")
    }

    func testClosedHasASentenceAndTokenErrorCarriesItsReason() async throws {
        let client = try await Fixture.open()
        client.closeDatabase()
        let closed = await thrown { _ = try client.profile() }
        guard case let StudyMateError.Closed(text)? = closed else { return XCTFail("closed: \(String(describing: closed))") }
        XCTAssertEqual(text, "the client is closed: open the database again")
        let refused = TokenError.SignInRequired(reason: "the refresh token expired")
        XCTAssertTrue(String(describing: refused).contains("the refresh token expired"), String(describing: refused))
    }

    func testNegativeCountTimeOrMinutesIsInvalidInputNamingTheFieldAndWritesNothing() async throws {
        let client = try await Fixture.withCatalog()
        let situation = try client.situations(filter: SituationFilter())[0]
        let minutes = await invalidInput { _ = try await client.updateProfile(patch: ProfilePatch(preferredSessionMinutes: -30)) }
        XCTAssertTrue(minutes.hasPrefix("preferred_session_minutes is not accepted: "), minutes)
        XCTAssertEqual(try client.profile().preferredSessionMinutes, 30, "minutes kept")
        let points = await invalidInput {
            _ = try await client.recordPoints(entry: NewPoints(transactionType: .earned, amount: -5, source: .referral))
        }
        XCTAssertTrue(points.hasPrefix("amount is not accepted: "), points)
        XCTAssertEqual(try client.balance(), PointsBalance(available: 0, lifetimeEarned: 0, used: 0), "balance kept")
        let session = try await client.startPractice(situationId: situation.id, variationId: nil)
        let time = await invalidInput { _ = try await client.answer(sessionId: session.id, input: AnswerInput(text: "Hello", responseTimeMs: -1)) }
        XCTAssertTrue(time.hasPrefix("response_time_ms is not accepted: "), time)
        let word = await invalidInput {
            _ = try await client.answer(sessionId: session.id, input: AnswerInput(
                text: "Hello", spoken: [RecognizedWord(word: "Hello", confidence: 0.9, startMs: -400, endMs: 100)]))
        }
        XCTAssertTrue(word.contains("start_ms"), word)
        XCTAssertEqual(try client.practiceSession(sessionId: session.id).turns.filter { $0.speaker == .learner }.count, 0, "no answer recorded")
    }

    func testHostileInputIsRefusedOrAcceptedNeverAPanic() async throws {
        let client = try await Fixture.withCatalog()
        let situation = try client.situations(filter: SituationFilter())[0]
        let huge = String(repeating: "가", count: 200_000)
        /// Starts a round, answers it with `input`, and abandons it whatever the answer did.
        func answerOnce(_ input: AnswerInput) async throws {
            let session = try await client.startPractice(situationId: situation.id, variationId: nil)
            let answered = await thrown { _ = try await client.answer(sessionId: session.id, input: input) }
            _ = try? await client.abandonPractice(sessionId: session.id)
            if let answered { throw answered }
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
                _ = try await client.updateProfile(patch: ProfilePatch(displayName: huge, preferences: "[]", preferredSessionMinutes: .max))
            }),
            ("empty name", { _ = try await client.updateProfile(patch: ProfilePatch(displayName: "")) }),
            ("NUL interest", { _ = try await client.addInterest(tag: "a\u{0}b") }),
            ("huge interest", { _ = try await client.addInterest(tag: huge) }),
            ("language code", { _ = try await client.setLanguage(language: UserLanguage(languageCode: huge, role: .learning)) }),
            ("onboarding step 0", { _ = try await client.saveOnboardingStep(step: 0, data: "{}") }),
            ("onboarding step -1", { _ = try await client.saveOnboardingStep(step: -1, data: "{}") }),
            ("onboarding max with null JSON", { _ = try await client.saveOnboardingStep(step: .max, data: "null") }),
            ("nextUp(min)", { _ = try client.nextUp(limit: .min) }),
            ("messages(-5)", { _ = try client.messages(roomId: UUID(), before: nil, limit: -5) }),
            ("deep JSON", { _ = try await client.saveOnboardingStep(step: 1, data: String(repeating: "[", count: 100_000)) }),
            ("catalog empty", { _ = try await client.importCatalog(json: "") }),
            ("catalog nested", { _ = try await client.importCatalog(json: #"{"situations":[{}]}"#) }),
            ("summary far future", { _ = try client.learningSummary(period: .weekly, day: "+262143-12-31") }),
            ("summary far past", { _ = try client.learningSummary(period: .daily, day: "-262143-01-01") }),
            // Swift only: a day crosses as text, so it can be malformed.
            ("summary malformed day", { _ = try client.learningSummary(period: .daily, day: "2026-02-30") }),
            ("hint without session", { _ = try await client.useHint(sessionId: UUID()) }),
            ("answer hostile", {
                try await answerOnce(AnswerInput(text: huge, spoken: [
                    RecognizedWord(word: "", confidence: .nan, startMs: .max, endMs: .min),
                    RecognizedWord(word: huge, confidence: .infinity, startMs: .min, endMs: .max),
                ], responseTimeMs: .min))
            }),
            ("answer empty text", { try await answerOnce(AnswerInput(text: " \n\t ", spoken: [])) }),
            ("group of strangers", { _ = try await client.createGroupRoom(name: " ", description: nil, members: [UUID(), UUID(), UUID()]) }),
            ("direct room with self", { _ = try await client.createDirectRoom(other: try client.userId()) }),
            ("record 0 points", { _ = try await client.recordPoints(entry: NewPoints(transactionType: .earned, amount: 0, source: .referral)) }),
            ("record max points", { _ = try await client.recordPoints(entry: NewPoints(transactionType: .earned, amount: .max, source: .referral)) }),
            ("record min points", { _ = try await client.recordPoints(entry: NewPoints(transactionType: .earned, amount: .min, source: .referral)) }),
            ("edit unknown", { _ = try await client.editMessage(messageId: UUID(), content: huge) }),
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

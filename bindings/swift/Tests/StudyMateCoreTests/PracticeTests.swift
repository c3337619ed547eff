// Practice: a full offline session with scoring and rewards; pause, resume, abandon, history;
// progress, next-up, learning summaries (bindings/tests/kotlin/PracticeTests.kt).
import Foundation
import StudyMateCore
import XCTest

final class PracticeTests: XCTestCase {
    func testAFullOfflineSessionIsScoredFedBackAndRewarded() async throws {
        let client = try await Fixture.withCatalog()
        let situation = try client.situations(filter: SituationFilter(category: "greetings"))[0]
        let variation = try XCTUnwrap(try client.variations(situationId: situation.id).first { !$0.commonMistakes.isEmpty })
        let session = try await client.startPractice(situationId: situation.id, variationId: variation.id)
        XCTAssertEqual(session.status, .inProgress)
        XCTAssertEqual(session.turns.map(\.text), [variation.openingLine], "opening line")
        XCTAssertEqual(session.turns.map(\.speaker), [.character])
        XCTAssertEqual(try client.currentPractice()?.id, session.id)
        let hint = try await client.useHint(sessionId: session.id)
        XCTAssertEqual(hint.level, 1, "first hint")

        let mistake = variation.commonMistakes[0]
        let typed = try await client.answer(sessionId: session.id, input: AnswerInput(text: "Hello, \(mistake.pattern).", responseTimeMs: 4000))
        XCTAssertTrue(typed.mistakes.contains { $0.correction == mistake.correction }, "mistake found: \(typed.mistakes)")
        XCTAssertFalse(typed.suggestions.isEmpty)
        XCTAssertNil(typed.pronunciation, "no pronunciation for typed text")

        let paused = try await client.pausePractice(sessionId: session.id)
        XCTAssertEqual(paused.status, .paused)
        let whilePaused = await failure { _ = try await client.answer(sessionId: session.id, input: AnswerInput(text: "hello")) }
        XCTAssertEqual(whilePaused, "conflict", "answer while paused")
        let resumed = try await client.resumePractice(sessionId: session.id)
        XCTAssertEqual(resumed.status, .inProgress)

        let ideal = variation.idealResponses[0]
        let words = ideal.split(separator: " ").enumerated().map { i, word in
            RecognizedWord(word: String(word), confidence: 0.95, startMs: Int32(i * 400), endMs: Int32(i * 400 + 300))
        }
        let spoken = try await client.answer(sessionId: session.id, input: AnswerInput(text: ideal, spoken: words, responseTimeMs: 3000))
        XCTAssertNotNil(spoken.pronunciation)
        XCTAssertNotNil(spoken.pronunciationDetail, "spoken answer scored for pronunciation")
        XCTAssertEqual(spoken.matched?.kind, .ideal)
        XCTAssertGreaterThan(spoken.overall, typed.overall)

        let completion = try await client.completePractice(sessionId: session.id)
        XCTAssertEqual(completion.session.status, .completed)
        XCTAssertNotNil(completion.session.scores)
        XCTAssertNotNil(completion.session.feedback)
        let day = try XCTUnwrap(completion.session.localDay, "practice day")
        XCTAssertTrue(completion.awards.contains { $0.source == .dailyPractice }, "daily award: \(completion.awards)")
        XCTAssertGreaterThan(completion.balance.available, 0)
        XCTAssertEqual(completion.awards.reduce(0) { $0 + $1.points }, completion.balance.available, "balance is the awards")
        XCTAssertEqual(completion.streak.current, 1)
        XCTAssertTrue(completion.unlocked.contains { $0.title == "First Steps" }, "first achievement: \(completion.unlocked)")
        XCTAssertNil(try client.currentPractice())
        let twice = await failure { _ = try await client.completePractice(sessionId: session.id) }
        XCTAssertEqual(twice, "conflict", "complete twice")

        XCTAssertEqual(try client.practiceHistory(before: nil, limit: 10).map(\.id), [session.id])
        XCTAssertEqual(try client.practiceSession(sessionId: session.id).turns.count, 3, "dialogue")

        let progress = try client.progress()
        XCTAssertEqual(progress.balance, completion.balance)
        XCTAssertEqual(progress.level, completion.level)
        XCTAssertTrue(progress.achievements.contains { $0.achievement.title == "First Steps" && $0.unlockedAt != nil })

        let next = try client.nextUp(limit: 5)
        XCTAssertEqual(next.map(\.recommendation.rank), [1, 2, 3, 4, 5])
        XCTAssertTrue(next.allSatisfy { $0.situation.id == $0.recommendation.situationId }, "situations attached")
        XCTAssertTrue(next.contains { $0.recommendation.reason == .new }, "reasons: \(next.map(\.recommendation.reason))")

        let daily = try client.learningSummary(period: .daily, day: day)
        XCTAssertEqual(daily.sessionCount, 1)
        XCTAssertEqual(daily.periodStart, day)
        let weekly = try client.learningSummary(period: .weekly, day: day)
        XCTAssertTrue(weekly.periodStart <= day && weekly.periodEnd >= day, "week contains the day")
    }

    func testOneOpenSessionAtATimeAndAbandonGivesNoPoints() async throws {
        let client = try await Fixture.withCatalog()
        let situations = try client.situations(filter: SituationFilter())
        let session = try await client.startPractice(situationId: situations[0].id, variationId: nil)
        let second = await failure { _ = try await client.startPractice(situationId: situations[1].id, variationId: nil) }
        XCTAssertEqual(second, "finish the open session", "second open session")
        let abandoned = try await client.abandonPractice(sessionId: session.id)
        XCTAssertEqual(abandoned.status, .abandoned)
        XCTAssertNil(try client.currentPractice())
        XCTAssertEqual(try client.balance().available, 0, "no points")
        XCTAssertEqual(try client.practiceHistory(before: nil, limit: 1).map(\.status), [.abandoned])
        let again = try await client.startPractice(situationId: situations[1].id, variationId: nil)
        let empty = await failure { _ = try await client.completePractice(sessionId: again.id) }
        XCTAssertEqual(empty, "conflict", "complete without answers")
    }
}

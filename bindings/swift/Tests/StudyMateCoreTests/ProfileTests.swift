// Profile: read, partial update, languages, interests, onboarding (bindings/tests/kotlin/ProfileTests.kt).
import Foundation
import StudyMateCore
import XCTest

final class ProfileTests: XCTestCase {
    func testReadAndPartialUpdateKeepUntouchedFields() async throws {
        let client = try await Fixture.open()
        let before = try client.profile()
        XCTAssertEqual(before.userId, try client.userId())
        let after = try await client.updateProfile(patch: ProfilePatch(
            displayName: "Minji", preferences: #"{"theme":"dark"}"#, timeZone: "Asia/Seoul"))
        XCTAssertEqual(after.displayName, "Minji")
        XCTAssertEqual(after.timeZone, "Asia/Seoul")
        XCTAssertEqual(after.languageLevel, before.languageLevel, "untouched level")
        XCTAssertTrue(after.preferences.contains(#""dark""#), after.preferences)
        XCTAssertEqual(try client.profile(), after, "read back")
        XCTAssertGreaterThanOrEqual(after.updatedAt, before.updatedAt, "updatedAt is a Date that moves forward")
    }

    func testLanguagesInterestsAndOnboarding() async throws {
        let client = try await Fixture.open()
        _ = try await client.setLanguage(language: UserLanguage(languageCode: "en", role: .learning, proficiency: .a2, isPrimary: true))
        let both = try await client.setLanguage(language: UserLanguage(languageCode: "ko", role: .native, proficiency: nil, isPrimary: true))
        XCTAssertEqual(both.count, 2)
        let languages = try await client.removeLanguage(languageCode: "ko", role: .native)
        XCTAssertEqual(languages.map(\.languageCode), ["en"])
        XCTAssertEqual(try client.languages().map(\.proficiency), [.a2])
        _ = try await client.addInterest(tag: "travel")
        _ = try await client.addInterest(tag: "food")
        XCTAssertEqual(Set(try client.interests()), ["travel", "food"])
        let interests = try await client.removeInterest(tag: "travel")
        XCTAssertEqual(interests, ["food"])
        let first = try await client.saveOnboardingStep(step: 1, data: #"{"goal":"travel"}"#)
        XCTAssertEqual(first.currentStep, 1)
        XCTAssertFalse(first.isCompleted, "not completed after step 1")
        let done = try await client.saveOnboardingStep(step: 6, data: "{}")
        XCTAssertTrue(done.isCompleted)
        XCTAssertNotNil(done.completedAt)
        let onboarding = try client.onboarding()
        XCTAssertEqual(onboarding.steps.map(\.step), [1, 6])
        XCTAssertTrue(onboarding.steps[0].data.contains("travel"), "step data is JSON text")
    }
}

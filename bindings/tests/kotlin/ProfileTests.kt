// Profile: read, partial update, languages, interests, onboarding.
package app.studymate.core.tests

import app.studymate.core.*
import app.studymate.core.model.*

val profileTests = listOf(
    TestCase("profile: read and partial update keep untouched fields") {
        val client = Fixture.open()
        val before = client.profile()
        eq(client.userId(), before.userId, "own profile id")
        val after = client.updateProfile(
            ProfilePatch(displayName = "Minji", timeZone = "Asia/Seoul", preferences = """{"theme":"dark"}"""),
        )
        eq("Minji", after.displayName, "display name")
        eq("Asia/Seoul", after.timeZone, "time zone")
        eq(before.languageLevel, after.languageLevel, "untouched level")
        expect(after.preferences.contains("\"dark\"")) { "preferences JSON: ${after.preferences}" }
        eq(after, client.profile(), "read back")
        expect(after.updatedAt >= before.updatedAt) { "updatedAt is an Instant that moves forward" }
    },
    TestCase("profile: languages, interests and onboarding") {
        val client = Fixture.open()
        client.setLanguage(UserLanguage("en", LanguageRole.LEARNING, Cefr.A2, true))
        val both = client.setLanguage(UserLanguage("ko", LanguageRole.NATIVE, null, true))
        eq(2, both.size, "languages")
        eq(listOf("en"), client.removeLanguage("ko", LanguageRole.NATIVE).map { it.languageCode }, "after removal")
        eq(Cefr.A2, client.languages().single().proficiency, "proficiency")
        client.addInterest("travel")
        client.addInterest("food")
        eq(setOf("travel", "food"), client.interests().toSet(), "interests")
        eq(listOf("food"), client.removeInterest("travel"), "after removal")
        val first = client.saveOnboardingStep(1, """{"goal":"travel"}""")
        eq(1, first.currentStep, "current step")
        expect(!first.isCompleted) { "not completed after step 1" }
        val done = client.saveOnboardingStep(6, "{}")
        expect(done.isCompleted && done.completedAt != null) { "completed after step 6: $done" }
        eq(listOf(1, 6), client.onboarding().steps.map { it.step }, "saved steps")
        expect(client.onboarding().steps[0].data.contains("travel")) { "step data is JSON text" }
    },
)

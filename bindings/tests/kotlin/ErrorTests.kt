// Errors: each failure core raises today reaches Kotlin as its StudyMateException subclass, and
// hostile input never panics (a panic would surface as InternalException).
package app.studymate.core.tests

import app.studymate.core.*
import java.io.File
import java.util.UUID
import kotlinx.coroutines.runBlocking

/** What an app does with the error: an exhaustive `when`, so a new variant fails to compile here. */
fun describe(error: StudyMateException): String = when (error) {
    is StudyMateException.InvalidInput -> "fix ${error.field}"
    is StudyMateException.NotFound -> "missing ${error.entity}"
    is StudyMateException.Conflict -> "conflict"
    is StudyMateException.Storage -> "storage"
    is StudyMateException.Migration -> "migration"
    is StudyMateException.NewerDatabase -> "update the app"
    is StudyMateException.Network -> "offline"
    is StudyMateException.Auth -> "sign in"
    is StudyMateException.Protocol -> "protocol"
    is StudyMateException.Cancelled -> "cancelled"
    is StudyMateException.Closed -> "closed"
    is StudyMateException.WrongKey -> "ask for the key"
    is StudyMateException.AccountDeleted -> "wipe and sign in"
}

val errorTests = listOf(
    TestCase("errors: InvalidInput names the field, from core and from malformed JSON") {
        val client = Fixture.open()
        val zone = throws<StudyMateException.InvalidInput>("bad time zone") {
            client.updateProfile(ProfilePatch(timeZone = "Mars/Olympus_Mons"))
        }
        eq("time_zone", zone.field, "field")
        expect(zone.message?.contains("time_zone") == true) { "readable message: ${zone.message}" }
        eq("fix time_zone", describe(zone), "switch")
        eq("limit", throws<StudyMateException.InvalidInput>("limit 0") { client.changes(0, 0u) }.field, "limit")
        eq("json", throws<StudyMateException.InvalidInput>("not JSON") { client.saveOnboardingStep(1u, "{oops") }.field, "json")
        eq("step", throws<StudyMateException.InvalidInput>("step 7") { client.saveOnboardingStep(7u, "{}") }.field, "step")
    },
    TestCase("errors: NotFound carries entity and id") {
        val client = Fixture.open()
        val id = UUID.randomUUID()
        val error = throws<StudyMateException.NotFound>("unknown situation") { client.situation(id) }
        eq(id.toString(), error.id, "id")
        expect(error.entity.isNotEmpty()) { "entity" }
        throws<StudyMateException.NotFound>("unknown room") { client.messages(UUID.randomUUID(), null, 10u) }
    },
    TestCase("errors: Conflict on an overdraft and on another user's database") {
        val path = Fixture.dbPath()
        val client = Fixture.open(path)
        throws<StudyMateException.Conflict>("overdraft") {
            client.recordPoints(NewPoints(TransactionType.SPENT, 1u, PointSource.ADMIN_ADJUSTMENT))
        }
        client.close()
        throws<StudyMateException.Conflict>("other user") { Fixture.open(path, OpenOptions(userId = UUID.randomUUID())) }
    },
    TestCase("errors: Storage, NewerDatabase and Migration when opening bad files") {
        val garbage = Fixture.dbPath()
        File(garbage).writeText("this is not a database, just text long enough to have a header".repeat(20))
        throws<StudyMateException.Storage>("not a database") { Fixture.open(garbage) }

        val newer = Fixture.dbPath()
        Fixture.open(newer).close()
        Fixture.sqlite(newer, "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (999, 'future', '', '0')")
        val error = throws<StudyMateException.NewerDatabase>("newer schema") { Fixture.open(newer) }
        eq(999u, error.found, "found")
        expect(error.supported < 999u) { "supported ${error.supported}" }

        val clashing = Fixture.dbPath()
        Fixture.sqlite(clashing, "CREATE TABLE users (x); CREATE TABLE local_meta (y);")
        throws<StudyMateException.Migration>("migration fails") { Fixture.open(clashing) }
    },
    TestCase("errors: hostile input is refused or accepted, never a panic") {
        val client = Fixture.withCatalog()
        val situation = client.situations(SituationFilter()).first()
        val huge = "가".repeat(200_000)
        val calls: List<Pair<String, () -> Any?>> = listOf(
            "changes(MIN, MAX)" to { client.changes(Long.MIN_VALUE, UInt.MAX_VALUE) },
            "history(MAX)" to { client.practiceHistory(null, UInt.MAX_VALUE) },
            "nextUp(0)" to { client.nextUp(0u) },
            "nextUp(MAX)" to { client.nextUp(UInt.MAX_VALUE) },
            "pointHistory(bad cursor)" to { client.pointHistory("\u0000not-a-cursor", 10u) },
            "pointHistory(MAX)" to { client.pointHistory(null, UInt.MAX_VALUE) },
            "messages(MIN)" to { client.messages(UUID.randomUUID(), Long.MIN_VALUE, 1u) },
            "profile patch extremes" to {
                client.updateProfile(ProfilePatch(displayName = huge, preferredSessionMinutes = UShort.MAX_VALUE, preferences = "[]"))
            },
            "empty name" to { client.updateProfile(ProfilePatch(displayName = "")) },
            "NUL interest" to { client.addInterest("a\u0000b") },
            "huge interest" to { client.addInterest(huge) },
            "language code" to { client.setLanguage(UserLanguage(huge, LanguageRole.LEARNING, null, false)) },
            "onboarding step 0" to { client.saveOnboardingStep(0u, "{}") },
            "onboarding 255 with null JSON" to { client.saveOnboardingStep(255u, "null") },
            "deep JSON" to { client.saveOnboardingStep(1u, "[".repeat(100_000)) },
            "catalog empty" to { runBlocking { client.importCatalog("") } },
            "catalog nested" to { runBlocking { client.importCatalog("""{"situations":[{}]}""") } },
            "summary far future" to { client.learningSummary(PeriodType.WEEKLY, java.time.LocalDate.of(262143, 12, 31)) },
            "summary far past" to { client.learningSummary(PeriodType.DAILY, java.time.LocalDate.of(-262143, 1, 1)) },
            "hint without session" to { client.useHint(UUID.randomUUID()) },
            "answer hostile" to {
                val session = client.startPractice(situation.id, null)
                try {
                    client.answer(
                        session.id,
                        AnswerInput(
                            text = huge,
                            spoken = listOf(
                                RecognizedWord("", Float.NaN, UInt.MAX_VALUE, 0u),
                                RecognizedWord(huge, Float.POSITIVE_INFINITY, 0u, UInt.MAX_VALUE),
                            ),
                            responseTimeMs = UInt.MAX_VALUE,
                        ),
                    )
                } finally {
                    client.abandonPractice(session.id)
                }
            },
            "answer empty text" to {
                val session = client.startPractice(situation.id, null)
                try {
                    client.answer(session.id, AnswerInput(text = " \n\t ", spoken = emptyList()))
                } finally {
                    client.abandonPractice(session.id)
                }
            },
            "group of strangers" to { client.createGroupRoom(" ", null, List(3) { UUID.randomUUID() }) },
            "direct room with self" to { client.createDirectRoom(client.userId()) },
            "record 0 points" to { client.recordPoints(NewPoints(TransactionType.EARNED, 0u, PointSource.REFERRAL)) },
            "record MAX points" to { client.recordPoints(NewPoints(TransactionType.EARNED, UInt.MAX_VALUE, PointSource.REFERRAL)) },
            "edit unknown" to { client.editMessage(UUID.randomUUID(), huge) },
        )
        val outcomes = calls.map { (name, call) ->
            try {
                call()
                "$name: ok"
            } catch (e: StudyMateException) {
                "$name: ${e::class.simpleName}"
            } catch (e: Throwable) {
                throw AssertionFailed("$name crossed as ${e::class.qualifiedName}: ${e.message}")
            }
        }
        expect(outcomes.count { it.endsWith("InvalidInput") } >= 10) { "most are refused as invalid: $outcomes" }
        eq(client.userId(), client.profile().userId, "the client still works")
    },
)

// Errors: each failure core raises reaches Kotlin as its StudyMateException subclass with a
// message written for a person, and hostile input never panics (a panic would surface as
// InternalException).
package app.studymate.core.tests

import app.studymate.core.*
import app.studymate.core.model.*
import java.io.File
import java.util.UUID

/** What an app does with the error: an exhaustive `when`, so a new variant fails to compile here. */
fun describe(error: StudyMateException): String = when (error) {
    is StudyMateException.InvalidInput -> "fix the input"
    is StudyMateException.NotFound -> "missing"
    is StudyMateException.Conflict -> "conflict"
    is StudyMateException.InsufficientPoints -> "earn more points"
    is StudyMateException.FreezeLimitReached -> "no more freezes"
    is StudyMateException.SessionOpen -> "finish the open session"
    is StudyMateException.SyncRunning -> "wait for the sync"
    is StudyMateException.StorageBusy -> "retry"
    is StudyMateException.StorageFull -> "free space"
    is StudyMateException.StorageCorrupt -> "damaged file"
    is StudyMateException.StorageReadOnly -> "read-only file"
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
    TestCase("errors: InvalidInput names the field in a sentence, from core and from malformed JSON") {
        val client = Fixture.open()
        val zone = throws<StudyMateException.InvalidInput>("bad time zone") {
            client.updateProfile(ProfilePatch(timeZone = "Mars/Olympus_Mons"))
        }
        expect(zone.message?.startsWith("time_zone is not accepted: ") == true) { "readable message: ${zone.message}" }
        expect(zone.message?.contains("field=") == false) { "no field=… pairs: ${zone.message}" }
        eq("fix the input", describe(zone), "switch")
        expect(throws<StudyMateException.InvalidInput>("limit 0") { client.changes(0, 0) }.message!!.startsWith("limit ")) { "limit" }
        expect(throws<StudyMateException.InvalidInput>("negative limit") { client.nextUp(-1) }.message!!.startsWith("limit ")) { "negative" }
        val json = throws<StudyMateException.InvalidInput>("not JSON") { client.saveOnboardingStep(1, "{oops") }
        expect(json.message!!.contains("is not accepted: it is not valid JSON")) { "JSON message: ${json.message}" }
        expect(throws<StudyMateException.InvalidInput>("step 7") { client.saveOnboardingStep(7, "{}") }.message!!.startsWith("step ")) { "step" }
        val prefs = throws<StudyMateException.InvalidInput>("bad preferences") { client.updateProfile(ProfilePatch(preferences = "{oops")) }
        expect(prefs.message!!.contains("preferences") && !prefs.message!!.contains("field=")) { "preferences named: ${prefs.message}" }
    },
    TestCase("errors: NotFound says what and which id") {
        val client = Fixture.open()
        val id = UUID.randomUUID()
        val error = throws<StudyMateException.NotFound>("unknown situation") { client.situation(id) }
        eq("no situation with id $id on this device", error.message, "message")
        throws<StudyMateException.NotFound>("unknown room") { client.messages(UUID.randomUUID(), null, 10) }
    },
    TestCase("errors: typed conflicts (points, freezes) and another user's database") {
        val path = Fixture.dbPath()
        val client = Fixture.open(path)
        val overdraft = throws<StudyMateException.InsufficientPoints>("overdraft") {
            client.recordPoints(NewPoints(TransactionType.SPENT, 1, PointSource.ADMIN_ADJUSTMENT))
        }
        eq("not enough points: the balance is 0, this needs 1", overdraft.message, "message")
        eq("earn more points", describe(overdraft), "switch")
        client.recordPoints(NewPoints(TransactionType.EARNED, 10_000, PointSource.ADMIN_ADJUSTMENT))
        val limit = generateSequence { 0 }.take(10).firstNotNullOfOrNull {
            try {
                client.buyStreakFreeze()
                null
            } catch (e: StudyMateException.FreezeLimitReached) {
                e
            }
        } ?: throw AssertionFailed("no freeze limit within 10 purchases")
        expect(limit.message!!.startsWith("already holding ")) { "message: ${limit.message}" }
        client.close()
        throws<StudyMateException.Conflict>("other user") { Fixture.open(path, OpenOptions(userId = UUID.randomUUID())) }
    },
    TestCase("errors: StorageCorrupt, NewerDatabase and Migration when opening bad files") {
        val garbage = Fixture.dbPath()
        File(garbage).writeText("this is not a database, just text long enough to have a header".repeat(20))
        val corrupt = throws<StudyMateException.StorageCorrupt>("not a database") { Fixture.open(garbage) }
        expect(corrupt.message!!.startsWith("the database file is damaged or is not a database")) { "message: ${corrupt.message}" }

        val newer = Fixture.dbPath()
        Fixture.open(newer).close()
        Fixture.sqlite(newer, "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (999, 'future', '', '0')")
        val error = throws<StudyMateException.NewerDatabase>("newer schema") { Fixture.open(newer) }
        expect(error.message!!.contains("schema 999") && error.message!!.endsWith("update the app")) { "message: ${error.message}" }

        val clashing = Fixture.dbPath()
        Fixture.sqlite(clashing, "CREATE TABLE users (x); CREATE TABLE local_meta (y);")
        val migration = throws<StudyMateException.Migration>("migration fails") { Fixture.open(clashing) }
        expect(migration.message!!.startsWith("the database could not be upgraded: ")) { "message: ${migration.message}" }
    },
    TestCase("errors: Closed has a sentence; TokenException carries its reason") {
        val client = Fixture.open()
        client.closeDatabase()
        eq("the client is closed: open the database again", throws<StudyMateException.Closed>("closed") { client.profile() }.message, "Closed")
        val refused = TokenException.SignInRequired("the refresh token expired")
        expect(refused.message!!.contains("the refresh token expired")) { "TokenException message: ${refused.message}" }
    },
    TestCase("errors: a negative count, time or minutes is InvalidInput naming the field, and writes nothing") {
        val client = Fixture.withCatalog()
        val situation = client.situations(SituationFilter()).first()
        val minutes = throws<StudyMateException.InvalidInput>("negative minutes") {
            client.updateProfile(ProfilePatch(preferredSessionMinutes = -30))
        }
        expect(minutes.message!!.startsWith("preferred_session_minutes is not accepted: ")) { "minutes: ${minutes.message}" }
        eq(30, client.profile().preferredSessionMinutes, "minutes kept")
        val points = throws<StudyMateException.InvalidInput>("negative amount") {
            client.recordPoints(NewPoints(TransactionType.EARNED, -5, PointSource.REFERRAL))
        }
        expect(points.message!!.startsWith("amount is not accepted: ")) { "amount: ${points.message}" }
        eq(PointsBalance(0, 0, 0), client.balance(), "balance kept")
        val session = client.startPractice(situation.id, null)
        val time = throws<StudyMateException.InvalidInput>("negative response time") {
            client.answer(session.id, AnswerInput(text = "Hello", responseTimeMs = -1))
        }
        expect(time.message!!.startsWith("response_time_ms is not accepted: ")) { "time: ${time.message}" }
        val word = throws<StudyMateException.InvalidInput>("negative word start") {
            client.answer(session.id, AnswerInput(text = "Hello", spoken = listOf(RecognizedWord("Hello", 0.9f, -400, 100))))
        }
        expect(word.message!!.contains("start_ms")) { "word: ${word.message}" }
        eq(0, client.practiceSession(session.id).turns.count { it.speaker == Speaker.LEARNER }, "no answer recorded")
    },
    TestCase("errors: hostile input is refused or accepted, never a panic") {
        val client = Fixture.withCatalog()
        val situation = client.situations(SituationFilter()).first()
        val huge = "가".repeat(200_000)
        val calls: List<Pair<String, suspend () -> Any?>> = listOf(
            "changes(MIN, MAX)" to { client.changes(Long.MIN_VALUE, Int.MAX_VALUE) },
            "changes(MIN limit)" to { client.changes(0, Int.MIN_VALUE) },
            "history(MAX)" to { client.practiceHistory(null, Int.MAX_VALUE) },
            "history(-1)" to { client.practiceHistory(null, -1) },
            "nextUp(0)" to { client.nextUp(0) },
            "nextUp(MAX)" to { client.nextUp(Int.MAX_VALUE) },
            "nextUp(MIN)" to { client.nextUp(Int.MIN_VALUE) },
            "pointHistory(bad cursor)" to { client.pointHistory("\u0000not-a-cursor", 10) },
            "pointHistory(MAX)" to { client.pointHistory(null, Int.MAX_VALUE) },
            "messages(MIN)" to { client.messages(UUID.randomUUID(), Long.MIN_VALUE, 1) },
            "messages(-5)" to { client.messages(UUID.randomUUID(), null, -5) },
            "profile patch extremes" to {
                client.updateProfile(ProfilePatch(displayName = huge, preferredSessionMinutes = Int.MAX_VALUE, preferences = "[]"))
            },
            "empty name" to { client.updateProfile(ProfilePatch(displayName = "")) },
            "NUL interest" to { client.addInterest("a\u0000b") },
            "huge interest" to { client.addInterest(huge) },
            "language code" to { client.setLanguage(UserLanguage(huge, LanguageRole.LEARNING)) },
            "onboarding step 0" to { client.saveOnboardingStep(0, "{}") },
            "onboarding step -1" to { client.saveOnboardingStep(-1, "{}") },
            "onboarding MAX with null JSON" to { client.saveOnboardingStep(Int.MAX_VALUE, "null") },
            "deep JSON" to { client.saveOnboardingStep(1, "[".repeat(100_000)) },
            "catalog empty" to { client.importCatalog("") },
            "catalog nested" to { client.importCatalog("""{"situations":[{}]}""") },
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
                                RecognizedWord("", Float.NaN, Int.MAX_VALUE, Int.MIN_VALUE),
                                RecognizedWord(huge, Float.POSITIVE_INFINITY, Int.MIN_VALUE, Int.MAX_VALUE),
                            ),
                            responseTimeMs = Int.MIN_VALUE,
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
            "record 0 points" to { client.recordPoints(NewPoints(TransactionType.EARNED, 0, PointSource.REFERRAL)) },
            "record MAX points" to { client.recordPoints(NewPoints(TransactionType.EARNED, Int.MAX_VALUE, PointSource.REFERRAL)) },
            "record MIN points" to { client.recordPoints(NewPoints(TransactionType.EARNED, Int.MIN_VALUE, PointSource.REFERRAL)) },
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
        expect(outcomes.count { it.endsWith("InvalidInput") } >= 15) { "most are refused as invalid: $outcomes" }
        eq(client.userId(), client.profile().userId, "the client still works")
    },
)

// Foreign traits and their adapters: data-change subscriptions, the dataChanges() Flow, the
// logger; toString on objects and enums; the client's lifecycle.
package app.studymate.core.tests

import app.studymate.core.*
import app.studymate.core.model.*
import java.util.UUID
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield

class RecordingObserver : DataObserver {
    val changes = CopyOnWriteArrayList<DataChange>()
    override fun onChange(change: DataChange) {
        changes.add(change)
    }
}

class RecordingLogger : Logger {
    val records = CopyOnWriteArrayList<LogRecord>()
    override fun log(record: LogRecord) {
        records.add(record)
    }
}

val observerTests = listOf(
    TestCase("observer: each successful write reports its areas and rooms; reads and failures do not") {
        val client = Fixture.open()
        val observer = RecordingObserver()
        val subscription = client.subscribe(observer)
        client.addInterest("travel")
        eq(listOf(DataChange(listOf(DataArea.INTERESTS), emptyList())), observer.changes.toList(), "interest write")
        client.importCatalog(Fixture.catalogJson)
        eq(listOf(DataArea.CATALOG), observer.changes.last().areas, "async import")
        client.profile()
        client.situations(SituationFilter())
        runCatching { client.updateProfile(ProfilePatch(timeZone = "Nowhere/Never")) }
        eq(2, observer.changes.size, "reads and failed writes are silent")

        val friend = UUID.randomUUID()
        client.saveContact(PublicProfile(userId = friend, displayName = "Emma", languageLevel = LanguageLevel.BEGINNER, updatedAt = java.time.Instant.now()))
        val room = client.createDirectRoom(friend)
        client.sendMessage(room.id, NewChatMessage(ChatMessageType.TEXT, content = "hi"))
        eq(DataChange(listOf(DataArea.CHAT_MESSAGES), listOf(room.id)), observer.changes.last(), "message write names its room")

        val situation = client.situations(SituationFilter()).first()
        val variation = client.variations(situation.id).first()
        val session = client.startPractice(situation.id, variation.id)
        client.answer(session.id, AnswerInput(text = variation.idealResponses.first()))
        client.completePractice(session.id)
        val completed = observer.changes.last().areas
        expect(completed.containsAll(listOf(DataArea.PRACTICE, DataArea.POINTS, DataArea.ACHIEVEMENTS))) { "completion: $completed" }

        subscription.cancel()
        expect(subscription.isCancelled()) { "cancelled" }
        val count = observer.changes.size
        client.addInterest("food")
        eq(count, observer.changes.size, "a cancelled subscription hears nothing")
    },
    TestCase("observer: two subscriptions at once both hear every write") {
        val client = Fixture.open()
        val (first, second) = RecordingObserver() to RecordingObserver()
        val subscriptions = listOf(client.subscribe(first), client.subscribe(second))
        client.addInterest("travel")
        client.setLanguage(UserLanguage("en", LanguageRole.LEARNING, Cefr.A2, true))
        val expected = listOf(DataChange(listOf(DataArea.INTERESTS), emptyList()), DataChange(listOf(DataArea.LANGUAGES), emptyList()))
        eq(expected, first.changes.toList(), "first")
        eq(expected, second.changes.toList(), "second")
        subscriptions.forEach { it.cancel() }
    },
    TestCase("dataChanges(): a Flow of every committed write; cancelling the collector unsubscribes") {
        val client = Fixture.open()
        coroutineScope {
            // UNDISPATCHED starts the collector at once; callbackFlow subscribes in its producer
            // coroutine, queued on this test's single-threaded loop, so yield lets it subscribe
            // before the writes below (otherwise a fast write can commit first and be missed).
            val collected = async(start = CoroutineStart.UNDISPATCHED) { client.dataChanges().take(2).toList() }
            yield()
            client.addInterest("travel")
            client.updateProfile(ProfilePatch(intro = "hello"))
            client.profile() // a read is not a change
            eq(
                listOf(DataChange(listOf(DataArea.INTERESTS), emptyList()), DataChange(listOf(DataArea.PROFILE), emptyList())),
                withTimeout(10_000) { collected.await() },
                "the flow's changes",
            )
        }
        // The collector ended after two (take(2)): its subscription is gone, writes still work.
        client.addInterest("food")
        eq(setOf("travel", "food"), client.interests().toSet(), "writes after the flow ended")
        val watcher = RecordingObserver()
        client.subscribe(watcher).use { subscription ->
            client.addInterest("music")
            eq(1, watcher.changes.size, "a new subscription still hears")
            subscription.cancel()
        }
    },
    TestCase("toString: objects and enums print something a person can read") {
        val client = Fixture.open()
        eq("StudyMateClient(user ${client.userId()})", client.toString(), "client")
        val subscription = client.subscribe(RecordingObserver())
        eq("DataSubscription(active)", subscription.toString(), "subscription")
        subscription.cancel()
        eq("DataSubscription(cancelled)", subscription.toString(), "cancelled subscription")
        eq("New", RecommendationReason.New.toString(), "unit case of a sealed enum")
        eq("Due(overdueDays=3)", RecommendationReason.Due(3).toString(), "case with fields")
        eq("BEGINNER", LanguageLevel.BEGINNER.toString(), "plain enum")
        client.closeDatabase()
        eq("StudyMateClient(closed)", client.toString(), "closed client")
    },
    TestCase("observer: an observer that throws does not fail the committed write") {
        val client = Fixture.open()
        val heard = RecordingObserver()
        val subscriptions = listOf(
            client.subscribe(object : DataObserver {
                override fun onChange(change: DataChange) = throw IllegalStateException("observer bug")
            }),
            client.subscribe(heard),
        )
        eq(listOf("kept"), client.addInterest("kept"), "write returned")
        eq(listOf("kept"), client.interests(), "write committed")
        eq(1, heard.changes.size, "the next observer still heard it")
        subscriptions.forEach { it.cancel() }
    },
    TestCase("logger: receives the library's tracing output at the chosen level") {
        val logger = RecordingLogger()
        expect(setLogger(logger, LogLevel.INFO)) { "installed as the process's subscriber" }
        try {
            val client = Fixture.open()
            client.importCatalog(Fixture.catalogJson)
            val records = logger.records.toList()
            expect(records.all { it.level >= LogLevel.INFO }) { "levels: ${records.map { it.level }}" }
            expect(records.any { it.target.startsWith("studymate_core") && it.message.contains("database opened") }) { "open: $records" }
            expect(records.any { it.message.startsWith("catalog imported") && it.message.contains("situations=27") }) { "import: $records" }
        } finally {
            clearLogger()
        }
        val count = logger.records.size
        Fixture.open()
        eq(count, logger.records.size, "cleared logger hears nothing")
    },
)

val lifecycleTests = listOf(
    TestCase("lifecycle: calls after closeDatabase() throw Closed; close() releases the handle") {
        val path = Fixture.dbPath()
        val client = Fixture.open(path)
        client.addInterest("kept")
        client.closeDatabase()
        expect(client.isClosed()) { "closed" }
        eq("closed", describe(throws<StudyMateException.Closed>("read after close") { client.profile() }), "switch")
        throws<StudyMateException.Closed>("write after close") { client.addInterest("lost") }
        throws<StudyMateException.Closed>("async after close") { client.importCatalog("{}") }
        client.closeDatabase()
        client.close()
        throws<IllegalStateException>("call on a released handle") { client.isClosed() }
        Fixture.open(path).use { reopened -> eq(listOf("kept"), reopened.interests(), "data survives") }
    },
    TestCase("lifecycle: one client shared by 8 threads") {
        val client = Fixture.open()
        val failures = CopyOnWriteArrayList<Throwable>()
        val threads = (0 until 8).map { n ->
            Thread {
                try {
                    kotlinx.coroutines.runBlocking {
                        repeat(25) { i ->
                            client.addInterest("t$n-$i")
                            client.profile()
                        }
                    }
                } catch (e: Throwable) {
                    failures.add(e)
                }
            }.apply { start() }
        }
        threads.forEach { it.join() }
        eq(emptyList<Throwable>(), failures.toList(), "failures")
        eq(200, client.interests().size, "every write landed")
    },
)
